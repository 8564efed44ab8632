//! npm: `package-lock.json` (lockfile versions 1, 2 and 3), `yarn.lock` (v1 and berry) and
//! installed `node_modules/**/package.json`.

use serde_json::Value;

use crate::{purl, Kind, Out, Package};

fn push(path: &str, name: &str, version: &str, licenses: Vec<String>, out: &mut Out<'_>) {
    out.packages.push(Package {
        ecosystem: "npm".into(),
        purl: purl::npm(name, version),
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        licenses,
        path: path.to_string(),
        kind: Kind::Npm,
    });
}

fn json(path: &str, bytes: &[u8], what: &str, out: &mut Out<'_>) -> Option<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) if v.is_object() => Some(v),
        Ok(_) => {
            out.err(path, Some(1), format!("expected {what} (a JSON object)"));
            None
        }
        Err(e) => {
            out.err(
                path,
                u32::try_from(e.line()).ok(),
                format!("expected {what}: {e}"),
            );
            None
        }
    }
}

/// A version that names a registry release (not `file:`, `link:`, `git+...`, a URL).
fn registry_version(v: &str) -> bool {
    !v.is_empty() && !v.contains(':') && !v.contains('/')
}

fn licenses(v: &Value) -> Vec<String> {
    match v.get("license") {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Object(o)) => o
            .get("type")
            .and_then(Value::as_str)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => match v.get("licenses") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|l| match l {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_string),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
    }
}

pub(crate) fn package_lock(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let Some(doc) = json(path, bytes, "a package-lock.json", out) else {
        return;
    };
    if let Some(Value::Object(pkgs)) = doc.get("packages") {
        // Lockfile v2 and v3: keys are install paths.
        for (key, entry) in pkgs {
            let Some(idx) = key.rfind("node_modules/") else {
                continue; // the root project or a workspace folder
            };
            if entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&key[idx + "node_modules/".len()..]);
            match entry.get("version").and_then(Value::as_str) {
                Some(v) if registry_version(v) => push(path, name, v, licenses(entry), out),
                Some(_) => {}
                None => out.err(path, None, format!("packages[{key:?}]: expected a version")),
            }
        }
    } else if let Some(Value::Object(deps)) = doc.get("dependencies") {
        v1_dependencies(path, deps, out, 0);
    }
}

fn v1_dependencies(
    path: &str,
    deps: &serde_json::Map<String, Value>,
    out: &mut Out<'_>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for (name, entry) in deps {
        match entry.get("version").and_then(Value::as_str) {
            Some(v) if registry_version(v) => push(path, name, v, Vec::new(), out),
            Some(_) => {}
            None => out.err(
                path,
                None,
                format!("dependencies[{name:?}]: expected a version"),
            ),
        }
        if let Some(Value::Object(nested)) = entry.get("dependencies") {
            v1_dependencies(path, nested, out, depth + 1);
        }
    }
}

/// The package name of a yarn spec such as `"@babel/core@^7.0.0"` or `lodash@npm:^4.17.21`.
fn spec_name(spec: &str) -> Option<&str> {
    let spec = spec.trim().trim_matches('"');
    let (at, _) = spec.char_indices().skip(1).find(|(_, c)| *c == '@')?;
    Some(&spec[..at]).filter(|n| !n.is_empty())
}

pub(crate) fn yarn_lock(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let mut current: Option<(u32, String, bool)> = None; // line, name, skip
    let mut version: Option<String> = None;
    let flush = |cur: &mut Option<(u32, String, bool)>,
                 version: &mut Option<String>,
                 out: &mut Out<'_>| {
        if let Some((line, name, skip)) = cur.take() {
            match version.take() {
                Some(v) if !skip && registry_version(&v) => push(path, &name, &v, Vec::new(), out),
                Some(_) => {}
                None if skip => {}
                None => out.err(
                    path,
                    Some(line),
                    format!("entry {name}: expected a version"),
                ),
            }
        }
        *version = None;
    };
    for (n, line) in crate::numbered_lines(&text) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut current, &mut version, out);
            let Some(specs) = line.trim_end().strip_suffix(':') else {
                out.err(path, Some(n), "expected an entry line ending in `:`");
                continue;
            };
            if specs == "__metadata" {
                current = Some((n, String::new(), true));
                continue;
            }
            let first = specs.split(", ").next().unwrap_or(specs);
            let skip = [
                "@workspace:",
                "@link:",
                "@portal:",
                "@file:",
                "@patch:",
                "@exec:",
            ]
            .iter()
            .any(|p| first.contains(p));
            match spec_name(first) {
                Some(name) => current = Some((n, name.to_string(), skip)),
                None => out.err(
                    path,
                    Some(n),
                    format!("expected `name@range`, found {first:?}"),
                ),
            }
            continue;
        }
        let t = line.trim();
        if line.starts_with("  ") && !line.starts_with("   ") {
            if let Some(v) = t
                .strip_prefix("version:")
                .or_else(|| t.strip_prefix("version "))
            {
                version = Some(v.trim().trim_matches('"').to_string());
            }
        }
    }
    flush(&mut current, &mut version, out);
}

/// `.../node_modules/NAME/package.json` or `.../node_modules/@scope/NAME/package.json` only
/// (package.json files deeper inside a package describe no package).
pub(crate) fn installed_package_json(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let parts: Vec<&str> = path.split('/').collect();
    let n = parts.len();
    let is_pkg = (n >= 3 && parts[n - 3] == "node_modules" && !parts[n - 2].starts_with('@'))
        || (n >= 4 && parts[n - 4] == "node_modules" && parts[n - 3].starts_with('@'));
    if !is_pkg {
        return;
    }
    let Some(doc) = json(path, bytes, "a package.json", out) else {
        return;
    };
    let name = doc.get("name").and_then(Value::as_str);
    let version = doc.get("version").and_then(Value::as_str);
    match (name, version) {
        (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
            push(path, name, version, licenses(&doc), out)
        }
        _ => out.err(path, None, "expected name and version fields"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yarn_spec_names() {
        assert_eq!(spec_name("\"@babel/core@^7.0.0\""), Some("@babel/core"));
        assert_eq!(spec_name("lodash@npm:^4.17.21"), Some("lodash"));
        assert_eq!(spec_name("x"), None);
        assert_eq!(spec_name(""), None);
    }
}
