//! The account-region's backup system beyond EC2 snapshots: Amazon Data Lifecycle Manager
//! (DLM) policies, AWS Backup vaults, plans with their selections, and recovery points of EBS
//! volumes and EC2 instances, and the EBS guardrails (encryption by default, snapshot locks). Field names follow the AWS CLI's JSON output (PascalCase), as
//! in the rest of the inventory.
//!
//! As everywhere in the inventory, an `Option` that is `None` means "not collected". A resource
//! that has no sub-resource says so with a value: a vault without an access policy has
//! `access_policy: Some(BackupVaultAccessPolicy { policy: None, .. })` (AWS answered
//! `ResourceNotFoundException`), a plan without selections has `selections: Some(vec![])`.
//!
//! - DLM: <https://docs.aws.amazon.com/dlm/latest/APIReference/API_Operations.html>
//! - AWS Backup: <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Operations_AWS_Backup.html>

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Str, Tag};
use crate::time::Timestamp;

/// What an account-region's backup services hold. Each `None` is a part that was not
/// collected (its gap says why).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegionBackup {
    /// DLM lifecycle policies: `aws dlm get-lifecycle-policies`, each completed by
    /// `aws dlm get-lifecycle-policy --policy-id ...`.
    #[serde(default)]
    pub lifecycle_policies: Option<Vec<LifecyclePolicy>>,
    /// Backup vaults: `aws backup list-backup-vaults`, each with its access policy
    /// (`aws backup get-backup-vault-access-policy`).
    #[serde(default)]
    pub backup_vaults: Option<Vec<BackupVault>>,
    /// Backup plans: `aws backup list-backup-plans`, each completed by `get-backup-plan` and
    /// its selections (`list-backup-selections`, `get-backup-selection`).
    #[serde(default)]
    pub backup_plans: Option<Vec<BackupPlan>>,
    /// Recovery points of EBS volumes and EC2 instances in this account-region's vaults:
    /// `aws backup list-recovery-points-by-backup-vault --by-resource-type EBS|EC2`, for every
    /// vault. `None` when not collected for every vault.
    #[serde(default)]
    pub recovery_points: Option<Vec<RecoveryPoint>>,
    /// Whether new EBS volumes (and so their snapshots) are encrypted whatever the caller
    /// asks: `aws ec2 get-ebs-encryption-by-default` `EbsEncryptionByDefault`.
    #[serde(default)]
    pub ebs_encryption_by_default: Option<bool>,
    /// The KMS key of that encryption: `aws ec2 get-ebs-default-kms-key-id` `KmsKeyId`.
    #[serde(default)]
    pub ebs_default_kms_key_id: Option<Str>,
    /// EBS snapshot locks: `aws ec2 describe-locked-snapshots` `Snapshots[]`.
    #[serde(default)]
    pub locked_snapshots: Option<Vec<LockedSnapshot>>,
}

/// An EBS snapshot lock: `DescribeLockedSnapshots` `Snapshots[]`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LockedSnapshotsInfo.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockedSnapshot {
    /// `snap-...` (`SnapshotId`).
    pub snapshot_id: Str,
    /// `compliance`, `governance`, `compliance-cooloff` or `expired` (`LockState`).
    pub lock_state: Str,
    /// Days the lock lasts from `LockDurationStartTime` (`LockDuration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_duration: Option<u64>,
    /// Hours of the compliance-mode cooling-off period (`CoolOffPeriod`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_off_period: Option<u64>,
    /// When the cooling-off period ends (`CoolOffPeriodExpiresOn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_off_period_expires_on: Option<Timestamp>,
    /// When the lock was created (`LockCreatedOn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_created_on: Option<Timestamp>,
    /// When the lock ends (`LockExpiresOn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_expires_on: Option<Timestamp>,
}

impl RegionBackup {
    /// The recovery points that hold their data ([`RecoveryPoint::is_completed`]); none when
    /// they were not collected.
    pub fn completed_recovery_points(&self) -> impl Iterator<Item = &RecoveryPoint> {
        self.recovery_points
            .iter()
            .flatten()
            .filter(|p| p.is_completed())
    }

