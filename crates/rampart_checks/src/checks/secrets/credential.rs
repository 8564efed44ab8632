//! The credential detector shared by `env-literal-credential` and `configmap-credential`.
//!
//! A (name, value) pair is a credential when the value is one whatever the name (a PEM private
//! key, a cloud or SaaS key with a known shape, a JWT, a URL with a password, `password=...`
//! inside a longer value), or when the name says so (PASSWORD, SECRET, TOKEN, API_KEY, `*_KEY`
//! ...) and the value is a literal: not empty, not a `$(VAR)`/`${VAR}` reference, not a file
//! path, not a placeholder. Findings describe the kind of credential and never the value itself
//! (at most the public prefix of a token whose prefix names its kind).

use std::fmt;

/// Why a (name, value) pair was judged a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The name says credential and the value is a literal.
    Name,
    /// A PEM (or PGP, PuTTY) private key block.
    PemPrivateKey,
    /// A token whose shape names its issuer (see [`TOKENS`]): the description.
    Token(&'static str),
    /// A Google Cloud service-account key file (JSON with `private_key`).
    GcpServiceAccountKey,
    /// An Azure storage connection string with its `AccountKey`.
    AzureStorageKey,
    /// A Slack incoming-webhook URL (the URL is the credential).
    SlackWebhook,
    /// A JSON Web Token.
    Jwt,
    /// A URL with a password in its user information (`scheme://user:password@host`).
    UrlPassword,
    /// HTTP basic credentials (`Basic ` and base64 of `user:password`).
    BasicAuth,
    /// `password=...` or `password: ...` inside a longer value (a connection string, a config
    /// file).
    EmbeddedPassword,
    /// A random-looking value (high Shannon entropy) under a name with a weaker credential hint
    /// (`auth`, `key`, `signature`, `salt` ...).
    HighEntropy,
}

/// A detected credential: its kind and, for tokens whose prefix names their kind, that prefix
/// (at most 4 characters) for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub kind: Kind,
    pub prefix: Option<String>,
}

impl fmt::Display for Detection {
    /// The reason, for a finding message: never the value (at most the public prefix of a token
    /// whose prefix names its kind).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::Name => return f.write_str("its name says it is a credential"),
            Kind::PemPrivateKey => "a private key",
            Kind::Token(what) => what,
            Kind::GcpServiceAccountKey => "a Google Cloud service-account key",
            Kind::AzureStorageKey => "an Azure storage account key",
            Kind::SlackWebhook => "a Slack webhook URL",
            Kind::Jwt => "a JSON Web Token",
            Kind::UrlPassword => "a URL with a password",
            Kind::BasicAuth => "HTTP basic credentials",
            Kind::EmbeddedPassword => "a password, secret or token setting inside it",
            Kind::HighEntropy => "a random-looking secret (high entropy) under a key-like name",
        };
        let verb = if matches!(
            self.kind,
            Kind::EmbeddedPassword | Kind::AzureStorageKey | Kind::GcpServiceAccountKey
        ) {
            "has"
        } else {
            "is"
        };
        match &self.prefix {
            Some(p) => write!(f, "its value {verb} {what}, starting {p}..."),
            None => write!(f, "its value {verb} {what}"),
        }
    }
}

/// Masks a secret for display: its first characters (at most 4, fewer for short values) then
/// `...` and its length; never the whole value.
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    let shown = match n {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let head: String = value.chars().take(shown).collect();
    format!("{head}...({n} chars)")
}

/// Judges a (name, value) pair: the value first (the more precise reason), then the name, then
/// a password setting inside a longer value, then tokens among the words of a longer value, then
/// entropy under a name with a weaker hint.
pub fn detect(name: &str, value: &str) -> Option<Detection> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Some(d) = value_kind(v) {
        return Some(d);
    }
    if name_is_credential(name)
        && !v.contains('\n')
        && is_literal(v)
        && !names_a_reference(v)
        && !names_a_secret(name, v)
    {
        return Some(Detection {
            kind: Kind::Name,
            prefix: None,
        });
    }
    if let Some(kind) = embedded_setting(v) {
        return Some(Detection { kind, prefix: None });
    }
    if let Some(d) = scan_words(v) {
        return Some(d);
    }
    if name_hints_credential(name) && high_entropy(v) {
        return Some(Detection {
            kind: Kind::HighEntropy,
            prefix: None,
        });
    }
    None
}

/// Detects a credential in free text (a command line, a script, a config file): the value-shape
/// detections of [`detect`], `password=...` settings, and token shapes among its words; no name
/// is involved.
pub fn detect_text(text: &str) -> Option<Detection> {
    detect("", text)
}

