//! ## What it checks
//! Every AMI the account owns carries each tag key listed in `tags.required`.
//!
//! ## Why it matters
//! An AMI without an owner or retention tag cannot be governed: it is either kept forever,
//! along with the snapshots behind it, or deregistered by someone who guessed it was unused.
//!
//! ## Example
//! With `tags.required = ["Owner"]`, an AMI `ami-0123` with no tags fires:
//! `image ami-0123 lacks required tags: Owner`.
//!
//! ## Remediation
//! Tag the image (`aws ec2 create-tags --resources ami-... --tags Key=Owner,Value=web`), and set
//! tags at creation in the image pipeline (`TagSpecifications` on `CreateImage`).

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-TAG-002",
    name: "image-missing-required-tags",
    family: Family::Tag,
    severity: Severity::Low,
    remediable: Remediable::Always,
    summary: "an owned AMI lacks a required key",
    source: include_str!("image_missing_required_tags.rs"),
    configured: |config| !config.tags.required.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for image in scope.owned_images().into_iter().flatten() {
        super::require_tags(scope.config(), scope.image(&image.image_id), image, out);
    }
}
