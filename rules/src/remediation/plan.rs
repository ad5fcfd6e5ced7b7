//! The plan document: what `remediate plan` writes and `remediate apply` reads. Its actions are
//! typed steps with everything the executor needs; an action's id is a hash of what it does and
//! where, so planning the same findings again gives the same ids. The executor tags whatever it
//! creates with the id and looks for that tag before acting, which makes a re-run or a resumed
//! run create nothing twice. [`Plan::from_json`] refuses a plan whose ids, calls or safety
//! classes do not match its actions.
//!
//! Nothing here deletes, deregisters, unlocks or disables anything: there is no such step.
//! Two guardrails are changed only when the plan was made with `--opt-in` ([`OptIn`]), and a
//! plan that holds such an action without it is refused.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

use crate::finding::Finding;
use crate::inventory::Permission;
use crate::time::Timestamp;
use crate::wildcard;

/// The plan document's version; a reader refuses any other.
pub const SCHEMA_VERSION: u32 = 1;

/// The tag the executor sets, at creation, on everything an action creates.
pub const TAG_ACTION_ID: &str = "snapguard:action-id";

/// The tag the executor sets on the snapshots it took after a `[[consistency]]` pre-step:
/// `SUCCESS` (it never snapshots after a failed one). Named after DLM's `aws:dlm:pre-script`.
pub const TAG_PRE_STEP: &str = "snapguard:pre-step";

/// The tag the executor adds once the post-step has run: `SUCCESS` or `FAILED`.
pub const TAG_POST_STEP: &str = "snapguard:post-step";

/// Tag key -> value, sorted so the plan is byte-for-byte reproducible.
pub type Tags = BTreeMap<String, String>;

/// Which findings to plan for (empty lists admit everything), and which opt-in guardrails the
/// plan may change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFilter {
    /// Rule ids or wildcard patterns (`SG-RBIN-*`), matched case-insensitively.
    pub rules: Vec<String>,
    /// Account ids.
    pub accounts: Vec<String>,
    /// The guardrails `remediate plan --opt-in` allowed the plan to change; without one, its
    /// findings get a manual review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opt_in: Vec<OptIn>,
}

/// A guardrail that a plan changes only when asked to (`remediate plan --opt-in NAME`), because
/// the change affects more than the finding's resource. Serialized kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptIn {
    /// SG-PROT-010: `ec2:EnableEbsEncryptionByDefault` in the finding's account-region. Every
    /// volume created there afterwards is encrypted, and instance types without EBS encryption
    /// support no longer launch
    /// (<https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html>).
    EbsEncryptionByDefault,
    /// SG-PROT-011: `ec2:LockSnapshot` in governance mode on a snapshot that has no lock. It
    /// stops `ec2:DeleteSnapshot` but whoever is allowed `ec2:UnlockSnapshot` can lift it, so
    /// the compliance-mode lock the rule asks for stays a manual review
    /// (<https://docs.aws.amazon.com/ebs/latest/userguide/snapshot-lock-concepts.html>).
    GovernanceSnapshotLock,
}

impl OptIn {
    /// Every opt-in, in the order `--help` lists them.
    pub const ALL: [OptIn; 2] = [OptIn::EbsEncryptionByDefault, OptIn::GovernanceSnapshotLock];

    /// The name `--opt-in` takes and the plan writes, e.g. `governance-snapshot-lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            OptIn::EbsEncryptionByDefault => "ebs-encryption-by-default",
            OptIn::GovernanceSnapshotLock => "governance-snapshot-lock",
        }
    }

    /// The opt-in named `name`, as [`as_str`](Self::as_str) writes it.
    pub fn from_name(name: &str) -> Option<OptIn> {
        OptIn::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

impl PlanFilter {
    /// Whether `rule_id` matches one of [`rules`](Self::rules) (all do when it is empty).
    pub fn admits_rule(&self, rule_id: &str) -> bool {
        self.rules.is_empty()
            || self
                .rules
                .iter()
                .any(|p| wildcard::matches(&p.to_ascii_uppercase(), rule_id))
    }

    /// Whether `account_id` is one of [`accounts`](Self::accounts) (all are when it is empty).
    pub fn admits_account(&self, account_id: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account_id)
    }

    pub(super) fn admits(&self, finding: &Finding) -> bool {
        self.admits_rule(&finding.rule_id) && self.admits_account(&finding.account_id)
    }
}

