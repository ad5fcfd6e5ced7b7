//! ## What it checks
//! Owned, completed snapshots in the standard tier that are older than
//! `protection.archive_after` (default `90d`), whose source volume no longer exists in the
//! region, and that no owned AMI in the region uses. An AMI in any state counts: a disabled
//! or deprecated AMI still needs its snapshots to be enabled or launched again.
//!
//! A snapshot whose description says which AMI it was taken for (`Created by
//! CreateImage(i-...) for ami-...`, `Copied for DestinationAmi ami-...`) while that AMI is
//! not among the recorded AMIs still fires, but the finding names the AMI and says to check
//! it first: the AMI may be deregistered (the snapshot is then a true archive candidate) or
//! disabled, which `DescribeImages` hides unless asked with `IncludeDisabled` (inventories
//! recorded without `--include-disabled` miss every disabled AMI). The evidence carries
//! `image_id`.
//!
//! ## Why it matters
//! Such snapshots are kept for the record, not for a quick restore. The archive tier costs
//! about a quarter of the standard tier, and a full snapshot in the standard tier is billed for
//! every block while it sits untouched. This is a cost finding, not a risk.
//!
//! ## Example
//! A 200-day-old snapshot of a deleted volume `vol-0dead`, used by no AMI, fires. A snapshot
//! `Created by CreateImage(i-0abc) for ami-0d5...` fires only when `ami-0d5...` is not
//! recorded, and its message names `ami-0d5...`.
//!
//! ## Remediation
//! Archive it (`aws ec2 modify-snapshot-tier --snapshot-id snap-... --storage-tier archive`)
//! after checking that restores from it can wait the 24 to 72 hours a restore from archive
//! takes; or add an archive rule to the DLM policy. When the finding names an AMI, first run
//! `aws ec2 describe-images --image-ids ami-... --include-disabled`: a snapshot of a
//! registered AMI cannot be archived.

use serde_json::json;
use std::collections::HashSet;

use crate::copies::image_of_snapshot;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-PROT-006",
    name: "archive-candidate-snapshot",
    family: Family::Prot,
    severity: Severity::Info,
    remediable: Remediable::Never,
    summary: "a standard-tier snapshot older than 90 days whose volume is gone and no AMI uses it",
    source: include_str!("archive_candidate_snapshot.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let (Some(snapshots), Some(volumes), Some(_)) = (
        scope.owned_snapshots(),
        scope.region.volumes.as_ref(),
        scope.region.images.as_ref(),
    ) else {
        return;
    };
    let archive_after = scope.config().protection.archive_after;
    let cutoff = scope.ctx.inventory.collected_at.minus(archive_after);
    let live_volumes: HashSet<&str> = volumes.iter().map(|v| v.volume_id.as_str()).collect();
    let used_by_images: HashSet<&str> = scope
        .owned_images()
        .into_iter()
        .flatten()
        .flat_map(|i| i.snapshot_ids())
        .collect();
    let recorded_images: HashSet<&str> = scope
        .owned_images()
        .into_iter()
        .flatten()
        .map(|i| i.image_id.as_str())
        .collect();
    for snapshot in snapshots {
        let standard = snapshot
            .storage_tier
            .as_deref()
            .is_none_or(|t| t == "standard");
        let volume_gone = snapshot
            .volume_id
            .as_deref()
            .is_none_or(|v| !live_volumes.contains(v));
        if !standard
            || !snapshot.is_completed()
            || snapshot.start_time >= cutoff
            || !volume_gone
            || used_by_images.contains(snapshot.snapshot_id.as_str())
        {
            continue;
        }
        // Taken for an AMI: recorded (in any state), it keeps the snapshot; not recorded,
        // it may be deregistered or hidden (disabled), and the finding says which to check.
        let image = image_of_snapshot(snapshot.description.as_deref());
        if image.is_some_and(|id| recorded_images.contains(id)) {
            continue;
        }
        let message = match image {
            None => format!(
                "snapshot {} is older than {archive_after}, its volume is gone and no AMI uses \
                 it: archive it",
                snapshot.snapshot_id
            ),
            Some(image) => format!(
                "snapshot {} is older than {archive_after} and its volume is gone; it was taken \
                 for {image}, which is not among the recorded AMIs: if {image} is deregistered, \
                 archive it (a disabled AMI is listed only with IncludeDisabled)",
                snapshot.snapshot_id
            ),
        };
        let mut evidence = json!({ "start_time": snapshot.start_time,
                                   "volume_id": snapshot.volume_id,
                                   "volume_size_gib": snapshot.volume_size });
        if let Some(image) = image {
            evidence["image_id"] = json!(image);
        }
        out.emit(
            Draft::new(scope.snapshot(snapshot), message)
                .evidence(evidence)
                .remediation(Remediation::ArchiveSnapshot {
                    snapshot_id: snapshot.snapshot_id.to_string(),
                }),
        );
    }
}
