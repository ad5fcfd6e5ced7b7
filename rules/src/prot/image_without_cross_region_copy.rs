//! ## What it checks
//! Every available AMI the account owns has a copy in at least one of
//! `protection.image_copy_regions` (other than its own region), in the same account. A copy is
//! recognised by the `SourceImageId`/`SourceImageRegion` that `DescribeImages` reports for
//! AMIs made by `CopyImage`, by the console's `[Copied ami-… from <region>]` description, or
//! by the tags `snapguard remediate` sets; a copy that failed (or was deregistered) is none.
//! An AMI that is itself a copy from another region is not asked for a copy of its own while
//! its original is there (the original is asked), so a DR copy is never copied back; once the
//! original is gone, the copy is the original. The rule is silent when `image_copy_regions` is
//! empty, and it does not guess when a copy region was not scanned: that is reported as not
//! evaluated.
//!
//! ## Why it matters
//! An AMI and its snapshots live in one region. Restoring servers elsewhere after a regional
//! outage, or after an attacker deregistered the images there, needs the images to be there
//! already: a copy started during the outage cannot read its source.
//!
//! ## Example
//! With `image_copy_regions = ["us-west-2"]`, the AMI `ami-0abc` in `us-east-1` with no AMI
//! in `us-west-2` whose `SourceImageId` is `ami-0abc` fires.
//!
//! ## Remediation
//! Copy it (`aws ec2 copy-image --region us-west-2 --source-region us-east-1
//! --source-image-id ami-0abc --name "web copy" --encrypted`) or let `snapguard remediate`
//! do so; then add a cross-region copy to the AMI lifecycle policy (DLM) or the pipeline that
//! builds the image.

use serde_json::json;

use crate::copies::{image_copy_source, CopySource};
use crate::finding::Severity;
use crate::inventory::Tagged;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-PROT-007",
    name: "image-without-cross-region-copy",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "an owned AMI has no copy in any of protection.image_copy_regions",
    source: include_str!("image_without_cross_region_copy.rs"),
    configured: |config| !config.protection.image_copy_regions.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let account = scope.account.id.as_str();
    let Some(images) = scope.owned_images() else {
        return;
    };
    let copy_regions = &scope.config().protection.image_copy_regions;
    let Some(targets) = scope.copy_targets(copy_regions, |r| r.images.is_some()) else {
        return;
    };
    for image in images {
        // Pending images cannot be copied yet; failed ones hold nothing to copy.
        if image.state.as_deref().is_some_and(|s| s != "available") {
            continue;
        }
        let source = image_copy_source(
            image.description.as_deref(),
            image.source_image_id.as_deref(),
            image.source_image_region.as_deref(),
            |k| image.tag(k),
        );
        if source.is_some_and(|s| original_remains(scope, &s)) {
            continue;
        }
        let copied = scope
            .ctx
            .copies_of(&image.image_id)
            .iter()
            .any(|c| c.account_id == account && targets.contains(&c.region.as_str()));
        if copied {
            continue;
        }
        let name = image.name.as_deref().unwrap_or("(no name)");
        let message = format!(
            "AMI {} ({name}) has no copy in {}",
            image.image_id,
            targets.join(" or ")
        );
        out.emit(
            Draft::new(scope.image(&image.image_id), message)
                .evidence(json!({ "image_name": image.name, "copy_regions": targets }))
                .remediation(Remediation::CopyImageToRegions {
                    image_id: image.image_id.to_string(),
                    regions: targets.iter().map(|r| r.to_string()).collect(),
                }),
        );
    }
}

/// Whether the AMI a copy was made from, in another region of this account, is still there, or
/// cannot be known to be gone (its region was not read).
fn original_remains(scope: &RegionScope, source: &CopySource) -> bool {
    let here = scope.region.name.as_str();
    let Some(region) = source.region.as_deref().filter(|r| *r != here) else {
        return false;
    };
    let images = scope
        .ctx
        .region(&scope.account.id, region)
        .and_then(|r| r.images.as_ref());
    images.is_none_or(|images| {
        images
            .iter()
            .any(|i| i.image_id == source.source_id && i.is_usable())
    })
}
