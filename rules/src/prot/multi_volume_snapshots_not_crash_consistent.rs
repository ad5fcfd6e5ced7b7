//! ## What it checks
//! For every instance with two or more attached EBS volumes, the latest completed snapshots of
//! those volumes started at the same moment (within one second), as `CreateSnapshots` does
//! for all volumes of an instance at once. Volumes with no snapshot at all are left to
//! SG-PROT-001; terminated instances are skipped.
//!
//! ## Why it matters
//! A database spread over several volumes, or a RAID set, is only restorable from snapshots
//! taken at the same instant. Snapshots of each volume taken one after the other by separate
//! schedules restore to a set of disks that never existed together, which the file system or
//! database may refuse to mount or silently corrupt.
//!
//! ## Example
//! An instance `i-0abc` with `vol-1` snapshotted at 02:00:00 and `vol-2` at 02:03:10 fires.
//!
//! ## Remediation
//! Snapshot the whole instance with `aws ec2 create-snapshots --instance-specification
//! InstanceId=i-...` (or `snapguard remediate`), and switch the DLM policy to an instance
//! target (`ResourceTypes = ["INSTANCE"]`) or use AWS Backup on the instance. When an AWS
//! Backup plan rule's selection takes the instance, `snapguard remediate` backs the instance up
//! through AWS Backup instead (`StartBackupJob` on the instance: an AMI of all its volumes at
//! one moment), as it does for the instance's volumes without a recent backup.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;

use super::through_backup;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-PROT-004",
    name: "multi-volume-snapshots-not-crash-consistent",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "an instance's volumes' latest snapshots were not started together",
    source: include_str!("multi_volume_snapshots_not_crash_consistent.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

/// Snapshots of one `CreateSnapshots` call share their start time; allow for rounding.
const SAME_MOMENT_SECONDS: i64 = 1;

fn check(scope: &RegionScope, out: &mut Emitter) {
    let (Some(instances), Some(_)) = (
        scope.region.instances.as_ref(),
        scope.region.snapshots.as_ref(),
    ) else {
        return;
    };
    let latest = scope.latest_snapshot_by_volume();
    for instance in instances {
        if instance.is_terminated() {
            continue;
        }
        let volumes: Vec<&str> = instance.ebs_volume_ids().collect();
        if volumes.len() < 2 {
            continue;
        }
        let snapshots: Vec<_> = volumes
            .iter()
            .filter_map(|v| latest.get(v).map(|s| (*v, *s)))
            .collect();
        if snapshots.len() < 2 {
            continue;
        }
        let first = snapshots
            .iter()
            .map(|(_, s)| s.start_time)
            .min()
            .unwrap_or_default();
        let last = snapshots
            .iter()
            .map(|(_, s)| s.start_time)
            .max()
            .unwrap_or_default();
        let spread = last.seconds_since(first);
        if spread <= SAME_MOMENT_SECONDS {
            continue;
        }
        let message = format!(
            "the latest snapshots of instance {}'s {} volumes started {spread}s apart, so they \
             do not form one crash-consistent set",
            instance.instance_id,
            snapshots.len()
        );
        let evidence: Vec<_> = snapshots
            .iter()
            .map(|(v, s)| json!({ "volume_id": v, "snapshot_id": s.snapshot_id, "start_time": s.start_time }))
            .collect();
        // A plan rule that backs the instance up takes all its volumes at one moment.
        let remediation =
            through_backup::instance_backup_job(scope, &volumes).unwrap_or_else(|| {
                Remediation::CreateSnapshots {
                    instance_id: instance.instance_id.to_string(),
                }
            });
        out.emit(
            Draft::new(scope.instance(&instance.instance_id), message)
                .evidence(json!({ "spread_seconds": spread, "snapshots": evidence }))
                .remediation(remediation),
        );
    }
}
