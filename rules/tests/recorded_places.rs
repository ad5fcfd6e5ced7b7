//! The recorded reader reports every place it knows should exist and did not read (issue 12,
//! kind 4), always finishes its walks over the folder (kind 6), and reads disabled AMIs as
//! AMIs that still use their snapshots (kind 10). Each test starts from a fixture copied into
//! a temporary folder and damages it.

use std::fs;
use std::path::{Path, PathBuf};

use rules::config::Config;
use rules::evaluate::evaluate;
use rules::inventory::{Gap, Inventory};
use rules::recorded::{self, InputError, OrgFile, IAM_OPERATION};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A copy of `fixtures/<path>` in a temporary folder: (the folder, the copy).
fn copy_fixture(path: &str) -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("inventory");
    copy(&fixtures().join(path), &dir);
    (tmp, dir)
}

const ORG_CASE: &str = "regressions/org-list-accounts-absent-hides-missing-account/inventory";

fn load(dir: &Path) -> Inventory {
    recorded::load(dir).unwrap_or_else(|e| panic!("{}: {:?}", dir.display(), e))
}

fn load_err(dir: &Path) -> Vec<InputError> {
    match recorded::load(dir) {
        Ok(_) => panic!("{} loaded without an error", dir.display()),
        Err(e) => e,
    }
}

/// The gap for `operation` (and `account`, when given) whose error mentions `mentions`.
fn gap<'a>(
    inventory: &'a Inventory,
    account: Option<&str>,
    operation: &str,
    mentions: &str,
) -> &'a Gap {
    inventory
        .not_scanned
        .iter()
        .find(|g| {
            g.operation == operation
                && account.is_none_or(|a| g.account_id == a)
                && g.error.contains(mentions)
        })
        .unwrap_or_else(|| {
            panic!(
                "no {operation} gap mentioning {mentions:?}: {:#?}",
                inventory.not_scanned
            )
        })
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn without_list_accounts_accounts_known_from_the_tree_without_a_folder_are_gaps() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    let inventory = load(&dir);
    gap(
        &inventory,
        Some("111111111111"),
        OrgFile::Accounts.operation(),
        "organizations/list-accounts.json is absent",
    );
    let missing = gap(&inventory, Some("222222222222"), "*", "folder is absent");
    assert_eq!(missing.region, None);
    // The account is a member: it counts as inside the organization.
    let org = inventory.organization.as_ref().unwrap();
    assert!(org.accounts.iter().any(|a| a.id == "222222222222"));
}

#[test]
fn every_absent_organization_file_is_a_gap_naming_it() {
    for (file, operation) in [
        (
            "describe-organization.json",
            OrgFile::DescribeOrganization.operation(),
        ),
        ("list-roots.json", OrgFile::Roots.operation()),
        (
            "list-policies-SERVICE_CONTROL_POLICY.json",
            OrgFile::Policies.operation(),
        ),
        (
            "organizational-units/r-aaaa.json",
            "organizations:ListOrganizationalUnitsForParent",
        ),
        (
            "accounts-for-parent/r-aaaa.json",
            "organizations:ListAccountsForParent",
        ),
    ] {
        let (_tmp, dir) = copy_fixture(ORG_CASE);
        fs::remove_file(dir.join("organizations").join(file)).unwrap();
        let inventory = load(&dir);
        gap(
            &inventory,
            None,
            operation,
            &format!("organizations/{file} is absent"),
        );
    }
}

