//! Properties of `fix` over generated manifests written in many styles (indentation 2 or 4,
//! sequences indented or not, flow or block security contexts, comments, quoting, several
//! documents, three workload kinds):
//!
//! - fixing is idempotent: fixing the result again changes nothing;
//! - a file with no finding of the selected checks is never changed;
//! - every comment survives when no fix removed anything;
//! - the result always verifies (fix_text refuses otherwise, which fails the property).

use std::path::Path;

use proptest::prelude::*;
use rampart_checks::{Engine, Registry, Selection};
use rampart_fix::{fix_text, FixError, Options};

#[derive(Debug, Clone)]
struct Container {
    privileged: Option<bool>,
    ape: Option<bool>,
    non_root: Option<bool>,
    ro: Option<bool>,
    add: Vec<&'static str>,
    drop: Vec<&'static str>,
    /// 0: none, 1: RuntimeDefault, 2: Unconfined.
    seccomp: u8,
    /// 0: nothing, 1: `stdin: true`, 2: `procMount: Unmasked`, 3: AppArmor Unconfined,
    /// 4: `imagePullPolicy: Always` (no finding), 5: `imagePullPolicy: IfNotPresent`.
    extra: u8,
    flow_sc: bool,
    resources: u8,
    quoted_image: bool,
    comment: bool,
}

#[derive(Debug, Clone)]
struct Doc {
    kind: u8,
    host_network: Option<bool>,
    automount: Option<bool>,
    containers: Vec<Container>,
}

#[derive(Debug, Clone)]
struct File {
    unit: usize,
    seq_indented: bool,
    docs: Vec<Doc>,
    header_comment: bool,
}

fn container() -> impl Strategy<Value = Container> {
    (
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
        proptest::collection::vec(
            prop_oneof![
                Just("SYS_ADMIN"),
                Just("NET_BIND_SERVICE"),
                Just("NET_ADMIN")
            ],
            0..3,
        ),
        proptest::collection::vec(
            prop_oneof![Just("ALL"), Just("NET_RAW"), Just("CHOWN")],
            0..2,
        ),
        (0u8..3, any::<bool>(), 0u8..4, any::<bool>(), any::<bool>()),
        0u8..6,
    )
        .prop_map(
            |(
                (privileged, ape, non_root, ro),
                add,
                drop,
                (seccomp, flow_sc, resources, quoted_image, comment),
                extra,
            )| Container {
                privileged,
                ape,
                non_root,
                ro,
                add,
                drop,
                seccomp,
                extra,
                flow_sc,
                resources,
                quoted_image,
                comment,
            },
        )
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        0u8..3,
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(container(), 1..3),
    )
        .prop_map(|(kind, host_network, automount, containers)| Doc {
            kind,
            host_network,
            automount,
            containers,
        })
}

