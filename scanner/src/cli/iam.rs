//! `snapguard iam check`: the CI gate for IAM changes. Reads policy documents, authorization
//! details, Terraform plans and CloudFormation templates, and fails when they grant a protected
//! action (or, with `--base`, when the change grants more than before).

mod render;
mod sarif;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};

use iam::check as evaluation;
use iam::{OrgMembership, RequestContext, Verdict};
use rules::config::file as config_file;
use rules::Config;

use crate::{print, EXIT_FINDINGS, EXIT_INPUT_ERROR};

#[derive(Args)]
pub struct IamArgs {
    #[command(subcommand)]
    command: IamCommand,
}

#[derive(Subcommand)]
enum IamCommand {
    /// Check IAM policies, authorization details, Terraform plans or CloudFormation templates
    /// for grants of the protected actions; with --base, check only what the change makes worse.
    Check(CheckArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// Policy JSON, `aws iam get-account-authorization-details` output, `terraform show -json`
    /// output, or CloudFormation templates (JSON or YAML); detected by content.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The same files before the change; report only regressions and fixes. Each PATH is
    /// compared with the base file at the same path relative to the base files' common folder
    /// (see docs/iam-check.md); a PATH without one is new. Give it after the PATHs, or repeat
    /// it per file, or end its list with `--`.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    base: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a protected action is granted at or above this verdict (with --base: when a
    /// regression reaches it): allowed, allowed_restricted_resource, allowed_conditional, or none.
    #[arg(long, default_value = "allowed_restricted_resource", value_parser = parse_fail_on, value_name = "VERDICT")]
    fail_on: FailOn,
    /// A service control policy to check as a guardrail, at a level of the organization
    /// (LEVEL names it: root, an OU, an account; root when left out). Repeat it for the SCPs of
    /// each level: a level whose SCPs allow nothing is read beside FullAWSAccess; one with
    /// Allow statements but none for everything is an allow-list. The report says which.
    #[arg(long, value_name = "[LEVEL=]FILE")]
    scp: Vec<String>,
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Table,
    Json,
    Sarif,
}

/// `--fail-on`: the least permissive verdict that fails the check; `None` never fails.
#[derive(Clone, Copy)]
struct FailOn(Option<Verdict>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    let threshold = match s {
        "none" => None,
        "allowed" => Some(Verdict::Allowed),
        "allowed_restricted_resource" => Some(Verdict::AllowedRestrictedResource),
        "allowed_conditional" => Some(Verdict::AllowedConditional),
        other => {
            return Err(format!(
                "{other:?} is not a verdict; expected allowed, allowed_restricted_resource, \
                 allowed_conditional or none"
            ))
        }
    };
    Ok(FailOn(threshold))
}

pub fn run(args: IamArgs) -> Result<u8, String> {
    match args.command {
        IamCommand::Check(args) => check(args),
    }
}

/// What `iam check` knows of the requests: the time it runs, and the Regions and organization
/// the config states.
fn request_context(config: &Config) -> RequestContext {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    RequestContext {
        regions: config.iam.regions.clone(),
        now,
        organization: match &config.iam.organization_id {
            Some(id) => OrgMembership::Member(id.clone()),
            None => OrgMembership::Unknown,
        },
        tag_keys: None,
    }
}

fn check(args: CheckArgs) -> Result<u8, String> {
    let config = config_file::load(args.config.as_deref())?;
    let actions = config.protected_actions();
    let exempt = &config.iam.exempt_principals;
    let context = request_context(&config);
    let scps: Vec<evaluation::ScpFile> = args
        .scp
        .iter()
        .map(|s| evaluation::ScpFile::parse(s))
        .collect();
    let evaluated = evaluation::check(&args.paths, &args.base, &actions, exempt, &context, &scps);
    let outcome = evaluated.outcome(args.fail_on.0);
    let text = match args.format {
        CheckFormat::Table => render::table(&outcome),
        CheckFormat::Json => render::json(&outcome),
        CheckFormat::Sarif => sarif::render(&outcome),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))?,
        None => print(&text)?,
    }
    for error in outcome.errors {
        eprintln!("error: {error}");
    }
    Ok(if !outcome.errors.is_empty() {
        EXIT_INPUT_ERROR
    } else if outcome.failing {
        EXIT_FINDINGS
    } else {
        0
    })
}
