//! A finding as pretty JSON, written field by field.
//!
//! Reports carry hundreds of thousands of findings, and going through serde for each of their
//! small strings was a sixth of a scan's time. The common parts (strings, the object subject,
//! locations, related objects, fixes) are written here directly; the rare or open-ended ones
//! (evidence, suppressions, other subjects, the values of fix edits) still go through serde at
//! the right depth. The text is exactly what `serde_json` writes with the report's pretty
//! layout (a test compares the two on every kind of finding).

use std::io;

use rampart_model::{Edit, Finding, Fix, Location, ObjectRef, Related, Subject, Suppression};

use super::pretty_into;

/// Appends `f` as pretty JSON whose lines after the first are indented `depth` levels.
pub(super) fn write_finding(out: &mut Vec<u8>, f: &Finding, depth: usize) -> io::Result<()> {
    let mut o = Obj::open(out, depth);
    o.key("check");
    string(o.out, &f.check);
    o.key("status");
    string(o.out, f.status.as_str());
    o.key("severity");
    string(o.out, f.severity.as_str());
    o.key("subject");
    let level = o.level;
    match &f.subject {
        Subject::Object(id) => object_ref(o.out, level, Some("object"), id),
        other => pretty_into(o.out, other, level)?,
    }
    o.key("pointer");
    string(o.out, f.pointer.as_str());
    if let Some(loc) = &f.location {
        o.key("location");
        location(o.out, level, loc)?;
    }
    o.key("message");
    string(o.out, &f.message);
    if !f.evidence.is_empty() {
        o.key("evidence");
        pretty_into(o.out, &f.evidence, level)?;
    }
    if !f.related.is_empty() {
        o.key("related");
        array(o.out, level, &f.related, related)?;
    }
    o.key("fingerprint");
    o.out.push(b'"');
    o.out.extend_from_slice(&f.fingerprint.to_hex());
    o.out.push(b'"');
    if let Some(fix) = &f.fix {
        o.key("fix");
        write_fix(o.out, level, fix)?;
    }
    if f.suppression != Suppression::Open {
        o.key("suppression");
        pretty_into(o.out, &f.suppression, level)?;
    }
    o.close();
    Ok(())
}

