//! One account-region: volumes, instances, snapshots and images owned by the account, their
//! sharing, the Recycle Bin rules and the block-public-access states.

use std::collections::HashSet;

use aws_config::SdkConfig;
use aws_sdk_ec2::types as e;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::stream::{self, StreamExt};
use rules::inventory::{
    BlockDeviceMapping, EbsBlockDevice, Gap, Image, Instance, InstanceState, Permission, Region,
    RetentionPeriod, RetentionRule, RetentionRuleTag, Snapshot, Str, Tag, Volume, VolumeAttachment,
};
use rules::time::Timestamp;

use crate::{error_code, explain, Ctx};

/// The largest page each Describe call accepts.
const MAX_VOLUMES: i32 = 500;
const MAX_INSTANCES: i32 = 1000;
const MAX_SNAPSHOTS: i32 = 1000;
const MAX_IMAGES: i32 = 1000;
const MAX_RULES: i32 = 1000;

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
    let volumes = match volumes(&ec2).await {
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

    let (instances, snapshots, images, public_snapshots, public_images) = tokio::join!(
        instances(&ec2),
        snapshots(&ec2),
        images(&ec2),
        public_snapshot_ids(&ec2),
        public_image_ids(&ec2),
    );
    let (snapshot_rules, image_rules, snapshot_bpa, image_bpa) = tokio::join!(
        retention_rules(&rbin, aws_sdk_rbin::types::ResourceType::EbsSnapshot),
        retention_rules(&rbin, aws_sdk_rbin::types::ResourceType::Ec2Image),
        snapshot_block_public_access(&ec2),
        image_block_public_access(&ec2),
    );

    let instances = instances.map_err(|e| gap("ec2:DescribeInstances", e)).ok();
    let mut snapshots = snapshots.map_err(|e| gap("ec2:DescribeSnapshots", e)).ok();
    let mut images = images.map_err(|e| gap("ec2:DescribeImages", e)).ok();
    // The server-side filters find public resources; they matter when an attribute call fails.
    if let Some(snapshots) = snapshots.as_mut() {
        let failed =
            snapshot_permissions(ctx, &ec2, snapshots, public_snapshots.as_ref().ok()).await;
        if let Some(error) = failed {
            gap(
                "ec2:DescribeSnapshotAttribute",
                with_filter_error(error, &public_snapshots, "RestorableByUserIds=all"),
            );
        }
    }
    if let Some(images) = images.as_mut() {
        let failed = image_permissions(ctx, &ec2, images, public_images.as_ref().ok()).await;
        if let Some(error) = failed {
            gap(
                "ec2:DescribeImageAttribute",
                with_filter_error(error, &public_images, "ExecutableUsers=all"),
            );
        }
    }

    let snapshot_rules = complete_rules(&rbin, snapshot_rules, "EBS_SNAPSHOT", &mut gap).await;
    let image_rules = complete_rules(&rbin, image_rules, "EC2_IMAGE", &mut gap).await;
    let snapshot_block_public_access = snapshot_bpa
        .map_err(|e| gap("ec2:GetSnapshotBlockPublicAccessState", e))
        .ok();
    let image_block_public_access = image_bpa
        .map_err(|e| gap("ec2:GetImageBlockPublicAccessState", e))
        .ok();

    (
        Some(Region {
            name: name.into(),
            volumes,
            instances,
            snapshots,
            images,
            snapshot_retention_rules: snapshot_rules,
            image_retention_rules: image_rules,
            snapshot_block_public_access,
            image_block_public_access,
        }),
        gaps,
    )
}

fn tags(list: &[e::Tag]) -> Vec<Tag> {
    list.iter()
        .map(|t| Tag {
            key: t.key().unwrap_or_default().into(),
            value: t.value().unwrap_or_default().into(),
        })
        .collect()
}

fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<Timestamp> {
    t.map(|t| Timestamp(t.secs()))
}

