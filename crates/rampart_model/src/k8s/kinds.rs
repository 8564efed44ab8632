//! The kinds that carry a pod template, where each keeps it, and the API resources that create
//! pods.

/// Kinds that carry a pod template, and the pointers of their pod spec and pod metadata.
pub const POD_BEARING_KINDS: &[(&str, &str, &str)] = &[
    ("Pod", "/spec", "/metadata"),
    ("PodTemplate", "/template/spec", "/template/metadata"),
    (
        "Deployment",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "ReplicaSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "StatefulSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "DaemonSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    ("Job", "/spec/template/spec", "/spec/template/metadata"),
    (
        "ReplicationController",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        "CronJob",
        "/spec/jobTemplate/spec/template/spec",
        "/spec/jobTemplate/spec/template/metadata",
    ),
];

/// Every pod-bearing kind (the kinds of [`POD_BEARING_KINDS`]), in the order check metadata
/// lists them.
pub const POD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicaSet",
    "ReplicationController",
    "PodTemplate",
];

/// Kinds whose pods run to completion.
pub const BATCH_KINDS: &[&str] = &["Job", "CronJob"];

/// Pod-bearing kinds that hold no pod of their own: a PodTemplate only stores a template.
pub const TEMPLATE_ONLY_KINDS: &[&str] = &["PodTemplate"];

/// Pod-bearing kinds whose objects run pods ([`POD_KINDS`] without [`TEMPLATE_ONLY_KINDS`]).
pub const RUNNING_POD_KINDS: &[&str] = &without::<8>(POD_KINDS, TEMPLATE_ONLY_KINDS);

/// Pod-bearing kinds whose pods are meant to keep running ([`POD_KINDS`] without
/// [`BATCH_KINDS`]).
pub const LONG_RUNNING_POD_KINDS: &[&str] = &without::<7>(POD_KINDS, BATCH_KINDS);

/// The API resources (group, resource) of the controllers that create pods from a template: who
/// may create or update one of them may run any pod.
pub const POD_CONTROLLER_RESOURCES: &[(&str, &str)] = &[
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
];

/// Whether `kind` carries a pod template.
pub fn is_pod_bearing(kind: &str) -> bool {
    POD_BEARING_KINDS.iter().any(|(k, _, _)| *k == kind)
}

/// `a` then `b`, for kind lists built from these (`N` must be the sum of their lengths):
/// `const KINDS: &[&str] = &concat::<10>(&["NetworkPolicy", "Namespace"], RUNNING_POD_KINDS);`
pub const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N, "wrong length for the kind list");
    let mut out = [""; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[i + j] = b[j];
        j += 1;
    }
    out
}

