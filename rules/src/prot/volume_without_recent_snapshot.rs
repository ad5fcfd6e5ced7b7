//! ## What it checks
//! Every volume in scope has a completed snapshot that started no longer ago than
//! `protection.max_snapshot_age` (default `1d`) before the inventory was collected, or a
//! completed AWS Backup recovery point of it (or of its instance) made since then, in any
//! vault of the inventory (one in a logically air-gapped vault is no EBS snapshot). Volumes
//! tagged with `protection.skip_volumes_tagged` are out of scope.
//!
//! ## Why it matters
//! A volume without a recent snapshot is data you cannot restore: an accidental deletion,
//! a ransomware encryption or a failed deployment loses everything written since the last
//! backup. Backup plans fail quietly (a changed tag, a deleted DLM policy, a role that lost
//! a permission); this rule notices.
//!
//! ## Example
//! With `max_snapshot_age = "1d"`, a volume whose newest completed snapshot is three days old
//! fires, and so does a volume that was never snapshotted.
//!
//! ## Remediation
//! Take a snapshot now (`aws ec2 create-snapshot --volume-id vol-...`, or
//! `snapguard remediate`), then fix the schedule: a DLM policy or an AWS Backup plan that
//! selects the volume. When an AWS Backup plan rule covers the volume (its selection naming
//! its role), `snapguard remediate` takes the backup through AWS Backup instead
//! (`StartBackupJob` into the rule's vault, with its role and lifecycle), so that it is kept
//! under the vault's lock.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::{Snapshot, Volume};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

use super::through_backup;

pub static RULE: Rule = Rule {
    id: "SG-PROT-001",
    name: "volume-without-recent-snapshot",
    family: Family::Prot,
    severity: Severity::High,
    remediable: Remediable::Always,
    summary: "a volume in scope has no completed snapshot newer than protection.max_snapshot_age",
    source: include_str!("volume_without_recent_snapshot.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(stale) = stale_volumes(scope) else {
        return;
    };
    let max_age = scope.config().protection.max_snapshot_age;
    for (volume, newest) in stale {
        let (message, evidence) = match newest {
            Some(s) => (
                format!(
                    "volume {} has no snapshot newer than {max_age}: its latest, {}, started {}",
                    volume.volume_id, s.snapshot_id, s.start_time
                ),
                json!({ "latest_snapshot_id": s.snapshot_id, "latest_start_time": s.start_time,
                        "max_snapshot_age": max_age }),
            ),
            None => (
                format!("volume {} has no completed snapshot", volume.volume_id),
                json!({ "latest_snapshot_id": null, "max_snapshot_age": max_age }),
            ),
        };
        let remediation =
            through_backup::backup_job(scope, &volume.volume_id).unwrap_or_else(|| {
                Remediation::CreateSnapshot {
                    volume_id: volume.volume_id.to_string(),
                }
            });
        out.emit(
            Draft::new(scope.volume(&volume.volume_id), message)
                .evidence(evidence)
                .remediation(remediation),
        );
    }
}

/// The volumes in scope without a completed snapshot newer than `protection.max_snapshot_age`,
/// each with its newest completed snapshot if any: what this rule reports, and what backup
/// coverage counts as not recently snapshotted. `None` when the region's volumes or snapshots
/// were not read.
pub(crate) fn stale_volumes<'a>(
    scope: &RegionScope<'a>,
) -> Option<Vec<(&'a Volume, Option<&'a Snapshot>)>> {
    let (Some(volumes), Some(_)) = (scope.volumes_in_scope(), scope.region.snapshots.as_ref())
    else {
        return None;
    };
    let max_age = scope.config().protection.max_snapshot_age;
    let oldest_allowed = scope.ctx.inventory.collected_at.minus(max_age);
    let latest = scope.latest_snapshot_by_volume();
    let stale = volumes
        .filter_map(|volume| {
            let newest = latest.get(volume.volume_id.as_str()).copied();
            // An AWS Backup recovery point is a backup too; most are the snapshot (or the AMI
            // over the snapshots) already counted, one in a logically air-gapped vault is not.
            let recent = newest.is_some_and(|s| s.start_time >= oldest_allowed)
                || scope
                    .recovery_points_of_volume(volume)
                    .any(|p| p.created >= oldest_allowed);
            (!recent).then_some((volume, newest))
        })
        .collect();
    Some(stale)
}