fn hit(kind: Kind, prefix: Option<&str>) -> Option<Detection> {
    Some(Detection {
        kind,
        prefix: prefix.map(|p| p.chars().take(4).collect()),
    })
}

/// A value that is a credential whatever its name.
fn value_kind(v: &str) -> Option<Detection> {
    if gcp_service_account(v) {
        return hit(Kind::GcpServiceAccountKey, None);
    }
    if pem_private_key(v) {
        return hit(Kind::PemPrivateKey, None);
    }
    if azure_storage_key(v) {
        return hit(Kind::AzureStorageKey, None);
    }
    if v.contains("hooks.slack.com/services/T") && slack_webhook(v) {
        return hit(Kind::SlackWebhook, None);
    }
    if url_password(v) {
        return hit(Kind::UrlPassword, None);
    }
    if basic_auth(v) {
        return hit(Kind::BasicAuth, None);
    }
    // Token shapes: the whole value (a single word, after an HTTP `Bearer ` scheme).
    let v = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .or_else(|| v.strip_prefix("token "))
        .unwrap_or(v)
        .trim();
    if v.contains(char::is_whitespace) {
        return None;
    }
    token_kind(v)
}

/// A token shape: a known prefix with its body, or a JWT.
fn token_kind(v: &str) -> Option<Detection> {
    if let Some(what) = known_token(v) {
        if example_token(v) {
            return None;
        }
        return hit(Kind::Token(what), Some(v));
    }
    if jwt(v) {
        return hit(Kind::Jwt, None);
    }
    None
}

/// Documentation tokens: AWS's `AKIAIOSFODNN7EXAMPLE` and friends, and bodies that are one
/// character repeated or say EXAMPLE, FAKE, DUMMY, SAMPLE or PLACEHOLDER.
fn example_token(v: &str) -> bool {
    let upper = v.to_ascii_uppercase();
    if [
        "EXAMPLE",
        "FAKE",
        "DUMMY",
        "SAMPLE",
        "PLACEHOLDER",
        "XXXXXXXX",
        "REDACTED",
    ]
    .iter()
    .any(|w| upper.contains(w))
    {
        return true;
    }
    // A body ending in one character repeated (`ghp_xxxx...`, `AKIA0000...`).
    let body: Vec<u8> = v.bytes().filter(u8::is_ascii_alphanumeric).collect();
    let tail = &body[body.len().saturating_sub(16)..];
    tail.len() >= 8 && tail.windows(2).all(|w| w[0] == w[1])
}

/// Bodies of known tokens.
#[derive(Clone, Copy)]
enum Body {
    /// `[A-Za-z0-9]`.
    Alnum,
    /// `[A-Za-z0-9_-]`.
    Url,
    /// `[A-Z0-9]`.
    Upper,
    /// `[0-9a-fA-F]`.
    Hex,
}

impl Body {
    fn accepts(self, b: u8) -> bool {
        match self {
            Body::Alnum => b.is_ascii_alphanumeric(),
            Body::Url => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Body::Upper => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Body::Hex => b.is_ascii_hexdigit(),
        }
    }
}

