//! ## What it checks
//! Each account-region has at least one Recycle Bin retention rule for AMIs
//! (`aws rbin list-rules --resource-type EC2_IMAGE` is not empty).
//!
//! ## Why it matters
//! Without a retention rule, `DeregisterImage` is final: the AMI is gone and, once its
//! snapshots are cleaned up, so is every instance you could have launched from it. A retention
//! rule keeps a deregistered AMI restorable for the retention period.
//!
//! ## Example
//! An account-region where `list-rules --resource-type EC2_IMAGE` returns `"Rules": []` fires.
//!
//! ## Remediation
//! Create a region-level rule and lock it: `aws rbin create-rule --resource-type EC2_IMAGE
//! --retention-period RetentionPeriodValue=14,RetentionPeriodUnit=DAYS
//! --lock-configuration 'UnlockDelay={UnlockDelayValue=7,UnlockDelayUnit=DAYS}'`, or let
//! `snapguard remediate` do it.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-RBIN-002",
    name: "recycle-bin-off-for-images",
    family: Family::Rbin,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "no Recycle Bin retention rule covers AMIs in an account-region",
    source: include_str!("recycle_bin_off_for_images.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let rules = scope.region.image_retention_rules.as_ref();
    super::require_any_rule(scope, "EC2_IMAGE", rules, out);
}
