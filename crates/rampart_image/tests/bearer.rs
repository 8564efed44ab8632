//! The bearer-token flow (a `WWW-Authenticate: Bearer realm=...` challenge, a token from the
//! realm with basic credentials, then the token on every request) and blob redirects, against a
//! small in-process registry: Debian's docker-registry needs a separate token server for this.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use rampart_image::{open, Credentials, Error, Options};
use rampart_model::files::KeepAll;

const TOKEN: &str = "tok-123";
/// `user:pw`, base64.
const BASIC: &str = "Basic dXNlcjpwdw==";

struct Mock {
    dir: PathBuf,
    port: u16,
    token_requests: AtomicUsize,
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn handle(m: &Mock, mut s: TcpStream) {
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut auth = String::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = v.trim().to_string();
            }
        }
    }
    let challenge = format!(
        "Bearer realm=\"http://127.0.0.1:{}/token\",service=\"mock\",scope=\"repository:team/app:pull\"",
        m.port
    );
    if let Some(q) = path.strip_prefix("/token?") {
        m.token_requests.fetch_add(1, Ordering::Relaxed);
        assert!(
            q.contains("service=mock") && q.contains("scope=repository%3Ateam%2Fapp%3Apull"),
            "{q}"
        );
        if auth == BASIC {
            respond(
                &mut s,
                "200 OK",
                &[],
                format!("{{\"token\":\"{TOKEN}\"}}").as_bytes(),
            );
        } else {
            respond(&mut s, "401 Unauthorized", &[], b"{}");
        }
        return;
    }
    if let Some(d) = path.strip_prefix("/storage/") {
        // Redirected blob downloads carry no registry credentials.
        assert!(auth.is_empty(), "credentials sent to the blob store");
        let hex = d.trim_start_matches("sha256:");
        match std::fs::read(m.dir.join("blobs/sha256").join(hex)) {
            Ok(b) => respond(&mut s, "200 OK", &[], &b),
            Err(_) => respond(&mut s, "404 Not Found", &[], b""),
        }
        return;
    }
    if auth != format!("Bearer {TOKEN}") {
        respond(
            &mut s,
            "401 Unauthorized",
            &[("WWW-Authenticate", challenge)],
            b"{\"errors\":[]}",
        );
        return;
    }
    if let Some(r) = path.strip_prefix("/v2/team/app/manifests/") {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(m.dir.join("index.json")).expect("index"))
                .expect("json");
        let by_name = index["manifests"].as_array().and_then(|a| {
            a.iter()
                .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == r)
        });
        let digest = if r == "1" {
            index["manifests"][0]["digest"]
                .as_str()
                .unwrap_or("")
                .to_string()
        } else if let Some(d) = by_name {
            d["digest"].as_str().unwrap_or("").to_string()
        } else {
            r.to_string()
        };
        let hex = digest.trim_start_matches("sha256:");
        match std::fs::read(m.dir.join("blobs/sha256").join(hex)) {
            Ok(b) => respond(
                &mut s,
                "200 OK",
                &[(
                    "Content-Type",
                    "application/vnd.oci.image.manifest.v1+json".into(),
                )],
                &b,
            ),
            Err(_) => respond(
                &mut s,
                "404 Not Found",
                &[],
                b"{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}",
            ),
        }
        return;
    }
    if let Some(d) = path.strip_prefix("/v2/team/app/blobs/") {
        respond(
            &mut s,
            "307 Temporary Redirect",
            &[("Location", format!("/storage/{d}"))],
            b"",
        );
        return;
    }
    respond(&mut s, "404 Not Found", &[], b"");
}

fn start(dir: PathBuf) -> Arc<Mock> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let m = Arc::new(Mock {
        dir,
        port,
        token_requests: AtomicUsize::new(0),
    });
    let mm = Arc::clone(&m);
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let m = Arc::clone(&mm);
            std::thread::spawn(move || handle(&m, s));
        }
    });
    m
}

#[test]
fn bearer_tokens_and_redirects() {
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(
        dir.path(),
        &[
            layer_gz(&[
                E::File("var/lib/dpkg/status", b"Package: a\n\n"),
                E::File("tmp/x", b"x"),
            ]),
            layer_zstd(&[E::File("tmp/.wh.x", b"")]),
        ],
    );
    let m = start(dir.path().to_path_buf());
    let src = format!("127.0.0.1:{}/team/app:1", m.port);
    let opts = Options {
        credentials: Some(Credentials {
            username: "user".into(),
            password: "pw".into(),
        }),
        ..Options::default()
    };
    let out = open(&src, &opts)
        .and_then(|i| i.files(&KeepAll))
        .expect("pull");
    assert_eq!(
        out.files.get("var/lib/dpkg/status"),
        Some(&b"Package: a\n\n"[..])
    );
    assert!(!out.files.files.contains_key("tmp/x"));
    assert_eq!(out.config.user.as_deref(), Some("1000"));
    // One token, reused for the config and every layer.
    assert_eq!(m.token_requests.load(Ordering::Relaxed), 1);

    // Without credentials the token service refuses.
    let err = open(&src, &Options::default()).expect_err("anonymous");
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(
        err.to_string().contains("refused anonymous access"),
        "{err}"
    );

    // An unknown tag: the registry's 404 with its URL.
    let err = open(&format!("127.0.0.1:{}/team/app:nope", m.port), &opts).expect_err("404");
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err}");
    assert!(err.to_string().contains("MANIFEST_UNKNOWN"), "{err}");
}

