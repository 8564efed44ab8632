//! TLS for every listener: rustls with the ring provider (the one kube uses, so the process has
//! exactly one), certificates from PEM files that are re-read when they change on disk, or a
//! self-signed CA and serving certificate generated for loopback use.
//!
//! Reload: [`ReloadingCert`] is the server's `ResolvesServerCert`. On a handshake, at most once
//! per `check_every`, it compares the files' modification time, size and inode with what it
//! loaded; when they differ it parses both files again and, if the pair is valid (the key
//! matches the certificate), serves the new pair from the next handshake on. A half-written or
//! mismatched pair is counted, reported once, and the old pair kept until the files change again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use prometheus_client::metrics::counter::Counter;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The crypto provider of the whole process: ring, as kube's TLS uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Installs ring as the process-wide default provider (idempotent; a provider installed
/// earlier by the same process is kept).
pub fn install_default_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where the serving certificate comes from.
#[derive(Clone, Debug)]
pub enum TlsSource {
    /// PEM files given by the user (`--tls-cert`, `--tls-key`), re-read when they change.
    /// `ca` is the bundle clients should trust, for the kubeconfig snippets (when absent, the
    /// certificate file itself is used: right for a self-signed certificate).
    Files {
        cert: PathBuf,
        key: PathBuf,
        ca: Option<PathBuf>,
    },
    /// A CA and serving certificate made here for `sans` (default 127.0.0.1, localhost).
    /// With `dir`, they are written there (`ca.crt`, `tls.crt`, `tls.key`) and reused on the
    /// next start while present, so the API server's configuration keeps working; without it
    /// they live in memory only.
    Generated {
        dir: Option<PathBuf>,
        sans: Vec<String>,
    },
}

/// The TLS setup shared by every HTTPS listener.
pub struct Tls {
    pub config: Arc<ServerConfig>,
    pub resolver: Arc<ReloadingCert>,
    /// PEM of the CA clients should trust (for kubeconfig snippets).
    pub ca_pem: String,
    /// Files written or read, for messages.
    pub files: Option<(PathBuf, PathBuf)>,
}

impl Tls {
    /// The CA bundle, base64 of its PEM, as kubeconfig `certificate-authority-data` and
    /// webhook `caBundle` fields want it.
    pub fn ca_bundle_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes())
    }
}

/// Default names of a generated certificate.
pub fn default_sans() -> Vec<String> {
    vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
}