/// Tokens recognised by their prefix: (prefix, body alphabet, body length range, what they
/// are). The shapes are the issuers' published formats.
const TOKENS: &[(&str, Body, usize, usize, &str)] = &[
    ("AKIA", Body::Upper, 16, 16, "an AWS access key id"),
    (
        "ASIA",
        Body::Upper,
        16,
        16,
        "an AWS temporary access key id",
    ),
    (
        "ABIA",
        Body::Upper,
        16,
        16,
        "an AWS STS service bearer token id",
    ),
    (
        "ACCA",
        Body::Upper,
        16,
        16,
        "an AWS context-specific credential id",
    ),
    (
        "ghp_",
        Body::Alnum,
        36,
        36,
        "a GitHub personal access token",
    ),
    ("gho_", Body::Alnum, 36, 36, "a GitHub OAuth token"),
    ("ghu_", Body::Alnum, 36, 36, "a GitHub user-to-server token"),
    (
        "ghs_",
        Body::Alnum,
        36,
        36,
        "a GitHub server-to-server token",
    ),
    ("ghr_", Body::Alnum, 36, 36, "a GitHub refresh token"),
    (
        "github_pat_",
        Body::Url,
        22,
        255,
        "a GitHub fine-grained personal access token",
    ),
    (
        "glpat-",
        Body::Url,
        20,
        64,
        "a GitLab personal access token",
    ),
    ("gldt-", Body::Url, 20, 64, "a GitLab deploy token"),
    ("glrt-", Body::Url, 20, 64, "a GitLab runner token"),
    (
        "glptt-",
        Body::Hex,
        40,
        40,
        "a GitLab pipeline trigger token",
    ),
    (
        "GR1348941",
        Body::Url,
        20,
        64,
        "a GitLab runner registration token",
    ),
    ("sk_live_", Body::Alnum, 16, 255, "a Stripe live secret key"),
    (
        "rk_live_",
        Body::Alnum,
        16,
        255,
        "a Stripe live restricted key",
    ),
    ("AIza", Body::Url, 35, 35, "a Google API key"),
    ("GOCSPX-", Body::Url, 28, 28, "a Google OAuth client secret"),
    ("npm_", Body::Alnum, 36, 36, "an npm access token"),
    (
        "pypi-AgEIcHlwaS5vcmc",
        Body::Url,
        50,
        255,
        "a PyPI upload token",
    ),
    ("shpat_", Body::Hex, 32, 32, "a Shopify access token"),
    ("shpss_", Body::Hex, 32, 32, "a Shopify shared secret"),
    ("sk-ant-api03-", Body::Url, 80, 120, "an Anthropic API key"),
    (
        "hvs.",
        Body::Url,
        24,
        255,
        "a HashiCorp Vault service token",
    ),
    (
        "dop_v1_",
        Body::Hex,
        64,
        64,
        "a DigitalOcean personal access token",
    ),
    ("sq0atp-", Body::Url, 22, 22, "a Square access token"),
    ("sq0csp-", Body::Url, 43, 43, "a Square OAuth secret"),
    (
        "xkeysib-",
        Body::Url,
        80,
        90,
        "a Brevo (Sendinblue) API key",
    ),
];

/// The description of a known token, if `v` (one word) is one.
fn known_token(v: &str) -> Option<&'static str> {
    for &(prefix, body, min, max, what) in TOKENS {
        if let Some(rest) = v.strip_prefix(prefix) {
            if (min..=max).contains(&rest.len()) && rest.bytes().all(|b| body.accepts(b)) {
                return Some(what);
            }
        }
    }
    if slack_token(v) {
        return Some("a Slack token");
    }
    if twilio_key(v) {
        return Some("a Twilio API key");
    }
    if sendgrid_key(v) {
        return Some("a SendGrid API key");
    }
    if openai_key(v) {
        return Some("an OpenAI API key");
    }
    if azure_client_secret(v) {
        return Some("an Azure AD client secret");
    }
    if mailchimp_key(v) {
        return Some("a Mailchimp API key");
    }
    None
}

/// `SK` and 32 hex digits.
fn twilio_key(v: &str) -> bool {
    v.len() == 34 && v.starts_with("SK") && v[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `SG.` 22 characters `.` 43 characters.
fn sendgrid_key(v: &str) -> bool {
    let mut parts = v.split('.');
    let url = |s: &str| s.bytes().all(|b| Body::Url.accepts(b));
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("SG"), Some(a), Some(b), None) if a.len() == 22 && b.len() == 43 && url(a) && url(b)
    )
}

/// `sk-` (or `sk-proj-`) keys carrying OpenAI's `T3BlbkFJ` marker.
fn openai_key(v: &str) -> bool {
    v.starts_with("sk-")
        && v.len() >= 40
        && v.contains("T3BlbkFJ")
        && v.bytes().all(|b| Body::Url.accepts(b))
}

/// Azure AD (Entra ID) client secrets: 3 characters, a digit, `Q~`, then 31 to 34 characters of
/// `[A-Za-z0-9_~.-]`.
fn azure_client_secret(v: &str) -> bool {
    let b = v.as_bytes();
    let ok = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'~' | b'.' | b'-');
    (37..=40).contains(&b.len())
        && b[..3].iter().all(|&c| ok(c))
        && b[3].is_ascii_digit()
        && &b[4..6] == b"Q~"
        && b[6..].iter().all(|&c| ok(c))
}

/// 32 lower-case hex digits, `-us` and the datacenter number.
fn mailchimp_key(v: &str) -> bool {
    let Some((key, dc)) = v.split_once("-us") else {
        return false;
    };
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (1..=2).contains(&dc.len())
        && dc.bytes().all(|b| b.is_ascii_digit())
}

/// `https://hooks.slack.com/services/T.../B.../secret`.
fn slack_webhook(v: &str) -> bool {
    v.match_indices("hooks.slack.com/services/").any(|(i, m)| {
        let rest = &v[i + m.len()..];
        let path: Vec<&str> = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '/'))
            .next()
            .unwrap_or("")
            .split('/')
            .collect();
        path.len() >= 3
            && path[0].starts_with('T')
            && path[1].starts_with('B')
            && path[2].len() >= 20
            && !example_token(path[2])
    })
}

