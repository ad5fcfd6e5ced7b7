//! snapguard's report formats. Each module turns a [`Report`] into one format; no rule logic
//! lives here.

#![warn(missing_docs)]

pub mod asff;
pub mod compliance;
pub mod csv;
mod gaps;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod sarif;
pub mod table;

mod report;

pub use report::{
    BaselineComparison, BaselineSummary, MergeError, ReadReportError, Report, RuleCount, Scope,
    ShardOf, Summary, SCHEMA_VERSION,
};

use std::path::Path;
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
    /// `ocsf`: OCSF Detection Findings, for Security Lake and SIEMs ([`ocsf`]).
    Ocsf,
    /// `junit`: JUnit XML for CI test reports ([`junit`]).
    Junit,
    /// `markdown`: GitHub-flavoured Markdown for a PR comment or job summary ([`markdown`]).
    Markdown,
    /// `html`: one self-contained page ([`html`]).
    Html,
}

impl Format {
    /// Every format, in the order of [`Format::NAMES`].
    pub const ALL: [Format; 9] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Sarif,
        Format::Asff,
        Format::Ocsf,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];
    /// The names `--format` accepts, indexed by variant.
    pub const NAMES: [&'static str; 9] = [
        "table", "json", "csv", "sarif", "asff", "ocsf", "junit", "markdown", "html",
    ];

    /// The format's `--format` name, e.g. `sarif`.
    pub fn name(self) -> &'static str {
        Format::NAMES[self as usize]
    }

    /// File name endings and the format each one implies, most specific first: a file is
    /// written in the format of the first ending its name has (ASCII case ignored).
    pub const FILE_EXTENSIONS: [(&'static str, Format); 12] = [
        (".asff.json", Format::Asff),
        (".ocsf.json", Format::Ocsf),
        (".sarif.json", Format::Sarif),
        (".json", Format::Json),
        (".csv", Format::Csv),
        (".sarif", Format::Sarif),
        (".xml", Format::Junit),
        (".md", Format::Markdown),
        (".markdown", Format::Markdown),
        (".html", Format::Html),
        (".htm", Format::Html),
        (".txt", Format::Table),
    ];

    /// The format a file's name implies by its ending ([`Format::FILE_EXTENSIONS`]), e.g.
    /// `findings.sarif` is [`Format::Sarif`]; `None` for an ending none of them has.
    pub fn from_file_name(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        Format::FILE_EXTENSIONS
            .into_iter()
            .find(|(ending, _)| name.len() > ending.len() && name.ends_with(ending))
            .map(|(_, format)| format)
    }

    /// The report in this format, as the text to print or write, with the default
    /// [`Details`].
    pub fn render(self, report: &Report) -> String {
        self.render_with(report, Details::default())
    }

    /// The report in this format; the table lists at most `details` findings individually
    /// (the machine formats always hold them all).
    pub fn render_with(self, report: &Report, details: Details) -> String {
        match self {
            Format::Table => table::render_with(report, details),
            Format::Json => json::render(report),
            Format::Csv => csv::render(report),
            Format::Sarif => sarif::render(report),
            Format::Asff => asff::render(report),
            Format::Ocsf => ocsf::render(report),
            Format::Junit => junit::render(report),
            Format::Markdown => markdown::render(report),
            Format::Html => html::render(report),
        }
    }
}

/// How many findings (and accounts, and waived findings) a report for people lists one by
/// one; the summaries above them always count everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// At most this many of each list, most severe first.
    Limit(usize),
    /// Every one.
    All,
}

impl Details {
    /// What a terminal page can show next to the summaries.
    pub const DEFAULT_LIMIT: usize = 25;

    /// How many of `total` to list.
    pub fn take(self, total: usize) -> usize {
        match self {
            Details::Limit(n) => n.min(total),
            Details::All => total,
        }
    }
}

impl Default for Details {
    fn default() -> Self {
        Details::Limit(Details::DEFAULT_LIMIT)
    }
}

impl FromStr for Details {
    type Err = String;
    /// `all`, or a count.
    fn from_str(s: &str) -> Result<Details, String> {
        match s {
            "all" => Ok(Details::All),
            n => n
                .parse()
                .map(Details::Limit)
                .map_err(|_| format!("expected a number of findings to list, or all; found {s:?}")),
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
