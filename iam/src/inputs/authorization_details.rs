//! `aws iam get-account-authorization-details` output: every user and role as a principal with
//! its inline and attached managed policies (the default version, from the `Policies` list), its
//! groups' policies for users, and its permissions boundary.

use std::collections::HashMap;

use crate::Principal;

use super::policy_source::{read_policy, Intrinsics, SourcedPolicy};
use super::source::Node;
use super::{FoundPolicy, FoundPrincipal, InputError, InputSubject};

/// Whether a document's top-level keys are those of the command's output.
pub fn detect(root: &Node) -> bool {
    [
        "UserDetailList",
        "RoleDetailList",
        "GroupDetailList",
        "Policies",
    ]
    .iter()
    .any(|key| root.get(key).and_then(Node::as_list).is_some())
}

pub fn read(root: &Node) -> Result<Vec<InputSubject>, InputError> {
    let managed = managed_policies(root)?;
    let groups = groups(root, &managed)?;
    let mut subjects = Vec::new();
    for (list, inline_key) in [
        ("UserDetailList", "UserPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ] {
        for detail in entries(root, list) {
            let arn = required_str(detail, "Arn", list)?;
            let mut principal = Principal::from_arn(arn)
                .map_err(|e| InputError::at(detail.get("Arn").unwrap_or(detail).line, e))?;
            principal.tags = tags(detail);
            let mut identity = inline_policies(detail, inline_key, "inline policy")?;
            identity.extend(attached(detail, &managed)?);
            for group in detail
                .get("GroupList")
                .and_then(Node::as_list)
                .unwrap_or_default()
            {
                let name = group.as_str().ok_or_else(|| {
                    InputError::at(
                        group.line,
                        format!(
                            "GroupList: expected a group name, found {}",
                            group.describe()
                        ),
                    )
                })?;
                match groups.get(name) {
                    Some(policies) => identity.extend(policies.iter().cloned()),
                    None => {
                        return Err(InputError::at(
                            group.line,
                            format!(
                                "{arn} is in group {name:?}, which GroupDetailList does not describe; \
                                 expected the output of `aws iam get-account-authorization-details` \
                                 without --filter"
                            ),
                        ))
                    }
                }
            }
            let boundary = detail
                .get("PermissionsBoundary")
                .and_then(|b| b.get("PermissionsBoundaryArn"))
                .map(|arn_node| managed_policy(arn_node, &managed, "permissions boundary"))
                .transpose()?;
            subjects.push(InputSubject::Principal(FoundPrincipal {
                line: detail.line,
                principal,
                identity,
                boundary,
            }));
        }
    }
    Ok(subjects)
}

fn entries<'n>(root: &'n Node, list: &str) -> &'n [Node] {
    root.get(list).and_then(Node::as_list).unwrap_or_default()
}

fn required_str<'n>(node: &'n Node, key: &str, list: &str) -> Result<&'n str, InputError> {
    node.get(key).and_then(Node::as_str).ok_or_else(|| {
        InputError::at(
            node.line,
            format!("an entry of {list} has no {key:?}; expected a string"),
        )
    })
}

/// The default version of every managed policy in `Policies`, by ARN.
fn managed_policies(root: &Node) -> Result<HashMap<String, SourcedPolicy>, InputError> {
    let mut by_arn = HashMap::new();
    for policy in entries(root, "Policies") {
        let arn = required_str(policy, "Arn", "Policies")?;
        let versions = policy
            .get("PolicyVersionList")
            .and_then(Node::as_list)
            .unwrap_or_default();
        let default = versions
            .iter()
            .find(|v| v.get("IsDefaultVersion").map(Node::to_value) == Some(true.into()))
            .ok_or_else(|| {
                InputError::at(
                    policy.line,
                    format!("managed policy {arn} has no version with \"IsDefaultVersion\": true"),
                )
            })?;
        let document = default.get("Document").ok_or_else(|| {
            InputError::at(
                default.line,
                format!("the default version of managed policy {arn} has no \"Document\""),
            )
        })?;
        by_arn.insert(arn.to_owned(), read_document(document)?);
    }
    Ok(by_arn)
}

/// Group name -> the group's inline and attached managed policies.
fn groups(
    root: &Node,
    managed: &HashMap<String, SourcedPolicy>,
) -> Result<HashMap<String, Vec<FoundPolicy>>, InputError> {
    let mut by_name = HashMap::new();
    for group in entries(root, "GroupDetailList") {
        let name = required_str(group, "GroupName", "GroupDetailList")?;
        let mut policies = inline_policies(
            group,
            "GroupPolicyList",
            &format!("group {name:?} inline policy"),
        )?;
        policies.extend(attached(group, managed)?.into_iter().map(|mut p| {
            p.address = format!("group {name:?} {}", p.address);
            p
        }));
        by_name.insert(name.to_owned(), policies);
    }
    Ok(by_name)
}

fn inline_policies(detail: &Node, list: &str, label: &str) -> Result<Vec<FoundPolicy>, InputError> {
    entries(detail, list)
        .iter()
        .map(|entry| {
            let name = required_str(entry, "PolicyName", list)?;
            let document = entry.get("PolicyDocument").ok_or_else(|| {
                InputError::at(
                    entry.line,
                    format!("{label} {name:?} has no \"PolicyDocument\""),
                )
            })?;
            Ok(FoundPolicy {
                address: format!("{label} {name:?}"),
                policy: read_document(document)?,
            })
        })
        .collect()
}

/// Attached managed policies; one missing from `Policies` is unknown, so read as the worst case.
fn attached(
    detail: &Node,
    managed: &HashMap<String, SourcedPolicy>,
) -> Result<Vec<FoundPolicy>, InputError> {
    entries(detail, "AttachedManagedPolicies")
        .iter()
        .filter_map(|entry| entry.get("PolicyArn"))
        .map(|arn_node| managed_policy(arn_node, managed, "managed policy"))
        .collect()
}

fn managed_policy(
    arn_node: &Node,
    managed: &HashMap<String, SourcedPolicy>,
    label: &str,
) -> Result<FoundPolicy, InputError> {
    let arn = arn_node.as_str().ok_or_else(|| {
        InputError::at(
            arn_node.line,
            format!("expected a policy ARN, found {}", arn_node.describe()),
        )
    })?;
    let policy = match managed.get(arn) {
        Some(policy) => policy.clone(),
        None => SourcedPolicy::unknown(
            arn_node.line,
            format!("{label} {arn} (not in the Policies list)"),
        ),
    };
    Ok(FoundPolicy {
        address: format!("{label} {arn}"),
        policy,
    })
}

/// A policy document as the CLI prints it (an object), or as the API returns it (URL-encoded
/// JSON text).
fn read_document(node: &Node) -> Result<SourcedPolicy, InputError> {
    let decoded;
    let node = match node.as_str() {
        Some(text) if text.starts_with('%') => {
            decoded = Node {
                value: super::source::NodeValue::String(
                    percent_encoding::percent_decode_str(text)
                        .decode_utf8_lossy()
                        .into_owned(),
                ),
                ..node.clone()
            };
            &decoded
        }
        _ => node,
    };
    read_policy(node, Intrinsics::None).map_err(InputError::from_policy)
}

fn tags(detail: &Node) -> std::collections::BTreeMap<String, String> {
    entries(detail, "Tags")
        .iter()
        .filter_map(|tag| {
            let key = tag.get("Key")?.as_str()?;
            let value = tag.get("Value")?.as_str()?;
            Some((key.to_owned(), value.to_owned()))
        })
        .collect()
}
