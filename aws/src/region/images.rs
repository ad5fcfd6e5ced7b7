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
        deprecation_time: i.deprecation_time().and_then(|d| Timestamp::parse(d).ok()),
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

/// Every AMI the account owns, disabled and deprecated ones included: `DescribeImages`
/// leaves disabled AMIs out unless asked with `IncludeDisabled` ("A disabled AMI does not
/// appear in DescribeImages API calls by default", EC2 API reference, DisableImage), and
/// `IncludeDeprecated` says the same for deprecated ones (an owner's own deprecated AMIs
/// are listed anyway). Their snapshots are still in use and their tags still matter.
pub(super) async fn images(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Image>, String> {
    let pages = ec2
        .describe_images()
        .owners("self")
        .include_disabled(true)
        .include_deprecated(true)
        .max_results(MAX_IMAGES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages.iter().flat_map(|p| p.images()).map(image).collect())
}

/// The owned AMIs anyone may launch, asked the way [`images`] asks (disabled and deprecated
/// ones included).
pub(super) async fn public_image_ids(ec2: &aws_sdk_ec2::Client) -> Result<HashSet<String>, String> {
    let pages = ec2
        .describe_images()
        .owners("self")
        .include_disabled(true)
        .include_deprecated(true)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_ec2::operation::describe_images::{DescribeImagesInput, DescribeImagesOutput};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients::ec2;

    /// What both listings must ask: the account's own AMIs, disabled and deprecated ones too.
    fn asks_for_every_owned_image(input: &DescribeImagesInput) -> bool {
        input.owners() == ["self"]
            && input.include_disabled() == Some(true)
            && input.include_deprecated() == Some(true)
    }

    /// The mocked EC2 answers only requests that carry `IncludeDisabled` and
    /// `IncludeDeprecated` (a request without them matches no rule and gets no answer), and
    /// the disabled, deprecated AMI it returns keeps its state and deprecation time.
    #[tokio::test]
    async fn disabled_and_deprecated_images_are_asked_for_and_kept() {
        let listed = mock!(aws_sdk_ec2::Client::describe_images)
            .match_requests(|r| asks_for_every_owned_image(r) && r.executable_users().is_empty())
            .then_output(|| {
                DescribeImagesOutput::builder()
                    .images(
                        e::Image::builder()
                            .image_id("ami-0d500000000000001")
                            .state(e::ImageState::Disabled)
                            .deprecation_time("2026-06-01T00:00:00.000Z")
                            .build(),
                    )
                    .build()
            });
        let public = mock!(aws_sdk_ec2::Client::describe_images)
            .match_requests(|r| asks_for_every_owned_image(r) && r.executable_users() == ["all"])
            .then_output(|| DescribeImagesOutput::builder().build());
        let counters = Arc::new(Counters::default());
        let client = ec2(&[&listed, &public], &counters);

        let images = images(&client).await.unwrap();
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].state.as_deref(), Some("disabled"));
        assert_eq!(
            images[0].deprecation_time,
            Some(Timestamp::parse("2026-06-01T00:00:00Z").unwrap())
        );
        assert!(public_image_ids(&client).await.unwrap().is_empty());
        assert_eq!(listed.num_calls(), 1);
        assert_eq!(public.num_calls(), 1);
    }
}