    /// Whether nothing of it was collected (a region read before this part existed, or
    /// whose backup reads all failed).
    pub fn is_empty(&self) -> bool {
        self.lifecycle_policies.is_none()
            && self.backup_vaults.is_none()
            && self.backup_plans.is_none()
            && self.recovery_points.is_none()
            && self.ebs_encryption_by_default.is_none()
            && self.ebs_default_kms_key_id.is_none()
            && self.locked_snapshots.is_none()
    }
}

// ---------------------------------------------------------------------------------------------
// Data Lifecycle Manager

/// A DLM lifecycle policy: the `GetLifecyclePolicies` summary (`Policies[]`), completed by
/// `GetLifecyclePolicy` (`Policy`) when recorded.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_LifecyclePolicy.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecyclePolicy {
    /// `policy-...` (`PolicyId`).
    pub policy_id: Str,
    /// The policy's description (`Description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Str>,
    /// `ENABLED`, `DISABLED` or `ERROR` (`State`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Str>,
    /// `EBS_SNAPSHOT_MANAGEMENT`, `IMAGE_MANAGEMENT` or `EVENT_BASED_POLICY` (`PolicyType`; the
    /// summary has it, `GetLifecyclePolicy` has it under `PolicyDetails`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<Str>,
    /// Whether it is a default policy, which covers every volume or instance of the region that
    /// no other policy covers (`DefaultPolicy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_policy: Option<bool>,
    /// The policy's own tags (`Tags`, a map).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<Str, Str>,
    /// From `GetLifecyclePolicy`: the policy's ARN (`PolicyArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<Str>,
    /// From `GetLifecyclePolicy`: the role DLM acts with (`ExecutionRoleArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<Str>,
    /// From `GetLifecyclePolicy`: what it targets and does (`PolicyDetails`). `None` when the
    /// policy's details were not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_details: Option<PolicyDetails>,
}

impl LifecyclePolicy {
    /// Whether DLM runs it: `State` is `ENABLED`.
    pub fn is_enabled(&self) -> bool {
        self.state.as_deref() == Some("ENABLED")
    }
}

/// A DLM policy's `PolicyDetails`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_PolicyDetails.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDetails {
    /// `EBS_SNAPSHOT_MANAGEMENT`, `IMAGE_MANAGEMENT` or `EVENT_BASED_POLICY` (`PolicyType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<Str>,
    /// `VOLUME` and/or `INSTANCE` (`ResourceTypes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<Str>,
    /// `CLOUD`, `OUTPOST` or `LOCAL_ZONE` (`ResourceLocations`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_locations: Vec<Str>,
    /// The policy covers resources with any of these tags (`TargetTags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_tags: Vec<Tag>,
    /// Up to four schedules (`Schedules`; custom policies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<DlmSchedule>,
    /// `SIMPLIFIED` (default policies) or `STANDARD` (`PolicyLanguage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_language: Option<Str>,
    /// Default policies: days between backups (`CreateInterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_interval: Option<u64>,
    /// Default policies: days a backup is kept (`RetainInterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_interval: Option<u64>,
    /// Default policies: the regions backups are copied to (`CrossRegionCopyTargets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cross_region_copy_targets: Vec<CrossRegionCopyTarget>,
    /// Default policies: what they leave out (`Exclusions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<DlmExclusions>,
    /// Event-based policies: what they do when a share event arrives (`Actions`), such as
    /// copying shared snapshots into this account (cross-account copy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<serde_json::Value>,
    /// Instance-target policies: which of the instances' volumes they leave out
    /// (`Parameters`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<DlmParameters>,
}

/// A policy's `Parameters`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_Parameters.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmParameters {
    /// Whether the instance's root volume is left out (`ExcludeBootVolume`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_boot_volume: Option<bool>,
    /// Data volumes with any of these tags are left out (`ExcludeDataVolumeTags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_data_volume_tags: Vec<Tag>,
}

/// A default policy's `CrossRegionCopyTargets[]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrossRegionCopyTarget {
    /// The destination region (`TargetRegion`).
    pub target_region: Str,
}

