//! The live source against the AWS emulator (moto): an organization with accounts, OUs, an
//! SCP, IAM principals, volumes, instances, snapshots, images and sharing in two regions,
//! scanned with `--org`; then recorded with `rules::recorded::write` and replayed with the recorded
//! source; then with failures the emulator cannot produce, injected.

use std::collections::BTreeSet;
use std::time::Duration;

use rules::inventory::Inventory;
use snapguard_aws::{Fault, FaultKind};
use snapguard_test_support::*;

/// Options for a scan of the emulator.
fn options(moto: &Moto) -> snapguard_aws::LiveOptions {
    snapguard_aws::LiveOptions {
        org: true,
        regions: Some(REGIONS.iter().map(|r| r.to_string()).collect()),
        endpoint_url: Some(moto.url.clone()),
        progress: false,
        max_attempts: Some(2),
        operation_timeout: Duration::from_secs(30),
        ..snapguard_aws::LiveOptions::default()
    }
}

fn findings(inventory: &Inventory) -> BTreeSet<(String, String, String, String)> {
    let config = rules::Config::default();
    rules::evaluate(inventory, &config)
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.account_id.to_string(),
                f.region.clone(),
                f.resource_id.to_string(),
            )
        })
        .collect()
}

fn has(
    found: &BTreeSet<(String, String, String, String)>,
    rule: &str,
    account: &str,
    resource: &str,
) -> bool {
    found
        .iter()
        .any(|(r, a, _, id)| r == rule && a == account && id == resource)
}

