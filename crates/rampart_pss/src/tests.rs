use serde_json::{json, Value};

use super::*;

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

fn pod_with_annotations(annotations: Value, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "annotations": annotations}, "spec": spec})
}

fn eval(level: &str, version: &str, obj: &Value) -> Vec<Violation> {
    let kind = obj["kind"].as_str().expect("kind");
    let w = Workload::of(kind, obj).expect("pod-bearing");
    let level: Level = level.parse().expect("level");
    let version: Version = version.parse().expect("version");
    let v = evaluate(level, version, &w);
    assert_eq!(
        v.is_empty(),
        allowed(level, version, &w),
        "allowed() agrees"
    );
    v
}

fn ids(v: &[Violation]) -> Vec<&'static str> {
    v.iter().map(|v| v.check).collect()
}

fn ptrs(v: &Violation) -> Vec<&str> {
    v.pointers.iter().map(Pointer::as_str).collect()
}

/// A container that satisfies every restricted check on its own.
fn good_container(name: &str) -> Value {
    json!({"name": name, "image": "x", "securityContext": {
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"}
    }})
}

fn restricted_pod() -> Value {
    pod(json!({"containers": [good_container("app")]}))
}

fn set(obj: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let target = obj.pointer_mut(parent).expect("parent exists");
    match target {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
        _ => panic!("cannot set {pointer}"),
    }
}

#[test]
fn levels_and_versions_parse_and_display() {
    assert_eq!("baseline".parse::<Level>(), Ok(Level::Baseline));
    assert_eq!("restricted".parse::<Level>(), Ok(Level::Restricted));
    assert_eq!("privileged".parse::<Level>(), Ok(Level::Privileged));
    assert!("Baseline".parse::<Level>().is_err());
    assert_eq!(Level::Restricted.to_string(), "restricted");

    assert_eq!("latest".parse::<Version>(), Ok(Version::Latest));
    assert_eq!("v1.0".parse::<Version>(), Ok(Version::V1(0)));
    assert_eq!("v1.37".parse::<Version>(), Ok(Version::V1(37)));
    for bad in [
        "v1.38", "v1.01", "1.20", "v2.0", "v1.", "v1.-1", "v1.2x", "",
    ] {
        assert!(bad.parse::<Version>().is_err(), "{bad} must be rejected");
    }
    assert_eq!(Version::V1(25).to_string(), "v1.25");
    assert_eq!(Version::Latest.to_string(), "latest");
    assert_eq!(Version::Latest.resolved_minor(), LATEST_MINOR);
    assert_eq!(Version::V1(99).resolved_minor(), LATEST_MINOR);
    assert_eq!(
        serde_json::to_value(Version::V1(3)).expect("serialize"),
        json!("v1.3")
    );
    assert_eq!(
        serde_json::to_value(Level::Baseline).expect("serialize"),
        json!("baseline")
    );
}

#[test]
fn check_table_is_consistent() {
    let mut seen = std::collections::HashSet::new();
    for c in checks() {
        assert!(seen.insert(c.id), "duplicate id {}", c.id);
        assert!(matches!(c.level, Level::Baseline | Level::Restricted));
        assert!(!c.versions.is_empty());
        assert!(
            c.versions
                .windows(2)
                .all(|w| w[0].min_minor < w[1].min_minor),
            "{}: versions strictly increasing",
            c.id
        );
        for v in c.versions {
            assert!(v.min_minor <= LATEST_MINOR);
            for o in v.overrides {
                assert_eq!(
                    c.level,
                    Level::Restricted,
                    "{}: only restricted overrides",
                    c.id
                );
                assert_eq!(check(o).map(|x| x.level), Some(Level::Baseline), "{o}");
            }
        }
    }
    assert_eq!(checks().len(), 19);
    let max = checks()
        .iter()
        .flat_map(|c| c.versions.iter().map(|v| v.min_minor))
        .max();
    assert_eq!(max, Some(LATEST_MINOR), "latest is the newest revision");
}

