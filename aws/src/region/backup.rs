//! AWS Backup: the region's vaults with their access policies and lock, its backup plans with
//! their rules and selections, and the EBS and EC2 recovery points in every vault
//! (<https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Operations_AWS_Backup.html>).

use aws_sdk_backup::types as b;
use rules::inventory::{
    AdvancedBackupSetting, BackupCondition, BackupConditions, BackupLifecycle, BackupPlan,
    BackupRule, BackupSelection, BackupVault, BackupVaultAccessPolicy, ConditionParameter,
    CopyAction, RecoveryPoint, SelectionDetails, Str,
};

use super::{failures_gap, non_negative, timestamp};
use crate::explain;

/// The resource types whose recovery points snapguard reads: EBS volumes and EC2 instances.
const RESOURCE_TYPES: [&str; 2] = ["EBS", "EC2"];

/// The vaults, plans and recovery points of the region. Each part is `None` when its listing
/// failed; a vault, plan or selection whose own call failed is left incomplete (`None` in its
/// part) and counted in a gap that names the first.
pub(super) async fn backup(
    client: &aws_sdk_backup::Client,
    gap: &mut impl FnMut(&str, String),
) -> (
    Option<Vec<BackupVault>>,
    Option<Vec<BackupPlan>>,
    Option<Vec<RecoveryPoint>>,
) {
    let vaults = match vaults(client).await {
        Ok(mut vaults) => {
            access_policies(client, &mut vaults, gap).await;
            Some(vaults)
        }
        Err(e) => {
            gap("backup:ListBackupVaults", e);
            None
        }
    };
    let recovery_points = match &vaults {
        Some(vaults) => recovery_points(client, vaults, gap).await,
        None => None,
    };
    let plans = match plans(client).await {
        Ok(mut plans) => {
            complete_plans(client, &mut plans, gap).await;
            Some(plans)
        }
        Err(e) => {
            gap("backup:ListBackupPlans", e);
            None
        }
    };
    (vaults, plans, recovery_points)
}

async fn vaults(client: &aws_sdk_backup::Client) -> Result<Vec<BackupVault>, String> {
    let pages = client
        .list_backup_vaults()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.backup_vault_list())
        .map(|v| BackupVault {
            backup_vault_name: v.backup_vault_name().unwrap_or_default().into(),
            backup_vault_arn: v.backup_vault_arn().map(Str::from),
            vault_type: v.vault_type().map(|t| t.as_str().into()),
            vault_state: v.vault_state().map(|s| s.as_str().into()),
            creation_date: timestamp(v.creation_date()),
            encryption_key_arn: v.encryption_key_arn().map(Str::from),
            number_of_recovery_points: Some(non_negative(v.number_of_recovery_points())),
            locked: v.locked(),
            min_retention_days: v.min_retention_days().map(non_negative),
            max_retention_days: v.max_retention_days().map(non_negative),
            lock_date: timestamp(v.lock_date()),
            access_policy: None,
        })
        .collect())
}

