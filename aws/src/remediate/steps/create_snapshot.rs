//! `ec2:CreateSnapshot` of one volume, unless a snapshot tagged with the action id exists.

use rules::remediation::plan::CreateSnapshot;
use rules::remediation::Action;

use super::{
    made, mutated, snapshot_made, snapshot_tag_spec, tagged_snapshots, with_action_id, StepResult,
};
use crate::remediate::{Run, StepOk};

pub(super) async fn create_snapshot(
    run: &Run,
    action: &Action,
    step: &CreateSnapshot,
) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if !found.is_empty() {
        return Ok(StepOk::AlreadyDone(snapshot_made(&found)));
    }
    let result = ec2
        .create_snapshot()
        .volume_id(&step.volume_id)
        .description(format!(
            "snapguard {}: backup of {}",
            action.id, step.volume_id
        ))
        .tag_specifications(snapshot_tag_spec(&with_action_id(&step.tags, &action.id)))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:CreateSnapshot", result)?);
    let id = out.snapshot_id().unwrap_or_default().to_owned();
    let mut made = made([id.clone()]);
    made.by_volume.insert(step.volume_id.clone(), id);
    Ok(StepOk::Done(made))
}