#[test]
fn active_checks_follow_versions_and_overrides() {
    let names = |l, v: &str| -> Vec<&str> {
        active_checks(l, v.parse().expect("version"))
            .into_iter()
            .map(|(c, _)| c.id)
            .collect()
    };
    assert!(names(Level::Privileged, "latest").is_empty());
    let b0 = names(Level::Baseline, "v1.0");
    assert_eq!(b0.len(), 11);
    assert!(!b0.contains(&"hostProbesAndHostLifecycle"));
    assert!(names(Level::Baseline, "v1.34").contains(&"hostProbesAndHostLifecycle"));

    let r0 = names(Level::Restricted, "v1.0");
    assert!(r0.contains(&"seccompProfile_baseline"));
    assert!(r0.contains(&"capabilities_baseline"));
    assert!(!r0.contains(&"hostPathVolumes"));
    assert!(!r0.contains(&"allowPrivilegeEscalation"));
    assert!(!r0.contains(&"runAsUser"));

    let r = names(Level::Restricted, "latest");
    for gone in [
        "seccompProfile_baseline",
        "capabilities_baseline",
        "hostPathVolumes",
        "procMount",
    ] {
        assert!(!r.contains(&gone), "{gone} is overridden at latest");
    }
    assert!(r.contains(&"procMount_restricted"));
    // 12 baseline checks minus the 4 overridden ones, plus 7 restricted checks.
    assert_eq!(r.len(), 15);
    // Baseline checks come first, as upstream evaluates them.
    let first_restricted = r
        .iter()
        .position(|id| check(id).map(|c| c.level) == Some(Level::Restricted))
        .expect("some restricted");
    assert!(r[first_restricted..]
        .iter()
        .all(|id| check(id).map(|c| c.level) == Some(Level::Restricted)));
}

#[test]
fn privileged_level_allows_anything() {
    let obj = pod(json!({"hostPID": true, "containers": [
        {"name": "a", "securityContext": {"privileged": true}}]}));
    assert!(eval("privileged", "latest", &obj).is_empty());
}

#[test]
fn restricted_pod_is_allowed_everywhere() {
    let obj = restricted_pod();
    for n in 0..=LATEST_MINOR {
        let v = format!("v1.{n}");
        assert!(eval("restricted", &v, &obj).is_empty(), "{v}");
        assert!(eval("baseline", &v, &obj).is_empty(), "{v}");
    }
}

#[test]
fn privileged_points_at_the_field() {
    let obj = pod(json!({"containers": [
        {"name": "a", "securityContext": {"privileged": true}},
        {"name": "b", "securityContext": {"privileged": false}},
        {"name": "c", "securityContext": {"privileged": null}}
    ]}));
    let v = eval("baseline", "latest", &obj);
    assert_eq!(ids(&v), ["privileged"]);
    assert_eq!(v[0].reason, "privileged");
    assert_eq!(
        v[0].detail,
        "container \"a\" must not set securityContext.privileged=true"
    );
    assert_eq!(
        ptrs(&v[0]),
        ["/spec/containers/0/securityContext/privileged"]
    );
}

#[test]
fn every_container_list_is_visited() {
    let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
        "initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
        "containers": [{"name": "a"}],
        "ephemeralContainers": [{"name": "e", "securityContext": {"privileged": true}}]
    }}}});
    let v = eval("baseline", "latest", &obj);
    assert_eq!(
        v[0].detail,
        "containers \"i\", \"e\" must not set securityContext.privileged=true"
    );
    assert_eq!(
        ptrs(&v[0]),
        [
            "/spec/template/spec/initContainers/0/securityContext/privileged",
            "/spec/template/spec/ephemeralContainers/0/securityContext/privileged"
        ]
    );
}

#[test]
fn host_namespaces_detail_is_sorted() {
    let obj = pod(
        json!({"hostPID": true, "hostNetwork": true, "hostIPC": false, "containers": [{"name": "a"}]}),
    );
    let v = eval("baseline", "v1.0", &obj);
    assert_eq!(ids(&v), ["hostNamespaces"]);
    assert_eq!(v[0].detail, "hostNetwork, hostPID");
    assert_eq!(ptrs(&v[0]), ["/spec/hostNetwork", "/spec/hostPID"]);
}

