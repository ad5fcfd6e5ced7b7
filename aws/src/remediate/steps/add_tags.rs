//! `ec2:CreateTags` for the keys a resource still lacks; a key that has a value is never
//! overwritten.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;
use rules::remediation::plan::{AddTags, Tags};
use rules::remediation::Action;

use super::{ec2_tags, made, mutated, read_error, StepResult};
use crate::remediate::{Run, StepOk};

pub(super) async fn add_tags(run: &Run, action: &Action, step: &AddTags) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let out = ec2
        .describe_tags()
        .filters(
            Filter::builder()
                .name("resource-id")
                .values(&step.resource_id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeTags", &e))?;
    let present: BTreeSet<&str> = out.tags().iter().filter_map(|t| t.key()).collect();
    // Never overwrite a key that has a value.
    let missing: Tags = step
        .tags
        .iter()
        .filter(|(k, _)| !present.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if missing.is_empty() {
        return Ok(StepOk::AlreadyDone(made([step.resource_id.clone()])));
    }
    let result = ec2
        .create_tags()
        .resources(&step.resource_id)
        .set_tags(Some(ec2_tags(&missing)))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    or_dry!(mutated(run, "ec2:CreateTags", result)?);
    let mut made = made([step.resource_id.clone()]);
    made.detail = Some(format!(
        "added {}",
        missing.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    Ok(StepOk::Done(made))
}
