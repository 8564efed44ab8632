//! Local sources built in a temp dir: layer semantics (whiteouts, opaque directories, symlinks,
//! hard links, path traversal), compression, layouts, platforms, the layer cache, and bad input.

mod common;

use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use rampart_image::{open, Error, LayerCache, Options, Platform};
use rampart_model::files::{EntryMeta, FileFilter, KeepAll};

const STATUS: &[u8] = b"Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n";

fn base_layer() -> Blob {
    layer_gz(&[
        E::Dir("./"),
        E::Dir("./var/lib/dpkg/"),
        E::File("./var/lib/dpkg/status", STATUS),
        E::File("usr/lib/os-release", b"ID=debian\n"),
        E::Symlink("etc/os-release", "../usr/lib/os-release"),
        E::File("lib/apk/db/installed", b"P:musl\nV:1.2.4\n\n"),
        E::File("opt/app/a", b"a"),
        E::File("opt/app/sub/b", b"b"),
        E::File("tmp/gone", b"deleted later"),
        E::File("etc/passwd", b"root:x:0:0\n"),
        E::File("srv/file-then-dir", b"f"),
    ])
}

fn second_layer() -> Blob {
    layer_zstd(&[
        E::File("tmp/.wh.gone", b""),
        E::File("opt/app/.wh..wh..opq", b""),
        E::File("opt/app/c", b"c"),
        E::File("etc/passwd", b"root:x:0:0\nuser:x:1000:1000\n"),
        E::File("usr/bin/tool", b"#!/bin/sh\n"),
        E::Hardlink("usr/bin/tool-link", "usr/bin/tool"),
        E::Dir("srv/file-then-dir/"),
        E::File("srv/file-then-dir/inner", b"i"),
    ])
}

fn third_layer() -> Blob {
    layer_plain(&[
        E::File("../../escape", b"x"),
        E::File("/abs/path", b"y"),
        E::File("a/./b/../c", b"z"),
        // A whiteout in the same layer as a file of that name hides only lower layers.
        E::File("same/x", b"kept"),
        E::File("same/.wh.x", b""),
    ])
}

fn check_layered(files: &rampart_model::files::FileSet) {
    assert_eq!(
        files.files.get("var/lib/dpkg/status").map(Vec::as_slice),
        Some(STATUS)
    );
    assert_eq!(files.get("etc/os-release"), Some(&b"ID=debian\n"[..]));
    assert_eq!(
        files.symlinks.get("etc/os-release").map(String::as_str),
        Some("../usr/lib/os-release")
    );
    assert!(files.files.contains_key("lib/apk/db/installed"));
    // Whiteout and opaque directory.
    assert!(!files.files.contains_key("tmp/gone"), "whiteout deletes");
    assert!(!files.files.contains_key("opt/app/a"), "opaque clears");
    assert!(
        !files.files.contains_key("opt/app/sub/b"),
        "opaque clears subdirs"
    );
    assert_eq!(files.get("opt/app/c"), Some(&b"c"[..]));
    // Later layers replace.
    assert_eq!(
        files.get("etc/passwd"),
        Some(&b"root:x:0:0\nuser:x:1000:1000\n"[..])
    );
    // Hard link.
    assert_eq!(files.get("usr/bin/tool-link"), Some(&b"#!/bin/sh\n"[..]));
    // A directory replaces a file.
    assert!(!files.files.contains_key("srv/file-then-dir"));
    assert_eq!(files.get("srv/file-then-dir/inner"), Some(&b"i"[..]));
    // Traversal is clamped at the root; absolute paths are relative to it.
    assert_eq!(files.get("escape"), Some(&b"x"[..]));
    assert_eq!(files.get("abs/path"), Some(&b"y"[..]));
    assert_eq!(files.get("a/c"), Some(&b"z"[..]));
    assert!(files
        .files
        .keys()
        .all(|k| !k.starts_with('/') && !k.contains("..")));
    assert_eq!(files.get("same/x"), Some(&b"kept"[..]));
}

