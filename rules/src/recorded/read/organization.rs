//! `organizations/`: the organization's accounts, its tree of roots and OUs, and its service
//! control policies and backup policies with their attachments.
//!
//! ```text
//! organizations/describe-organization.json              aws organizations describe-organization
//! organizations/list-accounts.json                      aws organizations list-accounts
//! organizations/list-roots.json                         aws organizations list-roots
//! organizations/organizational-units/<parent-id>.json   aws organizations list-organizational-units-for-parent --parent-id <parent-id>
//! organizations/accounts-for-parent/<parent-id>.json    aws organizations list-accounts-for-parent --parent-id <parent-id>
//! organizations/list-policies-SERVICE_CONTROL_POLICY.json
//!                                                       aws organizations list-policies --filter SERVICE_CONTROL_POLICY
//! organizations/list-policies-BACKUP_POLICY.json        aws organizations list-policies --filter BACKUP_POLICY
//! organizations/policies/<policy-id>.json               aws organizations describe-policy --policy-id <policy-id>
//! organizations/policy-targets/<policy-id>.json         aws organizations list-targets-for-policy --policy-id <policy-id>
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::inventory::{
    Gap, OrgAccount, OrgNode, Organization, OrganizationDescription, OrganizationPolicy, Str,
};

use ::iam::parse_policy_text;

use super::{ignorable, is_account_id, list_dir, read_json, InputError};
use crate::recorded::shapes::{
    DescribeOrganization, DescribePolicy, DescribedSummary, ListAccounts, ListPolicies, ListRoots,
    ListTargets, ListUnits, BACKUP_POLICY, SERVICE_CONTROL_POLICY,
};
use crate::recorded::{OrgFile, OrgFolder, ORGANIZATIONS};

/// What `organizations/` holds, read; per-parent and per-policy files keyed by their id.
#[derive(Default)]
struct Files {
    accounts: Option<Vec<OrgAccount>>,
    description: Option<OrganizationDescription>,
    roots: Option<Vec<OrgNode>>,
    units_by_parent: BTreeMap<String, Vec<OrgNode>>,
    accounts_by_parent: BTreeMap<String, Vec<OrgAccount>>,
    policy_list: Option<Vec<OrgNode>>,
    backup_policy_list: Option<Vec<OrgNode>>,
    /// Policy id -> its type and content.
    policies: BTreeMap<String, (String, serde_json::Value)>,
    targets: BTreeMap<String, Vec<Str>>,
}

