//! The credential corpus (issue 15): true positives in every supported format and location, and
//! false-positive bait (UUIDs, hashes, digests, base64 configuration, documentation keys,
//! placeholders, references, public keys, random-looking names), generated here from a fixed seed
//! so no real secret is ever committed. Each item is one small manifest or values file, read
//! through the real file source and judged by the credential checks.
//!
//! `corpus_recall_and_false_positive_rate` measures recall and the false-positive rate and asserts
//! floors. `gitleaks_agreement` (ignored; run by `scripts/secrets-peer-tests.sh`, which installs
//! gitleaks) writes the corpus to a directory, runs `gitleaks dir` on it and compares the verdicts
//! item by item (see docs/secrets.md for the figures and the differences explained).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_checks::{Engine, Inventory, Registry, Selection};

/// The credential checks judged on the corpus.
const CHECKS: &[&str] = &[
    "annotation-credential",
    "args-literal-credential",
    "configmap-credential",
    "env-literal-credential",
    "helm-values-credential",
];

/// Where an item puts its (name, value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    Env,
    ConfigMap,
    Args,
    Annotation,
    Values,
}

const LOCS: [Loc; 5] = [
    Loc::Env,
    Loc::ConfigMap,
    Loc::Args,
    Loc::Annotation,
    Loc::Values,
];

/// One corpus item.
struct Item {
    label: String,
    secret: bool,
    file_name: String,
    text: String,
}

/// A small deterministic generator (xorshift64*), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        self.pick(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            n,
        )
    }
    fn hex(&mut self, n: usize) -> String {
        self.pick("0123456789abcdef", n)
    }
    fn url(&mut self, n: usize) -> String {
        self.pick(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            n,
        )
    }
    fn b64(&mut self, n: usize) -> String {
        self.pick(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            n,
        )
    }
    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn b64std(bytes: &[u8]) -> String {
    let s = b64url(bytes).replace('-', "+").replace('_', "/");
    let pad = (4 - s.len() % 4) % 4;
    format!("{s}{}", "=".repeat(pad))
}

