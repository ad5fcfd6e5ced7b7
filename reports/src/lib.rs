//! snapguard's report formats. Each module turns a [`Report`] into one format; no rule logic
//! lives here.

pub mod csv;
pub mod json;
pub mod table;

mod report;

pub use report::{Report, RuleCount, Scope, Summary, SCHEMA_VERSION};

use std::str::FromStr;

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    pub const NAMES: [&'static str; 3] = ["table", "json", "csv"];

    pub fn render(self, report: &Report) -> String {
        match self {
            Format::Table => table::render(report),
            Format::Json => json::render(report),
            Format::Csv => csv::render(report),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "expected one of {}; found {s:?}",
                Format::NAMES.join(", ")
            )),
        }
    }
}
