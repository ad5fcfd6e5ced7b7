//! The inventory: plain data about an organization, as collected from AWS or replayed from a
//! recorded directory. Field names follow the AWS CLI's JSON output (PascalCase), so a recorded
//! file deserializes straight into these types and `collect` writes them back unchanged.
//!
//! What could not be read is data too: an `Option` that is `None` means "not collected", and the
//! reason is in [`Inventory::not_scanned`]. Rules skip what is missing; reports say so.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::time::Timestamp;

mod backup;
pub use backup::*;

/// Ids, tag keys and values are short: stored inline, they cost no allocation.
pub use iam::authorization_details::{
    AttachedPolicy, AuthorizationDetails, GroupDetail, InlinePolicy, ManagedPolicyDetail,
    PermissionsBoundary, PolicyVersion, RoleDetail, Str, Tag, UserDetail,
};

/// Everything one scan knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// When the data was read; rules measure ages against this, never against the wall clock.
    pub collected_at: Timestamp,
    /// The organization, when the scan covered one (`organizations/` in a recorded inventory).
    pub organization: Option<Organization>,
    /// Accounts that were scanned (or attempted), sorted by id.
    pub accounts: Vec<Account>,
    /// The accounts the scan set out to read when it was narrowed (`--accounts`,
    /// `--exclude-accounts`); `None` means every active account of the organization. Accounts
    /// left out on purpose are not gaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_accounts: Option<Vec<String>>,
    /// What could not be read, and why.
    pub not_scanned: Vec<Gap>,
    /// API calls made per operation (live scans only).
    pub api_calls: BTreeMap<String, u64>,
    /// Throttling retries per operation (live scans only).
    pub throttle_retries: BTreeMap<String, u64>,
}

/// Something that could not be read: a whole account, an account-region, or one operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Gap {
    /// The 12-digit id of the account concerned.
    pub account_id: String,
    /// `None` when the whole account (or an account-wide operation such as IAM) is missing.
    pub region: Option<String>,
    /// The operation or file that is missing, e.g. `ec2:DescribeSnapshots`.
    pub operation: String,
    /// Why: the error AWS returned, or what the reader found wrong.
    pub error: String,
}

impl Gap {
    /// A gap in one account-region.
    pub fn in_region(account_id: &str, region: &str, operation: &str, error: String) -> Gap {
        Gap {
            account_id: account_id.to_owned(),
            region: Some(region.to_owned()),
            operation: operation.to_owned(),
            error,
        }
    }

    /// What an account's authorization details leave unknown: managed policies attached to
    /// someone whose default version is not in `Policies` (principals using them are evaluated
    /// without them), and groups a user is in that `GroupDetailList` does not describe.
    pub fn of_authorization_details(details: &AuthorizationDetails, account_id: &str) -> Vec<Gap> {
        let gap = |error: String| Gap {
            account_id: account_id.to_owned(),
            region: None,
            operation: crate::recorded::IAM_OPERATION.into(),
            error,
        };
        let unlisted = details.unlisted_managed_policies().into_iter().map(|arn| {
            gap(format!(
                "managed policy {arn} is attached but its default version is not in \
                 get-account-authorization-details.json; principals using it were evaluated \
                 without it"
            ))
        });
        let undescribed = details.principals().into_iter().flat_map(|p| {
            p.undescribed_groups.into_iter().map(move |(group, place)| {
                gap(format!(
                    "{} is in group {group:?} ({place}), which GroupDetailList does not \
                         describe; its policies were not evaluated",
                    p.arn
                ))
            })
        });
        unlisted.chain(undescribed).collect()
    }
}

/// The AWS Organization: accounts, roots, OUs, how they nest, and the SCPs attached to them.
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_Operations.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Organization {
    /// `aws organizations describe-organization`, when recorded.
    pub description: Option<OrganizationDescription>,
    /// `aws organizations list-accounts`.
    pub accounts: Vec<OrgAccount>,
    /// `aws organizations list-roots`.
    pub roots: Vec<OrgNode>,
    /// Every organizational unit, from `list-organizational-units-for-parent`.
    pub units: Vec<OrgNode>,
    /// Child id (OU or account) -> parent id (OU or root), from
    /// `list-organizational-units-for-parent` and `list-accounts-for-parent`.
    pub parents: BTreeMap<Str, Str>,
    /// Service control policies with their content and targets; `None` when not collected.
    pub service_control_policies: Option<Vec<OrganizationPolicy>>,
    /// Backup policies (`BACKUP_POLICY`) with their content and targets: the AWS Backup plans
    /// the organization mandates. `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_policies: Option<Vec<OrganizationPolicy>>,
}

/// A root or an organizational unit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgNode {
    /// The id: `r-...` for a root, `ou-...` for an OU (`Roots[].Id`, `OrganizationalUnits[].Id`).
    pub id: Str,
    /// Its ARN (`Arn`).
    #[serde(default)]
    pub arn: Option<Str>,
    /// Its display name (`Name`).
    #[serde(default)]
    pub name: Option<Str>,
}

