//! snapguard's report formats. Each module turns a [`Report`] into one format; no rule logic
//! lives here.

#![warn(missing_docs)]

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
    BaselineComparison, BaselineSummary, MergeError, ReadReportError, Report, RuleCount, Scope,
    ShardOf, Summary, SCHEMA_VERSION,
};

use std::str::FromStr;

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `table`: text tables for a person ([`table`]).
    Table,
    /// `json`: the report document, the contract other tools read ([`json`]).
    Json,
    /// `csv`: one row per finding and per place not scanned ([`csv`](mod@csv)).
    Csv,
    /// `sarif`: SARIF 2.1.0 for code-scanning dashboards ([`sarif`]).
    Sarif,
    /// `asff`: AWS Security Hub findings ([`asff`]).
    Asff,
    /// `junit`: JUnit XML for CI test reports ([`junit`]).
    Junit,
    /// `markdown`: GitHub-flavoured Markdown for a PR comment or job summary ([`markdown`]).
    Markdown,
    /// `html`: one self-contained page ([`html`]).
    Html,
}

impl Format {
    /// Every format, in the order of [`Format::NAMES`].
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
    /// The names `--format` accepts, indexed by variant.
    pub const NAMES: [&'static str; 8] = [
        "table", "json", "csv", "sarif", "asff", "junit", "markdown", "html",
    ];

    /// The format's `--format` name, e.g. `sarif`.
    pub fn name(self) -> &'static str {
        Format::NAMES[self as usize]
    }

    /// The report in this format, as the text to print or write.
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

/// A `--format` name that is none of [`Format::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected one of {}; found {found:?}", Format::NAMES.join(", "))]
pub struct ParseFormatError {
    /// The name given.
    pub found: String,
}

impl FromStr for Format {
    type Err = ParseFormatError;
    /// The format named `s` (exactly, e.g. `sarif`); [`ParseFormatError`] for any other text.
    fn from_str(s: &str) -> Result<Format, ParseFormatError> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| ParseFormatError {
                found: s.to_owned(),
            })
    }
}