/// A Google Cloud service-account key file: JSON naming `service_account` with a private key.
fn gcp_service_account(v: &str) -> bool {
    v.contains("service_account") && v.contains("\"private_key\"") && pem_private_key(v)
}

/// An Azure storage connection string: `AccountKey=` and a base64 key of 64 bytes or more.
fn azure_storage_key(v: &str) -> bool {
    v.match_indices("AccountKey=").any(|(i, m)| {
        let key: &str = v[i + m.len()..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
            .next()
            .unwrap_or("");
        key.len() >= 80 && !example_token(key)
    })
}

/// `Basic ` followed by base64 that decodes to `user:password` (a non-empty, literal password).
fn basic_auth(v: &str) -> bool {
    v.match_indices("Basic ").any(|(i, m)| {
        let word = v[i + m.len()..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
            .next()
            .unwrap_or("");
        word.len() >= 8
            && base64url_decode(word.trim_end_matches('='))
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(_, p)| is_literal(p)))
                .unwrap_or(false)
    })
}

fn pem_private_key(v: &str) -> bool {
    if v.contains("PuTTY-User-Key-File-") && v.contains("Private-Lines:") {
        return true;
    }
    v.match_indices("-----BEGIN ").any(|(i, _)| {
        let rest = &v[i + 11..];
        let line = rest.split("-----").next().unwrap_or("");
        let label = line.strip_suffix(" BLOCK").unwrap_or(line);
        line.len() <= 40 && label.ends_with("PRIVATE KEY") && rest.len() > line.len() + 5
    })
}

fn slack_token(v: &str) -> bool {
    let b = v.as_bytes();
    v.len() >= 15
        && v.starts_with("xox")
        && matches!(b[3], b'b' | b'a' | b'p' | b'r' | b's')
        && b[4] == b'-'
        && v[5..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && v[5..].bytes().any(|b| b.is_ascii_digit())
}

/// Three base64url segments, the first decoding to a JSON object with `alg`.
fn jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() != 3 || parts[0].len() < 10 || parts[1].is_empty() {
        return false;
    }
    let b64 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if !parts.iter().all(|p| b64(p)) {
        return false;
    }
    let Some(header) = base64url_decode(parts[0].trim_end_matches('=')) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&header)
        .ok()
        .is_some_and(|h| h.get("alg").is_some())
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let d = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(d);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `scheme://user:password@host` anywhere in the value, with a literal password.
fn url_password(v: &str) -> bool {
    v.match_indices("://").any(|(i, _)| {
        let scheme_ok = v[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let rest = &v[i + 3..];
        let end = rest
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some(at) = authority.rfind('@') else {
            return false;
        };
        let Some((_user, password)) = authority[..at].split_once(':') else {
            return false;
        };
        scheme_ok && is_literal(password)
    })
}

/// `password=...` / `password: ...` inside a longer value: the key must be a password, secret or
/// token name (not a generic `*_KEY`) and the setting's value a literal.
fn embedded_setting(v: &str) -> Option<Kind> {
    let bytes = v.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'=' && b != b':' {
            continue;
        }
        // The key: identifier characters before the separator (after an optional quote and
        // spaces).
        let mut k_end = i;
        while k_end > 0 && bytes[k_end - 1] == b' ' {
            k_end -= 1;
        }
        if k_end > 0 && matches!(bytes[k_end - 1], b'"' | b'\'') {
            k_end -= 1;
        }
        let mut k_start = k_end;
        while k_start > 0
            && (bytes[k_start - 1].is_ascii_alphanumeric()
                || matches!(bytes[k_start - 1], b'_' | b'-' | b'.'))
        {
            k_start -= 1;
        }
        let key = &v[k_start..k_end];
        if key.is_empty() {
            continue;
        }
        let strong = strong_name(key);
        if !strong && !name_hints_credential(key) {
            continue;
        }
        // The setting's value: after spaces and an optional quote, up to a delimiter.
        let rest = v[i + 1..].trim_start_matches([' ', '\t']);
        let rest = rest.trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, ';' | '&' | ',' | '"' | '\'' | '}' | ']')
            })
            .unwrap_or(rest.len());
        let setting = &rest[..end];
        // Not a nested structure (`[]`, `{`, a YAML block `|`, an escaped line break), but a
        // scalar.
        if setting.starts_with(['[', '{', '|', '>', '&', '*', '!', '\\'])
            || !is_literal(setting)
            || names_a_reference(setting)
        {
            continue;
        }
        if strong {
            return Some(Kind::EmbeddedPassword);
        }
        if high_entropy(setting) {
            return Some(Kind::HighEntropy);
        }
    }
    None
}

