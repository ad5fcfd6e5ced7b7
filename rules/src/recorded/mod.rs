//! The recorded-inventory format: a directory of JSON files in the AWS CLI's own output shapes,
//! read by `snapguard scan --inventory DIR` and written by `snapguard collect --out DIR`.
//!
//! ```text
//! DIR/manifest.json                          optional: collected_at, regions, accounts, not_scanned,
//!                                            api_calls, throttle_retries (see Manifest)
//! DIR/organizations/describe-organization.json ... policy-targets/<policy-id>.json
//!                                            (see OrgFile and OrgFolder for every file)
//! DIR/<account-id>/iam/get-account-authorization-details.json
//!                                            aws iam get-account-authorization-details
//! DIR/<account-id>/<region>/describe-volumes.json ... get-image-block-public-access-state.json
//!                                            (see RegionFile for every file)
//! DIR/<account-id>/<region>/get-lifecycle-policies.json ... list-recovery-points-by-backup-vault.json
//!                                            (see BackupFile for every file)
//! ```
//!
//! Every name of that layout, the manifest and the operations that gaps name are defined here,
//! once, for the reader ([`load`]) and the writer ([`write()`]).
//!
//! This is the one module of the crate that does I/O: it reads and writes the files of that
//! layout.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::inventory::Gap;
use crate::time::Timestamp;

mod backup;
mod read;
mod shapes;
mod write;

pub use backup::BackupFile;
pub use read::{is_account_id, is_region_name, load, InputError, CLOCK_SKEW_SECONDS, EBS_LAUNCH};
pub use write::{write, WriteError};

/// `DIR/manifest.json`.
pub const MANIFEST: &str = "manifest.json";
/// `DIR/organizations/`: see [`OrgFile`] and [`OrgFolder`].
pub const ORGANIZATIONS: &str = "organizations";
/// `DIR/<account-id>/iam/`: holds [`IAM_FILE`].
pub const IAM: &str = "iam";
/// `aws iam get-account-authorization-details`.
pub const IAM_FILE: &str = "get-account-authorization-details.json";
/// The operation [`IAM_FILE`] records, as gaps name it.
pub const IAM_OPERATION: &str = "iam:GetAccountAuthorizationDetails";

/// `manifest.json`: what `snapguard collect` knows beyond the CLI outputs.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// [`Inventory::collected_at`](crate::Inventory::collected_at); absent in hand-made
    /// inventories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<Timestamp>,
    /// The regions that were meant to be scanned in every account.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The accounts that were meant to be scanned, when the scan was narrowed to some of the
    /// organization's accounts; absent means all of its active accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
    /// [`Inventory::not_scanned`](crate::Inventory::not_scanned), read strictly
    /// ([`strict_gaps`]).
    #[serde(default, deserialize_with = "strict_gaps")]
    pub not_scanned: Vec<Gap>,
    /// [`Inventory::api_calls`](crate::Inventory::api_calls).
    #[serde(default)]
    pub api_calls: BTreeMap<String, u64>,
    /// [`Inventory::throttle_retries`](crate::Inventory::throttle_retries).
    #[serde(default)]
    pub throttle_retries: BTreeMap<String, u64>,
}

/// A manifest's `not_scanned` entries, each with exactly the keys of a [`Gap`]: a misspelt
/// key (`regoin`) would otherwise leave `region` absent and turn a region's gap into an
/// account-wide one. (Reports, read back as baselines, stay lenient: a newer snapguard may add
/// a key.)
fn strict_gaps<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Gap>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        account_id: String,
        region: Option<String>,
        operation: String,
        error: String,
    }
    let entries: Vec<Entry> = Deserialize::deserialize(deserializer)?;
    Ok(entries
        .into_iter()
        .map(|e| Gap {
            account_id: e.account_id,
            region: e.region,
            operation: e.operation,
            error: e.error,
        })
        .collect())
}