/// A PEM block of `label` with random base64 lines.
fn pem(r: &mut Rng, label: &str) -> String {
    let lines: Vec<String> = (0..6).map(|_| r.b64(64)).collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// True positives: (format, name, value).
fn true_positives(r: &mut Rng) -> Vec<(&'static str, String, String)> {
    let jwt = |r: &mut Rng| {
        let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = b64url(format!(r#"{{"sub":"{}","iat":1700000000}}"#, r.hex(8)).as_bytes());
        format!("{header}.{payload}.{}", r.url(43))
    };
    vec![
        ("aws-access-key-id", "AWS_ACCESS_KEY_ID".into(), format!("AKIA{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))),
        ("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY".into(), r.b64(40)),
        ("github-pat", "GH_TOKEN".into(), format!("ghp_{}", r.alnum(36))),
        ("github-fine-grained", "CI_BOT".into(), format!("github_pat_11{}_{}", r.alnum(20), r.alnum(59))),
        ("gitlab-pat", "GITLAB".into(), format!("glpat-{}", r.url(20))),
        ("slack-bot-token", "SLACK".into(), format!("xoxb-{}-{}-{}", r.pick("0123456789", 11), r.pick("0123456789", 12), r.alnum(24))),
        ("slack-webhook", "ALERT_HOOK".into(), format!("https://hooks.slack.com/services/T{}/B{}/{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8), r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10), r.alnum(24))),
        ("stripe-live", "PAYMENTS".into(), format!("sk_live_{}", r.alnum(24))),
        ("twilio-api-key", "TWILIO".into(), format!("SK{}", r.hex(32))),
        ("sendgrid", "MAILER".into(), format!("SG.{}.{}", r.url(22), r.url(43))),
        ("google-api-key", "MAPS".into(), format!("AIza{}", r.url(35))),
        ("gcp-service-account", "gcp.json".into(), format!(
            "{{\"type\": \"service_account\", \"project_id\": \"p\", \"private_key_id\": \"{}\", \"private_key\": {}, \"client_email\": \"sa@p.iam.gserviceaccount.com\"}}",
            r.hex(40),
            serde_json::to_string(&pem(r, "PRIVATE KEY")).unwrap_or_default()
        )),
        ("azure-storage", "STORAGE".into(), format!("DefaultEndpointsProtocol=https;AccountName=acct{};AccountKey={}==;EndpointSuffix=core.windows.net", r.hex(4), r.b64(86))),
        ("azure-ad-client-secret", "AZURE".into(), format!("{}{}Q~{}", r.alnum(3), r.pick("0123456789", 1), r.url(34))),
        ("rsa-private-key", "signing.pem".into(), pem(r, "RSA PRIVATE KEY")),
        ("openssh-private-key", "deploy_key".into(), pem(r, "OPENSSH PRIVATE KEY")),
        ("ec-private-key", "tls-material".into(), pem(r, "EC PRIVATE KEY")),
        ("jwt", "AUTHORIZATION".into(), jwt(r)),
        ("postgres-url", "DATABASE_URL".into(), format!("postgres://app:{}@db.internal:5432/app", r.alnum(14))),
        ("mongodb-url", "MONGO".into(), format!("mongodb+srv://svc:{}@cluster0.example.net/db?retryWrites=true", r.alnum(16))),
        ("redis-url", "CACHE".into(), format!("redis://default:{}@redis:6379/0", r.alnum(12))),
        ("password-by-name", "DB_PASSWORD".into(), format!("{}-{}!", r.alnum(6), r.alnum(5))),
        ("npm-token", "NPM".into(), format!("npm_{}", r.alnum(36))),
        ("vault-token", "VAULT".into(), format!("hvs.{}", r.url(90))),
        ("high-entropy-hmac", "hmac".into(), r.alnum(32)),
        ("high-entropy-auth", "auth".into(), r.b64(40)),
        ("embedded-password", "application.properties".into(), format!("spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password={}\n", r.alnum(12))),
        ("shopify", "SHOP".into(), format!("shpat_{}", r.hex(32))),
        ("digitalocean", "DO".into(), format!("dop_v1_{}", r.hex(64))),
        ("anthropic", "LLM".into(), format!("sk-ant-api03-{}AA", r.url(93))),
        ("docker-config", "config.json".into(), format!(
            "{{\"auths\": {{\"registry.example.com\": {{\"auth\": \"{}\"}}}}}}",
            b64std(format!("ci-bot:{}", r.alnum(20)).as_bytes())
        )),
        ("basic-auth-header", "UPSTREAM_HEADERS".into(), format!(
            "Authorization: Basic {}",
            b64std(format!("svc:{}", r.alnum(16)).as_bytes())
        )),
        ("aws-credentials-file", "credentials".into(), format!(
            "[default]\naws_access_key_id = AKIA{}\naws_secret_access_key = {}\n",
            r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
            r.b64(40)
        )),
        ("weak-password-by-name", "REDIS_PASSWORD".into(), format!("summer{}", r.pick("0123456789", 4))),
        ("encrypted-private-key", "key.pem".into(), pem(r, "ENCRYPTED PRIVATE KEY")),
    ]
}

/// False-positive bait: (kind, name, value).
fn bait(r: &mut Rng) -> Vec<(&'static str, String, String)> {
    vec![
        ("uuid", "REQUEST_ID".into(), r.uuid()),
        ("uuid-key", "key".into(), r.uuid()),
        ("uuid-auth", "auth".into(), r.uuid()),
        ("sha256", "CONFIG_CHECKSUM".into(), r.hex(64)),
        ("sha1-commit", "GIT_COMMIT".into(), r.hex(40)),
        ("md5-etag", "ETAG".into(), r.hex(32)),
        (
            "image-digest",
            "IMAGE".into(),
            format!("registry.example.com/app@sha256:{}", r.hex(64)),
        ),
        ("digest", "digest".into(), format!("sha256:{}", r.hex(64))),
        (
            "container-id",
            "CONTAINER_ID".into(),
            format!("containerd://{}", r.hex(64)),
        ),
        (
            "base64-config",
            "config.json.b64".into(),
            b64std(
                format!(
                    "{{\"replicas\": 3, \"region\": \"eu-west-{}\", \"features\": [\"a\", \"b\"]}}",
                    r.pick("123", 1)
                )
                .as_bytes(),
            ),
        ),
        ("base64-random-blob", "FIXTURE_DATA".into(), r.b64(48)),
        ("ca-bundle", "ca.crt".into(), pem(r, "CERTIFICATE")),
        ("public-key", "JWT_PUBLIC_KEY".into(), pem(r, "PUBLIC KEY")),
        (
            "ssh-public-key",
            "authorized_keys".into(),
            format!(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} deploy@ci",
                r.b64(43)
            ),
        ),
        (
            "aws-example-key",
            "AWS_ACCESS_KEY_ID".into(),
            "AKIAIOSFODNN7EXAMPLE".into(),
        ),
        (
            "aws-example-secret",
            "AWS_SECRET_ACCESS_KEY".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        ),
        (
            "placeholder-token",
            "GITHUB_TOKEN".into(),
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into(),
        ),
        ("changeme", "DB_PASSWORD".into(), "changeme".into()),
        (
            "env-reference",
            "DB_PASSWORD".into(),
            "${DB_PASSWORD}".into(),
        ),
        ("k8s-reference", "API_TOKEN".into(), "$(API_TOKEN)".into()),
        (
            "template",
            "clientSecret".into(),
            "{{ .Values.oidc.clientSecret }}".into(),
        ),
        (
            "angle-placeholder",
            "API_KEY".into(),
            "<your-api-key>".into(),
        ),
        (
            "secret-name",
            "existingSecret".into(),
            format!("{}-credentials", r.pick("abcdefghij", 6)),
        ),
        (
            "secret-key-name",
            "passwordKey".into(),
            "admin-password".into(),
        ),
        (
            "password-file",
            "DB_PASSWORD_FILE".into(),
            "/var/run/secrets/db/password".into(),
        ),
        (
            "url-without-password",
            "DATABASE_URL".into(),
            format!("postgres://app@db-{}.internal:5432/app", r.hex(4)),
        ),
        (
            "url-with-port",
            "UPSTREAM".into(),
            format!("http://svc-{}.default.svc:8080/api", r.hex(6)),
        ),
        (
            "pod-name",
            "POD".into(),
            format!(
                "web-{}-{}",
                r.hex(10),
                r.pick("bcdfghjklmnpqrstvwxz2456789", 5)
            ),
        ),
        (
            "version",
            "VERSION".into(),
            format!(
                "v1.{}.{}-rc.1+build.{}",
                r.pick("0123456789", 2),
                r.pick("0123456789", 1),
                r.hex(7)
            ),
        ),
        (
            "hostname",
            "HOST".into(),
            format!(
                "ip-10-0-{}-{}.eu-west-1.compute.internal",
                r.pick("0123456789", 2),
                r.pick("0123456789", 2)
            ),
        ),
        (
            "stripe-test",
            "STRIPE".into(),
            format!("sk_test_{}", r.alnum(24)),
        ),
        (
            "stripe-publishable",
            "STRIPE_PUBLISHABLE_KEY".into(),
            format!("pk_live_{}", r.alnum(24)),
        ),
        ("sort-key", "SORT_KEY".into(), "created_at".into()),
        ("cache-key", "cacheKey".into(), r.hex(32)),
        ("token-ttl", "TOKEN_TTL".into(), "1h".into()),
        (
            "random-name",
            "RELEASE".into(),
            format!(
                "{}-{}",
                r.pick("abcdefghijklmnopqrstuvwxyz", 8),
                r.alnum(10).to_ascii_lowercase()
            ),
        ),
        (
            "ca-bundle-b64",
            "caBundle".into(),
            b64std(pem(r, "CERTIFICATE").as_bytes()),
        ),
        ("checksum-secret", "checksum/secret".into(), r.hex(64)),
        ("password-hash-name", "PASSWORD_SHA256".into(), r.hex(64)),
        (
            "pull-secret-name",
            "imagePullSecrets".into(),
            "regcred".into(),
        ),
        ("auth-method", "auth".into(), "kubernetes".into()),
        (
            "session-affinity",
            "sessionAffinity".into(),
            "ClientIP".into(),
        ),
        ("access-mode", "ACCESS_MODE".into(), "ReadWriteOnce".into()),
        (
            "sri-integrity",
            "integrity".into(),
            format!("sha512-{}==", r.b64(86)),
        ),
        ("nonce", "nonce".into(), r.alnum(24)),
        ("label-key", "key".into(), "app.kubernetes.io/name".into()),
        (
            "not-a-jwt",
            "TRACE".into(),
            format!("{}.{}.{}", r.alnum(8), r.alnum(8), r.alnum(8)),
        ),
        (
            "pgp-public",
            "signing-key.asc".into(),
            pem(r, "PGP PUBLIC KEY BLOCK"),
        ),
        ("min-length", "PASSWORD_MIN_LENGTH".into(), "12".into()),
    ]
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The manifest (or values file) that puts `name: value` at `loc`.
fn render(loc: Loc, name: &str, value: &str) -> (String, String) {
    let env_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    match loc {
        Loc::Env => (
            "deployment.yaml".into(),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        env:\n        - name: {}\n          value: {}\n",
                q(name),
                q(value)
            ),
        ),
        Loc::ConfigMap => (
            "configmap.yaml".into(),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  {}: {}\n",
                q(name),
                q(value)
            ),
        ),
        Loc::Args => {
            let flag = name.to_ascii_lowercase().replace(['_', '.'], "-");
            (
                "job.yaml".into(),
                format!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: app\n        image: app:1\n        args:\n        - {}\n",
                    q(&format!("--{flag}={value}"))
                ),
            )
        }
        Loc::Annotation => {
            // An earlier version applied with the value inline (last-applied), the current one
            // reading it from a Secret.
            let applied = serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
                "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1",
                    "env": [{"name": env_name, "value": value}]}]}}}
            });
            (
                "deployment.yaml".into(),
                format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: {}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n        env:\n        - name: {env_name}\n          valueFrom:\n            secretKeyRef: {{name: app, key: value}}\n",
                    q(&applied.to_string())
                ),
            )
        }
        Loc::Values => (
            "values.yaml".into(),
            format!(
                "replicaCount: 2\nimage:\n  repository: registry.example.com/app\n  tag: 1.4.2\napp:\n  {}: {}\n",
                q(name),
                q(value)
            ),
        ),
    }
}