/// Token shapes among the words of a longer value (a command line, a script, a config file).
fn scan_words(v: &str) -> Option<Detection> {
    if !v.contains(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | ';' | '"' | '\'')) {
        return None;
    }
    v.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\''
                    | '`'
                    | ','
                    | ';'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
                    | '|'
                    | '='
                    | '\\'
            )
    })
    .map(|w| w.trim_end_matches([':', '.']))
    .filter(|w| w.len() >= 16)
    .find_map(token_kind)
}

/// A value that names a Secret, a key in a Secret or a setting rather than holding a credential:
/// a lower-case identifier that itself says password, secret, token or key (`db-password`,
/// `postgres-secret`, `admin-token`).
fn names_a_reference(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    v.len() <= 63
        && v.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && [
            "password",
            "passwd",
            "secret",
            "token",
            "credential",
            "apikey",
            "api-key",
            "api_key",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// A name ending in SECRET(S) (`auth-secret`, `imagePullSecrets`) whose value is a Secret's name:
/// a DNS label that does not look random, with a dash unless the name is plural (`basic-auth`;
/// `regcred` under `imagePullSecrets`, but `client-secret: abc` stays a credential).
fn names_a_secret(name: &str, v: &str) -> bool {
    let random = v.len() >= 16
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_lowercase());
    let last = words(name).pop().unwrap_or_default();
    (last.ends_with("SECRETS") || (last.ends_with("SECRET") && v.contains('-')))
        && v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !random
}

/// Words that hint at a credential without naming one for sure: a random-looking value under
/// such a name is reported (see [`high_entropy`]).
const HINT_WORDS: &[&str] = &[
    "KEY",
    "AUTH",
    "AUTHORIZATION",
    "SIG",
    "SIGNATURE",
    "HMAC",
    "SALT",
    "CRED",
    "CREDS",
    "PASS",
    "PRIVATE",
    "BEARER",
    "APIKEY",
    "ACCESS",
    "SESSION",
    "COOKIE",
    "PSK",
];

/// True when a name carries a weak credential hint (`auth`, `key`, `hmac` ...) and is not a
/// name that only refers to or describes a credential.
fn name_hints_credential(name: &str) -> bool {
    let w = words(name);
    if w.is_empty()
        || w.iter().any(|x| {
            x == "PUBLIC" || x == "PUB" || x == "PUBLISHABLE" || HASH_WORDS.contains(&x.as_str())
        })
    {
        return false;
    }
    if w.last()
        .is_some_and(|l| NOT_CREDENTIAL_LAST.contains(&l.as_str()))
    {
        return false;
    }
    if w.len() >= 2
        && w.last().is_some_and(|x| x == "KEY")
        && NOT_SECRET_KEYS.contains(&w[w.len() - 2].as_str())
    {
        return false;
    }
    w.iter().any(|x| HINT_WORDS.contains(&x.as_str()))
}

/// Shannon entropy of a string, in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Bits per character above which a base64 or alphanumeric value looks random. Random base62
/// strings of 20 characters measure about 4.1; English words and identifiers stay under 3.5.
pub const ENTROPY_THRESHOLD: f64 = 3.5;
/// The same for hex strings (at most 4 bits per character; random 32-digit hex measures ~3.7).
pub const HEX_ENTROPY_THRESHOLD: f64 = 3.0;

/// A random-looking secret: one word of 16 to 512 token characters with letters and digits,
/// entropy above the threshold, and not a UUID, a version, a hostname or a digest.
pub fn high_entropy(v: &str) -> bool {
    let v = v.trim();
    if !(16..=512).contains(&v.len())
        || !v.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'.' | b'~')
        })
        || !v.bytes().any(|b| b.is_ascii_digit())
        || !v.bytes().any(|b| b.is_ascii_alphabetic())
        || is_uuid(v)
        || v.starts_with("sha256:")
        || v.starts_with("sha512:")
        || example_token(v)
        || is_placeholder(v)
    {
        return false;
    }
    // Dotted or dashed words (hostnames, versions, identifiers) are not random.
    if v.split(['.', '-', '_']).filter(|p| !p.is_empty()).count() >= 3
        && v.split(['.', '-', '_']).all(|p| p.len() <= 12)
    {
        return false;
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return v.len() >= 32 && shannon_entropy(v) >= HEX_ENTROPY_THRESHOLD;
    }
    shannon_entropy(v) >= ENTROPY_THRESHOLD
}

