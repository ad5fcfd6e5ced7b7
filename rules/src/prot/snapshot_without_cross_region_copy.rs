//! ## What it checks
//! For every volume in scope, the latest completed snapshot has a copy in at least one of
//! `protection.copy_regions` (other than the volume's own region), in the same account. A copy
//! is recognised by the description AWS writes on copies (`CopySnapshot`, the console, Data
//! Lifecycle Manager, AWS Backup, `CopyImage`) or by the tags `snapguard remediate` sets, or
//! is an AWS Backup recovery point of the volume (or of its instance) in a vault of that
//! region, made no earlier than the snapshot.
//! The rule is silent when `copy_regions` is empty, and it does not guess when a copy region
//! was not scanned: that is reported as not evaluated.
//!
//! ## Why it matters
//! Snapshots live in the region of their volume. A regional outage, or an attacker with
//! delete rights in that region, takes the backups with the data. A copy in another region is
//! what makes disaster recovery possible.
//!
//! ## Example
//! With `copy_regions = ["us-west-2"]`, a volume in `us-east-1` whose latest snapshot
//! `snap-0abc` has no snapshot in `us-west-2` described as a copy of it fires.
//!
//! ## Remediation
//! Copy it (`aws ec2 copy-snapshot --region us-west-2 --source-region us-east-1
//! --source-snapshot-id snap-0abc --encrypted`) or let `snapguard remediate` do so; then add a
//! cross-region copy rule to the DLM policy or AWS Backup plan.
//! When the snapshot is a recovery point of an AWS Backup plan rule that covers the volume
//! and has a copy action to a `copy_regions` region, `snapguard remediate` copies it with
//! `StartCopyJob` to that vault instead, under the copy action's lifecycle.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::{Snapshot, Volume};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

use super::through_backup;

pub static RULE: Rule = Rule {
    id: "SG-PROT-002",
    name: "snapshot-without-cross-region-copy",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "a volume's latest snapshot has no copy in any of protection.copy_regions",
    source: include_str!("snapshot_without_cross_region_copy.rs"),
    configured: |config| !config.protection.copy_regions.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(Uncopied { targets, snapshots }) = uncopied(scope) else {
        return;
    };
    for (volume, snapshot) in snapshots {
        let message = format!(
            "the latest snapshot of volume {}, {}, has no copy in {}",
            volume.volume_id,
            snapshot.snapshot_id,
            targets.join(" or ")
        );
        let account = scope.account.id.as_str();
        let remediation = through_backup::copy_job(scope, volume, snapshot, |region, to| {
            to == account && targets.contains(&region)
        })
        .unwrap_or_else(|| Remediation::CopySnapshotToRegions {
            snapshot_id: snapshot.snapshot_id.to_string(),
            regions: targets.iter().map(|r| r.to_string()).collect(),
        });
        out.emit(
            Draft::new(scope.snapshot(snapshot), message)
                .evidence(json!({ "volume_id": volume.volume_id, "copy_regions": targets }))
                .remediation(remediation),
        );
    }
}

/// The latest snapshots this rule finds without a copy, and the regions a copy was looked for in.
pub(crate) struct Uncopied<'a> {
    pub targets: Vec<&'a str>,
    /// Each volume in scope whose latest completed snapshot has no copy in any target region.
    pub snapshots: Vec<(&'a Volume, &'a Snapshot)>,
}

/// What this rule reports, and what backup coverage counts as not copied to another region.
/// Empty when no copy region other than this one is configured; `None` when it cannot be told:
/// the region's volumes, or a copy region's snapshots, were not read.
pub(crate) fn uncopied<'a>(scope: &RegionScope<'a>) -> Option<Uncopied<'a>> {
    let account = scope.account.id.as_str();
    let volumes = scope.volumes_in_scope()?;
    let copy_regions = &scope.config().protection.copy_regions;
    if copy_regions.iter().all(|r| *r == scope.region.name) {
        return Some(Uncopied {
            targets: Vec::new(),
            snapshots: Vec::new(),
        });
    }
    let targets = scope.copy_targets(copy_regions, |r| r.snapshots.is_some())?;
    let latest = scope.latest_snapshot_by_volume();
    let snapshots = volumes
        .filter_map(|volume| {
            let snapshot = *latest.get(volume.volume_id.as_str())?;
            let copied = scope
                .ctx
                .copies_of(&snapshot.snapshot_id)
                .iter()
                .any(|c| c.account_id == account && targets.contains(&c.region.as_str()))
                || scope.recovery_points_of_volume(volume).any(|p| {
                    p.account_id == account
                        && targets.contains(&p.region)
                        && p.created >= snapshot.start_time
                });
            (!copied).then_some((volume, snapshot))
        })
        .collect();
    Some(Uncopied { targets, snapshots })
}