/// A service control policy or a backup policy: `ListPolicies --filter SERVICE_CONTROL_POLICY`
/// (or `BACKUP_POLICY`), then `DescribePolicy` for its content and `ListTargetsForPolicy` for
/// where it is attached.
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationPolicy {
    /// The policy id, `p-...` (`PolicySummary.Id`).
    pub id: Str,
    /// The policy name (`PolicySummary.Name`).
    pub name: Str,
    /// The policy document (`describe-policy` gives it as a JSON string).
    pub content: serde_json::Value,
    /// Roots, OUs and accounts it is attached to (`list-targets-for-policy`).
    pub target_ids: Vec<Str>,
}

/// `DescribeOrganization` `Organization`.
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationDescription {
    /// The organization id, `o-...` (`Organization.Id`).
    pub id: Str,
    /// The organization's ARN (`Organization.Arn`).
    #[serde(default)]
    pub arn: Option<Str>,
    /// The management account's 12-digit id (`Organization.MasterAccountId`).
    #[serde(default)]
    pub master_account_id: Option<Str>,
}

/// A member account: `ListAccounts` `Accounts[]`.
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgAccount {
    /// The 12-digit account id (`Accounts[].Id`).
    pub id: Str,
    /// The account's ARN, `arn:aws:organizations::MANAGEMENT:account/o-.../ID` (`Accounts[].Arn`).
    #[serde(default)]
    pub arn: Option<Str>,
    /// The account's name (`Accounts[].Name`).
    #[serde(default)]
    pub name: Option<Str>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, ... (`Accounts[].Status`, or `State` where AWS
    /// gives that instead).
    #[serde(default)]
    pub status: Option<Str>,
}

impl OrgAccount {
    /// Suspended and closed accounts cannot be scanned and are not expected to be.
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }
}

/// An AWS Backup plan an organization backup policy mandates in an account-region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MandatedPlan {
    /// The plan's name: the key under `plans`, which becomes the `BackupPlanName` in the
    /// account.
    pub plan: String,
    /// The backup policy's id, `p-...`.
    pub policy_id: String,
    /// The backup policy's name.
    pub policy_name: String,
}

impl Organization {
    /// The AWS Backup plans the organization's backup policies mandate in `account_id`'s
    /// `region`, as AWS merges them from the root down to the account: along the path, each
    /// attached policy's `plans.<name>.regions` operators apply in turn (`@@assign` replaces
    /// what is inherited, `@@append` adds, `@@remove` takes away), and a plan is mandated where
    /// the merged regions name the region
    /// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_mgmt.html>,
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html>).
    /// Each plan names the closest policy that declares it. `None` when the backup policies or
    /// the account's place in the tree were not recorded, or when a policy on the path has
    /// content this does not understand (no `plans` object, `regions` that are not lists of
    /// names under known operators): then what is mandated is unknown.
    pub fn mandated_backup_plans(
        &self,
        account_id: &str,
        region: &str,
    ) -> Option<Vec<MandatedPlan>> {
        let policies = self.backup_policies.as_ref()?;
        let path = self.path_to(account_id);
        if path.is_empty() {
            return None;
        }
        // Plan -> (its merged regions, the closest policy declaring it).
        let mut merged: BTreeMap<String, (BTreeSet<String>, &OrganizationPolicy)> = BTreeMap::new();
        for (node, _) in &path {
            let mut attached: Vec<&OrganizationPolicy> = policies
                .iter()
                .filter(|p| p.target_ids.contains(node))
                .collect();
            attached.sort_by(|a, b| a.id.cmp(&b.id));
            for policy in attached {
                let plans = policy.content.get("plans")?.as_object()?;
                for (name, plan) in plans.iter().filter(|(name, _)| !name.starts_with("@@")) {
                    let entry = merged
                        .entry(name.clone())
                        .or_insert_with(|| (BTreeSet::new(), policy));
                    entry.1 = policy;
                    let Some(regions) = plan.get("regions") else {
                        continue;
                    };
                    for (operator, value) in regions.as_object()? {
                        let names = value
                            .as_array()?
                            .iter()
                            .map(|r| r.as_str().map(str::to_owned))
                            .collect::<Option<Vec<String>>>()?;
                        match operator.as_str() {
                            "@@assign" => entry.0 = names.into_iter().collect(),
                            "@@append" => entry.0.extend(names),
                            "@@remove" => entry.0.retain(|r| !names.contains(r)),
                            "@@operators_allowed_for_child_policies" => {}
                            _ => return None,
                        }
                    }
                }
            }
        }
        Some(
            merged
                .into_iter()
                .filter(|(_, (regions, _))| regions.contains(region))
                .map(|(plan, (_, policy))| MandatedPlan {
                    plan,
                    policy_id: policy.id.to_string(),
                    policy_name: policy.name.to_string(),
                })
                .collect(),
        )
    }

    /// The path from the root down to `account_id`: root, OUs, the account itself, each as
    /// (id, name). Empty when the account's place in the tree was not recorded.
    pub fn path_to(&self, account_id: &str) -> Vec<(Str, Str)> {
        let name_of = |id: &str| -> Str {
            self.roots
                .iter()
                .chain(&self.units)
                .find(|n| n.id == id)
                .and_then(|n| n.name.clone())
                .or_else(|| {
                    self.accounts
                        .iter()
                        .find(|a| a.id == id)
                        .and_then(|a| a.name.clone())
                })
                .unwrap_or_else(|| id.into())
        };
        let mut path = vec![(Str::from(account_id), name_of(account_id))];
        let mut current: &str = account_id;
        while let Some(parent) = self.parents.get(current) {
            if path.iter().any(|(id, _)| id == parent) {
                break; // a cycle in hand-made input; stop rather than loop
            }
            path.push((parent.clone(), name_of(parent)));
            current = parent;
        }
        if path.len() == 1 {
            return Vec::new();
        }
        path.reverse();
        path
    }

    /// The organization id (`o-...`), from describe-organization or from an account ARN.
    pub fn id(&self) -> Option<&str> {
        if let Some(d) = &self.description {
            return Some(&d.id);
        }
        // arn:aws:organizations::<management>:account/o-xxxx/<account>
        self.accounts
            .iter()
            .filter_map(|a| a.arn.as_deref())
            .find_map(|arn| arn.split('/').nth(1).filter(|p| p.starts_with("o-")))
    }

    /// The management account's 12-digit id: `MasterAccountId` from describe-organization, or
    /// the account field of a member account's ARN.
    pub fn management_account_id(&self) -> Option<&str> {
        if let Some(id) = self
            .description
            .as_ref()
            .and_then(|d| d.master_account_id.as_deref())
        {
            return Some(id);
        }
        self.accounts
            .iter()
            .filter_map(|a| a.arn.as_deref())
            .filter_map(|arn| iam::Arn::parse(arn).ok())
            .find_map(|arn| Some(arn.account).filter(|account| !account.is_empty()))
    }
}

