//! Small text helpers shared by the command renderers (`rbac`, `netpol`, `pss`, `inventory`):
//! `file:line` places and pretty JSON documents.

use std::path::Path;

use rampart_model::Resource;
use serde::Serialize;

/// `FILE:LINE`, or `FILE` without a line.
pub fn file_line(file: &Path, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{}:{l}", file.display()),
        None => file.display().to_string(),
    }
}

/// The file of an object (`-` for stdin).
pub fn file_of(res: &Resource) -> &Path {
    res.origin.path().unwrap_or(Path::new("-"))
}

/// `FILE:LINE` of `pointer` inside `res` (`-` for stdin), or `FILE` when the pointer does not
/// resolve.
pub fn place(res: &Resource, pointer: &str) -> String {
    file_line(file_of(res), res.locate(pointer).map(|p| p.line))
}

/// `v` as pretty JSON, with a final newline.
pub fn pretty_json<T: Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_line_with_and_without_line() {
        assert_eq!(file_line(Path::new("a/b.yaml"), Some(7)), "a/b.yaml:7");
        assert_eq!(file_line(Path::new("a/b.yaml"), None), "a/b.yaml");
    }

    #[test]
    fn pretty_json_ends_with_a_newline() {
        assert_eq!(
            pretty_json(&serde_json::json!({"a": [1]})).expect("json"),
            "{\n  \"a\": [\n    1\n  ]\n}\n"
        );
    }
}
