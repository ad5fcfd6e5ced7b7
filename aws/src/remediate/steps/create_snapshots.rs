//! `ec2:CreateSnapshots` of all EBS volumes of an instance at one moment, then the per-volume
//! tags; a resumed run finishes the tags of the set it finds. A set a `[[consistency]]` entry
//! quiesces goes through `quiesce.rs`, which shares the pieces here.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{InstanceSpecification, Snapshot};
use rules::remediation::plan::{CreateSnapshots, Tags};
use rules::remediation::Action;

use super::{
    ec2_tags, mutated, snapshot_made, snapshot_tag_spec, tagged_snapshots, with_action_id,
    StepResult,
};
use crate::remediate::{Made, Run, StepErr, StepOk};

pub(super) async fn create_snapshots(
    run: &Run,
    action: &Action,
    step: &CreateSnapshots,
) -> StepResult {
    if let Some(quiesce) = &step.quiesce {
        return super::quiesce::create_quiesced(run, action, step, quiesce).await;
    }
    let ec2 = run.connect.ec2(&action.account_id, &action.region, false)?;
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if !found.is_empty() {
        return finish_found(run, &ec2, step, &found, false).await;
    }
    let made =
        or_dry!(create_set(run, &ec2, action, step, &Tags::new(), "crash-consistent").await?);
    finish_new(run, &ec2, step, made, false).await
}

/// The `ec2:CreateSnapshots` call, with the step's tags, the action id and `extra` at
/// creation. `None` in a dry run that would succeed.
pub(super) async fn create_set(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    action: &Action,
    step: &CreateSnapshots,
    extra: &Tags,
    kind: &str,
) -> Result<Option<Made>, StepErr> {
    let mut tags = with_action_id(&step.tags, &action.id);
    tags.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    let result = ec2
        .create_snapshots()
        .instance_specification(
            InstanceSpecification::builder()
                .instance_id(&step.instance_id)
                .exclude_boot_volume(false)
                .build(),
        )
        .description(format!(
            "snapguard {}: {kind} backup of {}",
            action.id, step.instance_id
        ))
        .tag_specifications(snapshot_tag_spec(&tags))
        .dry_run(run.options.dry_run)
        .send()
        .await;
    let Some(out) = mutated(run, "ec2:CreateSnapshots", result)? else {
        return Ok(None);
    };
    let mut made = Made::default();
    for s in out.snapshots() {
        let id = s.snapshot_id().unwrap_or_default().to_owned();
        if let Some(v) = s.volume_id() {
            made.by_volume.insert(v.to_owned(), id.clone());
        }
        made.resources.push(id);
    }
    Ok(Some(made))
}

/// A set this run made: its per-volume tags (and with `common`, the step's tags too, which
/// the call that made it could not set).
pub(super) async fn finish_new(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    step: &CreateSnapshots,
    made: Made,
    common: bool,
) -> StepResult {
    tag_volumes(run, ec2, step, &made, &BTreeMap::new(), common).await?;
    Ok(StepOk::Done(made))
}

/// A set an earlier run made: the tags it still lacks.
pub(super) async fn finish_found(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    step: &CreateSnapshots,
    found: &[Snapshot],
    common: bool,
) -> StepResult {
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
    let mut made = snapshot_made(found);
    let tagged = tag_volumes(run, ec2, step, &made, &existing, common).await?;
    if tagged > 0 {
        made.detail = Some(format!("finished the tags of {tagged} snapshots"));
    }
    Ok(StepOk::AlreadyDone(made))
}

/// Sets on each snapshot of `made` the tags it should have and lacks (`existing` keys per
/// snapshot): its volume's, and with `common` the step's. Returns how many were tagged.
async fn tag_volumes(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    step: &CreateSnapshots,
    made: &Made,
    existing: &BTreeMap<String, BTreeSet<String>>,
    common: bool,
) -> Result<usize, StepErr> {
    let mut tagged = 0;
    for (volume, snapshot) in &made.by_volume {
        let mut wanted = if common {
            step.tags.clone()
        } else {
            Tags::new()
        };
        if let Some(tags) = step.tags_by_volume.get(volume) {
            wanted.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let missing: Tags = wanted
            .into_iter()
            .filter(|(k, _)| !existing.get(snapshot).is_some_and(|keys| keys.contains(k)))
            .collect();
        if missing.is_empty() || run.options.dry_run {
            continue;
        }
        let result = ec2
            .create_tags()
            .resources(snapshot)
            .set_tags(Some(ec2_tags(&missing)))
            .send()
            .await;
        mutated(run, "ec2:CreateTags", result)?;
        tagged += 1;
    }
    Ok(tagged)
}
