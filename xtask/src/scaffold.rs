//! `new-check`: the files of a new check's folder.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rampart_checks::checks::SCAFFOLD;

/// The checks' root, relative to the workspace.
pub const CHECKS: &str = "crates/rampart_checks/src/checks";

/// The files a new check `id` of `category` (a folder under [`CHECKS`]) consists of, with their
/// contents: `mod.rs`, `fixtures/fail.yaml`, `fixtures/pass.yaml`. Writes nothing.
pub fn plan(
    root: &Path,
    id: &str,
    category: &str,
    severity: &str,
) -> Result<Vec<(PathBuf, String)>> {
    let kebab = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !kebab || !id.starts_with(|c: char| c.is_ascii_lowercase()) || id.ends_with('-') {
        bail!("check id `{id}`: use kebab-case starting with a letter, e.g. `host-network`");
    }
    let checks = root.join(CHECKS);
    let mut categories: Vec<String> = std::fs::read_dir(&checks)
        .with_context(|| format!("reading {}", checks.display()))?
        .flatten()
        .filter(|e| e.path().join("mod.rs").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    categories.sort();
    if !categories.iter().any(|c| c == category) {
        bail!(
            "no category `{category}`; one of: {}",
            categories.join(", ")
        );
    }
    let severity = match severity {
        "info" => "Info",
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        "critical" => "Critical",
        s => bail!("severity `{s}`: one of info, low, medium, high, critical"),
    };
    let folder_name = id.replace('-', "_");
    if rampart_checks::by_id(id).is_some() {
        bail!("a check `{id}` exists already");
    }
    for c in &categories {
        let existing = checks.join(c).join(&folder_name);
        if existing.exists() {
            bail!("{} exists already", existing.display());
        }
    }
    let folder = checks.join(category).join(&folder_name);
    Ok(vec![
        (
            folder.join("mod.rs"),
            module(id, meta_category(category), severity),
        ),
        (folder.join("fixtures/fail.yaml"), fail_fixture(id)),
        (folder.join("fixtures/pass.yaml"), pass_fixture()),
    ])
}

/// Writes the planned files (their folder must not exist yet).
pub fn write(files: &[(PathBuf, String)]) -> Result<()> {
    for (path, content) in files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The `rampart_model::Category` most checks of a category folder have.
fn meta_category(folder: &str) -> &'static str {
    match folder {
        "pod_security" => "PodSecurity",
        "resources" => "Resources",
        "images" => "Images",
        "secrets" => "Secrets",
        "identity" => "Identity",
        "network" => "Network",
        "rbac" => "Rbac",
        "network_policy" => "NetworkPolicy",
        "istio"
        | "cert_manager"
        | "argocd"
        | "prometheus_operator"
        | "gateway_api"
        | "ingress_nginx" => "Addons",
        _ => "Hygiene",
    }
}

fn module(id: &str, category: &str, severity: &str) -> String {
    format!(
        r##"//! `{id}`: {SCAFFOLD} describe in one line what this check reports.

use rampart_model::{{meta, Category, Severity}};

use crate::{{Check, Ctx, Emitter, Run}};

pub static CHECK: Check = Check {{
    meta: meta! {{
        id: "{id}",
        title: "{SCAFFOLD} Describe in a few words what this check reports",
        severity: Severity::{severity},
        category: Category::{category},
        // The framework controls it maps to, e.g. `crate::checks::common::cis("5.2.5")` (see
        // checks/common.rs); the registry test fails while there is none.
        controls: &[],
        rationale: "{SCAFFOLD} Describe why it matters: what an attacker, or an accident, gains \
            when an object does this, and what Kubernetes does by default.",
        remediation: "{SCAFFOLD} Describe how to fix the object: the field to set and its safe \
            value.",
        // The kinds it reads (`crate::checks::common::POD_KINDS` for pod-bearing workloads);
        // empty for every kind.
        kinds: &[],
        example_fail: "# {SCAFFOLD} describe the smallest YAML this check reports\nspec: {{}}\n",
        example_pass: "# {SCAFFOLD} describe the same YAML, fixed\nspec: {{}}\n",
    }},
    // `Run::Inventory` for a check that needs other objects too (see rbac/ and network_policy/).
    run: Run::Object(run),
}};

/// Describe what it looks at: read the object (`ctx.workload` for pod-bearing kinds, `ctx.raw()`
/// for any) and call `out.emit(pointer, message)` once per offending field, with a pointer to
/// that field. The other checks of this category show how.
fn run(_ctx: &Ctx, _out: &mut Emitter) {{}}
"##
    )
}

fn fail_fixture(id: &str) -> String {
    format!(
        "# {SCAFFOLD} Describe objects this check reports: one or more, each offending line marked
# with an expect comment naming the check, like the image line below.
apiVersion: v1
kind: Pod
metadata:
  name: fail
spec:
  containers:
  - name: app
    image: app:1.0 # expect: {id}
"
    )
}

fn pass_fixture() -> String {
    format!(
        "# {SCAFFOLD} Describe objects this check must stay silent on (no expect comment), such as
# the fixed form of each object of fail.yaml.
apiVersion: v1
kind: Pod
metadata:
  name: pass
spec:
  containers:
  - name: app
    image: app:1.0
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn plans_the_folder_code_and_fixtures() {
        let files = plan(&root(), "example-new-check", "pod_security", "high").expect("plan");
        let dir = root().join(CHECKS).join("pod_security/example_new_check");
        let paths: Vec<&PathBuf> = files.iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                &dir.join("mod.rs"),
                &dir.join("fixtures/fail.yaml"),
                &dir.join("fixtures/pass.yaml")
            ]
        );
        let code = &files[0].1;
        assert!(code.contains("id: \"example-new-check\""));
        assert!(code.contains("severity: Severity::High"));
        assert!(code.contains("category: Category::PodSecurity"));
        assert!(code.contains("pub static CHECK: Check"));
        for field in [
            "title",
            "rationale",
            "remediation",
            "example_fail",
            "example_pass",
        ] {
            let line = code
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{field}:")))
                .unwrap_or_else(|| panic!("no {field}"));
            assert!(line.contains(SCAFFOLD), "{field} is not marked: {line}");
        }
        // The fixture test's markers: one expected finding in fail.yaml, none in pass.yaml.
        let marker = "# expect:";
        assert_eq!(files[1].1.matches(marker).count(), 1);
        assert!(files[1].1.contains("# expect: example-new-check\n"));
        assert!(!files[2].1.contains(marker));
        assert!(!dir.exists(), "plan writes nothing");
    }

    #[test]
    fn refuses_bad_input() {
        let err = |id, cat, sev| {
            plan(&root(), id, cat, sev)
                .expect_err("refused")
                .to_string()
        };
        assert!(err("host-network", "pod_security", "high").contains("exists already"));
        // The folder name is taken in another category too.
        assert!(err("host-network", "images", "high").contains("exists already"));
        assert!(err("Host_Network", "pod_security", "high").contains("kebab-case"));
        assert!(err("1st-check", "pod_security", "high").contains("kebab-case"));
        assert!(err("new-check", "no_such", "high").contains("pod_security"));
        assert!(err("new-check", "pod_security", "severe").contains("one of"));
    }

    #[test]
    fn writes_the_planned_files() {
        let tmp = std::env::temp_dir().join(format!("xtask-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join(CHECKS).join("images")).expect("temp tree");
        std::fs::write(tmp.join(CHECKS).join("images/mod.rs"), "").expect("category");
        let files = plan(&tmp, "image-new-check", "images", "low").expect("plan");
        write(&files).expect("write");
        let dir = tmp.join(CHECKS).join("images/image_new_check");
        for (rel, (path, content)) in ["mod.rs", "fixtures/fail.yaml", "fixtures/pass.yaml"]
            .iter()
            .zip(&files)
        {
            assert_eq!(path, &dir.join(rel));
            assert_eq!(&std::fs::read_to_string(path).expect("written"), content);
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
