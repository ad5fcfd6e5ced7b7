//! ## What it checks
//! No IAM user or role is effectively allowed `rbin:DeleteRule`, `rbin:UpdateRule` or
//! `rbin:UnlockRule`. Exempt principals and service-linked roles are skipped; a conditional
//! grant is reported one severity lower.
//!
//! ## Why it matters
//! Recycle Bin is the last line of defence after a mass deletion, and an attacker who knows it
//! deletes or shortens the retention rule first, or unlocks it to do so after the delay. Few
//! people ever need to change a retention rule.
//!
//! ## Example
//! A role allowed `rbin:*` fires: `role platform-admin can weaken Recycle Bin rules
//! (rbin:DeleteRule, rbin:UpdateRule, rbin:UnlockRule): granted by ...`.
//!
//! ## Remediation
//! Lock the retention rules (SG-RBIN-003), remove the grant, and deny the three actions in an
//! SCP except for the backup administrators' role.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-004",
    name: "principal-can-weaken-recycle-bin",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed rbin:DeleteRule, rbin:UpdateRule or rbin:UnlockRule",
    source: include_str!("principal_can_weaken_recycle_bin.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
