//! Fuzzes the loader: `rampart_source::parse_str` on arbitrary UTF-8 must never panic, must stay
//! bounded (depth, aliases), and the positions it returns must mirror the values it returns.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rampart_model::PosTree;
use serde_json::Value;

/// The position tree mirrors the value: one child per mapping entry and per sequence item, and
/// every position is inside the text.
fn check_tree(v: &Value, t: &PosTree, max_line: u32) {
    assert!(
        t.pos.line >= 1 && t.pos.line <= max_line,
        "line {} of {max_line}",
        t.pos.line
    );
    assert!(t.pos.col >= 1, "column {}", t.pos.col);
    match v {
        Value::Object(m) => {
            assert_eq!(m.len(), t.children.len(), "mapping entries vs positions");
            for ((_, cv), ct) in m.iter().zip(&t.children) {
                check_tree(cv, ct, max_line);
            }
        }
        Value::Array(a) => {
            assert_eq!(a.len(), t.children.len(), "sequence items vs positions");
            for (cv, ct) in a.iter().zip(&t.children) {
                check_tree(cv, ct, max_line);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = rampart_source::parse_str(Path::new("fuzz.yaml"), text);
    // Lines are 1-based, counted as YAML counts them (a lone `\r` is a line break too); an error
    // at the very end may point one line past the last line break.
    let text = rampart_source::yaml::normalize_breaks(text);
    let max_line = text.split('\n').count() as u32 + 1;
    let lines = rampart_source::Lines::new(&text);
    for e in &parsed.errors {
        if let Some(l) = e.line {
            assert!(l >= 1 && l <= max_line, "error line {l} of {max_line}: {e}");
        }
        assert!(!e.message.is_empty());
    }
    for r in &parsed.resources {
        let tree = r.positions.as_ref().expect("positions of a file object");
        check_tree(&r.raw, tree, max_line);
        for ptr in [
            "",
            "/metadata/name",
            "/spec/containers/0/securityContext/privileged",
            "/spec/template/spec/hostPID",
            "/spec/missing/0/deeper",
            "/items/1",
            "/a~1b/c~0d",
        ] {
            if let Some(pos) = r.locate(ptr) {
                let _ = lines.line(pos.line);
            }
        }
    }
});
