//! End-to-end tests: the `snapguard` binary over the recorded fixtures.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rules::registry::RULES;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn snapguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run snapguard")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scan_json(dir: &Path, config: Option<&Path>) -> (Value, i32) {
    let dir = dir.to_str().unwrap();
    let mut args = vec![
        "scan",
        "--inventory",
        dir,
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    let config = config.map(|c| c.to_str().unwrap().to_owned());
    if let Some(c) = &config {
        args.extend(["--config", c]);
    }
    let out = snapguard(&args);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 4,
        "scan of {dir} failed ({code}): {}",
        stderr(&out)
    );
    (
        serde_json::from_slice(&out.stdout).expect("JSON report"),
        code,
    )
}

fn ids_of(report: &Value, rule: &str) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["resource_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every rule has failing and passing cases under fixtures/cases/<id>/, and each case's
/// findings for its rule are exactly the resource ids in its expected.json. The cases are
/// written by fixtures/cases/make_cases.py.
#[test]
fn every_rule_case_reports_exactly_what_it_expects() {
    let cases = root().join("fixtures/cases");
    let mut failures = Vec::new();
    for rule in RULES {
        let dir = cases.join(rule.id);
        let mut kinds = BTreeSet::new();
        let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} has no cases in {}", rule.id, dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for case in entries {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let kind = name.split('-').next().unwrap().to_owned();
            assert!(
                kind == "fail" || kind == "pass",
                "{}: case names start with fail- or pass-",
                case.display()
            );
            let expected: BTreeSet<String> =
                serde_json::from_str(&fs::read_to_string(case.join("expected.json")).unwrap())
                    .unwrap();
            assert_eq!(
                kind == "pass",
                expected.is_empty(),
                "{}: pass cases expect nothing, fail cases something",
                case.display()
            );
            let (report, code) =
                scan_json(&case.join("inventory"), Some(&case.join("snapguard.toml")));
            let found = ids_of(&report, rule.id);
            if found != expected {
                failures.push(format!(
                    "{}/{name}: expected {expected:?}, found {found:?}",
                    rule.id
                ));
            }
            if report["complete"] != true || code != 0 {
                failures.push(format!(
                    "{}/{name}: the case is incomplete: {}",
                    rule.id, report["not_scanned"]
                ));
            }
            kinds.insert(kind);
        }
        assert_eq!(
            kinds.len(),
            2,
            "{} needs both fail- and pass- cases",
            rule.id
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SG-IAM-005 names the ways around a tag exception, and keeps its full severity.
#[test]
fn guardrail_with_a_tag_exception_names_the_escape_paths() {
    let case = root().join("fixtures/cases/SG-IAM-005/fail-tag-exception-principals-can-meet");
    let (report, _) = scan_json(&case.join("inventory"), Some(&case.join("snapguard.toml")));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "SG-IAM-005" && f["resource_id"] == "222222222222")
        .expect("an SG-IAM-005 finding");
    assert_eq!(finding["severity"], "medium", "{finding:#}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("only to principals without the tag BackupTeam"),
        "{message}"
    );
    let escapes: BTreeSet<(String, String)> = finding["evidence"]["escape_paths"]
        .as_array()
        .expect("escape paths")
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_owned();
            (text("action"), text("key"))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ["iam:TagRole", "iam:TagUser", "sts:TagSession"]
        .map(|a| (a.to_owned(), "BackupTeam".to_owned()))
        .into();
    assert_eq!(escapes, expected);
}

/// The demo org's findings, exactly; a change in any rule shows up here for review.
#[test]
fn demo_org_findings_are_exactly_these() {
    let dir = root().join("fixtures/demo-org");
    let (report, code) = scan_json(&dir, Some(&dir.join("snapguard.toml")));
    assert_eq!(code, 4, "the demo org has one deliberate gap");
    let lines: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let waived = match &f["waiver"] {
                Value::Null => "",
                w if w["active"] == true => " [waived]",
                _ => " [waiver expired]",
            };
            format!(
                "{} {} {} {} {}{waived}",
                f["severity"].as_str().unwrap(),
                f["rule_id"].as_str().unwrap(),
                f["account_id"].as_str().unwrap(),
                f["region"].as_str().unwrap(),
                f["resource_id"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!("demo_org_findings", lines.join("\n"));
    let gaps: Vec<String> = report["not_scanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} {} {}", g["account_id"], g["region"], g["operation"]))
        .collect();
    insta::assert_snapshot!("demo_org_not_scanned", gaps.join("\n"));

    // Every rule fires at least once in the demo.
    for rule in RULES {
        assert!(
            !ids_of(&report, rule.id).is_empty(),
            "{} does not fire in the demo org",
            rule.id
        );
    }
}

#[test]
fn demo_org_table_is_readable() {
    let out = snapguard(&[
        "scan",
        "--inventory",
        "fixtures/demo-org",
        "--config",
        "fixtures/demo-org/snapguard.toml",
    ]);
    assert_eq!(out.status.code(), Some(5), "findings (1) + incomplete (4)");
    let text = stdout(&out);
    assert!(text.starts_with("snapguard scanned "), "{text}");
    assert!(text.contains("INCOMPLETE:"));
    assert!(text.contains("Not scanned"));
    assert!(text.contains("Accounts, worst first"));
    // The 25 most severe of the 97 findings, and where the rest are.
    assert!(text.contains("25 of 97 findings shown"), "{text}");
    for family_rule in ["SG-TAG-001", "SG-PROT-001", "SG-RBIN-001", "SG-SHARE-001"] {
        assert!(text.contains(family_rule), "the table lacks {family_rule}");
    }
}

#[test]
fn csv_lists_findings_and_what_was_not_scanned() {
    let out = snapguard(&[
        "scan",
        "--inventory",
        "fixtures/demo-org",
        "--config",
        "fixtures/demo-org/snapguard.toml",
        "--format",
        "csv",
    ]);
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "record");
    assert_eq!(&headers[12], "fingerprint");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| &r[0] == "finding"));
    assert!(rows.iter().any(|r| &r[0] == "not_scanned"));
}

