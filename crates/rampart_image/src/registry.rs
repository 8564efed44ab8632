//! The OCI distribution API (pull only): manifests and blobs of one repository, with anonymous,
//! basic and bearer-token authentication (the `WWW-Authenticate` challenge flow), redirects, and
//! plain http only for loopback registries or with the explicit insecure option.

use std::io::Read;
use std::net::IpAddr;
use std::sync::Mutex;

use base64::Engine as _;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::{Http, Response};
use crate::{Credentials, Options};

/// The media types a manifest request accepts.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Redirects followed per request.
const MAX_REDIRECTS: usize = 5;

/// One repository of one registry.
pub(crate) struct Repo {
    http: Http,
    /// `https://host[:port]` (or `http://` for loopback or insecure).
    base: String,
    pub(crate) repository: String,
    insecure: bool,
    creds: Option<Credentials>,
    /// The `Authorization` header value that last worked.
    auth: Mutex<Option<String>>,
}

/// True for 127.0.0.0/8, ::1 and `localhost` (with or without a port).
pub(crate) fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        registry.rsplit_once(':').map_or(registry, |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                registry
            }
        })
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Repo {
    pub(crate) fn new(registry: &str, repository: &str, opts: &Options) -> Result<Repo> {
        let scheme = if is_loopback(registry) || opts.insecure {
            "http"
        } else {
            "https"
        };
        // Docker Hub's API lives on another host than its name.
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        Ok(Repo {
            http: Http::new(opts.timeout)?,
            base: format!("{scheme}://{host}"),
            repository: repository.to_string(),
            insecure: opts.insecure,
            creds: opts.credentials.clone(),
            auth: Mutex::new(None),
        })
    }

    fn url(&self, kind: &str, reference: &str) -> String {
        format!("{}/v2/{}/{kind}/{reference}", self.base, self.repository)
    }

    /// The manifest (or index) `reference` names (a tag or digest): its bytes and content type.
    pub(crate) fn manifest(&self, reference: &str) -> Result<(Vec<u8>, Option<String>)> {
        let url = self.url("manifests", reference);
        let mut resp = self.get(&url, Some(MANIFEST_ACCEPT))?;
        let ctype = resp.header("content-type").map(str::to_string);
        let body = resp
            .body
            .read_limited(crate::MAX_MANIFEST)
            .map_err(|e| Error::Http {
                url: url.clone(),
                message: e.to_string(),
            })?;
        Ok((body, ctype))
    }

    /// A blob, streamed.
    pub(crate) fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>> {
        let url = self.url("blobs", digest);
        let resp = self.get(&url, None)?;
        Ok(Box::new(resp.body))
    }

    /// A small blob (a config), whole.
    pub(crate) fn blob_bytes(&self, digest: &str, limit: u64) -> Result<Vec<u8>> {
        let url = self.url("blobs", digest);
        let mut resp = self.get(&url, None)?;
        resp.body.read_limited(limit).map_err(|e| Error::Http {
            url,
            message: e.to_string(),
        })
    }

    fn current_auth(&self) -> Option<String> {
        self.auth.lock().ok().and_then(|a| a.clone())
    }

    /// GET with authentication (answering one challenge) and redirects; an error unless 2xx.
    fn get(&self, url: &str, accept: Option<&str>) -> Result<Response> {
        let resp = self.send(url, accept, self.current_auth())?;
        let resp = if resp.status.as_u16() == 401 {
            let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
            let auth = self.answer(url, &challenge)?;
            let resp = self.send(url, accept, Some(auth.clone()))?;
            if resp.status.as_u16() == 401 {
                return Err(Error::Auth {
                    url: url.to_string(),
                    message: if self.creds.is_some() {
                        "the registry refused the credentials".into()
                    } else {
                        "the registry requires credentials (--username/--password)".into()
                    },
                });
            }
            if let Ok(mut a) = self.auth.lock() {
                *a = Some(auth);
            }
            resp
        } else {
            resp
        };
        check_status(url, resp)
    }

    /// One request, following redirects (without credentials once redirected: blob stores sign
    /// their own URLs).
    fn send(&self, url: &str, accept: Option<&str>, auth: Option<String>) -> Result<Response> {
        let mut url = url.to_string();
        let mut auth = auth;
        for _ in 0..=MAX_REDIRECTS {
            let mut headers: Vec<(&str, String)> = Vec::new();
            if let Some(a) = &accept {
                headers.push(("accept", a.to_string()));
            }
            if let Some(a) = &auth {
                headers.push(("authorization", a.clone()));
            }
            headers.push((
                "user-agent",
                concat!("rampart/", env!("CARGO_PKG_VERSION")).into(),
            ));
            let resp = self.http.get(&url, &headers)?;
            if resp.status.is_redirection() {
                let Some(loc) = resp.header("location") else {
                    return Ok(resp);
                };
                let next = join_url(&url, loc);
                self.check_scheme(&next)?;
                url = next;
                auth = None;
                continue;
            }
            return Ok(resp);
        }
        Err(Error::Http {
            url,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn check_scheme(&self, url: &str) -> Result<()> {
        if let Some(rest) = url.strip_prefix("http://") {
            let host = rest.split('/').next().unwrap_or("");
            if !self.insecure && !is_loopback(host) {
                return Err(Error::Insecure {
                    registry: host.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The `Authorization` value answering a `WWW-Authenticate` challenge.
    fn answer(&self, url: &str, challenge: &str) -> Result<String> {
        let (scheme, params) = parse_challenge(challenge);
        let basic = self.creds.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            )
        });
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => basic.ok_or_else(|| Error::Auth {
                url: url.to_string(),
                message: "the registry requires credentials (--username/--password)".into(),
            }),
            "bearer" => {
                let realm = param(&params, "realm").ok_or_else(|| Error::Auth {
                    url: url.to_string(),
                    message: format!("bearer challenge without a realm: {challenge}"),
                })?;
                self.check_scheme(realm)?;
                let mut token_url = realm.to_string();
                let mut sep = if realm.contains('?') { '&' } else { '?' };
                if let Some(service) = param(&params, "service") {
                    token_url.push_str(&format!("{sep}service={}", encode(service)));
                    sep = '&';
                }
                let default_scope = format!("repository:{}:pull", self.repository);
                let scope = param(&params, "scope").unwrap_or(&default_scope);
                token_url.push_str(&format!("{sep}scope={}", encode(scope)));
                let resp = self.send(&token_url, None, basic)?;
                if resp.status.as_u16() == 401 || resp.status.as_u16() == 403 {
                    return Err(Error::Auth {
                        url: token_url,
                        message: format!(
                            "the token service refused {} (HTTP {})",
                            if self.creds.is_some() {
                                "the credentials"
                            } else {
                                "anonymous access"
                            },
                            resp.status.as_u16()
                        ),
                    });
                }
                let mut resp = check_status(&token_url, resp)?;
                let body = resp.body.read_limited(1 << 20).map_err(|e| Error::Http {
                    url: token_url.clone(),
                    message: e.to_string(),
                })?;
                #[derive(Deserialize)]
                struct Token {
                    token: Option<String>,
                    access_token: Option<String>,
                }
                let t: Token = serde_json::from_slice(&body)
                    .map_err(|e| Error::json(&token_url, "token response", e))?;
                let token = t.token.or(t.access_token).ok_or_else(|| Error::Auth {
                    url: token_url.clone(),
                    message: "the token response has no `token`".into(),
                })?;
                Ok(format!("Bearer {token}"))
            }
            _ => Err(Error::Auth {
                url: url.to_string(),
                message: format!("unsupported authentication challenge: {challenge:?}"),
            }),
        }
    }
}

/// Ok for 2xx; else an error with the start of the body (registries explain in JSON).
fn check_status(url: &str, mut resp: Response) -> Result<Response> {
    if resp.status.is_success() {
        return Ok(resp);
    }
    let mut body = Vec::new();
    let _ = (&mut resp.body).take(4096).read_to_end(&mut body);
    let text: String = String::from_utf8_lossy(&body)
        .trim()
        .chars()
        .take(300)
        .collect();
    Err(Error::Status {
        url: url.to_string(),
        status: resp.status.as_u16(),
        body: text,
    })
}

/// Resolves a `Location` header against the URL it came from.
fn join_url(base: &str, loc: &str) -> String {
    if loc.contains("://") {
        return loc.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if loc.starts_with('/') {
        format!("{}{loc}", &base[..host_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= host_end)
            .unwrap_or(host_end);
        format!("{}/{loc}", &base[..dir_end])
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits `Scheme k="v", k2=v2` (RFC 7235 auth-params; quoted strings with `\` escapes).
pub(crate) fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        let key = key.trim().to_string();
        if !key.is_empty() {
            params.push((key, value.trim().to_string()));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    (scheme.to_string(), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(param(&p, "realm"), Some("https://auth.example.com/token"));
        assert_eq!(param(&p, "service"), Some("registry.example.com"));
        assert_eq!(param(&p, "scope"), Some("repository:a/b:pull,push"));
        let (s, p) = parse_challenge(r#"Basic realm="Registry \"Realm\"""#);
        assert_eq!(s, "Basic");
        assert_eq!(param(&p, "realm"), Some(r#"Registry "Realm""#));
        for odd in [
            "",
            "Bearer",
            "Bearer ,,,",
            "Bearer realm=",
            "Bearer =x",
            "Bearer a=\"unterminated",
        ] {
            let _ = parse_challenge(odd);
        }
    }

    #[test]
    fn loopback_and_urls() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("127.8.9.10"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("128.0.0.1:5000"));
        assert!(!is_loopback("registry.example.com"));
        assert_eq!(
            join_url("http://h:1/v2/a/blobs/x", "/other/y"),
            "http://h:1/other/y"
        );
        assert_eq!(
            join_url("http://h:1/v2/a/blobs/x", "https://s3/z"),
            "https://s3/z"
        );
        assert_eq!(join_url("http://h:1/v2/a/x", "y"), "http://h:1/v2/a/y");
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}
