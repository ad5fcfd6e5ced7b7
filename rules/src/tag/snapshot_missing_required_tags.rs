//! ## What it checks
//! Every snapshot the account owns carries each tag key listed in `tags.required`.
//!
//! ## Why it matters
//! Untagged snapshots have no owner and no retention class: nobody can say whether they may be
//! deleted, so they are either kept forever (cost) or cleaned up by someone guessing (loss).
//! Tag-level Recycle Bin rules and lifecycle policies also select snapshots by tag.
//!
//! ## Example
//! With `tags.required = ["Owner", "Retention"]`, a snapshot tagged only `Owner=payments`
//! fires: `snapshot snap-0abc lacks required tags: Retention`.
//!
//! ## Remediation
//! Add the missing tags (`aws ec2 create-tags --resources snap-... --tags Key=Retention,Value=30d`);
//! `snapguard remediate` copies them from the source volume when it has them. Set tags at
//! creation time in DLM or AWS Backup plans so new snapshots are born compliant.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-TAG-001",
    name: "snapshot-missing-required-tags",
    family: Family::Tag,
    severity: Severity::Low,
    remediable: Remediable::Always,
    summary: "an owned snapshot lacks a key from tags.required",
    source: include_str!("snapshot_missing_required_tags.rs"),
    configured: |config| !config.tags.required.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for snapshot in scope.owned_snapshots().into_iter().flatten() {
        super::require_tags(scope.config(), scope.snapshot(snapshot), snapshot, out);
    }
}