/// Adds a cosign-style signature manifest (tag `sha256-<hex>.sig`) for the layout's first image,
/// signed with a fresh P-256 key (or over `signed_digest` when given); returns the PEM public key.
fn sign(dir: &std::path::Path, signed_digest: Option<&str>) -> String {
    use base64::Engine as _;
    use ring::signature::KeyPair;
    let b64 = base64::engine::general_purpose::STANDARD;
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).expect("index")).expect("json");
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_string();
    let payload = serde_json::to_vec(&serde_json::json!({
        "critical": {
            "identity": {"docker-reference": "127.0.0.1/team/app"},
            "image": {"docker-manifest-digest": signed_digest.unwrap_or(&digest)},
            "type": "cosign container image signature"
        },
        "optional": null
    }))
    .expect("json");
    let rng = ring::rand::SystemRandom::new();
    let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key");
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("pair");
    let sig = pair.sign(&rng, &payload).expect("sign");
    let put = |data: &[u8]| {
        let d = sha256(data);
        std::fs::write(
            dir.join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
            data,
        )
        .expect("blob");
        d
    };
    let pd = put(&payload);
    let cfg = put(b"{}");
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": 2},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": pd, "size": payload.len(),
            "annotations": {"dev.cosignproject.cosign/signature": b64.encode(sig.as_ref())}
        }]
    }))
    .expect("json");
    let md = put(&manifest);
    let tag = format!("{}.sig", digest.replace(':', "-"));
    if let Some(a) = index["manifests"].as_array_mut() {
        a.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag}
        }));
    }
    std::fs::write(&index_path, serde_json::to_vec(&index).expect("json")).expect("index");
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    der.extend_from_slice(pair.public_key().as_ref());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        b64.encode(der)
    )
}

#[test]
fn cosign_signatures_verify_offline() {
    use rampart_image::CosignKey;
    let creds = Options {
        credentials: Some(Credentials {
            username: "user".into(),
            password: "pw".into(),
        }),
        ..Options::default()
    };
    // Signed.
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(dir.path(), &[layer_gz(&[E::File("a", b"a")])]);
    let pem = sign(dir.path(), None);
    let m = start(dir.path().to_path_buf());
    let img = open(&format!("127.0.0.1:{}/team/app:1", m.port), &creds).expect("open");
    let key = CosignKey::from_pem(&pem).expect("key");
    let v = img.verify_cosign(&key).expect("verified");
    assert_eq!(v.signatures, 1);
    assert_eq!(Some(v.digest), img.reference().digest.clone());
    assert_eq!(v.docker_reference.as_deref(), Some("127.0.0.1/team/app"));
    // Another key: refused.
    let other_dir = tempfile::tempdir().expect("tmp");
    oci_dir(other_dir.path(), &[layer_gz(&[E::File("b", b"b")])]);
    let other_pem = sign(other_dir.path(), None);
    let err = img
        .verify_cosign(&CosignKey::from_pem(&other_pem).expect("key"))
        .expect_err("wrong key");
    assert!(err.to_string().contains("does not verify"), "{err}");
    // Unsigned: no .sig tag.
    let m2 = start(other_dir.path().to_path_buf());
    let unsigned_dir = tempfile::tempdir().expect("tmp");
    oci_dir(unsigned_dir.path(), &[layer_gz(&[E::File("c", b"c")])]);
    let m3 = start(unsigned_dir.path().to_path_buf());
    let img3 = open(&format!("127.0.0.1:{}/team/app:1", m3.port), &creds).expect("open");
    let err = img3.verify_cosign(&key).expect_err("unsigned");
    assert!(err.to_string().contains("no signature"), "{err}");
    // A valid signature over another digest.
    let moved = tempfile::tempdir().expect("tmp");
    oci_dir(moved.path(), &[layer_gz(&[E::File("d", b"d")])]);
    let zero = format!("sha256:{}", "0".repeat(64));
    let pem4 = sign(moved.path(), Some(&zero));
    let m4 = start(moved.path().to_path_buf());
    let img4 = open(&format!("127.0.0.1:{}/team/app:1", m4.port), &creds).expect("open");
    let err = img4
        .verify_cosign(&CosignKey::from_pem(&pem4).expect("key"))
        .expect_err("other digest");
    assert!(err.to_string().contains("signs sha256:000"), "{err}");
    let _ = m2;
}
