//! apk's installed database (`lib/apk/db/installed`): stanzas of `K:value` lines (`P` name,
//! `V` version, `A` architecture, `o` origin, `L` license).

use crate::{purl, Kind, Out, Package};

pub(crate) fn installed(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let (ecosystem, namespace, distro_q) = match out.distro {
        Some(d) => (
            d.ecosystem().unwrap_or_else(|| "Alpine".into()),
            d.id.clone(),
            match &d.version_id {
                Some(v) => format!("{}-{v}", d.id),
                None => d.id.clone(),
            },
        ),
        None => ("Alpine".to_string(), "alpine".to_string(), String::new()),
    };
    let mut start = 0u32;
    let mut fields: Vec<(char, String)> = Vec::new();
    let flush = |start: u32, fields: &mut Vec<(char, String)>, out: &mut Out<'_>| {
        if fields.is_empty() {
            return;
        }
        let get = |k: char| {
            fields
                .iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        match (get('P'), get('V')) {
            (Some(name), Some(version)) => {
                let arch = get('A').unwrap_or("");
                let origin = get('o').unwrap_or(name);
                let upstream = if origin != name { origin } else { "" };
                out.packages.push(Package {
                    ecosystem: ecosystem.clone(),
                    purl: purl::build(
                        "apk",
                        Some(&namespace),
                        name,
                        version,
                        &[
                            ("arch", arch),
                            ("distro", &distro_q),
                            ("upstream", upstream),
                        ],
                    ),
                    name: name.to_string(),
                    version: version.to_string(),
                    source_name: Some(origin.to_string()),
                    source_version: Some(version.to_string()),
                    licenses: get('L').map(|l| vec![l.to_string()]).unwrap_or_default(),
                    path: path.to_string(),
                    kind: Kind::Apk,
                });
            }
            _ => out.err(
                path,
                Some(start),
                "package entry without a name (P:) and version (V:)",
            ),
        }
        fields.clear();
    };
    for (n, line) in crate::numbered_lines(&text) {
        if line.trim().is_empty() {
            flush(start, &mut fields, out);
            continue;
        }
        let mut chars = line.chars();
        let (Some(k), Some(':')) = (chars.next(), chars.next()) else {
            out.err(path, Some(n), "expected `K:value`");
            continue;
        };
        if fields.is_empty() {
            start = n;
        }
        fields.push((k, chars.as_str().to_string()));
    }
    flush(start, &mut fields, out);
}
