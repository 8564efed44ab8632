//! Judges one AdmissionReview N times in-process and prints the time per request, to see
//! what a webhook request costs without HTTP or TLS (and to profile it under `perf record`).
//!
//! ```sh
//! cargo run --release -p rampart_admission --example review_bench -- REVIEW.json N [POLICY_PATH]...
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: review_bench REVIEW.json N [POLICY_PATH]...";
    let review = std::fs::read(args.next().ok_or(usage)?)?;
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let policies = args.map(Into::into).collect();
    let t = Instant::now();
    let admission = rampart_admission::Admission::new(rampart_admission::AdmissionOptions {
        policies,
        ..Default::default()
    })?;
    eprintln!(
        "setup {:?}; {} checks and policies per request",
        t.elapsed(),
        admission.checks()
    );
    let d = admission.review(&review)?;
    eprintln!("verdict: {} ({} results)", d.outcome(), d.results.len());
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let d = admission.review(&review)?;
        let body = serde_json::to_vec(&d.response())?;
        std::hint::black_box(body);
        times.push(t.elapsed());
    }
    times.sort();
    let total: std::time::Duration = times.iter().sum();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "{n} reviews: mean {:?}, p50 {:?}, p99 {:?}, max {:?}",
        total / u32::try_from(n.max(1))?,
        pct(50),
        pct(99),
        times.last().copied().unwrap_or_default()
    );
    Ok(())
}
