//! On-demand AWS Backup jobs like a plan rule's: a backup into the rule's vault, a copy of a
//! recovery point to a copy action's vault. Look first: a job of the same resource into the
//! same vault (of the same recovery point to the same vault) created since the plan's data and
//! not failed means done, so a re-run after a crash starts nothing twice; the idempotency
//! token (the action id) covers a call retried before its answer arrived. AWS Backup has no
//! `DryRun`: a dry run reports these steps not checked.

use aws_sdk_backup::types::{BackupJobState, CopyJobState, Lifecycle};
use aws_smithy_types::DateTime;
use rules::remediation::plan::{JobLifecycle, StartBackupJob, StartCopyJob};
use rules::remediation::Action;

use super::{made, mutated, read_error, StepResult};
use crate::remediate::{Run, StepOk};

const NO_DRY_RUN: &str = "AWS Backup has no DryRun: permissions are not checked before the run";

fn lifecycle(l: &JobLifecycle) -> Lifecycle {
    let days = |d: Option<u64>| d.map(|d| i64::try_from(d).unwrap_or(i64::MAX));
    Lifecycle::builder()
        .set_move_to_cold_storage_after_days(days(l.move_to_cold_storage_after_days))
        .set_delete_after_days(days(l.delete_after_days))
        .build()
}

/// `backup:StartBackupJob`, unless a live or completed job of the resource into the vault
/// exists since the plan's data.
pub(super) async fn start_backup_job(
    run: &Run,
    action: &Action,
    step: &StartBackupJob,
) -> StepResult {
    let backup = run.connect.backup(&action.account_id, &action.region)?;
    let mut pages = backup
        .list_backup_jobs()
        .by_resource_arn(&step.resource_arn)
        .by_backup_vault_name(&step.backup_vault_name)
        .by_created_after(DateTime::from_secs(run.since))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| read_error("backup:ListBackupJobs", &e))?;
        let live = page.backup_jobs().iter().find(|j| {
            matches!(
                j.state(),
                Some(
                    BackupJobState::Created
                        | BackupJobState::Pending
                        | BackupJobState::Running
                        | BackupJobState::Completed
                )
            )
        });
        if let Some(job) = live {
            return Ok(StepOk::AlreadyDone(made(
                job.backup_job_id().map(str::to_owned),
            )));
        }
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(NO_DRY_RUN.into()));
    }
    let result = backup
        .start_backup_job()
        .backup_vault_name(&step.backup_vault_name)
        .resource_arn(&step.resource_arn)
        .iam_role_arn(&step.iam_role_arn)
        .idempotency_token(&action.id)
        .set_lifecycle(step.lifecycle.as_ref().map(lifecycle))
        .set_recovery_point_tags(Some(step.tags.clone().into_iter().collect()))
        .send()
        .await;
    let out = or_dry!(mutated(run, "backup:StartBackupJob", result)?);
    Ok(StepOk::Done(made(out.backup_job_id().map(str::to_owned))))
}

/// `backup:StartCopyJob`, unless a live or completed copy of the recovery point to the vault
/// exists since the plan's data.
pub(super) async fn start_copy_job(run: &Run, action: &Action, step: &StartCopyJob) -> StepResult {
    let backup = run.connect.backup(&action.account_id, &action.region)?;
    let mut pages = backup
        .list_copy_jobs()
        .by_destination_vault_arn(&step.destination_backup_vault_arn)
        .by_created_after(DateTime::from_secs(run.since))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| read_error("backup:ListCopyJobs", &e))?;
        let live = page.copy_jobs().iter().find(|j| {
            j.source_recovery_point_arn() == Some(step.recovery_point_arn.as_str())
                && matches!(
                    j.state(),
                    Some(CopyJobState::Created | CopyJobState::Running | CopyJobState::Completed)
                )
        });
        if let Some(job) = live {
            return Ok(StepOk::AlreadyDone(made(
                job.copy_job_id().map(str::to_owned),
            )));
        }
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(NO_DRY_RUN.into()));
    }
    let result = backup
        .start_copy_job()
        .recovery_point_arn(&step.recovery_point_arn)
        .source_backup_vault_name(&step.source_backup_vault_name)
        .destination_backup_vault_arn(&step.destination_backup_vault_arn)
        .iam_role_arn(&step.iam_role_arn)
        .idempotency_token(&action.id)
        .set_lifecycle(step.lifecycle.as_ref().map(lifecycle))
        .send()
        .await;
    let out = or_dry!(mutated(run, "backup:StartCopyJob", result)?);
    Ok(StepOk::Done(made(out.copy_job_id().map(str::to_owned))))
}
