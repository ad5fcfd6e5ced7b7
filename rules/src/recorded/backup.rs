//! The recorded files of an account-region's backup services (Data Lifecycle Manager and AWS
//! Backup): their names, the operations they record, their JSON shapes as the AWS CLI prints
//! them, how the reader assembles them into a [`RegionBackup`] and how the writer writes one.
//!
//! ```text
//! <region>/get-lifecycle-policies.json       aws dlm get-lifecycle-policies
//! <region>/get-lifecycle-policy.json         aws dlm get-lifecycle-policy --policy-id ...,
//!                                            for every policy, gathered
//! <region>/list-backup-vaults.json           aws backup list-backup-vaults
//! <region>/get-backup-vault-access-policy.json
//!                                            aws backup get-backup-vault-access-policy
//!                                            --backup-vault-name ..., for every vault, gathered;
//!                                            {"BackupVaultName": NAME} without "Policy" where
//!                                            AWS answered ResourceNotFoundException
//! <region>/list-backup-plans.json            aws backup list-backup-plans
//! <region>/get-backup-plan.json              aws backup get-backup-plan --backup-plan-id ...,
//!                                            for every plan, gathered
//! <region>/list-backup-selections.json       aws backup list-backup-selections
//!                                            --backup-plan-id ..., for every plan, gathered
//! <region>/get-backup-selection.json         aws backup get-backup-selection --backup-plan-id
//!                                            ... --selection-id ..., for every selection, gathered
//! <region>/list-recovery-points-by-backup-vault.json
//!                                            aws backup list-recovery-points-by-backup-vault
//!                                            --backup-vault-name ... --by-resource-type EBS (and
//!                                            EC2), for every vault, gathered
//! <region>/get-ebs-encryption-by-default.json aws ec2 get-ebs-encryption-by-default
//! <region>/get-ebs-default-kms-key-id.json   aws ec2 get-ebs-default-kms-key-id
//! <region>/describe-locked-snapshots.json    aws ec2 describe-locked-snapshots
//! ```
//!
//! A region folder either has none of these files (recorded without this layer: nothing of it
//! is known, and the rules that read it fire rather than pass) or has the three listings; one
//! of them absent next to the others is a gap. A gathered file is required when its listing
//! lists something: absent, or without an entry for a listed resource, that resource's part
//! is a gap (never taken as "has none").

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::inventory::{
    BackupPlan, BackupRule, BackupSelection, BackupVault, BackupVaultAccessPolicy, Gap,
    LifecyclePolicy, LockedSnapshot, PolicyDetails, RecoveryPoint, RegionBackup, SelectionDetails,
    Str,
};

use super::read::{join, read_json, read_json_stream, InputError};
use super::write::{put, WriteError};

/// Every backup file a region folder may hold, with the operation it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupFile {
    /// `get-lifecycle-policies.json`: `aws dlm get-lifecycle-policies`.
    LifecyclePolicies,
    /// `get-lifecycle-policy.json`: `aws dlm get-lifecycle-policy`, one per policy.
    LifecyclePolicyDetails,
    /// `list-backup-vaults.json`: `aws backup list-backup-vaults`.
    BackupVaults,
    /// `get-backup-vault-access-policy.json`: `aws backup get-backup-vault-access-policy`, one
    /// per vault.
    VaultAccessPolicies,
    /// `list-backup-plans.json`: `aws backup list-backup-plans`.
    BackupPlans,
    /// `get-backup-plan.json`: `aws backup get-backup-plan`, one per plan.
    BackupPlanDetails,
    /// `list-backup-selections.json`: `aws backup list-backup-selections`, one per plan.
    BackupSelections,
    /// `get-backup-selection.json`: `aws backup get-backup-selection`, one per selection.
    BackupSelectionDetails,
    /// `list-recovery-points-by-backup-vault.json`:
    /// `aws backup list-recovery-points-by-backup-vault --by-resource-type EBS|EC2`, per vault.
    RecoveryPoints,
    /// `get-ebs-encryption-by-default.json`: `aws ec2 get-ebs-encryption-by-default`.
    EbsEncryptionByDefault,
    /// `get-ebs-default-kms-key-id.json`: `aws ec2 get-ebs-default-kms-key-id`.
    EbsDefaultKmsKeyId,
    /// `describe-locked-snapshots.json`: `aws ec2 describe-locked-snapshots`.
    LockedSnapshots,
}

