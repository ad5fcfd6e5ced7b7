//! `terraform show -json` plans: IAM policies, inline role policies, `aws_iam_policy_document`
//! data sources and service control policies, as they will be after the change.
//!
//! Policy attributes are JSON text. A value Terraform computes during apply is marked in
//! `after_unknown`; such a document is read as the worst case (see [`super::policy_source`]).

use super::policy_source::{read_policy, Intrinsics, SourcedPolicy};
use super::source::{Node, NodeValue};
use super::{is_service_control_policy, Fields, FoundPolicy, InputError, InputSubject};

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
    for resource in planned_resources(root)? {
        read_resource(&resource, &mut subjects)?;
    }
    Ok(subjects)
}

/// Every resource after the change: `resource_changes` (which mark computed values), then the
/// data sources already read into `prior_state`, then `planned_values` for plans without
/// `resource_changes`; the first mention of an address wins. A list, address or type of the
/// wrong shape is an input error: skipped, it would hide what the resource grants.
fn planned_resources(root: &Node) -> Result<Vec<PlannedResource<'_>>, InputError> {
    let mut resources: Vec<PlannedResource> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, change) in root
        .list_or_none("resource_changes", "the plan")?
        .iter()
        .enumerate()
    {
        let place = format!("resource_changes[{index}]");
        let address = change.required_str("address", &place)?;
        let kind = change.required_str("type", address)?;
        let change_block = change.required("change", address)?;
        let after = change_block.required("after", &format!("{address}: change"))?;
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
            unknown: change_block.get("after_unknown"),
        });
    }
    for state in ["prior_state", "planned_values"] {
        let module = root.get(state).map(|s| s.get("values").unwrap_or(s));
        let mut modules: Vec<&Node> = module
            .and_then(|m| m.get("root_module"))
            .into_iter()
            .collect();
        while let Some(module) = modules.pop() {
            modules.extend(module.list_or_none("child_modules", state)?);
            for (index, resource) in module.list_or_none("resources", state)?.iter().enumerate() {
                let place = format!("{state}: resources[{index}]");
                let address = resource.required_str("address", &place)?;
                let kind = resource.required_str("type", address)?;
                let values = resource.required("values", address)?;
                let is_data = resource.optional_str("mode", address)? == Some("data");
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
    Ok(resources)
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
        // `planned_values` leaves out what is computed during apply, without a marker.
        "aws_iam_role"
            if resource.is_unknown("inline_policy")
                || (resource.unknown.is_none()
                    && resource.values.get("inline_policy").is_none()) =>
        {
            let address = format!("{} inline_policy", resource.address);
            let policy = SourcedPolicy::unknown(resource.line, address.clone());
            subjects.push(InputSubject::Identity(FoundPolicy { address, policy }));
        }
        "aws_iam_role" => {
            // `resource_changes` writes every attribute it knows and marks the rest unknown.
            if resource.values.get("inline_policy").is_none() {
                return Err(InputError::at(
                    resource.line,
                    format!(
                        "{}: inline_policy is missing and not marked unknown; expected a list",
                        resource.address
                    ),
                ));
            }
            let inline = resource
                .values
                .list_or_none("inline_policy", resource.address)?;
            let unknown = resource.unknown.and_then(|u| u.get("inline_policy"));
            for (index, block) in inline.iter().enumerate() {
                let place = format!("{} inline_policy[{index}]", resource.address);
                let name = block
                    .optional_str("name", &place)?
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
            // Absent when computed during apply: read as a service control policy.
            let kind = resource
                .values
                .optional_str("type", resource.address)?
                .unwrap_or("SERVICE_CONTROL_POLICY");
            let place = format!("{}: type", resource.address);
            if is_service_control_policy(kind, resource.line, &place)? {
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
