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
        let digest = if r == "1" {
            index["manifests"][0]["digest"]
                .as_str()
                .unwrap_or("")
                .to_string()
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