/// Sets up TLS from `source`; `client_ca` (PEM file) makes client certificates required.
pub fn setup(source: &TlsSource, client_ca: Option<&Path>) -> anyhow::Result<Tls> {
    let provider = provider();
    let (resolver, ca_pem, files) = match source {
        TlsSource::Files { cert, key, ca } => {
            let resolver = ReloadingCert::from_files(cert, key, provider.clone())?;
            let ca_pem =
                std::fs::read_to_string(ca.as_ref().unwrap_or(cert)).with_context(|| {
                    format!("cannot read {}", ca.as_ref().unwrap_or(cert).display())
                })?;
            (resolver, ca_pem, Some((cert.clone(), key.clone())))
        }
        TlsSource::Generated {
            dir: Some(dir),
            sans,
        } => {
            let (cert, key, ca) = (dir.join("tls.crt"), dir.join("tls.key"), dir.join("ca.crt"));
            if !(cert.exists() && key.exists() && ca.exists()) {
                let made = generate(sans)?;
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                write_private(&key, made.key_pem.as_bytes())?;
                std::fs::write(&cert, made.cert_pem.as_bytes())
                    .with_context(|| format!("cannot write {}", cert.display()))?;
                std::fs::write(&ca, made.ca_pem.as_bytes())
                    .with_context(|| format!("cannot write {}", ca.display()))?;
            }
            let resolver = ReloadingCert::from_files(&cert, &key, provider.clone())?;
            let ca_pem = std::fs::read_to_string(&ca)
                .with_context(|| format!("cannot read {}", ca.display()))?;
            (resolver, ca_pem, Some((cert, key)))
        }
        TlsSource::Generated { dir: None, sans } => {
            let made = generate(sans)?;
            let ck = certified_key(made.cert_pem.as_bytes(), made.key_pem.as_bytes(), &provider)?;
            (ReloadingCert::fixed(ck), made.ca_pem, None)
        }
    };
    let resolver = Arc::new(resolver);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = match client_ca {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in read_certs(path)? {
                roots
                    .add(c)
                    .with_context(|| format!("{}: not a usable CA certificate", path.display()))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .with_context(|| format!("{}: client CA", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(resolver.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        resolver,
        ca_pem,
        files,
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A generated CA and the serving certificate it signed, as PEM.
pub struct Generated {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// Makes a CA ("rampart serve CA") and a serving certificate for `sans` (IP addresses or DNS
/// names), valid from the start of this year for two years.
pub fn generate(sans: &[String]) -> anyhow::Result<Generated> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let year = 1970
        + (SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            / 31_556_952) as i32;
    let validity = |p: &mut CertificateParams| {
        p.not_before = rcgen::date_time_ymd(year, 1, 1);
        p.not_after = rcgen::date_time_ymd(year + 2, 1, 1);
    };
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "rampart serve CA");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut ca);
    let ca_cert = ca.self_signed(&ca_key).context("signing the CA")?;
    let issuer = Issuer::new(ca, ca_key);

    let sans = if sans.is_empty() {
        default_sans()
    } else {
        sans.to_vec()
    };
    let mut leaf = CertificateParams::new(sans.clone())
        .with_context(|| format!("certificate names {sans:?}"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "rampart serve");
    leaf.distinguished_name = dn;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    validity(&mut leaf);
    let leaf_key = KeyPair::generate().context("generating the serving key")?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .context("signing the serving certificate")?;
    Ok(Generated {
        ca_pem: ca_cert.pem(),
        // The chain: the leaf, then the CA (clients that trust the CA verify either way).
        cert_pem: leaf_cert.pem(),
        key_pem: leaf_key.serialize_pem(),
    })
}

fn read_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_certs(&bytes).with_context(|| format!("{}", path.display()))
}

fn parse_certs(pem: &[u8]) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("not PEM certificates: {e}"))?;
    if certs.is_empty() {
        bail!("no CERTIFICATE block found");
    }
    Ok(certs)
}

/// Parses a PEM certificate chain and private key into a pair rustls serves, checking that the
/// key belongs to the first certificate.
pub fn certified_key(
    cert_pem: &[u8],
    key_pem: &[u8],
    provider: &CryptoProvider,
) -> anyhow::Result<CertifiedKey> {
    let certs = parse_certs(cert_pem).context("certificate")?;
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| anyhow::anyhow!("private key: not a PEM private key: {e}"))?;
    CertifiedKey::from_der(certs, key, provider)
        .map_err(|e| anyhow::anyhow!("certificate and key do not go together: {e}"))
}

/// What identifies a version of a file on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    ino: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let md = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = {
        use std::os::unix::fs::MetadataExt;
        md.ino()
    };
    #[cfg(not(unix))]
    let ino = 0;
    Some(Stamp {
        modified: md.modified().ok(),
        len: md.len(),
        ino,
    })
}

struct Current {
    key: Arc<CertifiedKey>,
    stamps: Option<(Stamp, Stamp)>,
    /// The stamps of a pair that failed to load (reported once).
    failed: Option<(Stamp, Stamp)>,
}

/// The serving certificate, re-read from its files when they change.
pub struct ReloadingCert {
    files: Option<(PathBuf, PathBuf)>,
    provider: Arc<CryptoProvider>,
    current: RwLock<Current>,
    last_check: Mutex<Instant>,
    /// How often (at most) the files are looked at; zero looks on every handshake.
    pub check_every: Duration,
    /// Successful reloads.
    pub reloads: Counter,
    /// Changed files that could not be loaded (the previous pair stays in use).
    pub reload_errors: Counter,
}

impl std::fmt::Debug for ReloadingCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingCert")
            .field("files", &self.files)
            .finish()
    }
}

impl ReloadingCert {
    /// Loads the pair from `cert` and `key` (an error if it cannot).
    pub fn from_files(
        cert: &Path,
        key: &Path,
        provider: Arc<CryptoProvider>,
    ) -> anyhow::Result<ReloadingCert> {
        let stamps = (stamp(cert), stamp(key));
        let ck = load_pair(cert, key, &provider)?;
        Ok(ReloadingCert {
            files: Some((cert.to_path_buf(), key.to_path_buf())),
            provider,
            current: RwLock::new(Current {
                key: Arc::new(ck),
                stamps: stamps.0.zip(stamps.1),
                failed: None,
            }),
            last_check: Mutex::new(Instant::now()),
            check_every: Duration::from_secs(1),
            reloads: Counter::default(),
            reload_errors: Counter::default(),
        })
    }

    /// A pair that never changes (generated in memory).
    pub fn fixed(ck: CertifiedKey) -> ReloadingCert {
        ReloadingCert {
            files: None,
            provider: provider(),
            current: RwLock::new(Current {
                key: Arc::new(ck),
                stamps: None,
                failed: None,
            }),
            last_check: Mutex::new(Instant::now()),
            check_every: Duration::from_secs(1),
            reloads: Counter::default(),
            reload_errors: Counter::default(),
        }
    }

