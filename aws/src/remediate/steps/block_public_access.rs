//! Block public access: snapshots to `block-all-sharing`, AMIs to `block-new-sharing`, unless
//! already there.

use aws_sdk_ec2::types::{ImageBlockPublicAccessEnabledState, SnapshotBlockPublicAccessState};
use rules::remediation::Action;

use super::{made, mutated, read_error, StepResult};
use crate::remediate::{Made, Run, StepOk};

pub(super) async fn enable_snapshot_block_public_access(run: &Run, action: &Action) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let state = ec2
        .get_snapshot_block_public_access_state()
        .send()
        .await
        .map_err(|e| read_error("ec2:GetSnapshotBlockPublicAccessState", &e))?;
    if state.state() == Some(&SnapshotBlockPublicAccessState::BlockAllSharing) {
        return Ok(StepOk::AlreadyDone(Made::default()));
    }
    let result = ec2
        .enable_snapshot_block_public_access()
        .state(SnapshotBlockPublicAccessState::BlockAllSharing)
        .dry_run(run.options.dry_run)
        .send()
        .await;
    or_dry!(mutated(run, "ec2:EnableSnapshotBlockPublicAccess", result)?);
    Ok(StepOk::Done(made(["block-all-sharing".to_owned()])))
}

pub(super) async fn enable_image_block_public_access(run: &Run, action: &Action) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let state = ec2
        .get_image_block_public_access_state()
        .send()
        .await
        .map_err(|e| read_error("ec2:GetImageBlockPublicAccessState", &e))?;
    if state.image_block_public_access_state() == Some("block-new-sharing") {
        return Ok(StepOk::AlreadyDone(Made::default()));
    }
    let result = ec2
        .enable_image_block_public_access()
        .image_block_public_access_state(ImageBlockPublicAccessEnabledState::BlockNewSharing)
        .dry_run(run.options.dry_run)
        .send()
        .await;
    or_dry!(mutated(run, "ec2:EnableImageBlockPublicAccess", result)?);
    Ok(StepOk::Done(made(["block-new-sharing".to_owned()])))
}
