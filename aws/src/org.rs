//! The organization: its accounts, the tree of roots and OUs, and the service control policies
//! and backup policies with their content and targets. Filled exactly as the recorded `organizations/` folder is.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use rules::inventory::{
    Gap, OrgAccount, OrgNode, Organization, OrganizationDescription, OrganizationPolicy, Str,
};

use crate::{explain, Ctx, ScanError};

/// Organizations' own limits are low (a few requests per second per account).
const ORG_CONCURRENCY: usize = 4;
/// The largest page Organizations' List operations return.
const MAX_PAGE: i32 = 20;

pub(crate) async fn collect(
    ctx: &Ctx,
    caller: &str,
) -> Result<(Organization, Vec<Gap>), ScanError> {
    let client = ctx.organizations(caller);
    let mut gaps: Vec<(String, String)> = Vec::new();
    let _slot = ctx.slots.acquire().await.expect("semaphore open");

    let description = match client.describe_organization().send().await {
        Ok(out) => out.organization().map(|o| OrganizationDescription {
            id: o.id().unwrap_or_default().into(),
            arn: o.arn().map(Str::from),
            master_account_id: o.master_account_id().map(Str::from),
        }),
        Err(e) => {
            gaps.push(("organizations:DescribeOrganization".into(), explain(&e)));
            None
        }
    };

    let pages = client
        .list_accounts()
        .max_results(MAX_PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| ScanError::ListAccounts(explain(&e)))?;
    let accounts: Vec<OrgAccount> = pages
        .iter()
        .flat_map(|p| p.accounts())
        .map(org_account)
        .collect();

    let roots: Vec<OrgNode> = match client
        .list_roots()
        .max_results(MAX_PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await
    {
        Ok(pages) => pages
            .iter()
            .flat_map(|p| p.roots())
            .map(|r| OrgNode {
                id: r.id().unwrap_or_default().into(),
                arn: r.arn().map(Str::from),
                name: r.name().map(Str::from),
            })
            .collect(),
        Err(e) => {
            gaps.push(("organizations:ListRoots".into(), explain(&e)));
            Vec::new()
        }
    };

    // The tree, one level at a time, parents of a level concurrently. Each root and OU is
    // listed once, so that an answer naming an OU twice (or a cycle) cannot make the walk
    // endless.
    let mut units_by_parent: BTreeMap<String, Vec<OrgNode>> = BTreeMap::new();
    let mut parents: BTreeMap<Str, Str> = BTreeMap::new();
    let mut level: Vec<String> = roots.iter().map(|r| r.id.to_string()).collect();
    let mut listed: BTreeSet<String> = level.iter().cloned().collect();
    while !level.is_empty() {
        let results: Vec<_> = stream::iter(level.clone())
            .map(|parent| {
                let client = client.clone();
                async move {
                    let units = client
                        .list_organizational_units_for_parent()
                        .max_results(MAX_PAGE)
                        .parent_id(&parent)
                        .into_paginator()
                        .send()
                        .try_collect()
                        .await;
                    let accounts = client
                        .list_accounts_for_parent()
                        .max_results(MAX_PAGE)
                        .parent_id(&parent)
                        .into_paginator()
                        .send()
                        .try_collect()
                        .await;
                    (parent, units, accounts)
                }
            })
            .buffer_unordered(ORG_CONCURRENCY)
            .collect()
            .await;
        let mut next = Vec::new();
        for (parent, units, member_accounts) in results {
            match units {
                Ok(pages) => {
                    let units: Vec<OrgNode> = pages
                        .iter()
                        .flat_map(|p| p.organizational_units())
                        .map(|u| OrgNode {
                            id: u.id().unwrap_or_default().into(),
                            arn: u.arn().map(Str::from),
                            name: u.name().map(Str::from),
                        })
                        .collect();
                    for unit in &units {
                        parents.insert(unit.id.clone(), parent.as_str().into());
                        if listed.insert(unit.id.to_string()) {
                            next.push(unit.id.to_string());
                        }
                    }
                    units_by_parent.insert(parent.clone(), units);
                }
                Err(e) => gaps.push((
                    "organizations:ListOrganizationalUnitsForParent".into(),
                    format!("{parent}: {}", explain(&e)),
                )),
            }
            match member_accounts {
                Ok(pages) => {
                    for a in pages.iter().flat_map(|p| p.accounts()) {
                        parents.insert(a.id().unwrap_or_default().into(), parent.as_str().into());
                    }
                }
                Err(e) => gaps.push((
                    "organizations:ListAccountsForParent".into(),
                    format!("{parent}: {}", explain(&e)),
                )),
            }
        }
        next.sort();
        level = next;
    }

    use aws_sdk_organizations::types::PolicyType;
    let service_control_policies =
        policies(&client, &mut gaps, PolicyType::ServiceControlPolicy).await;
    let backup_policies = policies(&client, &mut gaps, PolicyType::BackupPolicy).await;

    let org = Organization {
        description,
        accounts,
        roots,
        units: units_by_parent.into_values().flatten().collect(),
        parents,
        service_control_policies,
        backup_policies,
    };
    let owner = org
        .management_account_id()
        .unwrap_or("organization")
        .to_owned();
    let gaps = gaps
        .into_iter()
        .map(|(operation, error)| Ctx::gap(&owner, None, &operation, error))
        .collect();
    Ok((org, gaps))
}

#[allow(deprecated)]
fn org_account(a: &aws_sdk_organizations::types::Account) -> OrgAccount {
    let status = a
        .status()
        .map(|s| s.as_str().to_owned())
        .or_else(|| a.state().map(|s| s.as_str().to_owned()));
    OrgAccount {
        id: a.id().unwrap_or_default().into(),
        arn: a.arn().map(Str::from),
        name: a.name().map(Str::from),
        status: status.map(Str::from),
    }
}

/// The organization's policies of one type with their content and targets. An SCP's content
/// is an IAM policy; a backup policy's is JSON in its own syntax.
async fn policies(
    client: &aws_sdk_organizations::Client,
    gaps: &mut Vec<(String, String)>,
    kind: aws_sdk_organizations::types::PolicyType,
) -> Option<Vec<OrganizationPolicy>> {
    let is_scp = kind == aws_sdk_organizations::types::PolicyType::ServiceControlPolicy;
    let filter = format!("--filter {}", kind.as_str());
    let listed = match client
        .list_policies()
        .filter(kind)
        .max_results(MAX_PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await
    {
        Ok(pages) => pages,
        Err(e) => {
            gaps.push((
                "organizations:ListPolicies".into(),
                format!("{filter}: {}", explain(&e)),
            ));
            return None;
        }
    };
    let summaries: Vec<(String, String)> = listed
        .iter()
        .flat_map(|p| p.policies())
        .map(|p| {
            let id = p.id().unwrap_or_default().to_owned();
            let name = p.name().map(str::to_owned).unwrap_or_else(|| id.clone());
            (id, name)
        })
        .collect();
    let listed_count = summaries.len();
    let results: Vec<_> = stream::iter(summaries.into_iter().enumerate())
        .map(|(i, (id, name))| {
            let client = client.clone();
            async move {
                let content = client.describe_policy().policy_id(&id).send().await;
                let targets = client
                    .list_targets_for_policy()
                    .max_results(MAX_PAGE)
                    .policy_id(&id)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await;
                (i, id, name, content, targets)
            }
        })
        .buffer_unordered(ORG_CONCURRENCY)
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|r| r.0);
    let mut policies = Vec::new();
    for (_, id, name, content, targets) in results {
        let content = match content {
            Ok(out) => {
                let text = out.policy().and_then(|p| p.content()).unwrap_or_default();
                let parsed = if is_scp {
                    iam::parse_policy_text(text).map_err(|e| e.to_string())
                } else {
                    serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))
                };
                match parsed {
                    Ok(v) => v,
                    Err(e) => {
                        gaps.push((
                            "organizations:DescribePolicy".into(),
                            format!("{id}: Policy.Content: {e}"),
                        ));
                        continue;
                    }
                }
            }
            Err(e) => {
                gaps.push((
                    "organizations:DescribePolicy".into(),
                    format!("{id}: {}", explain(&e)),
                ));
                continue;
            }
        };
        let target_ids = match targets {
            Ok(pages) => pages
                .iter()
                .flat_map(|p| p.targets())
                .map(|t| Str::from(t.target_id().unwrap_or_default()))
                .collect(),
            Err(e) => {
                gaps.push((
                    "organizations:ListTargetsForPolicy".into(),
                    format!("{id}: {}", explain(&e)),
                ));
                continue;
            }
        };
        policies.push(OrganizationPolicy {
            id: id.as_str().into(),
            name: name.as_str().into(),
            content,
            target_ids,
        });
    }
    // A backup policy not read could mandate any plan: then which plans are mandated is
    // unknown. (Fewer SCPs only make the IAM rules report more, so those read are kept.)
    if !is_scp && policies.len() < listed_count {
        return None;
    }
    Some(policies)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_organizations::operation::describe_policy::DescribePolicyOutput;
    use aws_sdk_organizations::operation::list_policies::ListPoliciesOutput;
    use aws_sdk_organizations::operation::list_targets_for_policy::ListTargetsForPolicyOutput;
    use aws_sdk_organizations::types::{Policy, PolicySummary, PolicyTargetSummary, PolicyType};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients;

    fn summary(id: &str) -> PolicySummary {
        PolicySummary::builder()
            .id(id)
            .name(format!("{id} name"))
            .r#type(PolicyType::BackupPolicy)
            .build()
    }

    /// The emulator does not serve backup policies: read through mocks, in their own syntax
    /// (JSON, not an IAM policy); one whose content is not JSON is a gap naming it, and makes
    /// the backup policies unknown.
    #[tokio::test]
    async fn backup_policies_are_read_as_json_and_bad_content_is_a_gap() {
        let listed = mock!(aws_sdk_organizations::Client::list_policies)
            .match_requests(|r| r.filter() == Some(&PolicyType::BackupPolicy))
            .then_output(|| {
                ListPoliciesOutput::builder()
                    .policies(summary("p-good"))
                    .policies(summary("p-bad"))
                    .build()
            });
        let good = mock!(aws_sdk_organizations::Client::describe_policy)
            .match_requests(|r| r.policy_id() == Some("p-good"))
            .then_output(|| {
                DescribePolicyOutput::builder()
                    .policy(
                        Policy::builder()
                            .policy_summary(summary("p-good"))
                            .content(
                                r#"{"plans":{"daily":{"regions":{"@@assign":["us-east-1"]}}}}"#,
                            )
                            .build(),
                    )
                    .build()
            });
        let bad = mock!(aws_sdk_organizations::Client::describe_policy)
            .match_requests(|r| r.policy_id() == Some("p-bad"))
            .then_output(|| {
                DescribePolicyOutput::builder()
                    .policy(
                        Policy::builder()
                            .policy_summary(summary("p-bad"))
                            .content("{\"plans\": ")
                            .build(),
                    )
                    .build()
            });
        let targets =
            mock!(aws_sdk_organizations::Client::list_targets_for_policy).then_output(|| {
                ListTargetsForPolicyOutput::builder()
                    .targets(PolicyTargetSummary::builder().target_id("ou-prod").build())
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = mock_clients::organizations(&[&listed, &good, &bad, &targets], &counters);
        let mut gaps = Vec::new();
        // One of them not read: which plans are mandated is unknown, not those of the other.
        let read = policies(&client, &mut gaps, PolicyType::BackupPolicy).await;
        assert!(read.is_none(), "{read:?}");
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].0, "organizations:DescribePolicy");
        assert!(
            gaps[0].1.starts_with("p-bad: Policy.Content: not JSON"),
            "{gaps:?}"
        );

        // Both read: their content as JSON, with their targets.
        let listed_good = mock!(aws_sdk_organizations::Client::list_policies).then_output(|| {
            ListPoliciesOutput::builder()
                .policies(summary("p-good"))
                .build()
        });
        let client = mock_clients::organizations(&[&listed_good, &good, &targets], &counters);
        let mut gaps = Vec::new();
        let read = policies(&client, &mut gaps, PolicyType::BackupPolicy)
            .await
            .expect("read");
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(read[0].id, "p-good");
        assert_eq!(
            read[0].content["plans"]["daily"]["regions"]["@@assign"][0],
            "us-east-1"
        );
        assert_eq!(read[0].target_ids, ["ou-prod"]);
    }
}