pub(super) fn load(dir: &Path) -> Result<(Organization, Vec<Gap>), Vec<InputError>> {
    let mut files = Files::default();
    let mut errors = Vec::new();
    for (name, path, is_dir) in list_dir(dir).map_err(|e| vec![e])? {
        let file = (!is_dir).then(|| OrgFile::from_file_name(&name)).flatten();
        let folder = is_dir.then(|| OrgFolder::from_dir_name(&name)).flatten();
        let result = match (file, folder) {
            (Some(OrgFile::Accounts), _) => {
                read_json::<ListAccounts>(&path).map(|l| files.accounts = Some(l.accounts))
            }
            (Some(OrgFile::DescribeOrganization), _) => read_json::<DescribeOrganization>(&path)
                .map(|d| files.description = Some(d.organization)),
            (Some(OrgFile::Roots), _) => {
                read_json::<ListRoots>(&path).map(|l| files.roots = Some(l.roots))
            }
            (Some(OrgFile::Policies), _) => {
                read_json::<ListPolicies>(&path).map(|l| files.policy_list = Some(l.policies))
            }
            (Some(OrgFile::BackupPolicies), _) => read_json::<ListPolicies>(&path)
                .map(|l| files.backup_policy_list = Some(l.policies)),
            (_, Some(OrgFolder::UnitsForParent)) => read_per_id(&path, &mut errors, |id, p| {
                let units = read_json::<ListUnits>(p)?.organizational_units;
                files.units_by_parent.insert(id.to_owned(), units);
                Ok(())
            }),
            (_, Some(OrgFolder::AccountsForParent)) => read_per_id(&path, &mut errors, |id, p| {
                let accounts = read_json::<ListAccounts>(p)?.accounts;
                files.accounts_by_parent.insert(id.to_owned(), accounts);
                Ok(())
            }),
            (_, Some(OrgFolder::Policies)) => read_per_id(&path, &mut errors, |id, p| {
                let policy = read_json::<DescribePolicy<DescribedSummary>>(p)?.policy;
                let kind = policy
                    .policy_summary
                    .r#type
                    .unwrap_or_else(|| SERVICE_CONTROL_POLICY.to_owned());
                // An SCP is an IAM policy; a backup policy is JSON in its own syntax.
                let content = match kind.as_str() {
                    BACKUP_POLICY => serde_json::from_str(&policy.content).map_err(|e| {
                        format!("is not JSON ({e}); expected a backup policy document")
                    }),
                    _ => parse_policy_text(&policy.content).map_err(|e| e.to_string()),
                }
                .map_err(|e| InputError::new(p, format!("Policy.Content: {e}")))?;
                files.policies.insert(id.to_owned(), (kind, content));
                Ok(())
            }),
            (_, Some(OrgFolder::PolicyTargets)) => read_per_id(&path, &mut errors, |id, p| {
                let targets = read_json::<ListTargets>(p)?.targets;
                files.targets.insert(
                    id.to_owned(),
                    targets.into_iter().map(|t| t.target_id).collect(),
                );
                Ok(())
            }),
            _ if ignorable(&name) => Ok(()),
            _ => Err(InputError::new(
                &path,
                format!(
                    "unexpected entry: {ORGANIZATIONS}/ holds {}, {}, {}, {}, {} and the \
                     folders {}/, {}/, {}/ and {}/",
                    OrgFile::DescribeOrganization.file_name(),
                    OrgFile::Accounts.file_name(),
                    OrgFile::Roots.file_name(),
                    OrgFile::Policies.file_name(),
                    OrgFile::BackupPolicies.file_name(),
                    OrgFolder::UnitsForParent.dir_name(),
                    OrgFolder::AccountsForParent.dir_name(),
                    OrgFolder::Policies.dir_name(),
                    OrgFolder::PolicyTargets.dir_name(),
                ),
            )),
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(assemble(files))
}

/// Reads every `<id>.json` of a per-parent or per-policy folder.
fn read_per_id(
    dir: &Path,
    errors: &mut Vec<InputError>,
    mut read: impl FnMut(&str, &Path) -> Result<(), InputError>,
) -> Result<(), InputError> {
    for (name, path, _) in list_dir(dir)? {
        match OrgFolder::id_of(&name) {
            Some(id) => {
                if let Err(e) = read(id, &path) {
                    errors.push(e);
                }
            }
            None if ignorable(&name) => {}
            None => errors.push(InputError::new(
                &path,
                format!("unexpected file: expected {}", OrgFolder::file_name("<id>")),
            )),
        }
    }
    Ok(())
}

/// Builds the organization from its files, and lists as gaps every file that is absent
/// although the others say it should be there: `describe-organization.json`,
/// `list-accounts.json`, `list-roots.json` and `list-policies-SERVICE_CONTROL_POLICY.json`
/// always; both listings (`organizational-units/<id>.json`, `accounts-for-parent/<id>.json`)
/// of every root and OU met in the tree; each listed SCP's content and targets.
///
/// The organization's accounts are those of `list-accounts.json` completed with the accounts
/// the other files name (`accounts-for-parent/`, the management account of
/// `describe-organization.json`, account targets of SCPs), so that an account known from any
/// of them and without a folder is reported as not scanned even when `list-accounts.json` is
/// absent.
fn assemble(files: Files) -> (Organization, Vec<Gap>) {
    let listed_accounts = files.accounts.is_some();
    let listed_roots = files.roots.is_some();
    let mut org = Organization {
        description: files.description,
        accounts: files.accounts.unwrap_or_default(),
        roots: files.roots.unwrap_or_default(),
        ..Organization::default()
    };
    // Roots and OUs in tree order, each met once: OUs listed under a parent that is in no
    // listing are kept (their accounts still have a place), but only the tree is walked.
    let mut known: Vec<Str> = org.roots.iter().map(|r| r.id.clone()).collect();
    let mut seen: BTreeSet<Str> = known.iter().cloned().collect();
    let mut next = 0;
    while next < known.len() {
        let parent = known[next].to_string();
        next += 1;
        for unit in files.units_by_parent.get(&parent).into_iter().flatten() {
            if seen.insert(unit.id.clone()) {
                known.push(unit.id.clone());
            }
        }
    }
    for (parent, units) in &files.units_by_parent {
        for unit in units {
            org.parents.insert(unit.id.clone(), parent.as_str().into());
            org.units.push(unit.clone());
        }
    }
    for (parent, accounts) in &files.accounts_by_parent {
        for account in accounts {
            org.parents
                .insert(account.id.clone(), parent.as_str().into());
            add_account(&mut org.accounts, account.clone());
        }
    }
    let management = org
        .description
        .as_ref()
        .and_then(|d| d.master_account_id.clone());
    let targeted = files
        .targets
        .values()
        .flatten()
        .filter(|t| is_account_id(t));
    for id in management.into_iter().chain(targeted.cloned()) {
        add_account(
            &mut org.accounts,
            OrgAccount {
                id,
                ..OrgAccount::default()
            },
        );
    }

    let owner = org
        .management_account_id()
        .unwrap_or("organization")
        .to_owned();
    let mut gaps = Vec::new();
    let mut gap = |operation: &str, error: String| {
        gaps.push(Gap {
            account_id: owner.clone(),
            region: None,
            operation: operation.into(),
            error,
        })
    };
    let absent = |file: OrgFile, consequence: &str| {
        format!(
            "{ORGANIZATIONS}/{} is absent: {consequence}",
            file.file_name()
        )
    };
    if org.description.is_none() {
        gap(
            OrgFile::DescribeOrganization.operation(),
            absent(
                OrgFile::DescribeOrganization,
                "the organization's id and management account were not collected",
            ),
        );
    }
    if !listed_accounts {
        gap(
            OrgFile::Accounts.operation(),
            absent(
                OrgFile::Accounts,
                "which accounts the organization has is unknown; only those the other \
                 organization files name are checked for a folder",
            ),
        );
    }
    if !listed_roots {
        gap(
            OrgFile::Roots.operation(),
            absent(
                OrgFile::Roots,
                "the organization's tree, and so where SCPs apply, is unknown",
            ),
        );
    } else if org.roots.is_empty() {
        gap(
            OrgFile::Roots.operation(),
            format!(
                "{ORGANIZATIONS}/{} lists no root: the organization's tree, and so where SCPs \
                 apply, is unknown",
                OrgFile::Roots.file_name()
            ),
        );
    }
    // Where a per-id file is missing: `organizations/<folder>/<id>.json`.
    let per_id = |folder: OrgFolder, id: &str| {
        format!(
            "{ORGANIZATIONS}/{}/{}",
            folder.dir_name(),
            OrgFolder::file_name(id)
        )
    };
    for parent in &known {
        if !files.units_by_parent.contains_key(parent.as_str()) {
            gap(
                OrgFolder::UnitsForParent.operation(),
                format!(
                    "{} is absent: the OUs under {parent}, and the SCPs that apply in them, \
                     are unknown",
                    per_id(OrgFolder::UnitsForParent, parent)
                ),
            );
        }
        if !files.accounts_by_parent.contains_key(parent.as_str()) {
            gap(
                OrgFolder::AccountsForParent.operation(),
                format!(
                    "{} is absent: the accounts directly under {parent}, and the SCPs that \
                     apply to them, are unknown",
                    per_id(OrgFolder::AccountsForParent, parent)
                ),
            );
        }
    }
    let (mut described, mut targets) = (files.policies, files.targets);
    // The policies read, and whether every listed one was.
    let mut policies_of = |listed: Vec<OrgNode>, kind: &str, label: &str| {
        let mut policies = Vec::new();
        let listed_count = listed.len();
        for summary in listed {
            let id = summary.id.to_string();
            let Some((found, content)) = described.remove(&id) else {
                gap(
                    OrgFolder::Policies.operation(),
                    format!(
                        "{} is absent: the content of {label} {id} is unknown",
                        per_id(OrgFolder::Policies, &id)
                    ),
                );
                continue;
            };
            if found != kind {
                gap(
                    OrgFolder::Policies.operation(),
                    format!(
                        "{} describes a {found}, but {id} is listed as a {kind}: its content \
                         is not read",
                        per_id(OrgFolder::Policies, &id)
                    ),
                );
                continue;
            }
            let Some(target_ids) = targets.remove(&id) else {
                gap(
                    OrgFolder::PolicyTargets.operation(),
                    format!(
                        "{} is absent: where {label} {id} applies is unknown",
                        per_id(OrgFolder::PolicyTargets, &id)
                    ),
                );
                continue;
            };
            let name = summary.name.clone().unwrap_or_else(|| summary.id.clone());
            policies.push(OrganizationPolicy {
                id: summary.id,
                name,
                content,
                target_ids,
            });
        }
        let complete = policies.len() == listed_count;
        (policies, complete)
    };
    // A backup policy not read could mandate any plan: then which plans are mandated is
    // unknown. (Fewer SCPs only make the IAM rules report more, so those read are kept.)
    org.backup_policies = files
        .backup_policy_list
        .map(|listed| policies_of(listed, BACKUP_POLICY, "backup policy"))
        .and_then(|(policies, complete)| complete.then_some(policies));
    match files.policy_list {
        Some(listed) => {
            org.service_control_policies =
                Some(policies_of(listed, SERVICE_CONTROL_POLICY, "SCP").0)
        }
        None => gap(
            OrgFile::Policies.operation(),
            absent(OrgFile::Policies, "service control policies not collected"),
        ),
    }
    (org, gaps)
}

/// Adds `account` to the organization's accounts unless an account with its id is there.
fn add_account(accounts: &mut Vec<OrgAccount>, account: OrgAccount) {
    if !accounts.iter().any(|a| a.id == account.id) {
        accounts.push(account);
    }
}
