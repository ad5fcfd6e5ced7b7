//! JSON and YAML text as one tree that remembers the line of every value, so that reports can
//! point at the statement that grants an action.

use serde_json::Value;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{ScanError, Yaml};

/// A value of a JSON or YAML document, with the 1-based line where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The 1-based line where the value starts.
    pub line: usize,
    /// A YAML tag such as `!Sub` (CloudFormation's short form of `Fn::Sub`), without the `!`.
    pub tag: Option<String>,
    /// The value.
    pub value: NodeValue,
}

/// What a [`Node`] holds.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    /// `null`, or an empty YAML value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number as written, so that nothing is lost before a policy reads it.
    Number(String),
    /// A string.
    String(String),
    /// A list, in order.
    List(Vec<Node>),
    /// Keys in document order.
    Map(Vec<(String, Node)>),
}

/// The text is neither valid JSON nor valid YAML; `line` and `column` are 1-based.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column.
    pub column: usize,
    /// What the parser found wrong.
    pub message: String,
}

impl Node {
    /// The value of `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) if self.tag.is_none() => Some(s),
            _ => None,
        }
    }

    /// The items, when this is a list.
    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::List(items) if self.tag.is_none() => Some(items),
            _ => None,
        }
    }

    /// The entries in document order, when this is a map.
    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            NodeValue::Map(entries) if self.tag.is_none() => Some(entries),
            _ => None,
        }
    }

    /// The plain JSON value; YAML tags are dropped.
    pub fn to_value(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n) => serde_json::from_str(n).unwrap_or(Value::String(n.clone())),
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::List(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// What the value is, for messages: `a list`, `"text"`.
    pub fn describe(&self) -> String {
        match (&self.tag, &self.value) {
            (Some(tag), _) => format!("a !{tag} value"),
            (None, NodeValue::List(_)) => "a list".to_owned(),
            (None, NodeValue::Map(_)) => "an object".to_owned(),
            (None, NodeValue::String(s)) => format!("{s:?}"),
            (None, NodeValue::Number(n)) => n.clone(),
            (None, NodeValue::Bool(b)) => b.to_string(),
            (None, NodeValue::Null) => "null".to_owned(),
        }
    }
}

/// Whether the text is JSON (it starts with `{` or `[`) rather than YAML.
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

/// Parses JSON text.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let text = text.trim_start_matches('\u{feff}');
    // serde_json validates and explains; the span reader then only sees valid JSON.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| SyntaxError {
        line: e.line(),
        column: e.column(),
        message: format!("not valid JSON: {e}"),
    })?;
    let mut reader = JsonSpans {
        text,
        position: 0,
        line: 1,
    };
    reader.value()
}

/// Reads already-validated JSON into a [`Node`] tree, counting lines.
struct JsonSpans<'t> {
    text: &'t str,
    position: usize,
    line: usize,
}

impl JsonSpans<'_> {
    fn skip_whitespace(&mut self) {
        let rest = &self.text[self.position..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
        self.line += rest[..skipped].matches('\n').count();
        self.position += skipped;
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn inconsistent(&self) -> SyntaxError {
        SyntaxError {
            line: self.line,
            column: 1,
            message: "the JSON reader lost its place; please report this file".to_owned(),
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        self.skip_whitespace();
        let line = self.line;
        let value = match self.peek().ok_or_else(|| self.inconsistent())? {
            b'{' => {
                self.position += 1;
                let mut entries = Vec::new();
                while self.next_member(b'}')? {
                    let key = self.string()?;
                    self.skip_whitespace();
                    self.position += 1; // the colon
                    entries.push((key, self.value()?));
                }
                NodeValue::Map(entries)
            }
            b'[' => {
                self.position += 1;
                let mut items = Vec::new();
                while self.next_member(b']')? {
                    items.push(self.value()?);
                }
                NodeValue::List(items)
            }
            b'"' => NodeValue::String(self.string()?),
            _ => {
                let rest = &self.text[self.position..];
                let token_length = rest
                    .find(|c: char| c.is_ascii_whitespace() || matches!(c, ',' | ']' | '}'))
                    .unwrap_or(rest.len());
                let token = &rest[..token_length];
                self.position += token_length;
                match token {
                    "null" => NodeValue::Null,
                    "true" => NodeValue::Bool(true),
                    "false" => NodeValue::Bool(false),
                    number => NodeValue::Number(number.to_owned()),
                }
            }
        };
        Ok(Node {
            line,
            tag: None,
            value,
        })
    }

    /// Steps over `,` between members; false at the closing bracket, which it consumes.
    fn next_member(&mut self, close: u8) -> Result<bool, SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            Some(c) if c == close => {
                self.position += 1;
                Ok(false)
            }
            Some(b',') => {
                self.position += 1;
                self.skip_whitespace();
                Ok(true)
            }
            Some(_) => Ok(true),
            None => Err(self.inconsistent()),
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let bytes = self.text.as_bytes();
        let start = self.position;
        let mut end = start + 1;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        self.position = end + 1;
        let literal = self
            .text
            .get(start..=end)
            .ok_or_else(|| self.inconsistent())?;
        serde_json::from_str(literal).map_err(|_| self.inconsistent())
    }
}

/// Parses the first document of a YAML stream, keeping tags such as `!Ref`.
pub fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    let mut events = YamlEvents {
        parser: Parser::new_from_str(text),
    };
    loop {
        let (event, mark) = events.next()?;
        match event {
            Event::StreamEnd => {
                return Ok(Node {
                    line: mark.line(),
                    tag: None,
                    value: NodeValue::Null,
                })
            }
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            event => return events.node(event, mark),
        }
    }
}

