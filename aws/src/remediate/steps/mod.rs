//! One function per step kind: look first, then act, each mutating EC2 call with `DryRun` in
//! a dry run.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{
    Filter, ImageAttributeName, ImageBlockPublicAccessEnabledState, ImageState,
    InstanceSpecification, LaunchPermission, LaunchPermissionModifications, OperationType,
    PermissionGroup, ResourceType, Snapshot, SnapshotAttributeName, SnapshotBlockPublicAccessState,
    SnapshotState, Tag, TagSpecification,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rules::copies::TAG_SOURCE_SNAPSHOT;
use rules::inventory::Permission;
use rules::remediation::plan::{
    AddTags, CopyImage, CopySnapshot, CopySnapshotToAccount, CreateRetentionRule, CreateSnapshot,
    CreateSnapshots, LockRetentionRule, RemovePermissions, SnapshotSource, Tags,
};
use rules::remediation::{Action, Step};
use rules::time::Timestamp;

use super::{Made, Run, StepErr, StepOk};
use crate::region::{image_permission, snapshot_permission};
use crate::{describe_error, error_code};
use rules::remediation::plan::TAG_ACTION_ID;

type StepResult = Result<StepOk, StepErr>;

/// In a dry run, after the mutating call answered: the step would succeed.
macro_rules! or_dry {
    ($value:expr) => {
        match $value {
            Some(v) => v,
            None => return Ok(StepOk::WouldSucceed),
        }
    };
}

pub(crate) async fn execute(run: &Run, action: &Action) -> StepResult {
    let (account, region) = (action.account_id.as_str(), action.region.as_str());
    match &action.step {
        Step::CreateSnapshot(s) => create_snapshot(run, action, s).await,
        Step::CreateSnapshots(s) => create_snapshots(run, action, s).await,
        Step::CopySnapshot(s) => copy_snapshot(run, action, s).await,
        Step::CopySnapshotToAccount(s) => copy_to_account(run, action, s).await,
        Step::CopyImage(s) => copy_image(run, action, s).await,
        Step::AddTags(s) => add_tags(run, action, s).await,
        Step::CreateRetentionRule(s) => create_rule(run, action, s).await,
        Step::LockRetentionRule(s) => lock_rule(run, action, s).await,
        Step::RemoveSnapshotPermissions(s) => remove_snapshot_permissions(run, action, s).await,
        Step::RemoveImagePermissions(s) => remove_image_permissions(run, action, s).await,
        Step::EnableSnapshotBlockPublicAccess => {
            let ec2 = run.connect.ec2(account, region, false)?;
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
        Step::EnableImageBlockPublicAccess => {
            let ec2 = run.connect.ec2(account, region, false)?;
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
                .image_block_public_access_state(
                    ImageBlockPublicAccessEnabledState::BlockNewSharing,
                )
                .dry_run(run.options.dry_run)
                .send()
                .await;
            or_dry!(mutated(run, "ec2:EnableImageBlockPublicAccess", result)?);
            Ok(StepOk::Done(made(["block-new-sharing".to_owned()])))
        }
        Step::ManualReview(_) => Ok(StepOk::AlreadyDone(Made::default())),
    }
}

fn made<I: IntoIterator<Item = String>>(resources: I) -> Made {
    Made {
        resources: resources.into_iter().collect(),
        ..Made::default()
    }
}

fn read_error<E, R>(operation: &str, e: &SdkError<E, R>) -> StepErr
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StepErr::Failed(format!("{operation}: {}", describe_error(e)))
}

/// The result of a mutating call. In a dry run `Err(DryRunOperation)` is success, reported as
/// `WouldSucceed` by the caller through [`StepErr`]-free `Ok(None)`; any other error fails.
/// Outside a dry run, counts the call (the simulated kill may happen here).
fn mutated<T, E, R>(
    run: &Run,
    operation: &str,
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, StepErr>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(out) if run.options.dry_run => {
            let _ = out;
            Ok(None)
        }
        Ok(out) => {
            run.sent()?;
            Ok(Some(out))
        }
        Err(e) if run.options.dry_run && error_code(&e) == Some("DryRunOperation") => Ok(None),
        Err(e) => {
            let code = error_code(&e).unwrap_or_default().to_owned();
            let why = describe_error(&e);
            if run.options.dry_run && code == "UnauthorizedOperation" {
                Err(StepErr::Failed(format!(
                    "{operation}: not permitted ({why})"
                )))
            } else {
                Err(StepErr::Failed(format!("{operation}: {why}")))
            }
        }
    }
}

