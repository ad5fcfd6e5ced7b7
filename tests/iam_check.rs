//! End-to-end tests of `snapguard iam check` over `fixtures/iam-check/`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = "fixtures/iam-check";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// Runs `snapguard iam check` with the fixtures' config. Relative paths (arguments with a `/`)
/// are relative to the fixtures.
fn check(args: &[&str]) -> Output {
    let config = format!("{FIXTURES}/snapguard.toml");
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.contains('/') && !a.starts_with('/') {
            true => format!("{FIXTURES}/{a}"),
            false => (*a).to_owned(),
        })
        .collect();
    Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(["iam", "check", "--config", &config])
        .args(&args)
        .current_dir(root())
        .output()
        .expect("run snapguard")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit status")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON on stdout ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

/// `document -> action -> verdict` of a JSON report.
fn verdict(report: &Value, address: &str, action: &str) -> String {
    let document = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["address"] == address)
        .unwrap_or_else(|| panic!("no document {address} in {report:#}"));
    let entry = document["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == action)
        .unwrap_or_else(|| panic!("no action {action} for {address}"));
    entry["verdict"].as_str().expect("a verdict").to_owned()
}

fn document<'r>(report: &'r Value, address: &str) -> &'r Value {
    report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["address"] == address)
        .unwrap_or_else(|| panic!("no document {address}"))
}

