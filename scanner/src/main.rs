//! `snapguard`: keeps an AWS Organization's EBS snapshots and AMIs safe.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use reports::{Format, Report};
use rules::registry::{self, RULES};
use rules::Severity;
use snapguard::{config_file, sources};

/// Exit statuses (DESIGN.md): findings at or above --fail-on, bad input, incomplete scan.
const EXIT_FINDINGS: u8 = 1;
const EXIT_INPUT_ERROR: u8 = 2;
const EXIT_INCOMPLETE: u8 = 4;

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
    /// Scan an inventory and report findings.
    Scan(ScanArgs),
    /// List every rule: id, name, family, default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// A rule id (SG-PROT-001) or name (volume-without-recent-snapshot).
        rule: String,
    },
}

#[derive(Args)]
struct ScanArgs {
    /// Read a recorded inventory (a directory of AWS CLI outputs) instead of AWS.
    #[arg(long, value_name = "DIR")]
    inventory: Option<PathBuf>,
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Output format: table, json or csv.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when an unwaived finding is at or above this severity (critical, high, medium,
    /// low, info), or never with `none`.
    #[arg(long, default_value = "low", value_parser = parse_fail_on, value_name = "SEVERITY")]
    fail_on: FailOn,
}

/// `--fail-on`: a severity threshold, or `none` to never fail on findings.
#[derive(Clone, Copy)]
struct FailOn(Option<Severity>);

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "none" {
        Ok(FailOn(None))
    } else {
        s.parse().map(|severity| FailOn(Some(severity)))
    }
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
        Command::Scan(args) => scan(args),
        Command::Rules => print(&rules_table()).map(|_| 0),
        Command::Explain { rule } => explain(&rule),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_INPUT_ERROR)
        }
    }
}

fn scan(args: ScanArgs) -> Result<u8, String> {
    let config = config_file::load(args.config.as_deref())?;
    let Some(dir) = args.inventory else {
        return Err(
            "live scanning of AWS accounts is not available in this build yet; \
                    scan a recorded inventory with --inventory DIR"
                .into(),
        );
    };
    let inventory = sources::recorded::load(&dir).map_err(|errors| {
        let shown: Vec<String> = errors.iter().take(20).map(|e| e.to_string()).collect();
        let more = errors.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!("\n... and {more} more")
        } else {
            String::new()
        };
        format!(
            "the recorded inventory has errors:\n{}{tail}",
            shown.join("\n")
        )
    })?;
    let evaluation = rules::evaluate(&inventory, &config);
    let report = Report::new(
        &inventory,
        evaluation,
        format!("recorded:{}", dir.display()),
    );
    let text = args.format.render(&report);
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))?,
        None => print(&text)?,
    }
    Ok(exit_status(&report, args.fail_on))
}

/// 0, or 1 for findings at or above `fail_on`, plus 4 when the scan was incomplete.
fn exit_status(report: &Report, fail_on: FailOn) -> u8 {
    let failing = fail_on.0.is_some_and(|threshold| {
        report
            .findings
            .iter()
            .any(|f| !f.is_waived() && f.severity >= threshold)
    });
    let mut code = if failing { EXIT_FINDINGS } else { 0 };
    if !report.complete {
        code += EXIT_INCOMPLETE;
    }
    code
}

fn rules_table() -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["id", "name", "family", "severity", "fires when"]);
    for r in RULES {
        table.add_row([
            r.id,
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            r.summary,
        ]);
    }
    format!("{table}\n")
}

fn explain(id: &str) -> Result<u8, String> {
    let rule = registry::rule(id).ok_or_else(|| {
        format!("no rule has the id or name {id:?}; `snapguard rules` lists them")
    })?;
    let text = format!(
        "# {} {}\n\nFamily: {}. Default severity: {}.\n\n{}",
        rule.id,
        rule.name,
        rule.family.title(),
        rule.severity,
        rule.doc()
    );
    print(&text)?;
    Ok(0)
}

/// Writes to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}
