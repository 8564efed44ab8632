//! Evaluation of frameworks over real results: the node benchmark on a kubeadm fixture node
//! (CIS sections 1-4), and findings shaped as the scan reports them (section 5, PSS, the
//! requirement mappings), with the status rules, waivers, namespaces and scores.

use std::borrow::Cow;
use std::path::Path;

use rampart_frameworks::eval::{evaluate_all, posture_score};
use rampart_frameworks::{catalog, evaluate, ControlStatus, Evaluation, FindingIndex};
use rampart_model::{Finding, Meta, ObjectRef, Pointer, Severity, Status, Suppression};

fn metas() -> Vec<&'static Meta> {
    rampart_checks::all().iter().map(|c| &c.meta).collect()
}

fn finding(check: &str, ns: Option<&str>, name: &str) -> Finding {
    let meta = rampart_checks::by_id(check).map(|c| &c.meta);
    Finding::new(
        Cow::Owned(check.to_owned()),
        meta.map_or(Severity::Medium, |m| m.severity),
        ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: ns.map(str::to_owned),
            name: name.into(),
            uid: None,
        }
        .into(),
        Pointer::from_raw("/spec"),
        format!("{check} on {name}"),
    )
}

fn eval_of(id: &str, findings: &[Finding], metas: &[&Meta]) -> Evaluation {
    let c = catalog();
    let fw = c.get(id).expect("framework");
    evaluate(
        c,
        fw,
        findings,
        &FindingIndex::new(findings),
        &c.mappings(metas),
    )
}

fn status(e: &Evaluation, control: &str) -> ControlStatus {
    e.controls
        .iter()
        .find(|c| c.id == control)
        .unwrap_or_else(|| panic!("no control {control} in {}", e.framework))
        .status
}

#[test]
fn section_5_controls_follow_their_checks() {
    let findings = vec![
        finding("host-network", Some("prod"), "a"),
        finding("host-network", Some("dev"), "b"),
        finding("privileged-container", Some("prod"), "a"),
    ];
    let e = eval_of("cis", &findings, &metas());
    // host-network maps to 5.2.5; privileged-container to 5.2.2.
    assert_eq!(status(&e, "5.2.5"), ControlStatus::Fail);
    assert_eq!(status(&e, "5.2.2"), ControlStatus::Fail);
    // host-pid ran and found nothing: 5.2.3 passes.
    assert_eq!(status(&e, "5.2.3"), ControlStatus::Pass);
    // The file says 5.3.1 is manual, with a reason.
    let c531 = e.controls.iter().find(|c| c.id == "5.3.1").expect("5.3.1");
    assert_eq!(c531.status, ControlStatus::Manual);
    assert!(c531.reason.as_deref().is_some_and(|r| r.contains("CNI")));
    // Node items are not assessed by a manifest scan.
    assert_eq!(status(&e, "1.1.1"), ControlStatus::NotAssessed);
    // The findings behind 5.2.5 are both host-network findings.
    let c525 = e.controls.iter().find(|c| c.id == "5.2.5").expect("5.2.5");
    assert_eq!(c525.findings, vec![0, 1]);
    assert!(c525.checks.contains(&"host-network".to_owned()));
    // Score: pass / (pass + fail).
    let want =
        (e.counts.pass as f64 * 1000.0 / (e.counts.pass + e.counts.fail) as f64).round() / 10.0;
    assert_eq!(e.score, Some(want));
    assert!(e.counts.fail >= 2);
    // Namespaces: prod fails two controls, dev one.
    let prod = e
        .namespaces
        .iter()
        .find(|n| n.namespace == "prod")
        .expect("prod");
    let dev = e
        .namespaces
        .iter()
        .find(|n| n.namespace == "dev")
        .expect("dev");
    assert!(prod.failing > dev.failing, "{prod:?} {dev:?}");
    assert!(prod.score < dev.score);
    assert_eq!(e.namespaces[0].namespace, "prod", "worst first");
}

#[test]
fn waived_findings_do_not_fail_a_control() {
    let mut f = finding("host-network", Some("prod"), "a");
    f.suppression = Suppression::Suppressed {
        by: "annotation".into(),
        reason: "CNI agent".into(),
    };
    let e = eval_of("cis", &[f], &metas());
    let c = e.controls.iter().find(|c| c.id == "5.2.5").expect("5.2.5");
    assert_eq!(c.status, ControlStatus::Pass);
    assert_eq!(c.waived, 1);
}

