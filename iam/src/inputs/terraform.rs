//! `terraform show -json` plans: IAM policies, inline role policies, `aws_iam_policy_document`
//! data sources and service control policies, as they will be after the change.
//!
//! Policy attributes are JSON text. A value Terraform computes during apply is marked in
//! `after_unknown`; such a document is read as the worst case (see [`super::policy_source`]).

use super::policy_source::{read_policy, Intrinsics, SourcedPolicy};
use super::source::{Node, NodeValue};
use super::{FoundPolicy, InputError, InputSubject};

pub fn detect(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

/// One resource as the plan will leave it.
struct PlannedResource<'n> {
    address: &'n str,
    kind: &'n str,
    line: usize,
    values: &'n Node,
    /// `after_unknown`: the same shape as `values`, `true` where the value is computed.
    unknown: Option<&'n Node>,
}

impl PlannedResource<'_> {
    fn is_unknown(&self, attribute: &str) -> bool {
        is_marked_unknown(self.unknown.and_then(|u| u.get(attribute)))
    }
}

/// Whether an `after_unknown` entry says the value is computed during apply.
fn is_marked_unknown(marker: Option<&Node>) -> bool {
    marker.is_some_and(|m| m.value == NodeValue::Bool(true))
}

pub fn read(root: &Node) -> Result<Vec<InputSubject>, InputError> {
    let mut subjects = Vec::new();
    for resource in planned_resources(root) {
        read_resource(&resource, &mut subjects)?;
    }
    Ok(subjects)
}

/// Every resource after the change: `resource_changes` (which mark computed values), then the
/// data sources already read into `prior_state`, then `planned_values` for plans without
/// `resource_changes`; the first mention of an address wins.
fn planned_resources(root: &Node) -> Vec<PlannedResource<'_>> {
    let mut resources: Vec<PlannedResource> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let changes = root
        .get("resource_changes")
        .and_then(Node::as_list)
        .unwrap_or_default();
    for change in changes {
        let (Some(address), Some(kind), Some(after)) = (
            change.get("address").and_then(Node::as_str),
            change.get("type").and_then(Node::as_str),
            change.get("change").and_then(|c| c.get("after")),
        ) else {
            continue;
        };
        seen.insert(address);
        // A resource the change deletes has no `after`; it grants nothing afterwards.
        if after.value == NodeValue::Null {
            continue;
        }
        resources.push(PlannedResource {
            address,
            kind,
            line: change.line,
            values: after,
            unknown: change.get("change").and_then(|c| c.get("after_unknown")),
        });
    }
    for state in ["prior_state", "planned_values"] {
        let module = root.get(state).map(|s| s.get("values").unwrap_or(s));
        let mut modules: Vec<&Node> = module
            .and_then(|m| m.get("root_module"))
            .into_iter()
            .collect();
        while let Some(module) = modules.pop() {
            if let Some(children) = module.get("child_modules").and_then(Node::as_list) {
                modules.extend(children);
            }
            for resource in module
                .get("resources")
                .and_then(Node::as_list)
                .unwrap_or_default()
            {
                let (Some(address), Some(kind), Some(values)) = (
                    resource.get("address").and_then(Node::as_str),
                    resource.get("type").and_then(Node::as_str),
                    resource.get("values"),
                ) else {
                    continue;
                };
                let is_data = resource.get("mode").and_then(Node::as_str) == Some("data");
                if (state == "prior_state" && !is_data) || !seen.insert(address) {
                    continue;
                }
                resources.push(PlannedResource {
                    address,
                    kind,
                    line: resource.line,
                    values,
                    unknown: None,
                });
            }
        }
    }
    resources
}

fn read_resource(
    resource: &PlannedResource,
    subjects: &mut Vec<InputSubject>,
) -> Result<(), InputError> {
    match resource.kind {
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => {
            let policy = policy_attribute(resource, "policy")?;
            subjects.push(InputSubject::Identity(FoundPolicy {
                address: resource.address.to_owned(),
                policy,
            }));
        }
        "aws_iam_policy_document" => {
            let policy = policy_attribute(resource, "json")?;
            subjects.push(InputSubject::Identity(FoundPolicy {
                address: resource.address.to_owned(),
                policy,
            }));
        }
        "aws_iam_role" if resource.is_unknown("inline_policy") => {
            let address = format!("{} inline_policy", resource.address);
            let policy = SourcedPolicy::unknown(resource.line, address.clone());
            subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
        }
        "aws_iam_role" => {
            let inline = resource
                .values
                .get("inline_policy")
                .and_then(Node::as_list)
                .unwrap_or_default();
            let unknown = resource.unknown.and_then(|u| u.get("inline_policy"));
            for (index, block) in inline.iter().enumerate() {
                let name = block
                    .get("name")
                    .and_then(Node::as_str)
                    .map_or_else(|| format!("[{index}]"), |n| format!("{n:?}"));
                let address = format!("{} inline_policy {name}", resource.address);
                let block_unknown = is_marked_unknown(
                    unknown
                        .and_then(Node::as_list)
                        .and_then(|u| u.get(index))
                        .and_then(|u| u.get("policy")),
                );
                let policy = match block.get("policy") {
                    _ if block_unknown => {
                        SourcedPolicy::unknown(block.line, format!("{address} policy"))
                    }
                    // An empty `inline_policy {}` block is how Terraform removes inline policies.
                    None => continue,
                    Some(text) if text.as_str() == Some("") => continue,
                    Some(text) => read_policy(text, Intrinsics::None).map_err(|e| {
                        InputError::from_policy(e).within(&format!("{address}: policy"))
                    })?,
                };
                subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
            }
        }
        "aws_organizations_policy" => {
            let kind = resource
                .values
                .get("type")
                .and_then(Node::as_str)
                .unwrap_or("SERVICE_CONTROL_POLICY");
            if kind == "SERVICE_CONTROL_POLICY" {
                let policy = policy_attribute(resource, "content")?;
                subjects.push(InputSubject::Scp(FoundPolicy {
                    address: resource.address.to_owned(),
                    policy,
                }));
            }
        }
        _ => {}
    }
    Ok(())
}

fn policy_attribute(
    resource: &PlannedResource,
    attribute: &str,
) -> Result<SourcedPolicy, InputError> {
    let what = format!("{}: {attribute}", resource.address);
    if resource.is_unknown(attribute) {
        return Ok(SourcedPolicy::unknown(resource.line, what));
    }
    let text = resource.values.get(attribute).ok_or_else(|| {
        InputError::at(
            resource.line,
            format!("{what}: the attribute is missing and not marked unknown; expected JSON text"),
        )
    })?;
    read_policy(text, Intrinsics::None).map_err(|e| InputError::from_policy(e).within(&what))
}