#[test]
fn oci_layout_dir_applies_layers_in_order() {
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(dir.path(), &[base_layer(), second_layer(), third_layer()]);
    let img = open(dir.path().to_str().expect("utf8"), &Options::default()).expect("open");
    assert_eq!(img.layers().len(), 3);
    assert_eq!(img.config().user.as_deref(), Some("1000"));
    assert_eq!(img.config().entrypoint, vec!["/bin/app"]);
    assert_eq!(img.config().cmd, vec!["--serve"]);
    assert_eq!(img.config().architecture, "amd64");
    assert_eq!(
        img.config().labels.get("org.example").map(String::as_str),
        Some("yes")
    );
    let out = img.files(&KeepAll).expect("files");
    assert!(out
        .image
        .digest
        .as_deref()
        .is_some_and(|d| d.starts_with("sha256:")));
    assert!(
        out.image.reference.ends_with(":v1"),
        "{}",
        out.image.reference
    );
    check_layered(&out.files);
    // By name, and a missing name.
    let named = format!("oci:{}:v1", dir.path().display());
    assert!(open(&named, &Options::default()).is_ok());
    let missing = format!("oci:{}:v2", dir.path().display());
    let err = open(&missing, &Options::default()).expect_err("no v2");
    assert!(err.to_string().contains("no image named \"v2\""), "{err}");
}

#[test]
fn oci_layout_tar_plain_gzip_and_zstd() {
    let dir = tempfile::tempdir().expect("tmp");
    let layout = dir.path().join("layout");
    std::fs::create_dir(&layout).expect("mkdir");
    oci_dir(&layout, &[base_layer(), second_layer(), third_layer()]);
    let t = tar_dir(&layout);
    for (name, data) in [
        ("plain.tar", t.clone()),
        ("img.tar.gz", gzip(&t)),
        ("img.tar.zst", zstd(&t)),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        let img = open(p.to_str().expect("utf8"), &Options::default()).expect(name);
        check_layered(&img.files(&KeepAll).expect(name).files);
    }
}

#[test]
fn docker_archive_dir_and_tar() {
    let dir = tempfile::tempdir().expect("tmp");
    let arch = dir.path().join("arch");
    std::fs::create_dir(&arch).expect("mkdir");
    let layers = [
        tar(&[
            E::File("var/lib/dpkg/status", STATUS),
            E::File("tmp/gone", b"x"),
        ]),
        tar(&[E::File("tmp/.wh.gone", b""), E::File("etc/motd", b"hi")]),
    ];
    docker_archive(&arch, &layers);
    let t = tar_dir(&arch);
    let tp = dir.path().join("app.tar");
    std::fs::write(&tp, &t).expect("write");
    for src in [
        arch.display().to_string(),
        tp.display().to_string(),
        format!("docker-archive:{}:1.0", tp.display()),
    ] {
        let img = open(&src, &Options::default()).expect(&src);
        // Docker archive layers are named by their diff ids.
        assert_eq!(img.layers()[0].digest, sha256(&layers[0]));
        let out = img.files(&KeepAll).expect(&src);
        assert_eq!(out.files.get("var/lib/dpkg/status"), Some(STATUS));
        assert_eq!(out.files.get("etc/motd"), Some(&b"hi"[..]));
        assert!(!out.files.files.contains_key("tmp/gone"));
        assert!(out.image.reference.contains("example.com/app:1.0"));
    }
}

