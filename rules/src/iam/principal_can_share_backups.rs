//! ## What it checks
//! No IAM user or role is effectively allowed `ec2:ModifySnapshotAttribute` or
//! `ec2:ModifyImageAttribute`, the calls that share a snapshot or an AMI with another account
//! or with everyone. Exempt principals and service-linked roles are skipped; a conditional
//! grant is reported one severity lower.
//!
//! ## Why it matters
//! Sharing is how backups leave the organization: one call makes a snapshot public or hands it
//! to an attacker's account, where it is copied and read at leisure. Snapshot and AMI block
//! public access stop public sharing, but not sharing with a named account.
//!
//! ## Example
//! A role `data-eng` allowed `ec2:Modify*` fires: `role data-eng can share snapshots or AMIs
//! (ec2:ModifySnapshotAttribute, ec2:ModifyImageAttribute): granted by ...`.
//!
//! ## Remediation
//! Remove the grant, or deny both actions in an SCP except for the backup role; if sharing is
//! part of a workflow (cross-account copies), confine it with a condition on
//! `ec2:Add/userId` to the organization's accounts.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-003",
    name: "principal-can-share-backups",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed ec2:ModifySnapshotAttribute or ec2:ModifyImageAttribute",
    source: include_str!("principal_can_share_backups.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