#[test]
fn output_file_and_fail_on_thresholds() {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("report.json");
    let base = [
        "scan",
        "--inventory",
        "fixtures/demo-org",
        "--config",
        "fixtures/demo-org/snapguard.toml",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        snapguard(&args)
    };
    let out = run(&["--format", "json", "--output", out_file.to_str().unwrap()]);
    assert!(out.stdout.is_empty());
    let report: Value = serde_json::from_str(&fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    for key in [
        "rule_id",
        "severity",
        "account_id",
        "region",
        "resource_id",
        "resource_arn",
        "message",
        "fingerprint",
    ] {
        assert!(
            report["findings"][0].get(key).is_some(),
            "findings lack {key}"
        );
    }
    assert!(report["scope"]["accounts"].as_array().unwrap().len() >= 3);

    assert_eq!(run(&["--fail-on", "none"]).status.code(), Some(4));
    assert_eq!(run(&["--fail-on", "critical"]).status.code(), Some(5));
    assert_eq!(run(&["--fail-on", "bogus"]).status.code(), Some(2));
}

/// A copy of a fixture to break on purpose.
fn scratch_copy(from: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join(from), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// The first account-region folder of an inventory.
fn first_region(dir: &Path) -> PathBuf {
    let mut accounts: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap().len() == 12)
        .collect();
    accounts.sort();
    let mut regions: Vec<PathBuf> = fs::read_dir(&accounts[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    regions.sort();
    regions.remove(0)
}

fn scan_error(dir: &Path) -> String {
    let out = snapguard(&["scan", "--inventory", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    stderr(&out)
}

#[test]
fn bad_json_names_file_line_and_column() {
    let tmp = scratch_copy("fixtures/demo-org");
    let file = first_region(tmp.path()).join("describe-snapshots.json");
    fs::write(
        &file,
        "{\n  \"Snapshots\": [\n    {\"SnapshotId\": \"snap-1\",}\n  ]\n}\n",
    )
    .unwrap();
    let err = scan_error(tmp.path());
    assert!(err.contains(&format!("{}:3:", file.display())), "{err}");
    assert!(err.contains("not valid JSON"), "{err}");
}

#[test]
fn wrong_shape_names_the_json_path_and_expectation() {
    let tmp = scratch_copy("fixtures/demo-org");
    let file = first_region(tmp.path()).join("describe-volumes.json");
    fs::write(
        &file,
        "{\"Volumes\": [{\"VolumeId\": \"vol-1\"}, {\"VolumeId\": \"vol-2\", \"Size\": \"big\"}]}",
    )
    .unwrap();
    let err = scan_error(tmp.path());
    assert!(err.contains(&format!("{}:1:", file.display())), "{err}");
    assert!(err.contains("Volumes[1].Size"), "{err}");
    assert!(err.contains("expected u64"), "{err}");

    let attributes = first_region(tmp.path()).join("describe-snapshot-attribute.json");
    fs::write(&file, "{\"Volumes\": []}").unwrap();
    fs::write(
        &attributes,
        "{\"SnapshotId\": \"snap-1\", \"CreateVolumePermissions\": []}\n{\"SnapshotId\": 7}\n",
    )
    .unwrap();
    let err = scan_error(tmp.path());
    assert!(
        err.contains(&format!("{}:2:", attributes.display())),
        "{err}"
    );
    assert!(err.contains("SnapshotId"), "{err}");
}

#[test]
fn unknown_folders_and_files_are_errors() {
    let tmp = scratch_copy("fixtures/demo-org");
    let account = first_region(tmp.path()).parent().unwrap().to_owned();
    fs::create_dir(account.join("us-east-1x")).unwrap();
    let err = scan_error(tmp.path());
    assert!(err.contains("us-east-1x"), "{err}");
    assert!(err.contains("one folder per region"), "{err}");
    fs::remove_dir(account.join("us-east-1x")).unwrap();

    fs::write(
        first_region(tmp.path()).join("describe-snapshot.json"),
        "{}",
    )
    .unwrap();
    let err = scan_error(tmp.path());
    assert!(
        err.contains("describe-snapshot.json: unexpected file"),
        "{err}"
    );
}

#[test]
fn an_absent_file_is_not_scanned_never_a_pass() {
    let tmp = scratch_copy("fixtures/demo-org");
    let region = first_region(tmp.path());
    fs::remove_file(region.join("describe-snapshots.json")).unwrap();
    let config = root().join("fixtures/demo-org/snapguard.toml");
    let (report, code) = scan_json(tmp.path(), Some(&config));
    assert_eq!(code, 4);
    assert_eq!(report["complete"], false);
    let gaps = report["not_scanned"].as_array().unwrap();
    let region_name = region.file_name().unwrap().to_str().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["operation"] == "ec2:DescribeSnapshots" && g["region"] == region_name),
        "{gaps:?}"
    );
    // No snapshot finding is made up for that region: its snapshots are unknown.
    let account = region
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["account_id"] == account
        && f["region"] == region_name
        && (f["rule_id"] == "SG-PROT-001" || f["resource_type"] == "snapshot")));
}

#[test]
fn a_missing_inventory_or_config_is_a_clear_error() {
    let out = snapguard(&["scan", "--inventory", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no/such/dir: cannot read the recorded inventory folder"),
        "{}",
        stderr(&out)
    );

    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("snapguard.toml");
    let scan_with = |config: &Path| {
        snapguard(&[
            "scan",
            "--inventory",
            "fixtures/demo-org",
            "--config",
            config.to_str().unwrap(),
        ])
    };
    fs::write(&config, "[protection]\nmax_snapshot_age = \"soon\"\n").unwrap();
    let out = scan_with(&config);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("snapguard.toml:2:"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("expected a duration"),
        "{}",
        stderr(&out)
    );

    // A [[consistency]] entry that would freeze without a way back names its own header.
    fs::write(
        &config,
        "[tags]\nrequired = [\"Owner\"]\n\n[[consistency]]\nselect = { Role = \"db\" }\n\
         pre = { document = \"AWS-RunShellScript\" }\n",
    )
    .unwrap();
    let out = scan_with(&config);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("snapguard.toml:4:1: consistency[0].post: an entry needs both"),
        "{}",
        stderr(&out)
    );
}

/// The demo org's backup coverage, exactly: each account-region's figures.
#[test]
fn demo_org_coverage_is_exactly_this() {
    let dir = root().join("fixtures/demo-org");
    let (report, _) = scan_json(&dir, Some(&dir.join("snapguard.toml")));
    insta::assert_snapshot!("demo_org_coverage", coverage_lines(&report).join("\n"));
}

/// One line per account-region: volumes (with a recent snapshot, copied), snapshots (in
/// Recycle Bin scope); `?` for a figure the report leaves out as unknown.
fn coverage_lines(report: &Value) -> Vec<String> {
    let figure = |c: &Value, key: &str| match &c[key] {
        Value::Null => "?".to_owned(),
        n => n.to_string(),
    };
    report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} volumes {} recent {} copied {} snapshots {} in-recycle-bin {}",
                c["account_id"].as_str().unwrap(),
                c["region"].as_str().unwrap(),
                c["volumes"],
                figure(c, "volumes_with_recent_snapshot"),
                figure(c, "volumes_copied"),
                c["snapshots"],
                figure(c, "snapshots_in_recycle_bin_scope"),
            )
        })
        .collect()
}

