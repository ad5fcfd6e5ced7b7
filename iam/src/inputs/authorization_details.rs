//! `aws iam get-account-authorization-details` output: every user and role as a principal with
//! its inline and attached managed policies (the default version, from the `Policies` list), its
//! groups' policies for users, and its permissions boundary.

use std::collections::HashMap;

use serde_path_to_error::Segment;

use crate::authorization_details::{
    AuthorizationDetails, Place, PolicySource, SourcedDocument, Step,
};
use crate::{Principal, PrincipalKind, SessionTags};

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

/// The users and roles of the output, each with every policy that bears on it, as
/// [`AuthorizationDetails::principals`] decides; the documents are read from the file's own
/// nodes so that every statement keeps its line.
pub fn read(root: &Node) -> Result<Vec<InputSubject>, InputError> {
    let details: AuthorizationDetails =
        serde_path_to_error::deserialize(root.to_value()).map_err(|e| {
            let line = node_at(
                root,
                e.path().iter().map(|segment| match segment {
                    Segment::Seq { index } => PathStep::Index(*index),
                    Segment::Map { key } => PathStep::Key(key),
                    _ => PathStep::Key(""),
                }),
            )
            .line;
            let (place, problem) = (e.path().to_string(), e.inner().to_string());
            let message = match place.as_str() {
                // An absent list was not collected; read as empty it would hide principals.
                "." if problem.starts_with("missing field") => format!(
                    "{problem}; expected all four lists of `aws iam \
                     get-account-authorization-details` (UserDetailList, GroupDetailList, \
                     RoleDetailList, Policies), as the command prints them without --filter \
                     (an empty list is fine)"
                ),
                "." => problem,
                _ => format!("{place}: {problem}"),
            };
            InputError::at(line, message)
        })?;
    let mut read_documents: HashMap<String, SourcedPolicy> = HashMap::new();
    let mut subjects = Vec::new();
    for found in details.principals() {
        let node = |place: &Place| node_at(root, place.steps().iter().map(PathStep::from));
        if let Some((group, place)) = found.undescribed_groups.first() {
            return Err(InputError::at(
                node(place).line,
                format!(
                    "{} is in group {group:?}, which GroupDetailList does not describe; \
                     expected the output of `aws iam get-account-authorization-details` \
                     without --filter",
                    found.arn
                ),
            ));
        }
        let entry = node(&found.place);
        let mut principal = Principal::from_arn(found.arn)
            .map_err(|e| InputError::at(entry.get("Arn").unwrap_or(entry).line, e))?;
        principal.tags = found
            .tags
            .iter()
            .map(|t| (t.key.to_string(), t.value.to_string()))
            .collect();
        if found.kind == PrincipalKind::Role {
            principal.session_tags = SessionTags::from_trust_policy(found.trust_policy);
        }
        let mut policy = |source: &PolicySource, label: &str| -> Result<FoundPolicy, InputError> {
            let group = source
                .group
                .map_or_else(String::new, |g| format!("group {g:?} "));
            match &source.policy {
                SourcedDocument::Inline { name, place, .. } => Ok(FoundPolicy {
                    address: format!("{group}inline policy {name:?}"),
                    policy: read_document(node(place))?,
                }),
                SourcedDocument::Managed {
                    arn,
                    arn_place,
                    default,
                } => {
                    let policy = match default {
                        Some((_, _, place)) => match read_documents.get(&place.to_string()) {
                            Some(policy) => policy.clone(),
                            None => {
                                let policy = read_document(node(place))?;
                                read_documents.insert(place.to_string(), policy.clone());
                                policy
                            }
                        },
                        None => SourcedPolicy::unknown(
                            node(arn_place).line,
                            format!("{label} {arn} (not in the Policies list)"),
                        ),
                    };
                    Ok(FoundPolicy {
                        address: format!("{group}{label} {arn}"),
                        policy,
                    })
                }
            }
        };
        let identity = found
            .identity
            .iter()
            .map(|source| policy(source, "managed policy"))
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = found
            .boundary
            .as_ref()
            .map(|source| policy(source, "permissions boundary"))
            .transpose()?;
        subjects.push(InputSubject::Principal(Box::new(FoundPrincipal {
            line: entry.line,
            principal,
            identity,
            boundary,
        })));
    }
    Ok(subjects)
}

/// A step of a path into the file: a model [`Step`], or a step of a deserialization error's
/// path.
enum PathStep<'k> {
    Key(&'k str),
    Index(usize),
}

impl From<&Step> for PathStep<'static> {
    fn from(step: &Step) -> Self {
        match *step {
            Step::Key(key) => PathStep::Key(key),
            Step::Index(index) => PathStep::Index(index),
        }
    }
}

/// The node at `steps` from `root`, or the deepest one that exists on the way.
fn node_at<'n, 'k>(root: &'n Node, steps: impl Iterator<Item = PathStep<'k>>) -> &'n Node {
    let mut node = root;
    for step in steps {
        let next = match step {
            PathStep::Key(key) => node.get(key),
            PathStep::Index(index) => node.as_list().and_then(|list| list.get(index)),
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    node
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
