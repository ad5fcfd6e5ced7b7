//! ## What it checks
//! Where an account-region has retention rules for EBS snapshots, each owned snapshot is
//! retained by one of them: a region-level rule whose exclusion tags it does not carry, or a
//! tag-level rule whose tags it carries. Only rules in the `available` state retain. Regions
//! with no rule at all are SG-RBIN-001's business; regions whose rule details (`get-rule`)
//! were not collected are reported as not scanned.
//!
//! ## Why it matters
//! Tag-level rules protect only what is tagged, and region-level exclusions carve holes. A
//! snapshot outside every rule is deleted for good, even though the account "has Recycle Bin".
//!
//! ## Example
//! With a single tag-level rule retaining snapshots tagged `Backup=true`, a snapshot without
//! that tag fires; so does a snapshot tagged `Ephemeral=yes` when the region-level rule
//! excludes `Ephemeral=yes`.
//!
//! ## Remediation
//! Tag the snapshot to match a rule, remove the exclusion, or replace tag-level rules with a
//! region-level rule (`aws rbin create-rule --resource-type EBS_SNAPSHOT ...` without
//! `--resource-tags`).

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::{RetentionRule, Snapshot};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-RBIN-005",
    name: "snapshot-not-covered-by-recycle-bin",
    family: Family::Rbin,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "only tag-level rules exist and this snapshot lacks their tags, or a region rule excludes it",
    source: include_str!("snapshot_not_covered_by_recycle_bin.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(rules) = scope.region.snapshot_retention_rules.as_ref() else {
        return;
    };
    // A region without any rule is SG-RBIN-001's business.
    if rules.is_empty() {
        return;
    }
    let Some(unretained) = unretained(scope) else {
        return;
    };
    let rule_ids: Vec<&str> = rules.iter().map(|r| r.identifier.as_str()).collect();
    for snapshot in unretained {
        let message = format!(
            "snapshot {} is retained by none of the {} Recycle Bin rules in {}",
            snapshot.snapshot_id,
            rules.len(),
            scope.region.name
        );
        out.emit(
            Draft::new(scope.snapshot(snapshot), message)
                .evidence(json!({ "rules": rule_ids }))
                .remediation(super::new_rule(scope.config(), "EBS_SNAPSHOT")),
        );
    }
}

/// The owned snapshots no available retention rule retains (all of them where the region has
/// no rule): what this rule reports where the region has rules, and what backup coverage counts
/// as outside the Recycle Bin. `None` when the region's snapshots or rules were not read, or
/// the rules' tags (`get-rule`) were not: the loader reports that gap.
pub(crate) fn unretained<'a>(scope: &RegionScope<'a>) -> Option<Vec<&'a Snapshot>> {
    let rules = scope.region.snapshot_retention_rules.as_ref()?;
    if rules.iter().any(|r| r.resource_tags.is_none()) {
        return None;
    }
    let retaining: Vec<&RetentionRule> = rules
        .iter()
        .filter(|r| r.status.as_deref().is_none_or(|s| s == "available"))
        .collect();
    let unretained = scope
        .owned_snapshots()?
        .filter(|snapshot| !retaining.iter().any(|r| retains(r, snapshot)))
        .collect();
    Some(unretained)
}

fn retains(rule: &RetentionRule, snapshot: &Snapshot) -> bool {
    let tags = rule.resource_tags.as_deref().unwrap_or_default();
    if tags.is_empty() {
        let excluded = rule
            .exclude_resource_tags
            .iter()
            .flatten()
            .any(|t| t.matches(snapshot));
        !excluded
    } else {
        tags.iter().any(|t| t.matches(snapshot))
    }
}