/// A default policy's `Exclusions`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_Exclusions.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmExclusions {
    /// Whether root volumes are left out (`ExcludeBootVolumes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_boot_volumes: Option<bool>,
    /// Volume types left out, e.g. `sc1` (`ExcludeVolumeTypes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_volume_types: Vec<Str>,
    /// Resources with any of these tags are left out (`ExcludeTags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_tags: Vec<Tag>,
}

/// One of a DLM policy's `Schedules[]`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_Schedule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmSchedule {
    /// The schedule's name (`Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// Whether the source's tags are copied to the snapshots (`CopyTags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    /// Tags DLM adds to what it creates (`TagsToAdd`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_to_add: Vec<Tag>,
    /// When it creates backups (`CreateRule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_rule: Option<DlmCreateRule>,
    /// How long it keeps them (`RetainRule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_rule: Option<DlmRetainRule>,
    /// Copies to other regions (`CrossRegionCopyRules`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cross_region_copy_rules: Vec<CrossRegionCopyRule>,
    /// Shares with other accounts (`ShareRules`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_rules: Vec<DlmShareRule>,
    /// Moves to the archive tier (`ArchiveRule`), as AWS gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_rule: Option<serde_json::Value>,
}

/// A schedule's `CreateRule`: an interval, times of day, or a cron expression.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateRule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmCreateRule {
    /// `CLOUD`, `OUTPOST_LOCAL` or `LOCAL_ZONE` (`Location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Str>,
    /// Every `Interval` `IntervalUnit`s (`Interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    /// `HOURS` (`IntervalUnit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_unit: Option<Str>,
    /// Start times, `hh:mm` UTC (`Times`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<Str>,
    /// A cron expression, `cron(...)` (`CronExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron_expression: Option<Str>,
    /// Pre and post scripts (`Scripts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<DlmScript>,
}

/// One of a create rule's `Scripts[]`: what runs before or after the snapshots.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_Script.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmScript {
    /// `PRE` and/or `POST` (`Stages`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Str>,
    /// `AWS_SYSTEMS_MANAGER` (`ExecutionHandlerService`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_handler_service: Option<Str>,
    /// The SSM document (`ExecutionHandler`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_handler: Option<Str>,
    /// Whether snapshots are taken when the script fails (`ExecuteOperationOnScriptFailure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_operation_on_script_failure: Option<bool>,
    /// Seconds (`ExecutionTimeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_timeout: Option<u64>,
    /// Retries (`MaximumRetryCount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_count: Option<u64>,
}

/// A schedule's or copy rule's `RetainRule`: a count of backups, or an age.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_RetainRule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmRetainRule {
    /// Keep the newest `Count` backups (`Count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Keep each backup `Interval` `IntervalUnit`s (`Interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    /// `DAYS`, `WEEKS`, `MONTHS` or `YEARS` (`IntervalUnit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_unit: Option<Str>,
}

impl DlmRetainRule {
    /// The age-based retention in days (a month counts 30 days, a year 365); `None` for a
    /// count-based rule or an unknown unit.
    pub fn retention_days(&self) -> Option<u64> {
        let days = match self.interval_unit.as_deref()? {
            "DAYS" => 1,
            "WEEKS" => 7,
            "MONTHS" => 30,
            "YEARS" => 365,
            _ => return None,
        };
        Some(self.interval? * days)
    }
}

/// One of a schedule's `CrossRegionCopyRules[]`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_CrossRegionCopyRule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrossRegionCopyRule {
    /// The destination region (`TargetRegion`; older policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_region: Option<Str>,
    /// The destination region or Outpost ARN (`Target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Str>,
    /// Whether copies are encrypted (`Encrypted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// The KMS key of the copies (`CmkArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmk_arn: Option<Str>,
    /// Whether tags are copied (`CopyTags`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags: Option<bool>,
    /// How long copies are kept (`RetainRule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_rule: Option<DlmRetainRule>,
}

impl CrossRegionCopyRule {
    /// The region the copies go to: `Target` when it is a region, else `TargetRegion`.
    pub fn destination_region(&self) -> Option<&str> {
        self.target
            .as_deref()
            .filter(|t| !t.starts_with("arn:"))
            .or(self.target_region.as_deref())
    }
}

