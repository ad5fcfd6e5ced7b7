//! Snapshots the account owns, and who may create volumes from each.

use std::collections::HashSet;

use aws_sdk_ec2::types as e;
use rules::inventory::{Permission, Snapshot, Str};

use super::permissions::permissions_of;
use super::{tags, timestamp};
use crate::{explain, Ctx};

/// The largest page `DescribeSnapshots` accepts.
const MAX_SNAPSHOTS: i32 = 1000;

fn snapshot(s: &e::Snapshot) -> Snapshot {
    Snapshot {
        snapshot_id: s.snapshot_id().unwrap_or_default().into(),
        volume_id: s.volume_id().map(Str::from),
        state: s.state().map(|x| x.as_str().into()),
        start_time: timestamp(s.start_time()).unwrap_or_default(),
        description: s.description().map(Str::from),
        encrypted: s.encrypted().unwrap_or(false),
        kms_key_id: s.kms_key_id().map(Str::from),
        owner_id: s.owner_id().map(Str::from),
        volume_size: s.volume_size().map(|v| v as u64),
        storage_tier: s.storage_tier().map(|x| x.as_str().into()),
        tags: tags(s.tags()),
        create_volume_permissions: None,
    }
}

pub(super) async fn snapshots(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Snapshot>, String> {
    let pages = ec2
        .describe_snapshots()
        .owner_ids("self")
        .max_results(MAX_SNAPSHOTS)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.snapshots())
        .map(snapshot)
        .collect())
}

pub(super) async fn public_snapshot_ids(
    ec2: &aws_sdk_ec2::Client,
) -> Result<HashSet<String>, String> {
    let pages = ec2
        .describe_snapshots()
        .owner_ids("self")
        .restorable_by_user_ids("all")
        .max_results(MAX_SNAPSHOTS)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.snapshots())
        .filter_map(|s| s.snapshot_id().map(str::to_owned))
        .collect())
}

/// Who may create volumes from each snapshot: one `DescribeSnapshotAttribute` per snapshot.
pub(super) async fn snapshot_permissions(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    snapshots: &mut [Snapshot],
    public: Option<&HashSet<String>>,
) -> Option<String> {
    let ids: Vec<String> = snapshots
        .iter()
        .map(|s| s.snapshot_id.to_string())
        .collect();
    let (found, failures) = permissions_of(
        ctx,
        "snapshots",
        ids,
        |id| {
            ec2.describe_snapshot_attribute()
                .snapshot_id(id)
                .attribute(e::SnapshotAttributeName::CreateVolumePermission)
                .send()
        },
        |out| {
            out.create_volume_permissions()
                .iter()
                .map(snapshot_permission)
                .collect()
        },
        |_, id| public.is_some_and(|p| p.contains(id)),
    )
    .await;
    for (snapshot, permissions) in snapshots.iter_mut().zip(found) {
        snapshot.create_volume_permissions = permissions;
    }
    failures
}

/// One entry of a snapshot's createVolumePermission, as the inventory holds it.
pub(crate) fn snapshot_permission(p: &e::CreateVolumePermission) -> Permission {
    Permission {
        group: p.group().map(|g| g.as_str().into()),
        user_id: p.user_id().map(Str::from),
        ..Permission::default()
    }
}