#[test]
fn checks_that_did_not_run_leave_controls_not_assessed() {
    // Only host-network ran.
    let only: Vec<&Meta> = metas()
        .into_iter()
        .filter(|m| m.id == "host-network")
        .collect();
    let e = eval_of("cis", &[], &only);
    assert_eq!(status(&e, "5.2.5"), ControlStatus::Pass);
    assert_eq!(status(&e, "5.2.2"), ControlStatus::NotAssessed);
    assert_eq!(e.counts.fail, 0);
    assert_eq!(e.score, Some(100.0));
}

#[test]
fn restricted_includes_the_baseline_controls() {
    let findings = vec![finding("privileged-container", Some("a"), "p")];
    let e = eval_of("pss-restricted", &findings, &metas());
    let base = eval_of("pss-baseline", &findings, &metas());
    assert_eq!(
        e.controls.len(),
        base.controls.len() + catalog().get("pss-restricted").expect("r").controls.len()
    );
    let pc = e
        .controls
        .iter()
        .find(|c| c.id == "Privileged Containers")
        .expect("baseline control in restricted");
    assert_eq!(pc.framework, "pss-baseline");
    assert_eq!(pc.status, ControlStatus::Fail);
    assert_eq!(status(&e, "Running as Non-root"), ControlStatus::Pass);
}

#[test]
fn requirement_mappings_use_the_files_checks() {
    let findings = vec![finding("ingress-without-tls", Some("shop"), "web")];
    let e = eval_of("pci-dss-4.0", &findings, &metas());
    assert_eq!(status(&e, "4.2.1"), ControlStatus::Fail);
    assert_eq!(status(&e, "5.2.1"), ControlStatus::Manual);
    // 3.5.1 is judged by node analyses (encryption), which did not run.
    assert_eq!(status(&e, "3.5.1"), ControlStatus::NotAssessed);
    assert!(e.disclaimer.contains("not a Report on Compliance"));
}

#[test]
fn node_benchmark_results_judge_sections_1_to_4() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_node/tests/fixtures/kubeadm-default");
    let node = rampart_node::read_node(&rampart_node::NodeOptions {
        root: root.clone(),
        pids: Vec::new(),
        no_processes: false,
    });
    let run = rampart_node::run(&node, root.display().to_string());
    let findings: Vec<Finding> = run.results.iter().map(|r| r.finding.clone()).collect();
    let node_metas: Vec<&Meta> = rampart_node::metas().iter().collect();
    let e = eval_of("cis-1.12", &findings, &node_metas);
    for r in &run.results {
        if !r.item.is_benchmark_item() {
            continue;
        }
        let c = e
            .controls
            .iter()
            .find(|c| c.id == r.item.id)
            .expect("item is a control");
        assert_ne!(c.status, ControlStatus::NotAssessed, "{}", r.item.id);
        match r.finding.status {
            Status::Fail => assert_eq!(c.status, ControlStatus::Fail, "{}", r.item.id),
            Status::Manual => assert!(
                matches!(c.status, ControlStatus::Manual | ControlStatus::Fail),
                "{}",
                r.item.id
            ),
            _ => {}
        }
    }
    // Section 5 needs manifests or a cluster: not assessed here (except the manual ones).
    assert_eq!(status(&e, "5.2.5"), ControlStatus::NotAssessed);
    // The node's own counts and the framework's agree on failures.
    let failed_items: std::collections::HashSet<&str> = run
        .results
        .iter()
        .filter(|r| r.item.is_benchmark_item() && r.finding.status == Status::Fail)
        .map(|r| r.item.id)
        .collect();
    let failed_controls = e
        .controls
        .iter()
        .filter(|c| c.status == ControlStatus::Fail)
        .count();
    assert_eq!(failed_controls, failed_items.len());
    assert!(e.score.is_some());
}

#[test]
fn posture_score_weights_by_severity() {
    let all = metas();
    assert_eq!(posture_score(&[], &all), Some(100.0));
    let one = vec![finding("privileged-container", None, "p")];
    let s = posture_score(&one, &all).expect("score");
    assert!(s < 100.0 && s > 90.0, "{s}");
    // Every framework evaluates without panicking on the same findings.
    let evals = evaluate_all(catalog(), &one, &all);
    assert_eq!(evals.len(), catalog().frameworks.len());
}
