//! ## What it checks
//! No IAM user or role is effectively allowed `ec2:DeleteSnapshot`, after its inline, managed
//! and group policies, its permissions boundary, and the service control policies on every
//! level from the organization's root down to its account. Principals matching
//! `iam.exempt_principals` and service-linked roles are skipped. A grant that holds only under
//! a condition snapguard cannot decide (such as `aws:MultiFactorAuthPresent`) is reported one
//! severity lower; conditions the scan decides (`aws:RequestedRegion` in the Regions it covers,
//! `aws:TokenIssueTime` and `aws:CurrentTime` at collection time, the organization's id) are not.
//!
//! ## Why it matters
//! Whoever can delete snapshots can destroy every backup in the account in one loop: an
//! attacker with a stolen access key, ransomware that wipes backups before it encrypts, a
//! cleanup script run with the wrong filter. Only the backup system itself should hold it.
//!
//! ## Example
//! A role `ops-admin` with the AWS managed policy `AdministratorAccess`, in an account whose
//! SCPs deny nothing about snapshots, fires: `role ops-admin can delete snapshots
//! (ec2:DeleteSnapshot): granted by managed policy AdministratorAccess statement 0`.
//!
//! ## Remediation
//! Attach an SCP that denies `ec2:DeleteSnapshot` to everyone but the backup role (the finding
//! of SG-IAM-005 includes one), or remove the grant, or add a permissions boundary that denies
//! it. Exempt the backup role with `iam.exempt_principals`.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-001",
    name: "principal-can-delete-snapshots",
    family: Family::Iam,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed ec2:DeleteSnapshot",
    source: include_str!("principal_can_delete_snapshots.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
