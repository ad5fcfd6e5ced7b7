//! `snapguard publish securityhub REPORT.json [--baseline PREV.json]`: the findings of a JSON
//! report into AWS Security Hub (`snapguard_aws::securityhub`), as `--format asff` writes them;
//! with a baseline, the findings resolved since are imported closed (`PASSED`, `ARCHIVED`).

use clap::{Args, Subcommand};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Role assumed in the accounts other than the caller's; it needs
    /// securityhub:BatchImportFindings and securityhub:BatchUpdateFindings (the read-only scan
    /// role has neither)
    #[arg(long, default_value = DEFAULT_PUBLISHER_ROLE)]
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
    /// Attempts per call, the first included (default: AWS_MAX_ATTEMPTS, else the profile's
    /// max_attempts, else 5)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: Option<u32>,
    /// The outcome as a table or as JSON on standard output
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The role `publish` assumes by default: one of the user's own that may import findings,
/// never the organization's administrator role.
const DEFAULT_PUBLISHER_ROLE: &str = "SnapguardFindingsPublisher";

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub fn run(args: PublishArgs) -> Result<u8, String> {
    let Target::Securityhub(args) = args.target;
    let mut report = read_report(&args.report)?;
    // Findings whose waiver was added or lifted since the baseline: Security Hub keeps a
    // finding's first Workflow and Note, so they are updated on their own.
    let mut waiver_changed = BTreeSet::new();
    if let Some(path) = &args.baseline {
        let baseline = read_report(path)?;
        let waived_then: BTreeMap<&str, bool> = baseline
            .findings
            .iter()
            .map(|f| (f.fingerprint.as_str(), f.is_waived()))
            .collect();
        waiver_changed = report
            .findings
            .iter()
            .filter(|f| {
                waived_then
                    .get(f.fingerprint.as_str())
                    .is_some_and(|then| *then != f.is_waived())
            })
            .map(reports::asff::finding_id)
            .collect();
        report.compare_with(baseline, path.display().to_string());
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
    let outcome = securityhub::publish(&findings, &waiver_changed, &options)?;
    match args.format {
        Format::Table => print(&summary(&outcome, findings.len()))?,
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&outcome).expect("the outcome serializes")
        ))?,
    }
    Ok(if outcome.all_done() { 0 } else { EXIT_FINDINGS })
}

/// How it went; what failed grouped by product and reason, with the first finding of each.
fn summary(outcome: &PublishReport, total: usize) -> String {
    let mut text = format!(
        "imported {} of {total} findings into Security Hub in {} calls\n",
        outcome.imported, outcome.calls
    );
    if outcome.workflow_updated + outcome.workflow_not_updated.len() > 0 {
        text.push_str(&format!(
            "updated the workflow status of {} findings whose waiver changed; {} failed\n",
            outcome.workflow_updated,
            outcome.workflow_not_updated.len()
        ));
    }
    for (failed, what) in [
        (&outcome.not_imported, "not imported"),
        (&outcome.workflow_not_updated, "workflow not updated"),
    ] {
        if failed.is_empty() {
            continue;
        }
        // By product and reason, with the first finding of each; --format json lists each.
        let mut groups: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for n in failed {
            groups
                .entry((n.product_arn.as_str(), n.error.as_str()))
                .or_default()
                .push(&n.id);
        }
        let mut table = new_table(["product", "why", "findings", "first"]);
        for ((product, why), ids) in &groups {
            table.add_row(vec![
                product.to_string(),
                why.to_string(),
                ids.len().to_string(),
                ids[0].to_owned(),
            ]);
        }
        text.push_str(&format!(
            "{} findings {what} (--format json lists each):\n{table}\n",
            failed.len()
        ));
    }
    text
}