/// Every file `organizations/` may hold directly, with the operation it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgFile {
    /// `describe-organization.json`: `aws organizations describe-organization`.
    DescribeOrganization,
    /// `list-accounts.json`: `aws organizations list-accounts`.
    Accounts,
    /// `list-roots.json`: `aws organizations list-roots`.
    Roots,
    /// `list-policies-SERVICE_CONTROL_POLICY.json`:
    /// `aws organizations list-policies --filter SERVICE_CONTROL_POLICY`.
    Policies,
    /// `list-policies-BACKUP_POLICY.json`: `aws organizations list-policies --filter
    /// BACKUP_POLICY`. Optional: without it, the backup policies are unknown, which no rule
    /// passes on.
    BackupPolicies,
}

impl OrgFile {
    /// Every variant, in declaration order.
    pub const ALL: [OrgFile; 5] = [
        OrgFile::DescribeOrganization,
        OrgFile::Accounts,
        OrgFile::Roots,
        OrgFile::Policies,
        OrgFile::BackupPolicies,
    ];

    /// The file's name inside `organizations/`.
    pub fn file_name(self) -> &'static str {
        match self {
            OrgFile::DescribeOrganization => "describe-organization.json",
            OrgFile::Accounts => "list-accounts.json",
            OrgFile::Roots => "list-roots.json",
            OrgFile::Policies => "list-policies-SERVICE_CONTROL_POLICY.json",
            OrgFile::BackupPolicies => "list-policies-BACKUP_POLICY.json",
        }
    }

    /// The API operation the file records, as reports name it.
    pub fn operation(self) -> &'static str {
        match self {
            OrgFile::DescribeOrganization => "organizations:DescribeOrganization",
            OrgFile::Accounts => "organizations:ListAccounts",
            OrgFile::Roots => "organizations:ListRoots",
            OrgFile::Policies | OrgFile::BackupPolicies => "organizations:ListPolicies",
        }
    }

    fn from_file_name(name: &str) -> Option<OrgFile> {
        OrgFile::ALL.into_iter().find(|f| f.file_name() == name)
    }
}

/// Every folder of `organizations/`: one `<id>.json` per parent (root or OU) or per policy,
/// with the operation each file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgFolder {
    /// `organizational-units/<parent-id>.json`: `list-organizational-units-for-parent`.
    UnitsForParent,
    /// `accounts-for-parent/<parent-id>.json`: `list-accounts-for-parent`.
    AccountsForParent,
    /// `policies/<policy-id>.json`: `describe-policy`.
    Policies,
    /// `policy-targets/<policy-id>.json`: `list-targets-for-policy`.
    PolicyTargets,
}

impl OrgFolder {
    /// Every variant, in declaration order.
    pub const ALL: [OrgFolder; 4] = [
        OrgFolder::UnitsForParent,
        OrgFolder::AccountsForParent,
        OrgFolder::Policies,
        OrgFolder::PolicyTargets,
    ];

    /// The folder's name inside `organizations/`.
    pub fn dir_name(self) -> &'static str {
        match self {
            OrgFolder::UnitsForParent => "organizational-units",
            OrgFolder::AccountsForParent => "accounts-for-parent",
            OrgFolder::Policies => "policies",
            OrgFolder::PolicyTargets => "policy-targets",
        }
    }

    /// The API operation each file of the folder records, as reports name it.
    pub fn operation(self) -> &'static str {
        match self {
            OrgFolder::UnitsForParent => "organizations:ListOrganizationalUnitsForParent",
            OrgFolder::AccountsForParent => "organizations:ListAccountsForParent",
            OrgFolder::Policies => "organizations:DescribePolicy",
            OrgFolder::PolicyTargets => "organizations:ListTargetsForPolicy",
        }
    }

    /// The file of one parent or policy: `<id>.json`.
    pub fn file_name(id: &str) -> String {
        format!("{id}{PER_ID_SUFFIX}")
    }

    /// The id a file of the folder is named after, if it is named `<id>.json`.
    fn id_of(file_name: &str) -> Option<&str> {
        file_name.strip_suffix(PER_ID_SUFFIX)
    }

    fn from_dir_name(name: &str) -> Option<OrgFolder> {
        OrgFolder::ALL.into_iter().find(|f| f.dir_name() == name)
    }
}

