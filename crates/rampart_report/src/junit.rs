//! JUnit XML (placeholder until the full reporter lands).

use crate::Report;

pub fn render(report: &Report) -> String {
    crate::json(report)
}
