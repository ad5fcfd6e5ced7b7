//! The recorded format's one owner reads back what it writes: inventory -> write -> load ->
//! the same inventory. Random inventories cover every part of the layout; the fixtures'
//! recorded inventories (the demo org and every rule case) are rewritten and read back too.
//!
//! A generated inventory is one a scan could produce: whatever it lacks (a field that is
//! `None`, an account of the organization without a folder, ...) has a gap saying why, as
//! `collect` records the live scan's errors in the manifest. Without that gap the reader would
//! rightly add one of its own, and the inventories would differ by it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use rules::inventory::{
    Account, AttachedPolicy, AuthorizationDetails, BlockDeviceMapping, EbsBlockDevice, Gap,
    GroupDetail, Image, InlinePolicy, Instance, InstanceState, Inventory, ManagedPolicyDetail,
    OrgAccount, OrgNode, Organization, OrganizationDescription, OrganizationPolicy, Permission,
    PermissionsBoundary, PolicyVersion, Region, RetentionPeriod, RetentionRule, RetentionRuleTag,
    RoleDetail, Snapshot, Str, Tag, UserDetail, Volume, VolumeAttachment,
};
use rules::inventory::{
    BackupCondition, BackupConditions, BackupLifecycle, BackupPlan, BackupRule, BackupSelection,
    BackupVault, BackupVaultAccessPolicy, ConditionParameter, CopyAction, CrossRegionCopyRule,
    DlmCreateRule, DlmRetainRule, DlmSchedule, DlmShareRule, LifecyclePolicy, LockedSnapshot,
    PolicyDetails, RecoveryPoint, RegionBackup, SelectionDetails,
};
use rules::recorded::{self, BackupFile, OrgFile, RegionFile, IAM_OPERATION};
use rules::time::Timestamp;

const REGIONS: [&str; 6] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-2",
    "ap-southeast-2",
    "us-gov-west-1",
];

/// Writes `inventory`, reads it back, and says how the two differ, if they do.
fn round_trip(inventory: &Inventory) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    recorded::write(inventory, dir.path()).map_err(|e| e.to_string())?;
    let read = recorded::load(dir.path()).map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(
            "the written inventory does not load:\n{}",
            errors.join("\n")
        )
    })?;
    let (before, after) = (json(inventory), json(&read));
    if before == after {
        Ok(())
    } else {
        Err(format!(
            "the inventory read back differs\n--- written\n{before:#}\n--- read\n{after:#}"
        ))
    }
}

fn json(inventory: &Inventory) -> Value {
    serde_json::to_value(inventory).expect("an inventory serializes")
}

// ---------------------------------------------------------------------------------------------
// Generators. Ids are what names files and folders (accounts, regions, roots, OUs, policies)
// or joins files (snapshot, image and rule ids); every other string is any text.

fn text() -> impl Strategy<Value = Str> {
    "\\PC{0,10}".prop_map(Str::from)
}

fn id(prefix: &'static str) -> impl Strategy<Value = Str> {
    "[0-9a-f]{8}".prop_map(move |s| Str::from(format!("{prefix}{s}")))
}

fn account_id() -> impl Strategy<Value = String> {
    "[0-9]{12}"
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    // 1970 to 2100, whole seconds: what the CLI's timestamps hold.
    (0i64..4_102_444_800).prop_map(Timestamp)
}

fn tags() -> impl Strategy<Value = Vec<Tag>> {
    vec(
        (text(), text()).prop_map(|(key, value)| Tag { key, value }),
        0..3,
    )
}

fn permission() -> impl Strategy<Value = Permission> {
    prop_oneof![
        Just(Permission {
            group: Some("all".into()),
            ..Permission::default()
        }),
        account_id().prop_map(|a| Permission {
            user_id: Some(a.into()),
            ..Permission::default()
        }),
        id("o-").prop_map(|o| Permission {
            organization_arn: Some(
                format!("arn:aws:organizations::111122223333:organization/{o}").into()
            ),
            ..Permission::default()
        }),
        id("ou-").prop_map(|ou| Permission {
            organizational_unit_arn: Some(
                format!("arn:aws:organizations::111122223333:ou/o-1/{ou}").into()
            ),
            ..Permission::default()
        }),
    ]
}

fn permissions() -> impl Strategy<Value = Option<Vec<Permission>>> {
    option::of(vec(permission(), 0..3))
}

fn block_device() -> impl Strategy<Value = BlockDeviceMapping> {
    (
        option::of(text()),
        option::of((option::of(id("vol-")), option::of(id("snap-")))),
    )
        .prop_map(|(device_name, ebs)| BlockDeviceMapping {
            device_name,
            ebs: ebs.map(|(volume_id, snapshot_id)| EbsBlockDevice {
                volume_id,
                snapshot_id,
            }),
        })
}