const PER_ID_SUFFIX: &str = ".json";

/// Every file a region folder may hold, with the operation it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionFile {
    /// `describe-volumes.json`: `aws ec2 describe-volumes`.
    Volumes,
    /// `describe-instances.json`: `aws ec2 describe-instances`.
    Instances,
    /// `describe-snapshots.json`: `aws ec2 describe-snapshots --owner-ids self`.
    Snapshots,
    /// `describe-snapshot-attribute.json`: `aws ec2 describe-snapshot-attribute --attribute
    /// createVolumePermission`, one per snapshot.
    SnapshotAttributes,
    /// `describe-images.json`: `aws ec2 describe-images --owners self`.
    Images,
    /// `describe-image-attribute.json`: `aws ec2 describe-image-attribute --attribute
    /// launchPermission`, one per AMI.
    ImageAttributes,
    /// `list-rules-EBS_SNAPSHOT.json`: `aws rbin list-rules --resource-type EBS_SNAPSHOT`.
    SnapshotRules,
    /// `list-rules-EC2_IMAGE.json`: `aws rbin list-rules --resource-type EC2_IMAGE`.
    ImageRules,
    /// `get-rule.json`: `aws rbin get-rule`, one per listed rule.
    RuleDetails,
    /// `get-snapshot-block-public-access-state.json`.
    SnapshotBlockPublicAccess,
    /// `get-image-block-public-access-state.json`.
    ImageBlockPublicAccess,
}

impl RegionFile {
    /// Every variant, in declaration order.
    pub const ALL: [RegionFile; 11] = [
        RegionFile::Volumes,
        RegionFile::Instances,
        RegionFile::Snapshots,
        RegionFile::SnapshotAttributes,
        RegionFile::Images,
        RegionFile::ImageAttributes,
        RegionFile::SnapshotRules,
        RegionFile::ImageRules,
        RegionFile::RuleDetails,
        RegionFile::SnapshotBlockPublicAccess,
        RegionFile::ImageBlockPublicAccess,
    ];

    /// The file's name inside a region folder.
    pub fn file_name(self) -> &'static str {
        match self {
            RegionFile::Volumes => "describe-volumes.json",
            RegionFile::Instances => "describe-instances.json",
            RegionFile::Snapshots => "describe-snapshots.json",
            RegionFile::SnapshotAttributes => "describe-snapshot-attribute.json",
            RegionFile::Images => "describe-images.json",
            RegionFile::ImageAttributes => "describe-image-attribute.json",
            RegionFile::SnapshotRules => "list-rules-EBS_SNAPSHOT.json",
            RegionFile::ImageRules => "list-rules-EC2_IMAGE.json",
            RegionFile::RuleDetails => "get-rule.json",
            RegionFile::SnapshotBlockPublicAccess => "get-snapshot-block-public-access-state.json",
            RegionFile::ImageBlockPublicAccess => "get-image-block-public-access-state.json",
        }
    }

    /// The API operation the file records, as reports name it.
    pub fn operation(self) -> &'static str {
        match self {
            RegionFile::Volumes => "ec2:DescribeVolumes",
            RegionFile::Instances => "ec2:DescribeInstances",
            RegionFile::Snapshots => "ec2:DescribeSnapshots",
            RegionFile::SnapshotAttributes => "ec2:DescribeSnapshotAttribute",
            RegionFile::Images => "ec2:DescribeImages",
            RegionFile::ImageAttributes => "ec2:DescribeImageAttribute",
            RegionFile::SnapshotRules | RegionFile::ImageRules => "rbin:ListRules",
            RegionFile::RuleDetails => "rbin:GetRule",
            RegionFile::SnapshotBlockPublicAccess => "ec2:GetSnapshotBlockPublicAccessState",
            RegionFile::ImageBlockPublicAccess => "ec2:GetImageBlockPublicAccessState",
        }
    }

    fn from_file_name(name: &str) -> Option<RegionFile> {
        RegionFile::ALL.into_iter().find(|f| f.file_name() == name)
    }
}