/// A reviewable plan: what `remediate apply` will do, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The plan format's version, [`SCHEMA_VERSION`]; [`Plan::from_json`] reads no other.
    pub schema_version: u32,
    /// When the data the plan rests on was collected: the inventory's (or report's)
    /// `collected_at`.
    pub created_at: Timestamp,
    /// The filter the plan was made with.
    pub scope: PlanFilter,
    /// In dependency order: an action comes after every action it depends on.
    pub actions: Vec<Action>,
    /// Findings in scope that no action addresses, and why.
    pub not_planned: Vec<NotPlanned>,
}

/// One change to make in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// `act-` and 16 hex digits of a hash of kind, account, region and target.
    pub id: String,
    /// What to do; serialized as `kind` and `parameters` beside the other fields.
    #[serde(flatten)]
    pub step: Step,
    /// The 12-digit id of the account the calls are made in.
    pub account_id: String,
    /// Where the calls are made: the destination region of a copy, `global` for IAM reviews.
    pub region: String,
    /// The resource acted on (a volume, instance, snapshot, image, rule, resource type or
    /// principal).
    pub target: String,
    /// Fingerprints of the findings this action resolves.
    pub resolves: Vec<String>,
    /// The rule ids of those findings.
    pub rules: Vec<String>,
    /// The mutating API operations the executor will call (Describe and List calls aside).
    pub calls: Vec<String>,
    /// How much the action can change; must agree with [`step`](Self::step).
    pub safety: SafetyClass,
    /// Ids of actions that must succeed first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// What a reviewer should know beyond the parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How much an action can change; documented in docs/remediation.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SafetyClass {
    /// Makes new snapshots or copies; touches nothing that exists.
    Creates,
    /// Adds missing tags to an existing resource.
    ModifiesTags,
    /// Removes grantees from a snapshot's or image's sharing.
    RestrictsAccess,
    /// Creates or locks a Recycle Bin rule, turns on block public access or (opted in) EBS
    /// encryption by default, or puts a governance-mode lock on an unlocked snapshot.
    ConfiguresGuardrail,
    /// Calls nothing: a person reviews and acts.
    ManualReview,
}

impl SafetyClass {
    /// The name as written in the plan (kebab-case), e.g. `restricts-access`.
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyClass::Creates => "creates",
            SafetyClass::ModifiesTags => "modifies-tags",
            SafetyClass::RestrictsAccess => "restricts-access",
            SafetyClass::ConfiguresGuardrail => "configures-guardrail",
            SafetyClass::ManualReview => "manual-review",
        }
    }
}

/// What an action does, with everything the executor needs to do it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "parameters", rename_all = "snake_case")]
pub enum Step {
    /// `ec2:CreateSnapshot` of one volume.
    CreateSnapshot(CreateSnapshot),
    /// `ec2:CreateSnapshots` of all EBS volumes of an instance at one moment.
    CreateSnapshots(CreateSnapshots),
    /// `ec2:CopySnapshot`, encrypted, into the action's region of the same account.
    CopySnapshot(CopySnapshot),
    /// Share with the archive account, copy from there, remove the share.
    CopySnapshotToAccount(CopySnapshotToAccount),
    /// `ec2:CopyImage`, encrypted, into the action's region of the same account.
    CopyImage(CopyImage),
    /// `backup:StartBackupJob` into a plan rule's vault, like the rule.
    StartBackupJob(StartBackupJob),
    /// `backup:StartCopyJob` of a recovery point into another vault, like a copy action.
    StartCopyJob(StartCopyJob),
    /// `ec2:CreateTags` for keys the resource lacks.
    AddTags(AddTags),
    /// `rbin:CreateRule`: a region-level rule, locked at creation when configured.
    CreateRetentionRule(CreateRetentionRule),
    /// `rbin:LockRule` on an existing region-level rule.
    LockRetentionRule(LockRetentionRule),
    /// Remove grantees from a snapshot's createVolumePermission.
    RemoveSnapshotPermissions(RemovePermissions),
    /// Remove grantees from an image's launchPermission.
    RemoveImagePermissions(RemovePermissions),
    /// Snapshot block public access to `block-all-sharing`.
    EnableSnapshotBlockPublicAccess,
    /// AMI block public access to `block-new-sharing`.
    EnableImageBlockPublicAccess,
    /// EBS encryption by default on; only with [`OptIn::EbsEncryptionByDefault`].
    EnableEbsEncryptionByDefault,
    /// A governance-mode EBS snapshot lock; only with [`OptIn::GovernanceSnapshotLock`].
    LockSnapshot(LockSnapshot),
    /// Nothing automatic: a person reviews and acts.
    ManualReview(ManualReview),
}

