//! `snapguard remediate apply plan.json`: the executor behind a confirmation, a summary table
//! of every action's outcome, and the exit status (0 all done, 1 any failed, 2 bad input).

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use reports::table::new_table;
use rules::remediation::{Plan, Step};
use snapguard_aws::remediate::{self, ApplyOptions, ApplyReport, DEFAULT_ARCHIVE_ROLE_NAME};

use crate::print;

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The plan written by `snapguard remediate plan`.
    plan: PathBuf,
    /// Apply without asking.
    #[arg(long)]
    yes: bool,
    /// Send every EC2 call with DryRun and report which would fail; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Role assumed in the plan's accounts other than the caller's
    #[arg(long, default_value = snapguard_aws::DEFAULT_ROLE_NAME)]
    role_name: String,
    /// External id passed to sts:AssumeRole for --role-name
    #[arg(long)]
    external_id: Option<String>,
    /// Role assumed in the archive account for cross-account copies
    #[arg(long, default_value = DEFAULT_ARCHIVE_ROLE_NAME)]
    archive_role_name: String,
    /// Named profile from the shared AWS config files
    #[arg(long)]
    profile: Option<String>,
    /// One endpoint for every service (an emulator); AWS_ENDPOINT_URL works as well
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Actions in flight at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// How long a copy waits for its source snapshot to complete, in seconds
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    wait_timeout: u64,
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

pub fn run(args: ApplyArgs) -> Result<u8, String> {
    let text = std::fs::read_to_string(&args.plan)
        .map_err(|e| format!("{}: cannot read the plan: {e}", args.plan.display()))?;
    let plan = Plan::from_json(&text).map_err(|e| format!("{} {e}", args.plan.display()))?;
    let acting: Vec<_> = plan
        .actions
        .iter()
        .filter(|a| !matches!(a.step, Step::ManualReview(_)))
        .collect();
    let accounts: BTreeSet<&str> = acting.iter().map(|a| a.account_id.as_str()).collect();
    if !acting.is_empty() && !args.yes && !args.dry_run {
        let question = format!(
            "Apply {} actions to {} accounts? [y/N] ",
            acting.len(),
            accounts.len()
        );
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "refusing to apply {} actions to {} accounts without confirmation: standard \
                 input is not a terminal. Review {} and pass --yes to apply it, or --dry-run to \
                 check it",
                acting.len(),
                accounts.len(),
                args.plan.display()
            ));
        }
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("not applied: nothing was changed");
            return Ok(0);
        }
    }
    let options = ApplyOptions {
        profile: args.profile,
        endpoint_url: args.endpoint_url,
        role_name: args.role_name,
        external_id: args.external_id,
        archive_role_name: args.archive_role_name,
        concurrency: usize::from(args.concurrency),
        waiter_timeout: Duration::from_secs(args.wait_timeout.max(1)),
        operation_timeout: Duration::from_secs(args.timeout_seconds.max(1)),
        max_attempts: args.max_attempts,
        dry_run: args.dry_run,
        journal: (!args.dry_run).then(|| remediate::journal::path_for(&args.plan)),
        // Drills and tests: stop dead after N mutating calls, as if killed.
        interrupt_after_calls: std::env::var("SNAPGUARD_APPLY_INTERRUPT_AFTER")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let report = remediate::apply(&plan, &options);
    match args.format {
        Format::Json => {
            let mut text =
                serde_json::to_string_pretty(&report).expect("a report always serializes");
            text.push('\n');
            print(&text)?;
        }
        Format::Table => print(&summary(&plan, &report, options.journal.as_deref()))?,
    }
    Ok(if report.all_ok() { 0 } else { 1 })
}

/// The reviews to read, then one row per action, then the counts.
fn summary(plan: &Plan, report: &ApplyReport, journal: Option<&std::path::Path>) -> String {
    let mut text = String::new();
    for action in &plan.actions {
        let Step::ManualReview(review) = &action.step else {
            continue;
        };
        text.push_str(&format!(
            "manual review {} ({}/{}, {}):\n",
            action.id, action.account_id, action.region, action.target
        ));
        for item in &review.items {
            text.push_str(&format!("  - {item}\n"));
        }
        if let Some(document) = &review.document {
            let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
            for line in pretty.lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
    }
    // Long failure reasons wrap instead of widening every row.
    let mut table = new_table([
        "action",
        "kind",
        "account",
        "region",
        "target",
        "outcome",
        "resources",
    ]);
    for a in &report.actions {
        let mut outcome = a.outcome.to_string();
        if let Some(detail) = &a.detail {
            outcome.push_str(&format!(" ({detail})"));
        }
        table.add_row([
            a.id.as_str(),
            &super::kind_label(&a.kind, a.opt_in),
            a.account_id.as_str(),
            a.region.as_str(),
            a.target.as_str(),
            outcome.as_str(),
            &a.resources.join(", "),
        ]);
    }
    text.push_str(&format!("{table}\n"));
    let counts: Vec<String> = report
        .counts()
        .iter()
        .map(|(status, n)| format!("{n} {}", status.replace('_', " ")))
        .collect();
    text.push_str(&format!(
        "{}{}: {}\n",
        if report.dry_run { "dry run, " } else { "" },
        match report.actions.len() {
            1 => "1 action".to_owned(),
            n => format!("{n} actions"),
        },
        counts.join(", ")
    ));
    if report.interrupted {
        text.push_str("interrupted: run the same command again to finish\n");
    }
    if let Some(journal) = journal {
        text.push_str(&format!("journal: {}\n", journal.display()));
    }
    text
}
