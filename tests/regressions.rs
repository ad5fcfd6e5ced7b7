//! The regression cases of `fixtures/regressions/`: one folder per input that snapguard once
//! handled wrong, with a `case.toml` stating the command, the right outcome and why. Each
//! folder is one test (this binary has its own harness, `libtest-mimic`, so that a case is
//! named in the output and can be run alone: `cargo test --test regressions -- NAME`).
//!
//! The semantics are those of the shared runner `run.py` (its docstring and README describe
//! them): the case runs in a temporary copy of its folder, after `sh make.sh` when there is one;
//! the exit status must be one of `expect_exit` (a signal, a panic or a timeout never passes);
//! `expect_stderr_contains` is checked when the input was refused (exit 2), the JSON checks
//! (`expect_not_scanned`, `expect_findings`, `expect_no_findings`, `expect_verdicts`,
//! `expect_json`) when it was not. Adding a case is adding a folder.
//!
//! `SNAPGUARD_REGRESSIONS_DIR=FOLDER` runs the cases of another folder, as `run.py`'s second
//! argument does.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

const KNOWN_KEYS: [&str; 11] = [
    "summary",
    "why",
    "command",
    "expect_exit",
    "timeout_s",
    "expect_stderr_contains",
    "expect_not_scanned",
    "expect_findings",
    "expect_no_findings",
    "expect_verdicts",
    "expect_json",
];