/// The parameters of a `create_snapshot` step: snapshot one volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSnapshot {
    /// The volume, `vol-...`.
    pub volume_id: String,
    /// Set at creation (`TagSpecifications`), the action id among them.
    pub tags: Tags,
}

/// The parameters of a `create_snapshots` step: snapshot all EBS volumes of an instance at
/// one moment, crash-consistent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSnapshots {
    /// The instance, `i-...`.
    pub instance_id: String,
    /// The instance's EBS volumes as far as known; the call snapshots all of them.
    pub volume_ids: Vec<String>,
    /// Set at creation on every snapshot of the set: the action id, and each required tag
    /// whose value is the same for all volumes.
    pub tags: Tags,
    /// Required tags whose value differs between volumes: set with `ec2:CreateTags` on each
    /// new snapshot right after creation (it already carries the action id, so a crash in
    /// between is found and finished on the next run).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags_by_volume: BTreeMap<String, Tags>,
    /// How the instance is quiesced around the snapshots, when a `[[consistency]]` entry
    /// selects it; crash-consistent snapshots when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiesce: Option<Quiesce>,
}

/// How an application-consistent snapshot set is taken (`[[consistency]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "with", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quiesce {
    /// Systems Manager commands: the pre-step, which must succeed within
    /// `max_freeze_seconds`; `ec2:CreateSnapshots` then; the post-step always, also when the
    /// pre-step or the snapshots fail. A started pre-step is journaled before it is sent, so a
    /// run after a crash sends the post-step first.
    Commands {
        /// The `[[consistency]]` entry's name.
        consistency: String,
        /// Quiesces the instance (and arms the host's own undo).
        pre: SsmCommand,
        /// Resumes it.
        post: SsmCommand,
        /// Seconds, 1 to 60.
        max_freeze_seconds: u64,
    },
    /// `AWSEC2-CreateVssSnapshot` on the instance: VSS freezes the writers, the document takes
    /// the snapshots (tagged `AppConsistent=true` and with this action's tags) and thaws.
    Vss {
        /// The `[[consistency]]` entry's name.
        consistency: String,
    },
}

pub use crate::config::consistency::SsmCommand;

/// The Systems Manager document that takes VSS snapshots of a Windows instance
/// (<https://docs.aws.amazon.com/ebs/latest/userguide/create-vss-snapshots-ssm.html>).
pub const VSS_DOCUMENT: &str = "AWSEC2-CreateVssSnapshot";

/// The snapshot a copy starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum SnapshotSource {
    /// A snapshot that exists now.
    Existing {
        /// The snapshot, `snap-...`.
        snapshot_id: String,
    },
    /// The snapshot of `volume_id` that action `action_id` of this plan creates; the executor
    /// finds it by that action's tag, waits for it to complete, and adds its id as
    /// `snapguard:source-snapshot` to the copy's tags.
    CreatedBy {
        /// The id of the [`CreateSnapshot`] or [`CreateSnapshots`] action, `act-...`.
        action_id: String,
        /// The volume whose new snapshot is copied, `vol-...`.
        volume_id: String,
    },
}

/// The parameters of a `copy_snapshot` step: copy a snapshot into the action's region of the
/// same account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopySnapshot {
    /// The snapshot to copy.
    pub source: SnapshotSource,
    /// The region the source snapshot is in.
    pub source_region: String,
    /// Copies are always encrypted; with this key, or the account's default EBS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set at creation: the action id, the source markers the copy recogniser reads, and the
    /// required tags of the source.
    pub tags: Tags,
}

/// The parameters of a `copy_snapshot_to_account` step: share a snapshot with the archive
/// account and copy it there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopySnapshotToAccount {
    /// The snapshot to copy; it is in the action's region.
    pub source: SnapshotSource,
    /// The account the copy is made in, in the action's region.
    pub archive_account: String,
    /// A key in the archive account; its default EBS key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set at creation: the action id, the source markers the copy recogniser reads, and the
    /// required tags of the source.
    pub tags: Tags,
}

