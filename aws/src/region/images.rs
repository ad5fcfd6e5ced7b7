//! AMIs the account owns, and who may launch each.

use std::collections::HashSet;

use aws_sdk_ec2::types as e;
use rules::inventory::{BlockDeviceMapping, EbsBlockDevice, Image, Permission, Str};
use rules::time::Timestamp;

use super::permissions::permissions_of;
use super::tags;
use crate::{explain, Ctx};

/// The largest page `DescribeImages` accepts.
const MAX_IMAGES: i32 = 1000;

fn image(i: &e::Image) -> Image {
    Image {
        image_id: i.image_id().unwrap_or_default().into(),
        name: i.name().map(Str::from),
        description: i.description().map(Str::from),
        owner_id: i.owner_id().map(Str::from),
        state: i.state().map(|x| x.as_str().into()),
        creation_date: i.creation_date().and_then(|d| Timestamp::parse(d).ok()),
        public: i.public(),
        block_device_mappings: i
            .block_device_mappings()
            .iter()
            .map(|m| BlockDeviceMapping {
                device_name: m.device_name().map(Str::from),
                ebs: m.ebs().map(|ebs| EbsBlockDevice {
                    volume_id: None,
                    snapshot_id: ebs.snapshot_id().map(Str::from),
                }),
            })
            .collect(),
        tags: tags(i.tags()),
        source_image_id: i.source_image_id().map(Str::from),
        source_image_region: i.source_image_region().map(Str::from),
        launch_permissions: None,
    }
}

pub(super) async fn images(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Image>, String> {
    let pages = ec2
        .describe_images()
        .owners("self")
        .max_results(MAX_IMAGES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages.iter().flat_map(|p| p.images()).map(image).collect())
}

pub(super) async fn public_image_ids(ec2: &aws_sdk_ec2::Client) -> Result<HashSet<String>, String> {
    let pages = ec2
        .describe_images()
        .owners("self")
        .executable_users("all")
        .max_results(MAX_IMAGES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.images())
        .filter_map(|i| i.image_id().map(str::to_owned))
        .collect())
}

/// Who may launch each image: one `DescribeImageAttribute` per image.
pub(super) async fn image_permissions(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    images: &mut [Image],
    public: Option<&HashSet<String>>,
) -> Option<String> {
    let ids: Vec<String> = images.iter().map(|i| i.image_id.to_string()).collect();
    let flagged_public: Vec<bool> = images.iter().map(|i| i.public == Some(true)).collect();
    let (found, failures) = permissions_of(
        ctx,
        "images",
        ids,
        |id| {
            ec2.describe_image_attribute()
                .image_id(id)
                .attribute(e::ImageAttributeName::LaunchPermission)
                .send()
        },
        |out| {
            out.launch_permissions()
                .iter()
                .map(image_permission)
                .collect()
        },
        |i, id| flagged_public[i] || public.is_some_and(|p| p.contains(id)),
    )
    .await;
    for (image, permissions) in images.iter_mut().zip(found) {
        image.launch_permissions = permissions;
    }
    failures
}

/// One entry of an image's launchPermission, as the inventory holds it.
pub(crate) fn image_permission(p: &e::LaunchPermission) -> Permission {
    Permission {
        group: p.group().map(|g| g.as_str().into()),
        user_id: p.user_id().map(Str::from),
        organization_arn: p.organization_arn().map(Str::from),
        organizational_unit_arn: p.organizational_unit_arn().map(Str::from),
    }
}
