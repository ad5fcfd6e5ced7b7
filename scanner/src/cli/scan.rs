//! `snapguard scan`: inventory in, report out. Also the report options `merge` shares: formats,
//! output files, `--fail-on` and the night-over-night `--baseline`.

use clap::Args;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reports::{Details, Format, Report, ShardOf};
use rules::finding::BaselineStatus;
use rules::{Config, Evaluation, Inventory, Severity};

use rules::config::file as config_file;

use super::source::SourceArgs;
use crate::{print, EXIT_FINDINGS, EXIT_INCOMPLETE};

#[derive(Args)]
pub struct ScanArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The config file [default: ./snapguard.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Scan shard K of N (K from 0): the accounts whose id hashes to K. `auto/N` takes K from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch
    /// array job). Combine the shards' JSON reports with `snapguard merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<ShardOf>,
    #[command(flatten)]
    report: ReportArgs,
}

/// How a report is rendered, compared and turned into an exit status (`scan` and `merge`).
#[derive(Args)]
pub struct ReportArgs {
    /// Format of the report on standard output [default: table], and of each `--output FILE`
    /// given without a format.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Write a report to a file instead of standard output: `FORMAT=FILE`, or `FILE` in
    /// `--format` when given, else in the format its name implies (`.json`, `.sarif`, `.csv`,
    /// `.xml` for junit, `.md`, `.html`, `.txt` for table, `.asff.json`, `.ocsf.json`). Repeat
    /// for several formats in one run (`--output findings.json --output findings.sarif`). Each
    /// file once. A one-line summary goes to standard error.
    #[arg(long, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    output: Vec<Output>,
    /// Exit 1 when an unwaived finding is at or above this severity (critical, high, medium,
    /// low, info), or never with `none`.
    #[arg(long, default_value = "low", value_parser = parse_fail_on, value_name = "SEVERITY")]
    fail_on: FailOn,
    /// A former JSON report: mark each finding new or unchanged and list what was resolved.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --baseline: --fail-on counts only new findings.
    #[arg(long, requires = "baseline")]
    fail_on_new: bool,
    /// How many findings (and accounts, waived findings) the table lists one by one, most
    /// severe first, or `all`; the summaries count everything and the machine formats hold
    /// every finding.
    #[arg(long, default_value = "25", value_name = "N|all", value_parser = parse_details)]
    details: Details,
}

fn parse_details(s: &str) -> Result<Details, String> {
    s.parse()
}

/// `--fail-on`: a severity threshold, or `none` to never fail on findings.
#[derive(Clone, Copy)]
pub struct FailOn(Option<Severity>);

fn parse_format(s: &str) -> Result<Format, reports::ParseFormatError> {
    s.parse()
}

/// One `--output`: a file and, when given as `FORMAT=FILE`, its format.
#[derive(Clone)]
pub struct Output {
    format: Option<Format>,
    path: PathBuf,
}

/// `FORMAT=FILE` or `FILE`. Text before the first `=` that names no format is an error when it
/// could only be meant as one (no `/` in it), rather than part of a file name: `xml=foo.xml`
/// would otherwise write a file named `xml=foo.xml`.
fn parse_output(s: &str) -> Result<Output, String> {
    match s.split_once('=') {
        Some((prefix, path)) if !prefix.contains('/') => {
            let format = prefix.parse().map_err(|e: reports::ParseFormatError| {
                let hint = Format::from_file_name(Path::new(&format!("file.{prefix}")))
                    .map(|f| format!("; .{prefix} files are written as {}={path}", f.name()))
                    .unwrap_or_default();
                format!(
                    "{prefix:?} before \"=\" is no report format: {e}{hint} (a file whose name \
                     has \"=\" is written as ./{s})"
                )
            })?;
            if path.is_empty() {
                return Err(format!("{s:?} names no file after \"=\""));
            }
            Ok(Output {
                format: Some(format),
                path: PathBuf::from(path),
            })
        }
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
        s.parse()
            .map(|severity| FailOn(Some(severity)))
            .map_err(|e: rules::finding::SeverityError| e.to_string())
    }
}