/// `all` without the entries of `skip`, in order; `N` must be the length of the result.
const fn without<const N: usize>(all: &[&'static str], skip: &[&'static str]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < all.len() {
        let mut skipped = false;
        let mut j = 0;
        while j < skip.len() {
            if str_eq(all[i], skip[j]) {
                skipped = true;
            }
            j += 1;
        }
        if !skipped {
            out[n] = all[i];
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "wrong length for the kind list");
    out
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The kind of the built-in API resources (plural, lower-case), as the audit log names them in
/// `objectRef.resource`. Unknown (custom) resources are not listed.
pub const RESOURCE_KINDS: &[(&str, &str)] = &[
    ("pods", "Pod"),
    ("podtemplates", "PodTemplate"),
    ("deployments", "Deployment"),
    ("replicasets", "ReplicaSet"),
    ("statefulsets", "StatefulSet"),
    ("daemonsets", "DaemonSet"),
    ("jobs", "Job"),
    ("cronjobs", "CronJob"),
    ("replicationcontrollers", "ReplicationController"),
    ("services", "Service"),
    ("endpoints", "Endpoints"),
    ("endpointslices", "EndpointSlice"),
    ("configmaps", "ConfigMap"),
    ("secrets", "Secret"),
    ("serviceaccounts", "ServiceAccount"),
    ("namespaces", "Namespace"),
    ("nodes", "Node"),
    ("persistentvolumes", "PersistentVolume"),
    ("persistentvolumeclaims", "PersistentVolumeClaim"),
    ("events", "Event"),
    ("leases", "Lease"),
    ("roles", "Role"),
    ("rolebindings", "RoleBinding"),
    ("clusterroles", "ClusterRole"),
    ("clusterrolebindings", "ClusterRoleBinding"),
    ("networkpolicies", "NetworkPolicy"),
    ("ingresses", "Ingress"),
    ("certificatesigningrequests", "CertificateSigningRequest"),
    (
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
    ),
    (
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    ),
    ("validatingadmissionpolicies", "ValidatingAdmissionPolicy"),
    (
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("customresourcedefinitions", "CustomResourceDefinition"),
    ("tokenreviews", "TokenReview"),
    ("subjectaccessreviews", "SubjectAccessReview"),
    ("selfsubjectaccessreviews", "SelfSubjectAccessReview"),
    ("priorityclasses", "PriorityClass"),
    ("storageclasses", "StorageClass"),
    ("runtimeclasses", "RuntimeClass"),
    ("horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    ("poddisruptionbudgets", "PodDisruptionBudget"),
    ("resourcequotas", "ResourceQuota"),
    ("limitranges", "LimitRange"),
];

/// The kind of a built-in resource (`pods` -> `Pod`), or `None` for resources not in
/// [`RESOURCE_KINDS`].
pub fn kind_of_resource(resource: &str) -> Option<&'static str> {
    RESOURCE_KINDS
        .iter()
        .find(|(r, _)| *r == resource)
        .map(|(_, k)| *k)
}

/// The pointer to the pod spec of a pod-bearing kind (`/spec` for a Pod).
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    POD_BEARING_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, spec, _)| *spec)
}

/// Built-in kinds that are cluster-scoped (every other built-in kind is namespaced).
pub const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CertificateSigningRequest",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "CustomResourceDefinition",
    "APIService",
    "TokenReview",
    "SubjectAccessReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "PriorityClass",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "RuntimeClass",
    "IngressClass",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "DeviceClass",
    "ComponentStatus",
];

/// The API resource of a kind (`Deployment` -> `deployments`): the built-in resource of
/// [`RESOURCE_KINDS`], else the API machinery's guess (lower case, plural as
/// `UnsafeGuessKindToResource` makes it).
pub fn resource_of_kind(kind: &str) -> String {
    if let Some((r, _)) = RESOURCE_KINDS.iter().find(|(_, k)| *k == kind) {
        return (*r).to_string();
    }
    let lower = kind.to_ascii_lowercase();
    if lower.is_empty() {
        return lower;
    }
    if lower.ends_with('s') {
        return format!("{lower}es");
    }
    if let Some(stem) = lower.strip_suffix('y') {
        return format!("{stem}ies");
    }
    format!("{lower}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn lists_agree() {
        let table: BTreeSet<_> = POD_BEARING_KINDS.iter().map(|(k, _, _)| *k).collect();
        let names: BTreeSet<_> = POD_KINDS.iter().copied().collect();
        assert_eq!(table, names);
        assert_eq!(names.len(), POD_KINDS.len());
        assert!(!RUNNING_POD_KINDS.contains(&"PodTemplate"));
        assert!(!LONG_RUNNING_POD_KINDS.contains(&"Job"));
        assert!(LONG_RUNNING_POD_KINDS.contains(&"PodTemplate"));
        // Every running kind but Pod has a controller resource, and only those.
        let resources: BTreeSet<String> = RUNNING_POD_KINDS
            .iter()
            .filter(|k| **k != "Pod")
            .map(|k| format!("{}s", k.to_ascii_lowercase()))
            .collect();
        let listed: BTreeSet<String> = POD_CONTROLLER_RESOURCES
            .iter()
            .map(|(_, r)| r.to_string())
            .collect();
        assert_eq!(resources, listed);
        assert!(is_pod_bearing("CronJob"));
        assert!(!is_pod_bearing("Service"));
        assert_eq!(
            kind_of_resource("clusterrolebindings"),
            Some("ClusterRoleBinding")
        );
        assert_eq!(
            pod_spec_pointer("CronJob"),
            Some("/spec/jobTemplate/spec/template/spec")
        );
        for k in POD_KINDS {
            assert!(pod_spec_pointer(k).is_some());
        }
    }
}
