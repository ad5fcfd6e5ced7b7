//! EBS volumes: their attachments, encryption and tags.

use rules::inventory::{Str, Volume, VolumeAttachment};

use super::{tags, timestamp};
use crate::{error_code, explain};

/// The largest page `DescribeVolumes` accepts.
const MAX_VOLUMES: i32 = 500;

pub(super) async fn volumes(
    ec2: &aws_sdk_ec2::Client,
) -> Result<Vec<Volume>, (Option<String>, String)> {
    let pages = ec2
        .describe_volumes()
        .max_results(MAX_VOLUMES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| (error_code(&e).map(str::to_owned), explain(&e)))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.volumes())
        .map(|v| Volume {
            volume_id: v.volume_id().unwrap_or_default().into(),
            state: v.state().map(|s| s.as_str().into()),
            size: v.size().map(|s| s as u64),
            volume_type: v.volume_type().map(|s| s.as_str().into()),
            encrypted: v.encrypted(),
            availability_zone: v.availability_zone().map(Str::from),
            create_time: timestamp(v.create_time()),
            attachments: v
                .attachments()
                .iter()
                .map(|a| VolumeAttachment {
                    instance_id: a.instance_id().map(Str::from),
                    device: a.device().map(Str::from),
                    state: a.state().map(|s| s.as_str().into()),
                })
                .collect(),
            tags: tags(v.tags()),
        })
        .collect())
}
