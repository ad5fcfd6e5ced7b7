//! `snapguard`: keeps an AWS Organization's EBS snapshots and AMIs safe.

mod cli;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Exit statuses (DESIGN.md): findings at or above --fail-on, bad input, incomplete scan.
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_INPUT_ERROR: u8 = 2;
pub(crate) const EXIT_INCOMPLETE: u8 = 4;

#[derive(Parser)]
#[command(
    name = "snapguard",
    version,
    about = "Keeps an AWS Organization's EBS snapshots and AMIs safe"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan AWS (or a recorded inventory) and report findings.
    Scan(cli::scan::ScanArgs),
    /// Read AWS and write what was read as a recorded inventory, to replay with `scan --inventory`.
    Collect(cli::collect::CollectArgs),
    /// Combine the JSON reports of `scan --shard K/N` into one report.
    Merge(cli::merge::MergeArgs),
    /// List every rule: id, name, family, default severity, whether `remediate` fixes it.
    Rules(cli::rules::RulesArgs),
    /// Check IAM changes: the CI gate for policies, Terraform plans and CloudFormation templates.
    Iam(cli::iam::IamArgs),
    /// Plan the remediations of findings, for review before applying them.
    Remediate(cli::remediate::RemediateArgs),
    /// Send a report's findings to a security pipeline: `publish securityhub REPORT.json`.
    Publish(cli::publish::PublishArgs),
    /// Print a rule's documentation.
    Explain {
        /// A rule id (SG-PROT-001) or name (volume-without-recent-snapshot).
        rule: String,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_INPUT_ERROR } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => cli::scan::run(args),
        Command::Collect(args) => cli::collect::run(args),
        Command::Merge(args) => cli::merge::run(args),
        Command::Iam(args) => cli::iam::run(args),
        Command::Remediate(args) => cli::remediate::run(args),
        Command::Publish(args) => cli::publish::run(args),
        Command::Rules(args) => cli::rules::run(args),
        Command::Explain { rule } => cli::rules::explain(&rule),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_INPUT_ERROR)
        }
    }
}

/// Writes to standard output; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}