async fn volumes(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Volume>, (Option<String>, String)> {
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

async fn instances(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Instance>, String> {
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

async fn snapshots(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Snapshot>, String> {
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

async fn public_snapshot_ids(ec2: &aws_sdk_ec2::Client) -> Result<HashSet<String>, String> {
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

async fn images(ec2: &aws_sdk_ec2::Client) -> Result<Vec<Image>, String> {
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

async fn public_image_ids(ec2: &aws_sdk_ec2::Client) -> Result<HashSet<String>, String> {
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

/// Who may create volumes from each snapshot: one `DescribeSnapshotAttribute` per snapshot.
async fn snapshot_permissions(
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

/// Who may launch each image: one `DescribeImageAttribute` per image.
async fn image_permissions(
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

/// One entry of a snapshot's createVolumePermission, as the inventory holds it.
pub(crate) fn snapshot_permission(p: &e::CreateVolumePermission) -> Permission {
    Permission {
        group: p.group().map(|g| g.as_str().into()),
        user_id: p.user_id().map(Str::from),
        ..Permission::default()
    }
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

/// The grantees of each resource, from one attribute call per resource (concurrently,
/// bounded), in the order of `ids`. Where a call failed: `None`, except for resources
/// `known_public` says are public (the server-side filter or the resource itself proved it),
/// which keep `all`. Also the summary of the failures, if any.
async fn permissions_of<O, E, Fut>(
    ctx: &Ctx,
    what: &str,
    ids: Vec<String>,
    call: impl Fn(String) -> Fut,
    grantees: impl Fn(&O) -> Vec<Permission>,
    known_public: impl Fn(usize, &str) -> bool,
) -> (Vec<Option<Vec<Permission>>>, Option<String>)
where
    Fut: std::future::Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut found = vec![None; ids.len()];
    let mut failures = Vec::new();
    for (i, id, out) in per_resource(ctx, ids, call).await {
        match out {
            Ok(out) => found[i] = Some(grantees(&out)),
            Err(err) => {
                if known_public(i, &id) {
                    found[i] = Some(vec![public_permission()]);
                }
                failures.push((id, explain(&err)));
            }
        }
    }
    (found, summarize(failures, what))
}

/// `call` for each id, concurrently (at most `attribute_concurrency` at once): (index, id,
/// result), in no particular order.
async fn per_resource<T, Fut>(
    ctx: &Ctx,
    ids: Vec<String>,
    call: impl Fn(String) -> Fut,
) -> Vec<(usize, String, T)>
where
    Fut: std::future::Future<Output = T>,
{
    stream::iter(ids.into_iter().enumerate())
        .map(|(i, id)| {
            let pending = call(id.clone());
            async move { (i, id, pending.await) }
        })
        .buffer_unordered(ctx.options.attribute_concurrency.max(1))
        .collect()
        .await
}

fn with_filter_error(
    error: String,
    filter: &Result<HashSet<String>, String>,
    name: &str,
) -> String {
    match filter {
        Ok(_) => error,
        Err(e) => format!("{error}; the public filter {name} failed too: {e}"),
    }
}

fn public_permission() -> Permission {
    Permission {
        group: Some("all".into()),
        ..Permission::default()
    }
}

fn summarize(mut failures: Vec<(String, String)>, what: &str) -> Option<String> {
    if failures.is_empty() {
        return None;
    }
    failures.sort();
    let (first_id, first_error) = &failures[0];
    Some(format!(
        "sharing of {} {what} could not be read (public ones found by the server-side filter \
         are still reported as public); first: {first_id}: {first_error}",
        failures.len()
    ))
}

async fn retention_rules(
    rbin: &aws_sdk_rbin::Client,
    resource_type: aws_sdk_rbin::types::ResourceType,
) -> Result<Vec<RetentionRule>, String> {
    let pages = rbin
        .list_rules()
        .resource_type(resource_type)
        .max_results(MAX_RULES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.rules())
        .map(|r| RetentionRule {
            identifier: r.identifier().unwrap_or_default().into(),
            description: r.description().map(Str::from),
            rule_arn: r.rule_arn().map(Str::from),
            retention_period: r.retention_period().map(|p| RetentionPeriod {
                retention_period_value: p.retention_period_value() as u64,
                retention_period_unit: p.retention_period_unit().as_str().into(),
            }),
            lock_state: r.lock_state().map(|s| s.as_str().into()),
            status: None,
            resource_tags: None,
            exclude_resource_tags: None,
        })
        .collect())
}

fn rule_tags(list: &[aws_sdk_rbin::types::ResourceTag]) -> Vec<RetentionRuleTag> {
    list.iter()
        .map(|t| RetentionRuleTag {
            resource_tag_key: t.resource_tag_key().into(),
            resource_tag_value: t.resource_tag_value().map(Str::from),
        })
        .collect()
}

/// `GetRule` for every listed rule: which resources it retains (tags, exclusions), its status.
async fn complete_rules(
    rbin: &aws_sdk_rbin::Client,
    listed: Result<Vec<RetentionRule>, String>,
    resource_type: &str,
    gap: &mut impl FnMut(&str, String),
) -> Option<Vec<RetentionRule>> {
    let mut rules = match listed {
        Ok(rules) => rules,
        Err(e) => {
            gap("rbin:ListRules", format!("{resource_type}: {e}"));
            return None;
        }
    };
    let mut failures = Vec::new();
    for rule in rules.iter_mut() {
        match rbin
            .get_rule()
            .identifier(rule.identifier.as_str())
            .send()
            .await
        {
            Ok(out) => {
                rule.resource_tags = Some(rule_tags(out.resource_tags()));
                rule.exclude_resource_tags = Some(rule_tags(out.exclude_resource_tags()));
                rule.status = out.status().map(|s| s.as_str().into());
            }
            Err(e) => failures.push((rule.identifier.to_string(), explain(&e))),
        }
    }
    if let Some((id, error)) = failures.first() {
        gap(
            "rbin:GetRule",
            format!(
                "{} {resource_type} retention rules could not be described (their tags, and so \
                 which resources they retain, are unknown); first: {id}: {error}",
                failures.len()
            ),
        );
    }
    Some(rules)
}

async fn snapshot_block_public_access(ec2: &aws_sdk_ec2::Client) -> Result<Str, String> {
    let out = ec2
        .get_snapshot_block_public_access_state()
        .send()
        .await
        .map_err(|e| explain(&e))?;
    out.state()
        .map(|s| Str::from(s.as_str()))
        .ok_or_else(|| "the response has no State".into())
}

async fn image_block_public_access(ec2: &aws_sdk_ec2::Client) -> Result<Str, String> {
    let out = ec2
        .get_image_block_public_access_state()
        .send()
        .await
        .map_err(|e| explain(&e))?;
    out.image_block_public_access_state()
        .map(Str::from)
        .ok_or_else(|| "the response has no ImageBlockPublicAccessState".into())
}

/// Recycle Bin and block public access, which the emulator does not serve: their calls,
/// pagination, details and error paths, against mocked responses.
#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region as SdkRegion};
    use aws_credential_types::Credentials;
    use aws_sdk_rbin::operation::get_rule::GetRuleOutput;
    use aws_sdk_rbin::operation::list_rules::ListRulesOutput;
    use aws_sdk_rbin::types::{
        LockState, ResourceTag, ResourceType, RetentionPeriod as SdkPeriod, RetentionPeriodUnit,
        RuleStatus, RuleSummary,
    };
    use aws_smithy_mocks::{
        create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode,
    };

    use super::*;
    use crate::counting::{Counters, CountingInterceptor};

    fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
        rules.iter().fold(
            MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
            |i, r| i.with_rule(r),
        )
    }

    fn counting(prefix: &'static str, counters: &Arc<Counters>) -> CountingInterceptor {
        CountingInterceptor {
            prefix,
            account: "111111111111".into(),
            region: Some("us-east-1".into()),
            counters: counters.clone(),
            faults: Arc::new(Vec::new()),
        }
    }

    fn rbin(rules: &[&Rule], counters: &Arc<Counters>) -> aws_sdk_rbin::Client {
        let conf = aws_sdk_rbin::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(SdkRegion::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .http_client(create_mock_http_client())
            .interceptor(interceptor(rules))
            .interceptor(counting("rbin", counters))
            .build();
        aws_sdk_rbin::Client::from_conf(conf)
    }

    fn ec2(rules: &[&Rule], counters: &Arc<Counters>) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(SdkRegion::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .http_client(create_mock_http_client())
            .interceptor(interceptor(rules))
            .interceptor(counting("ec2", counters))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    fn summary(id: &str, days: i32, locked: bool) -> RuleSummary {
        RuleSummary::builder()
            .identifier(id)
            .description(format!("rule {id}"))
            .retention_period(
                SdkPeriod::builder()
                    .retention_period_value(days)
                    .retention_period_unit(RetentionPeriodUnit::Days)
                    .build()
                    .unwrap(),
            )
            .set_lock_state(locked.then_some(LockState::Locked))
            .rule_arn(format!("arn:aws:rbin:us-east-1:111111111111:rule/{id}"))
            .build()
    }

    fn calls(counters: &Counters, op: &str) -> u64 {
        counters
            .api_calls
            .lock()
            .unwrap()
            .get(op)
            .copied()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn retention_rules_are_paginated_and_completed_by_get_rule() {
        let page1 = mock!(aws_sdk_rbin::Client::list_rules)
            .match_requests(|r| {
                r.next_token().is_none() && r.resource_type() == Some(&ResourceType::EbsSnapshot)
            })
            .then_output(|| {
                ListRulesOutput::builder()
                    .rules(summary("r1", 7, true))
                    .next_token("page2")
                    .build()
            });
        let page2 = mock!(aws_sdk_rbin::Client::list_rules)
            .match_requests(|r| {
                r.next_token() == Some("page2") && r.max_results() == Some(MAX_RULES)
            })
            .then_output(|| {
                ListRulesOutput::builder()
                    .rules(summary("r2", 1, false))
                    .build()
            });
        let get1 = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r1"))
            .then_output(|| {
                GetRuleOutput::builder()
                    .identifier("r1")
                    .status(RuleStatus::Available)
                    .build()
            });
        let get2 = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r2"))
            .then_output(|| {
                GetRuleOutput::builder()
                    .identifier("r2")
                    .resource_tags(
                        ResourceTag::builder()
                            .resource_tag_key("Backup")
                            .resource_tag_value("yes")
                            .build()
                            .unwrap(),
                    )
                    .status(RuleStatus::Available)
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&page1, &page2, &get1, &get2], &counters);
        let listed = retention_rules(&client, ResourceType::EbsSnapshot).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(
            &client,
            listed,
            "EBS_SNAPSHOT",
            &mut |op: &str, e: String| gaps.push((op.to_owned(), e)),
        )
        .await
        .expect("rules read");
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].retention_days(), Some(7));
        assert!(rules[0].is_locked());
        assert_eq!(rules[0].is_tag_level(), Some(false));
        assert_eq!(rules[0].status.as_deref(), Some("available"));
        assert!(!rules[1].is_locked());
        assert_eq!(rules[1].is_tag_level(), Some(true));
        assert_eq!(
            rules[1].resource_tags.as_ref().unwrap()[0]
                .resource_tag_value
                .as_deref(),
            Some("yes")
        );
        assert_eq!(calls(&counters, "rbin:ListRules"), 2);
        assert_eq!(calls(&counters, "rbin:GetRule"), 2);
    }

    #[tokio::test]
    async fn a_rule_that_cannot_be_described_is_a_gap_and_keeps_unknown_tags() {
        let list = mock!(aws_sdk_rbin::Client::list_rules).then_output(|| {
            ListRulesOutput::builder()
                .rules(summary("r1", 30, true))
                .rules(summary("r2", 30, true))
                .build()
        });
        let ok = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r1"))
            .then_output(|| GetRuleOutput::builder().identifier("r1").build());
        let denied = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r2"))
            .then_http_response(|| {
                aws_smithy_runtime_api::http::Response::new(
                    403.try_into().unwrap(),
                    aws_smithy_types::body::SdkBody::from(
                        r#"{"__type":"AccessDeniedException","message":"no"}"#,
                    ),
                )
            });
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&list, &ok, &denied], &counters);
        let listed = retention_rules(&client, ResourceType::Ec2Image).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(&client, listed, "EC2_IMAGE", &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await
        .unwrap();
        assert_eq!(rules[0].is_tag_level(), Some(false));
        assert_eq!(
            rules[1].is_tag_level(),
            None,
            "unknown, not assumed region-level"
        );
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].0, "rbin:GetRule");
        assert!(
            gaps[0].1.contains("AccessDeniedException") && gaps[0].1.contains("r2"),
            "{}",
            gaps[0].1
        );
    }

    #[tokio::test]
    async fn list_rules_denied_or_throttled_out_is_unread_not_empty() {
        let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        let throttled = mock!(aws_sdk_rbin::Client::list_rules)
            .sequence()
            .http_status(400, Some(body.to_owned()))
            .times(3)
            .build();
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&throttled], &counters);
        let listed = retention_rules(&client, ResourceType::EbsSnapshot).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(
            &client,
            listed,
            "EBS_SNAPSHOT",
            &mut |op: &str, e: String| gaps.push((op.to_owned(), e)),
        )
        .await;
        assert!(rules.is_none());
        assert_eq!(gaps[0].0, "rbin:ListRules");
        assert!(
            gaps[0].1.contains("ThrottlingException") && gaps[0].1.contains("retries exhausted"),
            "{}",
            gaps[0].1
        );
        assert_eq!(calls(&counters, "rbin:ListRules"), 3);
        assert_eq!(
            counters
                .throttle_retries
                .lock()
                .unwrap()
                .get("rbin:ListRules"),
            Some(&2)
        );

        // Throttled once, then served: read, one retry counted.
        let retried = mock!(aws_sdk_rbin::Client::list_rules)
            .sequence()
            .http_status(400, Some(body.to_owned()))
            .output(|| ListRulesOutput::builder().build())
            .build();
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&retried], &counters);
        let rules = retention_rules(&client, ResourceType::EbsSnapshot)
            .await
            .unwrap();
        assert!(rules.is_empty());
        assert_eq!(
            counters
                .throttle_retries
                .lock()
                .unwrap()
                .get("rbin:ListRules"),
            Some(&1)
        );
    }

    #[tokio::test]
    async fn block_public_access_states_and_their_errors() {
        use aws_sdk_ec2::operation::get_image_block_public_access_state::GetImageBlockPublicAccessStateOutput;
        use aws_sdk_ec2::operation::get_snapshot_block_public_access_state::GetSnapshotBlockPublicAccessStateOutput;
        let snap =
            mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state).then_output(|| {
                GetSnapshotBlockPublicAccessStateOutput::builder()
                    .state(aws_sdk_ec2::types::SnapshotBlockPublicAccessState::Unblocked)
                    .build()
            });
        let image =
            mock!(aws_sdk_ec2::Client::get_image_block_public_access_state).then_output(|| {
                GetImageBlockPublicAccessStateOutput::builder()
                    .image_block_public_access_state("block-new-sharing")
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = ec2(&[&snap, &image], &counters);
        assert_eq!(
            snapshot_block_public_access(&client).await.unwrap(),
            "unblocked"
        );
        assert_eq!(
            image_block_public_access(&client).await.unwrap(),
            "block-new-sharing"
        );

        let denied = |_: ()| {
            aws_smithy_runtime_api::http::Response::new(
                403.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::from(
                    "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>",
                ),
            )
        };
        let snap = mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state)
            .then_http_response(move || denied(()));
        let image = mock!(aws_sdk_ec2::Client::get_image_block_public_access_state)
            .then_output(|| GetImageBlockPublicAccessStateOutput::builder().build());
        let client = ec2(&[&snap, &image], &counters);
        let err = snapshot_block_public_access(&client).await.unwrap_err();
        assert!(err.contains("UnauthorizedOperation"), "{err}");
        // A response without the state is not a pass either.
        assert!(image_block_public_access(&client).await.is_err());
    }
}
