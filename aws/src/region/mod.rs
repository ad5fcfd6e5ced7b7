//! One account-region: volumes, instances, snapshots and images owned by the account, their
//! sharing, the Recycle Bin rules, the block-public-access states, and the backup services
//! (Data Lifecycle Manager policies; AWS Backup vaults, plans and recovery points), one file
//! per resource family. Here: which regions an account has enabled, and the reading of one of them.

use aws_config::SdkConfig;
use aws_sdk_ec2::types as e;
use rules::inventory::{Gap, Region, RegionBackup, Tag};
use rules::time::Timestamp;

use crate::{explain, Ctx};

mod backup;
mod block_public_access;
mod ebs_guardrails;
mod images;
mod instances;
mod lifecycle_policies;
mod permissions;
mod recycle_bin;
mod snapshots;
mod volumes;

pub(crate) use images::image_permission;
pub(crate) use snapshots::snapshot_permission;

pub(crate) async fn enabled_regions(
    ctx: &Ctx,
    sdk: &SdkConfig,
    account: &str,
) -> Result<Vec<String>, String> {
    let home = sdk
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_else(|| "us-east-1".into());
    let out = ctx
        .ec2(sdk, account, &home)
        .describe_regions()
        .all_regions(false)
        .send()
        .await
        .map_err(|e| explain(&e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_owned))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// Reads one account-region. `None` when the region is not enabled in the account.
pub(crate) async fn collect(
    ctx: &Ctx,
    sdk: &SdkConfig,
    account: &str,
    name: &str,
) -> (Option<Region>, Vec<Gap>) {
    let ec2 = ctx.ec2(sdk, account, name);
    let rbin = ctx.rbin(sdk, account, name);
    let mut gaps = Vec::new();
    let mut gap = |operation: &str, error: String| {
        gaps.push(Ctx::gap(account, Some(name), operation, error));
    };

    // The first call tells whether the region can be read at all.
    let volumes = match volumes::volumes(&ec2).await {
        Ok(v) => Some(v),
        Err((code, error)) if matches!(code.as_deref(), Some("OptInRequired")) => {
            gap(
                "*",
                format!("the region is not enabled in this account: {error}"),
            );
            return (None, gaps);
        }
        Err((_, error)) => {
            gap("ec2:DescribeVolumes", error);
            None
        }
    };

    // Then three strands side by side, each with its own gaps: EC2 throttles each API
    // separately, so the settings and the backup services need not wait for the attribute
    // calls, which take the longest (they are paced at EC2's refill rate).
    let gap_here = |operation: &str, error: String| Ctx::gap(account, Some(name), operation, error);
    let resources = async {
        let mut gaps = Vec::new();
        let found = {
            let mut gap = |operation: &str, error: String| gaps.push(gap_here(operation, error));
            resources(ctx, &ec2, &mut gap).await
        };
        (found, gaps)
    };
    let settings = async {
        let mut gaps = Vec::new();
        let found = {
            let mut gap = |operation: &str, error: String| gaps.push(gap_here(operation, error));
            settings(&ec2, &rbin, &mut gap).await
        };
        (found, gaps)
    };
    let backup_services = async {
        let mut gaps = Vec::new();
        let found = {
            let mut gap = |operation: &str, error: String| gaps.push(gap_here(operation, error));
            let dlm = ctx.dlm(sdk, account, name);
            let backup_client = ctx.backup(sdk, account, name);
            let lifecycle_policies = lifecycle_policies::lifecycle_policies(&dlm, &mut gap).await;
            let (backup_vaults, backup_plans, recovery_points) =
                backup::backup(&backup_client, &mut gap).await;
            let (ebs_encryption_by_default, ebs_default_kms_key_id, locked_snapshots) =
                ebs_guardrails::ebs_guardrails(&ec2, &mut gap).await;
            RegionBackup {
                lifecycle_policies,
                backup_vaults,
                backup_plans,
                recovery_points,
                ebs_encryption_by_default,
                ebs_default_kms_key_id,
                locked_snapshots,
            }
        };
        (found, gaps)
    };
    let (
        ((instances, snapshots, images), resource_gaps),
        (
            (snapshot_rules, image_rules, snapshot_block_public_access, image_block_public_access),
            setting_gaps,
        ),
        (backup, backup_gaps),
    ) = tokio::join!(resources, settings, backup_services);
    gaps.extend(resource_gaps);
    gaps.extend(setting_gaps);
    gaps.extend(backup_gaps);

    let region = Region {
        name: name.into(),
        volumes,
        instances,
        snapshots,
        images,
        snapshot_retention_rules: snapshot_rules,
        image_retention_rules: image_rules,
        snapshot_block_public_access,
        image_block_public_access,
        backup,
    };
    // A value AWS added after this SDK (its `Unknown(..)` variant keeps the text) is a gap
    // naming the value, so a nightly scan goes on and says what it could not judge.
    gaps.extend(
        region
            .unknown_values()
            .iter()
            .map(|unknown| unknown.gap(account, name)),
    );
    (Some(region), gaps)
}

/// Instances, snapshots and images, with the sharing of each snapshot and image (the
/// attribute calls of snapshots and of images side by side: they have a bucket each).
async fn resources(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    gap: &mut impl FnMut(&str, String),
) -> (
    Option<Vec<rules::inventory::Instance>>,
    Option<Vec<rules::inventory::Snapshot>>,
    Option<Vec<rules::inventory::Image>>,
) {
    let (instances, snapshots, images, public_snapshots, public_images) = tokio::join!(
        instances::instances(ec2),
        snapshots::snapshots(ec2),
        images::images(ec2),
        snapshots::public_snapshot_ids(ec2),
        images::public_image_ids(ec2),
    );
    let instances = instances.map_err(|e| gap("ec2:DescribeInstances", e)).ok();
    let mut snapshots = snapshots.map_err(|e| gap("ec2:DescribeSnapshots", e)).ok();
    let mut images = images.map_err(|e| gap("ec2:DescribeImages", e)).ok();
    // The server-side filters find public resources; they matter when an attribute call fails.
    let (snapshot_failures, image_failures) = tokio::join!(
        async {
            match snapshots.as_mut() {
                Some(snapshots) => {
                    snapshots::snapshot_permissions(
                        ctx,
                        ec2,
                        snapshots,
                        public_snapshots.as_ref().ok(),
                    )
                    .await
                }
                None => None,
            }
        },
        async {
            match images.as_mut() {
                Some(images) => {
                    images::image_permissions(ctx, ec2, images, public_images.as_ref().ok()).await
                }
                None => None,
            }
        },
    );
    if let Some(error) = snapshot_failures {
        gap(
            "ec2:DescribeSnapshotAttribute",
            permissions::with_filter_error(error, &public_snapshots, "RestorableByUserIds=all"),
        );
    }
    if let Some(error) = image_failures {
        gap(
            "ec2:DescribeImageAttribute",
            permissions::with_filter_error(error, &public_images, "ExecutableUsers=all"),
        );
    }
    (instances, snapshots, images)
}

/// The Recycle Bin rules of snapshots and of images, and the two block-public-access states.
async fn settings(
    ec2: &aws_sdk_ec2::Client,
    rbin: &aws_sdk_rbin::Client,
    gap: &mut impl FnMut(&str, String),
) -> (
    Option<Vec<rules::inventory::RetentionRule>>,
    Option<Vec<rules::inventory::RetentionRule>>,
    Option<rules::inventory::Str>,
    Option<rules::inventory::Str>,
) {
    let (snapshot_rules, image_rules, snapshot_bpa, image_bpa) = tokio::join!(
        recycle_bin::retention_rules(rbin, aws_sdk_rbin::types::ResourceType::EbsSnapshot),
        recycle_bin::retention_rules(rbin, aws_sdk_rbin::types::ResourceType::Ec2Image),
        block_public_access::snapshot_block_public_access(ec2),
        block_public_access::image_block_public_access(ec2),
    );
    let snapshot_rules =
        recycle_bin::complete_rules(rbin, snapshot_rules, "EBS_SNAPSHOT", &mut *gap).await;
    let image_rules = recycle_bin::complete_rules(rbin, image_rules, "EC2_IMAGE", &mut *gap).await;
    let snapshot_block_public_access = snapshot_bpa
        .map_err(|e| gap("ec2:GetSnapshotBlockPublicAccessState", e))
        .ok();
    let image_block_public_access = image_bpa
        .map_err(|e| gap("ec2:GetImageBlockPublicAccessState", e))
        .ok();
    (
        snapshot_rules,
        image_rules,
        snapshot_block_public_access,
        image_block_public_access,
    )
}

pub(super) fn tags(list: &[e::Tag]) -> Vec<Tag> {
    list.iter()
        .map(|t| Tag {
            key: t.key().unwrap_or_default().into(),
            value: t.value().unwrap_or_default().into(),
        })
        .collect()
}

pub(super) fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<Timestamp> {
    t.map(|t| Timestamp(t.secs()))
}

/// A count, number of days, hours or minutes the SDK gives as a signed integer; AWS never
/// returns a negative one, and one would read as 0.
pub(super) fn non_negative(value: impl Into<i64>) -> u64 {
    value.into().max(0) as u64
}

/// One gap for the per-resource calls of `operation` that failed (each an id and its error):
/// how many, what that leaves unknown (`unknown`, given the count), and the first failure.
/// Returns whether any failed.
pub(super) fn failures_gap(
    gap: &mut impl FnMut(&str, String),
    operation: &str,
    failures: &[(String, String)],
    unknown: impl FnOnce(usize) -> String,
) -> bool {
    let Some((id, error)) = failures.first() else {
        return false;
    };
    gap(
        operation,
        format!("{}; first: {id}: {error}", unknown(failures.len())),
    );
    true
}