/// One account: its IAM principals and policies, and its regions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Account {
    /// The 12-digit account id.
    pub id: Str,
    /// `aws iam get-account-authorization-details`; `None` when not collected.
    pub iam: Option<AuthorizationDetails>,
    /// Regions scanned in this account, sorted by name.
    pub regions: Vec<Region>,
}

/// One account-region. `None` in a field means that data was not collected.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Region {
    /// The region's name, e.g. `us-east-1`.
    pub name: Str,
    /// EBS volumes (`DescribeVolumes` `Volumes[]`).
    pub volumes: Option<Vec<Volume>>,
    /// EC2 instances (`DescribeInstances` `Reservations[].Instances[]`).
    pub instances: Option<Vec<Instance>>,
    /// Snapshots the account owns (`DescribeSnapshots --owner-ids self` `Snapshots[]`).
    pub snapshots: Option<Vec<Snapshot>>,
    /// AMIs the account owns (`DescribeImages --owners self` `Images[]`).
    pub images: Option<Vec<Image>>,
    /// Retention rules for EBS snapshots (`aws rbin list-rules --resource-type EBS_SNAPSHOT`).
    pub snapshot_retention_rules: Option<Vec<RetentionRule>>,
    /// Retention rules for AMIs (`aws rbin list-rules --resource-type EC2_IMAGE`).
    pub image_retention_rules: Option<Vec<RetentionRule>>,
    /// `aws ec2 get-snapshot-block-public-access-state`: `State`.
    pub snapshot_block_public_access: Option<Str>,
    /// `aws ec2 get-image-block-public-access-state`: `ImageBlockPublicAccessState`.
    pub image_block_public_access: Option<Str>,
    /// Data Lifecycle Manager policies, AWS Backup vaults, plans and recovery points.
    #[serde(default)]
    pub backup: RegionBackup,
}

/// Tag lookups shared by every tagged resource.
pub trait Tagged {
    /// The resource's tags (`Tags[]`), in the order AWS lists them.
    fn tags(&self) -> &[Tag];

    /// The value of the tag `key` (case-sensitive), if the resource has it.
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags()
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}

macro_rules! tagged {
    ($($t:ty),*) => {$(impl Tagged for $t { fn tags(&self) -> &[Tag] { &self.tags } })*};
}
tagged!(Volume, Instance, Snapshot, Image);

/// A bare tag list, as resources and selections compare them.
impl Tagged for [Tag] {
    fn tags(&self) -> &[Tag] {
        self
    }
}

