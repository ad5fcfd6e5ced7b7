//! `snapguard remediate plan`: findings in (from a live scan, a recorded inventory or a JSON
//! report), a reviewable plan out, with a summary table; `remediate apply` executes it.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use reports::table::new_table;
use std::path::{Path, PathBuf};

use rules::registry::RULES;
use rules::remediation::{OptIn, Plan, PlanFilter};
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
    /// Print the IAM policy the remediation role needs for the `[[consistency]]` entries:
    /// ssm:SendCommand on their documents and on the instances they select, and
    /// ssm:GetCommandInvocation.
    ConsistencyPolicy(ConsistencyPolicyArgs),
}

#[derive(Args)]
pub struct ConsistencyPolicyArgs {
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The partition of the ARNs.
    #[arg(long, default_value = "aws", value_parser = ["aws", "aws-cn", "aws-us-gov"])]
    partition: String,
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
    /// Also change these guardrails, otherwise manual reviews (comma-separated):
    /// ebs-encryption-by-default turns EBS encryption by default on (SG-PROT-010);
    /// governance-snapshot-lock locks unlocked snapshots in governance mode (SG-PROT-011)
    #[arg(
        long,
        value_name = "GUARDRAILS",
        value_delimiter = ',',
        value_parser = PossibleValuesParser::new(OptIn::ALL.map(OptIn::as_str))
            .map(|name| OptIn::from_name(&name).expect("a possible value names an opt-in"))
    )]
    opt_in: Vec<OptIn>,
}

pub fn run(args: RemediateArgs) -> Result<u8, String> {
    match args.command {
        RemediateCommand::Plan(args) => plan(args),
        RemediateCommand::Apply(args) => apply::run(args),
        RemediateCommand::ConsistencyPolicy(args) => consistency_policy(args),
    }
}

/// AWS-owned documents that run whatever commands they are given.
const GENERIC_DOCUMENTS: [&str; 2] = ["AWS-RunShellScript", "AWS-RunPowerShellScript"];

fn consistency_policy(args: ConsistencyPolicyArgs) -> Result<u8, String> {
    let config = config_file::load(args.config.as_deref())?;
    if config.consistency.is_empty() {
        return Err(
            "the config has no [[consistency]] entry, so the remediation role needs no Systems \
             Manager permission; expected at least one entry (docs/remediation.md, \
             \"Application-consistent backups\")"
                .into(),
        );
    }
    let policy = rules::config::consistency::role_policy(&config.consistency, &args.partition);
    // A document that runs whatever its parameters say lets the role run anything as root on
    // the selected instances: worth saying, not refusing (AWS's own guidance uses it).
    let generic: Vec<&str> = config
        .consistency
        .iter()
        .flat_map(|e| [&e.pre, &e.post])
        .flatten()
        .map(|c| c.document.as_str())
        .filter(|d| GENERIC_DOCUMENTS.contains(d))
        .collect();
    if let Some(document) = generic.first() {
        eprintln!(
            "note: {document} runs any command it is given, so this policy lets the \
             remediation role run anything on the instances the entries select; a document of \
             your own that only freezes and thaws (deploy/ssm-documents/) grants less"
        );
    }
    print(&format!(
        "{}\n",
        serde_json::to_string_pretty(&policy).expect("a policy serializes")
    ))?;
    Ok(0)
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
            ..PlanFilter::default()
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
    let mut opt_in = args.opt_in.clone();
    opt_in.sort();
    opt_in.dedup();
    Ok(PlanFilter {
        rules: args.rules.clone(),
        accounts: args.source.live.accounts.clone(),
        opt_in,
    })
}

/// An action's kind for a table, marked when only an opt-in allowed it.
fn kind_label(kind: &str, opt_in: Option<OptIn>) -> String {
    match opt_in {
        Some(_) => format!("{kind} (opt-in)"),
        None => kind.to_owned(),
    }
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
            &kind_label(action.step.kind(), action.step.opt_in()),
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
    let opted_in = plan
        .actions
        .iter()
        .filter(|a| a.step.opt_in().is_some())
        .count();
    let opt_ins: Vec<&str> = plan.scope.opt_in.iter().map(|o| o.as_str()).collect();
    let by_opt_in = match opted_in {
        0 => String::new(),
        n => format!(" ({n} by --opt-in {})", opt_ins.join(",")),
    };
    text.push_str(&format!(
        "{} actions{by_opt_in}, {} findings not planned; wrote {}\n",
        plan.actions.len(),
        plan.not_planned.len(),
        out.display()
    ));
    text
}
