//! `rbin:CreateRule`: a region-level retention rule tagged with the action id, locked at
//! creation when the plan says so; a rule this action made before is found and, if need be,
//! locked.

use rules::remediation::plan::{CreateRetentionRule, TAG_ACTION_ID};
use rules::remediation::Action;

use super::lock_retention_rule::unlock_delay;
use super::{made, mutated, read_error, with_action_id, StepResult, RBIN_NOT_CHECKED};
use crate::remediate::{Run, StepErr, StepOk};

pub(super) async fn create_rule(
    run: &Run,
    action: &Action,
    step: &CreateRetentionRule,
) -> StepResult {
    use aws_sdk_rbin::types::{LockState, ResourceType as RbinType};
    let rbin = run.connect.rbin(&action.account_id, &action.region)?;
    let resource_type = RbinType::from(step.resource_type.as_str());
    // Look for the rule this action made.
    let mut token: Option<String> = None;
    let mut found = None;
    'pages: loop {
        let out = rbin
            .list_rules()
            .resource_type(resource_type.clone())
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| read_error("rbin:ListRules", &e))?;
        for rule in out.rules() {
            let Some(arn) = rule.rule_arn() else { continue };
            let tags = rbin
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| read_error("rbin:ListTagsForResource", &e))?;
            if tags
                .tags()
                .iter()
                .any(|t| t.key() == TAG_ACTION_ID && t.value() == action.id)
            {
                found = Some(rule.clone());
                break 'pages;
            }
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if let Some(rule) = found {
        let id = rule.identifier().unwrap_or_default().to_owned();
        let mut made = made([id.clone()]);
        if let Some(days) = step.unlock_delay_days {
            if rule.lock_state() != Some(&LockState::Locked) {
                if run.options.dry_run {
                    return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
                }
                let result = rbin
                    .lock_rule()
                    .identifier(&id)
                    .lock_configuration(unlock_delay(days)?)
                    .send()
                    .await;
                mutated(run, "rbin:LockRule", result)?;
                made.detail = Some("the rule existed unlocked: locked it".into());
            }
        }
        return Ok(StepOk::AlreadyDone(made));
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
    }
    let period = aws_sdk_rbin::types::RetentionPeriod::builder()
        .retention_period_value(i32::try_from(step.retention_days).unwrap_or(i32::MAX))
        .retention_period_unit(aws_sdk_rbin::types::RetentionPeriodUnit::Days)
        .build()
        .map_err(|e| StepErr::Failed(format!("retention period: {e}")))?;
    let mut tags = Vec::new();
    for (k, v) in with_action_id(&step.tags, &action.id) {
        tags.push(
            aws_sdk_rbin::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| StepErr::Failed(format!("tag: {e}")))?,
        );
    }
    let mut request = rbin
        .create_rule()
        .resource_type(resource_type)
        .retention_period(period)
        .description(format!("snapguard {}: region-level retention", action.id))
        .set_tags(Some(tags));
    if let Some(days) = step.unlock_delay_days {
        request = request.lock_configuration(unlock_delay(days)?);
    }
    let out = or_dry!(mutated(run, "rbin:CreateRule", request.send().await)?);
    Ok(StepOk::Done(made([out
        .identifier()
        .unwrap_or_default()
        .to_owned()])))
}
