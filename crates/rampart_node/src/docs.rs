//! Documentation pages of the node checks (`docs/benchmarks/cis-1.12/`), generated from the
//! benchmark table by `cargo xtask docs`; a test fails when they drift.

use std::fmt::Write;

use crate::eval::{metas, Benchmark, Item, Test};

/// The directory of the pages, relative to the repository root.
pub fn dir(b: &Benchmark) -> String {
    format!("docs/benchmarks/cis-{}", b.version)
}

/// The page of one item.
pub fn page(b: &'static Benchmark, item: &Item, meta: &rampart_model::Meta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{}`: {}\n", meta.id, meta.title);
    let _ = writeln!(
        s,
        "<!-- Generated from the benchmark table (crates/rampart_node/src/cis.rs) by `cargo xtask docs`. Do not edit. -->\n"
    );
    let _ = writeln!(s, "| | |\n|---|---|");
    if item.is_benchmark_item() {
        let _ = writeln!(
            s,
            "| Benchmark | {} {}, item {} |",
            b.title, b.version, item.id
        );
        let _ = writeln!(
            s,
            "| Assessment | {} |",
            if item.automated {
                "Automated"
            } else {
                "Manual"
            }
        );
    } else {
        let _ = writeln!(
            s,
            "| Benchmark | beyond {} {} (rampart) |",
            b.title, b.version
        );
    }
    let _ = writeln!(s, "| Component | {} |", item.component);
    let _ = writeln!(s, "| Severity | {} |", meta.severity);
    let _ = writeln!(s, "| Category | {} |\n", meta.category);
    let _ = writeln!(s, "## Why it matters\n\n{}\n", item.why);
    let audit = item.audit();
    if !audit.is_empty() {
        let _ = writeln!(s, "## What rampart examines\n\n{audit}\n");
    }
    let _ = writeln!(s, "## How to fix it\n\n{}\n", item.fix);
    let _ = writeln!(s, "## Frameworks\n");
    for c in meta.controls {
        let _ = writeln!(s, "- {}", c.label());
    }
    let _ = writeln!(
        s,
        "\nRun it with `rampart node` (a live node) or `rampart benchmark cis [--root DIR | PATH...]`."
    );
    s
}

/// The index of the benchmark's checks.
pub fn index(b: &'static Benchmark) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} {}: node checks\n", b.title, b.version);
    let _ = writeln!(
        s,
        "<!-- Generated from the benchmark table (crates/rampart_node/src/cis.rs) by `cargo xtask docs`. Do not edit. -->\n"
    );
    let benchmark_items = b.items.iter().filter(|i| i.is_benchmark_item()).count();
    let _ = writeln!(
        s,
        "{} checks: the benchmark's {benchmark_items} items of sections 1-4 and {} of rampart's own.\n",
        b.items.len(),
        b.items.len() - benchmark_items
    );
    let _ = writeln!(
        s,
        "Every item is tested where a node's processes and files can say. Items the benchmark \
         labels Automated report PASS or FAIL. Items it labels Manual are tested too: a failed \
         test reports MANUAL (for a person to judge, with the evidence), never FAIL; a passing \
         one PASS. Any item reports N/A when its component is not on the node (a managed control \
         plane) and ERROR when a file it needs cannot be read.\n"
    );
    let _ = writeln!(s, "Items with no automated test, and why:\n");
    for i in b.items.iter().filter(|i| matches!(i.test, Test::Manual(_))) {
        let _ = writeln!(
            s,
            "- {} {}: nothing on a node records it. {}",
            i.id,
            i.title,
            i.audit().trim_start_matches("Manual: ")
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| ID | CIS | Title | Assessment | Component | Severity |\n|---|---|---|---|---|---|"
    );
    for (item, m) in b.items.iter().zip(metas(b)) {
        let _ = writeln!(
            s,
            "| [`{}`]({}.md) | {} | {} | {} | {} | {} |",
            m.id,
            m.id,
            if item.is_benchmark_item() {
                item.id
            } else {
                "-"
            },
            item.title,
            if !item.is_benchmark_item() {
                "rampart"
            } else if item.automated {
                "Automated"
            } else {
                "Manual"
            },
            item.component,
            m.severity
        );
    }
    s
}

/// Every generated file: (path relative to the repository root, content).
pub fn all_files(b: &'static Benchmark) -> Vec<(String, String)> {
    let d = dir(b);
    let mut out = vec![(format!("{d}/README.md"), index(b))];
    for (item, m) in b.items.iter().zip(metas(b)) {
        out.push((format!("{d}/{}.md", m.id), page(b, item, m)));
    }
    out
}
