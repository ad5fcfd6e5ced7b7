//! A policy document as it appears in an input: an object, or JSON text inside a string, whose
//! values may be unknown until deployment (CloudFormation intrinsic functions, Terraform
//! computed values).
//!
//! An unknown value is read as the worst case for backups, so that a gate never passes on a
//! guess:
//! - an unknown `Effect` is `Allow`: such a statement may grant and cannot be relied on to deny;
//! - in an `Allow`, an unknown `Action`/`Resource` value is `*` (a `Fn::Sub` template keeps its
//!   literal text, each `${...}` becoming `*`), an unknown `NotAction`/`NotResource` value excludes
//!   nothing, and a `Condition` with an unknown value is dropped (the grant is unconditional);
//! - in a `Deny`, the opposite: an unknown `Action`/`Resource` value matches nothing, an unknown
//!   `NotAction`/`NotResource` value is `*`, and a `Condition` with an unknown value cannot be
//!   decided (the deny is only conditional);
//! - an unknown statement, or a whole unknown document, allows every action on every resource,
//!   which also denies nothing.
//!
//! Every such reading is recorded in [`SourcedPolicy::unknowns`] for the report.

use serde_json::{json, Map, Value};

use crate::{PolicyDocument, PolicyError};

use super::source::{parse_json, Node, NodeValue};

/// An action pattern that matches no action, standing for an unknown value that must not widen.
const NO_ACTION: &str = "snapguard:UnknownValue";
/// A resource pattern that matches no backup, standing for an unknown value that must not widen.
const NO_RESOURCE: &str = "arn:snapguard:unknown-value";

/// A parsed policy document with where its statements are and what had to be assumed.
#[derive(Clone, Debug)]
pub struct SourcedPolicy {
    /// The parsed document.
    pub document: PolicyDocument,
    /// The line where the document starts in its file.
    pub line: usize,
    /// The line of each statement, by statement index.
    pub statement_lines: Vec<usize>,
    /// How each unknown value was read, such as
    /// `Statement[0].Resource: !Sub value read as "arn:aws:ec2:*::snapshot/*"`.
    pub unknowns: Vec<String>,
}

impl SourcedPolicy {
    /// The line of a statement, or of the document when the statement has none of its own.
    pub fn statement_line(&self, index: usize) -> usize {
        self.statement_lines
            .get(index)
            .copied()
            .unwrap_or(self.line)
    }

    /// A document that is entirely unknown, read as allowing everything.
    pub fn unknown(line: usize, what: String) -> Self {
        let value = json!({"Statement": [allow_everything()]});
        SourcedPolicy {
            document: PolicyDocument::from_value(&value).expect("a valid policy"),
            line,
            statement_lines: vec![line],
            unknowns: vec![format!(
                "{what} is unknown until deployment; read as allowing every action on every resource"
            )],
        }
    }
}

fn allow_everything() -> Value {
    json!({"Effect": "Allow", "Action": "*", "Resource": "*"})
}

/// Whether CloudFormation intrinsic functions (`!Ref`, `Fn::Sub`, ...) are read as unknowns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intrinsics {
    /// `!Ref`, `Fn::Sub`, ... are CloudFormation intrinsics.
    CloudFormation,
    /// Every value is plain data.
    None,
}

/// Why a policy could not be read, with the line of the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyReadError {
    /// The 1-based line of the offending value.
    pub line: usize,
    /// What is wrong with the document.
    pub error: PolicyError,
}

/// Reads a policy document given as an object or as JSON text in a string.
pub fn read_policy(node: &Node, intrinsics: Intrinsics) -> Result<SourcedPolicy, PolicyReadError> {
    if let Some(function) = intrinsic(node, intrinsics) {
        return Ok(SourcedPolicy::unknown(
            node.line,
            format!("the policy document ({function})"),
        ));
    }
    if let Some(text) = node.as_str() {
        let embedded = parse_json(text).map_err(|e| PolicyReadError {
            line: node.line,
            error: PolicyError {
                path: String::new(),
                message: format!("the policy text at its line {}: {}", e.line, e.message),
            },
        })?;
        // Lines inside a string are not lines of the file: point at the string itself.
        let mut policy = read_policy(&embedded, Intrinsics::None).map_err(|e| PolicyReadError {
            line: node.line,
            ..e
        })?;
        policy.line = node.line;
        policy.statement_lines.fill(node.line);
        return Ok(policy);
    }
    let mut reading = Reading {
        intrinsics,
        unknowns: Vec::new(),
    };
    let (value, statement_lines) = reading.document(node);
    let document = PolicyDocument::from_value(&value).map_err(|error| PolicyReadError {
        line: line_of_path(node, &error.path),
        error,
    })?;
    Ok(SourcedPolicy {
        document,
        line: node.line,
        statement_lines,
        unknowns: reading.unknowns,
    })
}