/// Reads a key that AWS always returns and whose absence would read as the safer answer (a
/// snapshot's `State`, an AMI's `Public`, a rule's `RetentionPeriod`): a recorded entry without
/// it is refused as "missing field", and `null` is refused as the wrong type. `None` in such a
/// field only comes from a live scan in which AWS left the value out.
pub(crate) fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// The values AWS documents for each enumerated field the rules read. A value outside its set
/// (one AWS added later, or a damaged recording) is never read as the safe one: rules treat it
/// as unsafe or skip the resource, and [`Region::unknown_values`] lists it as a gap.
pub mod known {
    /// `DescribeSnapshots` `State`.
    pub const SNAPSHOT_STATES: &[&str] =
        &["pending", "completed", "error", "recoverable", "recovering"];
    /// `DescribeImages` `State`.
    pub const IMAGE_STATES: &[&str] = &[
        "pending",
        "available",
        "invalid",
        "deregistered",
        "transient",
        "failed",
        "error",
        "disabled",
    ];
    /// `GetSnapshotBlockPublicAccessState` `State`.
    pub const SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES: &[&str] =
        &["block-all-sharing", "block-new-sharing", "unblocked"];
    /// `GetImageBlockPublicAccessState` `ImageBlockPublicAccessState`.
    pub const IMAGE_BLOCK_PUBLIC_ACCESS_STATES: &[&str] = &["block-new-sharing", "unblocked"];
    /// Recycle Bin `RetentionPeriod.RetentionPeriodUnit`.
    pub const RETENTION_PERIOD_UNITS: &[&str] = &["DAYS"];
    /// Recycle Bin `LockState`.
    pub const LOCK_STATES: &[&str] = &["locked", "pending_unlock", "unlocked"];
    /// Recycle Bin `GetRule` `Status`.
    pub const RULE_STATUSES: &[&str] = &["pending", "available"];
    /// `CreateVolumePermission` / `LaunchPermission` `Group` (EC2 API Reference).
    pub const PERMISSION_GROUPS: &[&str] = &["all"];
    /// The keys of which a `CreateVolumePermission` or `LaunchPermission` has one.
    pub const PERMISSION_KEYS: &[&str] = &[
        "Group",
        "UserId",
        "OrganizationArn",
        "OrganizationalUnitArn",
    ];
    /// Data Lifecycle Manager `LifecyclePolicy` `State`.
    pub const LIFECYCLE_POLICY_STATES: &[&str] = &["ENABLED", "DISABLED", "ERROR"];
    /// Data Lifecycle Manager `PolicyType`.
    pub const LIFECYCLE_POLICY_TYPES: &[&str] = &[
        "EBS_SNAPSHOT_MANAGEMENT",
        "IMAGE_MANAGEMENT",
        "EVENT_BASED_POLICY",
    ];
    /// Data Lifecycle Manager `PolicyDetails.ResourceTypes`.
    pub const LIFECYCLE_RESOURCE_TYPES: &[&str] = &["VOLUME", "INSTANCE"];
    /// Data Lifecycle Manager `CreateRule.IntervalUnit`.
    pub const CREATE_INTERVAL_UNITS: &[&str] = &["HOURS"];
    /// Data Lifecycle Manager `RetainRule.IntervalUnit`.
    pub const RETAIN_INTERVAL_UNITS: &[&str] = &["DAYS", "WEEKS", "MONTHS", "YEARS"];
    /// AWS Backup `RecoveryPointByBackupVault.Status`.
    pub const RECOVERY_POINT_STATUSES: &[&str] = &[
        "COMPLETED",
        "PARTIAL",
        "DELETING",
        "EXPIRED",
        "AVAILABLE",
        "STOPPED",
        "CREATING",
    ];
    /// EC2 `LockedSnapshotsInfo.LockState`.
    pub const SNAPSHOT_LOCK_STATES: &[&str] =
        &["compliance", "governance", "compliance-cooloff", "expired"];
    /// AWS Backup `Condition.ConditionType` (`ListOfTags`).
    pub const SELECTION_CONDITION_TYPES: &[&str] = &["STRINGEQUALS"];
}

/// One value outside its documented set (see [`known`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The operation that returned it, e.g. `ec2:DescribeSnapshots`.
    pub operation: &'static str,
    /// Where: the resource and field, e.g. `snapshot snap-0123 State`.
    pub place: String,
    /// The value found.
    pub value: String,
    /// The values snapguard knows.
    pub expected: &'static [&'static str],
}

impl UnknownValue {
    /// A gap for the account-region it was found in, naming the value.
    pub fn gap(&self, account_id: &str, region: &str) -> Gap {
        Gap {
            account_id: account_id.to_owned(),
            region: Some(region.to_owned()),
            operation: self.operation.to_owned(),
            error: format!(
                "{} is {:?}, a value snapguard does not know (expected one of {}): it was not \
                 read as safe, and what depends on it is not scanned",
                self.place,
                self.value,
                self.expected.join(", ")
            ),
        }
    }
}