/// One of a schedule's `ShareRules[]`.
/// <https://docs.aws.amazon.com/dlm/latest/APIReference/API_ShareRule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DlmShareRule {
    /// The accounts the snapshots are shared with (`TargetAccounts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_accounts: Vec<Str>,
    /// When shares end (`UnshareInterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unshare_interval: Option<u64>,
    /// `DAYS`, `WEEKS`, `MONTHS` or `YEARS` (`UnshareIntervalUnit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unshare_interval_unit: Option<Str>,
}

// ---------------------------------------------------------------------------------------------
// AWS Backup

/// A backup vault: `ListBackupVaults` `BackupVaultList[]`, with its access policy.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupVaultListMember.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupVault {
    /// The vault's name (`BackupVaultName`).
    pub backup_vault_name: Str,
    /// `arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME` (`BackupVaultArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_vault_arn: Option<Str>,
    /// `BACKUP_VAULT`, `LOGICALLY_AIR_GAPPED_BACKUP_VAULT` or `RESTORE_ACCESS_BACKUP_VAULT`
    /// (`VaultType`; absent means a standard vault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_type: Option<Str>,
    /// `CREATING`, `AVAILABLE` or `FAILED` (`VaultState`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_state: Option<Str>,
    /// When it was created (`CreationDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// The KMS key of its recovery points (`EncryptionKeyArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<Str>,
    /// Recovery points it holds (`NumberOfRecoveryPoints`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_recovery_points: Option<u64>,
    /// Whether AWS Backup Vault Lock protects it (`Locked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// The lock's minimum retention, days (`MinRetentionDays`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<u64>,
    /// The lock's maximum retention, days (`MaxRetentionDays`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retention_days: Option<u64>,
    /// When the lock becomes immutable (`LockDate`; compliance mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_date: Option<Timestamp>,
    /// From `GetBackupVaultAccessPolicy`; `None` when not collected for this vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_policy: Option<BackupVaultAccessPolicy>,
}

impl BackupVault {
    /// Whether it is a logically air-gapped vault (`VaultType`
    /// `LOGICALLY_AIR_GAPPED_BACKUP_VAULT`).
    pub fn is_logically_air_gapped(&self) -> bool {
        self.vault_type.as_deref() == Some("LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
    }
}

/// `GetBackupVaultAccessPolicy`: the vault's resource policy, or none.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupVaultAccessPolicy.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupVaultAccessPolicy {
    /// The policy document as the JSON string AWS returns (`Policy`); `None` when the vault has
    /// no access policy (AWS answered `ResourceNotFoundException`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// A backup plan: `ListBackupPlans` `BackupPlansList[]`, completed by `GetBackupPlan` and its
/// selections.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlansListMember.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupPlan {
    /// The plan's id (`BackupPlanId`).
    pub backup_plan_id: Str,
    /// The plan's name (`BackupPlanName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_plan_name: Option<Str>,
    /// `arn:aws:backup:REGION:ACCOUNT:backup-plan:ID` (`BackupPlanArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_plan_arn: Option<Str>,
    /// The plan's current version (`VersionId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<Str>,
    /// Set when AWS Organizations created it from a backup policy, e.g.
    /// `OrgPolicy-...` (`CreatorRequestId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_request_id: Option<Str>,
    /// Options per resource type (`AdvancedBackupSettings`, in `ListBackupPlans` as in
    /// `GetBackupPlan`): Windows VSS for EC2 instances is the only one AWS Backup has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advanced_backup_settings: Vec<AdvancedBackupSetting>,
    /// From `GetBackupPlan`: the plan's rules (`BackupPlan.Rules`). `None` when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<BackupRule>>,
    /// From `ListBackupSelections` and `GetBackupSelection`: what the plan backs up. `None`
    /// when not recorded; empty when the plan selects nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selections: Option<Vec<BackupSelection>>,
}