fn volume() -> impl Strategy<Value = Volume> {
    (
        id("vol-"),
        option::of(text()),
        option::of(any::<u64>()),
        option::of(text()),
        option::of(any::<bool>()),
        option::of(text()),
        option::of(timestamp()),
        vec(
            (option::of(id("i-")), option::of(text()), option::of(text())).prop_map(
                |(instance_id, device, state)| VolumeAttachment {
                    instance_id,
                    device,
                    state,
                },
            ),
            0..2,
        ),
        tags(),
    )
        .prop_map(
            |(volume_id, state, size, volume_type, encrypted, zone, created, attachments, tags)| {
                Volume {
                    volume_id,
                    state,
                    size,
                    volume_type,
                    encrypted,
                    availability_zone: zone,
                    create_time: created,
                    attachments,
                    tags,
                }
            },
        )
}

fn instance() -> impl Strategy<Value = Instance> {
    (
        id("i-"),
        option::of(text().prop_map(|name| InstanceState { name })),
        vec(block_device(), 0..3),
        tags(),
    )
        .prop_map(
            |(instance_id, state, block_device_mappings, tags)| Instance {
                instance_id,
                state,
                block_device_mappings,
                tags,
            },
        )
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        (
            id("snap-"),
            option::of(id("vol-")),
            select(vec!["completed", "pending", "error"]).prop_map(|s| Some(Str::from(s))),
            timestamp(),
            option::of(text()),
            any::<bool>(),
        ),
        (
            option::of(text()),
            option::of(account_id().prop_map(Str::from)),
            option::of(any::<u64>()),
            option::of(select(vec!["standard", "archive"]).prop_map(Str::from)),
            tags(),
            permissions(),
        ),
    )
        .prop_map(
            |(
                (snapshot_id, volume_id, state, start_time, description, encrypted),
                (kms_key_id, owner_id, volume_size, storage_tier, tags, permissions),
            )| Snapshot {
                snapshot_id,
                volume_id,
                state,
                start_time,
                description,
                encrypted,
                kms_key_id,
                owner_id,
                volume_size,
                storage_tier,
                tags,
                create_volume_permissions: permissions,
            },
        )
}

fn image() -> impl Strategy<Value = Image> {
    (
        (
            id("ami-"),
            option::of(text()),
            option::of(text()),
            option::of(account_id().prop_map(Str::from)),
            select(vec!["available", "pending", "failed", "disabled"])
                .prop_map(|s| Some(Str::from(s))),
            option::of(timestamp()),
            option::of(timestamp()),
        ),
        (
            any::<bool>().prop_map(Some),
            vec(block_device(), 0..3),
            tags(),
            option::of(id("ami-")),
            option::of(select(REGIONS.to_vec()).prop_map(Str::from)),
            permissions(),
        ),
    )
        .prop_map(
            |(
                (image_id, name, description, owner_id, state, creation_date, deprecation_time),
                (public, block_device_mappings, tags, source_id, source_region, permissions),
            )| Image {
                image_id,
                name,
                description,
                owner_id,
                state,
                creation_date,
                deprecation_time,
                public,
                block_device_mappings,
                tags,
                source_image_id: source_id,
                source_image_region: source_region,
                launch_permissions: permissions,
            },
        )
}

fn rule_tags() -> impl Strategy<Value = Vec<RetentionRuleTag>> {
    vec(
        (text(), option::of(text())).prop_map(|(key, value)| RetentionRuleTag {
            resource_tag_key: key,
            resource_tag_value: value,
        }),
        0..3,
    )
}

/// A rule as `list-rules` lists it, completed by `get-rule` when that was read: then its tags
/// and exclusions are known (none is an empty list), else neither is nor its status.
fn retention_rule() -> impl Strategy<Value = RetentionRule> {
    (
        id("rule-"),
        option::of(text()),
        option::of(text()),
        (any::<u64>(), select(vec!["DAYS"]).prop_map(Str::from)).prop_map(|(value, unit)| {
            Some(RetentionPeriod {
                retention_period_value: value,
                retention_period_unit: unit,
            })
        }),
        option::of(select(vec!["locked", "pending_unlock", "unlocked"]).prop_map(Str::from)),
        option::of((
            select(vec!["available", "pending"]).prop_map(|s| Some(Str::from(s))),
            rule_tags(),
            rule_tags(),
        )),
    )
        .prop_map(|(identifier, description, arn, period, lock, details)| {
            let (status, resource_tags, exclude) = match details {
                Some((status, tags, exclude)) => (status, Some(tags), Some(exclude)),
                None => (None, None, None),
            };
            RetentionRule {
                identifier,
                description,
                rule_arn: arn,
                retention_period: period,
                lock_state: lock,
                status,
                resource_tags,
                exclude_resource_tags: exclude,
            }
        })
}

fn retain_rule() -> impl Strategy<Value = DlmRetainRule> {
    (
        option::of(0u64..1000),
        option::of(0u64..1000),
        option::of(select(vec!["DAYS", "WEEKS", "MONTHS", "YEARS"]).prop_map(Str::from)),
    )
        .prop_map(|(count, interval, interval_unit)| DlmRetainRule {
            count,
            interval,
            interval_unit,
        })
}

