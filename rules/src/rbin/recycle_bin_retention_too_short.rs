//! ## What it checks
//! Every retention rule, for snapshots or AMIs, keeps resources for at least
//! `recycle_bin.min_retention_days` days (default 7). A shorter rule is not reported when a
//! region-level rule of the same resource type, without exclusion tags, keeps them long enough:
//! when several rules match a resource, Recycle Bin keeps it for the longest of their periods,
//! so the short rule shortens nothing.
//!
//! ## Why it matters
//! Deletions are often noticed late: over a weekend, after a holiday, when the next restore
//! test fails. A one-day retention turns Recycle Bin into a formality; the deleted backup is
//! gone before anyone looks.
//!
//! ## Example
//! With `min_retention_days = 7`, a rule with `RetentionPeriodValue = 1` (`DAYS`) fires.
//!
//! ## Remediation
//! Raise the retention (`aws rbin update-rule --identifier <id> --retention-period
//! RetentionPeriodValue=14,RetentionPeriodUnit=DAYS`); a locked rule must be unlocked first,
//! which takes its unlock delay.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::RetentionRule;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-RBIN-004",
    name: "recycle-bin-retention-too-short",
    family: Family::Rbin,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "a covering rule keeps resources fewer days than recycle_bin.min_retention_days",
    source: include_str!("recycle_bin_retention_too_short.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let min_days = scope.config().recycle_bin.min_retention_days;
    for (resource_type, rules) in super::rule_sets(scope) {
        let rules = rules.map_or(&[][..], Vec::as_slice);
        let shadowed = rules.iter().any(|r| covers_all_long_enough(r, min_days));
        for rule in rules {
            let Some(days) = rule.retention_days() else {
                continue;
            };
            if days >= min_days || shadowed {
                continue;
            }
            let message = format!(
                "retention rule {} keeps {resource_type} resources {days} days, fewer than {min_days}",
                rule.identifier
            );
            out.emit(
                Draft::new(
                    scope.retention_rule(&rule.identifier, rule.rule_arn.as_deref()),
                    message,
                )
                .evidence(
                    json!({ "resource_type": resource_type, "retention_days": days,
                                      "min_retention_days": min_days }),
                )
                .remediation(Remediation::UpdateRetentionPeriod {
                    rule_id: rule.identifier.to_string(),
                    retention_days: min_days,
                }),
            );
        }
    }
}

/// A region-level rule with no exclusions that keeps resources at least `min_days`: every
/// resource it matches (all of them) is kept that long whatever shorter rules say.
fn covers_all_long_enough(rule: &RetentionRule, min_days: u64) -> bool {
    rule.is_tag_level() == Some(false)
        && rule
            .exclude_resource_tags
            .as_ref()
            .is_some_and(Vec::is_empty)
        && rule.status.as_deref().is_none_or(|s| s == "available")
        && rule.retention_days().is_some_and(|d| d >= min_days)
}