#[test]
fn capabilities_restricted_overrides_baseline_and_exempts_windows() {
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/capabilities",
        json!({"drop": ["ALL"], "add": ["NET_RAW", "NET_BIND_SERVICE"]}),
    );
    // Before 1.22 restricted runs capabilities_baseline.
    assert_eq!(
        ids(&eval("restricted", "v1.21", &obj)),
        ["capabilities_baseline"]
    );
    let v = eval("restricted", "v1.22", &obj);
    assert_eq!(ids(&v), ["capabilities_restricted"]);
    assert_eq!(
        v[0].detail,
        "container \"app\" must not include \"NET_RAW\" in securityContext.capabilities.add"
    );
    assert_eq!(
        ptrs(&v[0]),
        ["/spec/containers/0/securityContext/capabilities/add/0"]
    );

    // A Windows pod is exempt from capabilities_restricted from 1.25, and then the overridden
    // baseline check does not run either.
    set(&mut obj, "/spec/os", json!({"name": "windows"}));
    assert_eq!(
        ids(&eval("restricted", "v1.24", &obj)),
        ["capabilities_restricted"]
    );
    assert!(eval("restricted", "v1.25", &obj).is_empty());
    assert_eq!(
        ids(&eval("baseline", "v1.25", &obj)),
        ["capabilities_baseline"]
    );
}

#[test]
fn capabilities_restricted_missing_drop_points_at_the_nearest_parent() {
    let obj = pod(
        json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost"}},
        "containers": [
            {"name": "bare", "securityContext": {"allowPrivilegeEscalation": false}},
            {"name": "nosc", "securityContext": null},
            {"name": "wrongdrop", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["all"]}}},
            {"name": "nodrop", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {}}}
        ]}),
    );
    let v = eval("restricted", "latest", &obj);
    let caps = v
        .iter()
        .find(|v| v.check == "capabilities_restricted")
        .expect("capabilities_restricted");
    assert_eq!(
        caps.detail,
        "containers \"bare\", \"nosc\", \"wrongdrop\", \"nodrop\" must set securityContext.capabilities.drop=[\"ALL\"]"
    );
    assert_eq!(
        ptrs(caps),
        [
            "/spec/containers/0/securityContext",
            "/spec/containers/1",
            "/spec/containers/2/securityContext/capabilities/drop",
            "/spec/containers/3/securityContext/capabilities"
        ]
    );
    let ape = v
        .iter()
        .find(|v| v.check == "allowPrivilegeEscalation")
        .expect("allowPrivilegeEscalation");
    assert_eq!(ptrs(ape), ["/spec/containers/1"]);
}

#[test]
fn seccomp_annotations_before_1_19_fields_after() {
    let annotated = pod_with_annotations(
        json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined",
               "container.seccomp.security.alpha.kubernetes.io/app": "docker/default",
               "container.seccomp.security.alpha.kubernetes.io/other": "unconfined"}),
        json!({"containers": [{"name": "app"}]}),
    );
    let v = eval("baseline", "v1.18", &annotated);
    assert_eq!(ids(&v), ["seccompProfile_baseline"]);
    assert_eq!(
        v[0].detail,
        "forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\""
    );
    assert_eq!(
        ptrs(&v[0]),
        ["/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"]
    );
    assert!(eval("baseline", "v1.19", &annotated).is_empty());

    let field = pod(
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                           "containers": [{"name": "app"}]}),
    );
    assert!(eval("baseline", "v1.18", &field).is_empty());
    let v = eval("baseline", "v1.19", &field);
    assert_eq!(
        v[0].detail,
        "pod must not set securityContext.seccompProfile.type to \"Unconfined\""
    );
    assert_eq!(ptrs(&v[0]), ["/spec/securityContext/seccompProfile/type"]);
}

#[test]
fn seccomp_restricted_container_level_and_pod_level() {
    // Every container sets a valid profile: the pod need not.
    assert!(eval("restricted", "latest", &restricted_pod()).is_empty());

    // The pod sets one; a container without one is covered, one with a bad one is not.
    let mut obj = pod(
        json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost"}},
                             "containers": [good_container("a"), good_container("b")]}),
    );
    set(
        &mut obj,
        "/spec/containers/0/securityContext/seccompProfile",
        Value::Null,
    );
    assert!(eval("restricted", "latest", &obj).is_empty());
    set(
        &mut obj,
        "/spec/containers/1/securityContext/seccompProfile",
        json!({"type": "Unconfined"}),
    );
    let v = eval("restricted", "latest", &obj);
    assert_eq!(ids(&v), ["seccompProfile_restricted"]);
    assert_eq!(
        v[0].detail,
        "container \"b\" must not set securityContext.seccompProfile.type to \"Unconfined\""
    );

    // Nobody sets one: "pod or containers must set".
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/seccompProfile",
        Value::Null,
    );
    let v = eval("restricted", "latest", &obj);
    assert_eq!(
        v[0].detail,
        "pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""
    );
    assert_eq!(ptrs(&v[0]), ["/spec/containers/0/securityContext"]);
    // An empty profile object has type "", which is not valid.
    set(
        &mut obj,
        "/spec/containers/0/securityContext/seccompProfile",
        json!({}),
    );
    let v = eval("restricted", "latest", &obj);
    assert_eq!(
        ptrs(&v[0]),
        ["/spec/containers/0/securityContext/seccompProfile"]
    );
    // Windows pods are exempt from 1.25.
    set(&mut obj, "/spec/os", json!({"name": "windows"}));
    assert!(eval("restricted", "v1.25", &obj).is_empty());
    assert_eq!(
        ids(&eval("restricted", "v1.24", &obj)),
        ["seccompProfile_restricted"]
    );
}

