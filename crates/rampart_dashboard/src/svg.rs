//! Inline SVG trend charts: open findings per severity over a target's scans.

use std::fmt::Write as _;

use rampart_store::ScanSummary;

use crate::agg::SEVERITIES;
use crate::pages::esc;

/// Line colours per severity (each at least 4.5:1 against white).
pub const COLORS: [&str; 5] = ["#a4001d", "#b34200", "#7a5c00", "#1d5fa0", "#4a4a4a"];

/// A line chart of the open findings per severity over `scans` (oldest first), `w` x `h`
/// pixels, labelled for screen readers by `title`; the numbers are also given as a table by
/// the pages.
pub fn trend(scans: &[ScanSummary], w: u32, h: u32, title: &str, id: &str) -> String {
    let pad_l = 40.0;
    let pad_b = 20.0;
    let pad_t = 8.0;
    let pad_r = 8.0;
    let (wf, hf) = (f64::from(w), f64::from(h));
    let max = scans
        .iter()
        .flat_map(|s| s.by_severity.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = scans.len();
    let x = |i: usize| {
        if n <= 1 {
            pad_l + (wf - pad_l - pad_r) / 2.0
        } else {
            pad_l + (wf - pad_l - pad_r) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| pad_t + (hf - pad_t - pad_b) * (1.0 - v as f64 / max as f64);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t"><title id="{id}-t">{}</title>"#,
        esc(title)
    );
    // Axes and the maximum.
    let _ = write!(
        s,
        r##"<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{:.1}" stroke="#767676"/><line x1="{pad_l}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#767676"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{max}</text><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">0</text>"##,
        hf - pad_b,
        hf - pad_b,
        wf - pad_r,
        hf - pad_b,
        pad_l - 4.0,
        pad_t + 10.0,
        pad_l - 4.0,
        hf - pad_b,
    );
    let _ = write!(
        s,
        r##"<text x="{pad_l}" y="{:.1}" font-size="11" fill="#333">scan 1</text><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">scan {n}</text>"##,
        hf - 4.0,
        wf - pad_r,
        hf - 4.0
    );
    for (k, sev) in SEVERITIES.iter().enumerate() {
        let pts: Vec<String> = scans
            .iter()
            .enumerate()
            .map(|(i, sc)| format!("{:.1},{:.1}", x(i), y(sc.by_severity[k])))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="sev-{sev}" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            COLORS[k],
            pts.join(" ")
        );
        for (i, sc) in scans.iter().enumerate() {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{sev}: {} (scan {})</title></circle>"#,
                x(i),
                y(sc.by_severity[k]),
                COLORS[k],
                sc.by_severity[k],
                sc.id
            );
        }
    }
    s.push_str("</svg>");
    s
}
