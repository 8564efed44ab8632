//! A deterministic, realistic mix of audit events (shared by the fast-path test and the
//! `replay_bench` example).

use std::io::Write;
use std::path::Path;

/// A small deterministic PRNG (no dependency; the mix only has to be repeatable).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
    /// A UUID-shaped id (audit IDs, pod UIDs).
    fn uuid(&mut self) -> String {
        let a = self.next() as u64;
        let b = self.next() as u64;
        let c = self.next() as u64;
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a as u32,
            (b >> 16) & 0xffff,
            b & 0xfff,
            0x8000 | (c & 0x3fff),
            (a << 17 ^ c) & 0xffff_ffff_ffff
        )
    }
}

/// Writes `events` audit events, one per line: a deterministic mix shaped like a busy
/// production cluster's log under a usual audit policy (Metadata for reads, Secrets and
/// ConfigMaps; Request for other writes; RequestResponse for RBAC), with what real API servers
/// write (UUID audit IDs, `user.extra` credential ids and bound-token pod claims, both
/// timestamps, authorization annotations). Per 1000 events:
///
/// - 280 lease renewals (`update leases`) by kubelets and leader-electing controllers;
/// - 388 get/list/watch by controllers (their own service accounts), the scheduler and kubelets;
/// - 60 list/watch by in-cluster agents (bound service-account tokens: monitoring, DNS, CNI);
/// - 140 pod status patches by kubelets, with the patch body;
/// - 50 core Event creates by controllers and kubelets, with the event body;
/// - 30 pod creates by the ReplicaSet controller with the full pod (1 in 200 privileged, as
///   many with a runtime socket mounted or in kube-system);
/// - 20 workload and ConfigMap updates by people and CI, with bodies;
/// - 25 Secret reads (kubelets, controllers; 1 in 50 by an app, 1 in 100 by a person);
/// - 5 refused requests (403) by namespaces' default service accounts;
/// - 1 exec or port-forward session event (ResponseStarted, then ResponseComplete);
/// - 1 RBAC write (RoleBindings, ClusterRoles; some to cluster-admin or with wildcards).
pub fn generate(path: &Path, events: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut rng = Rng(0x5eed);
    let nodes = [
        "ip-10-0-1-17.ec2.internal",
        "ip-10-0-1-42.ec2.internal",
        "ip-10-0-2-9.ec2.internal",
        "ip-10-0-2-77.ec2.internal",
        "ip-10-0-3-130.ec2.internal",
        "ip-10-0-3-201.ec2.internal",
    ];
    let namespaces = [
        "default",
        "prod",
        "staging",
        "kube-system",
        "monitoring",
        "payments",
        "checkout",
        "ingress-nginx",
    ];
    let controllers = [
        "endpointslice-controller",
        "replicaset-controller",
        "deployment-controller",
        "namespace-controller",
        "job-controller",
        "horizontal-pod-autoscaler",
        "generic-garbage-collector",
        "resourcequota-controller",
    ];
    let people = ["alice@example.com", "bob@example.com", "ci-deployer"];
    let node_extra = |node_hash: usize| {
        format!(
            r#","extra":{{"authentication.kubernetes.io/credential-id":["X509SHA256={:064x}"]}}"#,
            node_hash as u128 * 0x9e37_79b9_7f4a_7c15
        )
    };
    let mut pending_exec: Option<String> = None;
    for i in 0..events {
        let ms = i as u64 / 3; // ~3000 events/s of cluster time
        let ts = |extra_us: u64| {
            let us = ms * 1000 + extra_us;
            let sec = us / 1_000_000;
            format!(
                "2026-12-06T{:02}:{:02}:{:02}.{:06}Z",
                (9 + sec / 3600) % 24,
                (sec / 60) % 60,
                sec % 60,
                us % 1_000_000
            )
        };
        let (t0, t1) = (ts(0), ts(1500 + (i as u64 % 7) * 311));
        let id = rng.uuid();
        let ns = rng.pick(&namespaces);
        let ni = rng.next() % nodes.len();
        let node = nodes[ni];
        let node_ip = format!("10.0.{}.{}", 1 + ni / 2, 17 + ni * 31);
        let kubelet_ua = "kubelet/v1.37.2 (linux/amd64) kubernetes/5c1d2c4";
        let kcm_ua = |c: &str| {
            format!("kube-controller-manager/v1.37.2 (linux/amd64) kubernetes/5c1d2c4/system:serviceaccount:kube-system:{c}")
        };
        let allow = |reason: &str| {
            format!(
                r#","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"{reason}"}}"#
            )
        };
        let sa_user = |ns: &str, sa: &str, pod: Option<(&str, &str, &str)>, jti: &str| {
            let mut extra =
                format!(r#""authentication.kubernetes.io/credential-id":["JTI={jti}"]"#);
            if let Some((pod, uid, node)) = pod {
                extra.push_str(&format!(
                    r#","authentication.kubernetes.io/node-name":["{node}"],"authentication.kubernetes.io/node-uid":["{uid}"],"authentication.kubernetes.io/pod-name":["{pod}"],"authentication.kubernetes.io/pod-uid":["{uid}"]"#
                ));
            }
            format!(
                r#"{{"username":"system:serviceaccount:{ns}:{sa}","uid":"{jti}","groups":["system:serviceaccounts","system:serviceaccounts:{ns}","system:authenticated"],"extra":{{{extra}}}}}"#
            )
        };
        let roll = rng.next() % 1000;
        let line = match roll {
            // Lease renewals: kubelets (kube-node-lease) and leader election (kube-system).
            0..=279 => {
                if roll < 200 {
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s","verb":"update","user":{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]{}}},"sourceIPs":["{node_ip}"],"userAgent":"{kubelet_ua}","objectRef":{{"resource":"leases","namespace":"kube-node-lease","name":"{node}","uid":"{}","apiGroup":"coordination.k8s.io","apiVersion":"v1","resourceVersion":"{}"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        node_extra(ni),
                        rng.uuid(),
                        1_000_000 + i,
                        allow("")
                    )
                } else {
                    let who = rng.pick(&["kube-controller-manager", "kube-scheduler"]);
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{who}?timeout=5s","verb":"update","user":{{"username":"system:{who}","groups":["system:authenticated"]{}}},"sourceIPs":["10.0.0.10"],"userAgent":"{who}/v1.37.2 (linux/amd64) kubernetes/5c1d2c4/leader-election","objectRef":{{"resource":"leases","namespace":"kube-system","name":"{who}","uid":"{}","apiGroup":"coordination.k8s.io","apiVersion":"v1","resourceVersion":"{}"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        node_extra(99),
                        rng.uuid(),
                        1_000_000 + i,
                        allow(&format!(
                            r#"RBAC: allowed by ClusterRoleBinding \"system:{who}\" of ClusterRole \"system:{who}\" to User \"system:{who}\""#
                        ))
                    )
                }
            }
            // Reads by controllers (own service accounts), the scheduler and kubelets.
            280..=649 | 980..=989 | 991..=998 => {
                let (res, group, verb) = [
                    ("configmaps", "", "get"),
                    ("endpoints", "", "list"),
                    ("pods", "", "watch"),
                    ("services", "", "list"),
                    ("deployments", "apps", "get"),
                    ("replicasets", "apps", "list"),
                    ("endpointslices", "discovery.k8s.io", "watch"),
                    ("nodes", "", "get"),
                ][rng.next() % 8];
                let prefix = if group.is_empty() {
                    "/api/v1".to_owned()
                } else {
                    format!("/apis/{group}/v1")
                };
                let kind = rng.next() % 10;
                let (user, ua, ip) = if kind < 6 {
                    let c = rng.pick(&controllers);
                    (
                        sa_user("kube-system", c, None, &format!("{:08x}", c.len() * 7919)),
                        kcm_ua(c),
                        "10.0.0.10".to_owned(),
                    )
                } else if kind < 8 {
                    (
                        format!(
                            r#"{{"username":"system:kube-scheduler","groups":["system:authenticated"]{}}}"#,
                            node_extra(98)
                        ),
                        "kube-scheduler/v1.37.2 (linux/amd64) kubernetes/5c1d2c4/scheduler"
                            .to_owned(),
                        "10.0.0.10".to_owned(),
                    )
                } else {
                    (
                        format!(
                            r#"{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]{}}}"#,
                            node_extra(ni)
                        ),
                        kubelet_ua.to_owned(),
                        node_ip.clone(),
                    )
                };
                let (uri, name) = if verb == "get" {
                    let n = format!("{res}-{}", rng.next() % 40);
                    (
                        format!("{prefix}/namespaces/{ns}/{res}/{n}"),
                        format!(r#","name":"{n}""#),
                    )
                } else if verb == "watch" {
                    (
                        format!("{prefix}/namespaces/{ns}/{res}?allowWatchBookmarks=true&resourceVersion={}&timeout=7m41s&timeoutSeconds=461&watch=true", 900_000 + i),
                        String::new(),
                    )
                } else {
                    (
                        format!("{prefix}/namespaces/{ns}/{res}?limit=500&resourceVersion=0"),
                        String::new(),
                    )
                };
                let api_group = if group.is_empty() {
                    String::new()
                } else {
                    format!(r#","apiGroup":"{group}""#)
                };
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"{uri}","verb":"{verb}","user":{user},"sourceIPs":["{ip}"],"userAgent":"{ua}","objectRef":{{"resource":"{res}","namespace":"{ns}"{name}{api_group},"apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    allow("")
                )
            }
            // In-cluster agents with bound tokens.
            650..=709 => {
                let (sa_ns, sa, res) = [
                    ("monitoring", "prometheus", "pods"),
                    ("monitoring", "kube-state-metrics", "deployments"),
                    ("kube-system", "coredns", "endpointslices"),
                    ("kube-system", "cilium", "pods"),
                ][rng.next() % 4];
                let pod = format!("{sa}-7d9f8b6c5-{:05x}", rng.next() % 0xfffff);
                let uid = rng.uuid();
                let verb = rng.pick(&["list", "watch"]);
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/{res}?resourceVersion={}&watch={}","verb":"{verb}","user":{},"sourceIPs":["10.244.{}.{}"],"userAgent":"{sa}/v2.54.1 (linux/amd64) kubernetes/$Format","objectRef":{{"resource":"{res}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    900_000 + i,
                    verb == "watch",
                    sa_user(
                        sa_ns,
                        sa,
                        Some((&pod, &uid, node)),
                        &format!("{:08x}", sa.len() * 104_729)
                    ),
                    ni,
                    10 + sa.len(),
                    allow("")
                )
            }
            // Pod status patches by kubelets.
            710..=849 => {
                let pod = format!("web-7d9f8b6c5-{:05x}", rng.next() % 0xfffff);
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/pods/{pod}/status","verb":"patch","user":{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]{}}},"sourceIPs":["{node_ip}"],"userAgent":"{kubelet_ua}","objectRef":{{"resource":"pods","namespace":"{ns}","name":"{pod}","apiVersion":"v1","subresource":"status"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{{"metadata":{{"uid":"{}"}},"status":{{"$setElementOrder/conditions":[{{"type":"PodReadyToStartContainers"}},{{"type":"Initialized"}},{{"type":"Ready"}},{{"type":"ContainersReady"}},{{"type":"PodScheduled"}}],"conditions":[{{"lastTransitionTime":"{t0}","status":"True","type":"Ready"}},{{"lastTransitionTime":"{t0}","status":"True","type":"ContainersReady"}}],"containerStatuses":[{{"containerID":"containerd://{:064x}","image":"registry.example/web:1.4.2","imageID":"registry.example/web@sha256:{:064x}","lastState":{{}},"name":"app","ready":true,"restartCount":0,"started":true,"state":{{"running":{{"startedAt":"{t0}"}}}}}}],"podIP":"10.244.{ni}.{}","podIPs":[{{"ip":"10.244.{ni}.{}"}}]}}}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    node_extra(ni),
                    rng.uuid(),
                    rng.next() as u128 * 0x1234_5678_9abc_def1,
                    rng.next() as u128 * 0x0fed_cba9_8765_4321,
                    rng.next() % 250,
                    rng.next() % 250,
                    allow("")
                )
            }
            // Core Event creates.
            850..=899 => {
                let pod = format!("web-7d9f8b6c5-{:05x}", rng.next() % 0xfffff);
                let (reason, msg) = [
                    ("Pulled", "Container image \\\"registry.example/web:1.4.2\\\" already present on machine"),
                    ("Started", "Started container app"),
                    ("Scheduled", "Successfully assigned pod to node"),
                    ("SuccessfulCreate", "Created pod: web-7d9f8b6c5-x2x4z"),
                ][rng.next() % 4];
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/events","verb":"create","user":{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]{}}},"sourceIPs":["{node_ip}"],"userAgent":"{kubelet_ua}","objectRef":{{"resource":"events","namespace":"{ns}","name":"{pod}.18a2b3c4d5e6f708","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"Event","apiVersion":"v1","metadata":{{"name":"{pod}.18a2b3c4d5e6f708","namespace":"{ns}"}},"involvedObject":{{"kind":"Pod","namespace":"{ns}","name":"{pod}","uid":"{}","apiVersion":"v1","fieldPath":"spec.containers{{app}}"}},"reason":"{reason}","message":"{msg}","source":{{"component":"kubelet","host":"{node}"}},"firstTimestamp":"{t0}","lastTimestamp":"{t0}","count":1,"type":"Normal","reportingComponent":"kubelet","reportingInstance":"{node}"}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    node_extra(ni),
                    rng.uuid(),
                    allow("")
                )
            }
            // Pod creates by the ReplicaSet controller, with the full pod.
            900..=929 => {
                let special = rng.next() % 200;
                let privileged = special == 0;
                let volume = if special == 1 {
                    r#"{"name":"host","hostPath":{"path":"/var/run/containerd/containerd.sock","type":""}}"#
                } else {
                    r#"{"name":"data","emptyDir":{}}"#
                };
                let pns = if special == 2 {
                    "kube-system"
                } else if ns == "kube-system" {
                    "default"
                } else {
                    ns
                };
                let pod = format!("web-7d9f8b6c5-{:05x}", rng.next() % 0xfffff);
                let c = "replicaset-controller";
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{pns}/pods","verb":"create","user":{},"sourceIPs":["10.0.0.10"],"userAgent":"{}","objectRef":{{"resource":"pods","namespace":"{pns}","name":"{pod}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"generateName":"web-7d9f8b6c5-","namespace":"{pns}","creationTimestamp":null,"labels":{{"app":"web","pod-template-hash":"7d9f8b6c5"}},"ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b6c5","uid":"{}","controller":true,"blockOwnerDeletion":true}}]}},"spec":{{"volumes":[{volume},{{"name":"kube-api-access","projected":{{"sources":[{{"serviceAccountToken":{{"expirationSeconds":3607,"path":"token"}}}},{{"configMap":{{"name":"kube-root-ca.crt","items":[{{"key":"ca.crt","path":"ca.crt"}}]}}}}],"defaultMode":420}}}}],"containers":[{{"name":"app","image":"registry.example/web:1.4.2","ports":[{{"containerPort":8080,"protocol":"TCP"}}],"env":[{{"name":"LOG_LEVEL","value":"info"}}],"resources":{{"limits":{{"cpu":"500m","memory":"256Mi"}},"requests":{{"cpu":"100m","memory":"128Mi"}}}},"volumeMounts":[{{"name":"data","mountPath":"/data"}},{{"name":"kube-api-access","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}}],"livenessProbe":{{"httpGet":{{"path":"/healthz","port":8080,"scheme":"HTTP"}},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{{"privileged":{privileged},"runAsNonRoot":true,"allowPrivilegeEscalation":{privileged}}}}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"web","serviceAccount":"web","securityContext":{{}},"schedulerName":"default-scheduler","tolerations":[{{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}},"status":{{}}}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    sa_user("kube-system", c, None, "0000e1c7"),
                    kcm_ua(c),
                    rng.uuid(),
                    allow("RBAC: allowed by ClusterRoleBinding \\\"system:controller:replicaset-controller\\\" of ClusterRole \\\"system:controller:replicaset-controller\\\" to ServiceAccount \\\"replicaset-controller/kube-system\\\"")
                )
            }
            // Workload and ConfigMap updates by people and CI.
            930..=949 => {
                let who = rng.pick(&people);
                if roll % 2 == 0 {
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/{ns}/deployments/web?fieldManager=kubectl-client-side-apply&fieldValidation=Strict","verb":"patch","user":{{"username":"{who}","groups":["developers","system:authenticated"]}},"sourceIPs":["192.0.2.{}"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4","objectRef":{{"resource":"deployments","namespace":"{ns}","name":"web","apiGroup":"apps","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{{"metadata":{{"annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{{\"name\":\"web\",\"namespace\":\"{ns}\"}},\"spec\":{{\"replicas\":3}}}}\n"}}}},"spec":{{"replicas":3,"template":{{"spec":{{"containers":[{{"name":"app","image":"registry.example/web:1.4.{}"}}]}}}}}}}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        10 + who.len(),
                        rng.next() % 9,
                        allow("RBAC: allowed by RoleBinding \\\"developers/prod\\\" of ClusterRole \\\"edit\\\" to Group \\\"developers\\\"")
                    )
                } else {
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/configmaps/web-config?fieldManager=kubectl-edit","verb":"update","user":{{"username":"{who}","groups":["developers","system:authenticated"]}},"sourceIPs":["192.0.2.{}"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4","objectRef":{{"resource":"configmaps","namespace":"{ns}","name":"web-config","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        10 + who.len(),
                        allow("")
                    )
                }
            }
            // Secret reads: mostly kubelets (Secret volumes) and controllers, some apps, rarely
            // people.
            950..=974 => {
                let (user, ip, ua) = match rng.next() % 100 {
                    0..=74 => (
                        format!(
                            r#"{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]{}}}"#,
                            node_extra(ni)
                        ),
                        node_ip.clone(),
                        kubelet_ua.to_owned(),
                    ),
                    75..=96 => (
                        sa_user("kube-system", "generic-garbage-collector", None, "0001ab2c"),
                        "10.0.0.10".to_owned(),
                        kcm_ua("generic-garbage-collector"),
                    ),
                    97..=98 => (
                        sa_user(ns, "web", None, "00077f1d"),
                        format!("10.244.{ni}.{}", 10 + ns.len()),
                        "web/1.4.2".to_owned(),
                    ),
                    _ => (
                        format!(
                            r#"{{"username":"{}","groups":["developers","system:authenticated"]}}"#,
                            rng.pick(&people)
                        ),
                        "192.0.2.10".to_owned(),
                        "kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4".to_owned(),
                    ),
                };
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/secrets/db-credentials","verb":"get","user":{user},"sourceIPs":["{ip}"],"userAgent":"{ua}","objectRef":{{"resource":"secrets","namespace":"{ns}","name":"db-credentials","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    allow("")
                )
            }
            // Refused requests.
            975..=979 => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/secrets","verb":"list","user":{},"sourceIPs":["10.244.{}.{}"],"userAgent":"curl/8.5.0","objectRef":{{"resource":"secrets","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"status":"Failure","message":"secrets is forbidden: User \"system:serviceaccount:{ns}:default\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{ns}\"","reason":"Forbidden","details":{{"kind":"secrets"}},"code":403}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}","annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}}}"#,
                sa_user(ns, "default", None, "000dead0"),
                ni,
                40 + ns.len()
            ),
            // Exec and port-forward sessions: ResponseStarted, then ResponseComplete.
            990 => {
                let (stage, aid) = match pending_exec.take() {
                    Some(a) => ("ResponseComplete", a),
                    None => {
                        pending_exec = Some(id.clone());
                        ("ResponseStarted", id.clone())
                    }
                };
                let sub = if i % 5 == 4 { "portforward" } else { "exec" };
                let q = if sub == "exec" {
                    "?command=sh&command=-c&command=id&container=app&stdin=true&stdout=true&tty=true"
                } else {
                    ""
                };
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{aid}","stage":"{stage}","requestURI":"/api/v1/namespaces/{ns}/pods/web-7d9f8b6c5-x2x4z/{sub}{q}","verb":"create","user":{{"username":"{}","groups":["developers","system:authenticated"]}},"sourceIPs":["192.0.2.10"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4","objectRef":{{"resource":"pods","namespace":"{ns}","name":"web-7d9f8b6c5-x2x4z","apiVersion":"v1","subresource":"{sub}"}},"responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                    rng.pick(&people),
                    allow("")
                )
            }
            // RBAC writes.
            _ => {
                let who = rng.pick(&people);
                if i % 2 == 0 {
                    let role = if rng.next() % 4 == 0 {
                        "cluster-admin"
                    } else {
                        "view"
                    };
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{id}","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings?fieldManager=kubectl-create","verb":"create","user":{{"username":"{who}","groups":["developers","system:authenticated"]}},"sourceIPs":["192.0.2.11"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4","objectRef":{{"resource":"rolebindings","namespace":"{ns}","name":"rb-{i}","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"rb-{i}","namespace":"{ns}","creationTimestamp":null}},"subjects":[{{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"carol"}}],"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"{role}"}}}},"responseObject":{{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"rb-{i}","namespace":"{ns}","uid":"{}","resourceVersion":"{}","creationTimestamp":"{t0}"}},"subjects":[{{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"carol"}}],"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"{role}"}}}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        rng.uuid(),
                        1_000_000 + i,
                        allow("")
                    )
                } else {
                    let verbs = if rng.next() % 3 == 0 {
                        r#"["*"]"#
                    } else {
                        r#"["get","list","watch"]"#
                    };
                    format!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{id}","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterroles?fieldManager=kubectl-create","verb":"create","user":{{"username":"{who}","groups":["developers","system:authenticated"]}},"sourceIPs":["192.0.2.11"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/5c1d2c4","objectRef":{{"resource":"clusterroles","name":"reader-{i}","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"reader-{i}","creationTimestamp":null}},"rules":[{{"verbs":{verbs},"apiGroups":[""],"resources":["pods","services","configmaps"]}}]}},"responseObject":{{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"reader-{i}","uid":"{}","resourceVersion":"{}","creationTimestamp":"{t0}"}},"rules":[{{"verbs":{verbs},"apiGroups":[""],"resources":["pods","services","configmaps"]}}]}},"requestReceivedTimestamp":"{t0}","stageTimestamp":"{t1}"{}}}"#,
                        rng.uuid(),
                        1_000_000 + i,
                        allow("")
                    )
                }
            }
        };
        writeln!(w, "{line}").expect("write");
    }
    w.flush().expect("flush");
}
