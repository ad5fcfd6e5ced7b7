//! The mutation-testing harness of issue 12 ("fail closed"): it copies snapguard's own fixtures
//! (the demo organization, the per-rule cases, the `iam check` inputs and the config files),
//! damages one file of the copy with a seeded mutation, runs the snapguard binary on it as a
//! subprocess and checks three properties:
//!
//! 1. **no crash**: no signal, no exit status 101 (panic) or 134 (abort, stack overflow), no
//!    "panicked at" on standard error;
//! 2. **no hang**: the run ends within the time bound;
//! 3. **never cleaner**: unless snapguard refused the input (exit status 2) or reported a new gap
//!    (a `not_scanned` entry the undamaged run has not), the damaged run has every finding of the
//!    undamaged run (same fingerprint, same waived state; for `iam check` every granted action
//!    keeps its verdict or a wider one), a report that is not `complete` stays so, the exit
//!    status is not lower, and standard output is still a report. Loose mutations
//!    ([`mutation::Applied::loose`]) are checked for 1 and 2 only.
//!
//! docs/robustness.md describes the design and the commands.

pub mod mutation;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use mutation::{FileKind, Operator, OPERATORS};

/// What snapguard is run as on a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subcommand {
    /// `snapguard scan --inventory ... --format json`.
    Scan,
    /// `snapguard iam check ... --format json`.
    IamCheck,
}

/// One undamaged input: a folder copied for every mutation, the arguments (relative to the
/// copy's parent, the run's working directory) and the files that may be damaged.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// A short name: the fixture's path in the repository.
    pub name: String,
    /// The folder copied as `input/`.
    pub source: PathBuf,
    /// snapguard's arguments; paths start with `input/`.
    pub args: Vec<String>,
    /// What the run is.
    pub command: Subcommand,
    /// The files (relative to `input/`) that a mutation may damage.
    pub files: Vec<(PathBuf, FileKind)>,
    /// Whether this is the demo organization (picked for [`Settings::demo_share`]).
    pub demo: bool,
}

/// What one run produced, reduced to what the cleaner-than check compares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status.
    pub exit: i32,
    /// Whether standard output was a JSON report.
    pub report: bool,
    /// `complete` of the scan report (always true for `iam check`).
    pub complete: bool,
    /// Findings (`fingerprint` plus `|waived` when an active waiver covers it) or `iam check`
    /// verdicts (`address|action|verdict` for every action that is not `not_allowed`).
    pub findings: BTreeSet<String>,
    /// The `not_scanned` entries, as JSON text.
    pub gaps: BTreeSet<String>,
}

/// The result of one mutation.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// snapguard refused the damaged input (exit status 2).
    Error,
    /// snapguard reported a new gap.
    Gap,
    /// The result was not cleaner than the undamaged one (or the operator is loose).
    NotCleaner,
    /// The operator found nothing to damage in the chosen file, or the damage cannot be made
    /// here (a mode-000 file is still readable by root).
    Skipped(String),
    /// A signal, a panic or an abort.
    Crash(String),
    /// The run did not end within the bound.
    Hang,
    /// The damaged input gave a cleaner result without an error or a gap.
    Cleaner(String),
}

impl Verdict {
    /// Whether the verdict breaks one of the three properties.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Verdict::Crash(_) | Verdict::Hang | Verdict::Cleaner(_)
        )
    }

    /// The property broken, for the allow-list: `crash`, `hang` or `cleaner`.
    pub fn property(&self) -> &'static str {
        match self {
            Verdict::Crash(_) => "crash",
            Verdict::Hang => "hang",
            Verdict::Cleaner(_) => "cleaner",
            _ => "ok",
        }
    }
}

/// One mutation's record.
#[derive(Clone, Debug)]
pub struct Record {
    /// The mutation's index (with the seed, all it takes to redo it).
    pub index: u64,
    /// The scenario's name.
    pub scenario: String,
    /// The damaged file, relative to `input/`.
    pub file: PathBuf,
    /// The operator.
    pub operator: Operator,
    /// What was changed.
    pub detail: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The snapguard arguments (relative to the reproduction folder).
    pub args: Vec<String>,
    /// Where the damaged input was kept (failures only).
    pub kept: Option<PathBuf>,
}

