//! ## What it checks
//! For every key with a pattern in `[tags.allowed]`, the tag's value on each owned snapshot,
//! owned AMI and volume matches that regular expression. A missing tag is not this rule's
//! business (SG-TAG-001..003 report it).
//!
//! ## Why it matters
//! Lifecycle automation reads these values: a `Retention` of `30days` instead of `30d` is
//! ignored by the policy that should expire or keep the backup, so it is kept forever or,
//! worse, falls to a default that deletes it early.
//!
//! ## Example
//! With `[tags.allowed] Retention = "^(7d|30d|90d|1y|7y)$"`, a snapshot tagged
//! `Retention=forever` fires: `snapshot snap-0abc has Retention="forever", which does not
//! match ^(7d|30d|90d|1y|7y)$`.
//!
//! ## Remediation
//! Correct the value (`aws ec2 create-tags --resources snap-... --tags Key=Retention,Value=1y`)
//! and validate it where the resource is created (tag policies can enforce allowed values).

use serde_json::json;

use crate::finding::{Resource, Severity};
use crate::inventory::Tagged;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-TAG-004",
    name: "tag-value-not-allowed",
    family: Family::Tag,
    severity: Severity::Low,
    remediable: Remediable::Never,
    summary: "a required tag's value fails its configured pattern",
    source: include_str!("tag_value_not_allowed.rs"),
    configured: |config| !config.tags.allowed.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    if scope.config().tags.allowed.is_empty() {
        return;
    }
    for snapshot in scope.owned_snapshots().into_iter().flatten() {
        check_values(scope, scope.snapshot(snapshot), snapshot, out);
    }
    for image in scope.owned_images().into_iter().flatten() {
        check_values(scope, scope.image(&image.image_id), image, out);
    }
    for volume in scope.region.volumes.iter().flatten() {
        check_values(scope, scope.volume(&volume.volume_id), volume, out);
    }
}

fn check_values(scope: &RegionScope, resource: Resource, tagged: &impl Tagged, out: &mut Emitter) {
    for (key, pattern) in &scope.config().tags.allowed {
        let Some(value) = tagged.tag(key) else {
            continue;
        };
        if pattern.0.is_match(value) {
            continue;
        }
        let message = format!(
            "{} {} has {key}={value:?}, which does not match {}",
            resource.kind,
            resource.id,
            pattern.0.as_str()
        );
        let evidence = json!({ "key": key, "value": value, "pattern": pattern.0.as_str() });
        out.emit(
            Draft::new(resource.clone(), message)
                .discriminator(key)
                .evidence(evidence),
        );
    }
}