fn ec2_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tag_spec(resource_type: ResourceType, tags: &Tags) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(ec2_tags(tags)))
        .build()
}

fn snapshot_tag_spec(tags: &Tags) -> TagSpecification {
    tag_spec(ResourceType::Snapshot, tags)
}

/// The filter that finds what an action created.
fn action_filter(action_id: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{TAG_ACTION_ID}"))
        .values(action_id)
        .build()
}

fn with_action_id(tags: &Tags, action_id: &str) -> Tags {
    let mut tags = tags.clone();
    tags.insert(TAG_ACTION_ID.to_owned(), action_id.to_owned());
    tags
}

/// Snapshots this account owns tagged with `action_id`, started after the plan's data was
/// collected (an older one was made for an earlier plan with the same action id), not failed.
async fn tagged_snapshots(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    action_id: &str,
    volume_id: Option<&str>,
) -> Result<Vec<Snapshot>, StepErr> {
    let mut request = ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(action_filter(action_id));
    if let Some(volume) = volume_id {
        request = request.filters(Filter::builder().name("volume-id").values(volume).build());
    }
    let mut found: Vec<Snapshot> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| read_error("ec2:DescribeSnapshots", &e))?;
    found.retain(|s| {
        s.state() != Some(&SnapshotState::Error)
            && !matches!(s.start_time(), Some(t) if t.secs() < run.since)
            && s.tags()
                .iter()
                .any(|t| t.key() == Some(TAG_ACTION_ID) && t.value() == Some(action_id))
    });
    found.sort_by(|a, b| a.snapshot_id().cmp(&b.snapshot_id()));
    Ok(found)
}

fn snapshot_made(found: &[Snapshot]) -> Made {
    let mut made = Made::default();
    for s in found {
        let id = s.snapshot_id().unwrap_or_default().to_owned();
        if let Some(v) = s.volume_id() {
            made.by_volume.insert(v.to_owned(), id.clone());
        }
        made.resources.push(id);
    }
    made
}

