//! ## What it checks
//! AMI block public access is on in each account-region: `aws ec2
//! get-image-block-public-access-state` reports `block-new-sharing`.
//!
//! ## Why it matters
//! With AMI block public access on, no AMI in the account can be made public, whatever a
//! person or pipeline tries. It is the guardrail behind SG-SHARE-001.
//!
//! ## Example
//! An account-region whose `ImageBlockPublicAccessState` is `unblocked` fires.
//!
//! ## Remediation
//! `aws ec2 enable-image-block-public-access --image-block-public-access-state
//! block-new-sharing` in every region, or a declarative policy for the organization.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-006",
    name: "image-block-public-access-off",
    family: Family::Share,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "AMI block public access is not block-new-sharing in an account-region",
    source: include_str!("image_block_public_access_off.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(state) = scope.region.image_block_public_access.as_deref() else {
        return;
    };
    if state == "block-new-sharing" {
        return;
    }
    let message = format!(
        "AMI block public access is {state} in {} of account {}: AMIs can be made public",
        scope.region.name, scope.account.id
    );
    out.emit(
        Draft::new(scope.setting("image-block-public-access"), message)
            .evidence(json!({ "state": state }))
            .remediation(Remediation::EnableImageBlockPublicAccess),
    );
}