impl Region {
    /// Every enumerated value the rules read that is outside its documented set ([`known`]).
    /// The recorded reader and the live source both report these as gaps.
    pub fn unknown_values(&self) -> Vec<UnknownValue> {
        let mut found = Vec::new();
        let mut check = |operation,
                         place: &dyn Fn() -> String,
                         value: Option<&str>,
                         expected: &'static [&'static str]| {
            if let Some(value) = value.filter(|v| !expected.contains(v)) {
                found.push(UnknownValue {
                    operation,
                    place: place(),
                    value: value.to_owned(),
                    expected,
                });
            }
        };
        let mut shared: Vec<(&'static str, String, &[Permission])> = Vec::new();
        for s in self.snapshots.iter().flatten() {
            check(
                "ec2:DescribeSnapshots",
                &|| format!("snapshot {} State", s.snapshot_id),
                s.state.as_deref(),
                known::SNAPSHOT_STATES,
            );
            if let Some(list) = &s.create_volume_permissions {
                let place = format!("snapshot {} CreateVolumePermissions", s.snapshot_id);
                shared.push(("ec2:DescribeSnapshotAttribute", place, list));
            }
        }
        for i in self.images.iter().flatten() {
            check(
                "ec2:DescribeImages",
                &|| format!("image {} State", i.image_id),
                i.state.as_deref(),
                known::IMAGE_STATES,
            );
            if let Some(list) = &i.launch_permissions {
                let place = format!("image {} LaunchPermissions", i.image_id);
                shared.push(("ec2:DescribeImageAttribute", place, list));
            }
        }
        // A permission names its grantee with one of four keys, and `Group` only ever says
        // `all`: one that names nobody, or another group, is not "not shared".
        for (operation, place, list) in shared {
            for (index, p) in list.iter().enumerate() {
                if p.grantee().is_empty() {
                    check(
                        operation,
                        &|| format!("{place}[{index}]"),
                        Some("an entry naming no grantee"),
                        known::PERMISSION_KEYS,
                    );
                }
                check(
                    operation,
                    &|| format!("{place}[{index}] Group"),
                    p.group.as_deref(),
                    known::PERMISSION_GROUPS,
                );
            }
        }
        check(
            "ec2:GetSnapshotBlockPublicAccessState",
            &|| "snapshot block public access State".to_owned(),
            self.snapshot_block_public_access.as_deref(),
            known::SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES,
        );
        check(
            "ec2:GetImageBlockPublicAccessState",
            &|| "ImageBlockPublicAccessState".to_owned(),
            self.image_block_public_access.as_deref(),
            known::IMAGE_BLOCK_PUBLIC_ACCESS_STATES,
        );
        for (resource_type, rules) in [
            ("EBS_SNAPSHOT", &self.snapshot_retention_rules),
            ("EC2_IMAGE", &self.image_retention_rules),
        ] {
            for r in rules.iter().flatten() {
                let id = &r.identifier;
                check(
                    "rbin:ListRules",
                    &|| format!("{resource_type} retention rule {id} RetentionPeriodUnit"),
                    r.retention_period
                        .as_ref()
                        .map(|p| p.retention_period_unit.as_str()),
                    known::RETENTION_PERIOD_UNITS,
                );
                check(
                    "rbin:ListRules",
                    &|| format!("{resource_type} retention rule {id} LockState"),
                    r.lock_state.as_deref(),
                    known::LOCK_STATES,
                );
                check(
                    "rbin:GetRule",
                    &|| format!("{resource_type} retention rule {id} Status"),
                    r.status.as_deref(),
                    known::RULE_STATUSES,
                );
            }
        }
        for p in self.backup.lifecycle_policies.iter().flatten() {
            let id = &p.policy_id;
            check(
                "dlm:GetLifecyclePolicies",
                &|| format!("lifecycle policy {id} State"),
                p.state.as_deref(),
                known::LIFECYCLE_POLICY_STATES,
            );
            let details = p.policy_details.as_ref();
            check(
                "dlm:GetLifecyclePolicy",
                &|| format!("lifecycle policy {id} PolicyType"),
                details
                    .and_then(|d| d.policy_type.as_deref())
                    .or(p.policy_type.as_deref()),
                known::LIFECYCLE_POLICY_TYPES,
            );
            for t in details.iter().flat_map(|d| &d.resource_types) {
                check(
                    "dlm:GetLifecyclePolicy",
                    &|| format!("lifecycle policy {id} ResourceTypes"),
                    Some(t.as_str()),
                    known::LIFECYCLE_RESOURCE_TYPES,
                );
            }
            for s in details.iter().flat_map(|d| &d.schedules) {
                check(
                    "dlm:GetLifecyclePolicy",
                    &|| format!("lifecycle policy {id} CreateRule.IntervalUnit"),
                    s.create_rule
                        .as_ref()
                        .and_then(|c| c.interval_unit.as_deref()),
                    known::CREATE_INTERVAL_UNITS,
                );
                let retain_rules = s.retain_rule.iter().chain(
                    s.cross_region_copy_rules
                        .iter()
                        .filter_map(|c| c.retain_rule.as_ref()),
                );
                for r in retain_rules {
                    check(
                        "dlm:GetLifecyclePolicy",
                        &|| format!("lifecycle policy {id} RetainRule.IntervalUnit"),
                        r.interval_unit.as_deref(),
                        known::RETAIN_INTERVAL_UNITS,
                    );
                }
            }
        }
        for plan in self.backup.backup_plans.iter().flatten() {
            let name = plan.display_name();
            let selections = plan.selections.iter().flatten();
            for c in selections
                .filter_map(|s| s.backup_selection.as_ref())
                .flat_map(|d| &d.list_of_tags)
            {
                check(
                    "backup:GetBackupSelection",
                    &|| format!("backup plan {name} ListOfTags ConditionType"),
                    Some(c.condition_type.as_str()),
                    known::SELECTION_CONDITION_TYPES,
                );
            }
        }
        for l in self.backup.locked_snapshots.iter().flatten() {
            check(
                "ec2:DescribeLockedSnapshots",
                &|| format!("snapshot {} LockState", l.snapshot_id),
                Some(l.lock_state.as_str()),
                known::SNAPSHOT_LOCK_STATES,
            );
        }
        for p in self.backup.recovery_points.iter().flatten() {
            check(
                "backup:ListRecoveryPointsByBackupVault",
                &|| format!("recovery point {} Status", p.recovery_point_arn),
                p.status.as_deref(),
                known::RECOVERY_POINT_STATUSES,
            );
        }
        found
    }
}