fn cases_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SNAPGUARD_REGRESSIONS_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("fixtures/regressions")
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("fixtures/regressions")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("case.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no case under fixtures/regressions");
    let trials = names
        .into_iter()
        .map(|name| {
            Trial::test(name.clone(), move || {
                run_case(&cases_dir().join(&name), &name).map_err(Failed::from)
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn run_case(case_dir: &Path, name: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(case_dir.join("case.toml")).map_err(|e| e.to_string())?;
    let case: toml::Table = toml::from_str(&text).map_err(|e| format!("case.toml: {e}"))?;
    let case: Value = serde_json::to_value(case).map_err(|e| e.to_string())?;
    let unknown: Vec<&String> = case
        .as_object()
        .expect("a table")
        .keys()
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(format!("case.toml has unknown keys {unknown:?}"));
    }
    let command: Vec<String> = case["command"]
        .as_array()
        .ok_or("case.toml lacks command")?
        .iter()
        .map(|a| {
            a.as_str()
                .map(str::to_owned)
                .ok_or("a command argument is not text")
        })
        .collect::<Result<_, _>>()?;
    let expect_exit: Vec<i64> = case["expect_exit"]
        .as_array()
        .ok_or("case.toml lacks expect_exit")?
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let timeout = Duration::from_secs_f64(
        case.get("timeout_s")
            .and_then(Value::as_f64)
            .unwrap_or(20.0),
    );

    let tmp = tempfile::Builder::new()
        .prefix("sg-case-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let work = tmp.path().join(name);
    copy_tree(case_dir, &work).map_err(|e| format!("copying the case: {e}"))?;
    if work.join("make.sh").exists() {
        let made = Command::new("sh")
            .arg("make.sh")
            .current_dir(&work)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("make.sh: {e}"))?;
        if !made.status.success() {
            return Err(format!(
                "make.sh failed: {}",
                first_line(&String::from_utf8_lossy(&made.stderr))
            ));
        }
    }

    let (status, stdout, stderr) = run(&work, &command, timeout)?;
    let status = match status {
        Some(status) => status,
        None => {
            return Err(format!(
                "crashed: killed by a signal ({})",
                first_line(&stderr)
            ))
        }
    };
    if status == 101 {
        return Err(format!("panicked, exit 101 ({})", first_line(&stderr)));
    }
    if !expect_exit.contains(&i64::from(status)) {
        return Err(format!(
            "exit {status}, expected {expect_exit:?}; stderr: {}; stdout: {}",
            first_line(&stderr),
            first_line(&stdout)
        ));
    }
    let problems = check_case(&case, &stdout, &stderr, status);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("exit {status}, but {}", problems.join("; ")))
    }
}

/// Copies a folder, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Runs snapguard; `None` as the status when a signal ended it. A run past `timeout` is killed
/// and fails the case.
fn run(
    dir: &Path,
    args: &[String],
    timeout: Duration,
) -> Result<(Option<i32>, String, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run snapguard: {e}"))?;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {} s", timeout.as_secs_f64()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().expect("stdout");
    let stderr = stderr.join().expect("stderr");
    Ok((status.code(), stdout, stderr))
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(nothing)");
    line.chars().take(200).collect()
}

/// `alternatives(item)`: a list is any one of its strings.
fn alternatives(item: &Value) -> Vec<String> {
    match item {
        Value::Array(items) => items.iter().map(text_of).collect(),
        other => vec![text_of(other)],
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value at a dotted path, if there is one.
fn get_path<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    let mut value = value;
    for part in dotted.split('.') {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}

/// `matches(expected, actual)` of run.py: tables match key by key (dotted keys reach inside),
/// a list of tables needs each to match some element, a list of plain values must hold the same
/// values in any order.
fn matches(expected: &Value, actual: Option<&Value>) -> bool {
    let Some(actual) = actual else {
        return false;
    };
    match expected {
        Value::Object(table) => {
            actual.is_object() && table.iter().all(|(k, v)| matches(v, get_path(actual, k)))
        }
        Value::Array(items) => {
            let Some(actual_items) = actual.as_array() else {
                return false;
            };
            if items.iter().any(Value::is_object) {
                items
                    .iter()
                    .all(|e| actual_items.iter().any(|a| matches(e, Some(a))))
            } else {
                let mut want: Vec<String> = items.iter().map(Value::to_string).collect();
                let mut got: Vec<String> = actual_items.iter().map(Value::to_string).collect();
                want.sort();
                got.sort();
                want == got
            }
        }
        Value::Number(n) => actual.as_f64().is_some_and(|a| n.as_f64() == Some(a)),
        other => other == actual,
    }
}

fn all_text(value: &Value) -> String {
    match value {
        Value::Object(map) => map.values().map(all_text).collect::<Vec<_>>().join(" "),
        Value::Array(items) => items.iter().map(all_text).collect::<Vec<_>>().join(" "),
        Value::Null => String::new(),
        other => text_of(other),
    }
}

fn finding_matches(finding: &Value, expected: &Value) -> bool {
    let message = finding
        .get("message")
        .map(text_of)
        .unwrap_or_default()
        .to_lowercase();
    expected
        .as_object()
        .expect("a table")
        .iter()
        .all(|(key, want)| match key.as_str() {
            "waived" => {
                let active = finding
                    .get("waiver")
                    .is_some_and(|w| w.is_object() && w.get("active") != Some(&Value::Bool(false)));
                Some(active) == want.as_bool()
            }
            "message_contains" => message.contains(&text_of(want).to_lowercase()),
            "message_lacks" => !message.contains(&text_of(want).to_lowercase()),
            _ => matches(want, get_path(finding, key)),
        })
}

fn gap_matches(entry: &Value, expected: &Value) -> bool {
    expected
        .as_object()
        .expect("a table")
        .iter()
        .all(|(key, want)| match key.as_str() {
            "mentions" => {
                let text = all_text(entry).to_lowercase();
                alternatives(want)
                    .iter()
                    .any(|a| text.contains(&a.to_lowercase()))
            }
            _ => matches(want, get_path(entry, key)),
        })
}

fn list<'c>(case: &'c Value, key: &str) -> &'c [Value] {
    case.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `check_case` of run.py.
fn check_case(case: &Value, stdout: &str, stderr: &str, status: i32) -> Vec<String> {
    let mut problems = Vec::new();
    if status == 2 {
        let lowered = stderr.to_lowercase();
        for item in list(case, "expect_stderr_contains") {
            let wanted = alternatives(item);
            if !wanted.iter().any(|a| lowered.contains(&a.to_lowercase())) {
                problems.push(format!(
                    "standard error lacks {} ({})",
                    wanted.join(" or "),
                    first_line(stderr)
                ));
            }
        }
        return problems;
    }
    let json_keys = [
        "expect_not_scanned",
        "expect_findings",
        "expect_no_findings",
        "expect_verdicts",
        "expect_json",
    ];
    if !json_keys.iter().any(|k| case.get(k).is_some()) {
        return problems;
    }
    let report: Value = match serde_json::from_str(stdout) {
        Ok(report) => report,
        Err(e) => return vec![format!("exit {status} but the output is not JSON ({e})")],
    };
    if !report.is_object() {
        return vec![format!(
            "exit {status} but the JSON output is not an object"
        )];
    }
    let incomplete = status & 4 != 0;
    let gaps = list(&report, "not_scanned");
    let gap_expected = case.get("expect_not_scanned").is_some();
    if incomplete && gap_expected {
        for want in list(case, "expect_not_scanned") {
            if !gaps.iter().any(|g| gap_matches(g, want)) {
                problems.push(format!("not_scanned lacks {want} (it lists {gaps:?})"));
            }
        }
    }
    let need_findings = case.get("expect_findings").is_some() && !(incomplete && gap_expected);
    let findings = report.get("findings").and_then(Value::as_array);
    if (need_findings || case.get("expect_no_findings").is_some()) && findings.is_none() {
        problems.push("the JSON output has no findings list".into());
    }
    let findings = findings.map_or(&[][..], Vec::as_slice);
    if need_findings {
        for want in list(case, "expect_findings") {
            if !findings.iter().any(|f| finding_matches(f, want)) {
                problems.push(format!("no finding matches {want}"));
            }
        }
    }
    for unwanted in list(case, "expect_no_findings") {
        if let Some(hit) = findings.iter().find(|f| finding_matches(f, unwanted)) {
            problems.push(format!(
                "a finding matches {unwanted}: {} {}",
                hit["rule_id"], hit["resource_id"]
            ));
        }
    }
    for want in list(case, "expect_verdicts") {
        let (subject, action, verdict) =
            (&want["subject"], text_of(&want["action"]), &want["verdict"]);
        let documents: Vec<&Value> = list(&report, "documents")
            .iter()
            .filter(|d| d.get("address") == Some(subject) || d.get("file") == Some(subject))
            .collect();
        if documents.is_empty() {
            problems.push(format!("no document for {subject}"));
            continue;
        }
        let got: Vec<&Value> = documents
            .iter()
            .flat_map(|d| list(d, "actions"))
            .filter(|a| text_of(&a["action"]).eq_ignore_ascii_case(&action))
            .map(|a| &a["verdict"])
            .collect();
        if !got.contains(&verdict) {
            problems.push(format!("{subject} {action}: {got:?}, expected {verdict}"));
        }
    }
    if let Some(Value::Object(paths)) = case.get("expect_json") {
        for (path, want) in paths {
            let got = get_path(&report, path);
            if !matches(want, got) {
                problems.push(format!("{path} does not match {want} (found {got:?})"));
            }
        }
    }
    problems
}
