//! On-demand AWS Backup jobs like a plan rule's: a backup into the rule's vault, a copy of a
//! recovery point to a copy action's vault. Look first: a job of the same resource into the
//! same vault (of the same recovery point to the same vault) created since the plan's data and
//! not failed, aborted or expired means done, so a re-run after a crash starts nothing twice.
//! The idempotency token covers a call retried before its answer arrived; it is the action id,
//! the plan's data time and the number of failed jobs found, because AWS answers a token it has
//! seen with the old job and starts nothing: after a failure, or in a later plan, a new token
//! starts a new job. AWS Backup has no `DryRun`: a dry run reports these steps not checked.

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
        .set_opt_in_to_archive_for_supported_resources(l.opt_in_to_archive_for_supported_resources)
        .build()
}

/// The idempotency token of a job start: new after each failed job, and in each plan.
fn token(run: &Run, action: &Action, failed: usize) -> String {
    format!("{}-{}-{failed}", action.id, run.since)
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
    let mut failed = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| read_error("backup:ListBackupJobs", &e))?;
        for job in page.backup_jobs() {
            match job.state() {
                Some(
                    BackupJobState::Created
                    | BackupJobState::Pending
                    | BackupJobState::Running
                    | BackupJobState::Completed,
                ) => {
                    return Ok(StepOk::AlreadyDone(made(
                        job.backup_job_id().map(str::to_owned),
                    )))
                }
                _ => failed += 1,
            }
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
        .idempotency_token(token(run, action, failed))
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
    let mut failed = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| read_error("backup:ListCopyJobs", &e))?;
        let of_point = page
            .copy_jobs()
            .iter()
            .filter(|j| j.source_recovery_point_arn() == Some(step.recovery_point_arn.as_str()));
        for job in of_point {
            match job.state() {
                Some(CopyJobState::Created | CopyJobState::Running | CopyJobState::Completed) => {
                    return Ok(StepOk::AlreadyDone(made(
                        job.copy_job_id().map(str::to_owned),
                    )))
                }
                _ => failed += 1,
            }
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
        .idempotency_token(token(run, action, failed))
        .set_lifecycle(step.lifecycle.as_ref().map(lifecycle))
        .send()
        .await;
    let out = or_dry!(mutated(run, "backup:StartCopyJob", result)?);
    Ok(StepOk::Done(made(out.copy_job_id().map(str::to_owned))))
}