    /// The pair served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        match self.current.read() {
            Ok(c) => c.key.clone(),
            Err(poisoned) => poisoned.into_inner().key.clone(),
        }
    }

    /// Looks at the files now (whatever `check_every` says); true when a new pair was loaded.
    pub fn check_now(&self) -> bool {
        let Some((cert, key)) = &self.files else {
            return false;
        };
        let (Some(sc), Some(sk)) = (stamp(cert), stamp(key)) else {
            return false;
        };
        let now = Some((sc.clone(), sk.clone()));
        {
            let cur = match self.current.read() {
                Ok(c) => c,
                Err(p) => p.into_inner(),
            };
            if cur.stamps == now || cur.failed == now {
                return false;
            }
        }
        let mut cur = match self.current.write() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        match load_pair(cert, key, &self.provider) {
            Ok(ck) => {
                cur.key = Arc::new(ck);
                cur.stamps = now;
                cur.failed = None;
                self.reloads.inc();
                eprintln!(
                    "rampart serve: reloaded the TLS certificate from {}",
                    cert.display()
                );
                true
            }
            Err(e) => {
                cur.failed = now;
                self.reload_errors.inc();
                eprintln!("rampart serve: warning: TLS certificate not reloaded, the previous one stays in use: {e:#}");
                false
            }
        }
    }

    fn maybe_check(&self) {
        if self.files.is_none() {
            return;
        }
        {
            let Ok(mut last) = self.last_check.lock() else {
                return;
            };
            if last.elapsed() < self.check_every {
                return;
            }
            *last = Instant::now();
        }
        self.check_now();
    }
}

fn load_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let c = std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let k = std::fs::read(key).with_context(|| format!("cannot read {}", key.display()))?;
    certified_key(&c, &k, provider)
        .with_context(|| format!("{} and {}", cert.display(), key.display()))
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.maybe_check();
        Some(self.current())
    }
}

/// A rustls client configuration trusting `ca` (PEM file) or, without it, the system's roots.
pub fn client_config(ca: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for c in read_certs(path)? {
                roots
                    .add(c)
                    .with_context(|| format!("{}: not a usable CA certificate", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                eprintln!("rampart serve: warning: no system CA certificates found; HTTPS alert webhooks need --alert-webhook-ca");
            }
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_loads_and_matches() {
        let g = generate(&default_sans()).expect("generate");
        assert!(g.ca_pem.contains("BEGIN CERTIFICATE"));
        let ck =
            certified_key(g.cert_pem.as_bytes(), g.key_pem.as_bytes(), &provider()).expect("pair");
        assert_eq!(ck.cert.len(), 1);
        // A key from another pair does not go with this certificate.
        let other = generate(&default_sans()).expect("generate");
        let err = certified_key(g.cert_pem.as_bytes(), other.key_pem.as_bytes(), &provider())
            .expect_err("mismatch");
        assert!(format!("{err:#}").contains("do not go together"), "{err:#}");
    }

    #[test]
    fn bad_names_and_bad_pem_are_errors_not_panics() {
        assert!(generate(&["caf\u{e9}.example".to_owned()]).is_err());
        assert!(certified_key(b"nothing", b"nothing", &provider()).is_err());
    }

    #[test]
    fn files_reload_when_they_change_and_bad_files_keep_the_old_pair() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let a = generate(&default_sans()).expect("generate");
        std::fs::write(&cert, &a.cert_pem).expect("write");
        std::fs::write(&key, &a.key_pem).expect("write");
        let r = ReloadingCert::from_files(&cert, &key, provider()).expect("load");
        let first = r.current();
        assert!(!r.check_now(), "unchanged files are not reloaded");

        // A half-written update (new certificate, old key): refused, old pair kept.
        let b = generate(&default_sans()).expect("generate");
        std::fs::write(&cert, &b.cert_pem).expect("write");
        assert!(!r.check_now());
        assert_eq!(r.reload_errors.get(), 1);
        assert_eq!(r.current().cert, first.cert);
        // Reported once, not on every handshake.
        assert!(!r.check_now());
        assert_eq!(r.reload_errors.get(), 1);

        // The key arrives: the new pair is served.
        std::fs::write(&key, &b.key_pem).expect("write");
        assert!(r.check_now());
        assert_eq!(r.reloads.get(), 1);
        assert_ne!(r.current().cert, first.cert);
    }
}