#[test]
fn sysctls_grow_by_version() {
    let with = |name: &str| {
        pod(
            json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]},
                   "containers": [{"name": "a"}]}),
        )
    };
    let cases = [
        ("kernel.shm_rmid_forced", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ];
    for (name, from) in cases {
        let obj = with(name);
        if from > 0 {
            let v = eval("baseline", &format!("v1.{}", from - 1), &obj);
            assert_eq!(ids(&v), ["sysctls"], "{name}");
            assert_eq!(v[0].detail, name);
            assert_eq!(ptrs(&v[0]), ["/spec/securityContext/sysctls/0/name"]);
        }
        assert!(
            eval("baseline", &format!("v1.{from}"), &obj).is_empty(),
            "{name}"
        );
        assert!(eval("baseline", "latest", &obj).is_empty(), "{name}");
    }
    let v = eval("baseline", "latest", &with("kernel.msgmax"));
    assert_eq!(v[0].reason, "forbidden sysctls");
}

#[test]
fn host_probes_from_1_34() {
    let obj = pod(json!({"containers": [{"name": "a",
        "livenessProbe": {"httpGet": {"host": "169.254.169.254", "port": 80}},
        "readinessProbe": {"tcpSocket": {"host": "", "port": 80}},
        "lifecycle": {"preStop": {"tcpSocket": {"host": "10.0.0.1", "port": 1}}}}]}));
    assert!(eval("baseline", "v1.33", &obj).is_empty());
    let v = eval("baseline", "v1.34", &obj);
    assert_eq!(ids(&v), ["hostProbesAndHostLifecycle"]);
    assert_eq!(
        v[0].detail,
        "container \"a\" uses probe or lifecycle hosts \"10.0.0.1\", \"169.254.169.254\""
    );
    assert_eq!(
        ptrs(&v[0]),
        [
            "/spec/containers/0/livenessProbe/httpGet/host",
            "/spec/containers/0/lifecycle/preStop/tcpSocket/host"
        ]
    );
}

#[test]
fn proc_mount_and_user_namespaces() {
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/procMount",
        json!("Unmasked"),
    );
    assert_eq!(ids(&eval("baseline", "v1.35", &obj)), ["procMount"]);
    set(&mut obj, "/spec/hostUsers", json!(false));
    assert_eq!(ids(&eval("baseline", "v1.34", &obj)), ["procMount"]);
    assert!(eval("baseline", "v1.35", &obj).is_empty());
    assert_eq!(ids(&eval("restricted", "v1.34", &obj)), ["procMount"]);
    assert_eq!(
        ids(&eval("restricted", "v1.35", &obj)),
        ["procMount_restricted"]
    );
    // An explicitly empty procMount is not "Default".
    set(
        &mut obj,
        "/spec/containers/0/securityContext/procMount",
        json!(""),
    );
    assert_eq!(
        ids(&eval("restricted", "latest", &obj)),
        ["procMount_restricted"]
    );
    set(
        &mut obj,
        "/spec/containers/0/securityContext/procMount",
        json!("Default"),
    );
    assert!(eval("restricted", "latest", &obj).is_empty());
}

