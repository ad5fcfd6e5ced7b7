//! IAM of one account: one `GetAccountAuthorizationDetails` stream (all pages), policy
//! documents URL-decoded into JSON as the recorded source holds them.

use aws_config::SdkConfig;
use aws_sdk_iam::types as t;
use rules::inventory::{
    AttachedPolicy, AuthorizationDetails, Gap, GroupDetail, InlinePolicy, ManagedPolicyDetail,
    PermissionsBoundary, PolicyVersion, RoleDetail, Str, Tag, UserDetail,
};

use crate::{explain, Ctx};
use iam::parse_policy_text;

pub(crate) const OPERATION: &str = rules::recorded::IAM_OPERATION;

pub(crate) async fn collect(
    ctx: &Ctx,
    sdk: &SdkConfig,
    account: &str,
) -> (Option<AuthorizationDetails>, Vec<Gap>) {
    let client = ctx.iam(sdk, account);
    let pages = match client
        .get_account_authorization_details()
        .max_items(1000)
        .into_paginator()
        .send()
        .try_collect()
        .await
    {
        Ok(pages) => pages,
        Err(e) => return (None, vec![Ctx::gap(account, None, OPERATION, explain(&e))]),
    };
    let mut details = AuthorizationDetails::default();
    let mut errors = Vec::new();
    let mut doc = |place: &str, text: Option<&str>| -> serde_json::Value {
        match parse_policy_text(text.unwrap_or_default()) {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!("{place}: {e}"));
                serde_json::Value::Null
            }
        }
    };
    for page in &pages {
        for u in page.user_detail_list() {
            details.user_detail_list.push(UserDetail {
                user_name: u.user_name().unwrap_or_default().into(),
                arn: u.arn().unwrap_or_default().into(),
                path: u.path().map(Str::from),
                group_list: u
                    .group_list()
                    .iter()
                    .map(|g| Str::from(g.as_str()))
                    .collect(),
                user_policy_list: inline(u.user_policy_list(), &mut doc),
                attached_managed_policies: attached(u.attached_managed_policies()),
                permissions_boundary: boundary(u.permissions_boundary()),
                tags: tags(u.tags()),
            });
        }
        for g in page.group_detail_list() {
            details.group_detail_list.push(GroupDetail {
                group_name: g.group_name().unwrap_or_default().into(),
                arn: g.arn().map(Str::from),
                group_policy_list: inline(g.group_policy_list(), &mut doc),
                attached_managed_policies: attached(g.attached_managed_policies()),
            });
        }
        for r in page.role_detail_list() {
            details.role_detail_list.push(RoleDetail {
                role_name: r.role_name().unwrap_or_default().into(),
                arn: r.arn().unwrap_or_default().into(),
                assume_role_policy_document: r.assume_role_policy_document().map(|text| {
                    doc(
                        &format!("{} trust policy", r.arn().unwrap_or_default()),
                        Some(text),
                    )
                }),
                path: r.path().map(Str::from),
                role_policy_list: inline(r.role_policy_list(), &mut doc),
                attached_managed_policies: attached(r.attached_managed_policies()),
                permissions_boundary: boundary(r.permissions_boundary()),
                tags: tags(r.tags()),
            });
        }
        for p in page.policies() {
            details.policies.push(ManagedPolicyDetail {
                policy_name: p.policy_name().unwrap_or_default().into(),
                arn: p.arn().unwrap_or_default().into(),
                default_version_id: p.default_version_id().map(Str::from),
                policy_version_list: p
                    .policy_version_list()
                    .iter()
                    .map(|v| PolicyVersion {
                        document: doc(
                            &format!(
                                "{} {}",
                                p.arn().unwrap_or_default(),
                                v.version_id().unwrap_or_default()
                            ),
                            v.document(),
                        ),
                        version_id: v.version_id().map(Str::from),
                        is_default_version: v.is_default_version(),
                    })
                    .collect(),
            });
        }
    }
    if !errors.is_empty() {
        // A document that does not parse would make every verdict on it a guess.
        return (
            None,
            vec![Ctx::gap(
                account,
                None,
                OPERATION,
                format!("policy documents that do not parse: {}", errors.join("; ")),
            )],
        );
    }
    let gaps = Gap::of_authorization_details(&details, account);
    (Some(details), gaps)
}

fn inline(
    list: &[t::PolicyDetail],
    doc: &mut impl FnMut(&str, Option<&str>) -> serde_json::Value,
) -> Vec<InlinePolicy> {
    list.iter()
        .map(|p| InlinePolicy {
            policy_name: p.policy_name().unwrap_or_default().into(),
            policy_document: doc(p.policy_name().unwrap_or_default(), p.policy_document()),
        })
        .collect()
}

fn attached(list: &[t::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .map(|a| AttachedPolicy {
            policy_name: a.policy_name().map(Str::from),
            policy_arn: a.policy_arn().unwrap_or_default().into(),
        })
        .collect()
}

fn boundary(b: Option<&t::AttachedPermissionsBoundary>) -> Option<PermissionsBoundary> {
    b.and_then(|b| b.permissions_boundary_arn())
        .map(|arn| PermissionsBoundary {
            permissions_boundary_arn: arn.into(),
        })
}

fn tags(list: &[t::Tag]) -> Vec<Tag> {
    list.iter()
        .map(|t| Tag {
            key: t.key().into(),
            value: t.value().into(),
        })
        .collect()
}