fn dlm_schedule() -> impl Strategy<Value = DlmSchedule> {
    (
        option::of(text()),
        option::of(any::<bool>()),
        tags(),
        option::of((option::of(1u64..25), vec(text(), 0..2), option::of(text()))),
        option::of(retain_rule()),
        vec(
            (
                option::of(select(REGIONS.to_vec()).prop_map(Str::from)),
                option::of(any::<bool>()),
                option::of(retain_rule()),
            ),
            0..2,
        ),
        vec(vec(account_id().prop_map(Str::from), 0..2), 0..2),
    )
        .prop_map(
            |(name, copy_tags, tags_to_add, create, retain_rule, copies, shares)| DlmSchedule {
                name,
                copy_tags,
                tags_to_add,
                create_rule: create.map(|(interval, times, cron)| DlmCreateRule {
                    interval,
                    interval_unit: interval.map(|_| "HOURS".into()),
                    times,
                    cron_expression: cron,
                    ..DlmCreateRule::default()
                }),
                retain_rule,
                cross_region_copy_rules: copies
                    .into_iter()
                    .map(|(target, encrypted, retain_rule)| CrossRegionCopyRule {
                        target,
                        encrypted,
                        retain_rule,
                        ..CrossRegionCopyRule::default()
                    })
                    .collect(),
                share_rules: shares
                    .into_iter()
                    .map(|target_accounts| DlmShareRule {
                        target_accounts,
                        ..DlmShareRule::default()
                    })
                    .collect(),
                archive_rule: None,
            },
        )
}

/// A DLM policy: its details (`get-lifecycle-policy`) are recorded or not, and its ARN and
/// role come with them.
fn lifecycle_policy() -> impl Strategy<Value = LifecyclePolicy> {
    (
        id("policy-"),
        option::of(text()),
        option::of(select(vec!["ENABLED", "DISABLED", "ERROR"]).prop_map(Str::from)),
        option::of(any::<bool>()),
        btree_map(text(), text(), 0..2),
        option::of((
            option::of(text()),
            vec(select(vec!["VOLUME", "INSTANCE"]).prop_map(Str::from), 0..2),
            tags(),
            vec(dlm_schedule(), 0..3),
            option::of(1u64..30),
        )),
    )
        .prop_map(|(policy_id, description, state, default, tags, details)| {
            let policy_details = details.map(|(arn, types, target_tags, schedules, create)| {
                (
                    arn,
                    PolicyDetails {
                        policy_type: Some("EBS_SNAPSHOT_MANAGEMENT".into()),
                        resource_types: types,
                        target_tags,
                        schedules,
                        create_interval: create,
                        ..PolicyDetails::default()
                    },
                )
            });
            LifecyclePolicy {
                policy_id,
                description,
                state,
                policy_type: Some("EBS_SNAPSHOT_MANAGEMENT".into()),
                default_policy: default,
                tags,
                policy_arn: policy_details.as_ref().and_then(|(arn, _)| arn.clone()),
                execution_role_arn: None,
                policy_details: policy_details.map(|(_, d)| d),
            }
        })
}

fn lifecycle() -> impl Strategy<Value = Option<BackupLifecycle>> {
    option::of(
        (
            option::of(1u64..400),
            option::of(1u64..4000),
            option::of(any::<bool>()),
        )
            .prop_map(|(cold, delete, archive)| BackupLifecycle {
                move_to_cold_storage_after_days: cold,
                delete_after_days: delete,
                opt_in_to_archive_for_supported_resources: archive,
            }),
    )
}

fn vault_arn() -> impl Strategy<Value = Str> {
    (select(REGIONS.to_vec()), account_id(), "[a-z]{1,6}")
        .prop_map(|(r, a, n)| format!("arn:aws:backup:{r}:{a}:backup-vault:{n}").into())
}

fn backup_vault() -> impl Strategy<Value = BackupVault> {
    (
        "[A-Za-z0-9-]{1,10}".prop_map(Str::from),
        option::of(vault_arn()),
        option::of(
            select(vec!["BACKUP_VAULT", "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"]).prop_map(Str::from),
        ),
        option::of(timestamp()),
        option::of(any::<bool>()),
        option::of(1u64..100),
        option::of(option::of(text().prop_map(String::from))),
    )
        .prop_map(
            |(name, arn, vault_type, created, locked, min_days, policy)| BackupVault {
                backup_vault_name: name,
                backup_vault_arn: arn,
                vault_type,
                creation_date: created,
                locked,
                min_retention_days: min_days,
                access_policy: policy.map(|policy| BackupVaultAccessPolicy { policy }),
                ..BackupVault::default()
            },
        )
}

fn backup_rule() -> impl Strategy<Value = BackupRule> {
    (
        text(),
        text(),
        option::of(text()),
        lifecycle(),
        vec(
            (vault_arn(), lifecycle()).prop_map(|(arn, lifecycle)| CopyAction {
                destination_backup_vault_arn: arn,
                lifecycle,
            }),
            0..3,
        ),
    )
        .prop_map(
            |(rule_name, vault, schedule, lifecycle, copy_actions)| BackupRule {
                rule_name,
                target_backup_vault_name: vault,
                schedule_expression: schedule,
                lifecycle,
                copy_actions,
                ..BackupRule::default()
            },
        )
}