#[test]
fn org_scan_reads_everything_moto_serves_and_reports_the_rest_as_not_scanned() {
    let moto = start_moto();
    let built = runtime().block_on(build_org(&moto.url, 3, &REGIONS, false));
    let options = options(&moto);
    let (inventory, operations) = snapguard_aws::collect_counted(&options).expect("scan");

    // The organization.
    let org = inventory.organization.as_ref().expect("organization");
    assert_eq!(org.accounts.len(), 4);
    assert_eq!(org.roots.len(), 1);
    assert_eq!(org.units.len(), 3, "{:?}", org.units);
    for unit in &built.units {
        assert!(
            org.parents.contains_key(unit.as_str()),
            "OU {unit} has no parent"
        );
    }
    for member in &built.members {
        let path = org.path_to(member);
        assert!(path.len() >= 3, "path of {member}: {path:?}");
    }
    let scps = org.service_control_policies.as_ref().expect("SCPs read");
    let scp = scps
        .iter()
        .find(|p| p.id == built.scp_id.as_str())
        .expect("our SCP");
    assert_eq!(scp.content["Statement"][0]["Effect"], "Deny");
    assert_eq!(scp.target_ids.len(), 1);

    // Every account, every region, everything moto serves.
    assert_eq!(inventory.accounts.len(), 4);
    for account in &inventory.accounts {
        let iam = account
            .iam
            .as_ref()
            .unwrap_or_else(|| panic!("IAM of {}", account.id));
        if account.id != MANAGEMENT {
            let role = iam
                .role_detail_list
                .iter()
                .find(|r| r.role_name == "BackupOperator")
                .expect("role");
            assert_eq!(
                role.role_policy_list[0].policy_document["Statement"][0]["Effect"],
                "Allow"
            );
        }
        assert_eq!(
            account
                .regions
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            vec!["eu-west-1", "us-east-1"]
        );
        for region in &account.regions {
            let place = format!("{}/{}", account.id, region.name);
            assert!(!region.volumes.as_ref().unwrap().is_empty(), "{place}");
            assert_eq!(region.instances.as_ref().unwrap().len(), 1, "{place}");
            let snapshots = region.snapshots.as_ref().unwrap();
            assert!(snapshots.len() >= 2, "{place}");
            for s in snapshots {
                assert!(
                    s.create_volume_permissions.is_some(),
                    "{place} {}",
                    s.snapshot_id
                );
            }
            let images = region.images.as_ref().unwrap();
            assert_eq!(images.len(), 1, "{place}");
            assert!(images[0].launch_permissions.is_some());
            // moto serves EBS encryption by default, but neither Recycle Bin, block public
            // access, the default KMS key nor snapshot locks: unread, not passing.
            assert_eq!(
                region.backup.ebs_encryption_by_default,
                Some(false),
                "{place}"
            );
            assert!(region.backup.locked_snapshots.is_none(), "{place}");
            assert!(region.snapshot_retention_rules.is_none(), "{place}");
            assert!(region.image_retention_rules.is_none(), "{place}");
            assert!(region.snapshot_block_public_access.is_none(), "{place}");
            assert!(region.image_block_public_access.is_none(), "{place}");
            for op in [
                "rbin:ListRules",
                "ec2:GetSnapshotBlockPublicAccessState",
                "ec2:GetImageBlockPublicAccessState",
                "dlm:GetLifecyclePolicies",
                "ec2:GetEbsDefaultKmsKeyId",
                "ec2:DescribeLockedSnapshots",
            ] {
                assert!(
                    inventory
                        .not_scanned
                        .iter()
                        .any(|g| g.account_id == account.id.as_str()
                            && g.region.as_deref() == Some(region.name.as_str())
                            && g.operation == op),
                    "{place}: no gap for {op}: {:#?}",
                    inventory.not_scanned
                );
            }
        }
    }
    // The reason is said, not "unknown".
    let rbin_gap = inventory
        .not_scanned
        .iter()
        .find(|g| g.operation == "rbin:ListRules")
        .unwrap();
    assert!(rbin_gap.error.contains("HTTP 500"), "{}", rbin_gap.error);
    // Nothing else is missing.
    let unexpected: Vec<_> = inventory
        .not_scanned
        .iter()
        .filter(|g| {
            !matches!(
                g.operation.as_str(),
                "rbin:ListRules"
                    | "ec2:GetSnapshotBlockPublicAccessState"
                    | "ec2:GetImageBlockPublicAccessState"
                    | "dlm:GetLifecyclePolicies"
                    | "ec2:GetEbsDefaultKmsKeyId"
                    | "ec2:DescribeLockedSnapshots"
            )
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");

    // Sharing was read per resource.
    assert!(!built.shared_snapshots.is_empty());
    for (account, region, id) in &built.shared_snapshots {
        let s = inventory
            .accounts
            .iter()
            .find(|a| a.id == account.as_str())
            .and_then(|a| a.regions.iter().find(|r| r.name == region.as_str()))
            .and_then(|r| r.snapshots.as_ref())
            .and_then(|s| s.iter().find(|s| s.snapshot_id == id.as_str()))
            .expect("shared snapshot scanned");
        let perms = s.create_volume_permissions.as_ref().unwrap();
        assert_eq!(perms.len(), 1);
        assert_eq!(perms[0].user_id.as_deref(), Some(OUTSIDER));
    }

    // API calls counted per operation; the minimum per account-region.
    let calls = &inventory.api_calls;
    let account_regions = 4 * REGIONS.len() as u64;
    assert_eq!(calls["ec2:DescribeVolumes"], account_regions);
    assert_eq!(calls["ec2:DescribeInstances"], account_regions);
    // One listing and one public filter per account-region.
    assert_eq!(calls["ec2:DescribeSnapshots"], 2 * account_regions);
    assert_eq!(calls["ec2:DescribeImages"], 2 * account_regions);
    let snapshots: usize = inventory
        .accounts
        .iter()
        .flat_map(|a| &a.regions)
        .map(|r| r.snapshots.as_ref().unwrap().len())
        .sum();
    assert_eq!(calls["ec2:DescribeSnapshotAttribute"], snapshots as u64);
    assert_eq!(calls["iam:GetAccountAuthorizationDetails"], 4);
    assert_eq!(calls["sts:AssumeRole"], 3);
    assert!(!operations.is_empty());

    // Findings, through the rules crate.
    let found = findings(&inventory);
    assert!(!built.public_snapshots.is_empty() && !built.public_images.is_empty());
    for (account, _, id) in &built.public_snapshots {
        assert!(
            has(&found, "SG-SHARE-003", account, id),
            "public snapshot {id}: {found:#?}"
        );
    }
    for (account, _, id) in &built.shared_snapshots {
        assert!(
            has(&found, "SG-SHARE-004", account, id),
            "shared snapshot {id}"
        );
    }
    for (account, _, id) in &built.public_images {
        assert!(
            has(&found, "SG-SHARE-001", account, id),
            "public image {id}"
        );
    }
    // Unread Recycle Bin / block public access: no finding claims anything about them.
    assert!(!found
        .iter()
        .any(|(r, ..)| r.starts_with("SG-RBIN-") || r == "SG-SHARE-005" || r == "SG-SHARE-006"));
    // The BackupOperator role may delete snapshots; in Prod accounts the SCP stops it.
    assert!(found.iter().any(|(r, ..)| r == "SG-IAM-001"), "{found:#?}");

    // collect --out, then scan --inventory: the same inventory, the same findings.
    let dir = tempfile::tempdir().unwrap();
    rules::recorded::write(&inventory, dir.path()).expect("write");
    let replayed = rules::recorded::load(dir.path()).expect("load recorded");
    assert_eq!(
        serde_json::to_value(&inventory).unwrap(),
        serde_json::to_value(&replayed).unwrap(),
        "the recorded inventory differs from the live one"
    );
    assert_eq!(found, findings(&replayed));
}

/// When the per-resource sharing calls are denied, what the server-side public filters proved
/// still stands: the public snapshot and image stay public, another image is unknown (not
/// "shared with nobody"), and the region says why. (moto ignores `RestorableByUserIds`, so
/// there every snapshot passes the public filter: the "unknown" case is shown on images.)
#[test]
fn sharing_that_cannot_be_read_keeps_what_the_public_filters_proved() {
    let moto = start_moto();
    let built = runtime().block_on(build_org(&moto.url, 1, &REGIONS, false));
    let member = &built.members[0];
    let region = REGIONS[0];
    let mut options = options(&moto);
    let operations = [
        "ec2:DescribeSnapshotAttribute",
        "ec2:DescribeImageAttribute",
    ];
    options.faults = [member.as_str(), MANAGEMENT]
        .into_iter()
        .flat_map(|account| {
            operations.map(|operation| Fault {
                account: account.to_owned(),
                region: Some(region.into()),
                operation: operation.into(),
                kind: FaultKind::AccessDenied,
            })
        })
        .collect();
    let inventory = snapguard_aws::collect(&options).expect("scan");
    let scanned = |account: &str| {
        inventory
            .accounts
            .iter()
            .find(|a| a.id == account)
            .and_then(|a| a.regions.iter().find(|r| r.name == region))
            .expect("the region")
    };
    let public_snapshot = built
        .public_snapshots
        .iter()
        .find(|(a, r, _)| a == member && r == region)
        .map(|(_, _, id)| id.as_str())
        .unwrap();
    let snapshot = scanned(member)
        .snapshots
        .as_ref()
        .unwrap()
        .iter()
        .find(|s| s.snapshot_id == public_snapshot)
        .unwrap();
    assert!(snapshot
        .create_volume_permissions
        .as_ref()
        .is_some_and(|p| p.iter().any(|p| p.is_public())));
    let images = |account: &str| scanned(account).images.clone().unwrap();
    let public_image = images(member);
    assert!(!public_image.is_empty());
    assert!(public_image.iter().all(|i| i
        .launch_permissions
        .as_ref()
        .is_some_and(|p| p.iter().any(|p| p.is_public()))));
    let private_image = images(MANAGEMENT);
    assert!(!private_image.is_empty());
    assert!(private_image.iter().all(|i| i.launch_permissions.is_none()));
    for account in [member.as_str(), MANAGEMENT] {
        for operation in operations {
            let gap = inventory
                .not_scanned
                .iter()
                .find(|g| {
                    g.account_id == account
                        && g.region.as_deref() == Some(region)
                        && g.operation == operation
                })
                .unwrap_or_else(|| panic!("no gap for {operation}: {:#?}", inventory.not_scanned));
            assert!(gap.error.contains("could not be read"), "{}", gap.error);
        }
    }
}

#[test]
fn failures_are_reported_as_not_scanned_and_the_rest_is_scanned_completely() {
    let moto = start_moto();
    let built = runtime().block_on(build_org(&moto.url, 3, &REGIONS, true));
    let (denied, partly, throttled) = (&built.members[0], &built.members[1], &built.members[2]);
    let mut options = options(&moto);
    options.faults = vec![
        Fault {
            account: denied.clone(),
            region: None,
            operation: "sts:AssumeRole".into(),
            kind: FaultKind::AccessDenied,
        },
        Fault {
            account: partly.clone(),
            region: Some("eu-west-1".into()),
            operation: "ec2:DescribeSnapshots".into(),
            kind: FaultKind::AccessDenied,
        },
        Fault {
            account: partly.clone(),
            region: None,
            operation: "iam:GetAccountAuthorizationDetails".into(),
            kind: FaultKind::AccessDenied,
        },
        Fault {
            account: throttled.clone(),
            region: Some("us-east-1".into()),
            operation: "ec2:DescribeVolumes".into(),
            kind: FaultKind::Throttled,
        },
    ];
    let inventory = snapguard_aws::collect(&options).expect("scan");
    let gap = |account: &str, region: Option<&str>, op: &str| {
        inventory
            .not_scanned
            .iter()
            .find(|g| g.account_id == account && g.region.as_deref() == region && g.operation == op)
            .unwrap_or_else(|| {
                panic!(
                    "no gap {account} {region:?} {op}: {:#?}",
                    inventory.not_scanned
                )
            })
            .clone()
    };

    // Assume-role denied: the account is not scanned, and says why.
    let g = gap(denied, None, "sts:AssumeRole");
    assert!(g.error.contains("AccessDenied"), "{}", g.error);
    assert!(!inventory.accounts.iter().any(|a| a.id == denied.as_str()));

    // Access denied on one API: that field alone is missing.
    let g = gap(partly, Some("eu-west-1"), "ec2:DescribeSnapshots");
    assert!(g.error.contains("UnauthorizedOperation"), "{}", g.error);
    gap(partly, None, "iam:GetAccountAuthorizationDetails");
    let acct = inventory
        .accounts
        .iter()
        .find(|a| a.id == partly.as_str())
        .unwrap();
    assert!(acct.iam.is_none());
    let eu = acct.regions.iter().find(|r| r.name == "eu-west-1").unwrap();
    assert!(eu.snapshots.is_none());
    assert!(eu.volumes.is_some() && eu.instances.is_some() && eu.images.is_some());
    let us = acct.regions.iter().find(|r| r.name == "us-east-1").unwrap();
    assert_eq!(us.snapshots.as_ref().unwrap().len(), 2);

    // Throttled past the retries: a gap, and the retries are counted.
    let g = gap(throttled, Some("us-east-1"), "ec2:DescribeVolumes");
    assert!(g.error.contains("RequestLimitExceeded"), "{}", g.error);
    assert!(g.error.contains("retries exhausted"), "{}", g.error);
    assert_eq!(
        inventory.throttle_retries.get("ec2:DescribeVolumes"),
        Some(&1)
    );
    let acct = inventory
        .accounts
        .iter()
        .find(|a| a.id == throttled.as_str())
        .unwrap();
    let us = acct.regions.iter().find(|r| r.name == "us-east-1").unwrap();
    assert!(us.volumes.is_none());
    assert!(us.snapshots.is_some());

    // The rest of the organization is complete.
    for account in [MANAGEMENT, throttled.as_str()] {
        let a = inventory.accounts.iter().find(|a| a.id == account).unwrap();
        assert!(a.iam.is_some(), "{account}");
        assert_eq!(a.regions.len(), 2);
        for r in &a.regions {
            assert_eq!(
                r.snapshots.as_ref().map(Vec::len),
                Some(2),
                "{account} {}",
                r.name
            );
        }
    }
    let unexpected: Vec<_> = inventory
        .not_scanned
        .iter()
        .filter(|g| {
            !matches!(
                g.operation.as_str(),
                "rbin:ListRules"
                    | "ec2:GetSnapshotBlockPublicAccessState"
                    | "ec2:GetImageBlockPublicAccessState"
                    | "dlm:GetLifecyclePolicies"
                    | "ec2:GetEbsDefaultKmsKeyId"
                    | "ec2:DescribeLockedSnapshots"
            ) && ![denied, partly, throttled].contains(&&g.account_id)
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");

    // The recording keeps the real reasons, and the replay equals the live inventory.
    let dir = tempfile::tempdir().unwrap();
    rules::recorded::write(&inventory, dir.path()).unwrap();
    let replayed = rules::recorded::load(dir.path()).unwrap();
    assert_eq!(
        serde_json::to_value(&inventory).unwrap(),
        serde_json::to_value(&replayed).unwrap()
    );
}

#[test]
fn without_org_the_current_account_is_scanned_in_every_enabled_region() {
    let moto = start_moto();
    let mut options = options(&moto);
    options.org = false;
    options.regions = None;
    options.concurrency = 16;
    let inventory = snapguard_aws::collect(&options).expect("scan");
    if std::env::var_os("SNAPGUARD_SHOW_GAPS").is_some() {
        for g in inventory.not_scanned.iter().take(6) {
            eprintln!("{g:?}");
        }
    }
    assert!(inventory.organization.is_none());
    assert_eq!(inventory.accounts.len(), 1);
    assert_eq!(inventory.accounts[0].id, MANAGEMENT);
    // moto enables every region it knows.
    assert!(inventory.accounts[0].regions.len() > 10);
    assert_eq!(inventory.api_calls["ec2:DescribeRegions"], 1);
}

#[test]
fn the_scan_calls_only_read_operations_of_the_scan_role_policy() {
    let moto = start_moto();
    runtime().block_on(build_org(&moto.url, 2, &REGIONS, false));
    let (_, operations) = snapguard_aws::collect_counted(&options(&moto)).unwrap();
    let policy: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/scan-role-policy.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let allowed: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(a) => {
                a.iter().map(|x| x.as_str().unwrap().to_owned()).collect()
            }
            _ => vec![],
        })
        .collect();
    // Everything in the policy is a read (or how the scan gets into accounts).
    for action in &allowed {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "List", "Get"]
                .iter()
                .any(|p| name.starts_with(p))
                || action == "sts:AssumeRole",
            "{action} is not read-only"
        );
    }
    // Everything the scan called is in the policy.
    for op in &operations {
        assert!(
            allowed.contains(op),
            "the scan called {op}, which docs/scan-role-policy.json does not allow"
        );
    }
    // And the declared list matches the policy.
    let declared: BTreeSet<String> = snapguard_aws::OPERATIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(declared, allowed);
    assert!(operations.len() >= 18, "{operations:?}");
}