#[test]
fn run_as_non_root_and_run_as_user() {
    // Pod-level false is a violation even when every container sets true.
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/securityContext",
        json!({"runAsNonRoot": false}),
    );
    let v = eval("restricted", "latest", &obj);
    assert_eq!(ids(&v), ["runAsNonRoot"]);
    assert_eq!(
        v[0].detail,
        "pod must not set securityContext.runAsNonRoot=false"
    );
    assert_eq!(ptrs(&v[0]), ["/spec/securityContext/runAsNonRoot"]);

    // Pod-level true covers containers that leave it unset, not ones that set false.
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/securityContext",
        json!({"runAsNonRoot": true}),
    );
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsNonRoot",
        Value::Null,
    );
    assert!(eval("restricted", "latest", &obj).is_empty());
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsNonRoot",
        json!(false),
    );
    assert_eq!(ids(&eval("restricted", "latest", &obj)), ["runAsNonRoot"]);

    // runAsUser=0 from 1.23; user-namespace pods are exempt from both from 1.35.
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsUser",
        json!(0),
    );
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsNonRoot",
        Value::Null,
    );
    assert_eq!(ids(&eval("restricted", "v1.22", &obj)), ["runAsNonRoot"]);
    let v = eval("restricted", "v1.23", &obj);
    assert_eq!(ids(&v), ["runAsNonRoot", "runAsUser"]);
    assert_eq!(v[1].detail, "container \"app\" must not set runAsUser=0");
    set(&mut obj, "/spec/hostUsers", json!(false));
    assert_eq!(
        ids(&eval("restricted", "v1.34", &obj)),
        ["runAsNonRoot", "runAsUser"]
    );
    assert!(eval("restricted", "v1.35", &obj).is_empty());
}

#[test]
fn allow_privilege_escalation_from_1_8_windows_exempt_from_1_25() {
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/allowPrivilegeEscalation",
        json!(true),
    );
    assert!(eval("restricted", "v1.7", &obj).is_empty());
    let v = eval("restricted", "v1.8", &obj);
    assert_eq!(ids(&v), ["allowPrivilegeEscalation"]);
    assert_eq!(v[0].reason, "allowPrivilegeEscalation != false");
    set(&mut obj, "/spec/os", json!({"name": "windows"}));
    assert!(eval("restricted", "v1.25", &obj).is_empty());
    // Only the exact name "windows" exempts.
    set(&mut obj, "/spec/os", json!({"name": "Windows"}));
    assert_eq!(
        ids(&eval("restricted", "v1.25", &obj)),
        ["allowPrivilegeEscalation"]
    );
}

