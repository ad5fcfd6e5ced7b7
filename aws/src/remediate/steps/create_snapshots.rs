//! `ec2:CreateSnapshots` of all EBS volumes of an instance at one moment, then the per-volume
//! tags; a resumed run finishes the tags of the set it finds.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::InstanceSpecification;
use rules::remediation::plan::{CreateSnapshots, Tags};
use rules::remediation::Action;

use super::{
    ec2_tags, mutated, snapshot_made, snapshot_tag_spec, tagged_snapshots, with_action_id,
    StepResult,
};
use crate::remediate::{Made, Run, StepOk};

pub(super) async fn create_snapshots(
    run: &Run,
    action: &Action,
    step: &CreateSnapshots,
) -> StepResult {
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