#[test]
fn a_region_not_enabled_is_one_gap_and_the_other_regions_are_scanned() {
    let moto = start_moto();
    let built = runtime().block_on(build_org(&moto.url, 1, &REGIONS, true));
    let member = &built.members[0];
    let mut options = options(&moto);
    options.faults = vec![Fault {
        account: member.clone(),
        region: Some("eu-west-1".into()),
        operation: "ec2:DescribeVolumes".into(),
        kind: FaultKind::RegionNotEnabled,
    }];
    let inventory = snapguard_aws::collect(&options).expect("scan");
    // moto serves no Recycle Bin or block public access: those gaps exist in every region.
    let gaps: Vec<_> = inventory
        .not_scanned
        .iter()
        .filter(|g| g.account_id == member.as_str() && g.region.as_deref() == Some("eu-west-1"))
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(gaps[0].operation, "*");
    assert!(gaps[0].error.contains("not enabled"), "{}", gaps[0].error);
    let account = inventory
        .accounts
        .iter()
        .find(|a| a.id == member.as_str())
        .unwrap();
    let names: Vec<&str> = account.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["us-east-1"],
        "the disabled region is left out, the other scanned"
    );
    assert!(account.regions[0].snapshots.is_some());
}

#[test]
fn a_shard_reads_only_its_own_accounts_and_the_context_accounts() {
    let moto = start_moto();
    let built = runtime().block_on(build_org(&moto.url, 4, &["us-east-1"], true));
    let context = built.members[0].clone();
    let mut options = options(&moto);
    options.regions = Some(vec!["us-east-1".into()]);
    options.shard = Some(snapguard_aws::AccountShard {
        index: 1,
        count: 2,
        context_accounts: vec![context.clone()],
    });
    let inventory = snapguard_aws::collect(&options).expect("scan");
    let all: Vec<String> = std::iter::once(MANAGEMENT.to_owned())
        .chain(built.members.clone())
        .collect();
    let mut expected: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|a| rules::shard::owns(1, 2, a) || *a == context)
        .collect();
    expected.sort_unstable();
    let scanned: Vec<&str> = inventory.accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(scanned, expected);
    assert!(
        !inventory
            .not_scanned
            .iter()
            .any(|g| g.operation == "*" && g.region.is_none()),
        "accounts of other shards are out of scope, not gaps: {:#?}",
        inventory.not_scanned
    );
}