/// How a run of the harness is set up.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The repository's root (its `fixtures/`).
    pub root: PathBuf,
    /// The snapguard binary.
    pub snapguard: PathBuf,
    /// The seed.
    pub seed: u64,
    /// How many mutations.
    pub mutations: u64,
    /// The first mutation index (to redo one: `--first I --mutations 1`).
    pub first: u64,
    /// Threads running snapguard at once.
    pub threads: usize,
    /// The time bound of one run.
    pub timeout: Duration,
    /// Where the damaged inputs of failures are written.
    pub keep_dir: PathBuf,
    /// One mutation in this many damages the demo organization (the others a per-rule case or
    /// an `iam check` input, picked evenly); 0: never.
    pub demo_share: u64,
}

fn files_under(dir: &Path, base: &Path, out: &mut Vec<(PathBuf, FileKind)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, base, out);
            continue;
        }
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => FileKind::Json,
            Some("toml") => FileKind::Toml,
            Some("yaml" | "yml") => FileKind::Yaml,
            _ => continue,
        };
        if path.file_name().is_some_and(|n| n == "expected.json") {
            continue;
        }
        out.push((
            path.strip_prefix(base).expect("under base").to_path_buf(),
            kind,
        ));
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The scenarios: the demo organization, every per-rule case (`fixtures/cases/<ID>/<case>/`),
/// and every `iam check` input of `fixtures/iam-check/` and `fixtures/iam-cases/` (each copied
/// beside `fixtures/iam-check/snapguard.toml`).
pub fn scenarios(root: &Path) -> Vec<Scenario> {
    let mut out = Vec::new();
    let demo = root.join("fixtures/demo-org");
    let mut files = Vec::new();
    files_under(&demo, &demo, &mut files);
    out.push(Scenario {
        name: "fixtures/demo-org".into(),
        source: demo,
        args: strings(&[
            "scan",
            "--inventory",
            "input",
            "--config",
            "input/snapguard.toml",
            "--format",
            "json",
        ]),
        command: Subcommand::Scan,
        files,
        demo: true,
    });
    let cases = root.join("fixtures/cases");
    let mut rules: Vec<PathBuf> = fs::read_dir(&cases)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    rules.sort();
    for rule in rules.iter().filter(|p| p.is_dir()) {
        let mut case_dirs: Vec<PathBuf> = fs::read_dir(rule)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        case_dirs.sort();
        for case in case_dirs.iter().filter(|p| p.join("inventory").is_dir()) {
            let mut files = Vec::new();
            files_under(case, case, &mut files);
            let mut args = strings(&["scan", "--inventory", "input/inventory", "--format", "json"]);
            if case.join("snapguard.toml").is_file() {
                args.extend(strings(&["--config", "input/snapguard.toml"]));
            }
            out.push(Scenario {
                name: case
                    .strip_prefix(root)
                    .unwrap_or(case)
                    .display()
                    .to_string(),
                source: case.clone(),
                args,
                command: Subcommand::Scan,
                files,
                demo: false,
            });
        }
    }
    let iam_inputs = [
        "fixtures/iam-check/policy",
        "fixtures/iam-check/terraform/head",
        "fixtures/iam-check/cloudformation",
        "fixtures/iam-check/cloudformation/head",
        "fixtures/iam-check/authorization-details",
        "fixtures/iam-cases",
    ];
    for dir in iam_inputs {
        let mut inputs = Vec::new();
        files_under(&root.join(dir), &root.join(dir), &mut inputs);
        for (file, kind) in inputs
            .into_iter()
            .filter(|(f, _)| f.components().count() == 1)
        {
            out.push(Scenario {
                name: format!("{dir}/{}", file.display()),
                source: root.join(dir),
                args: vec![
                    "iam".into(),
                    "check".into(),
                    "--config".into(),
                    "input/snapguard.toml".into(),
                    format!("input/{}", file.display()),
                    "--format".into(),
                    "json".into(),
                ],
                command: Subcommand::IamCheck,
                files: vec![(file, kind), ("snapguard.toml".into(), FileKind::Toml)],
                demo: false,
            });
        }
    }
    out
}

/// Copies `from` to `to`: files are hard links (the inputs are hundreds of files, and only one
/// is damaged; [`detach`] gives that one its own copy first), or copies where links fail.
fn link_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            link_dir(&entry.path(), &target)?;
        } else if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Replaces a hard link with a copy of its own, so that damaging it (writing, a mode change)
