//! Container image references (`[registry[:port]/]path[:tag][@digest]`): the one parser the image
//! checks share.
//!
//! The split follows the distribution reference grammar (github.com/distribution/reference):
//! the digest is what follows the first `@`; the tag is what follows a `:` in the last path
//! component (a colon in the registry part, `host:5000/app`, is a port). The digest is kept as
//! written; [`ImageReference::digest_problem`] validates it as
//! `algorithm ":" encoded`, where a registered algorithm's encoded part has its exact form
//! (OCI image spec, descriptor.md: `sha256` 64 and `sha512` 128 lower-case hex digits). A
//! reference with an invalid digest names no image content: it is not pinned.

use std::fmt;

/// The algorithms the OCI image spec registers, and the number of lower-case hex digits of
/// their encoded part.
pub const REGISTERED_DIGESTS: &[(&str, usize)] = &[("sha256", 64), ("sha512", 128)];

/// The parts of an image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageReference<'a> {
    /// The repository with its registry (`registry:5000/team/app`), without tag or digest.
    pub name: &'a str,
    /// The tag, if any and not empty (`None` for `app`, `app:` and `registry:5000/app`).
    pub tag: Option<&'a str>,
    /// The last path component ends with a tag separator and no tag (`app:`), which the API
    /// server's reference parser refuses.
    pub empty_tag: bool,
    /// Everything after the first `@` as written, if not empty; see
    /// [`ImageReference::digest_problem`] for whether it is a valid digest.
    pub digest: Option<&'a str>,
}

/// What is wrong with the digest part of a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestProblem<'a> {
    /// `app@` or no `@` at all: there is no digest.
    Missing,
    /// No `algorithm:` prefix (`app@3f1b...`).
    NoAlgorithm { digest: &'a str },
    /// The algorithm does not follow the grammar (`[A-Za-z][A-Za-z0-9]*` joined by `+._-`).
    BadAlgorithm { digest: &'a str, algorithm: &'a str },
    /// A well-formed algorithm that is not registered (`md5`, `sha1`).
    UnknownAlgorithm { digest: &'a str, algorithm: &'a str },
    /// The encoded part of a registered algorithm is not its exact number of lower-case hex
    /// digits.
    Encoded {
        digest: &'a str,
        hex_digits: usize,
        why: EncodedWhy<'a>,
    },
}

/// Why the encoded part of a registered algorithm's digest is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedWhy<'a> {
    /// Hex digits with upper-case letters.
    UpperCase,
    /// Only lower-case hex digits, but this many.
    Length(usize),
    /// The right digits followed by this text.
    Trailing(&'a str),
    /// Characters that are not hex digits.
    NotHex,
}

impl fmt::Display for DigestProblem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestProblem::Missing => f.write_str("no digest"),
            DigestProblem::NoAlgorithm { digest } => {
                write!(f, "digest `{digest}` has no `algorithm:` prefix")
            }
            DigestProblem::BadAlgorithm { digest, algorithm } => {
                if algorithm.is_empty() {
                    write!(f, "digest `{digest}` has an empty algorithm")
                } else {
                    write!(f, "digest `{digest}` has an invalid algorithm `{algorithm}`")
                }
            }
            DigestProblem::UnknownAlgorithm { digest, algorithm } => write!(
                f,
                "digest `{digest}` uses the unknown algorithm `{algorithm}` (registered: sha256, sha512)"
            ),
            DigestProblem::Encoded {
                digest,
                hex_digits,
                why,
            } => {
                if let EncodedWhy::Trailing(rest) = why {
                    return write!(
                        f,
                        "digest `{digest}` has `{rest}` after its {hex_digits} hex digits"
                    );
                }
                write!(
                    f,
                    "digest `{digest}` is not {hex_digits} lower-case hex digits"
                )?;
                match why {
                    EncodedWhy::UpperCase => f.write_str(" (it has upper-case letters)"),
                    EncodedWhy::Length(n) => write!(f, " (it has {n})"),
                    EncodedWhy::NotHex | EncodedWhy::Trailing(_) => {
                        f.write_str(" (it has characters that are not hex)")
                    }
                }
            }
        }
    }
}

