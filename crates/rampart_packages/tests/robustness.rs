//! Fuzz-style robustness: every parser, fed truncated, bit-flipped and garbage versions of real
//! inputs, returns packages or errors and never panics. (Deterministic: a fixed-seed generator,
//! so a failure reproduces.)

use std::io::Write;
use std::path::Path;

use rampart_packages::{detect, scan_dir, FileFilter, FileSet, KeepAll, PackageFilter};

/// The detector paths each input is tried under.
const PATHS: &[&str] = &[
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/pkg",
    "lib/apk/db/installed",
    "var/lib/rpm/Packages",
    "var/lib/rpm/rpmdb.sqlite",
    "app/Cargo.lock",
    "app/package-lock.json",
    "app/yarn.lock",
    "app/node_modules/x/package.json",
    "site/x-1.0.dist-info/METADATA",
    "site/x-1.0.egg-info/PKG-INFO",
    "app/requirements.txt",
    "app/poetry.lock",
    "opt/app.jar",
    "usr/bin/tool",
    "etc/os-release",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<Vec<u8>> = Vec::new();
    for tree in ["debian", "alpine", "rpm-bdb"] {
        let set = scan_dir(&root.join(tree), &KeepAll).expect("scan");
        out.extend(set.files.into_values());
    }
    // A JAR, Go build info, cargo-auditable data, an ELF header, an rpm header blob.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file(
        "META-INF/maven/g/a/pom.properties",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("entry");
    w.write_all(b"groupId=g\nartifactId=a\nversion=1\n")
        .expect("write");
    out.push(w.finish().expect("zip").into_inner());
    let mut go = b"\xff Go buildinf:\x08\x02".to_vec();
    go.resize(32, 0);
    go.push(8);
    go.extend_from_slice(b"go1.22.1");
    let modinfo =
        b"0123456789abcdefpath\tx\nmod\tx\t(devel)\t\ndep\ty\tv1.0.0\th1:abc\n0123456789abcdef";
    go.push(modinfo.len() as u8);
    go.extend_from_slice(modinfo);
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(4096, 0);
    elf.extend_from_slice(&go);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(br#"{"packages":[{"name":"a","version":"1.0.0","source":"crates.io"}]}"#)
        .expect("z");
    elf.extend_from_slice(&z.finish().expect("z"));
    out.push(elf);
    out.push(b"\0\0\0\x01\0\0\0\x04\0\0\x03\xe8\0\0\0\x06\0\0\0\0\0\0\0\x01abc\0".to_vec());
    out
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    match rng.below(5) {
        0 => v.truncate(rng.below(v.len() + 1)),
        1 => {
            for _ in 0..=rng.below(8) {
                if !v.is_empty() {
                    let i = rng.below(v.len());
                    v[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let at = rng.below(v.len() + 1);
            let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            v.splice(at..at, junk);
        }
        3 => {
            if !v.is_empty() {
                let a = rng.below(v.len());
                let b = a + rng.below(v.len() - a);
                v.drain(a..b);
            }
        }
        _ => v = (0..rng.below(512)).map(|_| rng.next() as u8).collect(),
    }
    v
}

fn run(path: &str, bytes: &[u8]) {
    let mut set = FileSet::default();
    set.files.insert(path.to_string(), bytes.to_vec());
    let _ = detect(&set);
    // Through the filter, as an image reader would stream it.
    let meta = rampart_packages::EntryMeta {
        path,
        size: bytes.len() as u64,
        mode: 0o755,
    };
    if PackageFilter.wants(&meta) {
        if let Ok(Some(kept)) = PackageFilter.keep(&meta, &mut &bytes[..]) {
            let mut set = FileSet::default();
            set.files.insert(path.to_string(), kept);
            let _ = detect(&set);
        }
    }
}

#[test]
fn truncated_and_garbage_inputs_never_panic() {
    let seeds = seeds();
    // Every prefix of every seed (cut at a stride), under every detector path.
    for seed in &seeds {
        let stride = (seed.len() / 64).max(1);
        for cut in (0..=seed.len()).step_by(stride) {
            for path in PATHS {
                run(path, &seed[..cut]);
            }
        }
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for _ in 0..3000 {
        let seed = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed);
        let path = PATHS[rng.below(PATHS.len())];
        run(path, &input);
    }
}