fn file() -> impl Strategy<Value = File> {
    (
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        proptest::collection::vec(doc(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(unit, seq_indented, docs, header_comment)| File {
            unit,
            seq_indented,
            docs,
            header_comment,
        })
}

/// The security context as a flow mapping (`{a: b, ...}`), or block lines at `ind`.
fn security_context(c: &Container, ind: &str, unit: &str, seq: &str) -> String {
    let mut fields: Vec<(String, String)> = Vec::new();
    if let Some(p) = c.privileged {
        fields.push(("privileged".into(), p.to_string()));
    }
    if let Some(p) = c.ape {
        fields.push(("allowPrivilegeEscalation".into(), p.to_string()));
    }
    if let Some(p) = c.non_root {
        fields.push(("runAsNonRoot".into(), p.to_string()));
    }
    if let Some(p) = c.ro {
        fields.push(("readOnlyRootFilesystem".into(), p.to_string()));
    }
    match c.seccomp {
        1 => fields.push(("seccompProfile".into(), "{type: RuntimeDefault}".into())),
        2 => fields.push(("seccompProfile".into(), "{type: Unconfined}".into())),
        _ => {}
    }
    match c.extra {
        2 => fields.push(("procMount".into(), "Unmasked".into())),
        3 => fields.push(("appArmorProfile".into(), "{type: Unconfined}".into())),
        _ => {}
    }
    let list = |v: &[&str]| format!("[{}]", v.join(", "));
    if c.flow_sc {
        let mut caps = Vec::new();
        if !c.add.is_empty() {
            caps.push(format!("add: {}", list(&c.add)));
        }
        if !c.drop.is_empty() {
            caps.push(format!("drop: {}", list(&c.drop)));
        }
        if !caps.is_empty() {
            fields.push(("capabilities".into(), format!("{{{}}}", caps.join(", "))));
        }
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        return format!("{ind}securityContext: {{{}}}\n", body.join(", "));
    }
    let mut s = format!("{ind}securityContext:\n");
    if fields.is_empty() && c.add.is_empty() && c.drop.is_empty() {
        return format!("{ind}securityContext: {{}}\n");
    }
    for (k, v) in &fields {
        s.push_str(&format!("{ind}{unit}{k}: {v}\n"));
    }
    if !c.add.is_empty() || !c.drop.is_empty() {
        s.push_str(&format!("{ind}{unit}capabilities:\n"));
        for (k, v) in [("add", &c.add), ("drop", &c.drop)] {
            if !v.is_empty() {
                s.push_str(&format!("{ind}{unit}{unit}{k}:\n"));
                for item in v.iter() {
                    s.push_str(&format!("{ind}{unit}{unit}{seq}- {item}\n"));
                }
            }
        }
    }
    s
}

fn render(f: &File) -> String {
    let unit = " ".repeat(f.unit);
    let seq = if f.seq_indented {
        unit.clone()
    } else {
        String::new()
    };
    let mut out = String::new();
    if f.header_comment {
        out.push_str("# generated\n");
    }
    for (i, d) in f.docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let (head, depth) = match d.kind {
            0 => (format!("apiVersion: v1\nkind: Pod\nmetadata:\n{unit}name: p{i}\nspec:\n"), 1),
            1 => (
                format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n{unit}name: d{i}\nspec:\n{unit}template:\n{unit}{unit}spec:\n"
                ),
                3,
            ),
            _ => (
                format!(
                    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n{unit}name: c{i}\nspec:\n{unit}schedule: \"@daily\"\n{unit}jobTemplate:\n{unit}{unit}spec:\n{unit}{unit}{unit}template:\n{unit}{unit}{unit}{unit}spec:\n"
                ),
                5,
            ),
        };
        out.push_str(&head);
        let ind = unit.repeat(depth);
        if let Some(h) = d.host_network {
            out.push_str(&format!("{ind}hostNetwork: {h}\n"));
        }
        if let Some(a) = d.automount {
            out.push_str(&format!("{ind}automountServiceAccountToken: {a}\n"));
        }
        out.push_str(&format!("{ind}containers:\n"));
        for (j, c) in d.containers.iter().enumerate() {
            let item = format!("{ind}{seq}- ");
            let inner = format!("{ind}{seq}  ");
            let comment = if c.comment { " # the app" } else { "" };
            out.push_str(&format!("{item}name: c{j}{comment}\n"));
            if c.quoted_image {
                out.push_str(&format!("{inner}image: \"app:{j}\"\n"));
            } else {
                out.push_str(&format!("{inner}image: app:{j}\n"));
            }
            match c.extra {
                1 => out.push_str(&format!("{inner}stdin: true\n")),
                4 => out.push_str(&format!("{inner}imagePullPolicy: Always\n")),
                5 => out.push_str(&format!("{inner}imagePullPolicy: IfNotPresent\n")),
                _ => {}
            }
            match c.resources {
                0 => {}
                1 => out.push_str(&format!("{inner}resources: {{}}\n")),
                2 => out.push_str(&format!("{inner}resources:\n{inner}{unit}requests: {{cpu: 10m}}\n")),
                _ => out.push_str(&format!(
                    "{inner}resources:\n{inner}{unit}limits:\n{inner}{unit}{unit}memory: 64Mi # small\n"
                )),
            }
            out.push_str(&security_context(c, &inner, &unit, &seq));
        }
    }
    out
}

fn comments(text: &str) -> usize {
    text.matches('#').count()
}

fn fixable_engine(ids: &[&str]) -> Engine {
    let reg = Registry::builtin();
    Engine::new(Selection {
        checks: ids.iter().filter_map(|id| reg.by_id(id).cloned()).collect(),
        severity: Default::default(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn fix_is_idempotent_and_keeps_comments(f in file(), unsafe_fixes in any::<bool>()) {
        let text = render(&f);
        let path = Path::new("gen.yaml");
        let ids: Vec<&str> = rampart_checks::docs::FIXES.iter().map(|(id, _)| *id).collect();
        let engine = fixable_engine(&ids);
        let opts = Options { unsafe_fixes, ..Options::default() };
        let once = match fix_text(path, &text, &engine, &opts) {
            Ok(o) => o,
            Err(FixError::Load(e)) => panic!("generated text does not load: {e}\n{text}"),
            Err(e) => panic!("{e}\n{text}"),
        };
        prop_assert!(once.failed.is_empty(), "{:?}\n{text}", once.failed);
        let twice = fix_text(path, &once.text, &engine, &opts).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&twice.text, &once.text, "not idempotent:\n{}", text);
        if once.removals == 0 {
            prop_assert_eq!(comments(&once.text), comments(&text), "{}", once.text);
        }
    }

    #[test]
    fn files_without_findings_of_the_selected_check_are_unchanged(f in file(), pick in 0usize..64) {
        let text = render(&f);
        let path = Path::new("gen.yaml");
        let (id, _) = rampart_checks::docs::FIXES[pick % rampart_checks::docs::FIXES.len()];
        let engine = fixable_engine(&[id]);
        let parsed = rampart_source::parse_str(path, &text);
        let findings: usize = parsed.resources.iter().map(|r| engine.run(r).len()).sum();
        let out = fix_text(path, &text, &engine, &Options { unsafe_fixes: true, ..Options::default() })
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        if findings == 0 {
            prop_assert_eq!(&out.text, &text);
        }
        // And once fixed, nothing of that check is left to fix.
        let again = fix_text(path, &out.text, &engine, &Options { unsafe_fixes: true, ..Options::default() })
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&again.text, &out.text);
    }
}

/// The generator writes what the properties are about: findings that fixes change.
#[test]
fn generated_files_do_get_fixed() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let engine = fixable_engine(
        &rampart_checks::docs::FIXES
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>(),
    );
    let (mut changed, mut flow, mut total) = (0, 0, 0);
    for _ in 0..32 {
        let f = file().new_tree(&mut runner).expect("tree").current();
        let text = render(&f);
        let out = fix_text(
            Path::new("gen.yaml"),
            &text,
            &engine,
            &Options {
                unsafe_fixes: true,
                ..Options::default()
            },
        )
        .expect("fixes");
        total += 1;
        changed += usize::from(out.text != text);
        flow += usize::from(text.contains("securityContext: {") && out.text != text);
    }
    assert!(changed > total / 2, "{changed}/{total}");
    assert!(flow > 0);
}