/// The job systems' array index variables that `--shard auto/N` reads, in this order.
const SHARD_INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];

fn parse_shard(s: &str) -> Result<ShardOf, String> {
    let expected = "expected K/N with 0 <= K < N (or auto/N)";
    let (index, count) = s
        .split_once('/')
        .ok_or_else(|| format!("{expected}; found {s:?}"))?;
    let count: u32 = count
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{expected}; N must be a positive whole number, found {s:?}"))?;
    let index = if index == "auto" {
        let (variable, value) = SHARD_INDEX_VARIABLES
            .iter()
            .find_map(|v| Some((v, std::env::var(v).ok()?)))
            .ok_or_else(|| {
                format!(
                    "--shard auto/{count} takes K from {}, and neither is set; run it as an \
                     indexed job or give K",
                    SHARD_INDEX_VARIABLES.join(" or ")
                )
            })?;
        value.trim().parse().map_err(|_| {
            format!("--shard auto/{count}: {variable} is {value:?}, not a whole number")
        })?
    } else {
        index
            .parse()
            .map_err(|_| format!("{expected}; K must be a whole number, found {s:?}"))?
    };
    if index >= count {
        return Err(format!(
            "{expected}; shard {index} of {count} does not exist"
        ));
    }
    Ok(ShardOf { index, count })
}

/// Whether an account belongs to a shard: a hash of its id alone, so membership does not
/// depend on the order or length of the account list, and shards are balanced.
fn shard_owns(shard: ShardOf, account_id: &str) -> bool {
    rules::shard::owns(shard.index, shard.count, account_id)
}

pub fn run(args: ScanArgs) -> Result<u8, String> {
    // A mistake in --output is reported before a scan that may take long.
    args.report.check_outputs()?;
    let config = config_file::load(args.config.as_deref())?;
    // A live shard reads only its own accounts (and the archive account, for copies into it).
    let live_shard = args.shard.map(|s| snapguard_aws::AccountShard {
        index: s.index,
        count: s.count,
        context_accounts: config
            .protection
            .archive_account
            .iter()
            .map(|a| a.0.clone())
            .collect(),
    });
    let (mut inventory, source) = args.source.load(live_shard)?;
    if let Some(shard) = args.shard {
        if inventory
            .organization
            .as_ref()
            .is_none_or(|o| o.accounts.is_empty())
        {
            return Err(format!(
                "--shard needs the organization's account list, to tell an account of another \
                 shard from one outside the organization; the inventory from {source} has none"
            ));
        }
        keep_shard_and_context(&mut inventory, shard, &config);
    }
    let mut evaluation = rules::evaluate(&inventory, &config);
    if let Some(shard) = args.shard {
        keep_shard_results(&mut inventory, &mut evaluation, shard);
    }
    let mut report = Report::new(&inventory, evaluation, source);
    report.shard = args.shard;
    if args.shard.is_some() {
        report.config_sha256 = config.source_sha256.clone();
    }
    args.report.finish(report)
}

/// Narrows the inventory to the shard's accounts, keeping the archive account as context:
/// copies into it decide SG-PROT-003 for every account, whichever shard it falls in.
fn keep_shard_and_context(inventory: &mut Inventory, shard: ShardOf, config: &Config) {
    let archive = config.protection.archive_account.as_ref().map(|a| &a.0);
    inventory
        .accounts
        .retain(|a| shard_owns(shard, &a.id) || archive.is_some_and(|id| *id == a.id));
    inventory
        .not_scanned
        .retain(|gap| shard_owns(shard, &gap.account_id));
    // A recording's call counts describe the whole collection: count them once, in shard 0,
    // so that merged shards sum to the full run's.
    if shard.index != 0 {
        inventory.api_calls.clear();
        inventory.throttle_retries.clear();
    }
}