/// AWS Backup as the emulator serves it: a vault with its Vault Lock, and a plan whose rule
/// copies to a vault in another region and account, read back into the region's inventory.
#[test]
fn aws_backup_vaults_their_lock_and_plans_are_read() {
    let moto = start_moto();
    let archive_vault = "arn:aws:backup:us-west-2:999999999999:backup-vault:archive";
    runtime().block_on(async {
        let sdk = management(&moto.url).await;
        let backup = aws_sdk_backup::Client::new(&sdk);
        backup
            .create_backup_vault()
            .backup_vault_name("prod-vault")
            .send()
            .await
            .expect("create the vault");
        backup
            .put_backup_vault_lock_configuration()
            .backup_vault_name("prod-vault")
            .min_retention_days(14)
            .max_retention_days(3650)
            .send()
            .await
            .expect("lock the vault");
        let rule = aws_sdk_backup::types::BackupRuleInput::builder()
            .rule_name("daily")
            .target_backup_vault_name("prod-vault")
            .schedule_expression("cron(0 5 ? * * *)")
            .lifecycle(
                aws_sdk_backup::types::Lifecycle::builder()
                    .delete_after_days(35)
                    .build(),
            )
            .copy_actions(
                aws_sdk_backup::types::CopyAction::builder()
                    .destination_backup_vault_arn(archive_vault)
                    .build()
                    .expect("a copy action"),
            )
            .build()
            .expect("a rule");
        let plan = backup
            .create_backup_plan()
            .backup_plan(
                aws_sdk_backup::types::BackupPlanInput::builder()
                    .backup_plan_name("prod-daily")
                    .rules(rule)
                    .build()
                    .expect("a plan"),
            )
            .send()
            .await
            .expect("create the plan");
        assert!(plan.backup_plan_id().is_some());
    });
    let mut options = options(&moto);
    options.org = false;
    options.regions = Some(vec!["us-east-1".into()]);
    let inventory = snapguard_aws::collect(&options).expect("scan");
    let region = &inventory.accounts[0].regions[0];
    let gaps: Vec<&str> = inventory
        .not_scanned
        .iter()
        .map(|g| g.operation.as_str())
        .collect();
    let vaults = region.backup.backup_vaults.as_ref().expect("the vaults");
    let vault = vaults
        .iter()
        .find(|v| v.backup_vault_name == "prod-vault")
        .expect("prod-vault");
    assert!(vault
        .backup_vault_arn
        .as_deref()
        .is_some_and(|a| a.ends_with(":backup-vault:prod-vault")));
    // Its Vault Lock, in governance mode (no cooling-off period, so no LockDate).
    assert_eq!(vault.locked, Some(true));
    assert_eq!(vault.min_retention_days, Some(14));
    assert_eq!(vault.max_retention_days, Some(3650));
    assert_eq!(vault.lock_date, None);
    let plans = region.backup.backup_plans.as_ref().expect("the plans");
    let plan = plans
        .iter()
        .find(|p| p.backup_plan_name.as_deref() == Some("prod-daily"))
        .expect("prod-daily");
    let rules = plan.rules.as_ref().expect("the plan's rules");
    assert_eq!(rules[0].target_backup_vault_name, "prod-vault");
    assert_eq!(
        rules[0].copy_actions[0].destination_backup_vault_arn,
        archive_vault
    );
    assert_eq!(
        rules[0]
            .lifecycle
            .as_ref()
            .and_then(|l| l.delete_after_days),
        Some(35)
    );
    // What the emulator does not serve (Data Lifecycle Manager, vault access policies,
    // selections, recovery points; tested against mocked responses in src/region/) is unread
    // and said so, never taken as "none".
    assert!(region.backup.lifecycle_policies.is_none());
    assert!(vault.access_policy.is_none());
    assert!(plan.selections.is_none());
    assert!(region.backup.recovery_points.is_none());
    for operation in [
        "dlm:GetLifecyclePolicies",
        "backup:GetBackupVaultAccessPolicy",
        "backup:ListBackupSelections",
        "backup:ListRecoveryPointsByBackupVault",
    ] {
        assert!(gaps.contains(&operation), "{operation}: {gaps:?}");
    }
}
