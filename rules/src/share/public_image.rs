//! ## What it checks
//! No AMI the account owns is public: its `launchPermission` does not include the group `all`
//! (and `describe-images` does not report `"Public": true`).
//!
//! ## Why it matters
//! A public AMI can be launched by anyone, and everything baked into it, from credentials in
//! configuration files to proprietary code and customer data on its volumes, is theirs to
//! read. Public AMIs are regularly found and mined by scanners within hours.
//!
//! ## Example
//! `aws ec2 describe-image-attribute --image-id ami-0abc --attribute launchPermission`
//! returning `{"Group": "all"}` fires.
//!
//! ## Remediation
//! `aws ec2 modify-image-attribute --image-id ami-0abc --launch-permission
//! 'Remove=[{Group=all}]'`, then enable AMI block public access (SG-SHARE-006) so it cannot
//! happen again.

use crate::finding::Severity;
use crate::inventory::Permission;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-001",
    name: "public-image",
    family: Family::Share,
    severity: Severity::Critical,
    remediable: Remediable::Always,
    summary: "an AMI's launchPermission includes all",
    source: include_str!("public_image.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let public = [Permission {
        group: Some("all".into()),
        ..Permission::default()
    }];
    for image in scope.owned_images().into_iter().flatten() {
        let permissions = match (&image.launch_permissions, image.public) {
            (_, Some(true)) => &public[..],
            (Some(p), _) => p.as_slice(),
            (None, _) => continue,
        };
        super::report_public(
            super::Shared::Image,
            scope.image(&image.image_id),
            permissions,
            out,
        );
    }
}