fn default_deny_engine() -> Engine {
    fixable_engine(rampart_fix::netpol::DEFAULT_DENY_CHECKS)
}

/// Open findings of the default-deny checks over the files together.
fn default_deny_findings(inputs: &[(std::path::PathBuf, String)]) -> usize {
    let mut inv = rampart_checks::Inventory::default();
    for (p, t) in inputs {
        for r in &rampart_source::parse_str(p, t).resources {
            inv.keep(r);
        }
    }
    default_deny_engine()
        .run_inventory(&inv)
        .findings
        .iter()
        .filter(|f| f.is_open())
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The default-deny files: none without a finding, none again once written, and none
    /// without `unsafe_fixes`.
    #[test]
    fn default_deny_files_only_where_needed_and_once(f in file(), policy in 0u8..3) {
        let mut text = render(&f);
        match policy {
            1 => text.push_str("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"),
            2 => text.push_str("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: some\nspec:\n  podSelector: {matchLabels: {app: x}}\n  policyTypes: [Ingress]\n"),
            _ => {}
        }
        let inputs = vec![(std::path::PathBuf::from("/nonexistent-rampart-dir/gen.yaml"), text.clone())];
        let engine = default_deny_engine();
        let findings = default_deny_findings(&inputs);
        let safe_only = rampart_fix::netpol::default_deny(&inputs, &engine, &Options::default());
        prop_assert!(safe_only.files.is_empty());
        prop_assert_eq!(safe_only.skipped_unsafe, findings);
        let opts = Options { unsafe_fixes: true, ..Options::default() };
        let out = rampart_fix::netpol::default_deny(&inputs, &engine, &opts);
        prop_assert!(out.failed.is_empty(), "{:?}", out.failed);
        if findings == 0 {
            prop_assert!(out.files.is_empty(), "{:?}\n{}", out.files, text);
            return Ok(());
        }
        prop_assert_eq!(out.files.len(), 1, "{}", text);
        // Beside the manifests, whether or not the finding has a line (a namespace only named by
        // its workloads has none): never in the working directory.
        prop_assert_eq!(
            out.files[0].path.parent(),
            Some(std::path::Path::new("/nonexistent-rampart-dir")),
            "{:?}", out.files[0].path
        );
        let mut all = inputs.clone();
        all.extend(out.files.iter().map(|n| (n.path.clone(), n.text.clone())));
        prop_assert_eq!(default_deny_findings(&all), 0, "{}", out.files[0].text);
        let again = rampart_fix::netpol::default_deny(&all, &engine, &opts);
        prop_assert!(again.files.is_empty());
    }
}

/// A namespace named only by its workloads: the finding has no line of its own, and the
/// default-deny file still goes beside the manifests (it once went to the working directory).
#[test]
fn default_deny_file_of_a_namespace_without_manifest_goes_beside_the_manifests() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: web:1\n";
    let inputs = vec![(
        std::path::PathBuf::from("/nonexistent-rampart-dir/apps/web.yaml"),
        text.to_owned(),
    )];
    let opts = Options {
        unsafe_fixes: true,
        ..Options::default()
    };
    let out = rampart_fix::netpol::default_deny(&inputs, &default_deny_engine(), &opts);
    assert!(!out.files.is_empty(), "a default-deny file for shop");
    for f in &out.files {
        assert_eq!(
            f.path.parent(),
            Some(std::path::Path::new("/nonexistent-rampart-dir/apps")),
            "{:?}",
            f.path
        );
    }
}
