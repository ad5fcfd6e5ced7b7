//! `rbin:LockRule` on an existing rule, unless it is locked.

use rules::remediation::plan::LockRetentionRule;
use rules::remediation::Action;

use super::{made, mutated, read_error, StepResult, RBIN_NOT_CHECKED};
use crate::remediate::{Run, StepErr, StepOk};

pub(super) fn unlock_delay(days: u64) -> Result<aws_sdk_rbin::types::LockConfiguration, StepErr> {
    let delay = aws_sdk_rbin::types::UnlockDelay::builder()
        .unlock_delay_value(i32::try_from(days).unwrap_or(i32::MAX))
        .unlock_delay_unit(aws_sdk_rbin::types::UnlockDelayUnit::Days)
        .build()
        .map_err(|e| StepErr::Failed(format!("unlock delay: {e}")))?;
    Ok(aws_sdk_rbin::types::LockConfiguration::builder()
        .unlock_delay(delay)
        .build())
}

pub(super) async fn lock_rule(run: &Run, action: &Action, step: &LockRetentionRule) -> StepResult {
    use aws_sdk_rbin::types::LockState;
    let rbin = run.connect.rbin(&action.account_id, &action.region)?;
    let rule = rbin
        .get_rule()
        .identifier(&step.rule_id)
        .send()
        .await
        .map_err(|e| read_error("rbin:GetRule", &e))?;
    if rule.lock_state() == Some(&LockState::Locked) {
        return Ok(StepOk::AlreadyDone(made([step.rule_id.clone()])));
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
    }
    let result = rbin
        .lock_rule()
        .identifier(&step.rule_id)
        .lock_configuration(unlock_delay(step.unlock_delay_days)?)
        .send()
        .await;
    mutated(run, "rbin:LockRule", result)?;
    Ok(StepOk::Done(made([step.rule_id.clone()])))
}