fn corpus() -> Vec<Item> {
    let mut r = Rng(0x5eed_cafe_f00d_0015);
    let mut items = Vec::new();
    for round in 0..2 {
        for (secret, set) in [(true, true_positives(&mut r)), (false, bait(&mut r))] {
            for (kind, name, value) in set {
                for loc in LOCS {
                    let (file_name, text) = render(loc, &name, &value);
                    items.push(Item {
                        label: format!("{kind}/{loc:?}/{round}"),
                        secret,
                        file_name,
                        text,
                    });
                }
            }
        }
    }
    items
}

/// True when the credential checks report something in the item.
fn flagged(engine: &Engine, item: &Item) -> bool {
    let parsed = rampart_source::parse_str(Path::new(&item.file_name), &item.text);
    assert!(
        parsed.errors.is_empty() && !parsed.resources.is_empty(),
        "{}: does not load: {:?}\n{}",
        item.label,
        parsed.errors,
        item.text
    );
    parsed
        .resources
        .iter()
        .any(|res| !engine.run(res).is_empty())
}

fn engine() -> Engine {
    let registry = Registry::builtin();
    Engine::new(Selection {
        checks: CHECKS
            .iter()
            .map(|id| registry.by_id(id).expect("registered").clone())
            .collect(),
        severity: Default::default(),
    })
}