/// `GetBackupVaultAccessPolicy` for every vault. "Not found" means the vault has no access
/// policy, which is recorded as such; any other error leaves it unknown.
async fn access_policies(
    client: &aws_sdk_backup::Client,
    vaults: &mut [BackupVault],
    gap: &mut impl FnMut(&str, String),
) {
    let mut failures = Vec::new();
    for vault in vaults.iter_mut() {
        match client
            .get_backup_vault_access_policy()
            .backup_vault_name(vault.backup_vault_name.as_str())
            .send()
            .await
        {
            Ok(out) => {
                vault.access_policy = Some(BackupVaultAccessPolicy {
                    policy: out.policy().map(str::to_owned),
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                vault.access_policy = Some(BackupVaultAccessPolicy { policy: None })
            }
            Err(e) => failures.push((vault.backup_vault_name.to_string(), explain(&e))),
        }
    }
    failures_gap(gap, "backup:GetBackupVaultAccessPolicy", &failures, |n| {
        format!("{n} vaults' access policies could not be read")
    });
}

fn lifecycle(l: &b::Lifecycle) -> BackupLifecycle {
    BackupLifecycle {
        move_to_cold_storage_after_days: l.move_to_cold_storage_after_days().map(non_negative),
        delete_after_days: l.delete_after_days().map(non_negative),
        opt_in_to_archive_for_supported_resources: l.opt_in_to_archive_for_supported_resources(),
    }
}

/// The EBS and EC2 recovery points of every vault; `None` when some vault's could not be
/// listed, since a volume's backups there would be missed.
async fn recovery_points(
    client: &aws_sdk_backup::Client,
    vaults: &[BackupVault],
    gap: &mut impl FnMut(&str, String),
) -> Option<Vec<RecoveryPoint>> {
    let mut points = Vec::new();
    let mut failures = Vec::new();
    for vault in vaults {
        for resource_type in RESOURCE_TYPES {
            let pages = client
                .list_recovery_points_by_backup_vault()
                .backup_vault_name(vault.backup_vault_name.as_str())
                .by_resource_type(resource_type)
                .into_paginator()
                .send()
                .try_collect()
                .await;
            match pages {
                Ok(pages) => points.extend(
                    pages
                        .iter()
                        .flat_map(|p| p.recovery_points())
                        .map(recovery_point),
                ),
                Err(e) => failures.push((vault.backup_vault_name.to_string(), explain(&e))),
            }
        }
    }
    let failed = failures_gap(
        gap,
        "backup:ListRecoveryPointsByBackupVault",
        &failures,
        |n| {
            format!("the recovery points of {n} vault listings could not be read, so no vault's are used")
        },
    );
    (!failed).then_some(points)
}

fn recovery_point(p: &b::RecoveryPointByBackupVault) -> RecoveryPoint {
    RecoveryPoint {
        recovery_point_arn: p.recovery_point_arn().unwrap_or_default().into(),
        backup_vault_name: p.backup_vault_name().unwrap_or_default().into(),
        backup_vault_arn: p.backup_vault_arn().map(Str::from),
        source_backup_vault_arn: p.source_backup_vault_arn().map(Str::from),
        resource_arn: p.resource_arn().map(Str::from),
        resource_type: p.resource_type().map(Str::from),
        status: p.status().map(|s| s.as_str().into()),
        creation_date: timestamp(p.creation_date()),
        completion_date: timestamp(p.completion_date()),
        lifecycle: p.lifecycle().map(lifecycle),
        parent_recovery_point_arn: p.parent_recovery_point_arn().map(Str::from),
        created_by: p.created_by().map(|c| {
            serde_json::json!({
                "BackupPlanId": c.backup_plan_id(),
                "BackupPlanArn": c.backup_plan_arn(),
                "BackupRuleId": c.backup_rule_id(),
            })
        }),
    }
}

async fn plans(client: &aws_sdk_backup::Client) -> Result<Vec<BackupPlan>, String> {
    let pages = client
        .list_backup_plans()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.backup_plans_list())
        .map(|p| BackupPlan {
            backup_plan_id: p.backup_plan_id().unwrap_or_default().into(),
            backup_plan_name: p.backup_plan_name().map(Str::from),
            backup_plan_arn: p.backup_plan_arn().map(Str::from),
            version_id: p.version_id().map(Str::from),
            creator_request_id: p.creator_request_id().map(Str::from),
            advanced_backup_settings: p
                .advanced_backup_settings()
                .iter()
                .map(|a| AdvancedBackupSetting {
                    resource_type: a.resource_type().map(Str::from),
                    backup_options: a
                        .backup_options()
                        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_default(),
                })
                .collect(),
            rules: None,
            selections: None,
        })
        .collect())
}

fn rule(r: &b::BackupRule) -> BackupRule {
    BackupRule {
        rule_name: r.rule_name().into(),
        rule_id: r.rule_id().map(Str::from),
        target_backup_vault_name: r.target_backup_vault_name().into(),
        schedule_expression: r.schedule_expression().map(Str::from),
        schedule_expression_timezone: r.schedule_expression_timezone().map(Str::from),
        start_window_minutes: r.start_window_minutes().map(non_negative),
        completion_window_minutes: r.completion_window_minutes().map(non_negative),
        lifecycle: r.lifecycle().map(lifecycle),
        copy_actions: r
            .copy_actions()
            .iter()
            .map(|c| CopyAction {
                destination_backup_vault_arn: c.destination_backup_vault_arn().into(),
                lifecycle: c.lifecycle().map(lifecycle),
            })
            .collect(),
        enable_continuous_backup: r.enable_continuous_backup(),
    }
}

