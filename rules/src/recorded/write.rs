//! Writes an [`Inventory`] as a recorded inventory: the directory of AWS CLI outputs that
//! [`load`](super::load) reads (`snapguard collect --out DIR`).
//!
//! A field that was not collected (`None`) is not written: the reader turns the absent file
//! into a gap, and the manifest keeps the real reason.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::inventory::{
    Account, Image, Instance, Inventory, OrgAccount, OrgNode, Organization, OrganizationPolicy,
    Region, RetentionRule, RetentionRuleTag, Snapshot,
};
use serde::Serialize;

use super::shapes::{
    DescribeImages, DescribeInstances, DescribeOrganization, DescribePolicy, DescribeSnapshots,
    DescribeVolumes, ImageAttribute, ImageBlockPublicAccess, ListAccounts, ListPolicies, ListRoots,
    ListRules, ListTargets, ListUnits, PolicySummary, PolicyWithContent, Reservation, RuleDetails,
    RuleSummary, SnapshotAttribute, SnapshotBlockPublicAccess, Target, BACKUP_POLICY,
    SERVICE_CONTROL_POLICY,
};
use super::{Manifest, OrgFile, OrgFolder, RegionFile, IAM, IAM_FILE, MANIFEST, ORGANIZATIONS};

/// Why [`write()`] stopped: the first file or folder it could not make.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A folder could not be created.
    #[error("{}: cannot create: {source}", path.display())]
    Create {
        /// The folder.
        path: PathBuf,
        /// The file system's error.
        source: std::io::Error,
    },
    /// A file's content could not be serialized as JSON.
    #[error("{}: cannot serialize: {source}", path.display())]
    Serialize {
        /// The file it was for.
        path: PathBuf,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The file system's error.
        source: std::io::Error,
    },
    /// An SCP's policy document could not be serialized as the JSON string AWS returns.
    #[error("SCP {id}: cannot serialize: {source}")]
    SerializePolicy {
        /// The policy id (`p-...`).
        id: String,
        /// The serializer's error.
        source: serde_json::Error,
    },
}

impl WriteError {
    fn create(path: &Path, source: std::io::Error) -> WriteError {
        WriteError::Create {
            path: path.to_owned(),
            source,
        }
    }
}

/// Writes `inventory` under `dir` (created if needed; files already there are overwritten).
pub fn write(inventory: &Inventory, dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(|e| WriteError::create(dir, e))?;
    let manifest = Manifest {
        collected_at: Some(inventory.collected_at),
        regions: expected_regions(&inventory.accounts),
        accounts: inventory.selected_accounts.clone(),
        not_scanned: inventory.not_scanned.clone(),
        api_calls: inventory.api_calls.clone(),
        throttle_retries: inventory.throttle_retries.clone(),
    };
    put(&dir.join(MANIFEST), &manifest)?;
    if let Some(org) = &inventory.organization {
        write_organization(org, &dir.join(ORGANIZATIONS))?;
    }
    for account in &inventory.accounts {
        write_account(account, &dir.join(account.id.as_str()))?;
    }
    Ok(())
}

/// The regions every scanned account has: the reader expects them in each account folder.
/// Accounts that differ (an opt-in region enabled in some) keep their extra folders.
fn expected_regions(accounts: &[Account]) -> Vec<String> {
    let mut sets = accounts.iter().filter(|a| !a.regions.is_empty()).map(|a| {
        a.regions
            .iter()
            .map(|r| r.name.as_str())
            .collect::<BTreeSet<_>>()
    });
    let Some(first) = sets.next() else {
        return Vec::new();
    };
    sets.fold(first, |acc, s| acc.intersection(&s).copied().collect())
        .into_iter()
        .map(str::to_owned)
        .collect()
}

pub(super) fn put(path: &Path, value: &impl Serialize) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| WriteError::create(parent, e))?;
    }
    let mut text = serde_json::to_string_pretty(value).map_err(|source| WriteError::Serialize {
        path: path.to_owned(),
        source,
    })?;
    text.push('\n');
    fs::write(path, text).map_err(|source| WriteError::Write {
        path: path.to_owned(),
        source,
    })
}

