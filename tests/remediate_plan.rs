//! End-to-end: `snapguard remediate plan` over the demo organization.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rules::remediation::Plan;

const DEMO: &str = "fixtures/demo-org";
const DEMO_CONFIG: &str = "fixtures/demo-org/snapguard.toml";

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

/// Plans into a fresh directory and returns the plan file's text.
fn plan_text(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let mut args = vec![
        "remediate",
        "plan",
        "--config",
        DEMO_CONFIG,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = snapguard(&args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "remediate plan {extra:?} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(summary.contains("safety"), "no summary table: {summary}");
    fs::read_to_string(&out).unwrap()
}

fn demo_findings() -> Vec<Value> {
    let run = snapguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let report: Value = serde_json::from_slice(&run.stdout).expect("JSON report");
    report["findings"].as_array().unwrap().clone()
}

#[test]
fn every_finding_is_planned_or_says_why_not() {
    let plan = Plan::from_json(&plan_text(&["--inventory", DEMO])).unwrap();
    let planned: BTreeSet<&str> = plan
        .actions
        .iter()
        .flat_map(|a| a.resolves.iter().map(String::as_str))
        .collect();
    let explained: BTreeSet<&str> = plan
        .not_planned
        .iter()
        .map(|n| n.fingerprint.as_str())
        .collect();
    let findings = demo_findings();
    assert!(!findings.is_empty());
    for finding in &findings {
        let fingerprint = finding["fingerprint"].as_str().unwrap();
        assert!(
            planned.contains(fingerprint) || explained.contains(fingerprint),
            "{} on {} is neither planned nor explained",
            finding["rule_id"],
            finding["resource_id"]
        );
        if finding["remediation"].is_object() && finding["waiver"]["active"] != true {
            assert!(
                planned.contains(fingerprint),
                "{} on {} has a remediation but no action",
                finding["rule_id"],
                finding["resource_id"]
            );
        }
    }
    assert!(plan.actions.iter().all(|a| a
        .calls
        .iter()
        .all(|c| !c.contains(":Delete") && !c.contains(":Deregister"))));
}

#[test]
fn planning_twice_gives_identical_files_that_round_trip() {
    let first = plan_text(&["--inventory", DEMO]);
    let second = plan_text(&["--inventory", DEMO]);
    assert_eq!(first, second);
    let plan = Plan::from_json(&first).unwrap();
    assert_eq!(plan.to_json(), first);
    assert_eq!(plan.created_at.to_string(), "2026-11-25T06:00:00Z");
}

#[test]
fn rules_and_accounts_narrow_the_plan() {
    let everything = Plan::from_json(&plan_text(&["--inventory", DEMO])).unwrap();
    let rbin = Plan::from_json(&plan_text(&["--inventory", DEMO, "--rules", "SG-RBIN-*"])).unwrap();
    assert!(!rbin.actions.is_empty() && rbin.actions.len() < everything.actions.len());
    assert!(rbin
        .actions
        .iter()
        .all(|a| a.rules.iter().all(|r| r.starts_with("SG-RBIN-"))));

    let account = "603817492250";
    let one = Plan::from_json(&plan_text(&[
        "--inventory",
        DEMO,
        "--accounts",
        account,
        "--rules",
        "SG-PROT-001,SG-SHARE-003",
    ]))
    .unwrap();
    assert!(!one.actions.is_empty());
    assert!(one.actions.iter().all(|a| a.account_id == account));
    let rules: BTreeSet<&str> = one
        .actions
        .iter()
        .flat_map(|a| a.rules.iter().map(String::as_str))
        .collect();
    assert_eq!(rules, BTreeSet::from(["SG-PROT-001", "SG-SHARE-003"]));
}

#[test]
fn plans_from_a_findings_report_with_config_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let scan = snapguard(&[
        "scan",
        "--inventory",
        DEMO,
        "--config",
        DEMO_CONFIG,
        "--fail-on",
        "none",
        "--output",
        &format!("json={}", report.display()),
    ]);
    assert!(
        matches!(scan.status.code(), Some(0 | 4)),
        "the demo scan failed"
    );
    let from_report =
        Plan::from_json(&plan_text(&["--findings", report.to_str().unwrap()])).unwrap();
    let from_inventory = Plan::from_json(&plan_text(&["--inventory", DEMO])).unwrap();
    assert_eq!(from_report.created_at, from_inventory.created_at);
    // The same findings resolve, though without volume tags some parameters differ.
    let resolved = |plan: &Plan| -> BTreeSet<String> {
        plan.actions
            .iter()
            .flat_map(|a| a.resolves.clone())
            .collect()
    };
    assert_eq!(resolved(&from_report), resolved(&from_inventory));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--inventory",
                DEMO,
                "--findings",
                "report.json",
                "--out",
                out,
            ],
            "cannot be used with",
        ),
        (
            &["--inventory", DEMO, "--rules", "SG-NOPE-*", "--out", out],
            "matches no rule",
        ),
        (
            &["--inventory", DEMO, "--accounts", "12", "--out", out],
            "12-digit",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["remediate", "plan"];
        all.extend(args);
        let run = snapguard(&all);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
