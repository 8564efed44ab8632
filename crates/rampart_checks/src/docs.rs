//! Documentation pages generated from the registry (`docs/checks/`).
//!
//! `cargo run -p xtask -- docs` writes them; a test fails when the files drift from the registry.

use std::fmt::Write;

use rampart_model::Meta;

/// The checks whose findings carry a fix (`rampart fix`), and whether it is safe (applied by
/// default) or unsafe (applied with `--unsafe-fixes`: it could break a workload). The rampart_fix
/// crate's round-trip test fails when this list and the checks' behaviour disagree.
pub const FIXES: &[(&str, bool)] = &[
    ("allow-privilege-escalation", true),
    ("apparmor-unconfined", false),
    ("automount-service-account-token", false),
    ("capabilities-not-dropped", false),
    ("container-stdin-tty", true),
    ("cpu-limit-missing", false),
    ("cpu-request-missing", true),
    ("dangerous-capabilities", false),
    ("ephemeral-storage-limit-missing", false),
    ("host-ipc", false),
    ("host-network", false),
    ("host-pid", false),
    ("host-users-not-disabled", false),
    ("image-not-pinned-by-digest", true),
    ("image-pull-policy", true),
    ("memory-limit-missing", false),
    ("memory-request-missing", true),
    ("net-raw-not-dropped", true),
    ("privileged-container", false),
    ("proc-mount-unmasked", false),
    ("read-only-root-filesystem", false),
    ("run-as-non-root", false),
    ("seccomp-profile-missing", true),
    ("seccomp-unconfined", false),
    ("service-account-automount", false),
];

/// The checks `rampart fix --unsafe-fixes` answers with a new file (a default-deny
/// NetworkPolicy for the namespace) rather than an edit of the finding's object: judged over
/// every input at once, so not among [`FIXES`].
pub const DEFAULT_DENY_FIXES: &[&str] = &[
    "netpol-namespace-without-policy",
    "netpol-no-default-deny-ingress",
    "netpol-no-default-deny-egress",
];

/// `safe`, `unsafe` or `none`: what `rampart fix` does for a check.
pub fn fix_kind(id: &str) -> &'static str {
    match FIXES.iter().find(|(i, _)| *i == id) {
        Some((_, true)) => "safe",
        Some((_, false)) => "unsafe",
        None if DEFAULT_DENY_FIXES.contains(&id) => "unsafe",
        None => "none",
    }
}

/// The page of one check, as Markdown.
pub fn page(m: &Meta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{}`: {}\n", m.id, m.title);
    let _ = writeln!(s, "<!-- Generated from the check registry by `cargo run -p xtask -- docs`. Do not edit. -->\n");
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| Severity | {} |", m.severity);
    let _ = writeln!(s, "| Category | {} |", m.category);
    let kinds = if m.kinds.is_empty() {
        "any".to_string()
    } else {
        m.kinds.join(", ")
    };
    let _ = writeln!(s, "| Kinds | {kinds} |");
    let fix = match fix_kind(&m.id) {
        "safe" => "safe: `rampart fix` applies it (see [fix](../fix.md))",
        "unsafe" if DEFAULT_DENY_FIXES.contains(&m.id.as_ref()) => {
            "unsafe: `rampart fix --unsafe-fixes` writes a default-deny NetworkPolicy file for the namespace (see [fix](../fix.md))"
        }
        "unsafe" => "unsafe: `rampart fix --unsafe-fixes` applies it (see [fix](../fix.md))",
        _ => "none",
    };
    let _ = writeln!(s, "| Fix | {fix} |\n");
    let _ = writeln!(s, "## Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(s, "## How to fix it\n\n{}\n", m.remediation);
    let _ = writeln!(s, "## Frameworks\n");
    for c in m.controls {
        let _ = writeln!(s, "- {}", c.label());
    }
    let _ = writeln!(s);
    if !m.example_fail.is_empty() {
        let _ = writeln!(
            s,
            "## Example\n\nFlagged:\n\n```yaml\n{}```\n",
            m.example_fail
        );
        let _ = writeln!(s, "Not flagged:\n\n```yaml\n{}```\n", m.example_pass);
    }
    let _ = writeln!(
        s,
        "## Ignoring it\n\nOn one object: `metadata.annotations: {{rampart.dev/ignore: \"{}: <reason>\"}}`. \
         Project-wide: add `{}` to `checks.ignore` in `.rampart.yaml`, or a waiver with an expiry date.",
        m.id, m.id
    );
    s
}

/// The index page listing every check.
pub fn index(checks: &[&Meta]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Checks\n");
    let _ = writeln!(s, "<!-- Generated from the check registry by `cargo run -p xtask -- docs`. Do not edit. -->\n");
    let _ = writeln!(s, "{} checks.\n", checks.len());
    let _ = writeln!(
        s,
        "| ID | Title | Severity | Category | Frameworks | Fix |\n|---|---|---|---|---|---|"
    );
    for m in checks {
        let mut fws: Vec<&str> = m.controls.iter().map(|c| c.framework().as_str()).collect();
        fws.dedup();
        let _ = writeln!(
            s,
            "| [`{}`]({}.md) | {} | {} | {} | {} | {} |",
            m.id,
            m.id,
            m.title,
            m.severity,
            m.category,
            fws.join(", "),
            fix_kind(&m.id)
        );
    }
    s
}

/// Every generated file: (path relative to the repository root, content).
pub fn all_files() -> Vec<(String, String)> {
    let metas: Vec<&Meta> = crate::all().iter().map(|c| &c.meta).collect();
    let mut out = vec![("docs/checks/README.md".to_string(), index(&metas))];
    for m in metas {
        out.push((format!("docs/checks/{}.md", m.id), page(m)));
    }
    out
}