fn write_organization(org: &Organization, dir: &Path) -> Result<(), WriteError> {
    if let Some(d) = &org.description {
        put(
            &dir.join(OrgFile::DescribeOrganization.file_name()),
            &DescribeOrganization { organization: d },
        )?;
    }
    put(
        &dir.join(OrgFile::Accounts.file_name()),
        &ListAccounts {
            accounts: &org.accounts,
        },
    )?;
    put(
        &dir.join(OrgFile::Roots.file_name()),
        &ListRoots { roots: &org.roots },
    )?;

    let unit_ids: BTreeSet<&str> = org.units.iter().map(|u| u.id.as_str()).collect();
    // Both listings of every root and OU, empty ones too: the reader reports a listing that
    // is absent as not collected.
    let nodes = org.roots.iter().chain(&org.units).map(|n| n.id.as_str());
    let mut units_by_parent: BTreeMap<&str, Vec<&OrgNode>> =
        nodes.clone().map(|id| (id, Vec::new())).collect();
    for unit in &org.units {
        if let Some(parent) = org.parents.get(&unit.id) {
            units_by_parent
                .entry(parent.as_str())
                .or_default()
                .push(unit);
        }
    }
    for (parent, units) in units_by_parent {
        put(
            &dir.join(OrgFolder::UnitsForParent.dir_name())
                .join(OrgFolder::file_name(parent)),
            &ListUnits {
                organizational_units: units,
            },
        )?;
    }
    let mut accounts_by_parent: BTreeMap<&str, Vec<OrgAccount>> =
        nodes.map(|id| (id, Vec::new())).collect();
    for (child, parent) in &org.parents {
        if unit_ids.contains(child.as_str()) {
            continue;
        }
        let account = org
            .accounts
            .iter()
            .find(|a| a.id == *child)
            .cloned()
            .unwrap_or_else(|| OrgAccount {
                id: child.clone(),
                ..OrgAccount::default()
            });
        accounts_by_parent
            .entry(parent.as_str())
            .or_default()
            .push(account);
    }
    for (parent, accounts) in accounts_by_parent {
        put(
            &dir.join(OrgFolder::AccountsForParent.dir_name())
                .join(OrgFolder::file_name(parent)),
            &ListAccounts { accounts },
        )?;
    }

    let kinds = [
        (
            OrgFile::Policies,
            SERVICE_CONTROL_POLICY,
            &org.service_control_policies,
        ),
        (OrgFile::BackupPolicies, BACKUP_POLICY, &org.backup_policies),
    ];
    for (file, kind, policies) in kinds {
        if let Some(policies) = policies {
            write_policies(dir, file, kind, policies)?;
        }
    }
    Ok(())
}

fn policy_summary<'p>(kind: &'static str, policy: &'p OrganizationPolicy) -> PolicySummary<'p> {
    PolicySummary {
        id: &policy.id,
        name: &policy.name,
        r#type: kind,
    }
}

/// One kind of policy: its listing, and each policy's content and targets.
fn write_policies(
    dir: &Path,
    file: OrgFile,
    kind: &'static str,
    policies: &[OrganizationPolicy],
) -> Result<(), WriteError> {
    put(
        &dir.join(file.file_name()),
        &ListPolicies {
            policies: policies
                .iter()
                .map(|p| policy_summary(kind, p))
                .collect::<Vec<_>>(),
        },
    )?;
    for p in policies {
        let content =
            serde_json::to_string(&p.content).map_err(|source| WriteError::SerializePolicy {
                id: p.id.to_string(),
                source,
            })?;
        put(
            &dir.join(OrgFolder::Policies.dir_name())
                .join(OrgFolder::file_name(&p.id)),
            &DescribePolicy {
                policy: PolicyWithContent {
                    policy_summary: policy_summary(kind, p),
                    content,
                },
            },
        )?;
        let targets: Vec<_> = p
            .target_ids
            .iter()
            .map(|t| Target {
                target_id: t.clone(),
            })
            .collect();
        put(
            &dir.join(OrgFolder::PolicyTargets.dir_name())
                .join(OrgFolder::file_name(&p.id)),
            &ListTargets { targets },
        )?;
    }
    Ok(())
}

