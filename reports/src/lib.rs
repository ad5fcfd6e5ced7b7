//! snapguard's report formats. Each module turns a [`Report`] into one format; no rule logic
//! lives here.

pub mod asff;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

mod report;

pub use report::{
    BaselineComparison, BaselineSummary, Report, RuleCount, Scope, ShardOf, Summary, SCHEMA_VERSION,
};

use std::str::FromStr;

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Sarif,
    Asff,
    Junit,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Sarif,
        Format::Asff,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];
    pub const NAMES: [&'static str; 8] = [
        "table", "json", "csv", "sarif", "asff", "junit", "markdown", "html",
    ];

    pub fn name(self) -> &'static str {
        Format::NAMES[self as usize]
    }

    pub fn render(self, report: &Report) -> String {
        match self {
            Format::Table => table::render(report),
            Format::Json => json::render(report),
            Format::Csv => csv::render(report),
            Format::Sarif => sarif::render(report),
            Format::Asff => asff::render(report),
            Format::Junit => junit::render(report),
            Format::Markdown => markdown::render(report),
            Format::Html => html::render(report),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| format!("expected one of {}; found {s:?}", Format::NAMES.join(", ")))
    }
}
