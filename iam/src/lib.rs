//! snapguard's IAM policy engine: can a principal (or a bare policy document) perform the
//! actions that destroy or expose backups?
//!
//! It follows AWS's evaluation logic, statically
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
//! - a request is allowed only when the identity policies, the permissions boundary and every
//!   SCP level (root, OUs, account) each allow that same request, and no explicit deny in any
//!   of them applies. So for each action the engine intersects, exactly, the resources (ARN
//!   patterns with wildcards) each layer allows and subtracts those a deny takes away;
//! - a statement whose condition holds counts surely; one whose condition cannot be decided
//!   counts only possibly: a grant behind it is `allowed_conditional`, and a deny behind it
//!   cannot be relied upon to block. Such denies are kept as evidence;
//! - conditions are decided for principal keys (`aws:PrincipalArn`, `aws:PrincipalAccount`,
//!   `aws:PrincipalTag/*`, `aws:PrincipalType`, `aws:username`) of a known principal, for the
//!   request keys a [`RequestContext`] settles (`aws:CurrentTime`, `aws:EpochTime`,
//!   `aws:TokenIssueTime`, `aws:PrincipalOrgID`, `aws:ResourceOrgID`) and for
//!   `aws:ResourceAccount`; `aws:RequestedRegion` restricts the resources to those Regions.
//!   Clauses that contradict each other never hold. A role's `aws:PrincipalTag/<key>` is
//!   undecided when callers can pass a session tag with that key ([`SessionTags`]). Any other
//!   condition is undecided;
//!
//! Verdicts rank `allowed` > `allowed_restricted_resource` > `allowed_conditional` >
//! `not_allowed` (see [`Verdict`]): `allowed` when what is surely allowed covers every target
//! resource, `allowed_restricted_resource` when it covers some, `allowed_conditional` when only
//! a grant behind an undecided condition reaches some.
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
mod context;
mod engine;
pub mod harm;
pub mod inputs;
mod policy;
mod principal;
pub mod regions;
mod session_tags;
pub mod suggest;
mod targets;
pub mod wildcard;

pub use arn::{Arn, ArnError};
pub use authorization_details::{AuthorizationDetails, Str, Tag};
pub use context::{OrgMembership, RequestContext};
pub use engine::{
    evaluate_document, evaluate_principal, ActionVerdict, LabelledPolicy, Layer, LayerAllowance,
    PolicyLayers, ProtectedAction, ScpLevel, StatementEvidence, Verdict,
};
pub use harm::{default_protected_actions, Harm};
pub use policy::{
    parse_policy_text, ActionElement, ConditionClause, Effect, PolicyDocument, PolicyError,
    PrincipalElement, PrincipalValue, Rejection, ResourceElement, Statement,
};
pub use principal::{scp_exemption, Principal, PrincipalArnError, PrincipalKind, ScpExemption};
pub use session_tags::{principal_tag_keys, self_tagging, SelfTagging, SessionTags, TagKeys};
pub use targets::TargetKind;
