//! The distribution a filesystem belongs to (`etc/os-release`, else `usr/lib/os-release`) and the
//! OSV ecosystem its packages match in.

use rampart_model::files::FileSet;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Distro {
    /// `ID` (`debian`, `alpine`, `rocky`, ...).
    pub id: String,
    /// `VERSION_ID`, when set (`12`, `3.20.3`, `9.4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE` entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// The OSV ecosystem of this distribution's own packages, with its release where OSV has one:
    /// `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.20`, `Rocky Linux:9`, `AlmaLinux:9`, `Red Hat`,
    /// `openSUSE:Leap 15.5`, `Wolfi`, `Chainguard`, ...; `None` for a distribution OSV lacks.
    pub fn ecosystem(&self) -> Option<String> {
        let v = self.version_id.as_deref();
        let major = v.map(|v| v.split('.').next().unwrap_or(v).to_string());
        let major_minor = v.map(|v| v.split('.').take(2).collect::<Vec<_>>().join("."));
        Some(match self.id.as_str() {
            "debian" => match major {
                Some(m) => format!("Debian:{m}"),
                None => "Debian".to_string(),
            },
            "ubuntu" => match v {
                Some(v) => {
                    let lts = v.ends_with(".04")
                        && v.split('.')
                            .next()
                            .and_then(|y| y.parse::<u32>().ok())
                            .is_some_and(|y| y % 2 == 0);
                    if lts {
                        format!("Ubuntu:{v}:LTS")
                    } else {
                        format!("Ubuntu:{v}")
                    }
                }
                None => "Ubuntu".to_string(),
            },
            "alpine" => match major_minor {
                Some(mm) => format!("Alpine:v{mm}"),
                None => "Alpine".to_string(),
            },
            "rocky" => with_release("Rocky Linux", major),
            "almalinux" => with_release("AlmaLinux", major),
            "rhel" | "centos" => "Red Hat".to_string(),
            "opensuse-leap" => {
                with_release("openSUSE:Leap", v.map(str::to_string)).replacen(":Leap:", ":Leap ", 1)
            }
            "opensuse-tumbleweed" => "openSUSE:Tumbleweed".to_string(),
            "sles" => "SUSE".to_string(),
            "mariner" => with_release("Mariner", major_minor),
            "azurelinux" => with_release("Azure Linux", major_minor),
            "wolfi" => "Wolfi".to_string(),
            "chainguard" => "Chainguard".to_string(),
            "photon" => with_release("Photon OS", major_minor),
            "openeuler" => with_release("openEuler", v.map(str::to_string)),
            "mageia" => with_release("Mageia", major),
            _ => return None,
        })
    }
}

fn with_release(name: &str, release: Option<String>) -> String {
    match release {
        Some(r) => format!("{name}:{r}"),
        None => name.to_string(),
    }
}

pub(crate) fn distro(files: &FileSet) -> Option<Distro> {
    let bytes = files
        .get("etc/os-release")
        .or_else(|| files.get("usr/lib/os-release"))?;
    parse(&crate::text(bytes))
}

/// Parses os-release (shell-style `KEY=value`, values optionally quoted).
pub(crate) fn parse(text: &str) -> Option<Distro> {
    let mut id = None;
    let mut d = Distro {
        id: String::new(),
        version_id: None,
        codename: None,
        pretty_name: None,
        id_like: Vec::new(),
    };
    for line in text.lines() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "ID" => id = Some(v.to_ascii_lowercase()),
            "VERSION_ID" => d.version_id = Some(v),
            "VERSION_CODENAME" => d.codename = Some(v),
            "PRETTY_NAME" => d.pretty_name = Some(v),
            "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    d.id = id.filter(|i| !i.is_empty())?;
    Some(d)
}

fn unquote(v: &str) -> String {
    let inner = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eco(s: &str) -> Option<String> {
        parse(s).and_then(|d| d.ecosystem())
    }

    #[test]
    fn ecosystems() {
        assert_eq!(
            eco("ID=debian\nVERSION_ID=\"12\"\n").as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            eco("ID=alpine\nVERSION_ID=3.20.3\n").as_deref(),
            Some("Alpine:v3.20")
        );
        assert_eq!(
            eco("ID=ubuntu\nVERSION_ID=\"22.04\"\n").as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            eco("ID=ubuntu\nVERSION_ID=\"23.10\"\n").as_deref(),
            Some("Ubuntu:23.10")
        );
        assert_eq!(
            eco("ID=\"rocky\"\nVERSION_ID=\"9.4\"\n").as_deref(),
            Some("Rocky Linux:9")
        );
        assert_eq!(
            eco("ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n").as_deref(),
            Some("openSUSE:Leap 15.5")
        );
        assert_eq!(eco("ID=arch\n"), None);
        assert_eq!(eco("NAME=x\n"), None);
    }
}