/// The name of the intrinsic function a node is, such as `!Sub` or `Fn::GetAtt`.
pub fn intrinsic(node: &Node, intrinsics: Intrinsics) -> Option<String> {
    if intrinsics == Intrinsics::None {
        return None;
    }
    if let Some(tag) = &node.tag {
        return Some(format!("!{tag}"));
    }
    match node.as_map() {
        Some([(key, _)]) if key == "Ref" || key.starts_with("Fn::") => Some(key.clone()),
        _ => None,
    }
}

struct Reading {
    intrinsics: Intrinsics,
    unknowns: Vec<String>,
}

impl Reading {
    fn intrinsic(&self, node: &Node) -> Option<String> {
        intrinsic(node, self.intrinsics)
    }

    fn note(&mut self, path: &str, function: &str, reading: impl std::fmt::Display) {
        self.unknowns
            .push(format!("{path}: {function} value read as {reading}"));
    }

    /// The document as JSON, and the line of each statement.
    fn document(&mut self, node: &Node) -> (Value, Vec<usize>) {
        let Some(entries) = node.as_map() else {
            return (node.to_value(), Vec::new());
        };
        let mut document = Map::new();
        let mut lines = Vec::new();
        for (key, value) in entries {
            let function = self.intrinsic(value);
            let converted = match (key.as_str(), function) {
                ("Statement", Some(function)) => {
                    self.note("Statement", &function, "one statement allowing everything");
                    lines.push(value.line);
                    json!([allow_everything()])
                }
                ("Statement", None) => match &value.value {
                    NodeValue::List(items) => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(index, item)| {
                                lines.push(item.line);
                                self.statement(item, &format!("Statement[{index}]"))
                            })
                            .collect(),
                    ),
                    _ => {
                        lines.push(value.line);
                        self.statement(value, "Statement")
                    }
                },
                ("Version", Some(function)) => {
                    self.note("Version", &function, "\"2012-10-17\"");
                    json!("2012-10-17")
                }
                (_, Some(function)) => {
                    self.note(key, &function, "absent");
                    continue;
                }
                (_, None) => value.to_value(),
            };
            document.insert(key.clone(), converted);
        }
        (Value::Object(document), lines)
    }

    fn statement(&mut self, node: &Node, path: &str) -> Value {
        if let Some(function) = self.intrinsic(node) {
            self.note(path, &function, "a statement allowing everything");
            return allow_everything();
        }
        let Some(entries) = node.as_map() else {
            return node.to_value();
        };
        let allow = match node.get("Effect") {
            Some(effect) => match self.intrinsic(effect) {
                Some(function) => {
                    self.note(&format!("{path}.Effect"), &function, "\"Allow\"");
                    true
                }
                None => effect.as_str() != Some("Deny"),
            },
            None => true,
        };
        let mut statement = Map::new();
        for (key, value) in entries {
            let element_path = format!("{path}.{key}");
            let converted = match key.as_str() {
                "Effect" if self.intrinsic(value).is_some() => json!("Allow"),
                "Action" | "Resource" => self.patterns(value, &element_path, allow, key),
                "NotAction" | "NotResource" => self.patterns(value, &element_path, !allow, key),
                "Condition" if contains_intrinsic(value, self.intrinsics) => {
                    if allow {
                        self.unknowns.push(format!(
                            "{element_path}: has an unknown value; the grant is read as unconditional"
                        ));
                        continue;
                    }
                    self.unknowns.push(format!(
                        "{element_path}: has an unknown value; the deny is read as conditional"
                    ));
                    json!({"StringEquals": {"snapguard:UnknownCondition": "unknown"}})
                }
                _ => match self.intrinsic(value) {
                    Some(function) if key == "Sid" => {
                        self.note(&element_path, &function, "absent");
                        continue;
                    }
                    Some(function) => {
                        self.note(&element_path, &function, "\"*\"");
                        json!("*")
                    }
                    None => self.without_intrinsics(value, &element_path),
                },
            };
            statement.insert(key.clone(), converted);
        }
        Value::Object(statement)
    }

    /// An `Action`-like element: `widen` says whether an unknown value becomes `*` or nothing.
    fn patterns(&mut self, node: &Node, path: &str, widen: bool, element: &str) -> Value {
        match node.as_list() {
            Some(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        self.pattern(item, &format!("{path}[{index}]"), widen, element)
                    })
                    .collect(),
            ),
            None => self.pattern(node, path, widen, element),
        }
    }

    fn pattern(&mut self, node: &Node, path: &str, widen: bool, element: &str) -> Value {
        let Some(function) = self.intrinsic(node) else {
            return node.to_value();
        };
        let reading = match (widen, sub_template(node)) {
            (true, Some(template)) => wildcard_template(template),
            (true, None) => "*".to_owned(),
            (false, _) if element.ends_with("Action") => NO_ACTION.to_owned(),
            (false, _) => NO_RESOURCE.to_owned(),
        };
        let shown = if widen {
            format!("{reading:?}")
        } else {
            "matching nothing".to_owned()
        };
        self.note(path, &function, shown);
        Value::String(reading)
    }

    /// A value that is not a policy element of its own, with unknowns read as `*`.
    fn without_intrinsics(&mut self, node: &Node, path: &str) -> Value {
        if let Some(function) = self.intrinsic(node) {
            self.note(path, &function, "\"*\"");
            return json!("*");
        }
        match &node.value {
            NodeValue::List(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.without_intrinsics(item, &format!("{path}[{i}]")))
                    .collect(),
            ),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            self.without_intrinsics(v, &format!("{path}.{k}")),
                        )
                    })
                    .collect(),
            ),
            _ => node.to_value(),
        }
    }
}