/// Drops what the context accounts contributed: their findings, gaps, coverage and waiver
/// matches belong to their own shard.
fn keep_shard_results(inventory: &mut Inventory, evaluation: &mut Evaluation, shard: ShardOf) {
    inventory.accounts.retain(|a| shard_owns(shard, &a.id));
    evaluation
        .findings
        .retain(|f| shard_owns(shard, &f.account_id));
    evaluation
        .not_evaluated
        .retain(|gap| shard_owns(shard, &gap.account_id));
    evaluation
        .coverage
        .retain(|c| shard_owns(shard, &c.account_id));
    let kept: BTreeSet<&str> = evaluation
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    for waiver in &mut evaluation.waivers {
        waiver.fingerprints.retain(|f| kept.contains(f.as_str()));
        waiver.matched = waiver.fingerprints.len();
    }
}

/// What makes two spellings of a path the same file: its directory resolved (symbolic links,
/// `.` and `..`) when it exists, joined with its name.
fn same_file_key(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_owned())
            .join(name),
        _ => absolute,
    }
}

/// Reads a `--format json` report (a baseline, a shard); errors name the file.
pub fn read_report(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the report: {e}", path.display()))?;
    Report::from_json(&text).map_err(|e| format!("{} {e}", path.display()))
}

impl ReportArgs {
    /// Compares with the baseline, writes every requested format, and returns the exit status.
    pub fn finish(&self, mut report: Report) -> Result<u8, String> {
        if let Some(path) = &self.baseline {
            let baseline = read_report(path)?;
            report.compare_with(baseline, path.display().to_string());
        }
        if self.output.is_empty() {
            print(
                &self
                    .format
                    .unwrap_or(Format::Table)
                    .render_with(&report, self.details),
            )?;
            return Ok(self.exit_status(&report));
        }
        let outputs = self.resolve_outputs()?;
        for (format, path) in &outputs {
            std::fs::write(path, format.render_with(&report, self.details))
                .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))?;
        }
        eprintln!(
            "{} (written to {})",
            reports::table::summary_line(&report),
            outputs
                .iter()
                .map(|(format, path)| format!("{} {}", format.name(), path.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(self.exit_status(&report))
    }

    /// Fails as [`ReportArgs::finish`] would on a mistake in `--output`, before any work.
    pub fn check_outputs(&self) -> Result<(), String> {
        self.resolve_outputs().map(drop)
    }

    /// Each `--output` with its format: `FORMAT=` when given, else `--format` when given, else
    /// the one its file name implies. Fails, before anything is written, on a file whose
    /// format cannot be told, and on a file named twice (also when spelt differently, e.g.
    /// `./a.json` and `a.json`).
    fn resolve_outputs(&self) -> Result<Vec<(Format, PathBuf)>, String> {
        let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
        let mut outputs = Vec::new();
        for output in &self.output {
            let path = &output.path;
            let format = output
                .format
                .or(self.format)
                .or_else(|| Format::from_file_name(path))
                .ok_or_else(|| {
                    format!(
                        "--output {}: cannot tell the report format from the file name; write \
                         FORMAT=FILE (FORMAT one of {}), give --format, or use one of the \
                         endings {}",
                        path.display(),
                        Format::NAMES.join(", "),
                        Format::FILE_EXTENSIONS.map(|(ending, _)| ending).join(", ")
                    )
                })?;
            let key = same_file_key(path);
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                return Err(format!(
                    "--output names the same file twice ({} and {}); each report needs a file \
                     of its own",
                    first.display(),
                    path.display()
                ));
            }
            seen.push((key, path));
            outputs.push((format, path.clone()));
        }
        Ok(outputs)
    }

    /// 0, or 1 for findings at or above `--fail-on` (only new ones with `--fail-on-new`), plus
    /// 4 when the scan was incomplete. Waivers that match nothing do not change it: they are
    /// reported instead, as a shard cannot know whether another shard matches them.
    fn exit_status(&self, report: &Report) -> u8 {
        let failing = self.fail_on.0.is_some_and(|threshold| {
            report.findings.iter().any(|f| {
                !f.is_waived()
                    && f.severity >= threshold
                    && (!self.fail_on_new || f.baseline == Some(BaselineStatus::New))
            })
        });
        let mut code = if failing { EXIT_FINDINGS } else { 0 };
        if !report.complete {
            code += EXIT_INCOMPLETE;
        }
        code
    }
}