/// The parameters of a `copy_image` step: copy an AMI and its snapshots into the action's
/// region of the same account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyImage {
    /// The AMI to copy, `ami-...`.
    pub source_image_id: String,
    /// The region the source AMI is in.
    pub source_region: String,
    /// The new AMI's name: the source's, marked as a copy (names are unique per region).
    pub name: String,
    /// Copies are always encrypted; with this key, or the account's default EBS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set at creation on the new AMI and on its snapshots: the action id, the source markers
    /// the copy recogniser reads, and the required tags of the source AMI.
    pub tags: Tags,
}

/// The parameters of an `add_tags` step: add missing tags to an existing resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTags {
    /// The snapshot, AMI or volume to tag.
    pub resource_id: String,
    /// Only keys the resource lacked when scanned.
    pub tags: Tags,
}

/// The parameters of a `create_retention_rule` step: create a region-level Recycle Bin rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRetentionRule {
    /// `EBS_SNAPSHOT` or `EC2_IMAGE`.
    pub resource_type: String,
    /// How long the rule keeps deleted resources, in days.
    pub retention_days: u64,
    /// Locked at creation with this unlock delay; unlocked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_delay_days: Option<u64>,
    /// Tags set on the new rule.
    pub tags: Tags,
}

/// The parameters of a `lock_retention_rule` step: lock an existing Recycle Bin rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRetentionRule {
    /// The rule's identifier.
    pub rule_id: String,
    /// How long an unlock takes to come into effect, in days.
    pub unlock_delay_days: u64,
}

/// When an AWS Backup job's recovery point moves to cold storage and expires
/// (<https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html>).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobLifecycle {
    /// Days after creation it moves to cold storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to_cold_storage_after_days: Option<u64>,
    /// Days after creation it is deleted; kept when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_after_days: Option<u64>,
    /// Whether it moves to the archive tier (for EBS, what makes `move_to_cold_storage_after_days`
    /// take effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

impl From<&crate::inventory::BackupLifecycle> for JobLifecycle {
    fn from(l: &crate::inventory::BackupLifecycle) -> JobLifecycle {
        JobLifecycle {
            move_to_cold_storage_after_days: l.move_to_cold_storage_after_days,
            delete_after_days: l.delete_after_days,
            opt_in_to_archive_for_supported_resources: l.opt_in_to_archive_for_supported_resources,
        }
    }
}

/// The parameters of a `start_backup_job` step: an on-demand AWS Backup job like a plan
/// rule's (`StartBackupJob`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBackupJob {
    /// The volume's or instance's ARN, as the rule's selection takes it.
    pub resource_arn: String,
    /// The rule's vault, in the action's account and region.
    pub backup_vault_name: String,
    /// The selection's role, which AWS Backup assumes (the executor needs `iam:PassRole` on it).
    pub iam_role_arn: String,
    /// The rule's lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<JobLifecycle>,
    /// Set on the recovery point at creation (`RecoveryPointTags`): the action id and the
    /// required tags.
    pub tags: Tags,
}

/// The parameters of a `start_copy_job` step: copy a recovery point into another vault
/// (`StartCopyJob`), as the plan rule's copy action does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartCopyJob {
    /// The recovery point, `arn:aws:ec2:REGION::snapshot/snap-...`.
    pub recovery_point_arn: String,
    /// The vault holding it, in the action's account and region.
    pub source_backup_vault_name: String,
    /// Where the copy goes: `arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME`.
    pub destination_backup_vault_arn: String,
    /// The role AWS Backup assumes for the copy.
    pub iam_role_arn: String,
    /// The copy's lifecycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<JobLifecycle>,
}

/// The parameters of a `lock_snapshot` step: lock a snapshot in governance mode
/// (`ec2:LockSnapshot`, `LockMode=governance`). The executor never puts a compliance-mode lock
/// and never changes an existing lock: a snapshot that has one is left as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockSnapshot {
    /// The snapshot, `snap-...`.
    pub snapshot_id: String,
    /// How long the lock lasts from when it is put, in days (`LockDuration`: 1 to 36,500).
    pub lock_duration_days: u64,
}

/// The parameters of a `remove_snapshot_permissions` or `remove_image_permissions` step:
/// remove grantees from a snapshot's `createVolumePermission` or an AMI's `launchPermission`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovePermissions {
    /// The snapshot or AMI, `snap-...` or `ami-...`.
    pub resource_id: String,
    /// Only the offending grantees; grantees inside the organization and the trusted
    /// accounts are never listed, so they stay.
    pub grantees: Vec<Permission>,
}

/// The parameters of a `manual_review` step: what a person should review and do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualReview {
    /// What to review.
    pub topic: ReviewTopic,
    /// What a person should look at and do, one line each.
    pub items: Vec<String>,
    /// A document to review and apply, such as the SCP that closes an IAM gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
}

