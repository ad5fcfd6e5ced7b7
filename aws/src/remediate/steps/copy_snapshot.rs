//! `ec2:CopySnapshot`, encrypted, into the action's region of the same account, once the
//! source is completed.

use rules::copies::TAG_SOURCE_SNAPSHOT;
use rules::remediation::plan::CopySnapshot;
use rules::remediation::Action;

use super::{
    copy_description, made, mutated, snapshot_made, snapshot_tag_spec, source_snapshot,
    tagged_snapshots, wait_completed, with_action_id, StepResult,
};
use crate::remediate::{Run, StepOk};

pub(super) async fn copy_snapshot(run: &Run, action: &Action, step: &CopySnapshot) -> StepResult {
    let account = action.account_id.as_str();
    let destination = run.connect.ec2(account, &action.region, false)?;
    let found = tagged_snapshots(run, &destination, &action.id, None).await?;
    if !found.is_empty() {
        return Ok(StepOk::AlreadyDone(snapshot_made(&found)));
    }
    let Some(source) = source_snapshot(run, account, &step.source_region, &step.source).await?
    else {
        return Ok(StepOk::NotChecked(
            "its source is the snapshot an earlier action of the plan would create".into(),
        ));
    };
    if !run.options.dry_run {
        let source_client = run.connect.ec2(account, &step.source_region, false)?;
        wait_completed(run, &source_client, &source).await?;
    }
    let mut tags = with_action_id(&step.tags, &action.id);
    tags.insert(TAG_SOURCE_SNAPSHOT.to_owned(), source.clone());
    let result = destination
        .copy_snapshot()
        .source_region(&step.source_region)
        .source_snapshot_id(&source)
        .encrypted(true)
        .set_kms_key_id(step.kms_key_id.clone())
        .description(copy_description(&source, &step.source_region, &action.id))
        .tag_specifications(snapshot_tag_spec(&tags))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:CopySnapshot", result)?);
    Ok(StepOk::Done(made([out
        .snapshot_id()
        .unwrap_or_default()
        .to_owned()])))
}
