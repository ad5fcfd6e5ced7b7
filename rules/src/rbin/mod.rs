//! Recycle Bin rules: is a deleted snapshot or AMI recoverable, and for long enough, and can
//! the retention rule itself be removed.

pub mod recycle_bin_off_for_images;
pub mod recycle_bin_off_for_snapshots;
pub mod recycle_bin_retention_too_short;
pub mod recycle_bin_rule_unlocked;
pub mod snapshot_not_covered_by_recycle_bin;

use serde_json::json;

use crate::config::Config;
use crate::inventory::RetentionRule;
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

/// The two resource types Recycle Bin retains, with the region's rules for each.
fn rule_sets<'a>(scope: &RegionScope<'a>) -> [(&'static str, Option<&'a Vec<RetentionRule>>); 2] {
    [
        (
            "EBS_SNAPSHOT",
            scope.region.snapshot_retention_rules.as_ref(),
        ),
        ("EC2_IMAGE", scope.region.image_retention_rules.as_ref()),
    ]
}

/// Reports an account-region with no retention rule at all for `resource_type`.
fn require_any_rule(
    scope: &RegionScope,
    resource_type: &str,
    rules: Option<&Vec<RetentionRule>>,
    out: &mut Emitter,
) {
    let Some(rules) = rules else { return };
    if !rules.is_empty() {
        return;
    }
    let what = if resource_type == "EBS_SNAPSHOT" {
        "EBS snapshots"
    } else {
        "AMIs"
    };
    let message = format!(
        "no Recycle Bin retention rule covers {what} in {} of account {}: a deleted one is gone at once",
        scope.region.name, scope.account.id
    );
    out.emit(
        Draft::new(scope.recycle_bin(resource_type), message)
            .discriminator(resource_type)
            .evidence(json!({ "resource_type": resource_type, "rules": 0 }))
            .remediation(new_rule(scope.config(), resource_type)),
    );
}

/// The remediation that adds a region-level rule as configured.
pub(crate) fn new_rule(config: &Config, resource_type: &str) -> Remediation {
    Remediation::CreateRetentionRule {
        resource_type: resource_type.to_owned(),
        retention_days: config.recycle_bin.min_retention_days,
        lock: config.recycle_bin.require_lock,
    }
}