/// A coverage figure follows the rules in force: with its rule turned off it is left out as
/// unknown (SG-PROT-001 off once made every volume look recently snapshotted), and the other
/// figures stay as they were.
#[test]
fn coverage_figure_of_a_rule_turned_off_is_unknown() {
    let dir = root().join("fixtures/demo-org");
    let config = fs::read_to_string(dir.join("snapguard.toml")).unwrap();
    let (full, _) = scan_json(&dir, Some(&dir.join("snapguard.toml")));
    let full = coverage_lines(&full);
    let tmp = tempfile::tempdir().unwrap();
    for (rule, key, word) in [
        ("SG-PROT-001", "volumes_with_recent_snapshot", "recent"),
        ("SG-PROT-002", "volumes_copied", "copied"),
        ("SG-PROT-003", "volumes_copied", "copied"),
        (
            "SG-RBIN-001",
            "snapshots_in_recycle_bin_scope",
            "in-recycle-bin",
        ),
        (
            "SG-RBIN-005",
            "snapshots_in_recycle_bin_scope",
            "in-recycle-bin",
        ),
    ] {
        let path = tmp.path().join(format!("{rule}.toml"));
        fs::write(
            &path,
            format!("{config}\n[rules.{rule}]\nenabled = false\n"),
        )
        .unwrap();
        let (report, _) = scan_json(&dir, Some(&path));
        for c in report["coverage"].as_array().unwrap() {
            assert!(c.get(key).is_none(), "{rule} off, yet {key}: {c}");
        }
        let expected: Vec<String> = full
            .iter()
            .map(|line| {
                let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
                let at = words.iter().position(|w| w == word).unwrap() + 1;
                words[at] = "?".to_owned();
                words.join(" ")
            })
            .collect();
        assert_eq!(coverage_lines(&report), expected, "{rule} off");
    }
}

