//! IAM policy documents: parsing JSON into a typed, pre-compiled model.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::targets::{self, ArnPattern, Bound, ExtentCache, Reach, ResourceSet, TargetKind};
use crate::wildcard::{literal_prefix, matches as wildcard_match};

/// The only policy language version in which `${...}` policy variables are interpreted.
const VARIABLES_VERSION: &str = "2012-10-17";
const VERSIONS: [&str; 2] = [VARIABLES_VERSION, "2008-10-17"];

/// A parsed policy document. Parse once, evaluate many times: patterns are compiled here and
/// per-statement resource analysis is cached.
#[derive(Clone, Debug)]
pub struct PolicyDocument {
    /// `Version`, such as `2012-10-17`; without it, policy variables are not substituted.
    pub version: Option<String>,
    /// `Id`.
    pub id: Option<String>,
    /// `Statement`: one statement or a list, read as a list.
    pub statements: Vec<Statement>,
    /// What AWS would reject in the document as an identity policy, a permissions boundary or
    /// an SCP, each naming the statement and how it is read (see [`Rejection`]).
    pub warnings: Vec<String>,
}

/// A statement's `Effect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// `"Allow"`.
    Allow,
    /// `"Deny"`.
    Deny,
}

/// One statement of a policy document.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Position in the document's `Statement` list (0 when `Statement` is a single object).
    pub index: usize,
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub actions: ActionElement,
    /// `Resource` or `NotResource` (a statement must have one).
    pub resources: ResourceElement,
    /// The `Condition` block, one clause per operator and key.
    pub conditions: Vec<ConditionClause>,
    /// `Principal`/`NotPrincipal` of resource and endpoint policies; kept, not evaluated.
    pub principal: Option<PrincipalElement>,
    /// Why AWS would reject the statement in an identity policy, a permissions boundary or an
    /// SCP, and how it is read then.
    pub rejection: Option<Rejection>,
    pub(crate) policy_variables: bool,
    reach_by_target: [OnceLock<Reach>; TargetKind::COUNT],
    /// The extents of the resource patterns explored so far, per domain.
    extents: ExtentCache,
}

/// `Action` or, when `negated`, `NotAction`.
#[derive(Clone, Debug)]
pub struct ActionElement {
    /// `NotAction` rather than `Action`.
    pub negated: bool,
    /// The action patterns as written (`service:Action`, with `*` and `?`).
    pub patterns: Vec<String>,
    /// (lower-cased pattern, index into `patterns`) for patterns naming their service, sorted,
    /// so that a statement listing hundreds of actions is searched by service first.
    by_service: Vec<(String, usize)>,
    /// Patterns with a wildcard in the service part, such as `*`.
    any_service: Vec<(String, usize)>,
}

/// `Resource` or, when `negated`, `NotResource`.
#[derive(Clone, Debug)]
pub struct ResourceElement {
    /// `NotResource` rather than `Resource`.
    pub negated: bool,
    /// The ARN patterns as written (with `*` and `?`).
    pub patterns: Vec<String>,
    compiled: Vec<ArnPattern>,
}

/// One `operator: { key: values }` entry of a `Condition` block; values normalised to strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionClause {
    /// The condition operator, such as `StringEquals` or `ForAnyValue:StringLike`.
    pub operator: String,
    /// The condition key, such as `aws:PrincipalTag/Team`.
    pub key: String,
    /// The values, any of which may match.
    pub values: Vec<String>,
}

/// `Principal` or, when `negated`, `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalElement {
    /// `NotPrincipal` rather than `Principal`.
    pub negated: bool,
    /// Who it names.
    pub value: PrincipalValue,
}

/// The value of a `Principal` or `NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalValue {
    /// `"*"`
    Anyone,
    /// `{"AWS": [...], "Service": ...}`
    Named(BTreeMap<String, Vec<String>>),
}

