//! ## What it checks
//! Each account-region has at least one Recycle Bin retention rule for EBS snapshots
//! (`aws rbin list-rules --resource-type EBS_SNAPSHOT` is not empty). Partial coverage by
//! tag-level rules is SG-RBIN-005's business.
//!
//! ## Why it matters
//! Without a retention rule, `DeleteSnapshot` is final. With one, a deleted snapshot stays
//! recoverable for the retention period, whoever deleted it and however (a wrong cleanup
//! script, a compromised credential, ransomware that deletes backups before encrypting).
//!
//! ## Example
//! An account-region where `list-rules --resource-type EBS_SNAPSHOT` returns `"Rules": []`
//! fires.
//!
//! ## Remediation
//! Create a region-level rule and lock it: `aws rbin create-rule --resource-type EBS_SNAPSHOT
//! --retention-period RetentionPeriodValue=14,RetentionPeriodUnit=DAYS
//! --lock-configuration 'UnlockDelay={UnlockDelayValue=7,UnlockDelayUnit=DAYS}'`, or let
//! `snapguard remediate` do it with the configured retention.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-RBIN-001",
    name: "recycle-bin-off-for-snapshots",
    family: Family::Rbin,
    severity: Severity::High,
    remediable: Remediable::Always,
    summary: "no Recycle Bin retention rule covers EBS snapshots in an account-region",
    source: include_str!("recycle_bin_off_for_snapshots.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let rules = scope.region.snapshot_retention_rules.as_ref();
    super::require_any_rule(scope, "EBS_SNAPSHOT", rules, out);
}
