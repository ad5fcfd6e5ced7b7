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

/// Reads and recognises one input file.
pub fn load(path: &Path) -> Result<InputFile, InputError> {
    let in_file = |mut e: InputError| {
        e.path = path.to_owned();
        e
    };
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        path: path.to_owned(),
        line: None,
        column: None,
        message: format!("cannot read the file: {e}"),
    })?;
    let root = if looks_like_json(&text) {
        parse_json(&text)
    } else {
        parse_yaml(&text)
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