struct Scores {
    true_positives: usize,
    detected: usize,
    bait: usize,
    false_positives: usize,
}

fn score(items: &[Item], flags: &[bool]) -> Scores {
    let mut s = Scores {
        true_positives: 0,
        detected: 0,
        bait: 0,
        false_positives: 0,
    };
    for (item, &f) in items.iter().zip(flags) {
        if item.secret {
            s.true_positives += 1;
            s.detected += usize::from(f);
        } else {
            s.bait += 1;
            s.false_positives += usize::from(f);
        }
    }
    s
}

#[test]
fn corpus_recall_and_false_positive_rate() {
    let items = corpus();
    let engine = engine();
    let flags: Vec<bool> = items.iter().map(|i| flagged(&engine, i)).collect();
    let s = score(&items, &flags);
    let missed: Vec<&str> = items
        .iter()
        .zip(&flags)
        .filter(|(i, f)| i.secret && !**f)
        .map(|(i, _)| i.label.as_str())
        .collect();
    let false_positives: Vec<&str> = items
        .iter()
        .zip(&flags)
        .filter(|(i, f)| !i.secret && **f)
        .map(|(i, _)| i.label.as_str())
        .collect();
    let recall = s.detected as f64 / s.true_positives as f64;
    let fp_rate = s.false_positives as f64 / s.bait as f64;
    eprintln!(
        "secret corpus: {} true positives, {} detected (recall {recall:.3}); {} bait, {} flagged (false-positive rate {fp_rate:.3})\n  missed: {missed:?}\n  false positives: {false_positives:?}",
        s.true_positives, s.detected, s.bait, s.false_positives
    );
    assert!(s.true_positives >= 150 && s.bait >= 150);
    assert!(recall >= 0.95, "recall {recall:.3}; missed {missed:?}");
    assert!(
        fp_rate <= 0.02,
        "false-positive rate {fp_rate:.3}: {false_positives:?}"
    );
}