impl BackupFile {
    /// Every variant, in declaration order.
    pub const ALL: [BackupFile; 12] = [
        BackupFile::LifecyclePolicies,
        BackupFile::LifecyclePolicyDetails,
        BackupFile::BackupVaults,
        BackupFile::VaultAccessPolicies,
        BackupFile::BackupPlans,
        BackupFile::BackupPlanDetails,
        BackupFile::BackupSelections,
        BackupFile::BackupSelectionDetails,
        BackupFile::RecoveryPoints,
        BackupFile::EbsEncryptionByDefault,
        BackupFile::EbsDefaultKmsKeyId,
        BackupFile::LockedSnapshots,
    ];

    /// The file's name inside a region folder.
    pub fn file_name(self) -> &'static str {
        match self {
            BackupFile::LifecyclePolicies => "get-lifecycle-policies.json",
            BackupFile::LifecyclePolicyDetails => "get-lifecycle-policy.json",
            BackupFile::BackupVaults => "list-backup-vaults.json",
            BackupFile::VaultAccessPolicies => "get-backup-vault-access-policy.json",
            BackupFile::BackupPlans => "list-backup-plans.json",
            BackupFile::BackupPlanDetails => "get-backup-plan.json",
            BackupFile::BackupSelections => "list-backup-selections.json",
            BackupFile::BackupSelectionDetails => "get-backup-selection.json",
            BackupFile::RecoveryPoints => "list-recovery-points-by-backup-vault.json",
            BackupFile::EbsEncryptionByDefault => "get-ebs-encryption-by-default.json",
            BackupFile::EbsDefaultKmsKeyId => "get-ebs-default-kms-key-id.json",
            BackupFile::LockedSnapshots => "describe-locked-snapshots.json",
        }
    }

    /// The API operation the file records, as reports name it.
    pub fn operation(self) -> &'static str {
        match self {
            BackupFile::LifecyclePolicies => "dlm:GetLifecyclePolicies",
            BackupFile::LifecyclePolicyDetails => "dlm:GetLifecyclePolicy",
            BackupFile::BackupVaults => "backup:ListBackupVaults",
            BackupFile::VaultAccessPolicies => "backup:GetBackupVaultAccessPolicy",
            BackupFile::BackupPlans => "backup:ListBackupPlans",
            BackupFile::BackupPlanDetails => "backup:GetBackupPlan",
            BackupFile::BackupSelections => "backup:ListBackupSelections",
            BackupFile::BackupSelectionDetails => "backup:GetBackupSelection",
            BackupFile::RecoveryPoints => "backup:ListRecoveryPointsByBackupVault",
            BackupFile::EbsEncryptionByDefault => "ec2:GetEbsEncryptionByDefault",
            BackupFile::EbsDefaultKmsKeyId => "ec2:GetEbsDefaultKmsKeyId",
            BackupFile::LockedSnapshots => "ec2:DescribeLockedSnapshots",
        }
    }

    pub(super) fn from_file_name(name: &str) -> Option<BackupFile> {
        BackupFile::ALL.into_iter().find(|f| f.file_name() == name)
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes. The type names show in the reader's error messages.

/// `aws dlm get-lifecycle-policies`: each summary reads straight into a [`LifecyclePolicy`].
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetLifecyclePolicies<P = Vec<LifecyclePolicy>> {
    policies: P,
}

/// `aws dlm get-lifecycle-policy`, one per policy.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetLifecyclePolicy<P = LifecyclePolicyDetail> {
    policy: P,
}

/// What the reader takes from `get-lifecycle-policy`'s `Policy` (the writer writes the whole
/// [`LifecyclePolicy`]).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LifecyclePolicyDetail {
    policy_id: Str,
    #[serde(default)]
    policy_arn: Option<Str>,
    #[serde(default)]
    execution_role_arn: Option<Str>,
    policy_details: PolicyDetails,
}

/// `aws backup list-backup-vaults`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBackupVaults<V = Vec<BackupVault>> {
    backup_vault_list: V,
}

/// `aws backup get-backup-vault-access-policy`, one per vault; without `Policy` where the
/// vault has none.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetBackupVaultAccessPolicy {
    backup_vault_name: Str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_vault_arn: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
}