#[test]
fn both_listings_of_every_ou_the_tree_reaches_are_expected() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    let org = dir.join("organizations");
    write(
        &org.join("organizational-units/r-aaaa.json"),
        r#"{"OrganizationalUnits": [{"Id": "ou-aaaa-11111111", "Name": "prod"}]}"#,
    );
    let inventory = load(&dir);
    gap(
        &inventory,
        None,
        "organizations:ListOrganizationalUnitsForParent",
        "organizations/organizational-units/ou-aaaa-11111111.json is absent",
    );
    gap(
        &inventory,
        None,
        "organizations:ListAccountsForParent",
        "organizations/accounts-for-parent/ou-aaaa-11111111.json is absent",
    );

    // Listed, an empty listing is fine; an OU that lists its parent (a cycle) still loads.
    write(
        &org.join("accounts-for-parent/ou-aaaa-11111111.json"),
        r#"{"Accounts": []}"#,
    );
    write(
        &org.join("organizational-units/ou-aaaa-11111111.json"),
        r#"{"OrganizationalUnits": [{"Id": "ou-aaaa-22222222"}]}"#,
    );
    write(
        &org.join("organizational-units/ou-aaaa-22222222.json"),
        r#"{"OrganizationalUnits": [{"Id": "ou-aaaa-11111111"}]}"#,
    );
    write(
        &org.join("accounts-for-parent/ou-aaaa-22222222.json"),
        r#"{"Accounts": []}"#,
    );
    let inventory = load(&dir);
    assert!(
        !inventory
            .not_scanned
            .iter()
            .any(|g| g.error.contains("ou-aaaa")),
        "{:#?}",
        inventory.not_scanned
    );
}

#[test]
fn accounts_named_by_the_management_account_scp_targets_and_manifest_are_expected() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    let org = dir.join("organizations");
    write(
        &org.join("list-policies-SERVICE_CONTROL_POLICY.json"),
        r#"{"Policies": [{"Id": "p-guard", "Name": "guard"}]}"#,
    );
    write(
        &org.join("policies/p-guard.json"),
        r#"{"Policy": {"PolicySummary": {"Id": "p-guard", "Name": "guard"},
            "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"ec2:DeleteSnapshot\",\"Resource\":\"*\"}]}"}}"#,
    );
    write(
        &org.join("policy-targets/p-guard.json"),
        r#"{"Targets": [{"TargetId": "333333333333"}, {"TargetId": "r-aaaa"}]}"#,
    );
    write(
        &org.join("describe-organization.json"),
        r#"{"Organization": {"Id": "o-aaaaaaaaaa", "MasterAccountId": "555555555555"}}"#,
    );
    write(
        &dir.join("manifest.json"),
        r#"{"collected_at": "2026-11-25T06:00:00Z", "regions": ["us-east-1"],
            "accounts": ["111111111111", "444444444444"]}"#,
    );
    let inventory = load(&dir);
    gap(&inventory, Some("444444444444"), "*", "folder is absent");
    // The manifest narrowed the scan to two accounts: the others' folders are not expected.
    for account in ["222222222222", "333333333333", "555555555555"] {
        assert!(
            !inventory
                .not_scanned
                .iter()
                .any(|g| g.account_id == account && g.operation == "*"),
            "{account}: {:#?}",
            inventory.not_scanned
        );
    }
    fs::write(
        dir.join("manifest.json"),
        r#"{"collected_at": "2026-11-25T06:00:00Z", "regions": ["us-east-1"]}"#,
    )
    .unwrap();
    let inventory = load(&dir);
    for account in ["222222222222", "333333333333", "555555555555"] {
        gap(&inventory, Some(account), "*", "folder is absent");
    }
}

#[test]
fn an_account_folder_without_any_region_is_a_gap() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    fs::remove_dir_all(dir.join("111111111111/us-east-1")).unwrap();
    fs::write(
        dir.join("manifest.json"),
        r#"{"collected_at": "2026-11-25T06:00:00Z"}"#,
    )
    .unwrap();
    let inventory = load(&dir);
    gap(&inventory, Some("111111111111"), "*", "no region folder");
}

/// The scenario of the former rule case SG-SHARE-002/pass-ou-arn-org-id-from-accounts: an
/// AMI shared with one of the organization's OUs is inside it even when
/// `describe-organization.json` was not recorded (the organization id comes from the account
/// ARNs); the absent file is reported.
#[test]
fn organization_id_from_account_arns_when_describe_organization_is_absent() {
    let (_tmp, dir) = copy_fixture("cases/SG-SHARE-002/pass-this-org-and-ou-arn/inventory");
    fs::remove_file(dir.join("organizations/describe-organization.json")).unwrap();
    let inventory = load(&dir);
    gap(
        &inventory,
        None,
        OrgFile::DescribeOrganization.operation(),
        "describe-organization.json is absent",
    );
    let org = inventory.organization.as_ref().unwrap();
    assert!(org.id().is_some_and(|id| id.starts_with("o-")));
    let findings = evaluate(&inventory, &Config::default()).findings;
    assert!(
        !findings.iter().any(|f| f.rule_id == "SG-SHARE-002"),
        "{findings:#?}"
    );
}