/// leaves the repository's fixture alone.
fn detach(path: &Path) -> std::io::Result<()> {
    let bytes = fs::read(path)?;
    fs::remove_file(path)?;
    fs::write(path, bytes)
}

/// Lays out `work/input` for `scenario` (the iam check inputs get the iam-check config).
fn prepare(root: &Path, scenario: &Scenario, work: &Path) -> std::io::Result<()> {
    let input = work.join("input");
    if scenario.command == Subcommand::IamCheck {
        fs::create_dir_all(&input)?;
        for (file, _) in &scenario.files {
            if file.as_path() != Path::new("snapguard.toml") {
                fs::copy(scenario.source.join(file), input.join(file))?;
            }
        }
        fs::copy(
            root.join("fixtures/iam-check/snapguard.toml"),
            input.join("snapguard.toml"),
        )?;
        Ok(())
    } else {
        link_dir(&scenario.source, &input)
    }
}

/// A finished run: exit status (None for a signal), standard output and error, or a hang.
struct Run {
    exit: Option<i32>,
    stdout: String,
    stderr: String,
    hung: bool,
}

fn run(snapguard: &Path, args: &[String], work: &Path, timeout: Duration) -> std::io::Result<Run> {
    let out_path = work.join("stdout");
    let err_path = work.join("stderr");
    let mut child = Command::new(snapguard)
        .args(args)
        .current_dir(work)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path)?)
        .stderr(fs::File::create(&err_path)?)
        .spawn()?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > timeout {
            child.kill()?;
            child.wait()?;
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    Ok(Run {
        exit: status.and_then(|s| s.code()),
        stdout: read(&out_path),
        stderr: read(&err_path),
        hung: status.is_none(),
    })
}

/// `iam check`'s verdicts that grant, narrowest first (`not_allowed` grants nothing).
const VERDICTS: [&str; 3] = [
    "allowed_conditional",
    "allowed_restricted_resource",
    "allowed",
];

