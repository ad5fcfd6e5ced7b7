//! `snapguard remediate plan`: findings in (from a live scan, a recorded inventory or a JSON
//! report), a reviewable plan out, with a summary table; `remediate apply` executes it.

use clap::{Args, Subcommand};
use reports::table::new_table;
use std::path::{Path, PathBuf};

use rules::registry::RULES;
use rules::remediation::{Plan, PlanFilter};
use rules::time::Timestamp;
use rules::Finding;

use rules::config::file as config_file;

use super::source::SourceArgs;

use crate::print;

mod apply;

#[derive(Args)]
pub struct RemediateArgs {
    #[command(subcommand)]
    command: RemediateCommand,
}

#[derive(Subcommand)]
enum RemediateCommand {
    /// Plan the actions that resolve the findings, for review before `apply`.
    Plan(PlanArgs),
    /// Apply a reviewed plan: take and copy the backups, add the guardrails. Asks first.
    Apply(apply::ApplyArgs),
}

#[derive(Args)]
pub struct PlanArgs {
    /// Where to scan (live AWS by default, or `--inventory DIR`) before planning.
    #[command(flatten)]
    source: SourceArgs,
    /// Plan from a `snapguard scan --format json` report; tag values then come from
    /// `[remediation] tag_defaults` only.
    #[arg(long, value_name = "FILE", conflicts_with = "inventory")]
    findings: Option<PathBuf>,
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where to write the plan (JSON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Only these rules: ids or patterns, comma-separated (SG-PROT-001,SG-RBIN-*).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    rules: Vec<String>,
}

pub fn run(args: RemediateArgs) -> Result<u8, String> {
    match args.command {
        RemediateCommand::Plan(args) => plan(args),
        RemediateCommand::Apply(args) => apply::run(args),
    }
}

fn plan(args: PlanArgs) -> Result<u8, String> {
    let filter = filter(&args)?;
    let config = config_file::load(args.config.as_deref())?;
    let plan = match &args.findings {
        Some(path) => {
            let (findings, collected_at) = read_findings(path)?;
            let mut plan = rules::remediation::plan(&findings, None, &config, &filter);
            plan.created_at = collected_at;
            plan
        }
        None => {
            let (inventory, _) = args.source.load(None)?;
            let findings = rules::evaluate(&inventory, &config).findings;
            rules::remediation::plan(&findings, Some(&inventory), &config, &filter)
        }
    };
    std::fs::write(&args.out, plan.to_json())
        .map_err(|e| format!("{}: cannot write the plan: {e}", args.out.display()))?;
    print(&summary(&plan, &args.out))?;
    Ok(0)
}

/// Checks `--rules` and `--accounts` so a typo is an error, not an empty plan.
fn filter(args: &PlanArgs) -> Result<PlanFilter, String> {
    for pattern in &args.rules {
        let filter = PlanFilter {
            rules: vec![pattern.clone()],
            accounts: Vec::new(),
        };
        if !RULES.iter().any(|r| filter.admits_rule(r.id)) {
            return Err(format!(
                "--rules: {pattern:?} matches no rule; `snapguard rules` lists them"
            ));
        }
    }
    if let Some(bad) = args
        .source
        .live
        .accounts
        .iter()
        .find(|a| !rules::recorded::is_account_id(a))
    {
        return Err(format!(
            "--accounts: expected 12-digit AWS account ids, found {bad:?}"
        ));
    }
    Ok(PlanFilter {
        rules: args.rules.clone(),
        accounts: args.source.live.accounts.clone(),
    })
}

/// The findings of a JSON report, and when its inventory was collected.
fn read_findings(path: &Path) -> Result<(Vec<Finding>, Timestamp), String> {
    let report = super::scan::read_report(path)?;
    let collected_at = Timestamp::parse(&report.collected_at).map_err(|e| {
        format!(
            "{}: collected_at {:?} is not a timestamp: {e}",
            path.display(),
            report.collected_at
        )
    })?;
    Ok((report.findings, collected_at))
}

/// One row per action, then what was not planned.
fn summary(plan: &Plan, out: &Path) -> String {
    let mut table = new_table([
        "action", "kind", "account", "region", "target", "resolves", "calls", "safety",
    ]);
    for action in &plan.actions {
        let resolves = match action.resolves.len() {
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        };
        table.add_row([
            action.id.as_str(),
            action.step.kind(),
            action.account_id.as_str(),
            action.region.as_str(),
            action.target.as_str(),
            resolves.as_str(),
            &action.calls.join(", "),
            action.safety.as_str(),
        ]);
    }
    let mut text = format!("{table}\n");
    for skipped in &plan.not_planned {
        text.push_str(&format!(
            "not planned: {} {} in {}/{}: {}\n",
            skipped.rule_id,
            skipped.resource_id,
            skipped.account_id,
            skipped.region,
            skipped.reason
        ));
    }
    text.push_str(&format!(
        "{} actions, {} findings not planned; wrote {}\n",
        plan.actions.len(),
        plan.not_planned.len(),
        out.display()
    ));
    text
}