fn selection_details() -> impl Strategy<Value = SelectionDetails> {
    let condition = || {
        (text(), text()).prop_map(|(k, v)| ConditionParameter {
            condition_key: k,
            condition_value: v,
        })
    };
    (
        text(),
        vec(text(), 0..3),
        vec(text(), 0..2),
        vec(
            (text(), text()).prop_map(|(k, v)| BackupCondition {
                condition_type: "STRINGEQUALS".into(),
                condition_key: k,
                condition_value: v,
            }),
            0..2,
        ),
        option::of((vec(condition(), 0..2), vec(condition(), 0..2))),
    )
        .prop_map(
            |(name, resources, not_resources, list_of_tags, conditions)| SelectionDetails {
                selection_name: name,
                resources,
                not_resources,
                list_of_tags,
                conditions: conditions.map(|(string_equals, string_like)| BackupConditions {
                    string_equals,
                    string_like,
                    ..BackupConditions::default()
                }),
                ..SelectionDetails::default()
            },
        )
}

fn backup_plan() -> impl Strategy<Value = BackupPlan> {
    (
        id("plan-"),
        option::of(text()),
        option::of(text()),
        option::of(vec(backup_rule(), 0..3)),
        vec(
            (
                id("sel-"),
                option::of(text()),
                option::of(selection_details()),
            ),
            0..3,
        ),
    )
        .prop_map(|(id, name, version, rules, selections)| BackupPlan {
            backup_plan_id: id,
            backup_plan_name: name,
            version_id: version,
            rules,
            selections: Some(
                selections
                    .into_iter()
                    .map(|(selection_id, selection_name, details)| BackupSelection {
                        selection_id,
                        selection_name,
                        backup_selection: details,
                        ..BackupSelection::default()
                    })
                    .collect(),
            ),
            ..BackupPlan::default()
        })
}

fn recovery_point() -> impl Strategy<Value = RecoveryPoint> {
    (
        id("snap-"),
        "[A-Za-z0-9-]{1,10}".prop_map(Str::from),
        option::of(vault_arn()),
        option::of(id("vol-")),
        option::of(select(vec!["COMPLETED", "PARTIAL", "EXPIRED"]).prop_map(Str::from)),
        option::of(timestamp()),
        lifecycle(),
    )
        .prop_map(
            |(snap, vault, source, volume, status, created, lifecycle)| RecoveryPoint {
                recovery_point_arn: format!("arn:aws:ec2:us-east-1::snapshot/{snap}").into(),
                backup_vault_name: vault,
                source_backup_vault_arn: source,
                resource_arn: volume
                    .map(|v| format!("arn:aws:ec2:us-east-1:111122223333:volume/{v}").into()),
                resource_type: Some("EBS".into()),
                status,
                creation_date: created,
                lifecycle,
                ..RecoveryPoint::default()
            },
        )
}

/// DLM and AWS Backup. Plans' selections are read for all plans of a region or for none.
fn region_backup() -> impl Strategy<Value = RegionBackup> {
    (
        collected(vec(lifecycle_policy(), 0..3)),
        collected(vec(backup_vault(), 0..3)),
        collected(vec(backup_plan(), 0..3)),
        any::<bool>(),
        collected(vec(recovery_point(), 0..4)),
        collected(any::<bool>()),
        collected(select(vec!["alias/aws/ebs", "alias/backup-default"]).prop_map(Str::from)),
        collected(vec(locked_snapshot(), 0..3)),
    )
        .prop_map(
            |(policies, vaults, plans, selections_read, points, encryption, key, locks)| {
                let mut plans = plans;
                if !selections_read {
                    for plan in plans.iter_mut().flatten() {
                        plan.selections = None;
                    }
                }
                // No vault, nothing to list recovery points of: read, and empty.
                let points = match (&vaults, points) {
                    (Some(v), None) if v.is_empty() => Some(Vec::new()),
                    (_, points) => points,
                };
                RegionBackup {
                    lifecycle_policies: policies,
                    backup_vaults: vaults,
                    backup_plans: plans,
                    recovery_points: points,
                    ebs_encryption_by_default: encryption,
                    ebs_default_kms_key_id: key,
                    locked_snapshots: locks,
                }
            },
        )
}

fn locked_snapshot() -> impl Strategy<Value = LockedSnapshot> {
    (
        "snap-[0-9a-f]{17}",
        select(vec![
            "compliance",
            "governance",
            "compliance-cooloff",
            "expired",
        ]),
        option::of(1u64..36500),
    )
        .prop_map(|(id, state, days)| LockedSnapshot {
            snapshot_id: id.into(),
            lock_state: state.into(),
            lock_duration: days,
            ..LockedSnapshot::default()
        })
}

/// What a scan reads, mostly; `None` when it could not.
fn collected<S: Strategy>(strategy: S) -> impl Strategy<Value = Option<S::Value>> {
    option::weighted(0.8, strategy)
}