/// A values file produces no load error and no finding of any other check (it is not a
/// Kubernetes object).
#[test]
fn values_files_raise_nothing_else() {
    let text = "replicaCount: 2\nimage:\n  repository: nginx\n  tag: latest\nsecurityContext:\n  privileged: true\nauth:\n  password: hunter2\n";
    let parsed = rampart_source::parse_str(Path::new("chart/values.yaml"), text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let engine = Engine::new(Selection::all());
    let mut ids = BTreeSet::new();
    let mut inventory = Inventory::default();
    for r in &parsed.resources {
        ids.extend(engine.run(r).into_iter().map(|f| f.check.into_owned()));
        inventory.keep(r);
    }
    ids.extend(
        engine
            .run_inventory(&inventory)
            .findings
            .into_iter()
            .map(|f| f.check.into_owned()),
    );
    assert_eq!(
        ids,
        BTreeSet::from(["helm-values-credential".to_string()]),
        "a values file is judged only for credentials"
    );
}

/// Where gitleaks is: `$GITLEAKS`, else `bench/.peers/bin/gitleaks` of the checkout.
fn gitleaks() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GITLEAKS") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/.peers/bin/gitleaks");
    p.exists().then_some(p)
}

/// Agreement with gitleaks on the corpus, item by item (run by scripts/secrets-peer-tests.sh).
#[test]
#[ignore = "needs gitleaks: scripts/secrets-peer-tests.sh installs it and runs this"]
fn gitleaks_agreement() {
    let Some(bin) = gitleaks() else {
        panic!("gitleaks not found: set GITLEAKS or run scripts/install_peers.sh --only gitleaks");
    };
    let items = corpus();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("secret-corpus");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("corpus dir");
    for (i, item) in items.iter().enumerate() {
        let sub = dir.join(format!("{i:04}"));
        std::fs::create_dir_all(&sub).expect("item dir");
        std::fs::write(sub.join(&item.file_name), &item.text).expect("item written");
    }
    let report = dir.join("gitleaks.json");
    let status = std::process::Command::new(&bin)
        .args([
            "dir",
            "--no-banner",
            "--exit-code",
            "0",
            "--report-format",
            "json",
        ])
        .arg("--report-path")
        .arg(&report)
        .arg(&dir)
        .output()
        .expect("gitleaks runs");
    assert!(
        status.status.success(),
        "gitleaks failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let found: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("report is JSON");
    let mut theirs = vec![false; items.len()];
    let mut rules: Vec<BTreeSet<String>> = vec![BTreeSet::new(); items.len()];
    for f in &found {
        let file = f["File"].as_str().unwrap_or_default();
        let Some(idx) = Path::new(file)
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if idx < items.len() {
            theirs[idx] = true;
            rules[idx].insert(f["RuleID"].as_str().unwrap_or("?").to_string());
        }
    }
    let engine = engine();
    let ours: Vec<bool> = items.iter().map(|i| flagged(&engine, i)).collect();
    let agree = ours.iter().zip(&theirs).filter(|(a, b)| a == b).count();
    let agreement = agree as f64 / items.len() as f64;
    let g = score(&items, &theirs);
    let mut only_ours = std::collections::BTreeMap::<String, usize>::new();
    let mut only_theirs = std::collections::BTreeMap::<String, usize>::new();
    for (i, item) in items.iter().enumerate() {
        let kind = item.label.split('/').take(2).collect::<Vec<_>>().join("/");
        let tag = format!(
            "{}{kind} {:?}",
            if item.secret { "TP " } else { "bait " },
            rules[i]
        );
        if ours[i] && !theirs[i] {
            *only_ours.entry(tag).or_default() += 1;
        } else if theirs[i] && !ours[i] {
            *only_theirs.entry(tag).or_default() += 1;
        }
    }
    eprintln!(
        "gitleaks agreement: {agree}/{} = {agreement:.3}; gitleaks recall {:.3} ({}/{}), false-positive rate {:.3} ({}/{})\n  rampart only: {only_ours:#?}\n  gitleaks only: {only_theirs:#?}",
        items.len(),
        g.detected as f64 / g.true_positives as f64,
        g.detected,
        g.true_positives,
        g.false_positives as f64 / g.bait as f64,
        g.false_positives,
        g.bait
    );
    assert!(
        agreement >= AGREEMENT_FLOOR,
        "agreement {agreement:.3} < {AGREEMENT_FLOOR}"
    );
}

/// The agreement measured when this test was written (see docs/secrets.md), less a margin.
const AGREEMENT_FLOOR: f64 = 0.80;

/// Real manifests and charts' values files (shared corpora `realworld/` and `charts/`, read by
/// hand for false positives): the credential checks report only what was judged real there.
#[test]
fn real_world_manifests() {
    let (Some(realworld), Some(charts)) = (
        rampart_testutil::require_corpora("realworld"),
        rampart_testutil::require_corpora("charts"),
    ) else {
        return;
    };
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, values_only: bool) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out, values_only);
            } else {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
                if yaml && (!values_only || name.starts_with("values")) {
                    out.push(p);
                }
            }
        }
    }
    walk(&realworld, &mut files, false);
    walk(&charts, &mut files, true);
    files.sort();
    let engine = engine();
    let mut findings = Vec::new();
    let mut objects = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let parsed = rampart_source::parse_str(f, &text);
        if f.starts_with(&charts) {
            // Charts' values files read as HelmValues objects, without load errors.
            assert!(
                parsed.errors.is_empty(),
                "{}: {:?}",
                f.display(),
                parsed.errors
            );
            assert!(
                parsed.resources.iter().all(|r| r.kind() == "HelmValues"),
                "{}",
                f.display()
            );
        }
        for r in &parsed.resources {
            objects += 1;
            for finding in engine.run(r) {
                findings.push(format!(
                    "{}: {} {}",
                    f.strip_prefix(&realworld)
                        .or_else(|_| f.strip_prefix(&charts))
                        .unwrap_or(f)
                        .display(),
                    finding.check,
                    finding.message
                ));
            }
        }
    }
    eprintln!(
        "real-world corpus: {} files, {objects} objects, {} credential findings:\n{}",
        files.len(),
        findings.len(),
        findings.join("\n")
    );
    assert!(objects > 500, "{objects} objects");
    assert!(findings.len() <= REAL_WORLD_FINDINGS, "{findings:#?}");
}

/// Findings on the real-world corpus, each read by hand (see docs/secrets.md): 17, all literal
/// values of credential-named environment variables (default passwords such as `admin`,
/// `minio123`, and a sample Sysdig access key); none in the charts' values files.
const REAL_WORLD_FINDINGS: usize = 17;