/// Why a document is not a valid policy, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", place_prefix(.path))]
pub struct PolicyError {
    /// Location in the document, such as `Statement[2].Effect`; empty for the whole document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// `path: ` before a message, or nothing for the whole document.
fn place_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

fn error(path: &str, message: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// A JSON value as a message shows it: strings quoted, containers by kind.
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        other => other.to_string(),
    }
}

fn expected(path: &str, what: &str, found: &Value) -> PolicyError {
    error(path, format!("expected {what}, found {}", describe(found)))
}

impl PolicyDocument {
    /// Parses a policy document from JSON text.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| error("", format!("the policy is not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a policy document from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        Self::from_value_of(value, false)
    }

    /// Parses a role's trust policy (`AssumeRolePolicyDocument`), whose statements name no
    /// resource: the role itself is the resource, read as `"Resource": "*"`
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
    pub fn from_trust_policy_value(value: &Value) -> Result<Self, PolicyError> {
        Self::from_value_of(value, true)
    }

    fn from_value_of(value: &Value, trust_policy: bool) -> Result<Self, PolicyError> {
        let document = value
            .as_object()
            .ok_or_else(|| expected("", "a policy document (a JSON object)", value))?;
        reject_unknown_elements(document, "", &["Version", "Id", "Statement"])?;
        let version = optional_string(document, "", "Version")?;
        if let Some(version) = &version {
            if !VERSIONS.contains(&version.as_str()) {
                return Err(error(
                    "Version",
                    format!("expected \"2012-10-17\" or \"2008-10-17\", found {version:?}"),
                ));
            }
        }
        let policy_variables = version.as_deref() == Some(VARIABLES_VERSION);
        let statements = match document.get("Statement") {
            None => return Err(error("", "the policy has no \"Statement\" element")),
            Some(Value::Object(statement)) => {
                vec![Statement::parse(
                    statement,
                    0,
                    "Statement",
                    policy_variables,
                    trust_policy,
                )?]
            }
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let path = format!("Statement[{index}]");
                    let statement = item
                        .as_object()
                        .ok_or_else(|| expected(&path, "a statement object", item))?;
                    Statement::parse(statement, index, &path, policy_variables, trust_policy)
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(expected(
                    "Statement",
                    "a statement object or a list of them",
                    other,
                ))
            }
        };
        let mut statements = statements;
        let warnings = if trust_policy {
            Vec::new()
        } else {
            find_rejections(&mut statements)
        };
        Ok(PolicyDocument {
            version,
            id: optional_string(document, "", "Id")?,
            statements,
            warnings,
        })
    }
}

impl Statement {
    fn parse(
        statement: &Map<String, Value>,
        index: usize,
        path: &str,
        policy_variables: bool,
        trust_policy: bool,
    ) -> Result<Self, PolicyError> {
        reject_unknown_elements(
            statement,
            path,
            &[
                "Sid",
                "Effect",
                "Principal",
                "NotPrincipal",
                "Action",
                "NotAction",
                "Resource",
                "NotResource",
                "Condition",
            ],
        )?;
        let effect_path = format!("{path}.Effect");
        let effect = match statement.get("Effect") {
            Some(Value::String(s)) if s == "Allow" => Effect::Allow,
            Some(Value::String(s)) if s == "Deny" => Effect::Deny,
            Some(other) => return Err(expected(&effect_path, "\"Allow\" or \"Deny\"", other)),
            None => {
                return Err(error(
                    path,
                    "the statement has no \"Effect\"; expected \"Allow\" or \"Deny\"",
                ))
            }
        };
        let (negated, patterns) = either_element(statement, path, "Action", "NotAction")?;
        let actions = ActionElement::new(negated, patterns);
        let no_resource =
            !statement.contains_key("Resource") && !statement.contains_key("NotResource");
        let (negated, patterns) = if trust_policy && no_resource {
            (false, vec!["*".to_owned()])
        } else {
            either_element(statement, path, "Resource", "NotResource")?
        };
        let compiled = patterns
            .iter()
            .map(|p| ArnPattern::new(p, policy_variables))
            .collect();
        let resources = ResourceElement {
            negated,
            patterns,
            compiled,
        };
        Ok(Statement {
            index,
            sid: optional_string(statement, path, "Sid")?,
            effect,
            actions,
            resources,
            conditions: parse_conditions(statement.get("Condition"), path)?,
            principal: parse_principal(statement, path)?,
            rejection: None,
            policy_variables,
            reach_by_target: Default::default(),
            extents: ExtentCache::default(),
        })
    }