fn write_account(account: &Account, dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(|e| WriteError::create(dir, e))?;
    if let Some(iam) = &account.iam {
        put(&dir.join(IAM).join(IAM_FILE), iam)?;
    }
    for region in &account.regions {
        write_region(region, &dir.join(region.name.as_str()))?;
    }
    Ok(())
}

fn write_region(region: &Region, dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(|e| WriteError::create(dir, e))?;
    if let Some(volumes) = &region.volumes {
        put(
            &dir.join(RegionFile::Volumes.file_name()),
            &DescribeVolumes { volumes },
        )?;
    }
    if let Some(instances) = &region.instances {
        let reservations: Vec<Reservation<&[Instance]>> = if instances.is_empty() {
            Vec::new()
        } else {
            vec![Reservation { instances }]
        };
        put(
            &dir.join(RegionFile::Instances.file_name()),
            &DescribeInstances { reservations },
        )?;
    }
    if let Some(snapshots) = &region.snapshots {
        let bare: Vec<Snapshot> = snapshots
            .iter()
            .map(|s| Snapshot {
                create_volume_permissions: None,
                ..s.clone()
            })
            .collect();
        put(
            &dir.join(RegionFile::Snapshots.file_name()),
            &DescribeSnapshots { snapshots: bare },
        )?;
        let attributes: Vec<_> = snapshots
            .iter()
            .filter_map(|s| {
                Some(SnapshotAttribute {
                    create_volume_permissions: s.create_volume_permissions.as_deref()?,
                    snapshot_id: s.snapshot_id.clone(),
                })
            })
            .collect();
        put(
            &dir.join(RegionFile::SnapshotAttributes.file_name()),
            &attributes,
        )?;
    }
    if let Some(images) = &region.images {
        let bare: Vec<Image> = images
            .iter()
            .map(|i| Image {
                launch_permissions: None,
                ..i.clone()
            })
            .collect();
        put(
            &dir.join(RegionFile::Images.file_name()),
            &DescribeImages { images: bare },
        )?;
        let attributes: Vec<_> = images
            .iter()
            .filter_map(|i| {
                Some(ImageAttribute {
                    image_id: i.image_id.clone(),
                    launch_permissions: i.launch_permissions.as_deref()?,
                })
            })
            .collect();
        put(
            &dir.join(RegionFile::ImageAttributes.file_name()),
            &attributes,
        )?;
    }
    let mut details = Vec::new();
    for (file, rules) in [
        (RegionFile::SnapshotRules, &region.snapshot_retention_rules),
        (RegionFile::ImageRules, &region.image_retention_rules),
    ] {
        let Some(rules) = rules else { continue };
        let summaries: Vec<RuleSummary> = rules.iter().map(summary).collect();
        put(&dir.join(file.file_name()), &ListRules { rules: summaries })?;
        details.extend(rules.iter().filter_map(detail));
    }
    if region.snapshot_retention_rules.is_some() || region.image_retention_rules.is_some() {
        put(&dir.join(RegionFile::RuleDetails.file_name()), &details)?;
    }
    if let Some(state) = &region.snapshot_block_public_access {
        put(
            &dir.join(RegionFile::SnapshotBlockPublicAccess.file_name()),
            &SnapshotBlockPublicAccess {
                state: state.clone(),
            },
        )?;
    }
    if let Some(state) = &region.image_block_public_access {
        put(
            &dir.join(RegionFile::ImageBlockPublicAccess.file_name()),
            &ImageBlockPublicAccess {
                image_block_public_access_state: state.clone(),
            },
        )?;
    }
    super::backup::write(&region.backup, dir)
}

fn summary(r: &RetentionRule) -> RuleSummary<'_> {
    RuleSummary {
        identifier: &r.identifier,
        description: r.description.as_ref(),
        retention_period: r.retention_period.as_ref(),
        lock_state: r.lock_state.as_ref(),
        rule_arn: r.rule_arn.as_ref(),
    }
}

/// Only rules whose `get-rule` was read have details to write.
fn detail(r: &RetentionRule) -> Option<RuleDetails<&[RetentionRuleTag]>> {
    Some(RuleDetails {
        identifier: r.identifier.clone(),
        resource_tags: r.resource_tags.as_deref()?,
        exclude_resource_tags: r.exclude_resource_tags.as_deref().unwrap_or(&[]),
        status: r.status.clone(),
    })
}
