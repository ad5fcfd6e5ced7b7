//! `snapguard scan`: inventory in, report out.

use clap::Args;
use std::path::PathBuf;

use reports::{Format, Report};
use rules::Severity;

use snapguard::{config_file, sources};

use crate::{print, EXIT_FINDINGS, EXIT_INCOMPLETE};

#[derive(Args)]
pub struct ScanArgs {
    /// Read a recorded inventory (a directory of AWS CLI outputs) instead of AWS.
    #[arg(long, value_name = "DIR")]
    inventory: Option<PathBuf>,
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Format of the report on standard output (or in `--output FILE` without a format).
    #[arg(long, default_value = "table", value_parser = parse_format)]
    format: Format,
    /// Write a report to a file instead of standard output: `FILE` in `--format`, or
    /// `FORMAT=FILE`. Repeat for several formats in one run (`--output json=findings.json
    /// --output sarif=findings.sarif`).
    #[arg(long, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    output: Vec<Output>,
    /// Exit 1 when an unwaived finding is at or above this severity (critical, high, medium,
    /// low, info), or never with `none`.
    #[arg(long, default_value = "low", value_parser = parse_fail_on, value_name = "SEVERITY")]
    fail_on: FailOn,
}

/// `--fail-on`: a severity threshold, or `none` to never fail on findings.
#[derive(Clone, Copy)]
pub struct FailOn(Option<Severity>);

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// One `--output`: a file and, when given, its format.
#[derive(Clone)]
pub struct Output {
    format: Option<Format>,
    path: PathBuf,
}

fn parse_output(s: &str) -> Result<Output, String> {
    match s.split_once('=') {
        Some((format, path)) if Format::NAMES.contains(&format) => Ok(Output {
            format: Some(format.parse()?),
            path: PathBuf::from(path),
        }),
        _ => Ok(Output {
            format: None,
            path: PathBuf::from(s),
        }),
    }
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "none" {
        Ok(FailOn(None))
    } else {
        s.parse().map(|severity| FailOn(Some(severity)))
    }
}

pub fn run(args: ScanArgs) -> Result<u8, String> {
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
    if args.output.is_empty() {
        print(&args.format.render(&report))?;
    }
    for output in &args.output {
        let text = output.format.unwrap_or(args.format).render(&report);
        std::fs::write(&output.path, text)
            .map_err(|e| format!("{}: cannot write the report: {e}", output.path.display()))?;
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