/// What a [`ManualReview`] is about; serialized kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewTopic {
    /// Required tags with no known value.
    TagValues,
    /// Moving a snapshot to the archive tier slows its restore to days.
    ArchiveSnapshot,
    /// An SCP to attach so that no one can destroy or expose backups.
    ScpGuardrail,
    /// A principal's grants of protected actions.
    PrincipalPermissions,
    /// An AWS Backup Vault Lock to put on a vault: irreversible in compliance mode.
    VaultLock,
    /// A vault access policy (merged with the existing one) that denies recovery point
    /// deletion.
    VaultAccessPolicy,
    /// Turning EBS encryption by default on in an account-region.
    EbsEncryptionByDefault,
    /// An EBS snapshot lock: irreversible in compliance mode.
    SnapshotLock,
    /// Volumes on no backup schedule, with a Data Lifecycle Manager policy to create.
    BackupSchedule,
    /// An instance that several `[[consistency]]` entries select, each quiescing it
    /// differently.
    Consistency,
}

impl ReviewTopic {
    fn as_str(self) -> &'static str {
        match self {
            ReviewTopic::TagValues => "tag-values",
            ReviewTopic::ArchiveSnapshot => "archive-snapshot",
            ReviewTopic::ScpGuardrail => "scp-guardrail",
            ReviewTopic::PrincipalPermissions => "principal-permissions",
            ReviewTopic::VaultLock => "vault-lock",
            ReviewTopic::VaultAccessPolicy => "vault-access-policy",
            ReviewTopic::EbsEncryptionByDefault => "ebs-encryption-by-default",
            ReviewTopic::SnapshotLock => "snapshot-lock",
            ReviewTopic::BackupSchedule => "backup-schedule",
            ReviewTopic::Consistency => "consistency",
        }
    }
}

/// A finding in scope that no action addresses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotPlanned {
    /// The rule id, e.g. `SG-PROT-001`.
    pub rule_id: String,
    /// The 12-digit account id.
    pub account_id: String,
    /// The finding's region.
    pub region: String,
    /// The resource the finding is about.
    pub resource_id: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Why no action addresses it.
    pub reason: String,
}

