//! ## What it checks
//! Every grantee in the `launchPermission` of an AMI the account owns is inside the
//! organization or trusted: an account listed by `organizations list-accounts`, this
//! organization's ARN or one of its OUs' ARNs, an account in `sharing.trusted_accounts`, an
//! organization in `sharing.trusted_organizations` (with its OUs), or an OU in
//! `sharing.trusted_ous`. One finding per outside grantee, with its own fingerprint and
//! `evidence.grantee`.
//!
//! A waiver of this rule names the grantee it accepts (`grantee = "o-..."`, an account id or
//! an OU); one without a grantee is a config error, since it would also accept every grantee
//! the AMI is shared with later. A new grantee of a waived AMI is a new, unwaived finding.
//!
//! ## Why it matters
//! An AMI shared with another account can be launched and copied there, and everything on its
//! volumes goes with it. Shares with partners or former vendors outlive the reason they were
//! made; a share with a mistyped account id gives the image to a stranger.
//!
//! ## Example
//! An AMI with `launchPermission` `{"UserId": "444455556666"}`, where that account is neither
//! in the organization nor trusted, fires.
//!
//! ## Remediation
//! `aws ec2 modify-image-attribute --image-id ami-... --launch-permission
//! 'Remove=[{UserId=444455556666}]'`, or add the account to `sharing.trusted_accounts`
//! (`trusted_organizations`, `trusted_ous`), or a waiver naming the grantee with a reason, if
//! the share is intended.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-SHARE-002",
    name: "image-shared-outside-org",
    family: Family::Share,
    severity: Severity::High,
    remediable: Remediable::Always,
    summary: "an AMI is shared with an account, org or OU outside the org and the trusted ones",
    source: include_str!("image_shared_outside_org.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for image in scope.owned_images().into_iter().flatten() {
        let Some(permissions) = &image.launch_permissions else {
            continue;
        };
        let resource = scope.image(&image.image_id);
        super::report_outsiders(scope, super::Shared::Image, resource, permissions, out);
    }
}
