//! `snapguard merge`: combines the JSON reports of `scan --shard K/N` into the report one full
//! run would have made, and renders it like `scan` does.

use clap::Args;
use std::path::PathBuf;

use reports::Report;

use crate::cli::scan::{read_report, ReportArgs};

#[derive(Args)]
pub struct MergeArgs {
    /// The JSON reports of every shard of one scan (`scan --shard K/N --format json`).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn run(args: MergeArgs) -> Result<u8, String> {
    args.report.check_outputs()?;
    let parts = args
        .reports
        .iter()
        .map(|path| Ok((path.display().to_string(), read_report(path)?)))
        .collect::<Result<Vec<_>, String>>()?;
    args.report
        .finish(Report::merge(parts).map_err(|e| e.to_string())?)
}