#[test]
fn platforms_are_chosen_from_an_index() {
    let dir = tempfile::tempdir().expect("tmp");
    let amd = write_manifest(
        dir.path(),
        "amd64",
        &[layer_gz(&[E::File("arch", b"amd64")])],
    );
    let arm = write_manifest(
        dir.path(),
        "arm64",
        &[layer_gz(&[E::File("arch", b"arm64")])],
    );
    write_index(dir.path(), &[amd, arm]);
    let src = dir.path().display().to_string();
    let read = |p: Option<&str>| {
        let mut o = Options::default();
        if let Some(p) = p {
            o.platform = p.parse().expect("platform");
        }
        open(&src, &o).and_then(|i| i.files(&KeepAll))
    };
    assert_eq!(
        read(None).expect("default").files.get("arch"),
        Some(&b"amd64"[..])
    );
    let arm = read(Some("linux/arm64")).expect("arm64");
    assert_eq!(arm.files.get("arch"), Some(&b"arm64"[..]));
    assert_eq!(arm.config.architecture, "arm64");
    let err = read(Some("linux/s390x")).expect_err("none");
    assert!(matches!(err, Error::Platform { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("linux/s390x") && msg.contains("linux/amd64, linux/arm64"),
        "{msg}"
    );
    assert!("linux".parse::<Platform>().is_err());
    assert_eq!(
        "linux/arm/v7"
            .parse::<Platform>()
            .expect("p")
            .variant
            .as_deref(),
        Some("v7")
    );
}

#[test]
fn corrupt_layers_fail_with_a_digest_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = base_layer();
    oci_dir(dir.path(), &[good]);
    // Overwrite the layer blob with other bytes (same name).
    let blobs = dir.path().join("blobs/sha256");
    let img = open(dir.path().to_str().expect("utf8"), &Options::default()).expect("open");
    let layer = img.layers()[0]
        .digest
        .trim_start_matches("sha256:")
        .to_string();
    std::fs::write(blobs.join(&layer), layer_gz(&[E::File("x", b"y")]).data).expect("write");
    let err = img.files(&KeepAll).expect_err("mismatch");
    assert!(matches!(err, Error::Digest { .. }), "{err}");
    assert!(err.to_string().contains(&layer), "{err}");
}

/// Keeps only some paths, and counts the files offered.
struct Some_ {
    paths: &'static [&'static str],
    offered: AtomicUsize,
    max_size: u64,
}

impl FileFilter for Some_ {
    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        self.offered.fetch_add(1, Ordering::Relaxed);
        self.paths.contains(&meta.path) && meta.size <= self.max_size
    }

    fn keep(&self, _meta: &EntryMeta<'_>, content: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
        let mut v = Vec::new();
        content.read_to_end(&mut v)?;
        Ok(Some(v))
    }
}

#[test]
fn a_file_the_filter_does_not_keep_still_replaces_a_kept_one() {
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(
        dir.path(),
        &[
            layer_gz(&[E::File("etc/conf", b"small")]),
            layer_gz(&[E::File("etc/conf", b"much too large for the filter")]),
        ],
    );
    let f = Some_ {
        paths: &["etc/conf"],
        offered: AtomicUsize::new(0),
        max_size: 10,
    };
    let out = open(dir.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files(&f))
        .expect("files");
    assert!(out.files.files.is_empty(), "{:?}", out.files.files.keys());
}

#[test]
fn hard_links_to_files_not_kept_are_read_under_the_link_name() {
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(
        dir.path(),
        &[layer_gz(&[
            E::File("usr/bin/python3.11", b"ELF python"),
            E::Hardlink("usr/bin/python3", "usr/bin/python3.11"),
            E::Hardlink("usr/bin/dangling", "usr/bin/nothing"),
        ])],
    );
    let f = Some_ {
        paths: &["usr/bin/python3"],
        offered: AtomicUsize::new(0),
        max_size: 1 << 20,
    };
    let out = open(dir.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files(&f))
        .expect("files");
    assert_eq!(out.files.get("usr/bin/python3"), Some(&b"ELF python"[..]));
    assert!(!out.files.files.contains_key("usr/bin/python3.11"));
}