/// `8-4-4-4-12` hex digits.
pub fn is_uuid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Normalised words of a name: camelCase boundaries and `_ - . space` separate words; upper case.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if matches!(ch, '_' | '-' | '.' | ' ' | '/' | ':') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Words that, anywhere in a name, make it a credential (matched inside words too:
/// `DBPASSWORD`, `CLIENTSECRET`).
const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
];

/// Words of names that hold a hash or checksum of a credential, not the credential
/// (`checksum/secret`, `PASSWORD_HASH`, `tokenSha256`).
const HASH_WORDS: &[&str] = &[
    "CHECKSUM",
    "HASH",
    "HASHED",
    "SHA",
    "SHA1",
    "SHA256",
    "SHA512",
    "DIGEST",
    "FINGERPRINT",
    "MD5",
];

/// Two-word credentials (`API_KEY`, `ACCESS_KEY` ...).
const CREDENTIAL_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("PRIVATE", "KEY"),
    ("AUTH", "KEY"),
    ("CLIENT", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("SIGNING", "KEY"),
];

/// Last words of names that refer to a credential or describe it without holding it.
const NOT_CREDENTIAL_LAST: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "REF",
    "ID",
    "URL",
    "URI",
    "ENDPOINT",
    "HEADER",
    "TYPE",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRATION",
    "EXPIRES",
    "LENGTH",
    "SIZE",
    "ENABLED",
    "DISABLED",
    "MODE",
    "LOCATION",
    "AUDIENCE",
    "ISSUER",
    "ALGORITHM",
    "LIFETIME",
    "DURATION",
    "COUNT",
    "LIMIT",
    "FORMAT",
    "VERSION",
    "POLICY",
    "VOLUME",
    "MOUNT",
    "PREFIX",
    "FIELD",
    "PARAM",
    "HOST",
    "PORT",
];

/// First words of `*_KEY` names that are not credentials (database, cache and routing keys).
const NOT_SECRET_KEYS: &[&str] = &[
    "SORT",
    "PARTITION",
    "PRIMARY",
    "FOREIGN",
    "CACHE",
    "ROUTING",
    "LABEL",
    "RANGE",
    "SHARD",
    "GROUP",
    "LOOKUP",
    "INDEX",
    "MAP",
    "IDEMPOTENCY",
    "DEDUP",
    "TOPOLOGY",
    "NODE",
    "ANNOTATION",
    "SELECTOR",
    "TAINT",
    "METRIC",
    "CONFIG",
    "ENV",
    "HOT",
    "UNIQUE",
    "COMPOSITE",
    "MESSAGE",
    "QUEUE",
    "EVENT",
    "STORAGE",
    "BUCKET",
    "OBJECT",
    "REDIS",
    "COOKIE",
];

/// True when the words name a credential through a password, secret or token word (not only
/// through a generic `*_KEY`).
fn strong_words(w: &[String]) -> bool {
    if w.iter().any(|x| {
        x == "PUBLIC" || x == "PUB" || x == "PUBLISHABLE" || HASH_WORDS.contains(&x.as_str())
    }) {
        return false;
    }
    if let Some(last) = w.last() {
        if NOT_CREDENTIAL_LAST.contains(&last.as_str()) {
            return false;
        }
    }
    if w.iter()
        .any(|x| CREDENTIAL_WORDS.iter().any(|c| x.contains(c)) || x == "PWD" || x == "PASS")
    {
        // `PASS` alone only as the last word (`REDIS_PASS`, not `PASS_THROUGH`).
        return w
            .iter()
            .any(|x| CREDENTIAL_WORDS.iter().any(|c| x.contains(c)) || x == "PWD")
            || w.last().is_some_and(|x| x == "PASS");
    }
    w.windows(2)
        .any(|p| CREDENTIAL_PAIRS.contains(&(p[0].as_str(), p[1].as_str())))
}

fn strong_name(name: &str) -> bool {
    strong_words(&words(name))
}

/// True when a name (`DB_PASSWORD`, `api-key`, `stripe.secretKey`, `STRIPE_KEY`) says it holds a
/// credential; `PUBLIC_KEY`, `TOKEN_URL`, `SECRET_NAME`, `SORT_KEY` ... do not.
pub fn name_is_credential(name: &str) -> bool {
    let w = words(name);
    if strong_words(&w) {
        return true;
    }
    if w.iter().any(|x| {
        x == "PUBLIC" || x == "PUB" || x == "PUBLISHABLE" || HASH_WORDS.contains(&x.as_str())
    }) {
        return false;
    }
    // `*_KEY`: a key of something, not a database or cache key.
    w.len() >= 2
        && w.last().is_some_and(|x| x == "KEY")
        && !NOT_SECRET_KEYS.contains(&w[w.len() - 2].as_str())
}

