//! End-to-end tests of the nightly features: waivers that expire or match nothing, comparison
//! with last night's report, shards and their merge, and the deployment files in deploy/.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn demo() -> PathBuf {
    root().join("fixtures/demo-org")
}

fn demo_config() -> PathBuf {
    demo().join("snapguard.toml")
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapguard"));
    command.args(args).current_dir(root());
    for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command.output().expect("run snapguard")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit status")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn text(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `scan --inventory DIR --config CONFIG` with more arguments.
fn scan(dir: &Path, config: &Path, more: &[&str]) -> Output {
    let mut args = vec!["scan", "--inventory", text(dir), "--config", text(config)];
    args.extend(more);
    run(&args, &[])
}

/// The JSON report of a scan that must succeed (findings and gaps are fine).
fn scan_json(dir: &Path, config: &Path, more: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "--fail-on", "none"];
    args.extend(more);
    let out = scan(dir, config, &args);
    assert!(matches!(code(&out), 0 | 4), "scan failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn fingerprints(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A scratch copy of the demo org to change.
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("demo-org");
    copy_dir(&demo(), &dir);
    (scratch, dir)
}

fn write_json(path: &Path, value: &Value) {
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A config: the demo org's plus `extra` TOML.
fn config_with(scratch: &Path, extra: &str) -> PathBuf {
    let path = scratch.join("snapguard.toml");
    let base = fs::read_to_string(demo_config()).unwrap();
    fs::write(&path, format!("{base}\n{extra}")).unwrap();
    path
}

const DEV: &str = "603817492250";

/// Every file of the inventory that mentions `id`, relative to it.
fn files_mentioning(dir: &Path, id: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if fs::read_to_string(&path).unwrap().contains(id) {
                found.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    found
}

/// A volume of the dev account with findings that nothing else in the inventory refers to (no
/// snapshot, no instance), so moving it affects only its own findings.
fn lone_volume(report: &Value) -> String {
    findings(report)
        .iter()
        .filter(|f| f["resource_type"] == "volume" && f["account_id"] == DEV)
        .map(|f| f["resource_id"].as_str().unwrap().to_owned())
        .find(|id| files_mentioning(&demo(), id).len() == 1)
        .expect("a volume of the demo org mentioned only in its describe-volumes.json")
}

/// Moves a volume of the dev account from us-east-1 to eu-west-1 in a recorded inventory.
fn move_volume(dir: &Path, volume_id: &str) {
    let from = dir.join(DEV).join("us-east-1/describe-volumes.json");
    let to = dir.join(DEV).join("eu-west-1/describe-volumes.json");
    let mut source: Value = serde_json::from_str(&fs::read_to_string(&from).unwrap()).unwrap();
    let volumes = source["Volumes"].as_array_mut().unwrap();
    let at = volumes
        .iter()
        .position(|v| v["VolumeId"] == volume_id)
        .unwrap();
    let mut volume = volumes.remove(at);
    volume["AvailabilityZone"] = "eu-west-1a".into();
    write_json(&from, &source);
    let mut target: Value = serde_json::from_str(&fs::read_to_string(&to).unwrap()).unwrap();
    target["Volumes"].as_array_mut().unwrap().push(volume);
    write_json(&to, &target);
}

// ---- Waivers ---------------------------------------------------------------------------------

#[test]
fn a_waived_finding_stays_in_every_format_and_does_not_fail_the_scan() {
    let case = root().join("fixtures/cases/SG-SHARE-003/fail-public-snapshot");
    let inventory = case.join("inventory");
    let scratch = tempfile::tempdir().unwrap();
    let config = scratch.path().join("snapguard.toml");
    fs::write(
        &config,
        "[[waivers]]\nrule = \"SG-SHARE-003\"\nresource = \"arn:aws:ec2:us-east-1::snapshot/*\"\n\
         reason = \"public test image data, ticket SEC-12\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    let unwaived = scan(
        &inventory,
        &case.join("snapguard.toml"),
        &["--fail-on", "critical"],
    );
    assert_eq!(
        code(&unwaived) & 1,
        1,
        "the public snapshot fails the scan unwaived"
    );
    let waived = scan(&inventory, &config, &["--fail-on", "critical"]);
    assert_eq!(
        code(&waived) & 1,
        0,
        "a waived finding does not count for --fail-on"
    );

    let report = scan_json(&inventory, &config, &[]);
    let public = findings(&report)
        .iter()
        .find(|f| f["rule_id"] == "SG-SHARE-003")
        .expect("the waived finding stays in the JSON report");
    assert_eq!(public["waiver"]["active"], true);
    assert_eq!(
        public["waiver"]["reason"],
        "public test image data, ticket SEC-12"
    );
    assert_eq!(report["summary"]["waived"], 1);

    let csv = stdout(&scan(
        &inventory,
        &config,
        &["--format", "csv", "--fail-on", "none"],
    ));
    let row = csv
        .lines()
        .find(|l| l.contains("SG-SHARE-003"))
        .expect("the waived finding stays in the CSV");
    assert!(row.contains("true") && row.contains("public test image data, ticket SEC-12"));

    let sarif: Value = serde_json::from_slice(
        &scan(
            &inventory,
            &config,
            &["--format", "sarif", "--fail-on", "none"],
        )
        .stdout,
    )
    .expect("a SARIF log");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "SG-SHARE-003")
        .expect("the waived finding stays in SARIF");
    assert_eq!(
        result["suppressions"][0]["justification"],
        "public test image data, ticket SEC-12"
    );
}

#[test]
fn an_expired_waiver_stops_waiving_and_says_which_findings_it_no_longer_covers() {
    // The demo org's SG-RBIN-004 waiver expired on 2026-10-31; the inventory is of 2026-11-25.
    let report = scan_json(&demo(), &demo_config(), &[]);
    let waiver = report["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["rule"] == "SG-RBIN-004")
        .unwrap();
    assert_eq!(waiver["expired"], true);
    assert_eq!(waiver["matched"], 1);
    let uncovered = waiver["fingerprints"][0].as_str().unwrap();
    let finding = findings(&report)
        .iter()
        .find(|f| f["fingerprint"] == uncovered)
        .unwrap();
    assert_eq!(finding["waiver"]["active"], false);
    assert_eq!(finding["rule_id"], "SG-RBIN-004");

    let table = stdout(&scan(&demo(), &demo_config(), &["--fail-on", "none"]));
    let line = table
        .lines()
        .find(|l| l.starts_with("EXPIRED: the waiver SG-RBIN-004"))
        .unwrap_or_else(|| panic!("no EXPIRED line in:\n{table}"));
    assert!(line.contains("2026-10-31") && line.contains("no longer covers 1 finding"));
    let after = &table[table.find(line).unwrap()..];
    assert!(after.contains(finding["resource_id"].as_str().unwrap()));
}

#[test]
fn a_waiver_that_matches_nothing_is_reported_and_leaves_the_exit_status_alone() {
    let scratch = tempfile::tempdir().unwrap();
    let config = config_with(
        scratch.path(),
        "[[waivers]]\nrule = \"SG-SHARE-003\"\n\
         resource = \"arn:aws:ec2:us-east-1::snapshot/snap-0000000000000gone\"\n\
         reason = \"the snapshot was deleted in March\"\nexpires = 2099-01-01\nowner = \"sec\"\n",
    );
    let report = scan_json(&demo(), &config, &[]);
    let waiver = report["waivers"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(waiver["matched"], 0);
    assert_eq!(waiver["expired"], false);
    assert_eq!(waiver["fingerprints"], serde_json::json!([]));

    let table = scan(&demo(), &config, &[]);
    assert!(
        stdout(&table).contains(
            "UNMATCHED: the waiver SG-SHARE-003 on \
             arn:aws:ec2:us-east-1::snapshot/snap-0000000000000gone (expires 2099-01-01, owner \
             sec) matched no finding"
        ),
        "{}",
        stdout(&table)
    );
    assert_eq!(code(&table), code(&scan(&demo(), &demo_config(), &[])));
}

// ---- Fingerprints and the baseline -----------------------------------------------------------

#[test]
fn fingerprints_are_the_same_on_every_run() {
    let first = scan_json(&demo(), &demo_config(), &[]);
    let second = scan_json(&demo(), &demo_config(), &[]);
    let order = |r: &Value| -> Vec<Value> {
        findings(r)
            .iter()
            .map(|f| f["fingerprint"].clone())
            .collect()
    };
    assert_eq!(order(&first), order(&second));
    assert_eq!(fingerprints(findings(&first)).len(), findings(&first).len());
}

#[test]
fn moving_a_resource_to_another_region_changes_only_its_fingerprints() {
    let before = scan_json(&demo(), &demo_config(), &[]);
    let volume = lone_volume(&before);
    let (_scratch, moved) = demo_copy();
    move_volume(&moved, &volume);
    let after = scan_json(&moved, &demo_config(), &[]);

    let about_volume = |r: &Value, region: &str| -> BTreeSet<String> {
        let of: Vec<Value> = findings(r)
            .iter()
            .filter(|f| f["resource_id"] == volume.as_str())
            .inspect(|f| assert_eq!(f["region"], region))
            .cloned()
            .collect();
        fingerprints(&of)
    };
    let (old, new) = (
        about_volume(&before, "us-east-1"),
        about_volume(&after, "eu-west-1"),
    );
    assert!(!old.is_empty() && old.len() == new.len());
    let (b, a) = (
        fingerprints(findings(&before)),
        fingerprints(findings(&after)),
    );
    assert_eq!(b.difference(&a).cloned().collect::<BTreeSet<_>>(), old);
    assert_eq!(a.difference(&b).cloned().collect::<BTreeSet<_>>(), new);
}

#[test]
fn a_baseline_sorts_findings_into_new_unchanged_and_resolved_and_the_table_leads_with_new() {
    let scratch = tempfile::tempdir().unwrap();
    let baseline = scratch.path().join("last-night.json");
    let before = scan_json(&demo(), &demo_config(), &[]);
    write_json(&baseline, &before);
    let volume = lone_volume(&before);
    let (_copy, moved) = demo_copy();
    move_volume(&moved, &volume);

    let tonight = scan_json(&moved, &demo_config(), &["--baseline", text(&baseline)]);
    let moved_count = findings(&tonight)
        .iter()
        .filter(|f| f["resource_id"] == volume.as_str())
        .count();
    let comparison = &tonight["baseline"];
    assert_eq!(comparison["collected_at"], before["collected_at"]);
    assert_eq!(
        comparison["summary"],
        serde_json::json!({
            "new": moved_count,
            "unchanged": findings(&tonight).len() - moved_count,
            "resolved": moved_count,
            "not_rescanned": 0,
        })
    );
    for f in findings(&tonight) {
        let expected = if f["resource_id"] == volume.as_str() {
            "new"
        } else {
            "unchanged"
        };
        assert_eq!(f["baseline"], expected, "{f}");
    }
    for f in comparison["resolved"].as_array().unwrap() {
        assert_eq!(f["resource_id"], volume.as_str());
        assert_eq!(f["region"], "us-east-1");
        assert_eq!(f["baseline"], "resolved");
    }

    let table = stdout(&scan(
        &moved,
        &demo_config(),
        &["--baseline", text(&baseline)],
    ));
    let since = table.find("Since the baseline").expect("a baseline line");
    let new = table.find("\nNew\n").expect("a New section");
    let summary = table.find(" findings: ").expect("the summary");
    let resolved = table
        .find("Resolved since the baseline")
        .expect("a Resolved section");
    assert!(
        since < new && new < summary && summary < resolved,
        "{table}"
    );
    assert!(table[new..summary].contains(&volume));
    assert!(table[resolved..].contains(&volume));
}

#[test]
fn fail_on_new_counts_only_new_findings() {
    let scratch = tempfile::tempdir().unwrap();
    let baseline = scratch.path().join("last-night.json");
    let before = scan_json(&demo(), &demo_config(), &[]);
    write_json(&baseline, &before);
    let same_night = ["--baseline", text(&baseline), "--fail-on", "low"];
    assert_eq!(code(&scan(&demo(), &demo_config(), &same_night)) & 1, 1);
    let only_new = [&same_night[..], &["--fail-on-new"]].concat();
    assert_eq!(code(&scan(&demo(), &demo_config(), &only_new)) & 1, 0);

    let (_copy, moved) = demo_copy();
    move_volume(&moved, &lone_volume(&before));
    assert_eq!(code(&scan(&moved, &demo_config(), &only_new)) & 1, 1);

    let without_baseline = scan(&demo(), &demo_config(), &["--fail-on-new"]);
    assert_eq!(code(&without_baseline), 2);
    assert!(stderr(&without_baseline).contains("--baseline"));
}

#[test]
fn findings_of_places_not_read_tonight_are_not_rescanned_never_resolved() {
    let scratch = tempfile::tempdir().unwrap();
    let baseline = scratch.path().join("last-night.json");
    let before = scan_json(&demo(), &demo_config(), &[]);
    write_json(&baseline, &before);

    // Tonight the prod account (734105862093) could not be read at all, and the dev account's
    // us-east-1 snapshots could not be listed.
    let (_copy, tonight_dir) = demo_copy();
    fs::remove_dir_all(tonight_dir.join("734105862093")).unwrap();
    fs::remove_file(
        tonight_dir
            .join(DEV)
            .join("us-east-1/describe-snapshots.json"),
    )
    .unwrap();
    let tonight = scan_json(
        &tonight_dir,
        &demo_config(),
        &["--baseline", text(&baseline)],
    );

    let comparison = &tonight["baseline"];
    assert_eq!(
        comparison["resolved"],
        serde_json::json!([]),
        "nothing was fixed, only not read"
    );
    let unknown = comparison["not_rescanned"].as_array().unwrap();
    let in_place = |f: &Value| {
        f["account_id"] == "734105862093" || (f["account_id"] == DEV && f["region"] == "us-east-1")
    };
    let expected: Vec<&Value> = findings(&before)
        .iter()
        .filter(|f| {
            in_place(f)
                && !fingerprints(findings(&tonight)).contains(f["fingerprint"].as_str().unwrap())
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(unknown.len(), expected.len());
    assert!(unknown
        .iter()
        .all(|f| in_place(f) && f["baseline"] == "not_rescanned"));
    assert_eq!(comparison["summary"]["resolved"], 0);
    let table = stdout(&scan(
        &tonight_dir,
        &demo_config(),
        &["--baseline", text(&baseline)],
    ));
    assert!(table.contains(&format!("{} not rescanned", unknown.len())));
    assert!(table.contains("not counted as resolved"));
}

#[test]
fn a_baseline_that_is_not_a_snapguard_report_of_this_schema_is_an_input_error() {
    let scratch = tempfile::tempdir().unwrap();
    let cases = [
        ("not-json.json", "night of 24 November\n", "is not JSON"),
        (
            "other.json",
            "{\"findings\": []}",
            "is not a snapguard JSON report",
        ),
        (
            "future.json",
            "{\"tool\": \"snapguard 9.0.0\", \"schema_version\": 2, \"findings\": []}",
            "is a snapguard report of schema_version 2",
        ),
        (
            "truncated.json",
            "{\"tool\": \"snapguard 0.1.0\", \"schema_version\": 1, \"findings\": []}",
            "is not a well-formed snapguard report",
        ),
    ];
    for (name, content, says) in cases {
        let path = scratch.path().join(name);
        fs::write(&path, content).unwrap();
        let out = scan(&demo(), &demo_config(), &["--baseline", text(&path)]);
        assert_eq!(code(&out), 2, "{name}");
        let message = stderr(&out);
        assert!(
            message.contains(name) && message.contains(says),
            "{name}: {message}"
        );
    }
    let missing = scan(
        &demo(),
        &demo_config(),
        &["--baseline", "no-such-report.json"],
    );
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no-such-report.json: cannot read the report"));
}

// ---- Shards and merge ------------------------------------------------------------------------

/// The report minus what legitimately differs between one run and merged shards.
fn comparable(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("source");
    report
}

fn account_ids(report: &Value) -> BTreeSet<String> {
    report["scope"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn merged_shards_equal_one_full_run() {
    let full = scan_json(&demo(), &demo_config(), &[]);
    let scratch = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 5] {
        let mut files = Vec::new();
        let mut covered = BTreeSet::new();
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let report = scan_json(&demo(), &demo_config(), &["--shard", &shard]);
            assert_eq!(report["shard"], serde_json::json!({"index": k, "count": n}));
            let accounts = account_ids(&report);
            assert!(covered.is_disjoint(&accounts), "shards {shard} overlap");
            covered.extend(accounts);
            let file = scratch.path().join(format!("shard-{k}-of-{n}.json"));
            write_json(&file, &report);
            files.push(file);
        }
        assert_eq!(covered, account_ids(&full), "the {n} shards cover the org");
        let mut args = vec!["merge"];
        args.extend(files.iter().rev().map(|f| text(f)));
        args.extend(["--format", "json", "--fail-on", "none"]);
        let merged = run(&args, &[]);
        assert_eq!(code(&merged), 4, "{}", stderr(&merged));
        let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
        assert_eq!(comparable(merged), comparable(full.clone()), "{n} shards");
    }
}

#[test]
fn merge_renders_any_format_and_applies_fail_on_and_baseline() {
    let scratch = tempfile::tempdir().unwrap();
    let full = scratch.path().join("full.json");
    write_json(&full, &scan_json(&demo(), &demo_config(), &[]));
    let shards: Vec<PathBuf> = (0..2)
        .map(|k| {
            let file = scratch.path().join(format!("shard-{k}.json"));
            write_json(
                &file,
                &scan_json(&demo(), &demo_config(), &["--shard", &format!("{k}/2")]),
            );
            file
        })
        .collect();
    let csv = scratch.path().join("merged.csv");
    let out = run(
        &[
            "merge",
            text(&shards[0]),
            text(&shards[1]),
            "--baseline",
            text(&full),
            "--fail-on-new",
            "--output",
            &format!("csv={}", text(&csv)),
        ],
        &[],
    );
    assert_eq!(
        code(&out),
        4,
        "nothing new, scan incomplete: {}",
        stderr(&out)
    );
    let table = stdout(&run(&["merge", text(&shards[0]), text(&shards[1])], &[]));
    assert!(table.starts_with("snapguard scanned 8 accounts"), "{table}");
    assert!(fs::read_to_string(&csv).unwrap().lines().count() > 30);
}

#[test]
fn merge_refuses_an_incomplete_or_mixed_set_of_shards() {
    let scratch = tempfile::tempdir().unwrap();
    let shard = |spec: &str| {
        let file = scratch
            .path()
            .join(format!("shard-{}.json", spec.replace('/', "-of-")));
        write_json(
            &file,
            &scan_json(&demo(), &demo_config(), &["--shard", spec]),
        );
        file
    };
    let (a, b, other) = (shard("0/3"), shard("1/3"), shard("0/2"));
    let full = scratch.path().join("full.json");
    write_json(&full, &scan_json(&demo(), &demo_config(), &[]));
    let cases: [(Vec<&Path>, &str); 4] = [
        (vec![&a, &b], "shard 2/3 is missing"),
        (vec![&a, &a, &b], "are both shard 0/3"),
        (vec![&a, &other], "the shards of one scan share N"),
        (vec![&full], "is not a shard report"),
    ];
    for (files, says) in cases {
        let mut args = vec!["merge"];
        args.extend(files.iter().map(|f| text(f)));
        let out = run(&args, &[]);
        assert_eq!(code(&out), 2, "{says}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
}

#[test]
fn shard_auto_takes_its_index_from_the_job_system() {
    let explicit = scan_json(&demo(), &demo_config(), &["--shard", "2/3"]);
    let (dir, config) = (demo(), demo_config());
    for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
        let args = [
            "scan",
            "--inventory",
            text(&dir),
            "--config",
            text(&config),
            "--shard",
            "auto/3",
            "--format",
            "json",
            "--fail-on",
            "none",
        ];
        let out = run(&args, &[(variable, "2")]);
        let auto: Value = serde_json::from_slice(&out.stdout).expect(variable);
        assert_eq!(auto, explicit, "{variable}");
    }
    let cases = [
        ("auto/3", "neither is set"),
        ("3/3", "does not exist"),
        ("1/0", "positive"),
    ];
    for (spec, says) in cases {
        let out = scan(&demo(), &demo_config(), &["--shard", spec]);
        assert_eq!(code(&out), 2, "{spec}");
        assert!(stderr(&out).contains(says), "{spec}: {}", stderr(&out));
    }
}

#[test]
fn shard_membership_depends_only_on_the_account_id() {
    // Removing accounts from the inventory does not move the others between shards.
    let full_shard = account_ids(&scan_json(&demo(), &demo_config(), &["--shard", "1/3"]));
    let (_copy, fewer) = demo_copy();
    for gone in ["195037628840", "559302184477", "847261930418"] {
        fs::remove_dir_all(fewer.join(gone)).unwrap();
    }
    let fewer_shard = account_ids(&scan_json(&fewer, &demo_config(), &["--shard", "1/3"]));
    let remaining: BTreeSet<String> = full_shard
        .iter()
        .filter(|a| !["195037628840", "559302184477", "847261930418"].contains(&a.as_str()))
        .cloned()
        .collect();
    assert_eq!(fewer_shard, remaining);
}

// ---- Deployment files ------------------------------------------------------------------------

fn yaml(path: &str) -> yaml_rust2::Yaml {
    let source = fs::read_to_string(root().join(path)).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&source)
        .unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
    assert_eq!(docs.len(), 1, "{path} holds one document");
    docs.remove(0)
}

fn json(path: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(root().join(path)).unwrap())
        .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// N of the `--shard auto/N` in a container's command line.
fn auto_shard_count(command: &str) -> u64 {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "--shard").expect("--shard");
    words[at + 1]
        .strip_prefix("auto/")
        .expect("--shard auto/N")
        .parse()
        .unwrap()
}

#[test]
fn the_kubernetes_indexed_job_runs_one_shard_per_index() {
    let job = yaml("deploy/kubernetes/indexed-job.yaml");
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().unwrap();
    assert_eq!(spec["parallelism"].as_i64(), Some(completions));
    let container = &spec["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(auto_shard_count(&args.join(" ")) as i64, completions);
}

#[test]
fn the_aws_batch_array_job_runs_one_shard_per_child() {
    let definition = json("deploy/aws-batch/job-definition.json");
    let command: Vec<&str> = definition["containerProperties"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let command = command.join(" ");
    assert!(command.contains("snapguard scan"));
    let submit = json("deploy/aws-batch/submit-array-job.json");
    assert_eq!(submit["jobDefinition"], definition["jobDefinitionName"]);
    let size = submit["arrayProperties"]["size"].as_u64().unwrap();
    assert_eq!(auto_shard_count(&command), size);
}

#[test]
fn the_scan_role_grants_only_the_reads_the_scan_needs() {
    let template = yaml("deploy/cloudformation/scan-role.yaml");
    let role = &template["Resources"]["SnapguardScanRole"];
    assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"));
    let trust = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"].as_str(), Some("sts:AssumeRole"));
    assert!(
        !trust["Condition"].is_badvalue(),
        "an optional ExternalId condition"
    );

    let read = regex::Regex::new(r"^[a-z0-9]+:(Describe|List|Get)[A-Za-z]+$").unwrap();
    let mut actions = BTreeSet::new();
    for policy in role["Properties"]["Policies"].as_vec().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_vec().unwrap() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            for action in statement["Action"].as_vec().unwrap() {
                let action = action.as_str().unwrap();
                assert!(read.is_match(action), "{action} is not a read-only action");
                actions.insert(action.to_owned());
            }
        }
    }
    // What the scan calls inside an account it assumed this role in: every operation of the
    // live source's own list but the Organizations reads and the STS calls, which it makes with
    // the scanner's own credentials in the management (or delegated administrator) account.
    let needed: BTreeSet<String> = snapguard_aws::OPERATIONS
        .iter()
        .filter(|op| !op.starts_with("organizations:") && !op.starts_with("sts:"))
        .map(|op| op.to_string())
        .collect();
    assert!(
        needed.contains("ec2:DescribeSnapshots")
            && needed.contains("iam:GetAccountAuthorizationDetails"),
        "{needed:?}"
    );
    let missing: Vec<&String> = needed.difference(&actions).collect();
    assert!(missing.is_empty(), "the scan role lacks {missing:?}");
    let extra: Vec<&String> = actions.difference(&needed).collect();
    assert!(
        extra.is_empty(),
        "the scan role grants more than the scan calls: {extra:?}"
    );
}

/// Every operation the remediation executor may send (its guard's list) is granted by the
/// shipped roles, and the roles grant nothing else but the KMS use encrypted copies need and
/// the tagging of the Recycle Bin rules they create.
#[test]
fn the_remediation_roles_grant_what_the_executor_calls_and_no_more() {
    let template = yaml("deploy/cloudformation/remediation-roles.yaml");
    let actions_of = |role: &str| -> BTreeSet<String> {
        let role = &template["Resources"][role];
        assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"));
        let mut actions = BTreeSet::new();
        for policy in role["Properties"]["Policies"].as_vec().unwrap() {
            for statement in policy["PolicyDocument"]["Statement"].as_vec().unwrap() {
                if statement["Effect"].as_str() != Some("Allow") {
                    continue;
                }
                let listed = match statement["Action"].as_vec() {
                    Some(list) => list.iter().map(|a| a.as_str().unwrap()).collect(),
                    None => vec![statement["Action"].as_str().unwrap()],
                };
                actions.extend(listed.into_iter().map(str::to_owned));
            }
        }
        actions
    };
    // Resource ARNs follow the partition the stack is deployed in (aws, aws-us-gov, aws-cn).
    let text =
        fs::read_to_string(root().join("deploy/cloudformation/remediation-roles.yaml")).unwrap();
    for line in text.lines().filter(|l| l.contains(":ec2:")) {
        assert!(line.contains("${AWS::Partition}"), "{line}");
    }
    let remediation = actions_of("SnapguardRemediationRole");
    let archive = actions_of("SnapguardArchiveRole");
    let service = |operation: &str| match operation {
        "ListRules" | "GetRule" | "ListTagsForResource" | "CreateRule" | "LockRule" => "rbin",
        "AssumeRole" | "GetCallerIdentity" => "sts",
        _ => "ec2",
    };
    // The remediator's own sts calls need no grant in these roles.
    let executor: BTreeSet<String> = snapguard_aws::remediate::guard::ALLOWED
        .iter()
        .filter(|op| service(op) != "sts")
        .map(|op| format!("{}:{op}", service(op)))
        .collect();
    let missing: Vec<&String> = executor.difference(&remediation).collect();
    assert!(missing.is_empty(), "the remediation role lacks {missing:?}");
    let extra: Vec<&String> = remediation
        .iter()
        .filter(|a| !executor.contains(*a) && !a.starts_with("kms:") && *a != "rbin:TagResource")
        .collect();
    assert!(
        extra.is_empty(),
        "the remediation role grants more: {extra:?}"
    );
    // In the archive account the executor only finds and makes copies.
    let archive_calls: BTreeSet<String> = [
        "ec2:DescribeSnapshots",
        "ec2:CopySnapshot",
        "ec2:CreateTags",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let archive_ec2: BTreeSet<String> = archive
        .iter()
        .filter(|a| !a.starts_with("kms:"))
        .cloned()
        .collect();
    assert_eq!(archive_ec2, archive_calls);
}
