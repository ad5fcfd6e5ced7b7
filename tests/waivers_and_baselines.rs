//! End-to-end tests of waivers and baselines: a waived finding in every format, waivers that
//! expire or match nothing; stable fingerprints and the comparison with last night's report
//! (new, unchanged, resolved; what was not read tonight is not resolved).

mod demo_cli;

use demo_cli::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn fingerprints(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
        .collect()
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
