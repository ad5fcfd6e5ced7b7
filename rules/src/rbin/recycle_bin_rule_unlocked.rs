//! ## What it checks
//! When `recycle_bin.require_lock` is true (the default), every region-level retention rule,
//! for snapshots or AMIs, is `locked`. A rule in `pending_unlock` fires too: someone has
//! started to unlock it. Tag-level rules cannot be locked and are not checked.
//!
//! ## Why it matters
//! An unlocked rule can be deleted or shortened by anyone with `rbin:DeleteRule` or
//! `rbin:UpdateRule`, and an attacker who wants to destroy backups deletes the rule first. A
//! locked rule can only be changed after an unlock delay of 7 to 30 days, long enough to notice.
//!
//! ## Example
//! A region-level rule with `"LockState": "unlocked"` (or none at all) fires.
//!
//! ## Remediation
//! `aws rbin lock-rule --identifier <id> --lock-configuration
//! 'UnlockDelay={UnlockDelayValue=7,UnlockDelayUnit=DAYS}'`, or `snapguard remediate`.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-RBIN-003",
    name: "recycle-bin-rule-unlocked",
    family: Family::Rbin,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "a covering rule is not locked",
    source: include_str!("recycle_bin_rule_unlocked.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    if !scope.config().recycle_bin.require_lock {
        return;
    }
    for (resource_type, rules) in super::rule_sets(scope) {
        for rule in rules.into_iter().flatten() {
            if rule.is_locked() || rule.is_tag_level() == Some(true) {
                continue;
            }
            let state = rule.lock_state.as_deref().unwrap_or("never locked");
            let message = format!(
                "retention rule {} for {resource_type} is {state}: it can be deleted or shortened",
                rule.identifier
            );
            out.emit(
                Draft::new(
                    scope.retention_rule(&rule.identifier, rule.rule_arn.as_deref()),
                    message,
                )
                .evidence(json!({ "resource_type": resource_type, "lock_state": rule.lock_state }))
                .remediation(Remediation::LockRetentionRule {
                    rule_id: rule.identifier.to_string(),
                }),
            );
        }
    }
}
