//! ## What it checks
//! Snapshot block public access is on in each account-region: `aws ec2
//! get-snapshot-block-public-access-state` reports `block-all-sharing` or `block-new-sharing`,
//! not `unblocked`.
//!
//! ## Why it matters
//! With block public access on, no one in the account can make a snapshot public, by mistake
//! or on purpose; `block-all-sharing` also hides snapshots that are already public. It is the
//! guardrail that turns SG-SHARE-003 from a detection into a prevention.
//!
//! ## Example
//! An account-region whose state is `unblocked` fires, and so does one whose state is a value
//! snapguard does not know (the scan also lists it as a gap naming the value).
//!
//! ## Remediation
//! `aws ec2 enable-snapshot-block-public-access --state block-all-sharing` in every region, or
//! set it for the whole organization with a declarative policy.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-005",
    name: "snapshot-block-public-access-off",
    family: Family::Share,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "snapshot block public access is unblocked in an account-region",
    source: include_str!("snapshot_block_public_access_off.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(state) = scope.region.snapshot_block_public_access.as_deref() else {
        return;
    };
    // Only the documented blocking states are safe: a state snapguard does not know is
    // reported (and listed as a gap by the loader), never read as blocking.
    if matches!(state, "block-all-sharing" | "block-new-sharing") {
        return;
    }
    let message = format!(
        "snapshot block public access is {state} in {} of account {}: snapshots can be made public",
        scope.region.name, scope.account.id
    );
    out.emit(
        Draft::new(scope.setting("snapshot-block-public-access"), message)
            .evidence(json!({ "state": state }))
            .remediation(Remediation::EnableSnapshotBlockPublicAccess),
    );
}
