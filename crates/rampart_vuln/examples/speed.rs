//! Speed of loading and matching against a full-size ecosystem export.
//!
//! The export is SYNTHETIC: generated here, shaped like OSV's Debian `all.zip` (tens of
//! thousands of DEBIAN-CVE-* records over a few thousand source packages, each with entries
//! for several Debian releases, an ECOSYSTEM range and a versions list, and a paragraph of
//! details). No real advisory data is involved; there is no network access to osv.dev here.
//!
//! `cargo run --release -p rampart_vuln --example speed -- [RECORDS] [QUERIES] [DIR] [reuse]`
//! (defaults: 80000 records, 500 queries, target/vuln-speed; `reuse` skips generating and
//! importing when DIR already holds them, to time opening and matching alone).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rampart_vuln::{Db, Query};

/// A small deterministic generator (no `rand` dependency for an example).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const RELEASES: [(&str, &str); 3] = [("11", "deb11u"), ("12", "deb12u"), ("13", "deb13u")];

fn upstream(rng: &mut Lcg) -> String {
    format!("{}.{}.{}", 1 + rng.below(9), rng.below(40), rng.below(20))
}

fn record(i: usize, pkg: &str, base: &str, rng: &mut Lcg) -> String {
    let mut affected = Vec::new();
    for (rel, tag) in RELEASES {
        if rng.below(4) == 0 {
            continue;
        }
        let fixed_rev = 1 + rng.below(6);
        let fixed = format!("{base}-1+{tag}{fixed_rev}");
        let versions: Vec<String> = (0..fixed_rev)
            .map(|r| format!("\"{base}-1+{tag}{r}\""))
            .collect();
        let events = if rng.below(5) == 0 {
            r#"[{"introduced": "0"}]"#.to_string()
        } else {
            format!(r#"[{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]"#)
        };
        affected.push(format!(
            r#"{{"package": {{"ecosystem": "Debian:{rel}", "name": "{pkg}", "purl": "pkg:deb/debian/{pkg}?arch=source"}},
 "ranges": [{{"type": "ECOSYSTEM", "events": {events}}}],
 "versions": [{}],
 "ecosystem_specific": {{"urgency": "{}"}}}}"#,
            versions.join(", "),
            ["low", "medium", "high", "not yet assigned", "unimportant"][rng.below(5) as usize]
        ));
    }
    if affected.is_empty() {
        affected.push(format!(
            r#"{{"package": {{"ecosystem": "Debian:12", "name": "{pkg}"}}, "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}]}}]}}"#
        ));
    }
    format!(
        r#"{{"schema_version": "1.6.0", "id": "DEBIAN-CVE-2099-{i:06}", "modified": "2099-01-01T00:00:00Z",
 "published": "2098-12-01T00:00:00Z", "upstream": ["CVE-2099-{i:06}"],
 "details": "Synthetic record {i} for {pkg}: a made-up flaw in a made-up component, written only to give the index a realistic amount of text to carry for each record; it describes nothing real.",
 "affected": [{}]}}"#,
        affected.join(",\n")
    )
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let records: usize = args.first().map_or(Ok(80_000), |s| s.parse())?;
    let queries: usize = args.get(1).map_or(Ok(500), |s| s.parse())?;
    let dir = args
        .get(2)
        .map_or_else(|| PathBuf::from("target/vuln-speed"), PathBuf::from);
    let packages = (records / 12).max(1);
    let zip_dir = dir.join("osv-scanner/Debian");
    std::fs::create_dir_all(&zip_dir)?;
    let zip_path = zip_dir.join("all.zip");
    let db_dir = dir.join("db");
    let reuse = args.get(3).is_some_and(|a| a == "reuse") && db_dir.join("index.json").exists();

    let mut rng = Lcg(42);
    let bases: Vec<String> = (0..packages).map(|_| upstream(&mut rng)).collect();
    if !reuse {
        generate_and_import(records, &bases, &mut rng, &zip_path, &db_dir)?;
    }
    open_and_match(queries, &bases, &db_dir)
}

fn generate_and_import(
    records: usize,
    bases: &[String],
    rng: &mut Lcg,
    zip_path: &std::path::Path,
    db_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let packages = bases.len();
    let t = Instant::now();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(zip_path)?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..records {
        let p = rng.below(packages as u64) as usize;
        let text = record(i, &format!("srcpkg{p}"), &bases[p], rng);
        zip.start_file(format!("DEBIAN-CVE-2099-{i:06}.json"), opts)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.finish()?;
    let zip_size = std::fs::metadata(zip_path)?.len();
    println!(
        "generated a SYNTHETIC Debian export: {records} records over {packages} source packages, \
         {:.1} MB zipped ({:.2}s)",
        zip_size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let loaded = rampart_vuln::load_paths(&[zip_path.to_path_buf()])?;
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    Db::write(&loaded.records, db_dir)?;
    let write_s = t.elapsed().as_secs_f64();
    let index_size: u64 = std::fs::read_dir(db_dir)?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "import: parse all.zip {load_s:.2}s ({} records, {} errors), write index {write_s:.2}s ({:.1} MB)",
        loaded.records.len(),
        loaded.errors.len(),
        index_size as f64 / 1e6
    );
    Ok(())
}

fn open_and_match(
    queries: usize,
    bases: &[String],
    db_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let packages = bases.len();
    let t = Instant::now();
    let db = Db::open(db_dir)?;
    let open_s = t.elapsed().as_secs_f64();

    let mut rng = Lcg(7);
    let qs: Vec<Query> = (0..queries)
        .map(|_| {
            let p = rng.below(packages as u64) as usize;
            let v = format!("{}-1+deb12u{}", bases[p], rng.below(7));
            Query {
                ecosystem: "Debian:12".into(),
                name: format!("lib{p}-bin"),
                version: format!("{v}+b1"),
                source: Some((format!("srcpkg{p}"), v)),
            }
        })
        .collect();
    let t = Instant::now();
    let hits: usize = qs.iter().map(|q| db.query(q).len()).sum();
    let match_s = t.elapsed().as_secs_f64();
    println!("open index: {open_s:.3}s");
    println!("match {queries} packages: {match_s:.3}s ({hits} vulnerabilities found)");
    Ok(())
}