impl Step {
    /// The `kind` as written in the plan.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::CreateSnapshot(_) => "create_snapshot",
            Step::CreateSnapshots(_) => "create_snapshots",
            Step::CopySnapshot(_) => "copy_snapshot",
            Step::CopySnapshotToAccount(_) => "copy_snapshot_to_account",
            Step::CopyImage(_) => "copy_image",
            Step::StartBackupJob(_) => "start_backup_job",
            Step::StartCopyJob(_) => "start_copy_job",
            Step::AddTags(_) => "add_tags",
            Step::CreateRetentionRule(_) => "create_retention_rule",
            Step::LockRetentionRule(_) => "lock_retention_rule",
            Step::RemoveSnapshotPermissions(_) => "remove_snapshot_permissions",
            Step::RemoveImagePermissions(_) => "remove_image_permissions",
            Step::EnableSnapshotBlockPublicAccess => "enable_snapshot_block_public_access",
            Step::EnableImageBlockPublicAccess => "enable_image_block_public_access",
            Step::EnableEbsEncryptionByDefault => "enable_ebs_encryption_by_default",
            Step::LockSnapshot(_) => "lock_snapshot",
            Step::ManualReview(_) => "manual_review",
        }
    }

    /// The safety class this kind of step has.
    pub fn safety(&self) -> SafetyClass {
        match self {
            Step::CreateSnapshot(_)
            | Step::CreateSnapshots(_)
            | Step::CopySnapshot(_)
            | Step::CopySnapshotToAccount(_)
            | Step::CopyImage(_)
            | Step::StartBackupJob(_)
            | Step::StartCopyJob(_) => SafetyClass::Creates,
            Step::AddTags(_) => SafetyClass::ModifiesTags,
            Step::RemoveSnapshotPermissions(_) | Step::RemoveImagePermissions(_) => {
                SafetyClass::RestrictsAccess
            }
            Step::CreateRetentionRule(_)
            | Step::LockRetentionRule(_)
            | Step::EnableSnapshotBlockPublicAccess
            | Step::EnableImageBlockPublicAccess
            | Step::EnableEbsEncryptionByDefault
            | Step::LockSnapshot(_) => SafetyClass::ConfiguresGuardrail,
            Step::ManualReview(_) => SafetyClass::ManualReview,
        }
    }

    /// The mutating operations the executor calls for this step. Tags set at creation need
    /// `ec2:CreateTags` permission too, but are part of the create call.
    pub fn calls(&self) -> Vec<String> {
        let calls: &[&str] = match self {
            Step::CreateSnapshot(_) => &["ec2:CreateSnapshot"],
            Step::CreateSnapshots(s) => match (&s.quiesce, s.tags_by_volume.is_empty()) {
                (None, true) => &["ec2:CreateSnapshots"],
                (None, false) => &["ec2:CreateSnapshots", "ec2:CreateTags"],
                // The post-step's outcome is tagged on the new snapshots.
                (Some(Quiesce::Commands { .. }), _) => {
                    &["ssm:SendCommand", "ec2:CreateSnapshots", "ec2:CreateTags"]
                }
                // The document snapshots and sets the action-id tag; the executor finds the
                // set by it and adds the other tags.
                (Some(Quiesce::Vss { .. }), _) => &["ssm:SendCommand", "ec2:CreateTags"],
            },
            Step::CopySnapshot(_) => &["ec2:CopySnapshot"],
            Step::CopySnapshotToAccount(_) => &[
                "ec2:ModifySnapshotAttribute",
                "sts:AssumeRole",
                "ec2:CopySnapshot",
            ],
            Step::CopyImage(_) => &["ec2:CopyImage"],
            Step::StartBackupJob(_) => &["backup:StartBackupJob"],
            Step::StartCopyJob(_) => &["backup:StartCopyJob"],
            Step::AddTags(_) => &["ec2:CreateTags"],
            Step::CreateRetentionRule(_) => &["rbin:CreateRule"],
            Step::LockRetentionRule(_) => &["rbin:LockRule"],
            Step::RemoveSnapshotPermissions(_) => &["ec2:ModifySnapshotAttribute"],
            Step::RemoveImagePermissions(_) => &["ec2:ModifyImageAttribute"],
            Step::EnableSnapshotBlockPublicAccess => &["ec2:EnableSnapshotBlockPublicAccess"],
            Step::EnableImageBlockPublicAccess => &["ec2:EnableImageBlockPublicAccess"],
            Step::EnableEbsEncryptionByDefault => &["ec2:EnableEbsEncryptionByDefault"],
            Step::LockSnapshot(_) => &["ec2:LockSnapshot"],
            Step::ManualReview(_) => &[],
        };
        calls.iter().map(|c| c.to_string()).collect()
    }

    /// The opt-in a plan needs to hold this step, if any.
    pub fn opt_in(&self) -> Option<OptIn> {
        match self {
            Step::EnableEbsEncryptionByDefault => Some(OptIn::EbsEncryptionByDefault),
            Step::LockSnapshot(_) => Some(OptIn::GovernanceSnapshotLock),
            _ => None,
        }
    }

    /// What makes two steps the same action, besides account, region and target.
    pub(super) fn identity(&self) -> String {
        match self {
            Step::ManualReview(r) => format!("manual_review:{}", r.topic.as_str()),
            // One recovery point, several destinations.
            Step::StartCopyJob(c) => format!("start_copy_job:{}", c.destination_backup_vault_arn),
            other => other.kind().to_owned(),
        }
    }

    /// Execution order among independent actions: backups first, then what restricts or
    /// reconfigures, and reviews last.
    pub(super) fn rank(&self) -> u8 {
        match self {
            Step::CreateSnapshot(_) | Step::CreateSnapshots(_) | Step::StartBackupJob(_) => 0,
            Step::CopySnapshot(_)
            | Step::CopySnapshotToAccount(_)
            | Step::CopyImage(_)
            | Step::StartCopyJob(_) => 1,
            Step::AddTags(_) => 2,
            Step::CreateRetentionRule(_) | Step::LockRetentionRule(_) => 3,
            Step::EnableSnapshotBlockPublicAccess
            | Step::EnableImageBlockPublicAccess
            | Step::EnableEbsEncryptionByDefault
            | Step::LockSnapshot(_) => 4,
            Step::RemoveSnapshotPermissions(_) | Step::RemoveImagePermissions(_) => 5,
            Step::ManualReview(_) => 6,
        }
    }

    /// Folds in what another finding asks of the same action.
    pub(super) fn absorb(&mut self, other: Step) {
        match (self, other) {
            (Step::RemoveSnapshotPermissions(a), Step::RemoveSnapshotPermissions(b))
            | (Step::RemoveImagePermissions(a), Step::RemoveImagePermissions(b)) => {
                for grantee in b.grantees {
                    if !a.grantees.contains(&grantee) {
                        a.grantees.push(grantee);
                    }
                }
                a.grantees.sort_by(|x, y| x.grantee().cmp(y.grantee()));
            }
            (Step::ManualReview(a), Step::ManualReview(b)) => {
                a.items.extend(b.items);
                a.items.sort();
                a.items.dedup();
                a.document = a.document.take().or(b.document);
            }
            (Step::AddTags(a), Step::AddTags(b)) => {
                for (key, value) in b.tags {
                    a.tags.entry(key).or_insert(value);
                }
            }
            (Step::CreateRetentionRule(a), Step::CreateRetentionRule(b)) => {
                a.retention_days = a.retention_days.max(b.retention_days);
            }
            // The other kinds are determined by their key, but for a start_backup_job of an
            // instance that several volumes' findings ask for: the first volume's recovery
            // point tags stand (the volumes of one instance mostly share them).
            _ => {}
        }
    }
}

