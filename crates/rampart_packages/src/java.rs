//! Java archives: the Maven coordinates in `META-INF/maven/<group>/<artifact>/pom.properties`,
//! also inside nested archives (Spring Boot's `BOOT-INF/lib/*.jar`, a WAR's `WEB-INF/lib`).

use std::io::{Cursor, Read};

use crate::{purl, Kind, Out, Package};

/// Archives larger than this are not read.
pub(crate) const JAR_MAX: u64 = 256 << 20;
/// How deep archives inside archives are opened.
const NEST_MAX: usize = 2;
/// A `pom.properties` larger than this is not a real one.
const POM_MAX: u64 = 64 << 10;

pub(crate) fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".jpi", ".hpi"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn is_pom_properties(entry: &str) -> bool {
    entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.properties")
}

/// Every `pom.properties` entry of a zip archive (and of archives nested in it), named by entry
/// path (`inner.jar!/META-INF/...` for nested ones). Unreadable archives give nothing.
pub(crate) fn pom_entries_from_zip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    collect(bytes, "", 0, &mut out);
    out
}

fn collect(bytes: &[u8], prefix: &str, depth: usize, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let Ok(name) = file.name().map(|n| n.into_owned()) else {
            continue;
        };
        if is_pom_properties(&name) {
            let mut data = Vec::new();
            if (&mut file).take(POM_MAX).read_to_end(&mut data).is_ok() {
                out.push((format!("{prefix}{name}"), data));
            }
        } else if depth < NEST_MAX && is_archive_name(&name) && file.size() <= JAR_MAX {
            let mut inner = Vec::new();
            if (&mut file).take(JAR_MAX).read_to_end(&mut inner).is_ok() {
                collect(&inner, &format!("{prefix}{name}!/"), depth + 1, out);
            }
        }
    }
}

/// One `pom.properties` (`groupId`, `artifactId`, `version`).
pub(crate) fn pom_properties(path: &str, entry: &str, data: &[u8], out: &mut Out<'_>) {
    let text = crate::text(data);
    let (mut group, mut artifact, mut version) = (None, None, None);
    for (_, line) in crate::numbered_lines(&text) {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') || line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(['=', ':']) else {
            continue;
        };
        let v = v.trim().to_string();
        match k.trim() {
            "groupId" => group = Some(v),
            "artifactId" => artifact = Some(v),
            "version" => version = Some(v),
            _ => {}
        }
    }
    let (Some(group), Some(artifact), Some(version)) = (group, artifact, version) else {
        out.err(
            path,
            None,
            format!("{entry}: expected groupId, artifactId and version"),
        );
        return;
    };
    if group.is_empty() || artifact.is_empty() || version.is_empty() {
        out.err(
            path,
            None,
            format!("{entry}: empty groupId, artifactId or version"),
        );
        return;
    }
    out.packages.push(Package {
        ecosystem: "Maven".into(),
        purl: purl::maven(&group, &artifact, &version),
        name: format!("{group}:{artifact}"),
        version,
        source_name: None,
        source_version: None,
        licenses: Vec::new(),
        path: path.to_string(),
        kind: Kind::Java,
    });
}
