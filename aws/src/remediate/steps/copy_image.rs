//! `ec2:CopyImage`, encrypted, into the action's region, the AMI and its snapshots tagged with
//! the action id from the start.

use aws_sdk_ec2::types::{ImageState, ResourceType};
use rules::remediation::plan::{CopyImage, TAG_ACTION_ID};
use rules::remediation::Action;
use rules::time::Timestamp;

use super::{
    action_filter, copy_description, made, mutated, read_error, tag_spec, with_action_id,
    StepResult,
};
use crate::remediate::{Run, StepErr, StepOk};

/// AMIs this account owns tagged with `action_id`, registered after the plan's data was
/// collected, and not failed or deregistered.
async fn tagged_images(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    action_id: &str,
) -> Result<Vec<String>, StepErr> {
    let images: Vec<_> = ec2
        .describe_images()
        .owners("self")
        .filters(action_filter(action_id))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| read_error("ec2:DescribeImages", &e))?;
    let mut ids: Vec<String> = images
        .iter()
        .filter(|i| {
            matches!(
                i.state(),
                None | Some(ImageState::Available | ImageState::Pending | ImageState::Transient)
            ) && i
                .creation_date()
                .and_then(|d| Timestamp::parse(d).ok())
                .is_none_or(|t| t.0 >= run.since)
                && i.tags()
                    .iter()
                    .any(|t| t.key() == Some(TAG_ACTION_ID) && t.value() == Some(action_id))
        })
        .filter_map(|i| i.image_id().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}

pub(super) async fn copy_image(run: &Run, action: &Action, step: &CopyImage) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let found = tagged_images(run, &ec2, &action.id).await?;
    if !found.is_empty() {
        return Ok(StepOk::AlreadyDone(made(found)));
    }
    let tags = with_action_id(&step.tags, &action.id);
    let result = ec2
        .copy_image()
        .source_image_id(&step.source_image_id)
        .source_region(&step.source_region)
        .name(&step.name)
        .description(copy_description(
            &step.source_image_id,
            &step.source_region,
            &action.id,
        ))
        .encrypted(true)
        .set_kms_key_id(step.kms_key_id.clone())
        // The AMI and the snapshots made for it both carry the action id from the start.
        .tag_specifications(tag_spec(ResourceType::Image, &tags))
        .tag_specifications(tag_spec(ResourceType::Snapshot, &tags))
        // AWS also de-duplicates a retried request with the same token, for at least a day:
        // the plan's time in it keeps a later plan's copy (after this one failed) from
        // getting this one's answer.
        .client_token(format!("{}-{}", action.id, run.since))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:CopyImage", result)?);
    Ok(StepOk::Done(made([out
        .image_id()
        .unwrap_or_default()
        .to_owned()])))
}
