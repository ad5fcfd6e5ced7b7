//! Typed remediations a finding can carry, and the planning that turns findings into a
//! reviewable plan of actions ([`plan()`], one planner per kind of remediation in `planners/`;
//! the document in [`mod@plan`]). Rules only say what would fix a finding; planning merges,
//! orders and parameterises the fixes; executing them is the scanner's, which holds the AWS
//! clients.

pub mod plan;
mod planners;

pub use plan::{Action, OptIn, Plan, PlanError, PlanFilter, SafetyClass, Step};
pub use planners::plan;

use serde::{Deserialize, Serialize};

/// What would fix a finding, as the rule that raised it sees it; planning turns it into
/// [`Action`]s. Serialized with its kind in `action` (snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Remediation {
    /// Take a snapshot of one volume.
    CreateSnapshot {
        /// The volume, `vol-...`.
        volume_id: String,
    },
    /// Take crash-consistent snapshots of all EBS volumes of an instance at once.
    CreateSnapshots {
        /// The instance, `i-...`.
        instance_id: String,
    },
    /// Copy a snapshot into other regions of the same account.
    CopySnapshotToRegions {
        /// The snapshot to copy, `snap-...`.
        snapshot_id: String,
        /// The destination regions, e.g. `us-west-2`.
        regions: Vec<String>,
    },
    /// Copy an AMI (and its snapshots) into other regions of the same account.
    CopyImageToRegions {
        /// The AMI to copy, `ami-...`.
        image_id: String,
        /// The destination regions.
        regions: Vec<String>,
    },
    /// Copy a snapshot into the archive account.
    CopySnapshotToAccount {
        /// The snapshot to copy, `snap-...`.
        snapshot_id: String,
        /// The archive account's 12-digit id.
        account_id: String,
    },
    /// Add tags; values come from config defaults or the source volume.
    AddTags {
        /// The snapshot, AMI or volume id to tag.
        resource_id: String,
        /// The missing required tag keys.
        keys: Vec<String>,
    },
    /// Encrypt by copying (the unencrypted original is kept).
    CopySnapshotEncrypted {
        /// The unencrypted snapshot, `snap-...`.
        snapshot_id: String,
    },
    /// Move a snapshot to the archive tier.
    ArchiveSnapshot {
        /// The snapshot, `snap-...`.
        snapshot_id: String,
    },
    /// Create (and, when required, lock) a region-level retention rule.
    CreateRetentionRule {
        /// `EBS_SNAPSHOT` or `EC2_IMAGE`.
        resource_type: String,
        /// How long the rule keeps deleted resources, in days.
        retention_days: u64,
        /// Whether to lock the rule once created.
        lock: bool,
    },
    /// Lock an existing retention rule.
    LockRetentionRule {
        /// The rule's identifier.
        rule_id: String,
    },
    /// Raise an existing rule's retention period.
    UpdateRetentionPeriod {
        /// The rule's identifier.
        rule_id: String,
        /// The new retention period, in days.
        retention_days: u64,
    },
    /// Remove the named grantees from a snapshot's createVolumePermission.
    RemoveSnapshotPermissions {
        /// The snapshot, `snap-...`.
        snapshot_id: String,
        /// Each an account id, an organization or OU ARN, or `all` (as
        /// [`Permission::grantee`](crate::inventory::Permission::grantee) gives them).
        grantees: Vec<String>,
    },
    /// Remove the named grantees from an image's launchPermission.
    RemoveImagePermissions {
        /// The AMI, `ami-...`.
        image_id: String,
        /// Each an account id, an organization or OU ARN, or `all`.
        grantees: Vec<String>,
    },
    /// Take a backup through AWS Backup like the plan rule that covers the volume
    /// (`StartBackupJob`), so that it is kept under the vault's lock and the rule's lifecycle.
    StartBackupJob(BackupJobRequest),
    /// Copy a recovery point into another vault through AWS Backup (`StartCopyJob`), as a copy
    /// action of the plan rule that covers the volume does.
    StartCopyJob {
        /// The copy, as the plan's step holds it.
        job: plan::StartCopyJob,
        /// The plan rule, as [`crate::schedules::ScheduleId`] labels it.
        schedule: String,
    },
    /// Add the tags `[remediation] schedule_tags` names to a volume on no backup schedule; the
    /// rule checked that they put it on one and that the volume has none of the keys.
    TagForSchedule {
        /// The volume, `vol-...`.
        volume_id: String,
        /// The tags to add: `[remediation] schedule_tags`.
        tags: std::collections::BTreeMap<String, String>,
        /// The schedules the tags put the volume on, as [`crate::schedules::ScheduleId`]
        /// labels them.
        schedules: Vec<String>,
    },
    /// Turn on snapshot block public access (`block-all-sharing`).
    EnableSnapshotBlockPublicAccess,
    /// Turn on AMI block public access (`block-new-sharing`).
    EnableImageBlockPublicAccess,
}

/// What a backup through AWS Backup needs: the covering plan rule's vault, its selection's
/// role and its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupJobRequest {
    /// The volume, `vol-...`, whose finding this is.
    pub volume_id: String,
    /// The ARN the rule's selection takes: the volume's or its instance's.
    pub resource_arn: String,
    /// The rule's vault (`TargetBackupVaultName`).
    pub backup_vault_name: String,
    /// The selection's role (`IamRoleArn`).
    pub iam_role_arn: String,
    /// The rule's lifecycle, if it has one.
    pub lifecycle: Option<plan::JobLifecycle>,
    /// The plan rule, as [`crate::schedules::ScheduleId`] labels it.
    pub schedule: String,
}

#[cfg(test)]
mod testing;
