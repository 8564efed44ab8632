//! `volume-type-not-restricted`: the pod uses a volume type the restricted Pod Security Standard
//! forbids (network and cloud disks, `flexVolume`, ...).
//!
//! `hostPath` and `gitRepo` have their own checks (`hostpath-volume`, `gitrepo-volume`) and are
//! left out here. The list is `rampart_model::k8s::volumes::PSS_RESTRICTED_FORBIDDEN`.

use rampart_model::k8s::volumes::PSS_RESTRICTED_FORBIDDEN;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

/// Forbidden types reported by checks of their own.
const OWN_CHECKS: &[&str] = &["hostPath", "gitRepo"];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "volume-type-not-restricted",
        title: "Pod uses a volume type the restricted policy forbids",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[common::pss_restricted("Volume Types"), common::NIST_RUNTIME_CONFIG],
        rationale: "The restricted Pod Security Standard allows only volume types that go \
            through a PersistentVolumeClaim, CSI or the pod's own data (configMap, secret, \
            emptyDir, projected, ...). Inline network and cloud volumes (nfs, iscsi, rbd, cephfs, \
            awsElasticBlockStore, azureFile, flexVolume, ...) bypass the storage class and its \
            access rules: the pod spec names the server, export or disk and often its \
            credentials, so anyone who can create a pod can mount any share the nodes can \
            reach, and flexVolume drivers run as root on the node.",
        remediation: "Provision the storage as a PersistentVolume (or through a CSI driver) \
            and mount it with a PersistentVolumeClaim, so that who may use it is decided by \
            the cluster's storage policy rather than by each pod spec.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: data\n  nfs: {server: nfs.example.com, path: /exports/data}\n",
        example_pass: "volumes:\n- name: data\n  persistentVolumeClaim: {claimName: data}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, v) in w.volumes() {
        let Some(map) = v.as_object() else { continue };
        let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
        for ty in PSS_RESTRICTED_FORBIDDEN
            .iter()
            .filter(|t| !OWN_CHECKS.contains(t) && map.contains_key(**t))
        {
            out.emit(
                ptr.join(ty),
                format!("volume `{name}` is an inline {ty} volume, which the restricted policy forbids"),
            );
        }
    }
}