/// `act-` and the first 16 hex digits of sha256 over the action's identity.
pub fn action_id(identity: &str, account_id: &str, region: &str, target: &str) -> String {
    let mut h = Sha256::new();
    for (i, part) in [identity, account_id, region, target].iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("act-{hex}")
}

impl Action {
    /// The id this action's content gives it.
    pub fn expected_id(&self) -> String {
        action_id(
            &self.step.identity(),
            &self.account_id,
            &self.region,
            &self.target,
        )
    }
}

impl Action {
    /// What is wrong with an AWS Backup job's ARNs for where the action runs: the resource
    /// backed up must be in the action's account and region, the recovery point copied in its
    /// region, and a copy's destination must be a backup vault's ARN.
    fn backup_job_problem(&self) -> Option<String> {
        let part = |arn: &str, i: usize| arn.split(':').nth(i).unwrap_or_default().to_owned();
        match &self.step {
            Step::StartBackupJob(job) => {
                let (region, account) = (part(&job.resource_arn, 3), part(&job.resource_arn, 4));
                (region != self.region || account != self.account_id).then(|| {
                    format!(
                        "resource_arn {} is not in the action's account and region ({}/{})",
                        job.resource_arn, self.account_id, self.region
                    )
                })
            }
            Step::StartCopyJob(job) => {
                if part(&job.recovery_point_arn, 3) != self.region {
                    return Some(format!(
                        "recovery_point_arn {} is not in the action's region {}",
                        job.recovery_point_arn, self.region
                    ));
                }
                let vault =
                    crate::inventory::vault_region_account(&job.destination_backup_vault_arn);
                vault.is_none().then(|| {
                    format!(
                        "destination_backup_vault_arn {} is not a backup vault's ARN \
                         (arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME)",
                        job.destination_backup_vault_arn
                    )
                })
            }
            _ => None,
        }
    }
}