fn region() -> impl Strategy<Value = Region> {
    (
        select(REGIONS.to_vec()).prop_map(Str::from),
        collected(vec(volume(), 0..4)),
        collected(vec(instance(), 0..3)),
        collected(vec(snapshot(), 0..6)),
        collected(vec(image(), 0..4)),
        collected(vec(retention_rule(), 0..3)),
        collected(vec(retention_rule(), 0..3)),
        collected(
            select(vec!["unblocked", "block-all-sharing", "block-new-sharing"]).prop_map(Str::from),
        ),
        collected(select(vec!["unblocked", "block-new-sharing"]).prop_map(Str::from)),
        region_backup(),
    )
        .prop_map(
            |(
                name,
                volumes,
                instances,
                snapshots,
                images,
                snapshot_rules,
                image_rules,
                s,
                i,
                b,
            )| {
                Region {
                    name,
                    volumes,
                    instances,
                    snapshots,
                    images,
                    snapshot_retention_rules: snapshot_rules,
                    image_retention_rules: image_rules,
                    snapshot_block_public_access: s,
                    image_block_public_access: i,
                    backup: b,
                }
            },
        )
}

/// A valid policy document, as IAM and Organizations hold them.
fn policy_document() -> impl Strategy<Value = Value> {
    let statement = (
        select(vec!["Allow", "Deny"]),
        vec(
            select(vec![
                "ec2:DeleteSnapshot",
                "ec2:DeregisterImage",
                "ec2:ModifySnapshotAttribute",
                "rbin:*",
                "*",
            ]),
            1..3,
        ),
        option::of("[A-Za-z0-9]{1,8}"),
    )
        .prop_map(|(effect, actions, sid)| {
            let mut s = json!({"Effect": effect, "Action": actions, "Resource": "*"});
            if let Some(sid) = sid {
                s["Sid"] = json!(sid);
            }
            s
        });
    vec(statement, 1..3)
        .prop_map(|statements| json!({"Version": "2012-10-17", "Statement": statements}))
}

fn inline_policies() -> impl Strategy<Value = Vec<InlinePolicy>> {
    vec(
        (text(), policy_document()).prop_map(|(policy_name, policy_document)| InlinePolicy {
            policy_name,
            policy_document,
        }),
        0..2,
    )
}

fn attached() -> impl Strategy<Value = Vec<AttachedPolicy>> {
    vec(
        (
            option::of(text()),
            select(vec![
                "arn:aws:iam::aws:policy/A",
                "arn:aws:iam::aws:policy/B",
            ]),
        )
            .prop_map(|(policy_name, arn)| AttachedPolicy {
                policy_name,
                policy_arn: arn.into(),
            }),
        0..2,
    )
}

fn boundary() -> impl Strategy<Value = Option<PermissionsBoundary>> {
    option::of(text().prop_map(|arn| PermissionsBoundary {
        permissions_boundary_arn: arn,
    }))
}

fn authorization_details() -> impl Strategy<Value = AuthorizationDetails> {
    let user = (
        text(),
        text(),
        option::of(text()),
        vec(text(), 0..2),
        inline_policies(),
        attached(),
        boundary(),
        tags(),
    )
        .prop_map(
            |(name, arn, path, groups, inline, attached, boundary, tags)| UserDetail {
                user_name: name,
                arn,
                path,
                group_list: groups,
                user_policy_list: inline,
                attached_managed_policies: attached,
                permissions_boundary: boundary,
                tags,
            },
        );
    let group = (text(), option::of(text()), inline_policies(), attached()).prop_map(
        |(name, arn, inline, attached)| GroupDetail {
            group_name: name,
            arn,
            group_policy_list: inline,
            attached_managed_policies: attached,
        },
    );
    let role = (
        text(),
        text(),
        option::of(policy_document()),
        option::of(text()),
        inline_policies(),
        attached(),
        boundary(),
        tags(),
    )
        .prop_map(
            |(name, arn, trust, path, inline, attached, boundary, tags)| RoleDetail {
                role_name: name,
                arn,
                assume_role_policy_document: trust,
                path,
                role_policy_list: inline,
                attached_managed_policies: attached,
                permissions_boundary: boundary,
                tags,
            },
        );
    let version = (policy_document(), option::of(text()), any::<bool>()).prop_map(
        |(document, version_id, is_default_version)| PolicyVersion {
            document,
            version_id,
            is_default_version,
        },
    );
    let managed = (
        text(),
        select(vec![
            "arn:aws:iam::aws:policy/A",
            "arn:aws:iam::aws:policy/C",
        ]),
        option::of(text()),
        vec(version, 0..2),
    )
        .prop_map(
            |(name, arn, default_version_id, versions)| ManagedPolicyDetail {
                policy_name: name,
                arn: arn.into(),
                default_version_id,
                policy_version_list: versions,
            },
        );
    (
        vec(user, 0..2),
        vec(group, 0..2),
        vec(role, 0..2),
        vec(managed, 0..2),
    )
        .prop_map(|(users, groups, roles, policies)| AuthorizationDetails {
            user_detail_list: users,
            group_detail_list: groups,
            role_detail_list: roles,
            policies,
        })
}

fn account() -> impl Strategy<Value = Account> {
    (
        account_id(),
        collected(authorization_details()),
        vec(region(), 0..4),
    )
        .prop_map(|(id, iam, regions)| Account {
            id: id.into(),
            iam,
            regions,
        })
}

fn org_node(prefix: &'static str) -> impl Strategy<Value = OrgNode> {
    (id(prefix), option::of(text()), option::of(text())).prop_map(|(id, arn, name)| OrgNode {
        id,
        arn,
        name,
    })
}

