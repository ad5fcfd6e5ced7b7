//! snapguard's IAM policy engine: can a principal (or a bare policy document) perform the
//! actions that destroy or expose backups?
//!
//! It follows AWS's evaluation logic, statically
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
//! - an explicit deny in any layer wins; a deny that is conditional, or covers only some of
//!   the action's resources, cannot be relied upon to block and instead *weakens* the verdict
//!   (to `allowed_conditional` / `allowed_restricted_resource`), and is kept as evidence;
//! - identity policies grant; a permissions boundary and every SCP level (root, OUs, account)
//!   must also allow, so the verdict is the least permissive of them;
//! - conditions are decided only for principal keys (`aws:PrincipalArn`, `aws:PrincipalAccount`,
//!   `aws:PrincipalOrgID`, `aws:PrincipalTag/*`, `aws:PrincipalType`, `aws:username`) of a known
//!   principal; any other condition leaves the grant `allowed_conditional`.
//!
//! Verdicts rank `allowed` > `allowed_restricted_resource` > `allowed_conditional` >
//! `not_allowed` (see [`Verdict`]). Several allows combine to the most permissive one; allows
//! are not unioned across statements (two statements on complementary resources each count as
//! restricted).
//!
//! The crate is pure (no I/O but [`inputs::load`], which reads the files `iam check` is given)
//! and is shared by the scan's IAM rules and the `iam check` CI gate, so that both reach the
//! same verdict on the same data.

#![warn(missing_docs)]

pub mod actions;
pub mod arn;
pub mod authorization_details;
pub mod check;
mod condition;
mod engine;
pub mod inputs;
mod policy;
mod principal;
pub mod regions;
pub mod suggest;
mod targets;
pub mod wildcard;

pub use arn::{Arn, ArnError};
pub use authorization_details::{AuthorizationDetails, Str, Tag};
pub use engine::{
    default_protected_actions, evaluate_document, evaluate_principal, ActionVerdict,
    LabelledPolicy, Layer, LayerAllowance, PolicyLayers, ProtectedAction, ScpLevel,
    StatementEvidence, Verdict, DEFAULT_PROTECTED_ACTIONS,
};
pub use policy::{
    parse_policy_text, ActionElement, ConditionClause, Effect, PolicyDocument, PolicyError,
    PrincipalElement, PrincipalValue, ResourceElement, Statement,
};
pub use principal::{scp_exemption, Principal, PrincipalArnError, PrincipalKind, ScpExemption};
pub use targets::TargetKind;
