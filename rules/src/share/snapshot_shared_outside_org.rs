//! ## What it checks
//! Every account in the `createVolumePermission` of a snapshot the account owns is inside the
//! organization (listed by `organizations list-accounts`) or in `sharing.trusted_accounts`.
//! One finding per outside account, with its own fingerprint and `evidence.grantee`. (EBS
//! shares snapshots with accounts only, so `trusted_organizations` and `trusted_ous` do not
//! apply here.)
//!
//! ## Waivers
//! A waiver of this rule names the account it accepts (`grantee = "444455556666"`); one
//! without a grantee is a config error, since it would also accept every account the snapshot
//! is shared with later. A new grantee of a waived snapshot is a new, unwaived finding.
//!
//! ## Why it matters
//! A snapshot shared with an account can be copied there, and the copy is out of your reach
//! for good. Shares made for a migration or a vendor are forgotten; a mistyped account id
//! hands the data to a stranger.
//!
//! ## Example
//! A snapshot with `createVolumePermission` `{"UserId": "444455556666"}`, where that account is
//! neither in the organization nor trusted, fires.
//!
//! ## Remediation
//! `aws ec2 modify-snapshot-attribute --snapshot-id snap-... --attribute
//! createVolumePermission --operation-type remove --user-ids 444455556666`, or trust the
//! account in `sharing.trusted_accounts` if the share is intended.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-004",
    name: "snapshot-shared-outside-org",
    family: Family::Share,
    severity: Severity::High,
    remediable: Remediable::Always,
    summary: "a snapshot is shared with an account outside the org and the trusted list",
    source: include_str!("snapshot_shared_outside_org.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for snapshot in scope.owned_snapshots().into_iter().flatten() {
        let Some(permissions) = &snapshot.create_volume_permissions else {
            continue;
        };
        let resource = scope.snapshot(snapshot);
        super::report_outsiders(scope, super::Shared::Snapshot, resource, permissions, out);
    }
}