/// An organization whose members are drawn from `members` and a few others, with a tree of
/// roots and OUs in which every OU and some accounts have a parent.
fn organization(members: Vec<String>) -> impl Strategy<Value = Organization> {
    let member = (
        prop_oneof![select(members), account_id()],
        option::of(text()),
        option::of(text()),
        option::of(select(vec!["ACTIVE", "SUSPENDED"]).prop_map(Str::from)),
    )
        .prop_map(|(id, arn, name, status)| OrgAccount {
            id: id.into(),
            arn,
            name,
            status,
        });
    let description =
        (id("o-"), option::of(text()), option::of(account_id())).prop_map(|(id, arn, master)| {
            OrganizationDescription {
                id,
                arn,
                master_account_id: master.map(Str::from),
            }
        });
    let scp = (id("p-"), text(), policy_document(), vec(id("r-"), 0..3));
    // Another id shape than the SCPs': both kinds share policies/<id>.json.
    let backup_policy = (
        id("p-b"),
        text(),
        text().prop_map(|plan| serde_json::json!({ "plans": { plan.as_str(): { "regions": { "@@assign": ["us-east-1"] } } } })),
        vec(id("ou-"), 0..3),
    );
    (
        option::of(description),
        vec(member, 0..6),
        vec(org_node("r-"), 0..3),
        vec(org_node("ou-"), 0..5),
        vec(any::<prop::sample::Index>(), 8),
        collected(vec(scp, 0..4)),
        collected(vec(backup_policy, 0..3)),
    )
        .prop_map(
            |(description, accounts, roots, units, picks, scps, backup)| {
                let mut org = Organization {
                    description,
                    accounts,
                    roots,
                    ..Organization::default()
                };
                // Every OU hangs under a root or an earlier OU; each listed account may too.
                let mut placed: Vec<Str> = org.roots.iter().map(|r| r.id.clone()).collect();
                let mut pick = picks.iter().cycle();
                for unit in units {
                    if placed.is_empty() {
                        break;
                    }
                    let parent = pick.next().unwrap().get(&placed).clone();
                    org.parents.insert(unit.id.clone(), parent);
                    placed.push(unit.id.clone());
                    org.units.push(unit);
                }
                if !placed.is_empty() {
                    for account in org.accounts.iter().step_by(2) {
                        let parent = pick.next().unwrap().get(&placed).clone();
                        org.parents.insert(account.id.clone(), parent);
                    }
                }
                let policies = |listed: Vec<(Str, Str, serde_json::Value, Vec<Str>)>| {
                    listed
                        .into_iter()
                        .map(|(id, name, content, target_ids)| OrganizationPolicy {
                            id,
                            name,
                            content,
                            target_ids,
                        })
                        .collect()
                };
                org.service_control_policies = scps.map(policies);
                org.backup_policies = backup.map(policies);
                org
            },
        )
}

fn gap() -> impl Strategy<Value = Gap> {
    (
        account_id(),
        option::of(select(REGIONS.to_vec()).prop_map(String::from)),
        select(vec!["ec2:DescribeSnapshots", "sts:AssumeRole", "*"]).prop_map(String::from),
        "\\PC{0,20}",
    )
        .prop_map(|(account_id, region, operation, error)| Gap {
            account_id,
            region,
            operation,
            error,
        })
}

fn inventory() -> impl Strategy<Value = Inventory> {
    vec(account(), 0..5).prop_flat_map(|accounts| {
        let ids: Vec<String> = accounts.iter().map(|a| a.id.to_string()).collect();
        let selected = if ids.is_empty() {
            Just(None).boxed()
        } else {
            option::of(vec(select(ids.clone()), 0..3)).boxed()
        };
        let organization = if ids.is_empty() {
            collected(organization(vec!["111122223333".into()])).boxed()
        } else {
            collected(organization(ids)).boxed()
        };
        let counts = || btree_map("[a-z0-9]{1,6}:[A-Za-z]{1,12}", 0u64..1_000_000, 0..4);
        (
            Just(accounts),
            timestamp(),
            organization,
            selected,
            vec(gap(), 0..3),
            counts(),
            counts(),
        )
            .prop_map(
                |(accounts, collected_at, organization, selected, gaps, calls, retries)| {
                    consistent(Inventory {
                        collected_at,
                        organization,
                        accounts,
                        selected_accounts: selected,
                        not_scanned: gaps,
                        api_calls: calls,
                        throttle_retries: retries,
                    })
                },
            )
    })
}

