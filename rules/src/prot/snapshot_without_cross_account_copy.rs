//! ## What it checks
//! For every volume in scope outside the archive account, the latest completed snapshot has a
//! copy in `protection.archive_account` (any region). Copies are recognised as for
//! SG-PROT-002. The rule is silent when no archive account is configured, and reports the
//! archive account as not evaluated when it was not scanned.
//!
//! ## Why it matters
//! Whoever controls an account controls its snapshots: a compromised administrator, a rogue
//! script or a closed account deletes every backup in it at once. A copy in a separate,
//! locked-down archive account survives all of these.
//!
//! ## Example
//! With `archive_account = "999999999999"`, a volume in account `111111111111` whose latest
//! snapshot has no copy in `999999999999` fires.
//!
//! ## Remediation
//! Share the snapshot with the archive account, copy it from there and remove the share
//! (`snapguard remediate` does all three), then configure a DLM cross-account copy policy or
//! an AWS Backup copy to a vault in the archive account.
//! When the snapshot is a recovery point of an AWS Backup plan rule that covers the volume
//! and has a copy action to a vault of the archive account, `snapguard remediate` copies it
//! with `StartCopyJob` there instead.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::{Snapshot, Volume};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

use super::through_backup;

pub static RULE: Rule = Rule {
    id: "SG-PROT-003",
    name: "snapshot-without-cross-account-copy",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "a volume's latest snapshot has no copy in protection.archive_account",
    source: include_str!("snapshot_without_cross_account_copy.rs"),
    configured: |config| config.protection.archive_account.is_some(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(archive) = scope.config().protection.archive_account.as_ref() else {
        return;
    };
    let archive = archive.0.as_str();
    let Some(uncopied) = uncopied(scope) else {
        return;
    };
    for (volume, snapshot) in uncopied {
        let message = format!(
            "the latest snapshot of volume {}, {}, has no copy in archive account {archive}",
            volume.volume_id, snapshot.snapshot_id
        );
        let remediation = through_backup::copy_job(scope, volume, snapshot, |_, to| to == archive)
            .unwrap_or_else(|| Remediation::CopySnapshotToAccount {
                snapshot_id: snapshot.snapshot_id.to_string(),
                account_id: archive.to_owned(),
            });
        out.emit(
            Draft::new(scope.snapshot(snapshot), message)
                .evidence(json!({ "volume_id": volume.volume_id, "archive_account": archive }))
                .remediation(remediation),
        );
    }
}

/// Each volume in scope whose latest completed snapshot has no copy in the archive account:
/// what this rule reports, and what backup coverage counts as not copied to the archive
/// account. Empty when no archive account is configured or this is the archive account; `None`
/// when it cannot be told: the region's volumes, or the archive account's snapshots, were not
/// read.
pub(crate) fn uncopied<'a>(scope: &RegionScope<'a>) -> Option<Vec<(&'a Volume, &'a Snapshot)>> {
    let Some(archive) = scope.config().protection.archive_account.as_ref() else {
        return Some(Vec::new());
    };
    let archive = archive.0.as_str();
    if archive == scope.account.id {
        return Some(Vec::new());
    }
    let archive_read = scope
        .ctx
        .inventory
        .accounts
        .iter()
        .any(|a| a.id == archive && a.regions.iter().any(|r| r.snapshots.is_some()));
    let volumes = scope.volumes_in_scope()?;
    if !archive_read {
        return None;
    }
    let latest = scope.latest_snapshot_by_volume();
    let uncopied = volumes
        .filter_map(|volume| {
            let snapshot = *latest.get(volume.volume_id.as_str())?;
            let copies = scope.ctx.copies_of(&snapshot.snapshot_id);
            let copied = copies.iter().any(|c| c.account_id == archive)
                || scope
                    .recovery_points_of_volume(volume)
                    .any(|p| p.account_id == archive && p.created >= snapshot.start_time);
            (!copied).then_some((volume, snapshot))
        })
        .collect();
    Some(uncopied)
}
