//! Typed remediations a finding can carry, and the planning that turns findings into a
//! reviewable plan of actions ([`plan()`], one planner per kind of remediation in `planners/`;
//! the document in [`mod@plan`]). Rules only say what would fix a finding; planning merges,
//! orders and parameterises the fixes; executing them is the scanner's, which holds the AWS
//! clients.

pub mod plan;
mod planners;

pub use plan::{Action, Plan, PlanError, PlanFilter, SafetyClass, Step};
pub use planners::plan;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Remediation {
    /// Take a snapshot of one volume.
    CreateSnapshot { volume_id: String },
    /// Take crash-consistent snapshots of all EBS volumes of an instance at once.
    CreateSnapshots { instance_id: String },
    /// Copy a snapshot into other regions of the same account.
    CopySnapshotToRegions {
        snapshot_id: String,
        regions: Vec<String>,
    },
    /// Copy an AMI (and its snapshots) into other regions of the same account.
    CopyImageToRegions {
        image_id: String,
        regions: Vec<String>,
    },
    /// Copy a snapshot into the archive account.
    CopySnapshotToAccount {
        snapshot_id: String,
        account_id: String,
    },
    /// Add tags; values come from config defaults or the source volume.
    AddTags {
        resource_id: String,
        keys: Vec<String>,
    },
    /// Encrypt by copying (the unencrypted original is kept).
    CopySnapshotEncrypted { snapshot_id: String },
    /// Move a snapshot to the archive tier.
    ArchiveSnapshot { snapshot_id: String },
    /// Create (and, when required, lock) a region-level retention rule.
    CreateRetentionRule {
        resource_type: String,
        retention_days: u64,
        lock: bool,
    },
    /// Lock an existing retention rule.
    LockRetentionRule { rule_id: String },
    /// Raise an existing rule's retention period.
    UpdateRetentionPeriod {
        rule_id: String,
        retention_days: u64,
    },
    /// Remove the named grantees from a snapshot's createVolumePermission.
    RemoveSnapshotPermissions {
        snapshot_id: String,
        grantees: Vec<String>,
    },
    /// Remove the named grantees from an image's launchPermission.
    RemoveImagePermissions {
        image_id: String,
        grantees: Vec<String>,
    },
    /// Turn on snapshot block public access (`block-all-sharing`).
    EnableSnapshotBlockPublicAccess,
    /// Turn on AMI block public access (`block-new-sharing`).
    EnableImageBlockPublicAccess,
}

#[cfg(test)]
mod testing;