impl<'a> ImageReference<'a> {
    /// Splits a reference (surrounding white space ignored). Never fails: the parts are taken as
    /// written, and validated by the methods that need them.
    pub fn parse(image: &'a str) -> Self {
        let image = image.trim();
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d).filter(|d| !d.is_empty())),
            None => (image, None),
        };
        let last_start = name.rfind('/').map_or(0, |i| i + 1);
        let last = &name[last_start..];
        let (repo, tag, empty_tag) = match last.split_once(':') {
            Some((path, t)) => (
                &name[..last_start + path.len()],
                Some(t).filter(|t| !t.is_empty()),
                last.ends_with(':'),
            ),
            None => (name, None, false),
        };
        ImageReference {
            name: repo,
            tag,
            empty_tag,
            digest,
        }
    }

    /// The tag the runtime resolves is `latest`: no digest, and no tag or `latest`.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && matches!(self.tag, None | Some("latest"))
    }

    /// What keeps the reference from being pinned to one image content, if anything: a missing
    /// digest or one that is not a valid digest of a registered algorithm.
    pub fn digest_problem(&self) -> Option<DigestProblem<'a>> {
        let Some(digest) = self.digest else {
            return Some(DigestProblem::Missing);
        };
        validate_digest(digest).err()
    }

    /// Pinned by a valid digest.
    pub fn is_pinned(&self) -> bool {
        self.digest_problem().is_none()
    }

    /// The registry and the repository path inside it, as container runtimes resolve them
    /// (distribution's `ParseNormalizedNamed`): the first component is a registry only when it
    /// has a `.` or a `:`, is `localhost` or has upper-case letters; otherwise the registry is `docker.io`, where a
    /// one-component path is an official image under `library/` (`nginx` is
    /// `docker.io/library/nginx`).
    pub fn registry_and_path(&self) -> (&'a str, std::borrow::Cow<'a, str>) {
        let name = self.name;
        if let Some((first, rest)) = name.split_once('/') {
            // distribution's splitDockerDomain also takes a first component with upper-case
            // letters as a registry (repository paths are lower-case).
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase())
            {
                let registry = if first == "index.docker.io" {
                    "docker.io"
                } else {
                    first
                };
                if registry == "docker.io" && !rest.contains('/') {
                    return (registry, format!("library/{rest}").into());
                }
                return (registry, rest.into());
            }
            return ("docker.io", name.into());
        }
        ("docker.io", format!("library/{name}").into())
    }
}

impl ImageReference<'_> {
    /// The fully qualified repository, as runtimes pull it: `registry/path` after
    /// [`ImageReference::registry_and_path`] (`nginx` is `docker.io/library/nginx`,
    /// `index.docker.io/a/b` is `docker.io/a/b`).
    pub fn repository(&self) -> String {
        let (registry, path) = self.registry_and_path();
        format!("{registry}/{path}")
    }

    /// The version a reference names inside its repository, as people compare them: the tag
    /// when there is one (`app:1.2@sha256:...` is version `1.2`), else the digest, else
    /// `latest`.
    pub fn version(&self) -> &str {
        self.tag.or(self.digest).unwrap_or("latest")
    }
}

/// A registry allow-list entry normalised like a reference: `index.docker.io` is `docker.io`, a
/// trailing `/` is dropped, and a bare Docker Hub namespace stays a path prefix
/// (`docker.io/library` allows the official images only). `None` for an empty entry.
pub fn normalize_registry_entry(entry: &str) -> Option<String> {
    let e = entry.trim().trim_end_matches('/');
    if e.is_empty() {
        return None;
    }
    let e = e
        .strip_prefix("index.docker.io")
        .map_or_else(|| e.to_string(), |rest| format!("docker.io{rest}"));
    Some(e)
}

/// True when `repository` (as [`ImageReference::repository`] gives it) is under the allow-list
/// entry `allowed` (normalised by [`normalize_registry_entry`]): equal to it, or below it at a
/// `/` boundary (`ghcr.io/acme` allows `ghcr.io/acme/api`, not `ghcr.io/acme-evil/api`). An entry
/// starting with `*.` allows every subdomain of a registry host (`*.dkr.ecr.eu-west-1.amazonaws.com`).
pub fn repository_allowed(repository: &str, allowed: &str) -> bool {
    if let Some(suffix) = allowed.strip_prefix("*.") {
        let host = repository.split('/').next().unwrap_or("");
        let host_name = host.split(':').next().unwrap_or(host);
        return host_name.ends_with(&format!(".{suffix}")) || host.ends_with(&format!(".{suffix}"));
    }
    repository == allowed
        || repository
            .strip_prefix(allowed)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Validates `algorithm:encoded` as the OCI image spec and distribution's reference grammar
/// define it, with the exact encoded form of the registered algorithms.
pub fn validate_digest(digest: &str) -> Result<(), DigestProblem<'_>> {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err(DigestProblem::NoAlgorithm { digest });
    };
    if !valid_algorithm(algorithm) {
        return Err(DigestProblem::BadAlgorithm { digest, algorithm });
    }
    let Some(&(_, hex_digits)) = REGISTERED_DIGESTS.iter().find(|(a, _)| *a == algorithm) else {
        return Err(DigestProblem::UnknownAlgorithm { digest, algorithm });
    };
    let lower = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let run = encoded.find(|c: char| !lower(c)).unwrap_or(encoded.len());
    if run == hex_digits && run == encoded.len() {
        return Ok(());
    }
    let why = if encoded
        .chars()
        .any(|c| c.is_ascii_hexdigit() && c.is_ascii_uppercase())
    {
        EncodedWhy::UpperCase
    } else if run == encoded.len() {
        EncodedWhy::Length(run)
    } else if run == hex_digits {
        EncodedWhy::Trailing(&encoded[run..])
    } else {
        EncodedWhy::NotHex
    };
    Err(DigestProblem::Encoded {
        digest,
        hex_digits,
        why,
    })
}