#[cfg(unix)]
mod walks {
    use std::os::unix::fs::symlink;

    use super::*;

    /// Without a manifest the collection time comes from a walk over the folder: links under
    /// dot names (ignored entries) are not followed, so two loops there cannot stop it.
    #[test]
    fn dot_links_back_to_the_inventory_are_not_followed() {
        let (_tmp, dir) = copy_fixture(ORG_CASE);
        fs::remove_file(dir.join("manifest.json")).unwrap();
        symlink(".", dir.join(".a")).unwrap();
        symlink(".", dir.join(".b")).unwrap();
        symlink("..", dir.join("111111111111/.up")).unwrap();
        let inventory = load(&dir);
        let newest = fs::metadata(dir.join("111111111111/us-east-1/describe-volumes.json"))
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(inventory.collected_at.0 >= newest);
    }

    #[test]
    fn a_link_back_to_a_folder_above_it_is_an_error_naming_it() {
        for (link, target) in [
            ("222222222222", "."),
            ("111111111111/us-west-2", ".."),
            ("111111111111/us-east-1/loop", "../.."),
        ] {
            let (_tmp, dir) = copy_fixture(ORG_CASE);
            fs::remove_file(dir.join("manifest.json")).unwrap();
            symlink(target, dir.join(link)).unwrap();
            let errors = load_err(&dir);
            assert!(
                errors
                    .iter()
                    .any(|e| e.path == dir.join(link) && e.message.contains("would loop")),
                "{link}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_fifo_in_the_layout_is_an_error_not_a_wait() {
        let (_tmp, dir) = copy_fixture(ORG_CASE);
        let file = dir.join("111111111111/us-east-1/describe-volumes.json");
        fs::remove_file(&file).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap();
        assert!(made.success());
        let errors = load_err(&dir);
        assert!(
            errors
                .iter()
                .any(|e| e.path == file && e.message.contains("neither a file nor a folder")),
            "{errors:?}"
        );
    }
}

#[test]
fn an_absent_iam_file_is_still_a_gap() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    fs::remove_dir_all(dir.join("111111111111/iam")).unwrap();
    let inventory = load(&dir);
    gap(&inventory, Some("111111111111"), IAM_OPERATION, "absent");
}

// ---------------------------------------------------------------------------------------------
// The backup layer (Data Lifecycle Manager, AWS Backup).

const BACKUP_CASE: &str = "cases/SG-PROT-001/fail-never-snapshotted/inventory";
const BACKUP_REGION: &str = "111111111111/us-east-1";
const BACKUP_LISTINGS: [&str; 3] = [
    "get-lifecycle-policies.json",
    "list-backup-vaults.json",
    "list-backup-plans.json",
];

#[test]
fn a_region_recorded_without_the_backup_layer_is_unknown_not_a_gap() {
    let (_tmp, dir) = copy_fixture(BACKUP_CASE);
    for file in recorded::BackupFile::ALL {
        let _ = fs::remove_file(dir.join(BACKUP_REGION).join(file.file_name()));
    }
    let inventory = load(&dir);
    assert!(
        inventory
            .not_scanned
            .iter()
            .all(|g| recorded::BackupFile::ALL
                .iter()
                .all(|f| f.operation() != g.operation)),
        "{:#?}",
        inventory.not_scanned
    );
    let region = &inventory.accounts[0].regions[0];
    assert!(region.backup.is_empty());
}

#[test]
fn one_backup_listing_without_the_others_is_a_gap_for_each_missing_one() {
    let (_tmp, dir) = copy_fixture(BACKUP_CASE);
    for file in &BACKUP_LISTINGS[1..] {
        fs::remove_file(dir.join(BACKUP_REGION).join(file)).unwrap();
    }
    let inventory = load(&dir);
    gap(
        &inventory,
        Some("111111111111"),
        "backup:ListBackupVaults",
        "absent",
    );
    gap(
        &inventory,
        Some("111111111111"),
        "backup:ListBackupPlans",
        "absent",
    );
    let region = &inventory.accounts[0].regions[0];
    assert_eq!(
        region.backup.lifecycle_policies.as_ref().map(Vec::len),
        Some(0)
    );
    assert!(region.backup.backup_vaults.is_none());
}

#[test]
fn an_unknown_lifecycle_policy_state_is_a_gap_and_covers_nothing() {
    let (_tmp, dir) = copy_fixture(BACKUP_CASE);
    let region = dir.join(BACKUP_REGION);
    write(
        &region.join("get-lifecycle-policies.json"),
        r#"{"Policies": [{"PolicyId": "policy-0123456789abcdef0", "State": "PAUSED",
            "PolicyType": "EBS_SNAPSHOT_MANAGEMENT"}]}"#,
    );
    write(
        &region.join("get-lifecycle-policy.json"),
        r#"{"Policy": {"PolicyId": "policy-0123456789abcdef0", "PolicyDetails": {
            "PolicyType": "EBS_SNAPSHOT_MANAGEMENT", "ResourceTypes": ["VOLUME"],
            "TargetTags": [{"Key": "Backup", "Value": "daily"}], "Schedules": []}}}"#,
    );
    let inventory = load(&dir);
    gap(
        &inventory,
        Some("111111111111"),
        "dlm:GetLifecyclePolicies",
        "PAUSED",
    );
    let config = Config::default();
    let findings = evaluate(&inventory, &config).findings;
    let unscheduled = findings
        .iter()
        .find(|f| f.rule_id == "SG-PROT-008")
        .expect("a policy in an unknown state covers nothing");
    let evidence = unscheduled.evidence.to_string();
    assert!(evidence.contains("its state is PAUSED"), "{evidence}");
}