/// Reduces a run's JSON output to an [`Outcome`].
pub fn outcome(command: Subcommand, exit: i32, stdout: &str) -> Outcome {
    let mut out = Outcome {
        exit,
        ..Outcome::default()
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return out;
    };
    out.report = true;
    out.complete = true;
    match command {
        Subcommand::Scan => {
            out.complete = json["complete"].as_bool().unwrap_or(false);
            for finding in json["findings"].as_array().into_iter().flatten() {
                let waived = finding["waiver"].is_object()
                    && finding["waiver"]["active"].as_bool() != Some(false);
                let fp = finding["fingerprint"].as_str().unwrap_or_default();
                out.findings.insert(if waived {
                    format!("{fp}|waived")
                } else {
                    fp.to_string()
                });
            }
            for gap in json["not_scanned"].as_array().into_iter().flatten() {
                out.gaps.insert(gap.to_string());
            }
        }
        Subcommand::IamCheck => {
            // What `iam check` could not decide or read plays the part of a scan's gaps.
            for error in json["errors"].as_array().into_iter().flatten() {
                out.gaps.insert(error.to_string());
            }
            for doc in json["documents"].as_array().into_iter().flatten() {
                for value in doc["unknown_values"].as_array().into_iter().flatten() {
                    out.gaps.insert(format!("{}|{value}", doc["address"]));
                }
                for action in doc["actions"].as_array().into_iter().flatten() {
                    // One entry per verdict at or below the action's, so that a wider grant
                    // (a condition deleted: allowed_conditional to allowed) is not "lost".
                    let verdict = action["verdict"].as_str().unwrap_or_default();
                    let rank = VERDICTS
                        .iter()
                        .position(|v| *v == verdict)
                        .map_or(0, |r| r + 1);
                    for at_least in &VERDICTS[..rank] {
                        out.findings.insert(format!(
                            "{}|{}|{at_least}",
                            doc["address"], action["action"]
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The cleaner-than check: why `damaged` is cleaner than `base`, or `None`.
pub fn cleaner(base: &Outcome, damaged: &Outcome) -> Option<String> {
    if damaged.exit == 2 || !damaged.gaps.is_subset(&base.gaps) {
        return None;
    }
    if !damaged.report {
        return Some(format!("exit status {} without a report", damaged.exit));
    }
    let lost: Vec<&String> = base.findings.difference(&damaged.findings).collect();
    if !lost.is_empty() {
        let shown: Vec<&str> = lost.iter().take(3).map(|s| s.as_str()).collect();
        return Some(format!(
            "{} finding(s) gone, e.g. {}",
            lost.len(),
            shown.join(", ")
        ));
    }
    if damaged.complete && !base.complete {
        return Some("the report says complete".into());
    }
    if (damaged.exit & 3) < (base.exit & 3) || (damaged.exit & 4) < (base.exit & 4) {
        return Some(format!(
            "exit status {} instead of {}",
            damaged.exit, base.exit
        ));
    }
    None
}

fn crash_of(run: &Run) -> Option<String> {
    match run.exit {
        None => Some("killed by a signal".into()),
        Some(101) => Some("exit 101 (panic)".into()),
        Some(134) => Some("exit 134 (abort)".into()),
        _ if run.stderr.contains("panicked at") || run.stderr.contains("stack overflow") => {
            Some(format!(
                "standard error: {}",
                run.stderr.lines().next().unwrap_or_default()
            ))
        }
        _ => None,
    }
}

/// The seeded generator of mutation `index`: each mutation can be redone on its own.
fn rng_for(seed: u64, index: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The undamaged outcome of every scenario; a scenario whose undamaged run fails or is refused
/// is left out (`None`), with its reason.
pub fn baselines(settings: &Settings, scenarios: &[Scenario]) -> Vec<Result<Outcome, String>> {
    scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let work = scratch(settings, &format!("baseline-{i}"));
            let result = (|| {
                prepare(&settings.root, s, &work).map_err(|e| e.to_string())?;
                let r = run(&settings.snapguard, &s.args, &work, settings.timeout * 4)
                    .map_err(|e| e.to_string())?;
                let base = r
                    .exit
                    .filter(|&exit| exit != 2 && !r.hung)
                    .map(|exit| outcome(s.command, exit, &r.stdout));
                match base {
                    Some(base) if base.report => Ok(base),
                    _ => Err(format!(
                        "undamaged run ended with {:?}: {}",
                        r.exit,
                        r.stderr.trim()
                    )),
                }
            })();
            let _ = fs::remove_dir_all(&work);
            result
        })
        .collect()
}

fn scratch(settings: &Settings, name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "snapguard-mutate-{}-{}-{name}",
        std::process::id(),
        settings.seed
    ))
}

/// Runs mutation `index` against `scenarios` (with their baselines).
pub fn mutate_one(
    settings: &Settings,
    scenarios: &[Scenario],
    baselines: &[Result<Outcome, String>],
    index: u64,
) -> std::io::Result<Record> {
    let usable: Vec<usize> = (0..scenarios.len())
        .filter(|&i| baselines[i].is_ok())
        .collect();
    let mut rng = rng_for(settings.seed, index);
    let demo = usable.iter().copied().find(|&i| scenarios[i].demo);
    let pick = match demo {
        Some(d) if settings.demo_share > 0 && rng.u64(0..settings.demo_share) == 0 => d,
        _ => usable[rng.usize(..usable.len())],
    };
    let scenario = &scenarios[pick];
    let base = baselines[pick].as_ref().expect("usable");
    let (file, kind) = scenario.files[rng.usize(..scenario.files.len())].clone();
    let operator = OPERATORS[rng.usize(..OPERATORS.len())];
    let work = scratch(settings, &format!("m{index}"));
    let _ = fs::remove_dir_all(&work);
    prepare(&settings.root, scenario, &work)?;
    let mut record = Record {
        index,
        scenario: scenario.name.clone(),
        file: file.clone(),
        operator,
        detail: String::new(),
        verdict: Verdict::NotCleaner,
        args: scenario.args.clone(),
        kept: None,
    };
    let input = work.join("input");
    detach(&input.join(&file))?;
    let Some(applied) = mutation::apply(&input, &file, kind, operator, &mut rng)? else {
        record.verdict = Verdict::Skipped("nothing to damage".into());
        let _ = fs::remove_dir_all(&work);
        return Ok(record);
    };
    record.detail = applied.detail;
    let loose = applied.loose;
    if operator == Operator::Unreadable && fs::read(input.join(&file)).is_ok() {
        // Root reads a mode-000 file all the same: the damage cannot be made here.
        record.verdict = Verdict::Skipped("a mode-000 file is readable by this user (root)".into());
        let _ = fs::remove_dir_all(&work);
        return Ok(record);
    }
    let r = run(&settings.snapguard, &scenario.args, &work, settings.timeout)?;
    record.verdict = if r.hung {
        Verdict::Hang
    } else if let Some(crash) = crash_of(&r) {
        Verdict::Crash(crash)
    } else {
        let exit = r.exit.unwrap_or(-1);
        let damaged = outcome(scenario.command, exit, &r.stdout);
        if exit == 2 {
            Verdict::Error
        } else if !damaged.gaps.is_subset(&base.gaps) {
            Verdict::Gap
        } else if loose {
            Verdict::NotCleaner
        } else {
            match cleaner(base, &damaged) {
                Some(why) => Verdict::Cleaner(why),
                None => Verdict::NotCleaner,
            }
        }
    };
    if record.verdict.is_failure() {
        let keep = settings
            .keep_dir
            .join(format!("seed-{}-mutation-{index}", settings.seed));
        let _ = fs::remove_dir_all(&keep);
        fs::create_dir_all(&settings.keep_dir)?;
        fs::rename(&work, &keep).or_else(|_| link_dir(&work, &keep))?;
        fs::write(
            keep.join("mutation.txt"),
            format!(
                "seed {} mutation {index}\nscenario {}\nfile input/{}\n{}: {}\nverdict {:?}\nreproduce: cd {} && snapguard {}\n",
                settings.seed,
                scenario.name,
                file.display(),
                operator.name(),
                record.detail,
                record.verdict,
                keep.display(),
                scenario.args.join(" ")
            ),
        )?;
        record.kept = Some(keep);
    } else {
        let _ = fs::remove_dir_all(&work);
    }
    Ok(record)
}

/// What a run of the harness found.
#[derive(Debug)]
pub struct Report {
    /// One record per mutation, in index order.
    pub records: Vec<Record>,
    /// The scenarios left out because their undamaged run is not a report, with the reason.
    pub left_out: Vec<String>,
}

/// Runs `settings.mutations` mutations on `settings.threads` threads.
///
/// # Panics
/// When the harness cannot lay out a scenario's input in the temporary folder.
pub fn run_all(settings: &Settings) -> Report {
    let scenarios = scenarios(&settings.root);
    let baselines = baselines(settings, &scenarios);
    let left_out = scenarios
        .iter()
        .zip(&baselines)
        .filter_map(|(s, b)| b.as_ref().err().map(|e| format!("{}: {e}", s.name)))
        .collect();
    let next = AtomicUsize::new(0);
    let records = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..settings.threads.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as u64;
                if i >= settings.mutations {
                    break;
                }
                let index = settings.first + i;
                match mutate_one(settings, &scenarios, &baselines, index) {
                    Ok(record) => records.lock().expect("not poisoned").push(record),
                    Err(e) => {
                        panic!("mutation {index}: the harness could not lay out its input: {e}")
                    }
                }
            });
        }
    });
    let mut records = records.into_inner().expect("not poisoned");
    records.sort_by_key(|r| r.index);
    Report { records, left_out }
}

