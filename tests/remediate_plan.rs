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

/// Plans `fixtures/cases/<case>/inventory` with `config` for `rules`; the plan it wrote.
fn plan_case(case: &str, config: &Path, rules: &str) -> Plan {
    let inventory = root().join("fixtures/cases").join(case).join("inventory");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let run = snapguard(&[
        "remediate",
        "plan",
        "--inventory",
        inventory.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--rules",
        rules,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{case}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    Plan::from_json(&fs::read_to_string(&out).unwrap()).unwrap()
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

/// `--opt-in` turns SG-PROT-010's review into the change itself and adds a governance-mode
/// lock beside SG-PROT-011's review; the plan's scope records it and the summary marks those
/// actions. Without it, no plan holds them.
#[test]
fn opt_in_guardrails_are_planned_only_when_asked_for() {
    use rules::remediation::{OptIn, Step};
    let narrow = ["--inventory", DEMO, "--rules", "SG-PROT-010,SG-PROT-011"];
    let without = Plan::from_json(&plan_text(&narrow)).unwrap();
    assert!(!without.actions.is_empty());
    assert!(without.actions.iter().all(|a| a.step.opt_in().is_none()));
    assert!(without.scope.opt_in.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let mut args = vec!["remediate", "plan", "--config", DEMO_CONFIG];
    args.extend(narrow);
    args.extend([
        "--opt-in",
        "governance-snapshot-lock,ebs-encryption-by-default",
        "--opt-in",
        "ebs-encryption-by-default",
        "--out",
        out.to_str().unwrap(),
    ]);
    let run = snapguard(&args);
    let summary = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let with = Plan::from_json(&fs::read_to_string(&out).unwrap()).unwrap();
    let opted_in = with
        .actions
        .iter()
        .filter(|a| a.step.opt_in().is_some())
        .count();
    assert!(
        summary.contains(&format!(
            "{} actions ({opted_in} by --opt-in ebs-encryption-by-default,governance-snapshot-lock), ",
            with.actions.len()
        )),
        "{summary}"
    );
    assert_eq!(with.scope.opt_in, OptIn::ALL);
    let of_rule = |plan: &Plan, rule: &str| -> Vec<&'static str> {
        plan.actions
            .iter()
            .filter(|a| a.rules.iter().any(|r| r == rule))
            .map(|a| a.step.kind())
            .collect()
    };
    // Every SG-PROT-010 finding: turned on, no review left.
    let encryption = of_rule(&with, "SG-PROT-010");
    assert!(!encryption.is_empty());
    assert!(encryption
        .iter()
        .all(|k| *k == "enable_ebs_encryption_by_default"));
    assert_eq!(
        encryption.len(),
        of_rule(&without, "SG-PROT-010").len(),
        "one action per account-region, as there was one review"
    );
    // Every SG-PROT-011 snapshot: a governance-mode lock, and still the review.
    let locks: BTreeSet<&str> = with
        .actions
        .iter()
        .filter_map(|a| match &a.step {
            Step::LockSnapshot(lock) => Some(lock.snapshot_id.as_str()),
            _ => None,
        })
        .collect();
    let reviewed: BTreeSet<&str> = without
        .actions
        .iter()
        .filter(|a| a.rules.iter().any(|r| r == "SG-PROT-011"))
        .map(|a| a.target.rsplit('/').next().unwrap())
        .collect();
    assert!(!locks.is_empty());
    assert_eq!(locks, reviewed);
    assert_eq!(
        of_rule(&with, "SG-PROT-011")
            .iter()
            .filter(|k| **k == "manual_review")
            .count(),
        reviewed.len()
    );
}

/// `[remediation] schedule_tags` tags a volume on no schedule only where the tags put it on one
/// and the volume has none of their keys; the others get one review per account-region with a
/// ready DLM policy that targets those tags.
#[test]
fn schedule_tags_put_untagged_volumes_on_the_schedule_that_selects_them() {
    use rules::remediation::Step;
    let case = "SG-PROT-008/fail-no-policy-targets-its-tag";
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("snapguard.toml");
    let base = fs::read_to_string(
        root()
            .join("fixtures/cases")
            .join(case)
            .join("snapguard.toml"),
    )
    .unwrap();
    fs::write(
        &config,
        format!("{base}\n[remediation]\nschedule_tags = {{ Backup = \"daily\" }}\n"),
    )
    .unwrap();
    let plan = plan_case(case, &config, "SG-PROT-008");
    assert_eq!(plan.actions.len(), 2, "{:#?}", plan.actions);
    let Step::AddTags(tags) = &plan.actions[0].step else {
        panic!("{:#?}", plan.actions);
    };
    assert_eq!(
        tags.resource_id, "vol-066ca9e844ff714af",
        "the untagged volume"
    );
    assert_eq!(tags.tags["Backup"], "daily");
    assert!(plan.actions[0]
        .note
        .as_deref()
        .unwrap()
        .contains("DLM policy"));
    let Step::ManualReview(review) = &plan.actions[1].step else {
        panic!("{:#?}", plan.actions);
    };
    assert!(
        review.items[0].contains("vol-0b85fa05f5629bee9")
            && review.items[0].contains("already has Backup=\"weekly\""),
        "{:?}",
        review.items
    );
    assert_eq!(
        review.document.as_ref().unwrap()["PolicyDetails"]["TargetTags"][0]["Value"],
        "daily"
    );
}

/// A volume an AWS Backup plan rule covers gets its missing backup and copy through AWS
/// Backup: a job into the rule's vault with the selection's role and the rule's lifecycle, and
/// a copy job of the recovery point to the copy action's vault.
#[test]
fn volumes_on_aws_backup_plans_are_remediated_through_aws_backup() {
    use rules::remediation::Step;
    let plan_case = |case: &str, rules: &str| {
        let config = root()
            .join("fixtures/cases")
            .join(case)
            .join("snapguard.toml");
        plan_case(case, &config, rules)
    };
    let role = "arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole";
    let plan = plan_case(
        "SG-PROT-001/fail-backup-plan-missed-its-runs",
        "SG-PROT-001",
    );
    assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
    let Step::StartBackupJob(job) = &plan.actions[0].step else {
        panic!("{:#?}", plan.actions);
    };
    assert!(job.resource_arn.ends_with(":volume/vol-07544532ce000336f"));
    assert_eq!(
        (job.backup_vault_name.as_str(), job.iam_role_arn.as_str()),
        ("Default", role)
    );
    assert_eq!(job.lifecycle.as_ref().unwrap().delete_after_days, Some(35));
    assert_eq!(plan.actions[0].calls, ["backup:StartBackupJob"]);

    let plan = plan_case(
        "SG-PROT-002/fail-backup-copy-action-did-not-run",
        "SG-PROT-002",
    );
    assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
    let Step::StartCopyJob(copy) = &plan.actions[0].step else {
        panic!("{:#?}", plan.actions);
    };
    assert_eq!(copy.source_backup_vault_name, "Default");
    assert_eq!(
        copy.destination_backup_vault_arn,
        "arn:aws:backup:us-west-2:111111111111:backup-vault:dr"
    );
    assert_eq!(copy.iam_role_arn, role);
    assert_eq!(
        plan.actions[0].region, "us-east-1",
        "copy jobs start in the source region"
    );

    // A selection that takes the instance: one job of the whole instance for its
    // crash-consistency finding, not a set of EC2 snapshots beside it.
    let plan = plan_case(
        "SG-PROT-004/fail-backup-plan-takes-the-instance",
        "SG-PROT-004",
    );
    assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
    let Step::StartBackupJob(job) = &plan.actions[0].step else {
        panic!("{:#?}", plan.actions);
    };
    assert!(
        job.resource_arn.contains(":instance/i-"),
        "{}",
        job.resource_arn
    );
    assert_eq!(plan.actions[0].rules, ["SG-PROT-004"]);
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
    let cases: [(&[&str], &str); 4] = [
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
        (
            &[
                "--inventory",
                DEMO,
                "--opt-in",
                "compliance-snapshot-lock",
                "--out",
                out,
            ],
            "[possible values: ebs-encryption-by-default, governance-snapshot-lock]",
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

#[test]
fn instances_a_consistency_entry_selects_are_snapshotted_quiesced() {
    use rules::remediation::plan::{Quiesce, ReviewTopic};
    use rules::remediation::Step;
    let case = |name: &str| format!("SG-PROT-012/{name}");
    let own_config = |name: &str| {
        root()
            .join("fixtures/cases")
            .join(case(name))
            .join("snapguard.toml")
    };
    let quiesced = |plan: &Plan| -> Vec<(String, Option<Quiesce>)> {
        plan.actions
            .iter()
            .map(|a| match &a.step {
                Step::CreateSnapshots(s) => (a.target.clone(), s.quiesce.clone()),
                other => panic!("{}: {other:#?}", a.target),
            })
            .collect()
    };

    let name = "fail-crash-consistent-or-failed-quiesce";
    let plan = plan_case(&case(name), &own_config(name), "SG-PROT-012");
    let actions = quiesced(&plan);
    assert_eq!(actions.len(), 6, "{actions:#?}");
    let vss = actions
        .iter()
        .filter(
            |(_, q)| matches!(q, Some(Quiesce::Vss { consistency }) if consistency == "sql-server"),
        )
        .count();
    assert_eq!(vss, 1, "{actions:#?}");
    for (target, quiesce) in &actions {
        match quiesce {
            Some(Quiesce::Commands {
                consistency,
                pre,
                post,
                max_freeze_seconds,
            }) => {
                assert_eq!(consistency, "databases");
                assert_eq!(pre.document, "snapguard-FreezeFilesystems");
                assert_eq!(pre.parameters["MaxFreezeSeconds"], ["10"]);
                assert_eq!(pre.parameters["Mountpoints"], ["/data"]);
                assert_eq!(post.document, "snapguard-ThawFilesystems");
                assert_eq!(*max_freeze_seconds, 10);
            }
            Some(Quiesce::Vss { .. }) => {}
            None => panic!("{target} is not quiesced"),
        }
    }
    assert!(plan
        .actions
        .iter()
        .all(|a| a.calls.first().map(String::as_str) == Some("ssm:SendCommand")));

    // An instance an AWS Backup plan takes is still snapshotted through Systems Manager: an
    // on-demand job cannot quiesce it (and its plan does not enable VSS).
    let name = "fail-backup-plan-without-vss";
    let plan = plan_case(&case(name), &own_config(name), "SG-PROT-012");
    let actions = quiesced(&plan);
    assert_eq!(actions.len(), 3, "{actions:#?}");
    let vss = actions
        .iter()
        .filter(|(_, q)| matches!(q, Some(Quiesce::Vss { .. })))
        .count();
    assert_eq!(vss, 2, "{actions:#?}");

    // Two entries that select one instance and quiesce it differently: a review, not a guess.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("snapguard.toml");
    let original =
        fs::read_to_string(own_config("fail-crash-consistent-or-failed-quiesce")).unwrap();
    fs::write(
        &config,
        format!(
            "{original}\n[[consistency]]\nname = \"orders\"\nselect = {{ Role = \"db-orders\" }}\n\
             pre = {{ document = \"orders-BackupMode\" }}\npost = {{ document = \"orders-EndBackupMode\" }}\n"
        ),
    )
    .unwrap();
    let plan = plan_case(&case(name), &config, "SG-PROT-012");
    let plan_two = plan_case(
        &case("fail-crash-consistent-or-failed-quiesce"),
        &config,
        "SG-PROT-012",
    );
    // There the Linux database (Role=db-orders) is one of the two.
    let kinds: Vec<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
    assert_eq!(
        kinds,
        ["create_snapshots", "create_snapshots", "manual_review"],
        "{:#?}",
        plan.actions
    );
    let reviews: Vec<_> = plan_two
        .actions
        .iter()
        .filter_map(|a| match &a.step {
            Step::ManualReview(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(reviews.len(), 1, "{:#?}", plan_two.actions);
    assert_eq!(reviews[0].topic, ReviewTopic::Consistency);
    assert!(
        reviews[0].items[0].contains("databases, orders"),
        "{:?}",
        reviews[0].items
    );

    // The role policy for those entries.
    let run = snapguard(&[
        "remediate",
        "consistency-policy",
        "--config",
        own_config("fail-crash-consistent-or-failed-quiesce")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let policy: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        serde_json::json!([
            "arn:aws:ssm:*:*:document/AWSEC2-CreateVssSnapshot",
            "arn:aws:ssm:*:*:document/snapguard-FreezeFilesystems",
            "arn:aws:ssm:*:*:document/snapguard-ThawFilesystems",
        ])
    );
    assert_eq!(
        policy["Statement"][1]["Condition"]["StringLike"]["aws:ResourceTag/Role"],
        "db-*"
    );
    let run = snapguard(&["remediate", "consistency-policy", "--config", DEMO_CONFIG]);
    assert_eq!(run.status.code(), Some(0));
    let run = snapguard(&[
        "remediate",
        "consistency-policy",
        "--config",
        root()
            .join("fixtures/cases/SG-PROT-012/pass-nothing-configured/snapguard.toml")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("no [[consistency]] entry"));
}