impl BackupPlan {
    /// Whether the plan backs EC2 instances up with Windows VSS
    /// (`AdvancedBackupSettings[].BackupOptions.WindowsVSS = enabled` for `EC2`).
    pub fn windows_vss(&self) -> bool {
        self.advanced_backup_settings.iter().any(|s| {
            s.resource_type.as_deref() == Some("EC2")
                && s.backup_options.get("WindowsVSS").map(String::as_str) == Some("enabled")
        })
    }

    /// The plan's name, or its id when the name is unknown.
    pub fn display_name(&self) -> &str {
        self.backup_plan_name
            .as_deref()
            .unwrap_or(&self.backup_plan_id)
    }
}

/// One of a plan's `AdvancedBackupSettings[]`.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_AdvancedBackupSetting.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedBackupSetting {
    /// `EC2` (`ResourceType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<Str>,
    /// E.g. `{"WindowsVSS": "enabled"}` (`BackupOptions`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub backup_options: BTreeMap<String, String>,
}

/// One of a plan's `Rules[]`.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupRule {
    /// The rule's name (`RuleName`).
    pub rule_name: Str,
    /// The rule's id (`RuleId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<Str>,
    /// The vault backups go to, in the plan's region (`TargetBackupVaultName`).
    pub target_backup_vault_name: Str,
    /// `cron(...)` or `rate(...)`; absent means on demand only (`ScheduleExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<Str>,
    /// The schedule's time zone (`ScheduleExpressionTimezone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression_timezone: Option<Str>,
    /// Minutes a job may wait to start (`StartWindowMinutes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_window_minutes: Option<u64>,
    /// Minutes a job may run (`CompletionWindowMinutes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_window_minutes: Option<u64>,
    /// When backups move to cold storage and expire (`Lifecycle`); absent keeps them forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<BackupLifecycle>,
    /// Copies to other vaults, regions and accounts (`CopyActions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copy_actions: Vec<CopyAction>,
    /// Continuous backups, for the resources that support them (`EnableContinuousBackup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_continuous_backup: Option<bool>,
}

/// A rule's or copy action's `Lifecycle`, in days.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupLifecycle {
    /// Days after creation it moves to cold storage (`MoveToColdStorageAfterDays`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to_cold_storage_after_days: Option<u64>,
    /// Days after creation it is deleted (`DeleteAfterDays`); absent keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<u64>,
    /// Whether supported resources (EBS among them) move to the archive tier
    /// (`OptInToArchiveForSupportedResources`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

/// One of a rule's `CopyActions[]`.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyAction.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyAction {
    /// The destination vault, `arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`
    /// (`DestinationBackupVaultArn`).
    pub destination_backup_vault_arn: Str,
    /// The copies' lifecycle (`Lifecycle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<BackupLifecycle>,
}

impl CopyAction {
    /// The destination vault's region and account, from its ARN.
    pub fn destination(&self) -> Option<(&str, &str)> {
        vault_region_account(&self.destination_backup_vault_arn)
    }
}

/// The region and account of a backup vault ARN
/// (`arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME`).
pub fn vault_region_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(7, ':');
    let (_, _, service, region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (service == "backup" && !region.is_empty() && !account.is_empty()).then_some((region, account))
}

/// One of a plan's selections: the `ListBackupSelections` summary, completed by
/// `GetBackupSelection` when recorded.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupSelection.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupSelection {
    /// The selection's id (`SelectionId`).
    pub selection_id: Str,
    /// The selection's name (`SelectionName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_name: Option<Str>,
    /// The role AWS Backup uses for it (`IamRoleArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<Str>,
    /// From `GetBackupSelection`: what it selects (`BackupSelection`). `None` when not
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_selection: Option<SelectionDetails>,
}

/// `GetBackupSelection`'s `BackupSelection`: resources by ARN (`*` for all), by tag
/// (`ListOfTags`, any of them), by conditions (`Conditions`, all of them), minus
/// `NotResources`.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SelectionDetails {
    /// The selection's name (`SelectionName`).
    pub selection_name: Str,
    /// The role AWS Backup uses (`IamRoleArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_role_arn: Option<Str>,
    /// Resource ARNs, with `*` wildcards (`Resources`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Str>,
    /// Resource ARNs left out, with `*` wildcards (`NotResources`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_resources: Vec<Str>,
    /// Tag conditions, any of which selects a resource (`ListOfTags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_of_tags: Vec<BackupCondition>,
    /// Tag conditions, all of which a resource must meet (`Conditions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<BackupConditions>,
}