#[test]
fn the_layer_cache_reads_a_shared_base_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = base_layer();
    let m1 = write_manifest(
        dir.path(),
        "amd64",
        &[layer_gz(&[E::File("etc/passwd", b"one")])],
    );
    let _ = m1;
    // Two images sharing the base layer (the same blob), each with its own top layer.
    let dir1 = tempfile::tempdir().expect("tmp");
    let dir2 = tempfile::tempdir().expect("tmp");
    oci_dir(
        dir1.path(),
        &[
            Blob {
                data: base.data.clone(),
                media_type: base.media_type,
            },
            layer_gz(&[E::File("top", b"1")]),
        ],
    );
    oci_dir(
        dir2.path(),
        &[
            Blob {
                data: base.data.clone(),
                media_type: base.media_type,
            },
            layer_gz(&[E::File("top", b"2")]),
        ],
    );
    let f = Some_ {
        paths: &["var/lib/dpkg/status", "top"],
        offered: AtomicUsize::new(0),
        max_size: 1 << 20,
    };
    let cache = LayerCache::new("test");
    let a = open(dir1.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files_cached(&f, &cache))
        .expect("a");
    let after_first = f.offered.load(Ordering::Relaxed);
    let b = open(dir2.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files_cached(&f, &cache))
        .expect("b");
    let second = f.offered.load(Ordering::Relaxed) - after_first;
    assert_eq!(second, 1, "only the top layer's one file is offered again");
    assert_eq!(cache.len(), 3);
    assert_eq!(a.files.get("top"), Some(&b"1"[..]));
    assert_eq!(b.files.get("top"), Some(&b"2"[..]));
    assert_eq!(
        a.files.get("var/lib/dpkg/status"),
        b.files.get("var/lib/dpkg/status")
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Options::default();
    let layer = tar(&[
        E::File("var/lib/dpkg/status", STATUS),
        E::File("b", &[7u8; 3000]),
    ]);
    // Truncated and corrupted layers (plain, gzip, zstd), at many cut points.
    for (i, cut) in (0..layer.len()).step_by(97).enumerate() {
        for (j, data) in [
            layer[..cut].to_vec(),
            gzip(&layer)[..cut.min(gzip(&layer).len())].to_vec(),
            {
                let mut d = layer.clone();
                d[cut] ^= 0xff;
                d
            },
        ]
        .into_iter()
        .enumerate()
        {
            let d = dir.path().join(format!("t{i}-{j}"));
            std::fs::create_dir(&d).expect("mkdir");
            oci_dir(
                &d,
                &[Blob {
                    data,
                    media_type: "application/vnd.oci.image.layer.v1.tar",
                }],
            );
            if let Ok(img) = open(d.to_str().expect("utf8"), &opts) {
                let _ = img.files(&KeepAll);
            }
        }
    }
    // Bad documents.
    let cases: &[(&str, &[u8])] = &[
        ("index.json", b"{"),
        ("index.json", b"[]"),
        ("index.json", br#"{"schemaVersion":2,"manifests":[]}"#),
        ("index.json", br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1}]}"#),
        ("index.json", br#"{"schemaVersion":2,"manifests":[{"digest":"nope","size":1}]}"#),
        ("index.json", br#"{"schemaVersion":1}"#),
        ("manifest.json", b"{}"),
        ("manifest.json", b"[]"),
        ("manifest.json", br#"[{"Config":"missing.json","Layers":["../../etc/passwd"]}]"#),
    ];
    for (i, (name, body)) in cases.iter().enumerate() {
        let d = dir.path().join(format!("doc{i}"));
        std::fs::create_dir(&d).expect("mkdir");
        std::fs::write(d.join(name), body).expect("write");
        let r = open(d.to_str().expect("utf8"), &opts).and_then(|i| i.files(&KeepAll));
        let err = r.expect_err(name);
        assert!(!err.to_string().is_empty());
    }
    // Not a tar, empty file, missing path.
    let junk = dir.path().join("junk.tar");
    std::fs::write(
        &junk,
        b"this is not a tar archive at all, just text that goes on",
    )
    .expect("write");
    assert!(open(junk.to_str().expect("utf8"), &opts).is_err());
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").expect("write");
    assert!(open(empty.to_str().expect("utf8"), &opts).is_err());
    let err = open("/nonexistent/image.tar", &opts).expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/image.tar"), "{err}");
    for missing in ["image.tar.gz", "img.tar.zst", "./dir", ""] {
        let err = open(missing, &opts).expect_err(missing);
        assert!(matches!(err, Error::Source { .. }), "{missing}: {err}");
    }
}

#[test]
fn a_layer_without_final_padding_is_read() {
    // umoci 0.4 writes layers whose last file is not padded to a block and that have no
    // end-of-archive blocks.
    let full = tar(&[
        E::File("etc/a", b"first"),
        E::File("var/lib/dpkg/status", STATUS),
    ]);
    let cut = 512 * 3 + STATUS.len();
    let dir = tempfile::tempdir().expect("tmp");
    oci_dir(dir.path(), &[layer_gz_raw(&full[..cut])]);
    let out = open(dir.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files(&KeepAll))
        .expect("files");
    assert_eq!(out.files.get("var/lib/dpkg/status"), Some(STATUS));
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    // Cut inside the data by more than a block: an error.
    let dir = tempfile::tempdir().expect("tmp");
    let long = tar(&[E::File("big", &[1u8; 4000])]);
    oci_dir(dir.path(), &[layer_gz_raw(&long[..512 + 1000])]);
    let r = open(dir.path().to_str().expect("utf8"), &Options::default())
        .and_then(|i| i.files(&KeepAll));
    assert!(r.is_err());
}

fn layer_gz_raw(tar_bytes: &[u8]) -> Blob {
    Blob {
        data: gzip(tar_bytes),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
    }
}

#[test]
fn a_single_tar_reads_as_a_filesystem() {
    let t = tar(&[
        E::File("etc/os-release", b"ID=alpine\n"),
        E::Symlink("bin/sh", "/bin/busybox"),
        E::File("bin/busybox", b"ELF"),
        E::Hardlink("bin/ls", "bin/busybox"),
    ]);
    for data in [t.clone(), gzip(&t), zstd(&t)] {
        let fs = rampart_image::read_tar(&data[..], &KeepAll).expect("tar");
        assert_eq!(fs.get("etc/os-release"), Some(&b"ID=alpine\n"[..]));
        assert_eq!(fs.get("bin/sh"), Some(&b"ELF"[..]));
        assert_eq!(fs.get("bin/ls"), Some(&b"ELF"[..]));
    }
    // Arbitrary bytes: an error or an empty set, never a panic.
    for junk in [
        &b""[..],
        b"\x1f\x8b",
        b"\x28\xb5\x2f\xfd\x00",
        &[0u8; 1024][..],
        &[0xffu8; 700][..],
    ] {
        let _ = rampart_image::read_tar(junk, &KeepAll);
    }
}

#[test]
fn credentials_from_docker_config() {
    use rampart_image::credentials_from_docker_config as creds;
    let cfg = r#"{"auths": {
        "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
        "127.0.0.1:5000": {"auth": "dXNlcjpwYXNzOndvcmQ="},
        "ghcr.io": {"identitytoken": "x"}
    }, "credsStore": "desktop"}"#;
    let hub = creds(cfg, "docker.io").expect("hub");
    assert_eq!(
        (hub.username.as_str(), hub.password.as_str()),
        ("hub", "secret")
    );
    let local = creds(cfg, "127.0.0.1:5000").expect("local");
    // The password may hold colons.
    assert_eq!(
        (local.username.as_str(), local.password.as_str()),
        ("user", "pass:word")
    );
    assert!(creds(cfg, "ghcr.io").is_none());
    assert!(creds(cfg, "quay.io").is_none());
    assert!(creds("not json", "docker.io").is_none());
    assert!(creds(r#"{"auths": {"docker.io": {"auth": "!!"}}}"#, "docker.io").is_none());
    // The Debug output never shows the password.
    assert!(!format!("{local:?}").contains("pass:word"));
}
