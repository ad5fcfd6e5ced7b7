//! The inputs of `snapguard iam check`, detected by content: a policy document, the output of
//! `aws iam get-account-authorization-details`, a Terraform plan (`terraform show -json`) or a
//! CloudFormation template in JSON or YAML. Each yields the policies and principals to evaluate,
//! with a stable address (so that a change can be compared with its base) and the line of every
//! statement.

mod authorization_details;
mod cloudformation;
pub mod policy_source;
pub mod source;
mod terraform;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Principal;

use policy_source::{read_policy, Intrinsics, PolicyReadError, SourcedPolicy};
use source::{looks_like_json, parse_json, parse_yaml, Node};

/// What an input file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A policy document (`{"Version": ..., "Statement": ...}`).
    PolicyDocument,
    /// The output of `aws iam get-account-authorization-details`.
    AuthorizationDetails,
    /// `terraform show -json` of a plan.
    TerraformPlan,
    /// A CloudFormation template, JSON or YAML.
    CloudformationTemplate,
}

impl InputKind {
    /// The kind in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::PolicyDocument => "policy document",
            InputKind::AuthorizationDetails => "IAM authorization details",
            InputKind::TerraformPlan => "Terraform plan",
            InputKind::CloudformationTemplate => "CloudFormation template",
        }
    }
}

/// One read input file.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The path as given.
    pub path: PathBuf,
    /// What the content was recognised as.
    pub kind: InputKind,
    /// Everything in it to evaluate.
    pub subjects: Vec<InputSubject>,
}

/// What is evaluated.
#[derive(Clone, Debug)]
pub enum InputSubject {
    /// A policy evaluated as the only identity policy of an unknown principal.
    Identity(FoundPolicy),
    /// A service control policy, checked as a guardrail.
    Scp(FoundPolicy),
    /// A user or role with all the policies that bear on it (boxed: it is the largest).
    Principal(Box<FoundPrincipal>),
}

/// A policy and its address in the file: a Terraform resource address, a CloudFormation logical
/// id and policy name, or (within a principal) a label such as `inline policy "ci"`.
#[derive(Clone, Debug)]
pub struct FoundPolicy {
    /// The policy's address in its file.
    pub address: String,
    /// The document with the line of each statement.
    pub policy: SourcedPolicy,
}

/// A user or role of authorization details, with every policy that bears on it.
#[derive(Clone, Debug)]
pub struct FoundPrincipal {
    /// The principal, with its tags.
    pub principal: Principal,
    /// The 1-based line of its entry.
    pub line: usize,
    /// Inline, attached managed and (for users) group policies.
    pub identity: Vec<FoundPolicy>,
    /// Its permissions boundary, when it has one.
    pub boundary: Option<FoundPolicy>,
}

/// Why an input cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}: {message}", path.display(), position(.line), position(.column))]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, when the error has a place in the file.
    pub line: Option<usize>,
    /// The 1-based column, for syntax errors.
    pub column: Option<usize>,
    /// What was found and what was expected.
    pub message: String,
}

/// `:N` for a known line or column, nothing otherwise.
fn position(n: &Option<usize>) -> String {
    n.map_or_else(String::new, |n| format!(":{n}"))
}

impl InputError {
    /// An error at a line of the file being read; [`load`] adds the file.
    fn at(line: usize, message: impl fmt::Display) -> Self {
        InputError {
            path: PathBuf::new(),
            line: Some(line),
            column: None,
            message: message.to_string(),
        }
    }

    fn from_policy(e: PolicyReadError) -> Self {
        let message = match e.error.path.as_str() {
            "" => e.error.message,
            path => format!("{path}: {}", e.error.message),
        };
        InputError::at(e.line, message)
    }

    /// Prefixes the message with where in the file's structure the error is.
    fn within(mut self, place: &str) -> Self {
        self.message = format!("{place}: {}", self.message);
        self
    }
}

/// Typed reads of a value's fields, for the readers of plans, templates and authorization
/// details: an absent field (or `null`) is absent, but a field of the wrong type is an input
/// error naming the place, never read as "nothing here" (which would hide what it grants).
trait Fields {
    /// The list at `key`: empty when absent or `null`.
    fn list_or_none(&self, key: &str, place: &str) -> Result<&[Node], InputError>;
    /// The string at `key`, `None` when absent or `null`.
    fn optional_str(&self, key: &str, place: &str) -> Result<Option<&str>, InputError>;
    /// The string at `key`, which must be there.
    fn required_str(&self, key: &str, place: &str) -> Result<&str, InputError>;
    /// The value at `key`, which must be there (it may be `null`).
    fn required(&self, key: &str, place: &str) -> Result<&Node, InputError>;
}

/// `null` reads as absent: plans write `null` for unset attributes.
fn present<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    node.get(key).filter(|v| v.value != source::NodeValue::Null)
}

fn wrong_type(found: &Node, place: &str, key: &str, expected: &str) -> InputError {
    InputError::at(
        found.line,
        format!(
            "{place}: {key}: expected {expected}, found {}",
            found.describe()
        ),
    )
}

