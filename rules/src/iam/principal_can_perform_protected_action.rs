//! ## What it checks
//! Actions you add to `iam.protected_actions` beyond those of SG-IAM-001..004, 007 and 008
//! (for example `ec2:DeleteVolume` or `kms:ScheduleKeyDeletion`): no
//! IAM user or role is effectively allowed any of them, after identity policies, permissions
//! boundary and every level of service control policies. Exempt principals and service-linked
//! roles are skipped; a conditional grant is reported one severity lower. Silent while no such
//! action is configured.
//!
//! ## Why it matters
//! Backups depend on more than snapshots: the KMS key that encrypts them, the AWS Backup vault
//! that holds them, the volumes themselves. Whoever can schedule the key's deletion can make
//! every encrypted snapshot unreadable. Listing such actions makes snapguard watch them with
//! the same engine and the same SCP logic.
//!
//! ## Example
//! With `[iam] protected_actions = [..., "kms:ScheduleKeyDeletion"]`, a role allowed `kms:*`
//! fires: `role key-admin can perform a protected action (kms:ScheduleKeyDeletion): ...`.
//!
//! ## Remediation
//! As for SG-IAM-001: remove or narrow the grant, and deny the action in an SCP to everyone
//! but the principals in `iam.exempt_principals`.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-006",
    name: "principal-can-perform-protected-action",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary:
        "a non-exempt principal is effectively allowed an action added to iam.protected_actions",
    source: include_str!("principal_can_perform_protected_action.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