/// An EBS volume: `DescribeVolumes` `Volumes[]`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVolumes.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    /// `vol-...` (`VolumeId`).
    pub volume_id: Str,
    /// `creating`, `available`, `in-use`, `deleting`, `deleted` or `error` (`State`).
    #[serde(default)]
    pub state: Option<Str>,
    /// Size in GiB (`Size`).
    #[serde(default)]
    pub size: Option<u64>,
    /// `gp3`, `io2`, ... (`VolumeType`).
    #[serde(default)]
    pub volume_type: Option<Str>,
    /// Whether the volume is encrypted (`Encrypted`).
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// E.g. `us-east-1a` (`AvailabilityZone`).
    #[serde(default)]
    pub availability_zone: Option<Str>,
    /// When the volume was created, UTC (`CreateTime`).
    #[serde(default)]
    pub create_time: Option<Timestamp>,
    /// The instances it is attached to (`Attachments[]`).
    #[serde(default)]
    pub attachments: Vec<VolumeAttachment>,
    /// The volume's tags (`Tags[]`).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One attachment of a volume: `DescribeVolumes` `Volumes[].Attachments[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeAttachment {
    /// `i-...` (`InstanceId`).
    #[serde(default)]
    pub instance_id: Option<Str>,
    /// The device name on the instance, e.g. `/dev/xvdf` (`Device`).
    #[serde(default)]
    pub device: Option<Str>,
    /// `attaching`, `attached`, `detaching`, `detached` or `busy` (`State`).
    #[serde(default)]
    pub state: Option<Str>,
}

/// An EC2 instance: `DescribeInstances` `Reservations[].Instances[]`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    /// `i-...` (`InstanceId`).
    pub instance_id: Str,
    /// The instance's state (`State`).
    #[serde(default)]
    pub state: Option<InstanceState>,
    /// Its block devices, with the EBS volumes attached (`BlockDeviceMappings[]`).
    #[serde(default)]
    pub block_device_mappings: Vec<BlockDeviceMapping>,
    /// The instance's tags (`Tags[]`).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl Instance {
    /// Whether it is gone: `State.Name` is `terminated`.
    pub fn is_terminated(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.name == "terminated")
    }

    /// The ids of its attached EBS volumes (`vol-...`), in device order.
    pub fn ebs_volume_ids(&self) -> impl Iterator<Item = &str> {
        self.block_device_mappings
            .iter()
            .filter_map(|m| m.ebs.as_ref()?.volume_id.as_deref())
    }
}

/// An instance's `State`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceState {
    /// `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped` (`State.Name`).
    pub name: Str,
}

/// A block device of an instance (`Ebs.VolumeId`) or of an image (`Ebs.SnapshotId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMapping {
    /// E.g. `/dev/xvda` (`DeviceName`).
    #[serde(default)]
    pub device_name: Option<Str>,
    /// The EBS part (`Ebs`); `None` for instance-store devices.
    #[serde(default)]
    pub ebs: Option<EbsBlockDevice>,
}

/// The `Ebs` part of a block device mapping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsBlockDevice {
    /// The attached volume, `vol-...` (`Ebs.VolumeId`; instances only).
    #[serde(default)]
    pub volume_id: Option<Str>,
    /// The snapshot the device is created from, `snap-...` (`Ebs.SnapshotId`; images only).
    #[serde(default)]
    pub snapshot_id: Option<Str>,
}

/// An EBS snapshot the account owns: `DescribeSnapshots` `Snapshots[]`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Snapshot {
    /// `snap-...` (`SnapshotId`).
    pub snapshot_id: Str,
    /// The volume it was taken from, `vol-...` (`VolumeId`).
    #[serde(default)]
    pub volume_id: Option<Str>,
    /// `pending`, `completed`, `error`, `recoverable` or `recovering` (`State`; required in a
    /// recorded file: see [`present`]).
    #[serde(deserialize_with = "present")]
    pub state: Option<Str>,
    /// When the snapshot was started, UTC (`StartTime`).
    pub start_time: Timestamp,
    /// The snapshot's description (`Description`); copies are recognised by it.
    #[serde(default)]
    pub description: Option<Str>,
    /// Whether the snapshot is encrypted (`Encrypted`; AWS always returns it, so a recorded
    /// entry without it is refused).
    pub encrypted: bool,
    /// The ARN of the KMS key that encrypts it (`KmsKeyId`).
    #[serde(default)]
    pub kms_key_id: Option<Str>,
    /// The 12-digit id of the owning account (`OwnerId`).
    #[serde(default)]
    pub owner_id: Option<Str>,
    /// Size of the source volume in GiB (`VolumeSize`).
    #[serde(default)]
    pub volume_size: Option<u64>,
    /// `standard` or `archive`; absent means standard.
    #[serde(default)]
    pub storage_tier: Option<Str>,
    /// The snapshot's tags (`Tags[]`).
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// From `describe-snapshot-attribute --attribute createVolumePermission`; `None` when not
    /// recorded for this snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_volume_permissions: Option<Vec<Permission>>,
}