struct YamlEvents<'t> {
    parser: Parser<std::str::Chars<'t>>,
}

fn yaml_error(e: ScanError) -> SyntaxError {
    SyntaxError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: format!("not valid YAML: {}", e.info()),
    }
}

fn tag_name(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == "!" {
            t.suffix
        } else {
            format!("{}{}", t.handle.trim_start_matches('!'), t.suffix)
        }
    })
}

impl YamlEvents<'_> {
    fn next(&mut self) -> Result<(Event, Marker), SyntaxError> {
        self.parser.next_token().map_err(yaml_error)
    }

    fn node(&mut self, event: Event, mark: Marker) -> Result<Node, SyntaxError> {
        let line = mark.line();
        let (tag, value) = match event {
            Event::Scalar(text, style, _, tag) => {
                let tag = tag_name(tag);
                let value = if style == TScalarStyle::Plain && tag.is_none() {
                    match Yaml::from_str(&text) {
                        Yaml::Null => NodeValue::Null,
                        Yaml::Boolean(b) => NodeValue::Bool(b),
                        Yaml::Integer(_) | Yaml::Real(_) => NodeValue::Number(text),
                        _ => NodeValue::String(text),
                    }
                } else {
                    NodeValue::String(text)
                };
                (tag, value)
            }
            Event::SequenceStart(_, tag) => {
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        (Event::SequenceEnd, _) => break,
                        (event, mark) => items.push(self.node(event, mark)?),
                    }
                }
                (tag_name(tag), NodeValue::List(items))
            }
            Event::MappingStart(_, tag) => {
                let mut entries = Vec::new();
                loop {
                    let key = match self.next()? {
                        (Event::MappingEnd, _) => break,
                        (event, mark) => self.node(event, mark)?,
                    };
                    let key = match key.value {
                        NodeValue::String(s) | NodeValue::Number(s) => s,
                        NodeValue::Bool(b) => b.to_string(),
                        _ => {
                            return Err(SyntaxError {
                                line: key.line,
                                column: 1,
                                message: "a mapping key is not a plain value; expected text"
                                    .to_owned(),
                            })
                        }
                    };
                    let (event, mark) = self.next()?;
                    entries.push((key, self.node(event, mark)?));
                }
                (tag_name(tag), NodeValue::Map(entries))
            }
            Event::Alias(_) => {
                return Err(SyntaxError {
                    line,
                    column: mark.col() + 1,
                    message: "YAML aliases (*name) are not supported; write the value out"
                        .to_owned(),
                })
            }
            other => {
                return Err(SyntaxError {
                    line,
                    column: mark.col() + 1,
                    message: format!("unexpected YAML event {other:?}"),
                })
            }
        };
        Ok(Node { line, tag, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_keep_their_lines() {
        let node =
            parse_json("{\n  \"a\": [\n    {\"b\": \"x\\\"y\"},\n    2\n  ],\n  \"c\": null\n}")
                .expect("valid");
        assert_eq!(node.line, 1);
        let list = node.get("a").and_then(Node::as_list).expect("a list");
        assert_eq!((list[0].line, list[1].line), (3, 4));
        assert_eq!(list[0].get("b").and_then(Node::as_str), Some("x\"y"));
        assert_eq!(node.get("c").map(|c| c.line), Some(6));
        assert_eq!(
            node.to_value(),
            serde_json::json!({"a": [{"b": "x\"y"}, 2], "c": null})
        );
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let e = parse_json("{\n  \"a\": [1,,]\n}").expect_err("invalid");
        assert_eq!((e.line, e.column), (2, 11));
        assert!(e.message.starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn yaml_short_tags_and_lines() {
        let node = parse_yaml(
            "Resources:\n  Role:\n    Name: !Sub '${AWS::StackName}-x'\n    List:\n      - !GetAtt A.Arn\n      - 3\n      - yes\n",
        )
        .expect("valid");
        let role = node
            .get("Resources")
            .and_then(|r| r.get("Role"))
            .expect("role");
        assert_eq!(role.line, 3);
        let name = role.get("Name").expect("name");
        assert_eq!(name.tag.as_deref(), Some("Sub"));
        assert_eq!(name.value, NodeValue::String("${AWS::StackName}-x".into()));
        let list = role.get("List").and_then(Node::as_list).expect("list");
        assert_eq!(list[0].tag.as_deref(), Some("GetAtt"));
        assert_eq!(list[0].line, 5);
        assert_eq!(list[1].value, NodeValue::Number("3".into()));
        assert_eq!(list[2].value, NodeValue::String("yes".into()));
    }

    #[test]
    fn bad_yaml_names_line() {
        let e = parse_yaml("a:\n  b: [1, 2\nc: d\n").expect_err("invalid");
        assert!(e.message.starts_with("not valid YAML"), "{e}");
        assert!(e.line >= 2, "{e}");
    }
}
