//! A copy in the archive account: share the source with it, copy from there (as the archive
//! role), and remove the temporary share whether the copy worked or not; a resumed run removes
//! a share an interrupted one left.

use aws_sdk_ec2::types::{OperationType, SnapshotAttributeName};
use rules::copies::TAG_SOURCE_SNAPSHOT;
use rules::remediation::plan::CopySnapshotToAccount;
use rules::remediation::Action;

use super::{
    copy_description, made, mutated, read_error, snapshot_made, snapshot_tag_spec, source_snapshot,
    tagged_snapshots, wait_completed, with_action_id, StepResult,
};
use crate::describe_error;
use crate::remediate::{Run, StepErr, StepOk};

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

pub(super) async fn copy_to_account(
    run: &Run,
    action: &Action,
    step: &CopySnapshotToAccount,
) -> StepResult {
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