/// What a scan would have produced: one folder per account and per region, unique ids where
/// files are joined on them, organizational units listed parent by parent, and a gap for
/// everything that was not read, the one the reader would derive or one that explains it.
fn consistent(mut inventory: Inventory) -> Inventory {
    // The reader refuses a collection time before EBS existed or in the future, and resource
    // times after the collection time or before EBS existed.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64;
    let first = recorded::EBS_LAUNCH.0;
    inventory.collected_at = Timestamp(first + inventory.collected_at.0.rem_euclid(now - first));
    let last = inventory.collected_at.0;
    let possible = |t: Timestamp| Timestamp(t.0.clamp(first, last));
    for region in inventory.accounts.iter_mut().flat_map(|a| &mut a.regions) {
        for s in region.snapshots.iter_mut().flatten() {
            s.start_time = possible(s.start_time);
        }
        for i in region.images.iter_mut().flatten() {
            i.creation_date = i.creation_date.map(possible);
        }
        for v in region.volumes.iter_mut().flatten() {
            v.create_time = v.create_time.map(possible);
        }
    }
    let mut gaps = std::mem::take(&mut inventory.not_scanned);
    let mut seen = BTreeSet::new();
    inventory.accounts.retain(|a| seen.insert(a.id.clone()));
    inventory.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    for account in &mut inventory.accounts {
        let id = account.id.to_string();
        // The manifest lists the regions every account has. With none in common it lists
        // none, which the reader takes as "every region seen, in every account": such an
        // inventory reads back with a gap per region an account lacks. Here accounts with
        // regions share one, as the accounts of a real scan do.
        if let Some(first) = account.regions.first_mut() {
            first.name = REGIONS[0].into();
        }
        let mut seen = BTreeSet::new();
        account.regions.retain(|r| seen.insert(r.name.clone()));
        account.regions.sort_by(|a, b| a.name.cmp(&b.name));
        if account.regions.is_empty() {
            gaps.push(gap_for(&id, None, "sts:AssumeRole"));
        }
        match &account.iam {
            Some(iam) => gaps.extend(Gap::of_authorization_details(iam, &id)),
            None => gaps.push(gap_for(&id, None, IAM_OPERATION)),
        }
        for region in &mut account.regions {
            gaps.extend(region_gaps(&id, region));
        }
    }
    if let Some(org) = &mut inventory.organization {
        // The reader lists OUs parent by parent.
        let parents = org.parents.clone();
        org.units.sort_by_key(|u| parents.get(&u.id).cloned());
        // The reader counts the management account among the organization's accounts.
        if let Some(id) = org
            .description
            .as_ref()
            .and_then(|d| d.master_account_id.clone())
        {
            if !org.accounts.iter().any(|a| a.id == id) {
                org.accounts.push(OrgAccount {
                    id,
                    ..OrgAccount::default()
                });
            }
        }
        let owner = org
            .management_account_id()
            .unwrap_or("organization")
            .to_owned();
        if org.description.is_none() {
            gaps.push(gap_for(
                &owner,
                None,
                OrgFile::DescribeOrganization.operation(),
            ));
        }
        if org.roots.is_empty() {
            gaps.push(gap_for(&owner, None, OrgFile::Roots.operation()));
        }
        match &mut org.service_control_policies {
            None => gaps.push(gap_for(&owner, None, OrgFile::Policies.operation())),
            Some(scps) => {
                let mut seen = BTreeSet::new();
                scps.retain(|p| seen.insert(p.id.clone()));
            }
        }
        // Members expected but without a folder: their account could not be entered.
        let scanned: BTreeSet<&str> = inventory.accounts.iter().map(|a| a.id.as_str()).collect();
        let selected = inventory.selected_accounts.as_deref();
        for member in &org.accounts {
            let expected = selected.is_none_or(|s| s.iter().any(|a| a == member.id.as_str()));
            if member.is_active() && expected && !scanned.contains(member.id.as_str()) {
                gaps.push(gap_for(&member.id, None, "sts:AssumeRole"));
            }
        }
    }
    gaps.sort();
    gaps.dedup();
    inventory.not_scanned = gaps;
    inventory
}

fn region_gaps(account: &str, region: &mut Region) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let name = region.name.to_string();
    let mut gap = |file: RegionFile| gaps.push(gap_for(account, Some(&name), file.operation()));
    for (file, present) in [
        (RegionFile::Volumes, region.volumes.is_some()),
        (RegionFile::Instances, region.instances.is_some()),
        (RegionFile::Snapshots, region.snapshots.is_some()),
        (RegionFile::Images, region.images.is_some()),
        (
            RegionFile::SnapshotRules,
            region.snapshot_retention_rules.is_some(),
        ),
        (
            RegionFile::ImageRules,
            region.image_retention_rules.is_some(),
        ),
        (
            RegionFile::SnapshotBlockPublicAccess,
            region.snapshot_block_public_access.is_some(),
        ),
        (
            RegionFile::ImageBlockPublicAccess,
            region.image_block_public_access.is_some(),
        ),
    ] {
        if !present {
            gap(file);
        }
    }
    if let Some(volumes) = &mut region.volumes {
        let mut seen = BTreeSet::new();
        volumes.retain(|v| seen.insert(v.volume_id.clone()));
    }
    if let Some(instances) = &mut region.instances {
        let mut seen = BTreeSet::new();
        instances.retain(|i| seen.insert(i.instance_id.clone()));
    }
    if let Some(snapshots) = &mut region.snapshots {
        let mut seen = BTreeSet::new();
        snapshots.retain(|s| seen.insert(s.snapshot_id.clone()));
        if snapshots
            .iter()
            .any(|s| s.create_volume_permissions.is_none())
        {
            gap(RegionFile::SnapshotAttributes);
        }
    }
    if let Some(images) = &mut region.images {
        let mut seen = BTreeSet::new();
        images.retain(|i| seen.insert(i.image_id.clone()));
        if images.iter().any(|i| i.launch_permissions.is_none()) {
            gap(RegionFile::ImageAttributes);
        }
    }
    let mut seen = BTreeSet::new();
    let mut undetailed = false;
    for rules in [
        &mut region.snapshot_retention_rules,
        &mut region.image_retention_rules,
    ]
    .into_iter()
    .flatten()
    {
        rules.retain(|r| seen.insert(r.identifier.clone()));
        undetailed |= rules.iter().any(|r| r.resource_tags.is_none());
    }
    if undetailed {
        gap(RegionFile::RuleDetails);
    }
    gaps.extend(backup_gaps(account, &name, &mut region.backup));
    gaps
}

