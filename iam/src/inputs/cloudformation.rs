//! CloudFormation templates (JSON or YAML): the policies of `AWS::IAM::*` resources and service
//! control policies (`AWS::Organizations::Policy` of type `SERVICE_CONTROL_POLICY`).
//! Intrinsic functions are unknown until deployment and read as the worst case (see
//! [`super::policy_source`]).

use super::policy_source::{intrinsic, read_policy, Intrinsics, SourcedPolicy};
use super::source::Node;
use super::{FoundPolicy, InputError, InputSubject};

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
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            continue;
        };
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
                let is_scp = policy_type.and_then(Node::as_str) == Some("SERVICE_CONTROL_POLICY");
                if !is_scp && type_function.is_none() {
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
