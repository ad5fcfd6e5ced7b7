//! `--format json`: the report document, pretty-printed.

use crate::Report;

/// The report document as pretty-printed JSON, ending in a newline.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serializes");
    text.push('\n');
    text
}
