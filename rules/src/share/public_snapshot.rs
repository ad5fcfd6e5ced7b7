//! ## What it checks
//! No snapshot the account owns is public: its `createVolumePermission` does not include the
//! group `all`.
//!
//! ## Why it matters
//! Anyone can create a volume from a public snapshot and read every block of it: databases,
//! keys, customer data. Public EBS snapshots are a well-known source of large data leaks, and
//! they are found by automated scanners quickly.
//!
//! ## Example
//! `aws ec2 describe-snapshot-attribute --snapshot-id snap-0abc --attribute
//! createVolumePermission` returning `{"Group": "all"}` fires.
//!
//! ## Remediation
//! `aws ec2 modify-snapshot-attribute --snapshot-id snap-0abc --attribute
//! createVolumePermission --operation-type remove --group-names all`, then enable snapshot
//! block public access (SG-SHARE-005).

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-003",
    name: "public-snapshot",
    family: Family::Share,
    severity: Severity::Critical,
    remediable: Remediable::Always,
    summary: "a snapshot's createVolumePermission includes all",
    source: include_str!("public_snapshot.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for snapshot in scope.owned_snapshots().into_iter().flatten() {
        let Some(permissions) = &snapshot.create_volume_permissions else {
            continue;
        };
        super::report_public(
            super::Shared::Snapshot,
            scope.snapshot(snapshot),
            permissions,
            out,
        );
    }
}