/// `aws backup list-backup-plans`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBackupPlans<P = Vec<BackupPlan>> {
    backup_plans_list: P,
}

/// `aws backup get-backup-plan`, one per plan.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetBackupPlan<R = Vec<BackupRule>> {
    backup_plan: PlanDocument<R>,
    backup_plan_id: Str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_plan_arn: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version_id: Option<Str>,
}

/// `get-backup-plan`'s `BackupPlan`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PlanDocument<R = Vec<BackupRule>> {
    backup_plan_name: Str,
    rules: R,
}

/// `aws backup list-backup-selections`, one per plan.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBackupSelections<S = Vec<SelectionSummary>> {
    backup_selections_list: S,
}

/// One of `BackupSelectionsList[]`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SelectionSummary {
    selection_id: Str,
    backup_plan_id: Str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection_name: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iam_role_arn: Option<Str>,
}

/// `aws backup get-backup-selection`, one per selection.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetBackupSelection<S = SelectionDetails> {
    backup_selection: S,
    selection_id: Str,
    backup_plan_id: Str,
}

/// `aws backup list-recovery-points-by-backup-vault`, one per vault and resource type.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListRecoveryPointsByBackupVault<R = Vec<RecoveryPoint>> {
    recovery_points: R,
}

/// `aws ec2 get-ebs-encryption-by-default`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetEbsEncryptionByDefault {
    ebs_encryption_by_default: bool,
}

/// `aws ec2 get-ebs-default-kms-key-id`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetEbsDefaultKmsKeyId {
    kms_key_id: Str,
}

/// `aws ec2 describe-locked-snapshots`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeLockedSnapshots<S = Vec<LockedSnapshot>> {
    snapshots: S,
}

// ---------------------------------------------------------------------------------------------
// Reader

/// The backup files of one region folder, parsed.
#[derive(Default)]
pub(super) struct BackupFiles {
    policies: Option<Vec<LifecyclePolicy>>,
    policy_details: Option<Vec<GetLifecyclePolicy>>,
    vaults: Option<Vec<BackupVault>>,
    access_policies: Option<Vec<GetBackupVaultAccessPolicy>>,
    plans: Option<Vec<BackupPlan>>,
    plan_details: Option<Vec<GetBackupPlan>>,
    selections: Option<Vec<ListBackupSelections>>,
    selection_details: Option<Vec<GetBackupSelection>>,
    recovery_points: Option<Vec<ListRecoveryPointsByBackupVault>>,
    encryption_by_default: Option<bool>,
    default_kms_key_id: Option<Str>,
    locked_snapshots: Option<Vec<LockedSnapshot>>,
}

impl BackupFiles {
    /// Parses one file into its place.
    pub(super) fn read(&mut self, kind: BackupFile, path: &Path) -> Result<(), InputError> {
        match kind {
            BackupFile::LifecyclePolicies => {
                self.policies = Some(read_json::<GetLifecyclePolicies>(path)?.policies)
            }
            BackupFile::LifecyclePolicyDetails => {
                self.policy_details = Some(read_json_stream(path)?)
            }
            BackupFile::BackupVaults => {
                self.vaults = Some(read_json::<ListBackupVaults>(path)?.backup_vault_list)
            }
            BackupFile::VaultAccessPolicies => self.access_policies = Some(read_json_stream(path)?),
            BackupFile::BackupPlans => {
                self.plans = Some(read_json::<ListBackupPlans>(path)?.backup_plans_list)
            }
            BackupFile::BackupPlanDetails => self.plan_details = Some(read_json_stream(path)?),
            BackupFile::BackupSelections => self.selections = Some(read_json_stream(path)?),
            BackupFile::BackupSelectionDetails => {
                self.selection_details = Some(read_json_stream(path)?)
            }
            BackupFile::RecoveryPoints => self.recovery_points = Some(read_json_stream(path)?),
            BackupFile::EbsEncryptionByDefault => {
                self.encryption_by_default =
                    Some(read_json::<GetEbsEncryptionByDefault>(path)?.ebs_encryption_by_default)
            }
            BackupFile::EbsDefaultKmsKeyId => {
                self.default_kms_key_id = Some(read_json::<GetEbsDefaultKmsKeyId>(path)?.kms_key_id)
            }
            BackupFile::LockedSnapshots => {
                self.locked_snapshots = Some(read_json::<DescribeLockedSnapshots>(path)?.snapshots)
            }
        }
        Ok(())
    }

