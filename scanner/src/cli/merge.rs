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
    /// How far apart the shards' collection times may be (`6h`, `90m`, `1d`): further apart,
    /// they are not one scan, and the merge is refused.
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = parse_skew)]
    max_skew: rules::time::Duration,
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
    let merged = Report::merge(parts, args.max_skew.0).map_err(|e| e.to_string())?;
    args.report.finish(merged)
}

fn parse_skew(text: &str) -> Result<rules::time::Duration, String> {
    rules::time::Duration::parse(text).map_err(|e| e.to_string())
}
