//! SARIF 2.1.0 (placeholder until the full reporter lands).

use crate::Report;

pub fn render(report: &Report) -> String {
    crate::json(report)
}