impl Snapshot {
    /// Whether the snapshot is complete: `State` is `completed`.
    pub fn is_completed(&self) -> bool {
        self.state.as_deref() == Some("completed")
    }

    /// Holds, or will hold, the data: `pending`, `completed`, `recoverable` or `recovering`.
    /// `error`, a state snapguard does not know, or none is not usable: an unknown state is
    /// never read as the safe one.
    pub fn is_usable(&self) -> bool {
        matches!(
            self.state.as_deref(),
            Some("pending" | "completed" | "recoverable" | "recovering")
        )
    }
}

/// An AMI the account owns: `DescribeImages` `Images[]`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html>
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Image {
    /// `ami-...` (`ImageId`).
    pub image_id: Str,
    /// The AMI's name (`Name`).
    #[serde(default)]
    pub name: Option<Str>,
    /// The AMI's description (`Description`); copies are recognised by it.
    #[serde(default)]
    pub description: Option<Str>,
    /// The 12-digit id of the owning account (`OwnerId`).
    #[serde(default)]
    pub owner_id: Option<Str>,
    /// `available`, `pending`, `failed`, `disabled`, `deregistered`, ... (`State`; required in
    /// a recorded file: see [`present`]).
    #[serde(deserialize_with = "present")]
    pub state: Option<Str>,
    /// When the AMI was created, UTC (`CreationDate`).
    #[serde(default)]
    pub creation_date: Option<Timestamp>,
    /// When the AMI is (or was) deprecated, UTC (`DeprecationTime`); absent when no
    /// deprecation is set. `DescribeImages` lists deprecated AMIs of other owners only with
    /// `IncludeDeprecated`, disabled ones only with `IncludeDisabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_time: Option<Timestamp>,
    /// Whether the AMI has public launch permissions (`Public`; required in a recorded file:
    /// see [`present`]).
    #[serde(deserialize_with = "present")]
    pub public: Option<bool>,
    /// Its block devices, with the snapshots behind them (`BlockDeviceMappings[]`).
    #[serde(default)]
    pub block_device_mappings: Vec<BlockDeviceMapping>,
    /// The AMI's tags (`Tags[]`).
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The AMI this one was copied or created from, as `describe-images` reports it
    /// (absent for older AMIs and those registered from snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_image_id: Option<Str>,
    /// The region of [`source_image_id`](Self::source_image_id) (`SourceImageRegion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_image_region: Option<Str>,
    /// From `describe-image-attribute --attribute launchPermission`; `None` when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_permissions: Option<Vec<Permission>>,
}

impl Image {
    /// Launchable, or on its way to be: `available` or `pending` (not `failed`, `error`,
    /// `invalid`, `deregistered`, `disabled`, ...). A copy that failed in the background
    /// is no copy, and neither is an AMI in a state snapguard does not know or in none.
    pub fn is_usable(&self) -> bool {
        matches!(self.state.as_deref(), Some("available" | "pending"))
    }

    /// The snapshots behind the AMI's EBS block devices (`BlockDeviceMappings[].Ebs.SnapshotId`).
    pub fn snapshot_ids(&self) -> impl Iterator<Item = &str> {
        self.block_device_mappings
            .iter()
            .filter_map(|m| m.ebs.as_ref()?.snapshot_id.as_deref())
    }
}

/// One entry of a snapshot's `CreateVolumePermissions` or an image's `LaunchPermissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    /// `all` for a public grant (`Group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Str>,
    /// A 12-digit account id (`UserId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Str>,
    /// An organization ARN (`OrganizationArn`; images only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_arn: Option<Str>,
    /// An organizational unit ARN (`OrganizationalUnitArn`; images only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit_arn: Option<Str>,
}

impl Permission {
    /// Whether it grants everyone: `Group` is `all`.
    pub fn is_public(&self) -> bool {
        self.group.as_deref() == Some("all")
    }

    /// The grantee as one string: an account id, an org or OU ARN, or `all`.
    pub fn grantee(&self) -> &str {
        self.user_id
            .as_deref()
            .or(self.organization_arn.as_deref())
            .or(self.organizational_unit_arn.as_deref())
            .or(self.group.as_deref())
            .unwrap_or("")
    }
}

/// A Recycle Bin retention rule: the `list-rules` summary, completed by `get-rule` when recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionRule {
    /// The rule id (`Identifier`).
    pub identifier: Str,
    /// The rule's description (`Description`).
    #[serde(default)]
    pub description: Option<Str>,
    /// The rule's ARN (`RuleArn`).
    #[serde(default)]
    pub rule_arn: Option<Str>,
    /// How long deleted resources are kept (`RetentionPeriod`; required in a recorded file:
    /// see [`present`]).
    #[serde(deserialize_with = "present")]
    pub retention_period: Option<RetentionPeriod>,
    /// `locked`, `pending_unlock`, `unlocked`, or absent (never locked).
    #[serde(default)]
    pub lock_state: Option<Str>,
    /// From `get-rule`: `available` or `pending`.
    #[serde(default)]
    pub status: Option<Str>,
    /// From `get-rule`: tag-level rules retain only resources with one of these tags.
    /// `None` when the rule's details were not recorded.
    #[serde(default)]
    pub resource_tags: Option<Vec<RetentionRuleTag>>,
    /// From `get-rule`: region-level rules skip resources with one of these tags.
    #[serde(default)]
    pub exclude_resource_tags: Option<Vec<RetentionRuleTag>>,
}