/// A literal value: not empty, not a reference, not a path, not a placeholder, not a boolean.
pub fn is_literal(v: &str) -> bool {
    let v = v.trim();
    if !v.bytes().any(|b| b.is_ascii_alphanumeric())
        || v.starts_with("$(")
        || v.starts_with("${")
        || v.starts_with("{{")
    {
        return false;
    }
    if v.starts_with('$')
        && v[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return false;
    }
    if (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.starts_with("file:"))
        && !v.contains(char::is_whitespace)
    {
        return false;
    }
    !is_placeholder(v)
}

/// Obvious placeholders: `changeme`, `<password>`, `xxx`, `REPLACE_ME`, `****`, `your-token`.
fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let squashed: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    if let Some(first) = v.chars().next() {
        if v.chars().count() >= 3 && v.chars().all(|c| c == first) {
            return true;
        }
    }
    matches!(
        squashed.as_str(),
        "changeme"
            | "changeit"
            | "replaceme"
            | "todo"
            | "tbd"
            | "none"
            | "null"
            | "nil"
            | "true"
            | "false"
            | "redacted"
            | "placeholder"
            | "xxx"
    ) || example_token(v)
        || squashed.starts_with("your")
        || squashed.starts_with("replacewith")
        || squashed.starts_with("insert")
        || squashed.starts_with("changeme")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, value: &str) -> Option<Kind> {
        detect(name, value).map(|d| d.kind)
    }

    #[test]
    fn credentials() {
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n";
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        for (name, value, want) in [
            ("DB_PASSWORD", "hunter2", Kind::Name),
            ("password", "hunter2", Kind::Name),
            ("db-passwd", "hunter2", Kind::Name),
            ("MYSQL_PWD", "hunter2", Kind::Name),
            ("PWD", "hunter2", Kind::Name),
            ("REDIS_PASS", "hunter2", Kind::Name),
            ("apiKey", "abc123", Kind::Name),
            ("API_KEY", "abc123", Kind::Name),
            ("stripe.secretKey", "abc123", Kind::Name),
            ("STRIPE_KEY", "rk_test_abc", Kind::Name),
            ("APP_KEY", "base64:abc", Kind::Name),
            ("WEBHOOK_SECRET", "whsec_abc", Kind::Name),
            ("client-secret", "abc", Kind::Name),
            ("VAULT_TOKEN", "s.abc", Kind::Name),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", Kind::Name),
            ("gcp.credentials", "abc", Kind::Name),
            ("tls.key", "abc", Kind::Name),
            ("anything", pem, Kind::PemPrivateKey),
            (
                "KEY_ID",
                "AKIAQYLPMN5HHHFPZAM2",
                Kind::Token("an AWS access key id"),
            ),
            (
                "X",
                "ASIAY34FZKBOKMUTVV7A",
                Kind::Token("an AWS temporary access key id"),
            ),
            (
                "X",
                "ghp_0123456789abcdefghijABCDEFGHIJ012345",
                Kind::Token("a GitHub personal access token"),
            ),
            (
                "X",
                "gho_0123456789abcdefghijABCDEFGHIJ012345",
                Kind::Token("a GitHub OAuth token"),
            ),
            (
                "X",
                "github_pat_11ABCDEFG0123456789_abcdefghij",
                Kind::Token("a GitHub fine-grained personal access token"),
            ),
            (
                "X",
                "xoxb-1234567890-abcdefghij",
                Kind::Token("a Slack token"),
            ),
            (
                "X",
                "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                Kind::Token("a Stripe live secret key"),
            ),
            (
                "X",
                "AIzaSyD-1234567890abcdefghijklmnopqrstu",
                Kind::Token("a Google API key"),
            ),
            ("X", jwt, Kind::Jwt),
            ("X", &format!("Bearer {jwt}"), Kind::Jwt),
            (
                "DATABASE_URL",
                "postgres://app:hunter2@db:5432/app",
                Kind::UrlPassword,
            ),
            ("X", "amqp://guest:guest@rabbit", Kind::UrlPassword),
            (
                "JAVA_OPTS",
                "-Xmx1g -Ddb.password=hunter2",
                Kind::EmbeddedPassword,
            ),
            (
                "CONN",
                "Server=db;User Id=sa;Password=hunter2;",
                Kind::EmbeddedPassword,
            ),
            (
                "config.yaml",
                "db:\n  host: x\n  password: \"s3cret\"\n",
                Kind::EmbeddedPassword,
            ),
            (
                "app.json",
                "{\"clientSecret\": \"abc123\"}",
                Kind::EmbeddedPassword,
            ),
            ("PASSWORD", "x y", Kind::Name),
        ] {
            assert_eq!(kind(name, value), Some(want), "{name}={value}");
        }
    }

    #[test]
    fn not_credentials() {
        for (name, value) in [
            ("PUBLIC_KEY", "ssh-ed25519 AAAA"),
            (
                "JWT_PUBLIC_KEY",
                "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
            ),
            ("STRIPE_PUBLISHABLE_KEY", "pk_live_abc"),
            ("TOKEN_URL", "https://auth.example.com/token"),
            ("OAUTH_TOKEN_URL", "https://auth.example.com/token"),
            ("TOKEN_AUDIENCE", "api"),
            ("SECRET_NAME", "db"),
            ("DB_PASSWORD_FILE", "/var/run/secrets/db/password"),
            (
                "SA_TOKEN",
                "/var/run/secrets/kubernetes.io/serviceaccount/token",
            ),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("KEY_ID", "7d9c2f4e-1b3a-4c5d-8e9f-0a1b2c3d4e5f"),
            ("REQUEST_UUID", "123e4567-e89b-12d3-a456-426614174000"),
            (
                "CHECKSUM",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            ("TOKEN_TTL", "1h"),
            ("TOKEN_EXPIRY", "3600"),
            ("KEY_LENGTH", "32"),
            ("SORT_KEY", "created_at"),
            ("CACHE_KEY", "abc"),
            ("KEY", "abc"),
            ("LOG_LEVEL", "info"),
            ("PASSAGE", "x"),
            ("KEYCLOAK_REALM", "master"),
            ("PASS_THROUGH", "1"),
            ("DB_PASSWORD", ""),
            ("DB_PASSWORD", "$(DB_PASSWORD)"),
            ("DB_PASSWORD", "${DB_PASSWORD}"),
            ("DB_PASSWORD", "$DB_PASSWORD"),
            ("DB_PASSWORD", "{{ .Values.password }}"),
            ("PASSWORD", "changeme"),
            ("PASSWORD", "<password>"),
            ("PASSWORD", "xxx"),
            ("PASSWORD", "REPLACE_ME"),
            ("PASSWORD", "****"),
            ("API_TOKEN", "your-token-here"),
            ("TOKEN_AUTH", "true"),
            ("PWD", "/app"),
            ("GIT_URL", "https://deploy@git.example.com/repo.git"),
            ("FTP", "ftp://anonymous:@ftp.example.com"),
            ("URL", "postgres://app:$(DB_PASSWORD)@db/app"),
            ("URL", "postgres://app:${DB_PASSWORD}@db/app"),
            ("HOSTPORT", "http://example.com:8080/x"),
            (
                "OPTS",
                "-Ddb.password=${DB_PASSWORD} -Ddb.password.file=/etc/pw",
            ),
            ("config.yaml", "passwordPolicy: strict\ntokenTtl: 1h\n"),
            (
                "values",
                "custom_secrets: []\ntoken: {\n  a: 1\n}\ncredential-volume: |\n  x\n",
            ),
            ("PASSWORD", "-"),
            ("CREDENTIAL_VOLUME", "creds"),
            ("t.json", "{\"credential-volume\": \"spec\"}"),
            (
                "values",
                "{\"v\": \"spec:\\n  secret:\\n    secretName: s\\n\"}",
            ),
            ("NOT_A_JWT", "abc.def.ghi"),
            ("X", "eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxIn0.c2ln"),
            ("X", "AKIAIOSFODNN7EXAMPL"),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("X", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            ("KEY", "7d9c2f4e-1b3a-4c5d-8e9f-0a1b2c3d4e5f"),
            ("AUTH_MODE", "oauth2-proxy-with-cookie"),
            ("existingSecret", "postgres-secret"),
            ("passwordKey", "admin-password"),
            ("auth", "kubernetes"),
            ("X", "ghp_short"),
            ("X", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
        ] {
            assert_eq!(detect(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn message_never_shows_the_value() {
        let d = detect("X", "ghp_0123456789abcdefghijABCDEFGHIJ012345").expect("token");
        assert_eq!(
            d.to_string(),
            "its value is a GitHub personal access token, starting ghp_..."
        );
        let d = detect("DB_PASSWORD", "hunter2").expect("name");
        assert!(!d.to_string().contains("hunt"));
        let d = detect("U", "postgres://app:hunter2@db").expect("url");
        assert!(!d.to_string().contains("hunt"), "{d}");
    }
}