    /// How much of `target` the statement's `Resource`/`NotResource` reaches.
    pub(crate) fn reach(&self, target: TargetKind) -> Reach {
        *self.reach_by_target[target.index()].get_or_init(|| {
            targets::reach(&self.resources.compiled, self.resources.negated, target)
        })
    }

    /// The ARNs the statement's `Resource`/`NotResource` names, for `target`'s resources:
    /// everything or nothing when that is known from [`Statement::reach`], the patterns
    /// otherwise, with unknown policy variables read at `bound`.
    pub(crate) fn resource_set(&self, target: TargetKind, bound: Bound) -> ResourceSet<'_> {
        match self.reach(target) {
            Reach::All => ResourceSet::Everything,
            Reach::None => ResourceSet::Nothing,
            Reach::Some => ResourceSet::patterns(
                &self.resources.compiled,
                self.resources.negated,
                bound,
                Some(&self.extents),
            ),
        }
    }
}

impl ActionElement {
    fn new(negated: bool, patterns: Vec<String>) -> Self {
        let mut by_service = Vec::new();
        let mut any_service = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let lowercase = pattern.to_lowercase();
            if literal_prefix(&lowercase).contains(':') {
                by_service.push((lowercase, index));
            } else {
                any_service.push((lowercase, index));
            }
        }
        // Sorting groups the patterns of one service ("ec2:...") together.
        by_service.sort();
        ActionElement {
            negated,
            patterns,
            by_service,
            any_service,
        }
    }

    /// The index of the first pattern matching `action`, which must be lower-case.
    pub(crate) fn matching_pattern(&self, action: &str) -> Option<usize> {
        // Patterns naming a service include its colon, so an action without one matches none.
        let same_service: &[(String, usize)] = match action.find(':') {
            Some(colon) => {
                let service = &action[..=colon];
                let first = self
                    .by_service
                    .partition_point(|(pattern, _)| pattern.as_str() < service);
                let count = self.by_service[first..]
                    .iter()
                    .take_while(|(pattern, _)| pattern.starts_with(service))
                    .count();
                &self.by_service[first..first + count]
            }
            None => &[],
        };
        same_service
            .iter()
            .chain(&self.any_service)
            .filter(|(pattern, _)| wildcard_match(pattern, action))
            .map(|(_, index)| *index)
            .min()
    }
}

/// Why AWS would reject a statement of an identity policy, a permissions boundary or an SCP,
/// although the document parses
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>). The
/// verdict is computed on the worst case for backups: an `Allow` is read as written (a
/// `Principal` ignored, a wildcard service prefix matching every service it can), a `Deny` is
/// not relied upon, except one whose only fault is `"Principal": "*"`, which names everyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What AWS objects to, and how the statement is read.
    pub reason: String,
    /// Whether a `Deny` with this fault is left out.
    pub deny_not_relied_upon: bool,
}