/// An object being written: `{`, then each key on its own line `level` levels deep.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    /// The level of the keys (one more than the object's own).
    level: usize,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object that stands at `level`.
    fn open(out: &'a mut Vec<u8>, level: usize) -> Obj<'a> {
        out.push(b'{');
        Obj {
            out,
            level: level + 1,
            first: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        newline(self.out, self.level);
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn close(self) {
        if !self.first {
            newline(self.out, self.level - 1);
        }
        self.out.push(b'}');
    }
}

fn newline(out: &mut Vec<u8>, level: usize) {
    out.push(b'\n');
    out.resize(out.len() + level * 2, b' ');
}

/// An array standing at `level`, each item written by `item` one level deeper.
fn array<T>(
    out: &mut Vec<u8>,
    level: usize,
    items: &[T],
    item: impl Fn(&mut Vec<u8>, usize, &T) -> io::Result<()>,
) -> io::Result<()> {
    out.push(b'[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        newline(out, level + 1);
        item(out, level + 1, it)?;
    }
    if !items.is_empty() {
        newline(out, level);
    }
    out.push(b']');
    Ok(())
}

/// A JSON string, escaped as `serde_json` escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Branch-free per chunk, so the common case (nothing to escape) is a vector scan.
    let plain = bytes.chunks(32).all(|c| {
        c.iter()
            .fold(true, |ok, &b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
    });
    if plain {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

fn number(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// An object reference standing at `level`, with the subject's `type` tag first when given.
fn object_ref(out: &mut Vec<u8>, level: usize, tag: Option<&str>, id: &ObjectRef) {
    let mut o = Obj::open(out, level);
    if let Some(tag) = tag {
        o.key("type");
        string(o.out, tag);
    }
    o.key("apiVersion");
    string(o.out, &id.api_version);
    o.key("kind");
    string(o.out, &id.kind);
    if let Some(ns) = &id.namespace {
        o.key("namespace");
        string(o.out, ns);
    }
    o.key("name");
    string(o.out, &id.name);
    if let Some(uid) = &id.uid {
        o.key("uid");
        string(o.out, uid);
    }
    o.close();
}

fn location(out: &mut Vec<u8>, level: usize, loc: &Location) -> io::Result<()> {
    // A path that is not UTF-8: serde's error, as before.
    let Some(path) = loc.path.to_str() else {
        return pretty_into(out, loc, level);
    };
    let mut o = Obj::open(out, level);
    o.key("path");
    string(o.out, path);
    o.key("line");
    number(o.out, loc.line);
    o.key("column");
    number(o.out, loc.column);
    if let Some(snippet) = &loc.snippet {
        o.key("snippet");
        string(o.out, snippet);
    }
    o.close();
    Ok(())
}

fn related(out: &mut Vec<u8>, level: usize, r: &Related) -> io::Result<()> {
    let mut o = Obj::open(out, level);
    let inner = o.level;
    o.key("role");
    string(o.out, &r.role);
    o.key("object");
    object_ref(o.out, inner, None, &r.object);
    o.key("pointer");
    string(o.out, r.pointer.as_str());
    if let Some(loc) = &r.location {
        o.key("location");
        location(o.out, inner, loc)?;
    }
    o.close();
    Ok(())
}

fn write_fix(out: &mut Vec<u8>, level: usize, fix: &Fix) -> io::Result<()> {
    let mut o = Obj::open(out, level);
    let inner = o.level;
    o.key("description");
    string(o.out, &fix.description);
    o.key("safe");
    o.out
        .extend_from_slice(if fix.safe { b"true" } else { b"false" });
    o.key("edits");
    array(o.out, inner, &fix.edits, edit)?;
    o.close();
    Ok(())
}

fn edit(out: &mut Vec<u8>, level: usize, e: &Edit) -> io::Result<()> {
    let mut o = Obj::open(out, level);
    let inner = o.level;
    let (op, pointer, value) = match e {
        Edit::Add { pointer, value } => ("add", pointer, Some(value)),
        Edit::Replace { pointer, value } => ("replace", pointer, Some(value)),
        Edit::Remove { pointer } => ("remove", pointer, None),
    };
    o.key("op");
    string(o.out, op);
    o.key("pointer");
    string(o.out, pointer.as_str());
    if let Some(value) = value {
        o.key("value");
        pretty_into(o.out, value, inner)?;
    }
    o.close();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::path::Path;
    use std::sync::Arc;

    use rampart_model::{
        Component, Edit, Evidence, Finding, Fix, Location, ObjectRef, Pointer, Related, Severity,
        Status, Subject, Suppression,
    };

    fn id(ns: Option<&str>, uid: Option<&str>) -> Arc<ObjectRef> {
        Arc::new(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: ns.map(str::to_owned),
            name: "web \"quoted\"\n".into(),
            uid: uid.map(str::to_owned),
        })
    }

    fn loc(snippet: Option<&str>) -> Location {
        Location {
            path: Arc::from(Path::new("dir/a b\\c.yaml")),
            line: 1_000_000,
            column: 0,
            snippet: snippet.map(str::to_owned),
        }
    }

    fn findings() -> Vec<Finding> {
        let mut out = Vec::new();
        let plain = Finding::new(
            Cow::Borrowed("host-network"),
            Severity::High,
            Subject::Object(id(Some("shop"), None)),
            Pointer::from_raw("/spec/hostNetwork"),
            "uses the host's network \u{7f} é ✓".to_string(),
        );
        out.push(plain.clone());
        let mut full = plain.clone();
        full.status = Status::NotApplicable;
        full.severity = Severity::Info;
        full.subject = Subject::Object(id(None, Some("u-1")));
        full.location = Some(loc(Some("  hostNetwork: true\t# \u{1}")));
        full.message = "tab\there, \"quotes\", back\\slash, nul \u{0}".into();
        full.evidence = vec![Evidence::new("--flag", Some("x".into())).expected("y")];
        full.related = vec![
            Related {
                role: Cow::Borrowed("binding"),
                object: id(Some("a"), None),
                pointer: Pointer::from_raw("/subjects/0"),
                location: Some(loc(None)),
            },
            Related {
                role: Cow::Owned("role".into()),
                object: id(None, Some("x")),
                pointer: Pointer::default(),
                location: None,
            },
        ];
        full.fix = Some(Box::new(Fix {
            description: "set it".into(),
            safe: false,
            edits: vec![
                Edit::Add {
                    pointer: Pointer::from_raw("/spec/a"),
                    value: serde_json::json!({"x": [1, {"y": null}], "z": {}, "w": []}),
                },
                Edit::Replace {
                    pointer: Pointer::from_raw("/spec/b"),
                    value: serde_json::json!("s\n"),
                },
                Edit::Remove {
                    pointer: Pointer::from_raw("/spec/c"),
                },
            ],
        }));
        full.suppression = Suppression::Suppressed {
            by: "annotation".into(),
            reason: "why".into(),
        };
        out.push(full.clone());
        let mut empty_edits = plain.clone();
        empty_edits.fix = Some(Box::new(Fix {
            description: String::new(),
            safe: true,
            edits: Vec::new(),
        }));
        empty_edits.suppression = Suppression::WaiverExpired {
            expired: "2020-01-01".into(),
            reason: "r".into(),
        };
        out.push(empty_edits);
        let mut component = plain.clone();
        component.subject = Subject::Component(Arc::new(Component {
            node: Some("n".into()),
            name: "kubelet".into(),
        }));
        out.push(component);
        let mut cluster = plain;
        cluster.subject = Subject::Cluster { name: None };
        cluster.location = Some(loc(Some("")));
        out.push(cluster);
        out
    }

    #[test]
    fn written_by_hand_as_serde_writes_it() {
        for f in findings() {
            for depth in [0usize, 1, 2, 5] {
                let mut want = Vec::new();
                super::super::pretty_into(&mut want, &f, depth).expect("serde");
                let mut got = Vec::new();
                super::write_finding(&mut got, &f, depth).expect("by hand");
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "depth {depth}"
                );
            }
        }
    }
}