async fn create_snapshot(run: &Run, action: &Action, step: &CreateSnapshot) -> StepResult {
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

async fn create_snapshots(run: &Run, action: &Action, step: &CreateSnapshots) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    let (mut made, existing_tags, already) = if found.is_empty() {
        let result = ec2
            .create_snapshots()
            .instance_specification(
                InstanceSpecification::builder()
                    .instance_id(&step.instance_id)
                    .exclude_boot_volume(false)
                    .build(),
            )
            .description(format!(
                "snapguard {}: crash-consistent backup of {}",
                action.id, step.instance_id
            ))
            .tag_specifications(snapshot_tag_spec(&with_action_id(&step.tags, &action.id)))
            .dry_run(run.options.dry_run)
            .send()
            .await;
        let out = or_dry!(mutated(run, "ec2:CreateSnapshots", result)?);
        let mut made = Made::default();
        for s in out.snapshots() {
            let id = s.snapshot_id().unwrap_or_default().to_owned();
            if let Some(v) = s.volume_id() {
                made.by_volume.insert(v.to_owned(), id.clone());
            }
            made.resources.push(id);
        }
        (made, BTreeMap::new(), false)
    } else {
        let existing: BTreeMap<String, BTreeSet<String>> = found
            .iter()
            .map(|s| {
                (
                    s.snapshot_id().unwrap_or_default().to_owned(),
                    s.tags()
                        .iter()
                        .filter_map(|t| t.key().map(str::to_owned))
                        .collect(),
                )
            })
            .collect();
        (snapshot_made(&found), existing, true)
    };
    // The per-volume tags, on each new snapshot (on a resume: only the keys still missing).
    let mut tagged = 0;
    for (volume, tags) in &step.tags_by_volume {
        let Some(snapshot) = made.by_volume.get(volume).cloned() else {
            continue;
        };
        let missing: Tags = tags
            .iter()
            .filter(|(k, _)| {
                !existing_tags
                    .get(&snapshot)
                    .is_some_and(|keys: &BTreeSet<String>| keys.contains(*k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if missing.is_empty() || run.options.dry_run {
            continue;
        }
        let result = ec2
            .create_tags()
            .resources(&snapshot)
            .set_tags(Some(ec2_tags(&missing)))
            .send()
            .await;
        mutated(run, "ec2:CreateTags", result)?;
        tagged += 1;
    }
    if already {
        if tagged > 0 {
            made.detail = Some(format!(
                "finished the per-volume tags of {tagged} snapshots"
            ));
        }
        Ok(StepOk::AlreadyDone(made))
    } else {
        Ok(StepOk::Done(made))
    }
}

/// The id of the snapshot a copy starts from. `Ok(None)` in a dry run when the snapshot does
/// not exist yet.
async fn source_snapshot(
    run: &Run,
    account: &str,
    region: &str,
    source: &SnapshotSource,
) -> Result<Option<String>, StepErr> {
    match source {
        SnapshotSource::Existing { snapshot_id } => Ok(Some(snapshot_id.clone())),
        SnapshotSource::CreatedBy {
            action_id,
            volume_id,
        } => {
            // This run's result, then an earlier run's journal, then the tag in AWS.
            if let Some((_, made)) = run.finished.lock().unwrap().get(action_id) {
                if let Some(id) = made.by_volume.get(volume_id) {
                    return Ok(Some(id.clone()));
                }
            }
            if let Some(id) = run
                .journal
                .as_ref()
                .and_then(|j| j.earlier_success(action_id))
                .and_then(|e| e.by_volume.get(volume_id))
            {
                return Ok(Some(id.clone()));
            }
            let ec2 = run.connect.ec2(account, region, false)?;
            let found = tagged_snapshots(run, &ec2, action_id, Some(volume_id)).await?;
            match found.first().and_then(|s| s.snapshot_id()) {
                Some(id) => Ok(Some(id.to_owned())),
                None if run.options.dry_run => Ok(None),
                None => Err(StepErr::Failed(format!(
                    "found no snapshot of {volume_id} tagged {TAG_ACTION_ID}={action_id} in \
                     {account}/{region}"
                ))),
            }
        }
    }
}

async fn wait_completed(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    snapshot_id: &str,
) -> Result<(), StepErr> {
    ec2.wait_until_snapshot_completed()
        .snapshot_ids(snapshot_id)
        .wait(run.options.waiter_timeout)
        .await
        .map(|_| ())
        .map_err(|e| {
            StepErr::Failed(format!(
                "source {snapshot_id} did not become completed within {} s: {}",
                run.options.waiter_timeout.as_secs(),
                aws_smithy_types::error::display::DisplayErrorContext(&e)
                    .to_string()
                    .replace('\n', " ")
            ))
        })
}

fn copy_description(source: &str, source_region: &str, action_id: &str) -> String {
    format!("[Copied {source} from {source_region}] by snapguard {action_id}")
}

async fn copy_snapshot(run: &Run, action: &Action, step: &CopySnapshot) -> StepResult {
    let account = action.account_id.as_str();
    let destination = run.connect.ec2(account, &action.region, false)?;
    let found = tagged_snapshots(run, &destination, &action.id, None).await?;
    if !found.is_empty() {
        return Ok(StepOk::AlreadyDone(snapshot_made(&found)));
    }
    let Some(source) = source_snapshot(run, account, &step.source_region, &step.source).await?
    else {
        return Ok(StepOk::NotChecked(
            "its source is the snapshot an earlier action of the plan would create".into(),
        ));
    };
    if !run.options.dry_run {
        let source_client = run.connect.ec2(account, &step.source_region, false)?;
        wait_completed(run, &source_client, &source).await?;
    }
    let mut tags = with_action_id(&step.tags, &action.id);
    tags.insert(TAG_SOURCE_SNAPSHOT.to_owned(), source.clone());
    let result = destination
        .copy_snapshot()
        .source_region(&step.source_region)
        .source_snapshot_id(&source)
        .encrypted(true)
        .set_kms_key_id(step.kms_key_id.clone())
        .description(copy_description(&source, &step.source_region, &action.id))
        .tag_specifications(snapshot_tag_spec(&tags))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:CopySnapshot", result)?);
    Ok(StepOk::Done(made([out
        .snapshot_id()
        .unwrap_or_default()
        .to_owned()])))
}

/// AMIs this account owns tagged with `action_id`, registered after the plan's data was
/// collected, and not failed or deregistered.
async fn tagged_images(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    action_id: &str,
) -> Result<Vec<String>, StepErr> {
    let images: Vec<_> = ec2
        .describe_images()
        .owners("self")
        .filters(action_filter(action_id))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| read_error("ec2:DescribeImages", &e))?;
    let mut ids: Vec<String> = images
        .iter()
        .filter(|i| {
            matches!(
                i.state(),
                None | Some(ImageState::Available | ImageState::Pending | ImageState::Transient)
            ) && i
                .creation_date()
                .and_then(|d| Timestamp::parse(d).ok())
                .is_none_or(|t| t.0 >= run.since)
                && i.tags()
                    .iter()
                    .any(|t| t.key() == Some(TAG_ACTION_ID) && t.value() == Some(action_id))
        })
        .filter_map(|i| i.image_id().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}

async fn copy_image(run: &Run, action: &Action, step: &CopyImage) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let found = tagged_images(run, &ec2, &action.id).await?;
    if !found.is_empty() {
        return Ok(StepOk::AlreadyDone(made(found)));
    }
    let tags = with_action_id(&step.tags, &action.id);
    let result = ec2
        .copy_image()
        .source_image_id(&step.source_image_id)
        .source_region(&step.source_region)
        .name(&step.name)
        .description(copy_description(
            &step.source_image_id,
            &step.source_region,
            &action.id,
        ))
        .encrypted(true)
        .set_kms_key_id(step.kms_key_id.clone())
        // The AMI and the snapshots made for it both carry the action id from the start.
        .tag_specifications(tag_spec(ResourceType::Image, &tags))
        .tag_specifications(tag_spec(ResourceType::Snapshot, &tags))
        // AWS also de-duplicates a retried request with the same token, for at least a day:
        // the plan's time in it keeps a later plan's copy (after this one failed) from
        // getting this one's answer.
        .client_token(format!("{}-{}", action.id, run.since))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let out = or_dry!(mutated(run, "ec2:CopyImage", result)?);
    Ok(StepOk::Done(made([out
        .image_id()
        .unwrap_or_default()
        .to_owned()])))
}

/// Whether `snapshot_id`'s createVolumePermission names `account`.
async fn shared_with(
    ec2: &aws_sdk_ec2::Client,
    snapshot_id: &str,
    account: &str,
) -> Result<bool, StepErr> {
    let out = ec2
        .describe_snapshot_attribute()
        .snapshot_id(snapshot_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeSnapshotAttribute", &e))?;
    Ok(out
        .create_volume_permissions()
        .iter()
        .any(|p| p.user_id() == Some(account)))
}

async fn share(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    snapshot_id: &str,
    account: &str,
    operation: OperationType,
    dry_run: bool,
) -> Result<Option<()>, StepErr> {
    let result = ec2
        .modify_snapshot_attribute()
        .snapshot_id(snapshot_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(operation)
        .user_ids(account)
        .dry_run(dry_run)
        .send()
        .await;
    Ok(mutated(run, "ec2:ModifySnapshotAttribute", result)?.map(|_| ()))
}

async fn copy_to_account(run: &Run, action: &Action, step: &CopySnapshotToAccount) -> StepResult {
    let (account, region) = (action.account_id.as_str(), action.region.as_str());
    let archive = step.archive_account.as_str();
    let source_client = run.connect.ec2(account, region, false)?;
    let archive_client = run.connect.ec2(archive, region, true)?;
    let found = tagged_snapshots(run, &archive_client, &action.id, None).await?;
    let source = source_snapshot(run, account, region, &step.source).await?;
    let earlier_share = run
        .journal
        .as_ref()
        .is_some_and(|j| j.earlier_share(&action.id));
    if !found.is_empty() {
        let mut made = snapshot_made(&found);
        // A run killed after the copy and before the share was removed: remove it now.
        if let (Some(source), true) = (&source, earlier_share) {
            if !run.options.dry_run && shared_with(&source_client, source, archive).await? {
                share(
                    run,
                    &source_client,
                    source,
                    archive,
                    OperationType::Remove,
                    false,
                )
                .await?;
                made.detail = Some(format!(
                    "removed the temporary share of {source} with {archive} an interrupted run left"
                ));
            }
        }
        return Ok(StepOk::AlreadyDone(made));
    }
    let Some(source) = source else {
        return Ok(StepOk::NotChecked(
            "its source is the snapshot an earlier action of the plan would create".into(),
        ));
    };
    if run.options.dry_run {
        // The share is checkable; the copy in the archive account needs the share to exist.
        or_dry!(
            share(
                run,
                &source_client,
                &source,
                archive,
                OperationType::Add,
                true
            )
            .await?
        );
        return Ok(StepOk::WouldSucceed);
    }
    wait_completed(run, &source_client, &source).await?;
    // A share that was there before (and not left by an earlier run of this action) is not
    // temporary: it stays.
    let shared_before = shared_with(&source_client, &source, archive).await?;
    let ours = !shared_before || earlier_share;
    if !shared_before {
        run.log(&action.id, "shared", None, None)?;
        share(
            run,
            &source_client,
            &source,
            archive,
            OperationType::Add,
            false,
        )
        .await?;
    }
    let mut tags = with_action_id(&step.tags, &action.id);
    tags.insert(TAG_SOURCE_SNAPSHOT.to_owned(), source.clone());
    let copied = archive_client
        .copy_snapshot()
        .source_region(region)
        .source_snapshot_id(&source)
        .encrypted(true)
        .set_kms_key_id(step.kms_key_id.clone())
        .description(copy_description(&source, region, &action.id))
        .tag_specifications(snapshot_tag_spec(&tags))
        .send()
        .await;
    let copied = match copied {
        Ok(out) => run.sent().map(|_| out),
        Err(e) => Err(StepErr::Failed(format!(
            "ec2:CopySnapshot in {archive}: {}",
            describe_error(&e)
        ))),
    };
    if let Err(StepErr::Interrupted) = copied {
        return Err(StepErr::Interrupted);
    }
    // The temporary share goes, whether the copy worked or not.
    let unshared = if ours {
        share(
            run,
            &source_client,
            &source,
            archive,
            OperationType::Remove,
            false,
        )
        .await
        .map(|_| ())
    } else {
        Ok(())
    };
    match (copied, unshared) {
        (_, Err(StepErr::Interrupted)) => Err(StepErr::Interrupted),
        (Ok(out), Ok(())) => Ok(StepOk::Done(made([out
            .snapshot_id()
            .unwrap_or_default()
            .to_owned()]))),
        (Ok(out), Err(StepErr::Failed(e))) => Err(StepErr::Failed(format!(
            "copied to {} in {archive}, but the temporary share of {source} could not be \
             removed: {e}",
            out.snapshot_id().unwrap_or_default()
        ))),
        (Err(StepErr::Failed(e)), Ok(())) => Err(StepErr::Failed(format!(
            "{e} (the temporary share was removed)"
        ))),
        (Err(StepErr::Failed(e)), Err(StepErr::Failed(u))) => Err(StepErr::Failed(format!(
            "{e}; and the temporary share of {source} could not be removed: {u}"
        ))),
        (Err(StepErr::Interrupted), _) => Err(StepErr::Interrupted),
    }
}

async fn add_tags(run: &Run, action: &Action, step: &AddTags) -> StepResult {
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let out = ec2
        .describe_tags()
        .filters(
            Filter::builder()
                .name("resource-id")
                .values(&step.resource_id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| read_error("ec2:DescribeTags", &e))?;
    let present: BTreeSet<&str> = out.tags().iter().filter_map(|t| t.key()).collect();
    // Never overwrite a key that has a value.
    let missing: Tags = step
        .tags
        .iter()
        .filter(|(k, _)| !present.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if missing.is_empty() {
        return Ok(StepOk::AlreadyDone(made([step.resource_id.clone()])));
    }
    let result = ec2
        .create_tags()
        .resources(&step.resource_id)
        .set_tags(Some(ec2_tags(&missing)))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    or_dry!(mutated(run, "ec2:CreateTags", result)?);
    let mut made = made([step.resource_id.clone()]);
    made.detail = Some(format!(
        "added {}",
        missing.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    Ok(StepOk::Done(made))
}

fn unlock_delay(days: u64) -> Result<aws_sdk_rbin::types::LockConfiguration, StepErr> {
    let delay = aws_sdk_rbin::types::UnlockDelay::builder()
        .unlock_delay_value(i32::try_from(days).unwrap_or(i32::MAX))
        .unlock_delay_unit(aws_sdk_rbin::types::UnlockDelayUnit::Days)
        .build()
        .map_err(|e| StepErr::Failed(format!("unlock delay: {e}")))?;
    Ok(aws_sdk_rbin::types::LockConfiguration::builder()
        .unlock_delay(delay)
        .build())
}

const RBIN_NOT_CHECKED: &str = "Recycle Bin has no DryRun; the permission was not checked";

async fn create_rule(run: &Run, action: &Action, step: &CreateRetentionRule) -> StepResult {
    use aws_sdk_rbin::types::{LockState, ResourceType as RbinType};
    let rbin = run.connect.rbin(&action.account_id, &action.region)?;
    let resource_type = RbinType::from(step.resource_type.as_str());
    // Look for the rule this action made.
    let mut token: Option<String> = None;
    let mut found = None;
    'pages: loop {
        let out = rbin
            .list_rules()
            .resource_type(resource_type.clone())
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| read_error("rbin:ListRules", &e))?;
        for rule in out.rules() {
            let Some(arn) = rule.rule_arn() else { continue };
            let tags = rbin
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| read_error("rbin:ListTagsForResource", &e))?;
            if tags
                .tags()
                .iter()
                .any(|t| t.key() == TAG_ACTION_ID && t.value() == action.id)
            {
                found = Some(rule.clone());
                break 'pages;
            }
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if let Some(rule) = found {
        let id = rule.identifier().unwrap_or_default().to_owned();
        let mut made = made([id.clone()]);
        if let Some(days) = step.unlock_delay_days {
            if rule.lock_state() != Some(&LockState::Locked) {
                if run.options.dry_run {
                    return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
                }
                let result = rbin
                    .lock_rule()
                    .identifier(&id)
                    .lock_configuration(unlock_delay(days)?)
                    .send()
                    .await;
                mutated(run, "rbin:LockRule", result)?;
                made.detail = Some("the rule existed unlocked: locked it".into());
            }
        }
        return Ok(StepOk::AlreadyDone(made));
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
    }
    let period = aws_sdk_rbin::types::RetentionPeriod::builder()
        .retention_period_value(i32::try_from(step.retention_days).unwrap_or(i32::MAX))
        .retention_period_unit(aws_sdk_rbin::types::RetentionPeriodUnit::Days)
        .build()
        .map_err(|e| StepErr::Failed(format!("retention period: {e}")))?;
    let mut tags = Vec::new();
    for (k, v) in with_action_id(&step.tags, &action.id) {
        tags.push(
            aws_sdk_rbin::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| StepErr::Failed(format!("tag: {e}")))?,
        );
    }
    let mut request = rbin
        .create_rule()
        .resource_type(resource_type)
        .retention_period(period)
        .description(format!("snapguard {}: region-level retention", action.id))
        .set_tags(Some(tags));
    if let Some(days) = step.unlock_delay_days {
        request = request.lock_configuration(unlock_delay(days)?);
    }
    let out = or_dry!(mutated(run, "rbin:CreateRule", request.send().await)?);
    Ok(StepOk::Done(made([out
        .identifier()
        .unwrap_or_default()
        .to_owned()])))
}

async fn lock_rule(run: &Run, action: &Action, step: &LockRetentionRule) -> StepResult {
    use aws_sdk_rbin::types::LockState;
    let rbin = run.connect.rbin(&action.account_id, &action.region)?;
    let rule = rbin
        .get_rule()
        .identifier(&step.rule_id)
        .send()
        .await
        .map_err(|e| read_error("rbin:GetRule", &e))?;
    if rule.lock_state() == Some(&LockState::Locked) {
        return Ok(StepOk::AlreadyDone(made([step.rule_id.clone()])));
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(RBIN_NOT_CHECKED.into()));
    }
    let result = rbin
        .lock_rule()
        .identifier(&step.rule_id)
        .lock_configuration(unlock_delay(step.unlock_delay_days)?)
        .send()
        .await;
    mutated(run, "rbin:LockRule", result)?;
    Ok(StepOk::Done(made([step.rule_id.clone()])))
}

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

async fn remove_snapshot_permissions(
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

async fn remove_image_permissions(
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
