//! ## What it checks
//! No IAM user or role is effectively allowed `backup:DeleteRecoveryPoint` or
//! `backup:UpdateRecoveryPointLifecycle`, after its identity policies, permissions boundary and
//! the service control policies on every level of its account's path. Exempt principals and
//! service-linked roles are skipped; a conditional grant is reported one severity lower.
//! A grant on some recovery points only (`arn:aws:backup:...:recovery-point:...`) is still a
//! finding; EBS and EC2 recovery points are named by their snapshot and image ARNs, so a grant
//! on those counts too.
//!
//! The actions are those of AWS Backup that destroy a recovery point or shorten its retention
//! until it expires, per the Service Authorization Reference
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html>).
//! `backup:DisassociateRecoveryPoint` also ends AWS Backup's hold on a recovery point, but
//! AWS Backup refuses it for snapshot recovery points, which EBS and EC2 backups are.
//!
//! ## Why it matters
//! EC2 refuses `DeleteSnapshot` on a snapshot that AWS Backup manages ("This snapshot is managed
//! by the AWS Backup service and cannot be deleted via EC2 APIs"): for the backups of the
//! best-run accounts, these two actions are the delete permission. Whoever holds them can
//! empty a vault that no Vault Lock protects, or set every recovery point to expire tomorrow.
//!
//! ## Example
//! A role `backup-operator` with an inline policy allowing both actions on `*` fires:
//! `role backup-operator can delete recovery points (backup:DeleteRecoveryPoint,
//! backup:UpdateRecoveryPointLifecycle): granted by role inline policy cleanup statement 0`.
//!
//! ## Remediation
//! Remove the grant, deny both actions in an SCP to everyone but the backup administrators
//! (SG-IAM-005 suggests one), deny them in each vault's access policy, and lock the vaults
//! (AWS Backup Vault Lock), which makes AWS Backup itself refuse early deletion.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-007",
    name: "principal-can-delete-recovery-points",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed backup:DeleteRecoveryPoint or backup:UpdateRecoveryPointLifecycle",
    source: include_str!("principal_can_delete_recovery_points.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