fn selection(s: &b::BackupSelection) -> SelectionDetails {
    let parameters = |list: &[b::ConditionParameter]| -> Vec<ConditionParameter> {
        list.iter()
            .map(|c| ConditionParameter {
                condition_key: c.condition_key().unwrap_or_default().into(),
                condition_value: c.condition_value().unwrap_or_default().into(),
            })
            .collect()
    };
    SelectionDetails {
        selection_name: s.selection_name().into(),
        iam_role_arn: Some(s.iam_role_arn().into()),
        resources: s
            .resources()
            .iter()
            .map(|r| Str::from(r.as_str()))
            .collect(),
        not_resources: s
            .not_resources()
            .iter()
            .map(|r| Str::from(r.as_str()))
            .collect(),
        list_of_tags: s
            .list_of_tags()
            .iter()
            .map(|c| BackupCondition {
                condition_type: c.condition_type().as_str().into(),
                condition_key: c.condition_key().into(),
                condition_value: c.condition_value().into(),
            })
            .collect(),
        conditions: s.conditions().map(|c| BackupConditions {
            string_equals: parameters(c.string_equals()),
            string_not_equals: parameters(c.string_not_equals()),
            string_like: parameters(c.string_like()),
            string_not_like: parameters(c.string_not_like()),
        }),
    }
}

/// `GetBackupPlan`, `ListBackupSelections` and `GetBackupSelection` for every plan.
async fn complete_plans(
    client: &aws_sdk_backup::Client,
    plans: &mut [BackupPlan],
    gap: &mut impl FnMut(&str, String),
) {
    // (operation, "plan <id>", error)
    let mut failures: Vec<(&str, String, String)> = Vec::new();
    for plan in plans.iter_mut() {
        let id = plan.backup_plan_id.to_string();
        match client.get_backup_plan().backup_plan_id(&id).send().await {
            Ok(out) => {
                plan.rules = out
                    .backup_plan()
                    .map(|p| p.rules().iter().map(rule).collect())
            }
            Err(e) => failures.push(("backup:GetBackupPlan", format!("plan {id}"), explain(&e))),
        }
        let listed = client
            .list_backup_selections()
            .backup_plan_id(&id)
            .into_paginator()
            .send()
            .try_collect()
            .await;
        let summaries = match listed {
            Ok(pages) => pages,
            Err(e) => {
                failures.push((
                    "backup:ListBackupSelections",
                    format!("plan {id}"),
                    explain(&e),
                ));
                continue;
            }
        };
        let mut selections = Vec::new();
        for summary in summaries.iter().flat_map(|p| p.backup_selections_list()) {
            let selection_id = summary.selection_id().unwrap_or_default();
            let details = match client
                .get_backup_selection()
                .backup_plan_id(&id)
                .selection_id(selection_id)
                .send()
                .await
            {
                Ok(out) => out.backup_selection().map(selection),
                Err(e) => {
                    failures.push((
                        "backup:GetBackupSelection",
                        format!("plan {id}"),
                        explain(&e),
                    ));
                    None
                }
            };
            selections.push(BackupSelection {
                selection_id: selection_id.into(),
                selection_name: summary.selection_name().map(Str::from),
                iam_role_arn: summary.iam_role_arn().map(Str::from),
                backup_selection: details,
            });
        }
        plan.selections = Some(selections);
    }
    for operation in [
        "backup:GetBackupPlan",
        "backup:ListBackupSelections",
        "backup:GetBackupSelection",
    ] {
        let failed: Vec<(String, String)> = failures
            .iter()
            .filter(|f| f.0 == operation)
            .map(|(_, plan, error)| (plan.clone(), error.clone()))
            .collect();
        failures_gap(gap, operation, &failed, |n| {
            format!("{n} calls failed, so what those plans back up is unknown")
        });
    }
}

