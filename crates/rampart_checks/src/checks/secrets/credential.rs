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
    /// A PEM private key block.
    PemPrivateKey,
    /// An AWS access key id (`AKIA...`, `ASIA...`).
    AwsAccessKeyId,
    /// A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// A Slack token (`xoxb-`, `xoxp-` ...).
    SlackToken,
    /// A Stripe live secret key (`sk_live_`).
    StripeLiveKey,
    /// A Google API key (`AIza...`).
    GoogleApiKey,
    /// A JSON Web Token.
    Jwt,
    /// A URL with a password in its user information (`scheme://user:password@host`).
    UrlPassword,
    /// `password=...` or `password: ...` inside a longer value (a connection string, a config
    /// file).
    EmbeddedPassword,
}

/// A detected credential: its kind and, for tokens whose prefix names their kind, that prefix
/// (at most 4 characters) for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub kind: Kind,
    pub prefix: Option<String>,
}

impl fmt::Display for Detection {
    /// The reason, for a finding message: never the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::Name => return f.write_str("its name says it is a credential"),
            Kind::PemPrivateKey => "a PEM private key",
            Kind::AwsAccessKeyId => "an AWS access key id",
            Kind::GithubToken => "a GitHub token",
            Kind::SlackToken => "a Slack token",
            Kind::StripeLiveKey => "a Stripe live secret key",
            Kind::GoogleApiKey => "a Google API key",
            Kind::Jwt => "a JSON Web Token",
            Kind::UrlPassword => "a URL with a password",
            Kind::EmbeddedPassword => "a password, secret or token setting inside it",
        };
        let verb = if self.kind == Kind::EmbeddedPassword {
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

/// Judges a (name, value) pair: the value first (the more precise reason), then the name, then
/// a password setting inside a longer value.
pub fn detect(name: &str, value: &str) -> Option<Detection> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Some(d) = value_kind(v) {
        return Some(d);
    }
    if name_is_credential(name) && !v.contains('\n') && is_literal(v) {
        return Some(Detection {
            kind: Kind::Name,
            prefix: None,
        });
    }
    if embedded_password(v) {
        return Some(Detection {
            kind: Kind::EmbeddedPassword,
            prefix: None,
        });
    }
    None
}

fn hit(kind: Kind, prefix: Option<&str>) -> Option<Detection> {
    Some(Detection {
        kind,
        prefix: prefix.map(|p| p.chars().take(4).collect()),
    })
}

/// A value that is a credential whatever its name.
fn value_kind(v: &str) -> Option<Detection> {
    if pem_private_key(v) {
        return hit(Kind::PemPrivateKey, None);
    }
    if url_password(v) {
        return hit(Kind::UrlPassword, None);
    }
    // Token shapes: the whole value (a single word, after an HTTP `Bearer ` scheme).
    let v = v.strip_prefix("Bearer ").unwrap_or(v).trim();
    if v.contains(char::is_whitespace) {
        return None;
    }
    if aws_access_key_id(v) {
        return hit(Kind::AwsAccessKeyId, Some(v));
    }
    if github_token(v) {
        return hit(Kind::GithubToken, Some(v));
    }
    if slack_token(v) {
        return hit(Kind::SlackToken, Some(v));
    }
    if let Some(rest) = v.strip_prefix("sk_live_") {
        if rest.len() >= 16 && rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return hit(Kind::StripeLiveKey, Some(v));
        }
    }
    if let Some(rest) = v.strip_prefix("AIza") {
        if rest.len() == 35
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return hit(Kind::GoogleApiKey, Some(v));
        }
    }
    if jwt(v) {
        return hit(Kind::Jwt, None);
    }
    None
}

fn pem_private_key(v: &str) -> bool {
    v.match_indices("-----BEGIN ").any(|(i, _)| {
        let rest = &v[i + 11..];
        let line = rest.split("-----").next().unwrap_or("");
        line.len() <= 40 && line.ends_with("PRIVATE KEY") && rest.len() > line.len() + 5
    })
}

fn aws_access_key_id(v: &str) -> bool {
    v.len() == 20
        && (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && v[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn github_token(v: &str) -> bool {
    if let Some(rest) = v.strip_prefix("github_pat_") {
        return rest.len() >= 22 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    }
    ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].iter().any(|p| {
        v.strip_prefix(p)
            .is_some_and(|rest| rest.len() == 36 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
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
fn embedded_password(v: &str) -> bool {
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
        if key.is_empty() || !strong_name(key) {
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
        if !setting.starts_with(['[', '{', '|', '>', '&', '*', '!', '\\']) && is_literal(setting) {
            return true;
        }
    }
    false
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
    if w.iter()
        .any(|x| x == "PUBLIC" || x == "PUB" || x == "PUBLISHABLE")
    {
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
    if w.iter()
        .any(|x| x == "PUBLIC" || x == "PUB" || x == "PUBLISHABLE")
    {
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
    ) || squashed.starts_with("your")
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
            ("KEY_ID", "AKIAIOSFODNN7EXAMPLE", Kind::AwsAccessKeyId),
            ("X", "ASIAY34FZKBOKMUTVV7A", Kind::AwsAccessKeyId),
            (
                "X",
                "ghp_0123456789abcdefghijABCDEFGHIJ012345",
                Kind::GithubToken,
            ),
            (
                "X",
                "gho_0123456789abcdefghijABCDEFGHIJ012345",
                Kind::GithubToken,
            ),
            (
                "X",
                "github_pat_11ABCDEFG0123456789_abcdefghij",
                Kind::GithubToken,
            ),
            ("X", "xoxb-1234567890-abcdefghij", Kind::SlackToken),
            ("X", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", Kind::StripeLiveKey),
            (
                "X",
                "AIzaSyD-1234567890abcdefghijklmnopqrstu",
                Kind::GoogleApiKey,
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
            "its value is a GitHub token, starting ghp_..."
        );
        let d = detect("DB_PASSWORD", "hunter2").expect("name");
        assert!(!d.to_string().contains("hunt"));
        let d = detect("U", "postgres://app:hunter2@db").expect("url");
        assert!(!d.to_string().contains("hunt"), "{d}");
    }
}