/// `algorithm-component (algorithm-separator algorithm-component)*` with
/// `algorithm-component := [A-Za-z][A-Za-z0-9]*` and `algorithm-separator := [+._-]`.
fn valid_algorithm(algorithm: &str) -> bool {
    !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|c| {
            let mut chars = c.chars();
            chars.next().is_some_and(|f| f.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "3f1b5c0d2a4e6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";

    fn p(s: &str) -> ImageReference<'_> {
        ImageReference::parse(s)
    }

    #[test]
    fn names_tags_and_digests() {
        let r = p("nginx");
        assert_eq!(
            (r.name, r.tag, r.digest, r.empty_tag),
            ("nginx", None, None, false)
        );
        assert_eq!(p("nginx:1.27").tag, Some("1.27"));
        assert_eq!(p("nginx:1.27").name, "nginx");
        // A registry with a port, with and without a tag.
        let r = p("registry.example.com:5000/team/app");
        assert_eq!(
            (r.name, r.tag),
            ("registry.example.com:5000/team/app", None)
        );
        let r = p("registry.example.com:5000/team/app:2");
        assert_eq!(
            (r.name, r.tag),
            ("registry.example.com:5000/team/app", Some("2"))
        );
        // Tag and digest.
        let d = format!("registry:5000/app:v1@sha256:{HEX64}");
        let r = p(&d);
        assert_eq!(r.name, "registry:5000/app");
        assert_eq!(r.tag, Some("v1"));
        assert_eq!(r.digest, Some(&d[d.len() - 71..]));
        assert!(r.is_pinned());
        assert!(!r.is_latest());
        // Digest only.
        let d = format!("app@sha256:{HEX64}");
        let r = p(&d);
        assert_eq!((r.name, r.tag), ("app", None));
        assert!(r.is_pinned());
        assert!(!r.is_latest());
        // Empty tags and digests.
        assert!(p("app:").empty_tag);
        assert!(p("registry:5000/team/app:").empty_tag);
        assert!(!p("registry:5000/team/app").empty_tag);
        assert_eq!(p("app:").tag, None);
        assert!(p("app:").is_latest());
        assert_eq!(p("app@").digest, None);
        assert_eq!(p("app@").digest_problem(), Some(DigestProblem::Missing));
        assert!(p("app:latest").is_latest());
        assert!(p("  host:5000/team/app ").is_latest());
    }

    #[test]
    fn registries_and_paths() {
        let rp = |s: &str| {
            let (r, path) = p(s).registry_and_path();
            (r.to_string(), path.into_owned())
        };
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(rp("nginx"), pair("docker.io", "library/nginx"));
        assert_eq!(rp("nginx:1.27"), pair("docker.io", "library/nginx"));
        assert_eq!(rp("bitnami/redis"), pair("docker.io", "bitnami/redis"));
        assert_eq!(rp("docker.io/nginx"), pair("docker.io", "library/nginx"));
        assert_eq!(rp("index.docker.io/a/b"), pair("docker.io", "a/b"));
        assert_eq!(rp("localhost/app"), pair("localhost", "app"));
        assert_eq!(
            rp("127.0.0.1:5000/team/app:v1"),
            pair("127.0.0.1:5000", "team/app")
        );
        assert_eq!(rp("ghcr.io/o/r@sha256:00"), pair("ghcr.io", "o/r"));
    }

    #[test]
    fn repositories_versions_and_allow_lists() {
        assert_eq!(p("nginx").repository(), "docker.io/library/nginx");
        assert_eq!(p("Registry/app").repository(), "Registry/app");
        assert_eq!(p("nginx").version(), "latest");
        assert_eq!(p("nginx:1.27").version(), "1.27");
        assert_eq!(p(&format!("nginx:1.27@sha256:{HEX64}")).version(), "1.27");
        assert_eq!(
            p(&format!("nginx@sha256:{HEX64}")).version(),
            format!("sha256:{HEX64}")
        );
        let n = |e: &str| normalize_registry_entry(e).unwrap_or_default();
        assert_eq!(n("index.docker.io/library/"), "docker.io/library");
        assert_eq!(normalize_registry_entry(" "), None);
        let ok = |image: &str, entry: &str| repository_allowed(&p(image).repository(), &n(entry));
        assert!(ok("nginx:1.27", "docker.io"));
        assert!(ok("nginx:1.27", "docker.io/library"));
        assert!(ok("docker.io/nginx", "index.docker.io/library"));
        assert!(!ok("bitnami/redis", "docker.io/library"));
        assert!(ok("ghcr.io/acme/api:1", "ghcr.io/acme"));
        assert!(!ok("ghcr.io/acme-evil/api:1", "ghcr.io/acme"));
        assert!(!ok("ghcr.io.evil.com/acme/api", "ghcr.io"));
        assert!(ok(
            "1234.dkr.ecr.eu-west-1.amazonaws.com/api",
            "*.amazonaws.com"
        ));
        assert!(!ok("amazonaws.com.evil/api", "*.amazonaws.com"));
        assert!(ok(
            "registry.example.com:5000/app",
            "registry.example.com:5000"
        ));
        assert!(!ok("registry.example.com:5000/app", "registry.example.com"));
    }

    fn why(d: &str) -> Option<(usize, EncodedWhy<'_>)> {
        match validate_digest(d) {
            Err(DigestProblem::Encoded {
                why, hex_digits, ..
            }) => Some((hex_digits, why)),
            _ => None,
        }
    }

    #[test]
    fn digests_are_validated() {
        assert_eq!(validate_digest(&format!("sha256:{HEX64}")), Ok(()));
        assert_eq!(validate_digest(&format!("sha512:{HEX64}{HEX64}")), Ok(()));
        // Upper-case.
        let upper = format!("sha256:{}", HEX64.to_uppercase());
        assert_eq!(why(&upper), Some((64, EncodedWhy::UpperCase)));
        // Short and long.
        assert_eq!(why("sha256:abc"), Some((64, EncodedWhy::Length(3))));
        assert_eq!(why("sha256:"), Some((64, EncodedWhy::Length(0))));
        assert_eq!(
            why(&format!("sha256:{HEX64}0")),
            Some((64, EncodedWhy::Length(65)))
        );
        assert_eq!(
            why(&format!("sha512:{HEX64}")),
            Some((128, EncodedWhy::Length(64)))
        );
        // Junk after the digest.
        assert_eq!(
            why(&format!("sha256:{HEX64}:latest")),
            Some((64, EncodedWhy::Trailing(":latest")))
        );
        assert_eq!(why("sha256:xyz"), Some((64, EncodedWhy::NotHex)));
        // Unknown, empty and invalid algorithms; no algorithm.
        assert!(matches!(
            validate_digest(&format!("md5:{HEX64}")),
            Err(DigestProblem::UnknownAlgorithm {
                algorithm: "md5",
                ..
            })
        ));
        assert!(matches!(
            validate_digest(&format!("SHA256:{HEX64}")),
            Err(DigestProblem::UnknownAlgorithm { .. })
        ));
        assert!(matches!(
            validate_digest(&format!(":{HEX64}")),
            Err(DigestProblem::BadAlgorithm { algorithm: "", .. })
        ));
        assert!(matches!(
            validate_digest(&format!("1sha:{HEX64}")),
            Err(DigestProblem::BadAlgorithm { .. })
        ));
        assert!(matches!(
            validate_digest(HEX64),
            Err(DigestProblem::NoAlgorithm { .. })
        ));
        // A second `@` is junk in the digest.
        let r = format!("app@sha256:{HEX64}@sha256:{HEX64}");
        assert!(!p(&r).is_pinned());
    }

    #[test]
    fn problems_say_what_is_wrong() {
        let upper = format!("sha256:{}", HEX64.to_uppercase());
        let msg = validate_digest(&upper).err().map(|e| e.to_string());
        assert_eq!(
            msg,
            Some(format!(
                "digest `{upper}` is not 64 lower-case hex digits (it has upper-case letters)"
            ))
        );
        let msg = validate_digest("sha256:abc").err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("digest `sha256:abc` is not 64 lower-case hex digits (it has 3)")
        );
        let junk = format!("sha256:{HEX64}:latest");
        let msg = validate_digest(&junk).err().map(|e| e.to_string());
        assert_eq!(
            msg,
            Some(format!(
                "digest `{junk}` has `:latest` after its 64 hex digits"
            ))
        );
        let msg = validate_digest("md5:abc").err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("digest `md5:abc` uses the unknown algorithm `md5` (registered: sha256, sha512)")
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "@",
            ":",
            "/",
            "a/:",
            "é:é@é:é",
            "@:",
            "a@b:c:d",
            "host:/:@",
        ] {
            let r = p(s);
            let _ = (r.is_latest(), r.digest_problem().map(|e| e.to_string()));
        }
    }
}
