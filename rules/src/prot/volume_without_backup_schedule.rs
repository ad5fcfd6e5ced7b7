//! ## What it checks
//! Every volume in scope is covered by a backup schedule: an enabled Data Lifecycle Manager
//! policy (by its target tags on the volume or on its instance, or the region's default
//! policy, minus its exclusions) or an AWS Backup plan rule with a schedule, through a
//! selection that takes the volume or its instance (by ARN, `*` wildcards included, by
//! `ListOfTags` (any) and `Conditions` (all), minus `NotResources`), as AWS documents them.
//! Volumes tagged with `protection.skip_volumes_tagged` are out of scope. A policy or plan
//! whose details were not recorded covers nothing, and the evidence says so; so does a region
//! recorded without the backup layer.
//! The evidence also lists the AWS Backup plans the organization's backup policies mandate
//! in the account-region (`org_mandated_plans`; `null` when the backup policies were not
//! recorded): their selections are where the volume most likely belongs.
//!
//! ## Why it matters
//! A recent snapshot says nothing about tomorrow. A volume on no schedule is backed up only
//! when someone remembers to, and the first missed day is found during the restore. This is
//! the question a backup team asks: is this volume on a schedule?
//!
//! ## Example
//! A volume tagged `Backup=daily` in a region whose only DLM policy targets `Backup=hourly`
//! and whose only AWS Backup plan selects `arn:aws:ec2:*:*:volume/vol-0prod*` fires. The
//! evidence lists both, each with why it does not cover the volume.
//!
//! ## Remediation
//! Tag the volume (or its instance) with the tag the organization's schedules select, or add it
//! to a DLM policy or an AWS Backup selection. With `[remediation] schedule_tags = { Backup =
//! "daily" }`, `snapguard remediate` adds those tags to a volume that has none of their keys
//! when a schedule of its region then selects it (the evidence's `schedule_tags` says which,
//! or why not); otherwise the plan carries one review per account-region with a ready DLM
//! policy (`aws dlm create-lifecycle-policy --cli-input-json`) that snapshots volumes with
//! those tags (`Backup=daily` without them) as often as `protection.max_snapshot_age` asks,
//! keeps them `backup.min_retention_days` days, and copies them to `protection.copy_regions`
//! and shares them with `protection.archive_account`.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::{Tag, Tagged, Volume};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::schedules;
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-008",
    name: "volume-without-backup-schedule",
    family: Family::Prot,
    severity: Severity::High,
    remediable: Remediable::With("schedule_tags"),
    summary: "no enabled DLM policy and no scheduled AWS Backup plan rule covers a volume in scope",
    source: include_str!("volume_without_backup_schedule.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(volumes) = scope.volume_schedules() else {
        return;
    };
    // The same for every volume of the account-region.
    let mandated = scope.mandated_backup_plans();
    for (volume, found) in volumes {
        if !found.covering.is_empty() {
            continue;
        }
        let message = format!(
            "volume {} is on no backup schedule: {} considered, none covers it",
            volume.volume_id,
            found.considered.len()
        );
        let (schedule_tags, remediation) = tagging_for_schedule(scope, volume);
        let mut draft = Draft::new(scope.volume(&volume.volume_id), message).evidence(json!({
            "schedules_considered": found.considered,
            "schedule_tags": schedule_tags,
            "org_mandated_plans": mandated,
        }));
        if let Some(remediation) = remediation {
            draft = draft.remediation(remediation);
        }
        out.emit(draft);
    }
}

/// What `[remediation] schedule_tags` would do for the volume, for the evidence, and the
/// remediation when the tags put it on a schedule: only when the volume has none of their keys
/// (changing a tag a person set is a person's call) and a schedule of the region selects the
/// volume once tagged.
fn tagging_for_schedule(
    scope: &RegionScope,
    volume: &Volume,
) -> (serde_json::Value, Option<Remediation>) {
    let tags = &scope.config().remediation.schedule_tags;
    if tags.is_empty() {
        return (serde_json::Value::Null, None);
    }
    if let Some(key) = tags.keys().find(|k| volume.tag(k).is_some()) {
        let why = format!(
            "the volume already has {key}={:?}; snapguard does not change a tag a person set",
            volume.tag(key).unwrap_or_default()
        );
        return (
            json!({ "tags": tags, "selects_into": [], "why_not": why }),
            None,
        );
    }
    let mut tagged = volume.clone();
    tagged
        .tags
        .extend(tags.iter().map(|(key, value)| Tag::new(key, value)));
    let found = schedules::for_volume(scope.region, &scope.account.id, &tagged);
    let selects_into: Vec<String> = found.covering.iter().map(|s| s.id.label.clone()).collect();
    if selects_into.is_empty() {
        let why = "no schedule of the region selects a volume with these tags".to_owned();
        return (
            json!({ "tags": tags, "selects_into": [], "why_not": why }),
            None,
        );
    }
    let remediation = Remediation::TagForSchedule {
        volume_id: volume.volume_id.to_string(),
        tags: tags.clone(),
        schedules: selects_into.clone(),
    };
    (
        json!({ "tags": tags, "selects_into": selects_into }),
        Some(remediation),
    )
}
