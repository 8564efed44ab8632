//! dpkg's status database (`var/lib/dpkg/status`) and distroless `var/lib/dpkg/status.d/*`:
//! deb822 stanzas of `Field: value` lines.

use crate::{purl, Kind, Out, Package};

/// One stanza: its first line and its fields (continuation lines folded in).
struct Stanza<'a> {
    line: u32,
    fields: Vec<(&'a str, String)>,
}

impl Stanza<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn stanzas<'a>(path: &str, text: &'a str, out: &mut Out<'_>) -> Vec<Stanza<'a>> {
    let mut all = Vec::new();
    let mut cur: Option<Stanza<'a>> = None;
    for (n, line) in crate::numbered_lines(text) {
        if line.trim().is_empty() {
            all.extend(cur.take());
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match cur.as_mut().and_then(|s| s.fields.last_mut()) {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => out.err(path, Some(n), "continuation line outside a field"),
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            out.err(path, Some(n), "expected `Field: value`");
            continue;
        };
        cur.get_or_insert_with(|| Stanza {
            line: n,
            fields: Vec::new(),
        })
        .fields
        .push((k.trim(), v.trim().to_string()));
    }
    all.extend(cur);
    all
}

/// `Source: name` or `Source: name (version)`.
pub(crate) fn parse_source(s: &str) -> (String, Option<String>) {
    match s.split_once('(') {
        Some((name, rest)) => (
            name.trim().to_string(),
            Some(rest.trim_end().trim_end_matches(')').trim().to_string())
                .filter(|v| !v.is_empty()),
        ),
        None => (s.trim().to_string(), None),
    }
}

pub(crate) fn status(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let (ecosystem, namespace, distro_q) = match out.distro {
        Some(d)
            if d.id == "debian" || d.id == "ubuntu" || d.id_like.iter().any(|l| l == "debian") =>
        {
            (
                d.ecosystem().unwrap_or_else(|| "Debian".into()),
                d.id.clone(),
                match &d.version_id {
                    Some(v) => format!("{}-{v}", d.id),
                    None => d.id.clone(),
                },
            )
        }
        _ => ("Debian".to_string(), "debian".to_string(), String::new()),
    };
    for st in stanzas(path, &text, out) {
        let Some(name) = st.get("Package") else {
            out.err(path, Some(st.line), "stanza without a Package field");
            continue;
        };
        if let Some(status) = st.get("Status") {
            if status.split_whitespace().nth(2) != Some("installed") {
                continue;
            }
        }
        let Some(version) = st.get("Version") else {
            out.err(
                path,
                Some(st.line),
                format!("package {name}: expected a Version field"),
            );
            continue;
        };
        let (source_name, source_version) = match st.get("Source") {
            Some(s) => {
                let (n, v) = parse_source(s);
                (n, v.unwrap_or_else(|| version.to_string()))
            }
            None => (name.to_string(), version.to_string()),
        };
        let arch = st.get("Architecture").unwrap_or("");
        let upstream = if source_name != name {
            if source_version != version {
                format!("{source_name}@{source_version}")
            } else {
                source_name.clone()
            }
        } else {
            String::new()
        };
        out.packages.push(Package {
            ecosystem: ecosystem.clone(),
            purl: purl::build(
                "deb",
                Some(&namespace),
                name,
                version,
                &[
                    ("arch", arch),
                    ("distro", &distro_q),
                    ("upstream", &upstream),
                ],
            ),
            name: name.to_string(),
            version: version.to_string(),
            source_name: Some(source_name),
            source_version: Some(source_version),
            licenses: Vec::new(),
            path: path.to_string(),
            kind: Kind::Deb,
        });
    }
}
