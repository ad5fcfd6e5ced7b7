//! ## What it checks
//! Every EBS volume carries each tag key listed in `tags.required`.
//!
//! ## Why it matters
//! Backups inherit their tags from the volume (DLM and AWS Backup copy them, and so does
//! `snapguard remediate`). A volume without an owner or retention tag produces snapshots that
//! are just as ungoverned, and backup plans that select by tag silently skip it.
//!
//! ## Example
//! With `tags.required = ["Owner", "Retention"]`, a volume tagged `Name=db-data` fires:
//! `volume vol-0abc lacks required tags: Owner, Retention`.
//!
//! ## Remediation
//! Tag the volume (`aws ec2 create-tags --resources vol-... --tags Key=Owner,Value=db`) and
//! enforce tags at launch with an SCP or tag policy.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-TAG-003",
    name: "volume-missing-required-tags",
    family: Family::Tag,
    severity: Severity::Low,
    remediable: Remediable::Always,
    summary: "a volume lacks a required key",
    source: include_str!("volume_missing_required_tags.rs"),
    configured: |config| !config.tags.required.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for volume in scope.region.volumes.iter().flatten() {
        super::require_tags(scope.config(), scope.volume(&volume.volume_id), volume, out);
    }
}
