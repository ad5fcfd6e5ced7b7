//! `snapguard iam check`: the CI gate for IAM changes. Reads policy documents, authorization
//! details, Terraform plans and CloudFormation templates, and fails when they grant a protected
//! action (or, with `--base`, when the change grants more than before).

mod evaluation;
mod render;
mod sarif;

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use rules::iam::Verdict;
use snapguard::config_file;
use snapguard::iam_inputs::{self, InputError, InputFile};

use crate::{print, EXIT_FINDINGS, EXIT_INPUT_ERROR};
use evaluation::Subject;

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
    /// The same files before the change, matched to PATH by file name; report only regressions
    /// and fixes. Give it after the PATHs, or repeat it per file.
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

/// What `check` found, for the renderers.
pub struct Outcome<'s> {
    pub threshold: Option<Verdict>,
    pub files: &'s [InputFile],
    pub errors: &'s [InputError],
    /// Without `--base`: every subject of the inputs.
    pub subjects: &'s [Subject],
    /// With `--base`: what the change made worse or better.
    pub changes: Option<Vec<evaluation::Change<'s>>>,
    pub failing: bool,
}

fn check(args: CheckArgs) -> Result<u8, String> {
    let config = config_file::load(args.config.as_deref())?;
    let actions = config.protected_actions();
    let exempt = &config.iam.exempt_principals;
    let (head_files, mut errors) = load_all(&args.paths);
    let (base_files, base_errors) = load_all(&args.base);
    errors.extend(base_errors);
    let head = evaluation::evaluate(&head_files, &actions, exempt);
    let base = evaluation::evaluate(&base_files, &actions, exempt);
    let threshold = args.fail_on.0;
    let changes = (!args.base.is_empty()).then(|| evaluation::compare(&base, &head));
    let failing = match &changes {
        Some(changes) => changes.iter().any(|c| c.fails(threshold)),
        None => head
            .iter()
            .any(|s| s.verdicts.iter().any(|v| s.grants(v.verdict, threshold))),
    };
    let outcome = Outcome {
        threshold,
        files: &head_files,
        errors: &errors,
        subjects: &head,
        changes,
        failing,
    };
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
    for error in &errors {
        eprintln!("error: {error}");
    }
    Ok(if !errors.is_empty() {
        EXIT_INPUT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Reads every file; a bad file is an error of its own and does not stop the others.
fn load_all(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match iam_inputs::load(path) {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    (files, errors)
}