impl Fields for Node {
    fn list_or_none(&self, key: &str, place: &str) -> Result<&[Node], InputError> {
        match present(self, key) {
            None => Ok(&[]),
            Some(v) => v
                .as_list()
                .ok_or_else(|| wrong_type(v, place, key, "a list")),
        }
    }

    fn optional_str(&self, key: &str, place: &str) -> Result<Option<&str>, InputError> {
        present(self, key)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| wrong_type(v, place, key, "a string"))
            })
            .transpose()
    }

    fn required_str(&self, key: &str, place: &str) -> Result<&str, InputError> {
        self.optional_str(key, place)?.ok_or_else(|| {
            InputError::at(
                self.line,
                format!("{place}: {key} is missing; expected a string"),
            )
        })
    }

    fn required(&self, key: &str, place: &str) -> Result<&Node, InputError> {
        self.get(key)
            .ok_or_else(|| InputError::at(self.line, format!("{place}: {key} is missing")))
    }
}

/// The policy types of AWS Organizations (the `Type` of CreatePolicy, CloudFormation's
/// `AWS::Organizations::Policy` and Terraform's `aws_organizations_policy`); only service
/// control policies guard backups here, and a value outside the list is an input error, so
/// that a misspelt `SERVICE_CONTROL_POLICY` is not skipped as another kind of policy.
const ORGANIZATIONS_POLICY_TYPES: &[&str] = &[
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "BACKUP_POLICY",
    "TAG_POLICY",
    "CHATBOT_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
    "SECURITYHUB_POLICY",
];

/// Whether an Organizations policy `type` (from `place`) is a service control policy; an
/// unknown type is an error.
fn is_service_control_policy(kind: &str, line: usize, place: &str) -> Result<bool, InputError> {
    if !ORGANIZATIONS_POLICY_TYPES.contains(&kind) {
        return Err(InputError::at(
            line,
            format!(
                "{place}: expected one of {}, found {kind:?}",
                ORGANIZATIONS_POLICY_TYPES.join(", ")
            ),
        ));
    }
    Ok(kind == "SERVICE_CONTROL_POLICY")
}

/// Reads and recognises one input file.
///
/// # Errors
/// The file cannot be read or is not UTF-8, or as for [`parse`].
pub fn load(path: &Path) -> Result<InputFile, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        path: path.to_owned(),
        line: None,
        column: None,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(&text, path)
}

/// Recognises and reads the text of one input file; `path` is where it came from (errors name
/// it, and a policy document's address is its file name).
///
/// # Errors
/// Not JSON or YAML, a key written twice, nesting deeper than [`source::MAX_NESTING`], none
/// of the four shapes, or a value of the wrong type where a policy, principal or resource is
/// read: `FILE:LINE[:COLUMN]: what was found; what was expected`.
pub fn parse(text: &str, path: &Path) -> Result<InputFile, InputError> {
    let in_file = |mut e: InputError| {
        e.path = path.to_owned();
        e
    };
    let root = if looks_like_json(text) {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
    .map_err(|e| InputError {
        path: path.to_owned(),
        line: Some(e.line),
        column: Some(e.column),
        message: e.message,
    })?;
    let (kind, subjects) = read(&root, path).map_err(in_file)?;
    Ok(InputFile {
        path: path.to_owned(),
        kind,
        subjects,
    })
}

fn read(root: &Node, path: &Path) -> Result<(InputKind, Vec<InputSubject>), InputError> {
    if root.as_map().is_none() {
        return Err(InputError::at(
            root.line,
            format!("{}; found {}", UNKNOWN_SHAPE, root.describe()),
        ));
    }
    if is_policy_document(root) {
        let policy = read_policy(root, Intrinsics::None).map_err(InputError::from_policy)?;
        // The file is the document: its name is the address.
        let address = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let subject = InputSubject::Identity(FoundPolicy { address, policy });
        Ok((InputKind::PolicyDocument, vec![subject]))
    } else if authorization_details::detect(root) {
        Ok((
            InputKind::AuthorizationDetails,
            authorization_details::read(root)?,
        ))
    } else if terraform::detect(root) {
        Ok((InputKind::TerraformPlan, terraform::read(root)?))
    } else if cloudformation::detect(root) {
        Ok((
            InputKind::CloudformationTemplate,
            cloudformation::read(root)?,
        ))
    } else {
        let keys: Vec<&str> = root
            .as_map()
            .unwrap_or_default()
            .iter()
            .take(5)
            .map(|(k, _)| k.as_str())
            .collect();
        Err(InputError::at(
            root.line,
            format!("{UNKNOWN_SHAPE}; found an object with keys {keys:?}"),
        ))
    }
}

const UNKNOWN_SHAPE: &str = "unknown input: expected a policy document (with \"Statement\"), \
the output of `aws iam get-account-authorization-details`, a Terraform plan (`terraform show -json`) \
or a CloudFormation template";

/// A policy document has `Statement`, or at least a policy `Version` (so that a policy that lost
/// its statements is reported as such rather than as an unknown input).
fn is_policy_document(root: &Node) -> bool {
    root.get("Statement").is_some()
        || root
            .get("Version")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("20"))
}
