//! `snapguard publish securityhub REPORT.json [--baseline PREV.json]`: the findings of a JSON
//! report into AWS Security Hub (`snapguard_aws::securityhub`), as `--format asff` writes them;
//! with a baseline, the findings resolved since are imported closed (`PASSED`, `ARCHIVED`).

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

use reports::table::new_table;
use snapguard_aws::securityhub::{self, PublishOptions, PublishReport};

use super::scan::read_report;
use crate::{print, EXIT_FINDINGS};

#[derive(Args)]
pub struct PublishArgs {
    #[command(subcommand)]
    target: Target,
}

#[derive(Subcommand)]
enum Target {
    /// Import the findings into AWS Security Hub, each into the account and region of its
    /// ProductArn (BatchImportFindings, at most 100 a call); exit 1 when any was not imported.
    Securityhub(SecurityHubArgs),
}

#[derive(Args)]
struct SecurityHubArgs {
    /// A `snapguard scan --format json` (or `merge`) report.
    report: PathBuf,
    /// Last night's JSON report: the findings resolved since (in places scanned again) are
    /// imported with Compliance PASSED and RecordState ARCHIVED, and the not-scanned findings
    /// of places read again archived, so Security Hub closes them.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Role assumed in the accounts other than the caller's
    #[arg(long, default_value = snapguard_aws::DEFAULT_ROLE_NAME)]
    role_name: String,
    /// External id passed to sts:AssumeRole for --role-name
    #[arg(long)]
    external_id: Option<String>,
    /// Named profile from the shared AWS config files
    #[arg(long)]
    profile: Option<String>,
    /// One endpoint for every service (an emulator); AWS_ENDPOINT_URL works as well
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Timeout per API operation, retries included, in seconds
    #[arg(long = "timeout", default_value_t = 60, value_name = "SECONDS")]
    timeout_seconds: u64,
    /// Attempts per call, the first included (throttled and failed calls are retried)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// The outcome as a table or as JSON on standard output
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub fn run(args: PublishArgs) -> Result<u8, String> {
    let Target::Securityhub(args) = args.target;
    let mut report = read_report(&args.report)?;
    if let Some(path) = &args.baseline {
        report.compare_with(read_report(path)?, path.display().to_string());
    }
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&reports::asff::render(&report)).expect("ASFF is JSON");
    let options = PublishOptions {
        profile: args.profile,
        endpoint_url: args.endpoint_url,
        role_name: args.role_name,
        external_id: args.external_id,
        operation_timeout: Duration::from_secs(args.timeout_seconds),
        max_attempts: args.max_attempts,
    };
    let outcome = securityhub::publish(&findings, &options)?;
    match args.format {
        Format::Table => print(&summary(&outcome, findings.len()))?,
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&outcome).expect("the outcome serializes")
        ))?,
    }
    Ok(if outcome.not_imported.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}

fn summary(outcome: &PublishReport, total: usize) -> String {
    let mut text = format!(
        "imported {} of {total} findings into Security Hub in {} calls\n",
        outcome.imported, outcome.calls
    );
    if !outcome.not_imported.is_empty() {
        let mut table = new_table(["finding", "product", "why not imported"]);
        for n in &outcome.not_imported {
            table.add_row(vec![
                n.id.as_str(),
                n.product_arn.as_str(),
                n.error.as_str(),
            ]);
        }
        text.push_str(&format!(
            "{} findings were not imported:\n{table}\n",
            outcome.not_imported.len()
        ));
    }
    text
}
