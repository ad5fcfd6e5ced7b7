//! EC2 instances: their state and the EBS volumes attached to them.

use rules::inventory::{BlockDeviceMapping, EbsBlockDevice, Instance, InstanceState, Str};

use super::tags;
use crate::explain;

/// The largest page `DescribeInstances` accepts.
const MAX_INSTANCES: i32 = 1000;

pub(super) async fn instances(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Instance>, String> {
    let pages = ec2
        .describe_instances()
        .max_results(MAX_INSTANCES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
        .map(|i| Instance {
            instance_id: i.instance_id().unwrap_or_default().into(),
            state: i.state().and_then(|s| s.name()).map(|n| InstanceState {
                name: n.as_str().into(),
            }),
            block_device_mappings: i
                .block_device_mappings()
                .iter()
                .map(|m| BlockDeviceMapping {
                    device_name: m.device_name().map(Str::from),
                    ebs: m.ebs().map(|ebs| EbsBlockDevice {
                        volume_id: ebs.volume_id().map(Str::from),
                        snapshot_id: None,
                    }),
                })
                .collect(),
            tags: tags(i.tags()),
        })
        .collect())
}