/// Against mocked responses, for what the emulator does not serve: vault access policies (with
/// "not found"), selections and recovery points, pagination and failures.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_backup::operation::get_backup_plan::GetBackupPlanOutput;
    use aws_sdk_backup::operation::get_backup_selection::GetBackupSelectionOutput;
    use aws_sdk_backup::operation::get_backup_vault_access_policy::GetBackupVaultAccessPolicyOutput;
    use aws_sdk_backup::operation::list_backup_plans::ListBackupPlansOutput;
    use aws_sdk_backup::operation::list_backup_selections::ListBackupSelectionsOutput;
    use aws_sdk_backup::operation::list_backup_vaults::ListBackupVaultsOutput;
    use aws_sdk_backup::operation::list_recovery_points_by_backup_vault::ListRecoveryPointsByBackupVaultOutput;
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients;

    fn vault(name: &str) -> b::BackupVaultListMember {
        b::BackupVaultListMember::builder()
            .backup_vault_name(name)
            .backup_vault_arn(format!(
                "arn:aws:backup:us-east-1:111111111111:backup-vault:{name}"
            ))
            .locked(name == "locked")
            .min_retention_days(30)
            .build()
    }

    fn point(id: &str, resource_type: &str) -> b::RecoveryPointByBackupVault {
        b::RecoveryPointByBackupVault::builder()
            .recovery_point_arn(format!("arn:aws:ec2:us-east-1::snapshot/{id}"))
            .backup_vault_name("locked")
            .resource_arn("arn:aws:ec2:us-east-1:111111111111:volume/vol-1")
            .resource_type(resource_type)
            .status(b::RecoveryPointStatus::Completed)
            .creation_date(aws_smithy_types::DateTime::from_secs(1_764_000_000))
            .build()
    }

    #[tokio::test]
    async fn vaults_policies_plans_selections_and_recovery_points_are_read() {
        let vaults = mock!(aws_sdk_backup::Client::list_backup_vaults).then_output(|| {
            ListBackupVaultsOutput::builder()
                .backup_vault_list(vault("locked"))
                .backup_vault_list(vault("open"))
                .build()
        });
        let with_policy = mock!(aws_sdk_backup::Client::get_backup_vault_access_policy)
            .match_requests(|r| r.backup_vault_name() == Some("locked"))
            .then_output(|| {
                GetBackupVaultAccessPolicyOutput::builder()
                    .backup_vault_name("locked")
                    .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
                    .build()
            });
        let without_policy = mock!(aws_sdk_backup::Client::get_backup_vault_access_policy)
            .match_requests(|r| r.backup_vault_name() == Some("open"))
            .then_http_response(|| mock_clients::json_error(404, "ResourceNotFoundException"));
        // Two pages of EBS recovery points in one vault; none of EC2; none in the other vault.
        let page1 = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
            .match_requests(|r| {
                r.backup_vault_name() == Some("locked")
                    && r.by_resource_type() == Some("EBS")
                    && r.next_token().is_none()
            })
            .then_output(|| {
                ListRecoveryPointsByBackupVaultOutput::builder()
                    .recovery_points(point("snap-1", "EBS"))
                    .next_token("page2")
                    .build()
            });
        let page2 = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
            .match_requests(|r| r.next_token() == Some("page2"))
            .then_output(|| {
                ListRecoveryPointsByBackupVaultOutput::builder()
                    .recovery_points(point("snap-2", "EBS"))
                    .build()
            });
        let no_points = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
            .then_output(|| ListRecoveryPointsByBackupVaultOutput::builder().build());
        let plans = mock!(aws_sdk_backup::Client::list_backup_plans).then_output(|| {
            ListBackupPlansOutput::builder()
                .backup_plans_list(
                    b::BackupPlansListMember::builder()
                        .backup_plan_id("plan-1")
                        .backup_plan_name("daily")
                        .advanced_backup_settings(
                            b::AdvancedBackupSetting::builder()
                                .resource_type("EC2")
                                .backup_options("WindowsVSS", "enabled")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let plan = mock!(aws_sdk_backup::Client::get_backup_plan).then_output(|| {
            GetBackupPlanOutput::builder()
                .backup_plan_id("plan-1")
                .backup_plan(
                    b::BackupPlan::builder()
                        .backup_plan_name("daily")
                        .rules(
                            b::BackupRule::builder()
                                .rule_name("daily")
                                .target_backup_vault_name("locked")
                                .schedule_expression("cron(0 5 ? * * *)")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        });
        let selections = mock!(aws_sdk_backup::Client::list_backup_selections).then_output(|| {
            ListBackupSelectionsOutput::builder()
                .backup_selections_list(
                    b::BackupSelectionsListMember::builder()
                        .selection_id("sel-1")
                        .selection_name("tagged")
                        .build(),
                )
                .build()
        });
        let selection = mock!(aws_sdk_backup::Client::get_backup_selection)
            .match_requests(|r| {
                r.backup_plan_id() == Some("plan-1") && r.selection_id() == Some("sel-1")
            })
            .then_output(|| {
                GetBackupSelectionOutput::builder()
                    .backup_selection(
                        b::BackupSelection::builder()
                            .selection_name("tagged")
                            .iam_role_arn("arn:aws:iam::111111111111:role/backup")
                            .resources("arn:aws:ec2:*:*:volume/*")
                            .not_resources("arn:aws:ec2:*:*:volume/vol-scratch")
                            .list_of_tags(
                                b::Condition::builder()
                                    .condition_type(b::ConditionType::Stringequals)
                                    .condition_key("Backup")
                                    .condition_value("daily")
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = mock_clients::backup(
            &[
                &vaults,
                &with_policy,
                &without_policy,
                &page1,
                &page2,
                &no_points,
                &plans,
                &plan,
                &selections,
                &selection,
            ],
            &counters,
        );
        let mut gaps = Vec::new();
        let (vaults, plans, points) = backup(&client, &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await;
        assert!(gaps.is_empty(), "{gaps:?}");
        let vaults = vaults.unwrap();
        assert_eq!(vaults[0].locked, Some(true));
        assert_eq!(vaults[0].min_retention_days, Some(30));
        assert!(vaults[0].access_policy.as_ref().unwrap().policy.is_some());
        assert_eq!(
            vaults[1].access_policy,
            Some(BackupVaultAccessPolicy { policy: None }),
            "not found is recorded as no policy"
        );
        let points = points.unwrap();
        let ids: Vec<Option<&str>> = points.iter().map(|p| p.snapshot_id()).collect();
        assert_eq!(ids, [Some("snap-1"), Some("snap-2")]);
        assert!(points[0].is_completed());
        let plans = plans.unwrap();
        assert!(
            plans[0].windows_vss(),
            "{:?}",
            plans[0].advanced_backup_settings
        );
        let rules = plans[0].rules.as_ref().unwrap();
        assert_eq!(rules[0].target_backup_vault_name, "locked");
        let selections = plans[0].selections.as_ref().unwrap();
        let details = selections[0].backup_selection.as_ref().unwrap();
        assert_eq!(details.list_of_tags[0].condition_key, "Backup");
        assert_eq!(
            details.not_resources,
            ["arn:aws:ec2:*:*:volume/vol-scratch"]
        );
        // Two vaults × EBS and EC2, one of them over two pages.
        assert_eq!(
            counters.api_calls.lock().unwrap()["backup:ListRecoveryPointsByBackupVault"],
            5
        );
    }

    #[tokio::test]
    async fn what_cannot_be_read_is_unknown_not_empty() {
        let vaults = mock!(aws_sdk_backup::Client::list_backup_vaults).then_output(|| {
            ListBackupVaultsOutput::builder()
                .backup_vault_list(vault("open"))
                .build()
        });
        let denied_policy = mock!(aws_sdk_backup::Client::get_backup_vault_access_policy)
            .then_http_response(|| mock_clients::json_error(403, "AccessDeniedException"));
        let denied_points = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
            .then_http_response(|| mock_clients::json_error(403, "AccessDeniedException"));
        let denied_plans = mock!(aws_sdk_backup::Client::list_backup_plans)
            .then_http_response(|| mock_clients::json_error(403, "AccessDeniedException"));
        let counters = Arc::new(Counters::default());
        let client = mock_clients::backup(
            &[&vaults, &denied_policy, &denied_points, &denied_plans],
            &counters,
        );
        let mut gaps = Vec::new();
        let (vaults, plans, points) = backup(&client, &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await;
        assert!(vaults.unwrap()[0].access_policy.is_none());
        assert!(points.is_none());
        assert!(plans.is_none());
        let operations: Vec<&str> = gaps.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(
            operations,
            [
                "backup:GetBackupVaultAccessPolicy",
                "backup:ListRecoveryPointsByBackupVault",
                "backup:ListBackupPlans"
            ]
        );
        assert!(
            gaps.iter()
                .all(|(_, e)| e.contains("AccessDeniedException")),
            "{gaps:?}"
        );
    }
}