/// Flags each statement AWS would reject, and returns the warnings naming them.
fn find_rejections(statements: &mut [Statement]) -> Vec<String> {
    let sids: Vec<Option<String>> = statements.iter().map(|s| s.sid.clone()).collect();
    let mut warnings = Vec::new();
    for statement in statements.iter_mut() {
        let mut reasons: Vec<String> = Vec::new();
        let mut not_relied_upon = false;
        match &statement.principal {
            Some(PrincipalElement {
                negated: false,
                value: PrincipalValue::Anyone,
            }) => reasons.push(
                "\"Principal\" is not allowed in an identity policy or an SCP; \"*\" names \
                 everyone, so the statement is read as written"
                    .to_owned(),
            ),
            Some(element) => {
                let name = if element.negated {
                    "NotPrincipal"
                } else {
                    "Principal"
                };
                reasons.push(format!(
                    "\"{name}\" is not allowed in an identity policy or an SCP"
                ));
                not_relied_upon = true;
            }
            None => {}
        }
        if let Some(sid) = &statement.sid {
            let same: Vec<usize> = sids
                .iter()
                .enumerate()
                .filter(|(_, other)| other.as_deref() == Some(sid.as_str()))
                .map(|(i, _)| i)
                .collect();
            if same.len() > 1 {
                reasons.push(format!(
                    "its Sid {sid:?} is also the Sid of statement{} {}; Sids must be unique \
                     within a policy",
                    if same.len() > 2 { "s" } else { "" },
                    same.iter()
                        .filter(|i| **i != statement.index)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                not_relied_upon = true;
            }
        }
        let element = if statement.actions.negated {
            "NotAction"
        } else {
            "Action"
        };
        for pattern in &statement.actions.patterns {
            let service = pattern.split_once(':').map(|(service, _)| service);
            if service.is_some_and(|s| s.contains(['*', '?'])) {
                reasons.push(format!(
                    "{element} {pattern:?} has a wildcard in its service prefix"
                ));
                not_relied_upon = true;
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let reading = match (statement.effect, not_relied_upon) {
            (Effect::Allow, _) => "read as granting what it names",
            (Effect::Deny, true) => "a Deny AWS would reject is not relied upon",
            (Effect::Deny, false) => "read as written",
        };
        let reason = format!(
            "AWS would reject the document: {}; {reading}",
            reasons.join("; ")
        );
        let sid = statement
            .sid
            .as_ref()
            .map_or_else(String::new, |sid| format!(" (Sid {sid:?})"));
        warnings.push(format!("Statement[{}]{sid}: {reason}", statement.index));
        statement.rejection = Some(Rejection {
            reason,
            deny_not_relied_upon: not_relied_upon,
        });
    }
    warnings
}

fn reject_unknown_elements(
    object: &Map<String, Value>,
    path: &str,
    known: &[&str],
) -> Result<(), PolicyError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(unknown) => Err(error(
            path,
            format!(
                "unknown element {unknown:?}; expected one of {}",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn optional_string(
    object: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<String>, PolicyError> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(expected(&join(path, name), "a string", other)),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Reads exactly one of `name`/`Not<name>`; returns whether it was the negated one.
fn either_element(
    statement: &Map<String, Value>,
    path: &str,
    name: &str,
    negated_name: &str,
) -> Result<(bool, Vec<String>), PolicyError> {
    match (statement.get(name), statement.get(negated_name)) {
        (Some(value), None) => Ok((false, string_list(value, &join(path, name))?)),
        (None, Some(value)) => Ok((true, string_list(value, &join(path, negated_name))?)),
        (Some(_), Some(_)) => Err(error(
            path,
            format!("the statement has both \"{name}\" and \"{negated_name}\"; expected one"),
        )),
        (None, None) => Err(error(
            path,
            format!("the statement has neither \"{name}\" nor \"{negated_name}\"; expected one"),
        )),
    }
}

fn string_list(value: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    const WHAT: &str = "a string or a non-empty list of strings";
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(expected(&format!("{path}[{i}]"), "a string", other)),
            })
            .collect(),
        other => Err(expected(path, WHAT, other)),
    }
}

fn parse_conditions(
    condition: Option<&Value>,
    path: &str,
) -> Result<Vec<ConditionClause>, PolicyError> {
    let Some(condition) = condition else {
        return Ok(Vec::new());
    };
    let path = join(path, "Condition");
    let operators = condition
        .as_object()
        .ok_or_else(|| expected(&path, "an object of condition operators", condition))?;
    let mut clauses = Vec::new();
    for (operator, keys) in operators {
        let operator_path = format!("{path}.{operator}");
        let keys = keys.as_object().ok_or_else(|| {
            expected(
                &operator_path,
                "an object of condition keys and values",
                keys,
            )
        })?;
        for (key, values) in keys {
            clauses.push(ConditionClause {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(values, &format!("{operator_path}.{key}"))?,
            });
        }
    }
    Ok(clauses)
}

fn condition_values(values: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    const WHAT: &str = "a string, boolean or number, or a list of them";
    let scalar = |value: &Value, path: &str| match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
        other => Err(expected(path, WHAT, other)),
    };
    match values {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| scalar(item, &format!("{path}[{i}]")))
            .collect(),
        other => Ok(vec![scalar(other, path)?]),
    }
}

fn parse_principal(
    statement: &Map<String, Value>,
    path: &str,
) -> Result<Option<PrincipalElement>, PolicyError> {
    let (negated, value, name) =
        match (statement.get("Principal"), statement.get("NotPrincipal")) {
            (None, None) => return Ok(None),
            (Some(value), None) => (false, value, "Principal"),
            (None, Some(value)) => (true, value, "NotPrincipal"),
            (Some(_), Some(_)) => return Err(error(
                path,
                "the statement has both \"Principal\" and \"NotPrincipal\"; expected at most one",
            )),
        };
    let path = join(path, name);
    // `{"AWS": "*"}` names every principal, as `"*"` does (IAM User Guide, "AWS JSON policy
    // elements: Principal", anonymous users).
    let anyone_in_aws = |kinds: &Map<String, Value>| {
        kinds.len() == 1
            && match kinds.get("AWS") {
                Some(Value::String(s)) => s == "*",
                Some(Value::Array(list)) => list.len() == 1 && list[0] == "*",
                _ => false,
            }
    };
    let value = match value {
        Value::String(s) if s == "*" => PrincipalValue::Anyone,
        Value::Object(kinds) if anyone_in_aws(kinds) => PrincipalValue::Anyone,
        Value::Object(kinds) => PrincipalValue::Named(
            kinds
                .iter()
                .map(|(kind, ids)| Ok((kind.clone(), string_list(ids, &format!("{path}.{kind}"))?)))
                .collect::<Result<_, PolicyError>>()?,
        ),
        other => {
            return Err(expected(
                &path,
                "\"*\" or an object such as {\"AWS\": [...]}",
                other,
            ))
        }
    };
    Ok(Some(PrincipalElement { negated, value }))
}

/// A policy document given as text: JSON, or JSON URL-encoded as the IAM API returns it
/// (the CLI decodes it; recorded and live sources meet both).
pub fn parse_policy_text(text: &str) -> Result<serde_json::Value, String> {
    let decoded;
    let json = if text.trim_start().starts_with('{') {
        text
    } else {
        decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|e| format!("expected a JSON policy document, URL-encoded or not: {e}"))?;
        &decoded
    };
    serde_json::from_str(json).map_err(|e| format!("expected a JSON policy document: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_error(document: Value) -> String {
        PolicyDocument::from_value(&document)
            .expect_err("the document is invalid")
            .to_string()
    }

    #[test]
    fn statement_may_be_an_object_or_a_list() {
        let single = json!({"Statement": {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}});
        let document = PolicyDocument::from_value(&single).expect("valid");
        assert_eq!(document.statements.len(), 1);
        assert_eq!(document.version, None);
        let list = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["ec2:*", "rbin:*"], "Resource": "*"},
            {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::b"]}
        ]});
        let document = PolicyDocument::from_value(&list).expect("valid");
        let [first, second] = &document.statements[..] else {
            panic!("two statements expected");
        };
        assert_eq!((first.index, first.sid.as_deref()), (0, Some("A")));
        assert_eq!(first.actions.patterns, ["ec2:*", "rbin:*"]);
        assert_eq!((second.index, second.effect), (1, Effect::Deny));
        assert!(second.actions.negated && second.resources.negated);
    }

    #[test]
    fn conditions_are_normalised_to_strings() {
        let document = PolicyDocument::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": true},
                              "NumericLessThan": {"aws:MultiFactorAuthAge": [3600, "7200"]}}}}"#,
        )
        .expect("valid");
        let conditions = &document.statements[0].conditions;
        assert_eq!(conditions[0].values, ["true"]);
        assert_eq!(conditions[1].values, ["3600", "7200"]);
    }

    #[test]
    fn principal_is_kept() {
        let document = PolicyDocument::from_value(&json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*", "Resource": "*"}
        ]}))
        .expect("valid");
        assert_eq!(
            document.statements[0].principal,
            Some(PrincipalElement {
                negated: false,
                value: PrincipalValue::Anyone
            })
        );
        let second = document.statements[1].principal.as_ref().expect("kept");
        assert!(second.negated);
    }

    #[test]
    fn action_lookup_finds_the_first_matching_pattern() {
        let element = ActionElement::new(
            false,
            ["s3:Get*", "ec2:Describe*", "*", "ec2:Delete*"]
                .map(String::from)
                .to_vec(),
        );
        assert_eq!(element.matching_pattern("ec2:deletesnapshot"), Some(2));
        let element = ActionElement::new(
            false,
            ["EC2:DeleteSnapshot", "rbin:*"].map(String::from).to_vec(),
        );
        assert_eq!(element.matching_pattern("ec2:deletesnapshot"), Some(0));
        assert_eq!(element.matching_pattern("rbin:unlockrule"), Some(1));
        assert_eq!(element.matching_pattern("ec2:deregisterimage"), None);
    }

    #[test]
    fn bad_documents_are_explained() {
        let allow_all = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
        let cases = [
            (json!([]), "expected a policy document (a JSON object), found a list"),
            (json!({"Version": "2012-10-17"}), "the policy has no \"Statement\" element"),
            (
                json!({"Statement": "x"}),
                "Statement: expected a statement object or a list of them, found \"x\"",
            ),
            (
                json!({"Statement": [allow_all, allow_all, {"Effect": "allow ", "Action": "*", "Resource": "*"}]}),
                "Statement[2].Effect: expected \"Allow\" or \"Deny\", found \"allow \"",
            ),
            (
                json!({"Statement": {"Action": "*", "Resource": "*"}}),
                "Statement: the statement has no \"Effect\"; expected \"Allow\" or \"Deny\"",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
                "Statement[0]: the statement has neither \"Action\" nor \"NotAction\"; expected one",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*"}]}),
                "Statement[0]: the statement has neither \"Resource\" nor \"NotResource\"; expected one",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}),
                "Statement[0].Action: expected a string or a non-empty list of strings, found 5",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": ["ec2:*", null], "Resource": "*"}]}),
                "Statement[0].Action[1]: expected a string, found null",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]}),
                "Statement[0]: the statement has both \"Action\" and \"NotAction\"; expected one",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalArn": {"x": 1}}}}]}),
                "Statement[0].Condition.StringEquals.aws:PrincipalArn: expected a string, boolean or number, or a list of them, found an object",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Actions": "*", "Resource": "*"}]}),
                "Statement[0]: unknown element \"Actions\"; expected one of Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition",
            ),
            (
                json!({"Version": "2012-10-18", "Statement": []}),
                "Version: expected \"2012-10-17\" or \"2008-10-17\", found \"2012-10-18\"",
            ),
        ];
        for (document, message) in cases {
            assert_eq!(parse_error(document), message);
        }
        assert!(PolicyDocument::parse("{")
            .expect_err("not JSON")
            .to_string()
            .starts_with("the policy is not valid JSON: "));
    }
}