    /// Whether the folder holds no backup file at all.
    fn is_empty(&self) -> bool {
        self.policies.is_none()
            && self.policy_details.is_none()
            && self.vaults.is_none()
            && self.access_policies.is_none()
            && self.plans.is_none()
            && self.plan_details.is_none()
            && self.selections.is_none()
            && self.selection_details.is_none()
            && self.recovery_points.is_none()
            && self.encryption_by_default.is_none()
            && self.default_kms_key_id.is_none()
            && self.locked_snapshots.is_none()
    }

    /// Joins the per-resource outputs onto their resources and lists what is missing. A folder
    /// with no backup file at all was recorded without this layer (as inventories recorded
    /// before it were): nothing of it is known, and no gap is reported, since the rules that
    /// read it take "unknown" as "no schedule, no recovery point" and say so.
    pub(super) fn assemble(self, account: &str, region: &str) -> (RegionBackup, Vec<Gap>) {
        if self.is_empty() {
            return (RegionBackup::default(), Vec::new());
        }
        let mut gaps = Vec::new();
        let mut gap = |file: BackupFile, error: String| {
            gaps.push(Gap::in_region(account, region, file.operation(), error))
        };
        let absent = |file: BackupFile| format!("{} is absent: not collected", file.file_name());
        let undescribed = |file: BackupFile, n: usize, what: &str| {
            format!(
                "{} has no entry for {n} {what}: their details are unknown",
                file.file_name()
            )
        };

        // DLM policies, completed by get-lifecycle-policy.
        let mut policies = self.policies;
        match &mut policies {
            None => gap(
                BackupFile::LifecyclePolicies,
                absent(BackupFile::LifecyclePolicies),
            ),
            Some(policies) => {
                let details = self.policy_details.map(|d| {
                    d.into_iter()
                        .map(|d| (d.policy.policy_id.clone(), d.policy))
                        .collect()
                });
                let missing = join(
                    policies,
                    details,
                    |p| &p.policy_id,
                    |policy, d: LifecyclePolicyDetail| {
                        policy.policy_arn = d.policy_arn;
                        policy.execution_role_arn = d.execution_role_arn;
                        policy.policy_details = Some(d.policy_details);
                    },
                )
                .missing;
                if missing > 0 {
                    gap(
                        BackupFile::LifecyclePolicyDetails,
                        undescribed(BackupFile::LifecyclePolicyDetails, missing, "DLM policies"),
                    );
                }
            }
        }

        // Vaults, with their access policies.
        let mut vaults = self.vaults;
        match &mut vaults {
            None => gap(BackupFile::BackupVaults, absent(BackupFile::BackupVaults)),
            Some(vaults) => {
                let policies = self.access_policies.map(|p| {
                    p.into_iter()
                        .map(|p| (p.backup_vault_name.clone(), p))
                        .collect()
                });
                let missing = join(
                    vaults,
                    policies,
                    |v| &v.backup_vault_name,
                    |vault, p: GetBackupVaultAccessPolicy| {
                        vault.access_policy = Some(BackupVaultAccessPolicy { policy: p.policy })
                    },
                )
                .missing;
                if missing > 0 {
                    gap(
                        BackupFile::VaultAccessPolicies,
                        undescribed(BackupFile::VaultAccessPolicies, missing, "backup vaults"),
                    );
                }
            }
        }

        // Plans, with their rules and selections.
        let mut plans = self.plans;
        match &mut plans {
            None => gap(BackupFile::BackupPlans, absent(BackupFile::BackupPlans)),
            Some(plans) => {
                let mut details: HashMap<Str, GetBackupPlan> = self
                    .plan_details
                    .into_iter()
                    .flatten()
                    .map(|d| (d.backup_plan_id.clone(), d))
                    .collect();
                let mut selections: Option<BTreeMap<Str, Vec<BackupSelection>>> =
                    self.selections.map(|outputs| {
                        let mut by_plan: BTreeMap<Str, Vec<BackupSelection>> = BTreeMap::new();
                        for s in outputs.into_iter().flat_map(|o| o.backup_selections_list) {
                            by_plan
                                .entry(s.backup_plan_id)
                                .or_default()
                                .push(BackupSelection {
                                    selection_id: s.selection_id,
                                    selection_name: s.selection_name,
                                    iam_role_arn: s.iam_role_arn,
                                    backup_selection: None,
                                });
                        }
                        by_plan
                    });
                let mut selection_details: HashMap<(Str, Str), SelectionDetails> = self
                    .selection_details
                    .into_iter()
                    .flatten()
                    .map(|d| ((d.backup_plan_id, d.selection_id), d.backup_selection))
                    .collect();
                let (mut undetailed_plans, mut undetailed_selections) = (0, 0);
                for plan in plans.iter_mut() {
                    match details.remove(&plan.backup_plan_id) {
                        Some(d) => plan.rules = Some(d.backup_plan.rules),
                        None => undetailed_plans += 1,
                    }
                    // A plan no output of list-backup-selections names has no selection.
                    plan.selections = selections
                        .as_mut()
                        .map(|s| s.remove(&plan.backup_plan_id).unwrap_or_default());
                    for selection in plan.selections.iter_mut().flatten() {
                        let key = (plan.backup_plan_id.clone(), selection.selection_id.clone());
                        match selection_details.remove(&key) {
                            Some(d) => selection.backup_selection = Some(d),
                            None => undetailed_selections += 1,
                        }
                    }
                }
                if undetailed_plans > 0 {
                    gap(
                        BackupFile::BackupPlanDetails,
                        undescribed(
                            BackupFile::BackupPlanDetails,
                            undetailed_plans,
                            "backup plans",
                        ),
                    );
                }
                if selections.is_none() && !plans.is_empty() {
                    gap(
                        BackupFile::BackupSelections,
                        format!(
                            "{} is absent: what {} backup plans select is unknown",
                            BackupFile::BackupSelections.file_name(),
                            plans.len()
                        ),
                    );
                }
                if undetailed_selections > 0 {
                    gap(
                        BackupFile::BackupSelectionDetails,
                        undescribed(
                            BackupFile::BackupSelectionDetails,
                            undetailed_selections,
                            "backup selections",
                        ),
                    );
                }
            }
        }

        // Recovery points: required once a vault is listed.
        let recovery_points = match (&vaults, self.recovery_points) {
            (_, Some(outputs)) => Some(
                outputs
                    .into_iter()
                    .flat_map(|o| o.recovery_points)
                    .collect(),
            ),
            (Some(v), None) if v.is_empty() => Some(Vec::new()),
            (Some(v), None) => {
                gap(
                    BackupFile::RecoveryPoints,
                    format!(
                        "{} is absent: the recovery points of {} backup vaults were not collected",
                        BackupFile::RecoveryPoints.file_name(),
                        v.len()
                    ),
                );
                None
            }
            (None, None) => None,
        };

        // The EBS guardrails: each file required, as the listings are.
        for (file, read) in [
            (
                BackupFile::EbsEncryptionByDefault,
                self.encryption_by_default.is_some(),
            ),
            (
                BackupFile::EbsDefaultKmsKeyId,
                self.default_kms_key_id.is_some(),
            ),
            (BackupFile::LockedSnapshots, self.locked_snapshots.is_some()),
        ] {
            if !read {
                gap(file, absent(file));
            }
        }

        (
            RegionBackup {
                lifecycle_policies: policies,
                backup_vaults: vaults,
                backup_plans: plans,
                recovery_points,
                ebs_encryption_by_default: self.encryption_by_default,
                ebs_default_kms_key_id: self.default_kms_key_id,
                locked_snapshots: self.locked_snapshots,
            },
            gaps,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Writer

/// Writes what was collected of `backup` into the region folder `dir`; what was not collected
/// is not written (the reader turns the absent file into a gap).
pub(super) fn write(backup: &RegionBackup, dir: &Path) -> Result<(), WriteError> {
    let path = |file: BackupFile| dir.join(file.file_name());
    if let Some(policies) = &backup.lifecycle_policies {
        let summaries: Vec<LifecyclePolicy> = policies
            .iter()
            .map(|p| LifecyclePolicy {
                policy_arn: None,
                execution_role_arn: None,
                policy_details: None,
                ..p.clone()
            })
            .collect();
        put(
            &path(BackupFile::LifecyclePolicies),
            &GetLifecyclePolicies {
                policies: summaries,
            },
        )?;
        let details: Vec<_> = policies
            .iter()
            .filter(|p| p.policy_details.is_some())
            .map(|policy| GetLifecyclePolicy { policy })
            .collect();
        put(&path(BackupFile::LifecyclePolicyDetails), &details)?;
    }
    if let Some(vaults) = &backup.backup_vaults {
        let listed: Vec<BackupVault> = vaults
            .iter()
            .map(|v| BackupVault {
                access_policy: None,
                ..v.clone()
            })
            .collect();
        put(
            &path(BackupFile::BackupVaults),
            &ListBackupVaults {
                backup_vault_list: listed,
            },
        )?;
        let policies: Vec<_> = vaults
            .iter()
            .filter_map(|v| {
                Some(GetBackupVaultAccessPolicy {
                    backup_vault_name: v.backup_vault_name.clone(),
                    backup_vault_arn: v.backup_vault_arn.clone(),
                    policy: v.access_policy.as_ref()?.policy.clone(),
                })
            })
            .collect();
        put(&path(BackupFile::VaultAccessPolicies), &policies)?;
    }
    if let Some(plans) = &backup.backup_plans {
        let listed: Vec<BackupPlan> = plans
            .iter()
            .map(|p| BackupPlan {
                rules: None,
                selections: None,
                ..p.clone()
            })
            .collect();
        put(
            &path(BackupFile::BackupPlans),
            &ListBackupPlans {
                backup_plans_list: listed,
            },
        )?;
        let details: Vec<_> = plans
            .iter()
            .filter_map(|p| {
                Some(GetBackupPlan {
                    backup_plan: PlanDocument {
                        backup_plan_name: p
                            .backup_plan_name
                            .clone()
                            .unwrap_or_else(|| p.backup_plan_id.clone()),
                        rules: p.rules.as_deref()?,
                    },
                    backup_plan_id: p.backup_plan_id.clone(),
                    backup_plan_arn: p.backup_plan_arn.clone(),
                    version_id: p.version_id.clone(),
                })
            })
            .collect();
        put(&path(BackupFile::BackupPlanDetails), &details)?;
        // Selections were read for every plan or for none.
        if plans.iter().all(|p| p.selections.is_some()) {
            let listed: Vec<_> = plans
                .iter()
                .map(|p| ListBackupSelections {
                    backup_selections_list: p
                        .selections
                        .iter()
                        .flatten()
                        .map(|s| SelectionSummary {
                            selection_id: s.selection_id.clone(),
                            backup_plan_id: p.backup_plan_id.clone(),
                            selection_name: s.selection_name.clone(),
                            iam_role_arn: s.iam_role_arn.clone(),
                        })
                        .collect::<Vec<_>>(),
                })
                .collect();
            put(&path(BackupFile::BackupSelections), &listed)?;
            let details: Vec<_> = plans
                .iter()
                .flat_map(|p| {
                    p.selections.iter().flatten().filter_map(|s| {
                        Some(GetBackupSelection {
                            backup_selection: s.backup_selection.as_ref()?,
                            selection_id: s.selection_id.clone(),
                            backup_plan_id: p.backup_plan_id.clone(),
                        })
                    })
                })
                .collect();
            put(&path(BackupFile::BackupSelectionDetails), &details)?;
        }
    }
    if let Some(points) = &backup.recovery_points {
        put(
            &path(BackupFile::RecoveryPoints),
            &[ListRecoveryPointsByBackupVault {
                recovery_points: points,
            }],
        )?;
    }
    if let Some(enabled) = backup.ebs_encryption_by_default {
        put(
            &path(BackupFile::EbsEncryptionByDefault),
            &GetEbsEncryptionByDefault {
                ebs_encryption_by_default: enabled,
            },
        )?;
    }
    if let Some(key) = &backup.ebs_default_kms_key_id {
        put(
            &path(BackupFile::EbsDefaultKmsKeyId),
            &GetEbsDefaultKmsKeyId {
                kms_key_id: key.clone(),
            },
        )?;
    }
    if let Some(locks) = &backup.locked_snapshots {
        put(
            &path(BackupFile::LockedSnapshots),
            &DescribeLockedSnapshots { snapshots: locks },
        )?;
    }
    Ok(())
}
