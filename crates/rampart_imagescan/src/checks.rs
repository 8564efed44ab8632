//! The checks whose logic lives in this crate (they need the images' contents, which only a source
//! that reads images has): their metadata, for `rampart checks`, `rampart explain`, SARIF rules,
//! the framework evaluation and docs/images/ (`cargo run -p xtask -- docs`).

use std::fmt::Write;

use rampart_model::{meta, Category, Control, Meta, Severity};

/// `image-vulnerability`: a package inside an image has a known vulnerability.
pub static IMAGE_VULNERABILITY: Meta = meta! {
    id: "image-vulnerability",
    title: "Package in an image has a known vulnerability",
    severity: Severity::High,
    category: Category::Images,
    controls: &[
        Control::Nist80190 { section: "4.1.1 Image vulnerabilities" },
        Control::MitreAttack { id: "T1190", name: "Exploit Public-Facing Application" },
    ],
    rationale: "A container runs the packages its image ships, whatever the manifest says about \
        privileges: an operating-system library or a language dependency with a published \
        vulnerability is exploitable in every pod that runs the image, and published \
        vulnerabilities come with public exploits. rampart reads the image (its layers applied in \
        order, never extracted), finds the installed packages (dpkg, apk, rpm, Go and Rust \
        binaries, npm, PyPI, Maven, Cargo.lock) and matches each against the OSV records of the \
        local database (`rampart db import`) with the ecosystem's own version order. The \
        finding's severity is the record's: the CVSS base score of its vector, else the \
        database's own rating (critical, high, medium, low; a record with no rating at all counts \
        as medium, one rated `none` as info).",
    remediation: "Rebuild the image on a base and with dependencies at or above the fixed version \
        the finding names (`apt-get upgrade` in the build, a newer base tag, a dependency bump), \
        push it, and roll the workloads that run it (the finding's related objects) to the new \
        digest. When no fix exists yet, remove the package if the application does not need it, \
        or waive the finding with a reason and an expiry date until the distribution ships one.",
    kinds: &[],
    example_fail: "",
    example_pass: "",
};

/// `image-unsigned`: a workload runs an image with no valid cosign signature for the given key.
pub static IMAGE_UNSIGNED: Meta = meta! {
    id: "image-unsigned",
    title: "Image has no valid signature for the configured key",
    severity: Severity::High,
    category: Category::Images,
    controls: &[
        Control::Nist80190 { section: "4.1.5 Use of untrusted images" },
        Control::MitreAttack { id: "T1525", name: "Implant Internal Image" },
    ],
    rationale: "A signature made with the organisation's key is the evidence that an image came \
        out of its build pipeline. An image without one (or whose signatures were made with \
        another key, or cover another digest) may have been pushed by anyone who could write to \
        the registry: a tampered base, a backdoored tag, an image a developer built by hand. \
        rampart reads the cosign signature manifest beside the image in its registry \
        (`sha256-<digest>.sig`) and verifies every signature offline against the public key \
        given with `--verify-key` (ECDSA P-256, no transparency log), and reports every workload \
        whose image has no signature that verifies and names the image's digest. Local tarballs \
        carry no signatures and are reported as unsigned.",
    remediation: "Sign the image in the build pipeline (`cosign sign --key cosign.key \
        REGISTRY/IMAGE@DIGEST`) and deploy it by digest; enforce signatures at admission \
        (a signature-verifying admission webhook such as the Sigstore policy controller or \
        Kyverno's verifyImages) so that unsigned images cannot run. If the image is trusted but \
        signed with another key, verify with that key instead.",
    kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"],
    example_fail: "",
    example_pass: "",
};

/// The checks of this crate, sorted by id.
pub fn metas() -> &'static [&'static Meta] {
    static ALL: [&Meta; 2] = [&IMAGE_UNSIGNED, &IMAGE_VULNERABILITY];
    &ALL
}

/// The directory of the generated pages, relative to the repository root.
pub const DOCS_DIR: &str = "docs/images";

/// The documentation page of one check (docs/images/ID.md).
pub fn page(m: &Meta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{}`: {}\n", m.id, m.title);
    let _ = writeln!(
        s,
        "<!-- Generated from crates/rampart_imagescan/src/checks.rs by `cargo run -p xtask -- docs`. Do not edit. -->\n"
    );
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(
        s,
        "| Severity | {} (image-vulnerability: the record's own) |",
        m.severity
    );
    let _ = writeln!(s, "| Category | {} |", m.category);
    let _ = writeln!(
        s,
        "| Runs in | `rampart image scan IMAGE... --db DIR`, `rampart scan PATH... --images --db DIR` |\n"
    );
    let _ = writeln!(s, "## Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(s, "## How to fix it\n\n{}\n", m.remediation);
    let _ = writeln!(s, "## Frameworks\n");
    for c in m.controls {
        let _ = writeln!(s, "- {}", c.label());
    }
    let _ = writeln!(
        s,
        "\n## Ignoring it\n\nProject-wide: `--ignore {}` or a waiver in `.rampart.yaml`.",
        m.id
    );
    s
}

/// Every generated page: (path relative to the repository root, content).
pub fn doc_files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = metas()
        .iter()
        .map(|m| (format!("{DOCS_DIR}/{}.md", m.id), page(m)))
        .collect();
    let mut index = String::from("# Image checks\n\n");
    index.push_str(
        "<!-- Generated from crates/rampart_imagescan/src/checks.rs by `cargo run -p xtask -- docs`. Do not edit. -->\n\n",
    );
    index.push_str("Checks that read the contents of images (see docs/vulnerabilities.md).\n\n");
    index.push_str("| ID | Title | Severity | Frameworks |\n|---|---|---|---|\n");
    for m in metas() {
        let mut fws: Vec<&str> = m.controls.iter().map(|c| c.framework().as_str()).collect();
        fws.dedup();
        let _ = writeln!(
            index,
            "| [`{}`]({}.md) | {} | {} | {} |",
            m.id,
            m.id,
            m.title,
            m.severity,
            fws.join(", ")
        );
    }
    out.push((format!("{DOCS_DIR}/README.md"), index));
    out
}
