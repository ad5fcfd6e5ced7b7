//! Remediation through AWS Backup: when an AWS Backup plan rule covers a volume, its missing
//! backup is taken, and its missing copies made, by AWS Backup jobs like the rule's own, so
//! that they are kept under the vault's lock and the rule's lifecycle (SG-PROT-001, -002,
//! -003). Without such a rule, or without the role or the copy action a job needs, the EC2
//! remediation stands.

use crate::inventory::{Snapshot, Volume};
use crate::remediation::plan::{JobLifecycle, StartCopyJob};
use crate::remediation::{BackupJobRequest, Remediation};
use crate::schedules::{BackupJobTarget, Schedule};
use crate::scope::RegionScope;

/// The first AWS Backup plan rule covering `volume` whose selection names its role.
fn covering_rule<'s, 'a>(
    scope: &'s RegionScope<'a>,
    volume_id: &str,
) -> Option<(&'s Schedule<'a>, &'s BackupJobTarget<'a>)> {
    scope
        .schedules_of(volume_id)?
        .covering
        .iter()
        .find_map(|s| Some((s, s.backup_job.as_ref()?)))
}

/// `StartBackupJob` like the covering plan rule's, when there is one.
pub(crate) fn backup_job(scope: &RegionScope, volume_id: &str) -> Option<Remediation> {
    let (schedule, job) = covering_rule(scope, volume_id)?;
    Some(Remediation::StartBackupJob(BackupJobRequest {
        volume_id: volume_id.to_owned(),
        resource_arn: job.resource_arn.clone(),
        backup_vault_name: job.backup_vault_name.to_owned(),
        iam_role_arn: job.iam_role_arn.to_owned(),
        lifecycle: job.lifecycle.map(JobLifecycle::from),
        schedule: schedule.id.label.clone(),
    }))
}

/// `StartBackupJob` of the whole instance when a plan rule's selection takes the instance
/// that `volume_ids` are attached to: one AMI of all its volumes at one moment (SG-PROT-004).
pub(crate) fn instance_backup_job(scope: &RegionScope, volume_ids: &[&str]) -> Option<Remediation> {
    volume_ids
        .iter()
        .filter_map(|v| backup_job(scope, v))
        .find(|r| matches!(r, Remediation::StartBackupJob(job) if job.resource_arn.contains(":instance/")))
}

/// `StartCopyJob` of `snapshot` when it is a completed recovery point in a vault of this
/// account-region, and a copy action of the covering plan rule goes to a destination (region,
/// account) that `wanted` accepts.
pub(crate) fn copy_job(
    scope: &RegionScope,
    volume: &Volume,
    snapshot: &Snapshot,
    wanted: impl Fn(&str, &str) -> bool,
) -> Option<Remediation> {
    let (schedule, job) = covering_rule(scope, &volume.volume_id)?;
    let suffix = format!(":snapshot/{}", snapshot.snapshot_id);
    let point = scope
        .region
        .backup
        .completed_recovery_points()
        .find(|p| p.recovery_point_arn.ends_with(&suffix))?;
    let copy = job.copy_actions.iter().find(|c| {
        c.destination()
            .is_some_and(|(region, account)| wanted(region, account))
    })?;
    Some(Remediation::StartCopyJob {
        job: StartCopyJob {
            recovery_point_arn: point.recovery_point_arn.to_string(),
            source_backup_vault_name: point.backup_vault_name.to_string(),
            destination_backup_vault_arn: copy.destination_backup_vault_arn.to_string(),
            iam_role_arn: job.iam_role_arn.to_owned(),
            lifecycle: copy.lifecycle.as_ref().map(JobLifecycle::from),
        },
        schedule: schedule.id.label.clone(),
    })
}