#[test]
fn selinux_types_by_version_user_and_role() {
    let obj = pod(json!({"containers": [{"name": "a",
        "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}]}));
    assert_eq!(ids(&eval("baseline", "v1.30", &obj)), ["seLinuxOptions"]);
    assert!(eval("baseline", "v1.31", &obj).is_empty());

    let obj = pod(
        json!({"securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "root"}},
                         "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"role": "r"}}}]}),
    );
    let v = eval("baseline", "latest", &obj);
    assert_eq!(
        v[0].detail,
        "pod and container \"a\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set; role may not be set"
    );
    assert_eq!(
        ptrs(&v[0]),
        [
            "/spec/securityContext/seLinuxOptions/type",
            "/spec/securityContext/seLinuxOptions/user",
            "/spec/containers/0/securityContext/seLinuxOptions/role"
        ]
    );
    // An empty seLinuxOptions is fine.
    let obj =
        pod(json!({"securityContext": {"seLinuxOptions": {}}, "containers": [{"name": "a"}]}));
    assert!(eval("baseline", "latest", &obj).is_empty());
}

#[test]
fn apparmor_fields_and_annotations_at_every_version() {
    let obj = pod(json!({"containers": [{"name": "a",
        "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]}));
    let v = eval("baseline", "v1.0", &obj);
    assert_eq!(ids(&v), ["appArmorProfile"]);
    assert_eq!(
        v[0].detail,
        "container \"a\" must not set AppArmor profile type to \"Unconfined\""
    );
    let obj =
        pod(json!({"securityContext": {"appArmorProfile": {}}, "containers": [{"name": "a"}]}));
    assert_eq!(
        ptrs(&eval("baseline", "latest", &obj)[0]),
        ["/spec/securityContext/appArmorProfile"]
    );
    let obj = pod(
        json!({"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}},
                         "containers": [{"name": "a"}]}),
    );
    assert!(eval("baseline", "latest", &obj).is_empty());

    let obj = pod_with_annotations(
        json!({"container.apparmor.security.beta.kubernetes.io/a": "unconfined",
               "container.apparmor.security.beta.kubernetes.io/b": "localhost/prof",
               "container.apparmor.security.beta.kubernetes.io/c": ""}),
        json!({"containers": [{"name": "a"}]}),
    );
    let v = eval("baseline", "latest", &obj);
    assert_eq!(v[0].reason, "forbidden AppArmor profile");
    assert_eq!(
        v[0].detail,
        "annotation must not set AppArmor profile type to \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\""
    );
    assert_eq!(
        ptrs(&v[0]),
        ["/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1a"]
    );
}

#[test]
fn volumes_baseline_and_restricted() {
    let obj = pod(json!({"containers": [{"name": "a"}], "volumes": [
        {"name": "img", "image": {"reference": "x"}},
        {"name": "defaulted"},
        {"name": "host", "hostPath": {"path": "/"}},
        {"name": "nfs", "nfs": {"server": "s", "path": "/"}},
        {"name": "both", "configMap": {"name": "c"}, "hostPath": {"path": "/"}}
    ]}));
    let v = eval("baseline", "latest", &obj);
    assert_eq!(ids(&v), ["hostPathVolumes"]);
    assert_eq!(v[0].detail, "volumes \"host\", \"both\"");
    assert_eq!(
        ptrs(&v[0]),
        ["/spec/volumes/2/hostPath", "/spec/volumes/4/hostPath"]
    );

    let mut r = obj.clone();
    set(&mut r, "/spec/containers/0", good_container("a"));
    let v = eval("restricted", "v1.0", &r);
    // hostPathVolumes is overridden by restrictedVolumes, which (as upstream) accepts a volume
    // that also sets an allowed source.
    assert_eq!(ids(&v), ["restrictedVolumes"]);
    assert_eq!(
        v[0].detail,
        "volumes \"host\", \"nfs\" use restricted volume types \"hostPath\", \"nfs\""
    );
    assert_eq!(
        ptrs(&v[0]),
        ["/spec/volumes/2/hostPath", "/spec/volumes/3/nfs"]
    );
}

#[test]
fn host_ports() {
    let obj = pod(json!({"containers": [
        {"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81, "hostPort": 0}]},
        {"name": "b", "ports": [{"containerPort": 80, "hostPort": 443}]}
    ]}));
    let v = eval("baseline", "latest", &obj);
    assert_eq!(v[0].reason, "hostPort");
    assert_eq!(
        v[0].detail,
        "containers \"a\", \"b\" use hostPorts 443, 8080"
    );
    assert_eq!(
        ptrs(&v[0]),
        [
            "/spec/containers/0/ports/0/hostPort",
            "/spec/containers/1/ports/0/hostPort"
        ]
    );
}

#[test]
fn windows_host_process() {
    let obj = pod(
        json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
                         "containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}}]}),
    );
    let v = eval("baseline", "latest", &obj);
    assert_eq!(
        v[0].detail,
        "pod and container \"a\" must not set securityContext.windowsOptions.hostProcess=true"
    );
}

#[test]
fn wrong_types_fail_closed_with_pointers() {
    let obj = pod(json!({"hostNetwork": "true", "containers": [
        {"name": "a", "securityContext": {"privileged": "yes"}},
        {"name": "b", "securityContext": "oops"}
    ]}));
    let v = eval("baseline", "latest", &obj);
    let priv_v = v
        .iter()
        .find(|v| v.check == "privileged")
        .expect("privileged fails");
    assert!(priv_v
        .detail
        .contains("/spec/containers/0/securityContext/privileged (expected boolean)"));
    assert!(priv_v
        .detail
        .contains("/spec/containers/1/securityContext (expected object)"));
    assert_eq!(
        ptrs(priv_v),
        [
            "/spec/containers/0/securityContext/privileged",
            "/spec/containers/1/securityContext"
        ]
    );
    let ns = v
        .iter()
        .find(|v| v.check == "hostNamespaces")
        .expect("hostNamespaces fails");
    assert_eq!(ptrs(ns), ["/spec/hostNetwork"]);
    assert_eq!(
        ns.detail,
        "fields of wrong type: /spec/hostNetwork (expected boolean)"
    );

    // A string runAsUser is not a number, so it cannot be proven non-zero.
    let mut obj = restricted_pod();
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsUser",
        json!("0"),
    );
    assert_eq!(ids(&eval("restricted", "latest", &obj)), ["runAsUser"]);
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsUser",
        json!(0.0),
    );
    assert_eq!(ids(&eval("restricted", "latest", &obj)), ["runAsUser"]);
    set(
        &mut obj,
        "/spec/containers/0/securityContext/runAsUser",
        json!(1000),
    );
    assert!(eval("restricted", "latest", &obj).is_empty());
}

#[test]
fn garbage_never_panics() {
    let garbage = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1.5),
        json!("s"),
        json!([]),
        json!([null, 1, "x", {}]),
        json!({}),
        json!({"x": [1]}),
    ];
    let fields = [
        "/spec",
        "/spec/containers",
        "/spec/containers/0",
        "/spec/containers/0/securityContext",
        "/spec/containers/0/securityContext/capabilities",
        "/spec/containers/0/securityContext/capabilities/add",
        "/spec/containers/0/securityContext/capabilities/drop",
        "/spec/containers/0/securityContext/seccompProfile",
        "/spec/containers/0/securityContext/seLinuxOptions",
        "/spec/containers/0/securityContext/appArmorProfile",
        "/spec/containers/0/securityContext/windowsOptions",
        "/spec/containers/0/securityContext/procMount",
        "/spec/containers/0/securityContext/runAsUser",
        "/spec/containers/0/ports",
        "/spec/containers/0/livenessProbe",
        "/spec/containers/0/lifecycle",
        "/spec/containers/0/name",
        "/spec/securityContext",
        "/spec/securityContext/sysctls",
        "/spec/volumes",
        "/spec/os",
        "/spec/hostUsers",
        "/metadata",
        "/metadata/annotations",
    ];
    for field in fields {
        for g in &garbage {
            let mut obj = pod(
                json!({"securityContext": {"sysctls": []}, "volumes": [], "containers": [
                {"name": "a", "ports": [], "lifecycle": {}, "securityContext": {"capabilities": {}}}]}),
            );
            obj["metadata"]["annotations"] = json!({});
            set(&mut obj, field, g.clone());
            let Some(w) = Workload::of("Pod", &obj) else {
                continue;
            };
            for level in [Level::Baseline, Level::Restricted] {
                for n in [0, 19, 25, 35, LATEST_MINOR] {
                    let _ = evaluate(level, Version::V1(n), &w);
                }
            }
        }
    }
}

/// The revisions of `sysctls` and `seLinuxOptions` follow the versioned lists of
/// `rampart_model::k8s`, and the revision notes name exactly the sysctls each one adds.
#[test]
fn versioned_checks_follow_the_shared_facts() {
    use rampart_model::k8s::{selinux, sysctls};

    let info = check("sysctls").expect("sysctls");
    let minima: Vec<u32> = info.versions.iter().map(|v| v.min_minor).collect();
    let listed: Vec<u32> = sysctls::SAFE_SYSCTLS_BY_VERSION
        .iter()
        .map(|(m, _)| *m)
        .collect();
    assert_eq!(minima, listed);
    const { assert!(sysctls::NEWEST_MINOR <= LATEST_MINOR) };
    for (v, (_, names)) in info.versions.iter().zip(sysctls::SAFE_SYSCTLS_BY_VERSION) {
        let noted: Vec<&str> = v
            .note
            .trim_start_matches("+ ")
            .split(',')
            .map(str::trim)
            .collect();
        assert_eq!(noted, names.to_vec(), "note of sysctls {}", v.min_minor);
    }
    // Every safe sysctl is admitted from its version on, and refused before.
    for (min, names) in sysctls::SAFE_SYSCTLS_BY_VERSION {
        for name in *names {
            let obj = pod(
                json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]},
                                 "containers": [{"name": "a", "image": "a"}]}),
            );
            assert!(eval("baseline", "latest", &obj).is_empty(), "{name}");
            assert!(
                eval("baseline", &format!("v1.{min}"), &obj).is_empty(),
                "{name}"
            );
            if *min > 0 {
                assert_eq!(
                    ids(&eval("baseline", &format!("v1.{}", min - 1), &obj)),
                    ["sysctls"],
                    "{name}"
                );
            }
        }
    }

    let info = check("seLinuxOptions").expect("seLinuxOptions");
    let minima: Vec<u32> = info.versions.iter().map(|v| v.min_minor).collect();
    let listed: Vec<u32> = selinux::ALLOWED_TYPES_BY_VERSION
        .iter()
        .map(|(m, _)| *m)
        .collect();
    assert_eq!(minima, listed);
}