/// One of `ListOfTags[]`: `STRINGEQUALS` on a tag (`ConditionKey` may be `aws:ResourceTag/KEY`
/// or the bare key).
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Condition.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupCondition {
    /// `STRINGEQUALS` (`ConditionType`).
    pub condition_type: Str,
    /// The tag key (`ConditionKey`).
    pub condition_key: Str,
    /// The value, `*` wildcards allowed (`ConditionValue`).
    pub condition_value: Str,
}

/// A selection's `Conditions`: each list holds `aws:ResourceTag/KEY` conditions.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Conditions.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupConditions {
    /// `StringEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_equals: Vec<ConditionParameter>,
    /// `StringNotEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_not_equals: Vec<ConditionParameter>,
    /// `StringLike` (`*` wildcards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_like: Vec<ConditionParameter>,
    /// `StringNotLike` (`*` wildcards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_not_like: Vec<ConditionParameter>,
}

/// One condition of [`BackupConditions`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConditionParameter {
    /// `aws:ResourceTag/KEY` (`ConditionKey`).
    pub condition_key: Str,
    /// The value (`ConditionValue`).
    pub condition_value: Str,
}

/// A recovery point of an EBS volume or EC2 instance: `ListRecoveryPointsByBackupVault`
/// `RecoveryPoints[]`.
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointByBackupVault.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryPoint {
    /// For EBS in a standard vault `arn:aws:ec2:REGION::snapshot/snap-...`, for EC2
    /// `arn:aws:ec2:REGION::image/ami-...`, in a logically air-gapped vault
    /// `arn:aws:backup:...:recovery-point:...` (`RecoveryPointArn`).
    pub recovery_point_arn: Str,
    /// The vault holding it (`BackupVaultName`).
    pub backup_vault_name: Str,
    /// The vault's ARN (`BackupVaultArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_vault_arn: Option<Str>,
    /// For a copy, the vault it was copied from (`SourceBackupVaultArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_backup_vault_arn: Option<Str>,
    /// The volume or instance backed up, `arn:aws:ec2:REGION:ACCOUNT:volume/vol-...` or
    /// `.../instance/i-...` (`ResourceArn`); a copy keeps its source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<Str>,
    /// `EBS` or `EC2` (`ResourceType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<Str>,
    /// `COMPLETED`, `PARTIAL`, `DELETING`, `EXPIRED`, `AVAILABLE`, `STOPPED` or `CREATING`
    /// (`Status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Str>,
    /// When the backup started (`CreationDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// When it completed (`CompletionDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_date: Option<Timestamp>,
    /// Its lifecycle (`Lifecycle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<BackupLifecycle>,
    /// The composite recovery point it belongs to (`ParentRecoveryPointArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_recovery_point_arn: Option<Str>,
    /// The plan and rule that made it (`CreatedBy`), as AWS gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<serde_json::Value>,
}

impl RecoveryPoint {
    /// Holds the data: `COMPLETED` or `AVAILABLE` (not partial, expired, being deleted or
    /// still being created).
    pub fn is_completed(&self) -> bool {
        matches!(self.status.as_deref(), Some("COMPLETED" | "AVAILABLE"))
    }

    /// The EBS snapshot id behind it, when its ARN is a snapshot's
    /// (`arn:aws:ec2:REGION::snapshot/snap-...`): the same backup `describe-snapshots` lists.
    pub fn snapshot_id(&self) -> Option<&str> {
        self.recovery_point_arn
            .rsplit_once(":snapshot/")
            .map(|(_, id)| id)
    }

    /// The backed-up volume's or instance's id (`vol-...`, `i-...`), from `ResourceArn`.
    pub fn resource_id(&self) -> Option<&str> {
        let arn = self.resource_arn.as_deref()?;
        arn.rsplit_once('/').map(|(_, id)| id)
    }
}