#[test]
fn policy_documents_are_evaluated() {
    let out = check(&[
        "policy/snapshot-cleanup.json",
        "policy/read-only.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["inputs"][0]["kind"], "policy_document");
    let cleanup = "snapshot-cleanup.json";
    assert_eq!(verdict(&report, cleanup, "ec2:DeleteSnapshot"), "allowed");
    assert_eq!(
        verdict(&report, cleanup, "ec2:DeregisterImage"),
        "not_allowed"
    );
    assert_eq!(
        verdict(&report, cleanup, "rbin:UnlockRule"),
        "allowed_conditional"
    );
    let grant = &document(&report, cleanup)["actions"][0];
    assert_eq!(grant["grants"][0]["sid"], "DeleteOldSnapshots");
    assert_eq!(grant["line"], 10);
    assert_eq!(grant["fails"], true);
    for action in ["ec2:DeleteSnapshot", "rbin:DeleteRule"] {
        assert_eq!(verdict(&report, "read-only.json", action), "not_allowed");
    }
}

#[test]
fn exit_status_follows_fail_on() {
    assert_eq!(code(&check(&["policy/read-only.json"])), 0);
    assert_eq!(code(&check(&["policy/snapshot-cleanup.json"])), 1);
    let none = check(&["policy/snapshot-cleanup.json", "--fail-on", "none"]);
    assert_eq!(code(&none), 0);
    // Only the conditional grant of rbin:* remains when DeleteSnapshot is not protected.
    let config = format!("{FIXTURES}/protected-delete-only.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(["iam", "check", "--config", &config, "--format", "json"])
        .arg(format!("{FIXTURES}/policy/read-only.json"))
        .current_dir(root())
        .output()
        .expect("run snapguard");
    let report = json(&out);
    let actions = document(&report, "read-only.json")["actions"]
        .as_array()
        .expect("actions")
        .len();
    assert_eq!(actions, 1, "iam.protected_actions is honoured");
    let bad = check(&["policy/read-only.json", "--fail-on", "sometimes"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("is not a verdict"),
        "{}",
        stderr(&bad)
    );
}

/// `[iam] regions` and `organization_id` decide aws:RequestedRegion and aws:PrincipalOrgID;
/// without them those conditions stay undecided (or restrict the resources to the Regions named).
#[test]
fn config_facts_decide_region_and_organization_conditions() {
    let run = |config: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_snapguard"))
            .args(["iam", "check", "--config", config, "--format", "json"])
            .arg(format!("{FIXTURES}/policy/admin-inside-org.json"))
            .arg(format!("{FIXTURES}/terraform/head/plan.json"))
            .current_dir(root())
            .output()
            .expect("run snapguard");
        json(&out)
    };
    let scp = "aws_organizations_policy.protect_backups";
    let without = run(&format!("{FIXTURES}/snapguard.toml"));
    assert_eq!(
        verdict(&without, "admin-inside-org.json", "ec2:DeleteSnapshot"),
        "allowed_conditional"
    );
    assert_eq!(
        verdict(&without, scp, "ec2:DeleteSnapshot"),
        "allowed_restricted_resource"
    );
    let with = run(&format!("{FIXTURES}/facts.toml"));
    assert_eq!(
        verdict(&with, "admin-inside-org.json", "ec2:DeleteSnapshot"),
        "allowed"
    );
    // The SCP denies only outside eu-west-1 and us-east-1; the backups are in us-east-1.
    assert_eq!(verdict(&with, scp, "ec2:DeleteSnapshot"), "allowed");
}

/// `--scp [LEVEL=]FILE`: plain SCP documents checked as guardrails at their levels, with the
/// reading of each level stated.
#[test]
fn scp_files_are_checked_as_guardrails_at_their_levels() {
    // Arguments as given, relative to the fixtures (LEVEL=FILE is not a path to rewrite).
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_snapguard"))
            .args(["iam", "check", "--config", "snapguard.toml"])
            .args(args)
            .current_dir(root().join(FIXTURES))
            .output()
            .expect("run snapguard")
    };
    let deny = "scp/protect-backups.json";
    let out = run(&[deny, "--scp", deny, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    // As a PATH the file is an identity policy; with --scp it is a guardrail.
    let guardrail = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["kind"] == "guardrail")
        .expect("a guardrail");
    let assumption = guardrail["assumptions"][0].as_str().expect("an assumption");
    assert!(
        assumption.starts_with("SCPs at level root (protect-backups.json): they allow nothing, so FullAWSAccess is assumed"),
        "{assumption}"
    );
    let verdict_of = |doc: &Value, action: &str| {
        doc["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .find(|a| a["action"] == action)
            .map(|a| a["verdict"].as_str().expect("a verdict").to_owned())
            .expect("the action")
    };
    assert_eq!(verdict_of(guardrail, "ec2:DeleteSnapshot"), "not_allowed");
    assert_eq!(verdict_of(guardrail, "rbin:DeleteRule"), "allowed");

    // With an allow-list at an OU below, what it does not allow is not allowed either.
    let out = run(&[
        "policy/read-only.json",
        "--scp",
        deny,
        "--scp",
        "ou-Workloads=scp/workloads-allow-list.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let allow_list = document(&report, "workloads-allow-list.json");
    assert_eq!(verdict_of(allow_list, "rbin:DeleteRule"), "not_allowed");
    assert_eq!(verdict_of(allow_list, "ec2:DeleteSnapshot"), "not_allowed");
    let readings: Vec<&str> = allow_list["assumptions"]
        .as_array()
        .expect("assumptions")
        .iter()
        .map(|a| a.as_str().expect("text"))
        .collect();
    assert!(
        readings[1]
            .starts_with("SCPs at level ou-Workloads (workloads-allow-list.json): an allow-list"),
        "{readings:?}"
    );
    let table = run(&[
        "policy/read-only.json",
        "--scp",
        "ou-Workloads=scp/workloads-allow-list.json",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("SCPs at ou-Workloads do not allow it"),
        "{text}"
    );

    // An SCP in an input, whose attachments are unknown, says how it was read.
    let out = run(&["terraform/head/plan.json", "--format", "json"]);
    let report = json(&out);
    let scp = document(&report, "aws_organizations_policy.protect_backups");
    let assumption = scp["assumptions"][0].as_str().expect("an assumption");
    assert!(
        assumption.contains("attachments are not known"),
        "{assumption}"
    );

    // A file without an SCP is an input error.
    let out = check(&[
        "policy/read-only.json",
        "--scp",
        "authorization-details/account.json",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--scp: expected a service control policy"),
        "{}",
        stderr(&out)
    );
}

/// A document AWS would reject is evaluated on the worst case, with a warning per statement.
#[test]
fn documents_aws_would_reject_are_warned_about() {
    let out = check(&["policy/rejected-by-aws.json", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let address = "rejected-by-aws.json";
    // Neither deny is relied upon: one names a NotPrincipal, the other shares its Sid.
    assert_eq!(verdict(&report, address, "ec2:DeleteSnapshot"), "allowed");
    assert_eq!(verdict(&report, address, "ec2:DeregisterImage"), "allowed");
    let warnings: Vec<&str> = document(&report, address)["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().expect("text"))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[1].starts_with("Statement[1] (Sid \"KeepSnapshots\"): AWS would reject the document: \"NotPrincipal\" is not allowed"), "{warnings:?}");
    assert!(
        warnings[2].contains("its Sid \"Operations\" is also the Sid of statement 0"),
        "{warnings:?}"
    );
    let table = stdout_of(&check(&["policy/rejected-by-aws.json"]));
    assert!(
        table.contains("  warning: Statement[1] (Sid \"KeepSnapshots\")"),
        "{table}"
    );
    let sarif: Value = serde_json::from_slice(
        &check(&["policy/rejected-by-aws.json", "--format", "sarif"]).stdout,
    )
    .expect("SARIF");
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notifications.len(), 3);
    assert_eq!(notifications[0]["level"], "warning");
}

fn stdout_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn authorization_details_evaluate_principals() {
    let out = check(&["authorization-details/account.json", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["inputs"][0]["kind"], "authorization_details");
    // alice gets the default (v2) version of the managed policy through her group.
    let alice = "arn:aws:iam::111122223333:user/alice";
    assert_eq!(verdict(&report, alice, "ec2:DeleteSnapshot"), "allowed");
    let evidence = &document(&report, alice)["actions"][0]["grants"][0]["policy"];
    assert_eq!(
        evidence,
        "group \"Operators\" managed policy arn:aws:iam::111122223333:policy/SnapshotJanitor"
    );
    assert_eq!(
        verdict(&report, alice, "ec2:ModifySnapshotAttribute"),
        "not_allowed"
    );
    // ci's inline ec2:* is cut down by its (URL-encoded) permissions boundary.
    let ci = "arn:aws:iam::111122223333:role/ci";
    assert_eq!(verdict(&report, ci, "ec2:DeleteSnapshot"), "not_allowed");
    // BackupAdmin may do everything, and is exempt.
    let admin = document(&report, "arn:aws:iam::111122223333:role/BackupAdmin");
    assert_eq!(admin["exempt"], true);
    assert_eq!(admin["actions"][0]["verdict"], "allowed");
    assert_eq!(admin["actions"][0]["fails"], false);
    assert_eq!(
        verdict(
            &report,
            "arn:aws:iam::111122223333:user/bob",
            "ec2:DeleteSnapshot"
        ),
        "not_allowed"
    );
}

#[test]
fn terraform_plans_are_evaluated() {
    let out = check(&["terraform/head/plan.json", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["inputs"][0]["kind"], "terraform_plan");
    let ci = "aws_iam_role_policy.ci";
    assert_eq!(verdict(&report, ci, "ec2:DeleteSnapshot"), "allowed");
    assert_eq!(verdict(&report, ci, "rbin:DeleteRule"), "not_allowed");
    let cleanup = "aws_iam_policy.cleanup";
    assert_eq!(
        verdict(&report, cleanup, "ec2:DeleteSnapshot"),
        "not_allowed"
    );
    let data = "data.aws_iam_policy_document.read_rules";
    assert_eq!(verdict(&report, data, "rbin:DeleteRule"), "not_allowed");
    // A policy computed during apply is unknown: the worst case, flagged.
    let builder = document(&report, "aws_iam_role.builder inline_policy \"artifacts\"");
    assert_eq!(builder["actions"][0]["verdict"], "allowed");
    let unknowns = builder["unknown_values"][0].as_str().expect("a note");
    assert!(unknowns.contains("unknown until deployment"), "{unknowns}");
    // The SCP keeps only a deny outside eu-west-1 and us-east-1: with the Regions of the
    // backups unknown, it leaves those two open.
    let scp = document(&report, "aws_organizations_policy.protect_backups");
    assert_eq!(scp["kind"], "guardrail");
    assert_eq!(scp["actions"][0]["denies"], false);
    assert_eq!(scp["actions"][0]["verdict"], "allowed_restricted_resource");
}

#[test]
fn cloudformation_templates_tolerate_intrinsic_functions() {
    let out = check(&[
        "cloudformation/head/stack.yaml",
        "cloudformation/stack.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["inputs"][0]["kind"], "cloudformation_template");
    assert_eq!(report["inputs"][1]["kind"], "cloudformation_template");
    let janitor = "JanitorRole policy \"janitor\"";
    assert_eq!(verdict(&report, janitor, "ec2:DeleteSnapshot"), "allowed");
    // `!Ref ExtraAction` in an Allow could be any action: read as "*".
    assert_eq!(
        verdict(&report, janitor, "ec2:ModifySnapshotAttribute"),
        "allowed"
    );
    let notes = document(&report, janitor)["unknown_values"].to_string();
    assert!(
        notes.contains("Statement[1].Action[1]: !Ref value read as \\\"*\\\""),
        "{notes}"
    );
    assert!(
        notes.contains("!Sub value read as \\\"arn:aws:ec2:*::snapshot/*\\\""),
        "{notes}"
    );
    // `!GetAtt` in a condition: the grant is read as unconditional.
    assert_eq!(
        verdict(&report, "ImageSharing", "ec2:ModifyImageAttribute"),
        "allowed"
    );
    let scp = document(&report, "ProtectBackups");
    assert_eq!(scp["actions"][0]["denies"], true);
    assert_eq!(scp["actions"][1]["denies"], false);
    // JSON template: Fn::Sub resource, and an SCP whose Effect is Fn::If (read as Allow).
    let group = "RecycleBinAdmins policy \"rbin-admin\"";
    assert_eq!(verdict(&report, group, "rbin:UpdateRule"), "allowed");
    assert_eq!(verdict(&report, group, "rbin:DeleteRule"), "not_allowed");
    let unknown_effect = document(&report, "DenyRecycleBinChanges");
    assert_eq!(unknown_effect["actions"][4]["denies"], false);
    assert!(unknown_effect["unknown_values"][0]
        .as_str()
        .expect("a note")
        .contains("Effect: Fn::If value read as \"Allow\""));
}

#[test]
fn base_reports_regressions_and_fixes() {
    let out = check(&[
        "terraform/head/plan.json",
        "cloudformation/head/stack.yaml",
        "--base",
        "terraform/base/plan.json",
        "cloudformation/base/stack.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert!(
        report.get("documents").is_none(),
        "only changes are reported"
    );
    let changes = |key: &str| -> Vec<(String, String, String, String)> {
        report[key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|c| {
                let text = |k: &str| c[k].as_str().expect(k).to_owned();
                (
                    text("address"),
                    text("action"),
                    text("before"),
                    text("after"),
                )
            })
            .collect()
    };
    let regressions = changes("regressions");
    let has = |address: &str, action: &str, before: &str, after: &str| {
        regressions.contains(&(address.into(), action.into(), before.into(), after.into()))
    };
    // ec2:Describe* -> ec2:*
    assert!(has(
        "aws_iam_role_policy.ci",
        "ec2:DeleteSnapshot",
        "not_allowed",
        "allowed"
    ));
    // The SCP lost its deny; only a deny outside two Regions is left.
    let scp = "aws_organizations_policy.protect_backups";
    assert!(has(
        scp,
        "rbin:UnlockRule",
        "not_allowed",
        "allowed_restricted_resource"
    ));
    assert!(has(
        "ProtectBackups",
        "ec2:DeregisterImage",
        "not_allowed",
        "allowed"
    ));
    // A new document that grants.
    assert!(has(
        "ImageSharing",
        "ec2:ModifyImageAttribute",
        "not_allowed",
        "allowed"
    ));
    // Unchanged verdicts are not reported.
    assert!(!regressions
        .iter()
        .any(|r| r.0 == "aws_iam_role.builder inline_policy \"artifacts\""));
    let fixes = changes("fixes");
    assert_eq!(
        fixes,
        [(
            "aws_iam_policy.cleanup".to_owned(),
            "ec2:DeleteSnapshot".to_owned(),
            "allowed".to_owned(),
            "not_allowed".to_owned()
        )]
    );
    let scp_change = report["regressions"]
        .as_array()
        .expect("regressions")
        .iter()
        .find(|c| c["address"] == scp)
        .expect("the SCP regression");
    assert_eq!(scp_change["fails"], true, "a lost deny fails the check");

    // Only the fix: exit 0.
    let fixed = check(&[
        "terraform/base/plan.json",
        "--base",
        "terraform/head/plan.json",
    ]);
    let table = String::from_utf8_lossy(&fixed.stdout).into_owned();
    assert!(table.contains("Fixed ("), "{table}");
    // base and head swapped: the role policy narrowing and the restored deny are fixes, the
    // cleanup policy's grant is a regression.
    assert_eq!(code(&fixed), 1, "{table}");
    let unchanged = check(&[
        "terraform/head/plan.json",
        "--base",
        "terraform/head/plan.json",
    ]);
    assert_eq!(code(&unchanged), 0, "{}", stderr(&unchanged));
}

#[test]
fn bad_inputs_name_the_file_and_place() {
    let cases = [
        (
            "bad/not-json.json",
            "bad/not-json.json:4:",
            "not valid JSON",
        ),
        (
            "bad/no-statement.json",
            "bad/no-statement.json:1: ",
            "the policy has no \"Statement\" element",
        ),
        (
            "bad/bad-effect.json",
            "bad/bad-effect.json:5: ",
            "Statement[1].Effect: expected \"Allow\" or \"Deny\", found \"Permit\"",
        ),
        (
            "bad/unknown-shape.yaml",
            "bad/unknown-shape.yaml:1: ",
            "unknown input: expected a policy document",
        ),
        (
            "bad/missing.json",
            "bad/missing.json: ",
            "cannot read the file",
        ),
        (
            "bad/cloudformation-type-damaged.yaml",
            "bad/cloudformation-type-damaged.yaml:10: ",
            "CleanupPolicy: Type: expected a resource type name such as AWS::IAM::Role, found an object",
        ),
        (
            "bad/cloudformation-scp-type-misspelt.yaml",
            "bad/cloudformation-scp-type-misspelt.yaml:9: ",
            "ProtectBackups: Properties.Type: expected one of SERVICE_CONTROL_POLICY, ",
        ),
        // `terraform show -json` writes every attribute it knows and marks the rest unknown.
        (
            "bad/terraform-role-without-inline-policy.json",
            "bad/terraform-role-without-inline-policy.json:126: ",
            "aws_iam_role.builder: inline_policy is missing and not marked unknown; expected a list",
        ),
        // A user without `GroupList` would lose what their groups grant.
        (
            "bad/authorization-details-user-without-group-list.json",
            "bad/authorization-details-user-without-group-list.json:3: ",
            "UserDetailList[0]: missing field `GroupList`",
        ),
        // An absent list was not collected: it is not "no roles".
        (
            "bad/authorization-details-without-roles.json",
            "bad/authorization-details-without-roles.json:1: ",
            "missing field `RoleDetailList`; expected all four lists",
        ),
    ];
    for (file, place, message) in cases {
        let out = check(&[file]);
        assert_eq!(code(&out), 2, "{file}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{FIXTURES}/{place}")),
            "{file}: {err}"
        );
        assert!(err.contains(message), "{file}: {err}");
    }
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let out = check(&[
        "policy/snapshot-cleanup.json",
        "bad/bad-effect.json",
        "policy/read-only.json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 2);
    let report = json(&out);
    assert_eq!(report["documents"].as_array().expect("documents").len(), 2);
    assert_eq!(
        verdict(&report, "snapshot-cleanup.json", "ec2:DeleteSnapshot"),
        "allowed"
    );
    assert_eq!(report["errors"][0]["line"], 5);
    assert!(
        stderr(&out).contains("bad/bad-effect.json:5:"),
        "{}",
        stderr(&out)
    );
}

fn sarif(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--format", "sarif"]);
    let out = check(&args);
    json(&out)
}

/// (ruleId, uri, startLine) of every result.
fn sarif_results(log: &Value) -> Vec<(String, String, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().expect("ruleId").to_owned(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_owned(),
                location["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn sarif_points_at_the_granting_statement() {
    let log = sarif(&[
        "policy/snapshot-cleanup.json",
        "cloudformation/head/stack.yaml",
    ]);
    assert_eq!(log["version"], "2.1.0");
    let results = sarif_results(&log);
    let policy = format!("{FIXTURES}/policy/snapshot-cleanup.json");
    let template = format!("{FIXTURES}/cloudformation/head/stack.yaml");
    // JSON policy: statement 1 starts on line 10, statement 2 on line 16.
    assert!(
        results.contains(&("SG-IAM-001".into(), policy.clone(), 10)),
        "{results:?}"
    );
    assert!(
        results.contains(&("SG-IAM-004".into(), policy, 16)),
        "{results:?}"
    );
    // YAML template: the janitor's second statement ("- Sid: DeleteStackSnapshots") is line 27,
    // the image-sharing statement line 42.
    assert!(
        results.contains(&("SG-IAM-001".into(), template.clone(), 27)),
        "{results:?}"
    );
    assert!(
        results.contains(&("SG-IAM-003".into(), template, 42)),
        "{results:?}"
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"].to_string();
    assert!(rules.contains("SG-IAM-005"), "{rules}");
}

/// AWS Backup's and DLM's destructive and guardrail-weakening actions are protected by default,
/// each under the rule of its harm: `backup:*` reaches SG-IAM-007 and -008 on every resource,
/// a grant on one lifecycle policy only some, and read-only grants nothing.
#[test]
fn backup_and_lifecycle_actions_have_rules_of_their_own() {
    let out = check(&["policy/backup-operator.json", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let policy = format!("{FIXTURES}/policy/backup-operator.json");
    for (action, expected) in [
        ("backup:DeleteRecoveryPoint", "allowed"),
        ("backup:UpdateRecoveryPointLifecycle", "allowed"),
        ("backup:PutBackupVaultLockConfiguration", "allowed"),
        ("backup:UpdateRegionSettings", "allowed"),
        ("dlm:UpdateLifecyclePolicy", "allowed_restricted_resource"),
        ("dlm:DeleteLifecyclePolicy", "not_allowed"),
        ("ec2:UnlockSnapshot", "not_allowed"),
        ("ec2:DeleteSnapshot", "not_allowed"),
    ] {
        assert_eq!(
            verdict(&report, "backup-operator.json", action),
            expected,
            "{action}"
        );
    }
    let log = sarif(&["policy/backup-operator.json"]);
    let results = sarif_results(&log);
    // Statement 1 (backup:*) starts on line 10, statement 2 (one lifecycle policy) on line 16.
    for (rule, line) in [("SG-IAM-007", 10), ("SG-IAM-008", 10), ("SG-IAM-008", 16)] {
        assert!(
            results.contains(&(rule.into(), policy.clone(), line)),
            "{rule} at line {line}: {results:?}"
        );
    }
    assert!(
        results
            .iter()
            .all(|(rule, ..)| rule == "SG-IAM-007" || rule == "SG-IAM-008"),
        "{results:?}"
    );
}

#[test]
fn sarif_uris_are_relative_to_the_source_root_or_file_uris() {
    // An absolute path inside the working folder (the repository root) is given relative to
    // %SRCROOT%, which the run declares; one outside it is a file: URI (never a bare path).
    let inside = root().join(FIXTURES).join("policy/snapshot-cleanup.json");
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("my policies").join("cleanup.json");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&inside, &copy).unwrap();
    let log = sarif(&[inside.to_str().unwrap(), copy.to_str().unwrap()]);
    let locations: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .collect();
    let relative = format!("{FIXTURES}/policy/snapshot-cleanup.json");
    assert!(
        locations
            .iter()
            .any(|l| l["uri"] == relative.as_str() && l["uriBaseId"] == "%SRCROOT%"),
        "{locations:?}"
    );
    let file_uri = format!(
        "file://{}/my%20policies/cleanup.json",
        outside.path().display()
    );
    assert!(
        locations
            .iter()
            .any(|l| l["uri"] == file_uri.as_str() && l.get("uriBaseId").is_none()),
        "{locations:?}"
    );
    let base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(base, format!("file://{}/", root().display()));
}

#[test]
fn sarif_with_base_reports_regressions_only() {
    let log = sarif(&[
        "terraform/head/plan.json",
        "--base",
        "terraform/base/plan.json",
    ]);
    let results = sarif_results(&log);
    let plan = format!("{FIXTURES}/terraform/head/plan.json");
    assert!(
        results.contains(&("SG-IAM-005".into(), plan.clone(), 118)),
        "{results:?}"
    );
    assert!(
        results.contains(&("SG-IAM-001".into(), plan, 73)),
        "{results:?}"
    );
    assert!(
        !log["runs"][0]["results"]
            .to_string()
            .contains("aws_iam_policy.cleanup"),
        "fixes are not results"
    );
}

/// The vendored schema's `language` pattern has a known erratum; `reports/tests/formats.rs`
/// corrects it the same way.
const LANGUAGE_PATTERN_ERRATUM: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";

#[test]
fn sarif_is_valid_against_the_published_schema() {
    let published = std::fs::read_to_string(root().join("reports/tests/sarif-schema-2.1.0.json"))
        .expect("the vendored SARIF schema");
    let schema: Value =
        serde_json::from_str(&published.replace(LANGUAGE_PATTERN_ERRATUM, LANGUAGE_PATTERN))
            .expect("schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    for log in [
        sarif(&["policy/snapshot-cleanup.json", "bad/not-json.json"]),
        sarif(&[
            "terraform/head/plan.json",
            "--base",
            "terraform/base/plan.json",
        ]),
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("report.json");
    let out = check(&[
        "policy/read-only.json",
        "--format",
        "json",
        "--output",
        path.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the report")).expect("JSON");
    assert_eq!(report["failing"], false);
}

/// The remediation roles snapguard ships hold nothing of SG-IAM-001, -002, -004 or -007: they
/// may change sharing (to remove offending shares and make the temporary share with the archive
/// account, denied when it would add `all` or another account), and the remediation role may
/// set snapshot block public access, which the gate reports under SG-IAM-008 because EC2 takes
/// any state there (`unblocked` too) and has no condition key to hold it to
/// `block-all-sharing`. The opt-in policy for governance-mode snapshot locks holds
/// `ec2:LockSnapshot`, SG-IAM-008 too (it can shorten a governance-mode lock); the one for EBS
/// encryption by default holds nothing protected. Those grants fail the gate; nothing else does.
#[test]
fn the_shipped_remediation_roles_fail_the_gate_only_on_block_public_access_and_snapshot_locks() {
    let template = root().join("deploy/cloudformation/remediation-roles.yaml");
    let out = check(&[template.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let remediation = "SnapguardRemediationRole policy \"snapguard-remediation\"";
    let archive = "SnapguardArchiveRole policy \"snapguard-archive-copies\"";
    let encryption = "SnapguardEbsEncryptionByDefaultPolicy policy \"snapguard-opt-in-ebs-encryption-by-default\"";
    let lock = "SnapguardGovernanceSnapshotLockPolicy policy \"snapguard-opt-in-governance-snapshot-lock\"";
    for role in [remediation, archive, encryption, lock] {
        for action in [
            "ec2:DeleteSnapshot",
            "ec2:DeregisterImage",
            "rbin:DeleteRule",
            "rbin:UpdateRule",
            "rbin:UnlockRule",
            "ec2:UnlockSnapshot",
            "ec2:DisableEbsEncryptionByDefault",
        ] {
            assert_eq!(
                verdict(&report, role, action),
                "not_allowed",
                "{role} {action}"
            );
        }
        for action in iam::default_protected_actions() {
            let expected = match (role, action.as_str()) {
                (r, "ec2:EnableSnapshotBlockPublicAccess") if r == remediation => "allowed",
                (r, "ec2:ModifySnapshotAttribute" | "ec2:ModifyImageAttribute")
                    if r == remediation =>
                {
                    "allowed_conditional"
                }
                (r, "ec2:LockSnapshot") if r == lock => "allowed",
                _ => "not_allowed",
            };
            assert_eq!(verdict(&report, role, &action), expected, "{role} {action}");
        }
    }
}

/// `iam check` run in `fixtures/regressions/iam-base-same-file-name`: two environments, each
/// with its own `plan.json`, where only prod widens `ec2:Describe*` to `ec2:*`.
fn check_environments(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(["iam", "check", "--format", "json"])
        .args(args)
        .current_dir(root().join("fixtures/regressions/iam-base-same-file-name"))
        .output()
        .expect("run snapguard")
}

#[test]
fn base_files_pair_by_path_in_every_argument_order() {
    let (hp, hs) = ("head/prod/plan.json", "head/staging/plan.json");
    let (bp, bs) = ("base/prod/plan.json", "base/staging/plan.json");
    let orders: [&[&str]; 8] = [
        &[hp, hs, "--base", bp, bs],
        &[hs, hp, "--base", bp, bs],
        &[hp, hs, "--base", bs, bp],
        &[hs, hp, "--base", bs, bp],
        &["--base", bs, bp, "--", hp, hs],
        &["--base", bp, "--base", bs, "--", hs, hp],
        &[hs, "--base", bs, "--fail-on", "allowed", hp, "--base", bp],
        &[
            "--base=base/staging/plan.json",
            hp,
            "--base=base/prod/plan.json",
            hs,
        ],
    ];
    for args in orders {
        let out = check_environments(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        let report = json(&out);
        let regressions: Vec<(&str, &str)> = report["regressions"]
            .as_array()
            .expect("regressions")
            .iter()
            .map(|r| (r["file"].as_str().unwrap(), r["action"].as_str().unwrap()))
            .collect();
        assert!(
            regressions.contains(&(hp, "ec2:DeleteSnapshot")),
            "{args:?}: {regressions:?}"
        );
        assert!(
            regressions.iter().all(|(file, _)| *file == hp),
            "staging did not change: {args:?}: {regressions:?}"
        );
        let mut compared: Vec<(String, String)> = report["compared"]
            .as_array()
            .expect("compared")
            .iter()
            .map(|p| (p["file"].to_string(), p["base"].to_string()))
            .collect();
        compared.sort();
        assert_eq!(
            compared,
            [
                (format!("{hp:?}"), format!("{bp:?}")),
                (format!("{hs:?}"), format!("{bs:?}"))
            ],
            "{args:?}"
        );
    }
    // Base files before the head files without `--` leave no PATH: a usage error.
    let out = check_environments(&["--base", bp, bs, hp, hs]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn a_head_file_without_a_base_file_is_new() {
    // Staging's base only: prod has no base, so each of its grants is a regression.
    let out = check_environments(&[
        "head/prod/plan.json",
        "head/staging/plan.json",
        "--base",
        "base/staging/plan.json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let regressions = report["regressions"].as_array().expect("regressions");
    assert!(regressions
        .iter()
        .any(|r| r["file"] == "head/prod/plan.json"
            && r["action"] == "ec2:DeleteSnapshot"
            && r["presence"] == "added"
            && r["after"] == "allowed"));
    assert!(regressions
        .iter()
        .all(|r| r["file"] == "head/prod/plan.json"));
    assert!(report["compared"]
        .as_array()
        .expect("compared")
        .contains(&serde_json::json!({"file": "head/prod/plan.json", "base": null})));
    // The table says so first.
    let table = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args([
            "iam",
            "check",
            "head/prod/plan.json",
            "head/staging/plan.json",
        ])
        .args(["--base", "base/staging/plan.json"])
        .current_dir(root().join("fixtures/regressions/iam-base-same-file-name"))
        .output()
        .expect("run snapguard");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.starts_with(
            "head/prod/plan.json: no base file is paired with it; everything it grants is new."
        ),
        "{text}"
    );
}

/// Writes `files` into a temporary folder and runs `iam check` on all of them there.
fn check_files(files: &[(&str, String)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(["iam", "check", "--format", "json"])
        .args(files.iter().map(|(name, _)| name))
        .current_dir(dir.path())
        .output()
        .expect("run snapguard");
    (out, dir)
}

fn plan_with_policy(policy: &str) -> String {
    serde_json::json!({
        "format_version": "1.2",
        "resource_changes": [{
            "address": "aws_iam_policy.p", "type": "aws_iam_policy",
            "change": {"actions": ["create"], "after": {"policy": policy}, "after_unknown": {}}
        }]
    })
    .to_string()
}

#[test]
fn a_key_written_twice_is_refused_in_every_input_kind() {
    let policy_twice = r#"{"Statement": [{"Effect": "Allow", "Action": "ec2:DescribeImages", "Action": "ec2:DeleteSnapshot", "Resource": "*"}]}"#;
    let cases: [(&str, String, &str); 6] = [
        ("policy.json", policy_twice.to_owned(), "policy.json:1:"),
        // The policy is JSON text inside the plan: its own lines and columns are named.
        (
            "plan.json",
            plan_with_policy(policy_twice),
            "aws_iam_policy.p: policy: the policy text at its line 1: the key \"Action\" is written twice",
        ),
        (
            "plan-twice.json",
            "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"a.b\",\n \"type\": \"aws_iam_policy\", \"type\": \"aws_s3_bucket\"}]}".to_owned(),
            "plan-twice.json:2:28: the key \"type\" is written twice in one object, at 2:2 and at 2:28",
        ),
        (
            "details.json",
            "{\"UserDetailList\": [], \"GroupDetailList\": [], \"Policies\": [],\n\"RoleDetailList\": [{\"RoleName\": \"a\", \"Arn\": \"arn:aws:iam::111111111111:role/a\",\n\"RolePolicyList\": [], \"RolePolicyList\": [{\"PolicyName\": \"p\", \"PolicyDocument\": {}}]}]}".to_owned(),
            "details.json:3:23: the key \"RolePolicyList\" is written twice in one object, at 3:1 and at 3:23",
        ),
        (
            "stack.json",
            "{\"Resources\": {\"R\": {\"Type\": \"AWS::SNS::Topic\", \"Type\": \"AWS::IAM::ManagedPolicy\"}}}".to_owned(),
            "stack.json:1:49: the key \"Type\" is written twice in one object, at 1:22 and at 1:49",
        ),
        (
            "stack.yaml",
            "Resources:\n  R:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: {Statement: [{Effect: Allow, Action: '*', Resource: '*', Effect: Deny}]}\n".to_owned(),
            "stack.yaml:5:80: the key \"Effect\" is written twice in one object, at 5:37 and at 5:80",
        ),
    ];
    for (name, text, message) in cases {
        let (out, _dir) = check_files(&[(name, text)]);
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{name}: {}", stderr(&out));
    }
    // The same key with the same value has one meaning.
    let same = r#"{"Statement": [{"Effect": "Allow", "Action": "ec2:DeleteSnapshot", "Action": "ec2:DeleteSnapshot", "Resource": "*"}]}"#;
    let (out, _dir) = check_files(&[("same.json", same.to_owned())]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        verdict(&json(&out), "same.json", "ec2:DeleteSnapshot"),
        "allowed"
    );
}

#[test]
fn nesting_too_deep_is_refused_in_every_input_kind() {
    let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let policy = format!("{{\"Statement\": {}}}", deep(50_000));
    let cases = [
        ("policy.json", policy.clone()),
        ("plan.json", plan_with_policy(&policy)),
        (
            "stack.yaml",
            format!(
                "Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement: {}\n",
                deep(50_000)
            ),
        ),
        (
            "details.json",
            format!("{{\"UserDetailList\": {}}}", deep(50_000)),
        ),
    ];
    for (name, text) in cases {
        let (out, _dir) = check_files(&[(name, text)]);
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(name), "{name}: {err}");
        assert!(
            err.contains("lists and objects are nested too deep: more than 128 levels"),
            "{name}: {err}"
        );
    }
}
