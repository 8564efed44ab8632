//! The questions posture checks ask, with the object and pointer of each answer.

use rampart_model::Resource;
use rampart_netpol::{AllowAllKind, Analysis, Direction, Options};

fn load(text: &str) -> Vec<Resource> {
    let parsed = rampart_source::parse_str(std::path::Path::new("t.yaml"), text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.resources
}

const INVENTORY: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: open}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: open}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: batch, namespace: shop, labels: {app: batch}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: "::/0", except: ["::1/128"]}}]
    - from: [{namespaceSelector: {}}]
      ports: [{port: 80}]
  egress:
    - {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ghost, namespace: shop}
spec:
  podSelector: {matchLabels: {app: nothing}}
"#;

#[test]
fn check_questions() {
    let res = load(INVENTORY);
    let a = Analysis::new(&res, &Options::default());

    let unselected: Vec<String> = a
        .unselected_workloads()
        .iter()
        .map(|s| s.object.name.clone())
        .collect();
    assert_eq!(unselected, ["lonely"]);
    assert_eq!(
        a.unselected_workloads()[0].pointer.as_str(),
        "/metadata/labels"
    );

    let unisolated: Vec<String> = a
        .unisolated_workloads(Direction::Egress)
        .iter()
        .map(|s| s.object.name.clone())
        .collect();
    assert_eq!(unisolated, ["lonely", "batch"]);

    let nothing = a.policies_selecting_nothing();
    assert_eq!(nothing.len(), 1);
    assert_eq!(nothing[0].object.name, "ghost");
    assert_eq!(nothing[0].pointer.as_str(), "/spec/podSelector");
    assert_eq!(res[nothing[0].resource].id.name, "ghost");

    let cov = a.namespace_coverage();
    let open = cov.iter().find(|c| c.namespace == "open").expect("open");
    assert!(open.policies.is_empty());
    assert!(open.object.is_some());
    let shop = cov.iter().find(|c| c.namespace == "shop").expect("shop");
    assert!(shop.object.is_none());
    assert_eq!(shop.workloads.len(), 2);
    assert_eq!(shop.policies.len(), 3);
    assert_eq!(shop.isolating_ingress.len(), 1);
    assert_eq!(shop.default_deny_ingress.len(), 1);
    assert!(shop.isolating_egress.is_empty());
    assert!(shop.default_deny_egress.is_empty());

    let all = a.allow_all_rules();
    let kinds: Vec<(Direction, AllowAllKind, &str, bool)> = all
        .iter()
        .map(|r| (r.direction, r.kind, r.subject.pointer.as_str(), r.all_ports))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                Direction::Ingress,
                AllowAllKind::AllAddresses,
                "/spec/ingress/0/from/0/ipBlock",
                true
            ),
            (
                Direction::Ingress,
                AllowAllKind::AllPods,
                "/spec/ingress/1/from/0",
                false
            ),
            (
                Direction::Egress,
                AllowAllKind::NoPeers,
                "/spec/egress/0",
                true
            ),
        ]
    );

    let any = a.ingress_from_any_address();
    assert_eq!(any.len(), 2);
    assert_eq!(
        any[0].subject.pointer.as_str(),
        "/spec/ingress/0/from/0/ipBlock/cidr"
    );
    assert!(!any[0].has_except);
    assert_eq!(any[1].cidr, "::/0");
    assert!(any[1].has_except);
    // the pointer resolves to the line of the cidr
    let pos = res[any[0].subject.resource]
        .locate(any[0].subject.pointer.as_str())
        .expect("position");
    assert_eq!(pos.line, 33);

    let meta = a.metadata_egress();
    let by_name: Vec<(String, bool, bool, usize)> = meta
        .iter()
        .map(|m| {
            (
                m.workload.object.name.clone(),
                m.allowed,
                m.isolated,
                m.rules.len(),
            )
        })
        .collect();
    assert_eq!(
        by_name,
        [
            ("lonely".to_string(), true, false, 0),
            ("web".to_string(), true, true, 1),
            ("batch".to_string(), true, false, 0),
        ]
    );
    assert_eq!(meta[1].rules[0].pointer.as_str(), "/spec/egress/0");
}

#[test]
fn metadata_blocked_by_except() {
    let res = load(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]
"#,
    );
    let a = Analysis::new(&res, &Options::default());
    let m = a.metadata_egress();
    assert!(!m[0].allowed && m[0].isolated && m[0].rules.is_empty());
    assert!(m[0].ports.is_empty());
}

/// `podSelector: {}` policies isolate every pod; only those without rules in a direction deny
/// everything there. A direction that is not a list is an input problem, not a deny-all.
#[test]
fn isolating_and_default_deny_policies() {
    let res = load(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lets-dns-out, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress: [{ports: [{port: 53, protocol: UDP}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: "none"
"#,
    );
    let a = Analysis::new(&res, &Options::default());
    let cov = a.namespace_coverage();
    let x = cov.iter().find(|c| c.namespace == "x").expect("x");
    let names = |v: &[rampart_netpol::Subject]| -> Vec<String> {
        v.iter().map(|s| s.object.name.clone()).collect()
    };
    assert_eq!(names(&x.isolating_ingress), ["lets-dns-out"]);
    assert_eq!(names(&x.default_deny_ingress), ["lets-dns-out"]);
    assert_eq!(names(&x.isolating_egress), ["lets-dns-out", "broken"]);
    assert!(x.default_deny_egress.is_empty());
}
