//! The opt-in EBS guardrails: encryption by default turned on unless it is, and a
//! governance-mode lock put on a snapshot that has none (or only an expired one). An existing
//! lock, of either mode, is never changed: `LockSnapshot` on a locked snapshot can shorten a
//! governance-mode lock.

use aws_sdk_ec2::types::LockMode;
use rules::remediation::plan::LockSnapshot;
use rules::remediation::Action;

use super::{made, mutated, read_error, StepResult};
use crate::remediate::{Made, Run, StepErr, StepOk};

/// `ec2:EnableEbsEncryptionByDefault`, unless `GetEbsEncryptionByDefault` says it is on.
pub(super) async fn enable_ebs_encryption_by_default(run: &Run, action: &Action) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let state = ec2
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(|e| read_error("ec2:GetEbsEncryptionByDefault", &e))?;
    if state.ebs_encryption_by_default() == Some(true) {
        return Ok(StepOk::AlreadyDone(Made::default()));
    }
    let result = ec2
        .enable_ebs_encryption_by_default()
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:EnableEbsEncryptionByDefault", result)?);
    if out.ebs_encryption_by_default() != Some(true) {
        return Err(StepErr::Failed(
            "ec2:EnableEbsEncryptionByDefault answered that encryption by default is still off"
                .into(),
        ));
    }
    Ok(StepOk::Done(made(["ebs-encryption-by-default".to_owned()])))
}

/// `ec2:LockSnapshot` in governance mode for the step's days, unless `DescribeLockedSnapshots`
/// lists a lock on the snapshot.
pub(super) async fn lock_snapshot(run: &Run, action: &Action, step: &LockSnapshot) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let locks = ec2
        .describe_locked_snapshots()
        .snapshot_ids(&step.snapshot_id)
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeLockedSnapshots", &e))?;
    // An expired lock protects nothing: the snapshot is locked anew.
    if let Some(lock) = locks.snapshots().iter().find(|l| {
        l.snapshot_id() == Some(step.snapshot_id.as_str())
            && l.lock_state() != Some(&aws_sdk_ec2::types::LockState::Expired)
    }) {
        let state = lock.lock_state().map_or("unknown", |s| s.as_str());
        return Ok(StepOk::AlreadyDone(Made {
            detail: Some(format!(
                "already locked ({state}); an existing lock is never changed"
            )),
            ..made([step.snapshot_id.clone()])
        }));
    }
    let days = i32::try_from(step.lock_duration_days).map_err(|_| {
        StepErr::Failed(format!(
            "lock_duration_days {} is not a number of days ec2:LockSnapshot accepts",
            step.lock_duration_days
        ))
    })?;
    let result = ec2
        .lock_snapshot()
        .snapshot_id(&step.snapshot_id)
        .lock_mode(LockMode::Governance)
        .lock_duration(days)
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:LockSnapshot", result)?);
    let detail = out
        .lock_expires_on()
        .map(|end| format!("governance-mode lock until {end}"));
    Ok(StepOk::Done(Made {
        detail,
        ..made([step.snapshot_id.clone()])
    }))
}
