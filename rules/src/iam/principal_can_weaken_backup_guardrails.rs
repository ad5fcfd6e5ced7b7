//! ## What it checks
//! No IAM user or role is effectively allowed any action that removes or weakens what keeps
//! backups write-once and flowing, after its identity policies, permissions boundary and every
//! level of service control policies. Exempt principals and service-linked roles are skipped;
//! a conditional grant is reported one severity lower. The actions, per the Service
//! Authorization Reference (AWS Backup `list_awsbackup.html`, Amazon Data Lifecycle Manager
//! `list_amazondatalifecyclemanager.html`, Amazon EC2 `list_amazonec2.html`, under
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/>):
//! - vaults: `backup:DeleteBackupVault`, `backup:DeleteBackupVaultAccessPolicy`,
//!   `backup:PutBackupVaultAccessPolicy`, `backup:DeleteBackupVaultLockConfiguration`,
//!   `backup:PutBackupVaultLockConfiguration` (a governance-mode lock, or a compliance-mode one
//!   in its cooling-off period, can be shortened or removed);
//! - schedules: `backup:DeleteBackupPlan`, `backup:UpdateBackupPlan`,
//!   `backup:DeleteBackupSelection`, `dlm:DeleteLifecyclePolicy`, `dlm:UpdateLifecyclePolicy`;
//! - holds and settings: `backup:CancelLegalHold`, `backup:UpdateRegionSettings` (opting EBS
//!   or EC2 out of AWS Backup), `backup:UpdateGlobalSettings` (turning cross-account backup
//!   off);
//! - EC2: `ec2:UnlockSnapshot`, `ec2:LockSnapshot` (shortens a governance-mode lock),
//!   `ec2:DisableImageDeregistrationProtection`, `ec2:DisableSnapshotBlockPublicAccess`,
//!   `ec2:EnableSnapshotBlockPublicAccess` (can step down from `block-all-sharing`),
//!   `ec2:DisableImageBlockPublicAccess` and `ec2:DisableEbsEncryptionByDefault`.
//!
//! ## Why it matters
//! Ransomware crews and insiders remove the guardrails before they delete: they unlock, change
//! the vault policy, delete the plan so no new backup is taken, then wait for the retention to
//! run out. Each of these actions is one step of that path, and few people need any of them
//! after a backup system is set up.
//!
//! ## Example
//! A role allowed `backup:*` fires: `role platform-admin can weaken backup guardrails
//! (backup:DeleteBackupVault, ..., backup:UpdateGlobalSettings): granted by ...`.
//!
//! ## Remediation
//! Remove the grants, and deny these actions in an SCP to everyone but the backup
//! administrators (SG-IAM-005 suggests one). Lock the vaults in compliance mode once the
//! retention is settled, so that no principal at all can shorten it.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-008",
    name: "principal-can-weaken-backup-guardrails",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed an action that removes a backup guardrail (vault lock or policy, plan, lifecycle policy, snapshot lock, block public access, encryption by default)",
    source: include_str!("principal_can_weaken_backup_guardrails.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
