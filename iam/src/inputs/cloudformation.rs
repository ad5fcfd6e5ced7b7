//! CloudFormation templates (JSON or YAML): the policies of `AWS::IAM::*` resources and service
//! control policies (`AWS::Organizations::Policy` of type `SERVICE_CONTROL_POLICY`).
//! Intrinsic functions are unknown until deployment and read as the worst case (see
//! [`super::policy_source`]).

use super::policy_source::{intrinsic, read_policy, Intrinsics, SourcedPolicy};
use super::source::Node;
use super::{is_service_control_policy, FoundPolicy, InputError, InputSubject};

/// A template has `Resources` and either the format version or a resource of an `AWS::` type.
pub fn detect(root: &Node) -> bool {
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return false;
    };
    root.get("AWSTemplateFormatVersion").is_some()
        || resources.iter().any(|(_, resource)| {
            resource
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.starts_with("AWS::"))
        })
}

pub fn read(root: &Node) -> Result<Vec<InputSubject>, InputError> {
    let mut subjects = Vec::new();
    let resources = root
        .get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default();
    for (logical_id, resource) in resources {
        let kind = resource_type(logical_id, resource)?;
        let properties = resource.get("Properties");
        let property = |name: &str| properties.and_then(|p| p.get(name));
        match kind {
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                let address = match property("PolicyName").and_then(Node::as_str) {
                    Some(name) => format!("{logical_id} policy {name:?}"),
                    None => logical_id.clone(),
                };
                let policy = document(property("PolicyDocument"), resource, &address)?;
                subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let Some(policies) = property("Policies") else {
                    continue;
                };
                if let Some(function) = intrinsic(policies, Intrinsics::CloudFormation) {
                    let address = format!("{logical_id} Policies");
                    let policy =
                        SourcedPolicy::unknown(policies.line, format!("{address} ({function})"));
                    subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
                    continue;
                }
                let Some(policies) = policies.as_list() else {
                    return Err(InputError::at(
                        policies.line,
                        format!(
                            "{logical_id}: Policies: expected a list of {{PolicyName, PolicyDocument}}, found {}",
                            policies.describe()
                        ),
                    ));
                };
                for (index, entry) in policies.iter().enumerate() {
                    let name = entry
                        .get("PolicyName")
                        .and_then(Node::as_str)
                        .map_or_else(|| format!("Policies[{index}]"), |n| format!("{n:?}"));
                    let address = format!("{logical_id} policy {name}");
                    let policy = document(entry.get("PolicyDocument"), entry, &address)?;
                    subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
                }
            }
            "AWS::Organizations::Policy" => {
                let policy_type = property("Type");
                let type_function =
                    policy_type.and_then(|t| intrinsic(t, Intrinsics::CloudFormation));
                if type_function.is_none()
                    && !organizations_policy_type(logical_id, resource, policy_type)?
                {
                    continue;
                }
                let mut policy = document(property("Content"), resource, logical_id)?;
                if let Some(function) = type_function {
                    policy.unknowns.push(format!(
                        "Type: {function} value read as \"SERVICE_CONTROL_POLICY\""
                    ));
                }
                subjects.push(InputSubject::Scp(FoundPolicy {
                    address: logical_id.clone(),
                    policy,
                }));
            }
            _ => {}
        }
    }
    Ok(subjects)
}

/// A resource's `Type`: required, and a resource type name (`AWS::IAM::Role`,
/// `Custom::Name`, a module's `Org::Service::Resource::MODULE`), so that a damaged one is not
/// read as a resource snapguard need not look at. Source: the CloudFormation User Guide,
/// "Resources section" and "Resource type identifiers".
fn resource_type<'a>(logical_id: &str, resource: &'a Node) -> Result<&'a str, InputError> {
    let Some(node) = resource.get("Type") else {
        return Err(InputError::at(
            resource.line,
            format!(
                "{logical_id}: the resource has no Type; every CloudFormation resource has one"
            ),
        ));
    };
    let name = node.as_str().filter(|name| {
        let parts: Vec<&str> = name.split("::").collect();
        let named = parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        named && (parts.len() == 2 && parts[0] == "Custom" || (3..=4).contains(&parts.len()))
    });
    name.ok_or_else(|| {
        InputError::at(
            node.line,
            format!(
                "{logical_id}: Type: expected a resource type name such as AWS::IAM::Role, found {}",
                node.describe()
            ),
        )
    })
}

/// An `AWS::Organizations::Policy`'s `Type` property (not an intrinsic function), which must
/// be there.
fn organizations_policy_type(
    logical_id: &str,
    resource: &Node,
    policy_type: Option<&Node>,
) -> Result<bool, InputError> {
    let place = format!("{logical_id}: Properties.Type");
    match policy_type {
        None => Err(InputError::at(
            resource.line,
            format!("{place}: missing; expected a policy type"),
        )),
        Some(node) => match node.as_str() {
            Some(kind) => is_service_control_policy(kind, node.line, &place),
            None => Err(InputError::at(
                node.line,
                format!("{place}: expected a policy type, found {}", node.describe()),
            )),
        },
    }
}

fn document(node: Option<&Node>, owner: &Node, address: &str) -> Result<SourcedPolicy, InputError> {
    let node = node.ok_or_else(|| {
        InputError::at(
            owner.line,
            format!("{address}: the resource has no policy document"),
        )
    })?;
    read_policy(node, Intrinsics::CloudFormation)
        .map_err(|e| InputError::from_policy(e).within(address))
}
