//! One file per step kind: look first, then act, each mutating EC2 call with `DryRun` in a dry
//! run. Here: the dispatch, and what the steps share (dry-run and error handling of calls, tags,
//! finding what an action created, the source of a copy).

use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{Filter, ResourceType, Snapshot, SnapshotState, Tag, TagSpecification};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rules::remediation::plan::{SnapshotSource, Tags, TAG_ACTION_ID};
use rules::remediation::{Action, Step};

use super::{Made, Run, StepErr, StepOk};
use crate::{describe_error, error_code};

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

mod add_tags;
mod backup_jobs;
mod block_public_access;
mod copy_image;
mod copy_snapshot;
mod copy_snapshot_to_account;
mod create_retention_rule;
mod create_snapshot;
mod create_snapshots;
mod ebs_guardrails;
mod lock_retention_rule;
mod quiesce;
mod remove_permissions;

pub(crate) async fn execute(run: &Run, action: &Action) -> StepResult {
    match &action.step {
        Step::CreateSnapshot(s) => create_snapshot::create_snapshot(run, action, s).await,
        Step::CreateSnapshots(s) => create_snapshots::create_snapshots(run, action, s).await,
        Step::CopySnapshot(s) => copy_snapshot::copy_snapshot(run, action, s).await,
        Step::CopySnapshotToAccount(s) => {
            copy_snapshot_to_account::copy_to_account(run, action, s).await
        }
        Step::CopyImage(s) => copy_image::copy_image(run, action, s).await,
        Step::StartBackupJob(s) => backup_jobs::start_backup_job(run, action, s).await,
        Step::StartCopyJob(s) => backup_jobs::start_copy_job(run, action, s).await,
        Step::AddTags(s) => add_tags::add_tags(run, action, s).await,
        Step::CreateRetentionRule(s) => create_retention_rule::create_rule(run, action, s).await,
        Step::LockRetentionRule(s) => lock_retention_rule::lock_rule(run, action, s).await,
        Step::RemoveSnapshotPermissions(s) => {
            remove_permissions::remove_snapshot_permissions(run, action, s).await
        }
        Step::RemoveImagePermissions(s) => {
            remove_permissions::remove_image_permissions(run, action, s).await
        }
        Step::EnableSnapshotBlockPublicAccess => {
            block_public_access::enable_snapshot_block_public_access(run, action).await
        }
        Step::EnableImageBlockPublicAccess => {
            block_public_access::enable_image_block_public_access(run, action).await
        }
        Step::EnableEbsEncryptionByDefault => {
            ebs_guardrails::enable_ebs_encryption_by_default(run, action).await
        }
        Step::LockSnapshot(s) => ebs_guardrails::lock_snapshot(run, action, s).await,
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

const RBIN_NOT_CHECKED: &str = "Recycle Bin has no DryRun; the permission was not checked";
