//! ## What it checks
//! No IAM user or role is effectively allowed `ec2:DeregisterImage`, after identity policies,
//! permissions boundary and every level of service control policies. Exempt principals and
//! service-linked roles are skipped; a conditional grant is reported one severity lower.
//!
//! ## Why it matters
//! Deregistering an AMI removes the image every instance of an application is launched from;
//! with its snapshots deleted afterwards, the application cannot be rebuilt. It is also the
//! first step of an attacker who wants to make a recovery impossible.
//!
//! ## Example
//! A user `ci-deployer` with an inline policy allowing `ec2:*` on `*` fires: `user
//! ci-deployer can deregister AMIs (ec2:DeregisterImage): granted by user inline policy ...`.
//!
//! ## Remediation
//! Narrow the grant (image pipelines need `ec2:CreateImage`, not `ec2:DeregisterImage`), put
//! the image lifecycle in one exempt role, and deny the action to everyone else with an SCP.

use super::account_principals::report_principals;
use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Emitter};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-002",
    name: "principal-can-deregister-images",
    family: Family::Iam,
    severity: Severity::Medium,
    remediable: Remediable::Never,
    summary: "a non-exempt principal is effectively allowed ec2:DeregisterImage",
    source: include_str!("principal_can_deregister_images.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

fn check(scope: &AccountScope, out: &mut Emitter) {
    report_principals(scope, &RULE, out);
}