impl Plan {
    /// The plan as pretty-printed JSON with a final newline, as `remediate plan` writes it.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always serializes");
        text.push('\n');
        text
    }

    /// Reads a plan written by `remediate plan`. Errors are sentences to follow the file name.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let document: serde_json::Value = serde_json::from_str(text).map_err(PlanError::NotJson)?;
        match document.get("schema_version").and_then(|v| v.as_u64()) {
            None => return Err(PlanError::NoSchemaVersion),
            Some(v) if v != u64::from(SCHEMA_VERSION) => return Err(PlanError::SchemaVersion(v)),
            Some(_) => {}
        }
        let plan: Plan = serde_json::from_str(text).map_err(PlanError::Malformed)?;
        plan.check()?;
        Ok(plan)
    }

    /// What the types cannot say: ids, calls and safety classes agree with each action's
    /// content, and dependencies point backwards. An edited plan cannot claim to only create
    /// while it does something else.
    fn check(&self) -> Result<(), PlanError> {
        let mut seen = BTreeSet::new();
        for (i, action) in self.actions.iter().enumerate() {
            let refuse = |problem: String| PlanError::Inconsistent {
                place: format!("actions[{i}] ({})", action.id),
                problem,
            };
            if action.id != action.expected_id() {
                return Err(refuse(format!(
                    "the id does not match the action's kind, account, region and \
                     target (expected {}); plan again instead of editing",
                    action.expected_id()
                )));
            }
            if action.calls != action.step.calls() || action.safety != action.step.safety() {
                return Err(refuse(format!(
                    "`calls` and `safety` must be {:?} and {} for a {} action",
                    action.step.calls(),
                    action.step.safety().as_str(),
                    action.step.kind()
                )));
            }
            if let Some(opt_in) = action.step.opt_in() {
                if !self.scope.opt_in.contains(&opt_in) {
                    return Err(refuse(format!(
                        "a {} action changes a guardrail only a plan made with `--opt-in {}` \
                         may change, and the plan's scope has no such opt-in",
                        action.step.kind(),
                        opt_in.as_str()
                    )));
                }
            }
            if let Some(problem) = action.backup_job_problem() {
                return Err(refuse(problem));
            }
            if let Step::LockSnapshot(lock) = &action.step {
                if !(1..=36_500).contains(&lock.lock_duration_days) {
                    return Err(refuse(format!(
                        "lock_duration_days is {}; expected 1 to 36500 days, the range \
                         ec2:LockSnapshot accepts",
                        lock.lock_duration_days
                    )));
                }
            }
            if let Step::CreateSnapshots(CreateSnapshots {
                quiesce:
                    Some(Quiesce::Commands {
                        max_freeze_seconds, ..
                    }),
                ..
            }) = &action.step
            {
                let limit = crate::config::consistency::MAX_FREEZE_SECONDS;
                if !(1..=limit).contains(max_freeze_seconds) {
                    return Err(refuse(format!(
                        "max_freeze_seconds is {max_freeze_seconds}; expected 1 to {limit} \
                         seconds, as [[consistency]] allows"
                    )));
                }
            }
            if let Some(missing) = action.depends_on.iter().find(|d| !seen.contains(*d)) {
                return Err(refuse(format!(
                    "it depends on {missing}, which is not an earlier action of the plan"
                )));
            }
            if !seen.insert(action.id.clone()) {
                return Err(refuse("the id appears twice".to_owned()));
            }
        }
        Ok(())
    }
}

/// Why [`Plan::from_json`] refused a plan. Each message is a sentence to follow the file name.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The text is not JSON.
    #[error("is not JSON ({0}); expected a plan written by `snapguard remediate plan`")]
    NotJson(serde_json::Error),
    /// The document has no numeric `schema_version`.
    #[error(
        "is not a snapguard plan: it has no numeric `schema_version`; \
         expected a plan written by `snapguard remediate plan`"
    )]
    NoSchemaVersion,
    /// The document's `schema_version` (given) is not the one this snapguard reads.
    #[error(
        "is a plan of schema_version {0}, and this snapguard reads schema_version \
         {current}; plan again with this version",
        current = SCHEMA_VERSION
    )]
    SchemaVersion(u64),
    /// The document does not deserialize as a [`Plan`] (unknown key, wrong type, ...).
    #[error("is not a well-formed snapguard plan: {0}")]
    Malformed(serde_json::Error),
    /// An action's id, calls, safety or dependencies disagree with its content.
    #[error("{place}: {problem}")]
    Inconsistent {
        /// `actions[INDEX] (ID)`.
        place: String,
        /// What disagrees, and what was expected.
        problem: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::testing::{config, no_copy, no_snapshot, plan_all};

    #[test]
    fn round_trips_and_refuses_what_it_cannot_trust() {
        let plan = plan_all(
            &[
                no_snapshot("vol-a"),
                no_copy("snap-x", "vol-x", "us-west-2"),
            ],
            &config(),
        );
        let text = plan.to_json();
        assert_eq!(Plan::from_json(&text).unwrap(), plan);

        let future = text.replacen("\"schema_version\": 1", "\"schema_version\": 9", 1);
        assert!(Plan::from_json(&future)
            .unwrap_err()
            .to_string()
            .contains("schema_version 9"));
        let unknown = text.replacen("\"scope\"", "\"scoop\"", 1);
        assert!(Plan::from_json(&unknown)
            .unwrap_err()
            .to_string()
            .contains("not a well-formed snapguard plan"));
        let disguised = text.replacen(
            "\"safety\": \"creates\"",
            "\"safety\": \"manual-review\"",
            1,
        );
        assert!(Plan::from_json(&disguised)
            .unwrap_err()
            .to_string()
            .contains("`calls` and `safety`"));
        assert!(Plan::from_json("[]")
            .unwrap_err()
            .to_string()
            .contains("schema_version"));
    }
}