fn contains_intrinsic(node: &Node, intrinsics: Intrinsics) -> bool {
    intrinsic(node, intrinsics).is_some()
        || match &node.value {
            NodeValue::List(items) => items.iter().any(|i| contains_intrinsic(i, intrinsics)),
            NodeValue::Map(entries) => entries
                .iter()
                .any(|(_, v)| contains_intrinsic(v, intrinsics)),
            _ => false,
        }
}

/// The template of a `!Sub "template"`, `!Sub [template, vars]` or `Fn::Sub` of either form.
fn sub_template(node: &Node) -> Option<&str> {
    let argument = match (&node.tag, node.as_map()) {
        (Some(tag), _) if tag == "Sub" => node,
        (None, Some([(key, argument)])) if key == "Fn::Sub" => argument,
        _ => return None,
    };
    match &argument.value {
        NodeValue::String(template) => Some(template),
        NodeValue::List(items) => items.first().and_then(Node::as_str),
        _ => None,
    }
}

/// `arn:aws:ec2:${AWS::Region}::snapshot/*` -> `arn:aws:ec2:*::snapshot/*`: any variable may
/// expand to any text. `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
fn wildcard_template(template: &str) -> String {
    let mut pattern = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        pattern.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('}') else {
            rest = &rest[start..];
            break;
        };
        let variable = &rest[start + 2..start + length];
        match variable.strip_prefix('!') {
            Some(literal) => {
                pattern.push_str("${");
                pattern.push_str(literal);
                pattern.push('}');
            }
            None => pattern.push('*'),
        }
        rest = &rest[start + length + 1..];
    }
    pattern.push_str(rest);
    pattern
}

/// The line of the value at a policy error path such as `Statement[2].Effect`: as deep as the
/// path can be followed.
fn line_of_path(root: &Node, path: &str) -> usize {
    let mut node = root;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, indexes) = match step.find('[') {
            Some(bracket) => (&step[..bracket], &step[bracket..]),
            None => (step, ""),
        };
        let Some(child) = node.get(name) else {
            break;
        };
        node = child;
        for index in indexes
            .split(['[', ']'])
            .filter_map(|i| i.parse::<usize>().ok())
        {
            match node.as_list().and_then(|items| items.get(index)) {
                Some(item) => node = item,
                None => break,
            }
        }
    }
    node.line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::source::parse_yaml;

    fn read(yaml: &str) -> SourcedPolicy {
        read_policy(&parse_yaml(yaml).expect("YAML"), Intrinsics::CloudFormation).expect("valid")
    }

    #[test]
    fn unknowns_widen_grants_and_narrow_denies() {
        let policy = read(
            "Statement:\n\
             - Effect: Allow\n  Action: ec2:*\n  Resource: !Sub 'arn:aws:ec2:${AWS::Region}::snapshot/*'\n\
             - Effect: Deny\n  Action: [!Ref DeniedAction]\n  Resource: '*'\n\
             - Effect: !If [Prod, Allow, Deny]\n  NotAction: !Ref Excluded\n  Resource: '*'\n",
        );
        let statements = &policy.document.statements;
        assert_eq!(
            statements[0].resources.patterns,
            ["arn:aws:ec2:*::snapshot/*"]
        );
        assert_eq!(statements[1].actions.patterns, [NO_ACTION]);
        assert_eq!(statements[2].actions.patterns, [NO_ACTION]);
        assert_eq!(policy.statement_lines, [2, 5, 8]);
        assert_eq!(policy.unknowns.len(), 4, "{:?}", policy.unknowns);
        assert!(policy.unknowns[0].starts_with("Statement[0].Resource: !Sub value read as"));
    }

    #[test]
    fn templates_become_wildcards() {
        assert_eq!(wildcard_template("a-${X}-${!Y}-b"), "a-*-${Y}-b");
        assert_eq!(wildcard_template("no variables"), "no variables");
    }

    #[test]
    fn errors_point_at_the_offending_line() {
        let node = parse_yaml("Statement:\n  - Effect: Allow\n    Action: '*'\n  - Effect: Perhaps\n    Action: '*'\n    Resource: '*'\n")
            .expect("YAML");
        let e = read_policy(&node, Intrinsics::CloudFormation).expect_err("invalid");
        assert_eq!(e.line, 2, "{}", e.error);
        assert!(
            e.error.message.contains("neither \"Resource\""),
            "{}",
            e.error
        );
    }
}
