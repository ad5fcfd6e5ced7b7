//! Removing grantees from a snapshot's createVolumePermission or an image's launchPermission:
//! only those still there, read first.

use aws_sdk_ec2::types::{
    ImageAttributeName, LaunchPermission, LaunchPermissionModifications, OperationType,
    PermissionGroup, SnapshotAttributeName,
};
use rules::inventory::Permission;
use rules::remediation::plan::RemovePermissions;
use rules::remediation::Action;

use super::{made, mutated, read_error, StepResult};
use crate::region::{image_permission, snapshot_permission};
use crate::remediate::{Run, StepOk};

/// The wanted grantees that `current` still names.
fn still_present<'p>(wanted: &'p [Permission], current: &[Permission]) -> Vec<&'p Permission> {
    wanted
        .iter()
        .filter(|w| current.iter().any(|c| c.grantee() == w.grantee()))
        .collect()
}

/// What a removal reports: the resource, and whom it removed.
fn removed(resource_id: &str, grantees: &[&Permission]) -> StepOk {
    let mut made = made([resource_id.to_owned()]);
    let names: Vec<&str> = grantees.iter().map(|g| g.grantee()).collect();
    made.detail = Some(format!("removed {}", names.join(", ")));
    StepOk::Done(made)
}

pub(super) async fn remove_snapshot_permissions(
    run: &Run,
    action: &Action,
    step: &RemovePermissions,
) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let out = ec2
        .describe_snapshot_attribute()
        .snapshot_id(&step.resource_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeSnapshotAttribute", &e))?;
    let current: Vec<Permission> = out
        .create_volume_permissions()
        .iter()
        .map(snapshot_permission)
        .collect();
    let present = still_present(&step.grantees, &current);
    if present.is_empty() {
        return Ok(StepOk::AlreadyDone(made([step.resource_id.clone()])));
    }
    let mut request = ec2
        .modify_snapshot_attribute()
        .snapshot_id(&step.resource_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Remove)
        .dry_run(run.options.dry_run);
    for g in &present {
        if let Some(user) = &g.user_id {
            request = request.user_ids(user.as_str());
        } else if let Some(group) = &g.group {
            request = request.group_names(group.as_str());
        }
    }
    or_dry!(mutated(
        run,
        "ec2:ModifySnapshotAttribute",
        request.send().await
    )?);
    Ok(removed(&step.resource_id, &present))
}

fn launch_permission(p: &Permission) -> LaunchPermission {
    LaunchPermission::builder()
        .set_user_id(p.user_id.as_ref().map(|s| s.to_string()))
        .set_organization_arn(p.organization_arn.as_ref().map(|s| s.to_string()))
        .set_organizational_unit_arn(p.organizational_unit_arn.as_ref().map(|s| s.to_string()))
        .set_group(p.group.as_ref().map(|g| PermissionGroup::from(g.as_str())))
        .build()
}

pub(super) async fn remove_image_permissions(
    run: &Run,
    action: &Action,
    step: &RemovePermissions,
) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let out = ec2
        .describe_image_attribute()
        .image_id(&step.resource_id)
        .attribute(ImageAttributeName::LaunchPermission)
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeImageAttribute", &e))?;
    let current: Vec<Permission> = out
        .launch_permissions()
        .iter()
        .map(image_permission)
        .collect();
    let present = still_present(&step.grantees, &current);
    if present.is_empty() {
        return Ok(StepOk::AlreadyDone(made([step.resource_id.clone()])));
    }
    let result = ec2
        .modify_image_attribute()
        .image_id(&step.resource_id)
        .launch_permission(
            LaunchPermissionModifications::builder()
                .set_remove(Some(present.iter().map(|p| launch_permission(p)).collect()))
                .build(),
        )
        .dry_run(run.options.dry_run)
        .send()
        .await;
    or_dry!(mutated(run, "ec2:ModifyImageAttribute", result)?);
    Ok(removed(&step.resource_id, &present))
}