impl RetentionRule {
    /// The retention period in days; `None` when unknown or in a unit other than `DAYS`.
    pub fn retention_days(&self) -> Option<u64> {
        let p = self.retention_period.as_ref()?;
        (p.retention_period_unit == "DAYS").then_some(p.retention_period_value)
    }

    /// Whether the rule is locked: `LockState` is `locked` (`pending_unlock` is not).
    pub fn is_locked(&self) -> bool {
        self.lock_state.as_deref() == Some("locked")
    }

    /// A tag-level rule lists resource tags; a region-level rule lists none. Unknown when the
    /// details were not recorded.
    pub fn is_tag_level(&self) -> Option<bool> {
        self.resource_tags.as_ref().map(|t| !t.is_empty())
    }
}

/// A retention rule's `RetentionPeriod`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionPeriod {
    /// The number of units (`RetentionPeriodValue`).
    pub retention_period_value: u64,
    /// The unit, `DAYS` (`RetentionPeriodUnit`).
    pub retention_period_unit: Str,
}

/// One of a rule's `ResourceTags[]` or `ExcludeResourceTags[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionRuleTag {
    /// The tag key (`ResourceTagKey`).
    pub resource_tag_key: Str,
    /// The tag value (`ResourceTagValue`); absent or empty matches any value.
    #[serde(default)]
    pub resource_tag_value: Option<Str>,
}

impl RetentionRuleTag {
    /// Recycle Bin matches a tag by key and, when given, by value.
    pub fn matches(&self, resource: &impl Tagged) -> bool {
        match (
            resource.tag(&self.resource_tag_key),
            &self.resource_tag_value,
        ) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(v), Some(want)) => want.is_empty() || v == want,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Root -> ou-prod -> account 111111111111, with one backup policy at each level.
    fn organization(account_policy: serde_json::Value) -> Organization {
        let policy = |id: &str, target: &str, content: serde_json::Value| OrganizationPolicy {
            id: id.into(),
            name: format!("{id} name").into(),
            content,
            target_ids: vec![target.into()],
        };
        Organization {
            roots: vec![OrgNode {
                id: "r-root".into(),
                ..OrgNode::default()
            }],
            parents: [
                ("ou-prod".into(), "r-root".into()),
                ("111111111111".into(), "ou-prod".into()),
            ]
            .into(),
            backup_policies: Some(vec![
                policy(
                    "p-root",
                    "r-root",
                    json!({ "plans": { "daily": { "regions": { "@@assign": ["us-east-1", "eu-west-1"] } } } }),
                ),
                policy(
                    "p-ou",
                    "ou-prod",
                    json!({ "plans": { "daily": { "regions": { "@@remove": ["eu-west-1"], "@@append": ["us-west-2"] } } } }),
                ),
                policy("p-account", "111111111111", account_policy),
            ]),
            ..Organization::default()
        }
    }

    #[test]
    fn mandated_plans_follow_the_inheritance_operators_down_the_tree() {
        // The account's own policy names a plan without regions: mandated nowhere.
        let org = organization(json!({ "plans": { "weekly": { "rules": {} } } }));
        let plans = |region: &str| -> Vec<(String, String)> {
            org.mandated_backup_plans("111111111111", region)
                .unwrap()
                .into_iter()
                .map(|m| (m.plan, m.policy_id))
                .collect()
        };
        assert_eq!(plans("us-east-1"), [("daily".into(), "p-ou".into())]);
        assert_eq!(plans("us-west-2"), [("daily".into(), "p-ou".into())]);
        assert!(plans("eu-west-1").is_empty(), "removed below the root");
        // An assign lower down replaces what is inherited.
        let org = organization(
            json!({ "plans": { "daily": { "regions": { "@@assign": ["ap-south-1"] } } } }),
        );
        let mandated = org
            .mandated_backup_plans("111111111111", "us-east-1")
            .unwrap();
        assert!(mandated.is_empty(), "{mandated:?}");
        // Content not understood: unknown, not "nothing mandated".
        for bad in [
            json!({ "plans": [] }),
            json!({ "plans": { "daily": { "regions": ["us-east-1"] } } }),
            json!({ "plans": { "daily": { "regions": { "@@prepend": ["us-east-1"] } } } }),
        ] {
            assert!(
                organization(bad.clone())
                    .mandated_backup_plans("111111111111", "us-east-1")
                    .is_none(),
                "{bad}"
            );
        }
        // Not in the tree: unknown.
        assert!(organization(json!({ "plans": {} }))
            .mandated_backup_plans("999999999999", "us-east-1")
            .is_none());
    }
}