#[test]
fn rules_and_explain() {
    let out = snapguard(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for rule in RULES {
        assert!(
            text.contains(rule.id) && text.contains(rule.name),
            "rules lacks {}",
            rule.id
        );
    }
    // With a framework: only the rules that check one of its controls, each with them.
    let text = stdout(&snapguard(&["rules", "--framework", "cis-3.0"]));
    assert!(
        text.contains("SG-PROT-010") && text.contains("cis-3.0/2.2.1"),
        "{text}"
    );
    assert!(!text.contains("SG-PROT-001"), "{text}");
    let out = snapguard(&["rules", "--framework", "pci"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected one of fsbp, cis-3.0"));
    let text = stdout(&snapguard(&["explain", "SG-SHARE-003"]));
    assert!(
        text.contains(
            "- AWS Foundational Security Best Practices v1.0.0 EC2.1: Amazon EBS snapshots should \
         not be public"
        ),
        "{text}"
    );
    assert!(
        text.contains("- NIST.800-53.r5 AC-3: Access Enforcement\n"),
        "{text}"
    );

    let out = snapguard(&["explain", "SG-PROT-001"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# SG-PROT-001 volume-without-recent-snapshot"));
    for section in [
        "## What it checks",
        "## Why it matters",
        "## Example",
        "## Remediation",
    ] {
        assert!(text.contains(section), "explain lacks {section}");
    }
    assert_eq!(
        stdout(&snapguard(&["explain", "volume-without-recent-snapshot"])),
        text
    );
    let out = snapguard(&["explain", "SG-NOPE-001"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule has the id or name \"SG-NOPE-001\""));
}

/// Every `snapguard` command in the README's and docs' shell and YAML blocks, as arguments:
/// continuation lines joined, cut at the first unquoted `|`, `&&`, `;`, `>` or `#`, quotes
/// removed, a shell variable standing for `x` (an array expansion for nothing). `cargo run
/// [--release] --` counts as `snapguard`.
fn documented_commands() -> Vec<(String, Vec<String>)> {
    let start = regex::Regex::new(
        r"(?:^|[\s;&|(]|run:\s*)(?:snapguard|cargo run(?: --release)? --)\s+([a-z][^\n]*)",
    )
    .unwrap();
    let block = regex::Regex::new(r"(?s)```(sh|bash|yaml|yml)\n(.*?)```").unwrap();
    let continuation = regex::Regex::new(r"\\\n\s*").unwrap();
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut commands = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for found in block.captures_iter(&text) {
            let joined = continuation.replace_all(&found[2], " ").into_owned();
            for line in joined.lines() {
                for command in start.captures_iter(line) {
                    commands.push((format!("{name}: {}", line.trim()), shell_words(&command[1])));
                }
            }
        }
    }
    commands
}

/// A shell command's words up to its first unquoted `|`, `&&`, `;`, `>` or `#`.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quote, mut started) = (None, false);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (None, '|' | '&' | ';' | '>' | '#' | ')') => break,
            (None, c) if c.is_whitespace() => {
                if started || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, c) => word.push(c),
        }
    }
    if started || !word.is_empty() {
        words.push(word);
    }
    let variable = regex::Regex::new(r"\$\{?[A-Za-z_]+\}?").unwrap();
    words
        .into_iter()
        .filter(|w| !w.contains("[@]"))
        .map(|w| variable.replace_all(&w, "x").into_owned())
        .collect()
}

#[test]
fn every_documented_command_is_one_snapguard_takes() {
    let commands = documented_commands();
    assert!(commands.len() >= 25, "{} commands found", commands.len());
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[String]| {
        Command::new(env!("CARGO_BIN_EXE_snapguard"))
            .args(args)
            .current_dir(dir.path())
            // Nothing reaches AWS: live commands fail at once on a closed port.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    // A usage error says so, with the usage: that is what no documented command may get.
    let wrong = run(&["scan".to_owned(), "--no-such-flag".to_owned()]);
    assert!(stderr(&wrong).contains("Usage:"));
    for (place, args) in &commands {
        // The bundled files are where the docs' recorded examples point.
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("fixtures/", &format!("{}/fixtures/", root().display())))
            .collect();
        let out = run(&args);
        let err = stderr(&out);
        assert!(!err.contains("Usage:"), "{place}\n{err}");
        // Those that read only bundled files run to their end and write what they say.
        let local = args.iter().any(|a| a.contains("/fixtures/"));
        if local {
            assert!(
                matches!(out.status.code(), Some(0..=7)) && !err.contains("error"),
                "{place}: {:?}\n{err}",
                out.status
            );
            for (flag, file) in args.iter().zip(args.iter().skip(1)) {
                if flag == "--output" || flag == "--out" {
                    let file = file.rsplit('=').next().unwrap();
                    assert!(dir.path().join(file).exists(), "{place}: no {file}");
                }
            }
        }
    }
}