/// A one-line summary: counts per verdict.
pub fn summary(records: &[Record]) -> String {
    let count = |f: &dyn Fn(&Verdict) -> bool| records.iter().filter(|r| f(&r.verdict)).count();
    format!(
        "{} mutations: {} input errors, {} gaps, {} not cleaner, {} skipped; {} crashes, {} hangs, {} cleaner than the original",
        records.len(),
        count(&|v| matches!(v, Verdict::Error)),
        count(&|v| matches!(v, Verdict::Gap)),
        count(&|v| matches!(v, Verdict::NotCleaner)),
        count(&|v| matches!(v, Verdict::Skipped(_))),
        count(&|v| matches!(v, Verdict::Crash(_))),
        count(&|v| matches!(v, Verdict::Hang)),
        count(&|v| matches!(v, Verdict::Cleaner(_))),
    )
}

/// A failure in words: seed, index, scenario, file, mutation, what broke, where it was kept.
pub fn describe(seed: u64, record: &Record) -> String {
    format!(
        "seed {seed} mutation {}: {} input/{}: {} ({}) -> {:?}{}",
        record.index,
        record.scenario,
        record.file.display(),
        record.operator.name(),
        record.detail,
        record.verdict,
        record
            .kept
            .as_ref()
            .map(|k| format!("; damaged input kept in {}", k.display()))
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(exit: i32, complete: bool, findings: &[&str], gaps: &[&str]) -> Outcome {
        Outcome {
            exit,
            report: true,
            complete,
            findings: findings.iter().map(|s| s.to_string()).collect(),
            gaps: gaps.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_lost_finding_a_complete_report_or_a_lower_exit_is_cleaner() {
        let base = scan(5, false, &["a", "b"], &["g"]);
        assert_eq!(cleaner(&base, &base), None);
        assert!(cleaner(&base, &scan(5, false, &["a"], &["g"]))
            .unwrap()
            .contains("1 finding(s) gone"));
        assert!(cleaner(&base, &scan(5, true, &["a", "b"], &["g"]))
            .unwrap()
            .contains("complete"));
        assert!(cleaner(&base, &scan(4, false, &["a", "b"], &["g"]))
            .unwrap()
            .contains("exit status 4"));
        assert!(cleaner(&base, &scan(1, false, &["a", "b"], &["g"]))
            .unwrap()
            .contains("exit status 1"));
        // A waived finding is not the same finding as an unwaived one.
        assert!(cleaner(&base, &scan(5, false, &["a", "b|waived"], &["g"])).is_some());
        // More findings is not cleaner; an input error or a new gap excuses anything.
        assert_eq!(
            cleaner(&base, &scan(5, false, &["a", "b", "c"], &["g"])),
            None
        );
        assert_eq!(cleaner(&base, &scan(2, true, &[], &[])), None);
        assert_eq!(cleaner(&base, &scan(0, true, &[], &["g", "h"])), None);
    }

    #[test]
    fn outcomes_read_scan_and_iam_check_reports() {
        let report = r#"{"complete": false, "not_scanned": [{"account_id": "1"}],
            "findings": [{"fingerprint": "f1"}, {"fingerprint": "f2", "waiver": {"active": true}},
                         {"fingerprint": "f3", "waiver": {"active": false}}]}"#;
        let out = outcome(Subcommand::Scan, 5, report);
        assert_eq!(
            out,
            scan(
                5,
                false,
                &["f1", "f2|waived", "f3"],
                &[r#"{"account_id":"1"}"#]
            )
        );
        let check = r#"{"errors": [], "documents": [{"address": "p", "unknown_values": ["x"],
            "actions": [{"action": "ec2:DeleteSnapshot", "verdict": "allowed"},
                        {"action": "ec2:DeregisterImage", "verdict": "not_allowed"}]}]}"#;
        let out = outcome(Subcommand::IamCheck, 1, check);
        assert_eq!(out.gaps.len(), 1);
        let conditional = check.replace(
            r#""verdict": "allowed""#,
            r#""verdict": "allowed_conditional""#,
        );
        let conditional = outcome(Subcommand::IamCheck, 1, &conditional);
        assert_eq!(
            conditional.findings.iter().collect::<Vec<_>>(),
            [r#""p"|"ec2:DeleteSnapshot"|allowed_conditional"#]
        );
        // A wider grant is not cleaner; a narrower one is.
        assert_eq!(out.findings.len(), 3);
        assert_eq!(cleaner(&conditional, &out), None);
        assert!(cleaner(&out, &conditional).is_some());
        // Output that is not a report is cleaner than any report, unless the input was refused.
        let garbage = outcome(Subcommand::Scan, 0, "panicked");
        assert!(!garbage.report);
        assert!(cleaner(&scan(0, true, &[], &[]), &garbage)
            .unwrap()
            .contains("without a report"));
        assert_eq!(
            cleaner(&scan(0, true, &[], &[]), &outcome(Subcommand::Scan, 2, "")),
            None
        );
    }

    #[test]
    fn crashes_are_signals_panics_and_aborts() {
        let run = |exit, stderr: &str| Run {
            exit,
            stdout: String::new(),
            stderr: stderr.into(),
            hung: false,
        };
        assert!(crash_of(&run(None, "")).is_some());
        assert!(crash_of(&run(Some(101), "")).is_some());
        assert!(crash_of(&run(Some(134), "")).is_some());
        assert!(crash_of(&run(Some(2), "thread 'main' panicked at src/x.rs")).is_some());
        assert!(crash_of(&run(Some(2), "error: file.json:3: not valid JSON")).is_none());
        assert!(crash_of(&run(Some(5), "")).is_none());
    }
}