/// The gaps of what the generated backup part lacks; duplicate ids (which name the entries of
/// the gathered files) are dropped first.
fn backup_gaps(account: &str, region: &str, backup: &mut RegionBackup) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let mut gap = |file: BackupFile| gaps.push(gap_for(account, Some(region), file.operation()));
    match &mut backup.lifecycle_policies {
        None => gap(BackupFile::LifecyclePolicies),
        Some(policies) => {
            let mut seen = BTreeSet::new();
            policies.retain(|p| seen.insert(p.policy_id.clone()));
            if policies.iter().any(|p| p.policy_details.is_none()) {
                gap(BackupFile::LifecyclePolicyDetails);
            }
        }
    }
    match &mut backup.backup_vaults {
        None => gap(BackupFile::BackupVaults),
        Some(vaults) => {
            let mut seen = BTreeSet::new();
            vaults.retain(|v| seen.insert(v.backup_vault_name.clone()));
            if vaults.iter().any(|v| v.access_policy.is_none()) {
                gap(BackupFile::VaultAccessPolicies);
            }
            if backup.recovery_points.is_none() {
                gap(BackupFile::RecoveryPoints);
            }
        }
    }
    match &mut backup.backup_plans {
        None => gap(BackupFile::BackupPlans),
        Some(plans) => {
            let mut seen = BTreeSet::new();
            plans.retain(|p| seen.insert(p.backup_plan_id.clone()));
            if plans.iter().any(|p| p.rules.is_none()) {
                gap(BackupFile::BackupPlanDetails);
            }
            if !plans.is_empty() && plans.iter().all(|p| p.selections.is_none()) {
                gap(BackupFile::BackupSelections);
            }
            let mut undetailed = false;
            for selections in plans.iter_mut().filter_map(|p| p.selections.as_mut()) {
                let mut seen = BTreeSet::new();
                selections.retain(|s| seen.insert(s.selection_id.clone()));
                undetailed |= selections.iter().any(|s| s.backup_selection.is_none());
            }
            if undetailed {
                gap(BackupFile::BackupSelectionDetails);
            }
        }
    }
    for (file, read) in [
        (
            BackupFile::EbsEncryptionByDefault,
            backup.ebs_encryption_by_default.is_some(),
        ),
        (
            BackupFile::EbsDefaultKmsKeyId,
            backup.ebs_default_kms_key_id.is_some(),
        ),
        (
            BackupFile::LockedSnapshots,
            backup.locked_snapshots.is_some(),
        ),
    ] {
        if !read {
            gap(file);
        }
    }
    gaps
}

fn gap_for(account: &str, region: Option<&str>, operation: &str) -> Gap {
    Gap {
        account_id: account.to_owned(),
        region: region.map(str::to_owned),
        operation: operation.to_owned(),
        error: "AccessDenied: not authorized".to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_inventory_reads_back_as_it_was_written(inventory in inventory()) {
        round_trip(&inventory).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The fixtures: every recorded inventory in the repository, loaded, written and loaded again.

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn recorded_inventories(dir: &Path, found: &mut Vec<PathBuf>) {
    if dir.join(recorded::MANIFEST).is_file() {
        found.push(dir.to_owned());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.is_dir()) {
        recorded_inventories(&path, found);
    }
}

/// Every valid recorded inventory under `fixtures/`: the regression cases are damaged on
/// purpose, so they are left out.
#[test]
fn every_fixture_reads_back_as_it_was_written() {
    let mut dirs = Vec::new();
    recorded_inventories(&fixtures(), &mut dirs);
    dirs.retain(|d| !d.starts_with(fixtures().join("regressions")));
    assert!(
        dirs.iter().any(|d| d.ends_with("demo-org")) && dirs.len() > 50,
        "the demo org and the rule cases: {dirs:?}"
    );
    let mut failures = BTreeMap::new();
    for dir in &dirs {
        let inventory =
            recorded::load(dir).unwrap_or_else(|e| panic!("{}: {}", dir.display(), e[0]));
        if let Err(e) = round_trip(&inventory) {
            failures.insert(dir.clone(), e);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn an_empty_inventory_reads_back_as_it_was_written() {
    // The reader refuses a collection time before EBS existed (the default's 1970).
    let empty = Inventory {
        collected_at: recorded::EBS_LAUNCH,
        ..Inventory::default()
    };
    round_trip(&empty).unwrap();
}