// ---------------------------------------------------------------------------------------------
// Disabled AMIs (kind 10).

const DISABLED_CASE: &str = "regressions/disabled-ami-snapshot-default-describe";
const SNAPSHOT: &str = "snap-0d5000000000000a1";
const IMAGE: &str = "ami-0d500000000000001";

fn tags_required_owner() -> Config {
    let mut config = Config::default();
    config.tags.required = vec!["Owner".into()];
    config
}

#[test]
fn a_snapshot_taken_for_an_unrecorded_ami_names_it() {
    let (_tmp, dir) = copy_fixture(&format!("{DISABLED_CASE}/inventory"));
    let findings = evaluate(&load(&dir), &tags_required_owner()).findings;
    let finding = findings
        .iter()
        .find(|f| f.rule_id == "SG-PROT-006" && f.resource_id == SNAPSHOT)
        .expect("an archive candidate");
    assert!(finding.message.contains(IMAGE), "{}", finding.message);
    assert!(
        !finding.message.contains("no AMI uses it"),
        "{}",
        finding.message
    );
    assert_eq!(finding.evidence["image_id"], IMAGE);
}

#[test]
fn a_disabled_ami_keeps_its_snapshots_and_its_state_is_evidence() {
    let (_tmp, dir) = copy_fixture(&format!("{DISABLED_CASE}/inventory"));
    let region = dir.join("111111111111/us-east-1");
    fs::write(
        region.join("describe-images.json"),
        format!(
            r#"{{"Images": [{{"ImageId": "{IMAGE}", "OwnerId": "111111111111",
                "State": "disabled", "Public": false, "DeprecationTime": "2026-09-01T00:00:00.000Z",
                "BlockDeviceMappings": [{{"DeviceName": "/dev/xvda",
                    "Ebs": {{"SnapshotId": "{SNAPSHOT}"}}}}]}}]}}"#
        ),
    )
    .unwrap();
    fs::write(
        region.join("describe-image-attribute.json"),
        format!(r#"{{"ImageId": "{IMAGE}", "LaunchPermissions": []}}"#),
    )
    .unwrap();
    let findings = evaluate(&load(&dir), &tags_required_owner()).findings;
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_id == "SG-PROT-006" && f.resource_id == SNAPSHOT),
        "{findings:#?}"
    );
    let untagged = findings
        .iter()
        .find(|f| f.rule_id == "SG-TAG-002" && f.resource_id == IMAGE)
        .expect("the disabled AMI lacks Owner");
    assert_eq!(untagged.evidence["image_state"], "disabled");
    assert_eq!(
        untagged.evidence["deprecation_time"],
        "2026-09-01T00:00:00Z"
    );
    assert_eq!(untagged.evidence["missing_tags"][0], "Owner");
}

