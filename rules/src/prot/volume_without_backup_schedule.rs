//! ## What it checks
//! Every volume in scope is covered by a backup schedule: an enabled Data Lifecycle Manager
//! policy (by its target tags on the volume or on its instance, or the region's default
//! policy, minus its exclusions) or an AWS Backup plan rule with a schedule, through a
//! selection that takes the volume or its instance (by ARN, `*` wildcards included, by
//! `ListOfTags` (any) and `Conditions` (all), minus `NotResources`), as AWS documents them.
//! Volumes tagged with `protection.skip_volumes_tagged` are out of scope. A policy or plan
//! whose details were not recorded covers nothing, and the evidence says so; so does a region
//! recorded without the backup layer.
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
//! Tag the volume (or its instance) with the tag the organization's schedules select
//! (`[remediation] schedule_tags` lets `snapguard remediate` plan that), or add it to a DLM
//! policy or an AWS Backup selection.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-008",
    name: "volume-without-backup-schedule",
    family: Family::Prot,
    severity: Severity::High,
    remediable: false,
    summary: "no enabled DLM policy and no scheduled AWS Backup plan rule covers a volume in scope",
    source: include_str!("volume_without_backup_schedule.rs"),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(volumes) = scope.volume_schedules() else {
        return;
    };
    for (volume, found) in volumes {
        if !found.covering.is_empty() {
            continue;
        }
        let message = format!(
            "volume {} is on no backup schedule: {} considered, none covers it",
            volume.volume_id,
            found.considered.len()
        );
        out.emit(
            Draft::new(scope.volume(&volume.volume_id), message)
                .evidence(json!({ "schedules_considered": found.considered })),
        );
    }
}