/// Backup policies are optional (without their listing, unknown and no gap), read with their
/// own syntax (content that is not JSON is an input error naming the file), and a listed one
/// whose content or targets are missing, or whose file describes another type, is a gap.
#[test]
fn backup_policies_are_read_in_their_own_syntax_and_missing_parts_are_gaps() {
    let (_tmp, dir) = copy_fixture(ORG_CASE);
    let inventory = load(&dir);
    assert!(inventory
        .organization
        .as_ref()
        .unwrap()
        .backup_policies
        .is_none());
    assert!(!inventory
        .not_scanned
        .iter()
        .any(|g| g.error.contains("BACKUP_POLICY")));

    let org = dir.join("organizations");
    let summary =
        |id: &str, kind: &str| format!(r#"{{"Id":"{id}","Name":"{id}","Type":"{kind}"}}"#);
    write(
        &org.join("list-policies-BACKUP_POLICY.json"),
        &format!(
            r#"{{"Policies":[{},{},{}]}}"#,
            summary("p-bk1", "BACKUP_POLICY"),
            summary("p-bk2", "BACKUP_POLICY"),
            summary("p-bk3", "BACKUP_POLICY")
        ),
    );
    let described = |id: &str, kind: &str, content: &str| {
        let content = serde_json::to_string(content).unwrap();
        write(
            &org.join("policies").join(format!("{id}.json")),
            &format!(
                r#"{{"Policy":{{"PolicySummary":{},"Content":{content}}}}}"#,
                summary(id, kind)
            ),
        );
        write(
            &org.join("policy-targets").join(format!("{id}.json")),
            r#"{"Targets":[{"TargetId":"r-aaaa"}]}"#,
        );
    };
    let plans = r#"{"plans":{"org-daily":{"regions":{"@@assign":["us-east-1"]}},"org-eu":{"regions":{"@@assign":["eu-west-1"]}}}}"#;
    described("p-bk1", "BACKUP_POLICY", plans);
    described(
        "p-bk3",
        "SERVICE_CONTROL_POLICY",
        r#"{"Version":"2012-10-17","Statement":[]}"#,
    );
    let inventory = load(&dir);
    let organization = inventory.organization.as_ref().unwrap();
    // Two of three not read: which plans are mandated is unknown, not those of the one.
    assert!(organization.backup_policies.is_none());
    gap(
        &inventory,
        None,
        "organizations:DescribePolicy",
        "the content of backup policy p-bk2 is unknown",
    );
    gap(
        &inventory,
        None,
        "organizations:DescribePolicy",
        "describes a SERVICE_CONTROL_POLICY, but p-bk3 is listed as a BACKUP_POLICY",
    );

    // All read: the plans mandated in the account-region.
    described("p-bk2", "BACKUP_POLICY", r#"{"plans":{}}"#);
    described("p-bk3", "BACKUP_POLICY", r#"{"plans":{}}"#);
    let inventory = load(&dir);
    let organization = inventory.organization.as_ref().unwrap();
    assert_eq!(organization.backup_policies.as_ref().unwrap().len(), 3);
    let mandated = organization
        .mandated_backup_plans("222222222222", "us-east-1")
        .unwrap();
    let names: Vec<&str> = mandated.iter().map(|m| m.plan.as_str()).collect();
    assert_eq!(names, ["org-daily"]);

    described("p-bk2", "BACKUP_POLICY", "{\"plans\": ");
    let errors = load_err(&dir);
    assert!(
        errors.iter().any(|e| e.to_string().contains("p-bk2.json")
            && e.to_string().contains("expected a backup policy document")),
        "{errors:#?}"
    );
}
