//! JSON and YAML text as one tree that remembers the line of every value, so that reports can
//! point at the statement that grants an action.
//!
//! Both readers refuse what has no single meaning or could exhaust the stack, since `iam check`
//! reads files from pull requests:
//! - a key written twice in one object, unless both values are the same (readers disagree on
//!   which occurrence counts: JSON parsers mostly keep the last, some the first, and
//!   CloudFormation refuses the template);
//! - lists and objects nested more than [`MAX_NESTING`] deep (a policy needs fewer than ten).

use std::collections::HashMap;

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

/// The most lists and objects a value may sit in, the document's own included: as deep as
/// `serde_json` reads by default, and far deeper than any policy, template or plan needs.
pub const MAX_NESTING: usize = 128;

/// The text is neither valid JSON nor valid YAML, or it is but cannot be read safely (a key
/// written twice, nesting deeper than [`MAX_NESTING`]); `line` and `column` are 1-based.
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

    /// Whether two values are the same, wherever they are written: the same tags, and the same
    /// values (object keys in any order).
    pub fn same_as(&self, other: &Node) -> bool {
        if self.tag != other.tag {
            return false;
        }
        match (&self.value, &other.value) {
            (NodeValue::List(a), NodeValue::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (NodeValue::Map(a), NodeValue::Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(key, x)| {
                        b.iter()
                            .find(|(k, _)| k == key)
                            .is_some_and(|(_, y)| x.same_as(y))
                    })
            }
            (a, b) => a == b,
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

fn too_deep(line: usize, column: usize) -> SyntaxError {
    SyntaxError {
        line,
        column,
        message: format!(
            "lists and objects are nested too deep: more than {MAX_NESTING} levels inside each \
             other; expected at most {MAX_NESTING}"
        ),
    }
}

fn duplicate_key(key: &str, first: (usize, usize), second: (usize, usize)) -> SyntaxError {
    SyntaxError {
        line: second.0,
        column: second.1,
        message: format!(
            "the key {key:?} is written twice in one object, at {}:{} and at {}:{}, with \
             different values; expected each key once (readers disagree on which one counts)",
            first.0, first.1, second.0, second.1
        ),
    }
}

/// The keys of one object as it is read, to refuse a key written twice with different values.
/// `P` is where a key is written, as the reader knows it.
struct Keys<P> {
    /// The index of each key's entry, and where the key is written.
    seen: HashMap<String, (usize, P)>,
}

impl<P: Copy> Keys<P> {
    fn new() -> Self {
        Keys {
            seen: HashMap::new(),
        }
    }

    /// Adds an entry. A key already there with the same value is dropped; with another value,
    /// the error is where the first occurrence is.
    fn add(
        &mut self,
        entries: &mut Vec<(String, Node)>,
        key: String,
        at: P,
        value: Node,
    ) -> Result<(), (String, P)> {
        match self.seen.get(&key) {
            Some(&(index, _)) if entries[index].1.same_as(&value) => Ok(()),
            Some(&(_, first)) => Err((key, first)),
            None => {
                self.seen.insert(key.clone(), (entries.len(), at));
                entries.push((key, value));
                Ok(())
            }
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
    parse_json_at(text, 1)
}

/// Parses JSON text that starts on line `first_line` (1-based) of a larger file, such as one
/// document of several written one after the other, so that lines count from the file's start.
/// The recorded-inventory reader uses it to refuse keys written twice, as `iam check` does.
pub fn parse_json_at(text: &str, first_line: usize) -> Result<Node, SyntaxError> {
    let text = text.trim_start_matches('\u{feff}');
    // serde_json validates and explains; the span reader then only sees valid JSON.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| SyntaxError {
        line: e.line() + first_line - 1,
        column: e.column(),
        message: format!("not valid JSON: {e}"),
    })?;
    let mut reader = JsonSpans {
        text,
        position: 0,
        line: first_line,
    };
    reader.value(1)
}

/// Whether some object in the JSON text has a key twice, whatever the values, by one pass that
/// builds nothing (keys are borrowed from the text where they have no escapes). Readers of large
/// inputs call it first and [`parse_json_at`] only when it says yes, to name both places or to
/// accept the same value twice: on the 1M-snapshot inventory the tree costs seconds, this pass
/// about what a syntax check does.
///
/// # Errors
/// serde_json's, on text that is not one JSON value or nests deeper than 128.
pub fn has_repeated_key(text: &str) -> Result<bool, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut reader = serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'));
    let repeated = RepeatedKey.deserialize(&mut reader)?;
    reader.end()?;
    Ok(repeated)
}

/// The [`has_repeated_key`] pass over one value.
struct RepeatedKey;

impl<'de> serde::de::DeserializeSeed<'de> for RepeatedKey {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RepeatedKey {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut repeated = false;
        while let Some(found) = seq.next_element_seed(RepeatedKey)? {
            repeated |= found;
        }
        Ok(repeated)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut keys: Vec<std::borrow::Cow<'de, str>> = Vec::new();
        let mut repeated = false;
        while let Some(KeyText(key)) = map.next_key()? {
            keys.push(key);
            repeated |= map.next_value_seed(RepeatedKey)?;
        }
        keys.sort_unstable();
        Ok(repeated || keys.windows(2).any(|pair| pair[0] == pair[1]))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct KeyText<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = KeyText<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(key.into()))
            }

            fn visit_str<E>(self, key: &str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(key.to_owned().into()))
            }
        }
        d.deserialize_str(Text)
    }
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

    /// The 1-based column of a byte position on the current line, in characters. Computed only
    /// for errors: a plan printed on one line can be megabytes long.
    fn column_of(&self, position: usize) -> usize {
        let before = &self.text[..position];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].chars().count() + 1
    }

    /// A value at `depth` (the document is at depth 1).
    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        self.skip_whitespace();
        let line = self.line;
        let start = self.position;
        let opening = self.peek().ok_or_else(|| self.inconsistent())?;
        if matches!(opening, b'{' | b'[') && depth > MAX_NESTING {
            return Err(too_deep(line, self.column_of(start)));
        }
        let value = match opening {
            b'{' => {
                self.position += 1;
                let mut entries = Vec::new();
                // A key's place is its line and byte position, made a column only for an error.
                let mut keys = Keys::new();
                while self.next_member(b'}')? {
                    let at = (self.line, self.position);
                    let key = self.string()?;
                    self.skip_whitespace();
                    self.position += 1; // the colon
                    let value = self.value(depth + 1)?;
                    keys.add(&mut entries, key, at, value)
                        .map_err(|(key, first)| {
                            let place = |(line, position)| (line, self.column_of(position));
                            duplicate_key(&key, place(first), place(at))
                        })?;
                }
                NodeValue::Map(entries)
            }
            b'[' => {
                self.position += 1;
                let mut items = Vec::new();
                while self.next_member(b']')? {
                    items.push(self.value(depth + 1)?);
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
            event => return events.node(event, mark, 1),
        }
    }
}

struct YamlEvents<'t> {
    parser: Parser<std::str::Chars<'t>>,
}

fn yaml_error(e: ScanError) -> SyntaxError {
    // The scanner's own bound on flow collections (`[[[...`), which it may reach reading ahead.
    if e.info() == "recursion limit exceeded" {
        return too_deep(e.marker().line(), e.marker().col() + 1);
    }
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

    /// A node at `depth` (the document is at depth 1), from its first event.
    fn node(&mut self, event: Event, mark: Marker, depth: usize) -> Result<Node, SyntaxError> {
        let line = mark.line();
        let column = mark.col() + 1;
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            && depth > MAX_NESTING
        {
            return Err(too_deep(line, column));
        }
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
                        (event, mark) => items.push(self.node(event, mark, depth + 1)?),
                    }
                }
                (tag_name(tag), NodeValue::List(items))
            }
            Event::MappingStart(_, tag) => {
                let mut entries = Vec::new();
                let mut keys = Keys::new();
                loop {
                    let (key, at) = match self.next()? {
                        (Event::MappingEnd, _) => break,
                        (event, mark) => (
                            self.node(event, mark, depth + 1)?,
                            (mark.line(), mark.col() + 1),
                        ),
                    };
                    let key = match key.value {
                        NodeValue::String(s) | NodeValue::Number(s) => s,
                        NodeValue::Bool(b) => b.to_string(),
                        _ => {
                            return Err(SyntaxError {
                                line: at.0,
                                column: at.1,
                                message: "a mapping key is not a plain value; expected text"
                                    .to_owned(),
                            })
                        }
                    };
                    let (event, mark) = self.next()?;
                    let value = self.node(event, mark, depth + 1)?;
                    keys.add(&mut entries, key, at, value)
                        .map_err(|(key, first)| duplicate_key(&key, first, at))?;
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
    fn repeated_keys_are_found_at_any_depth_without_a_tree() {
        assert!(!has_repeated_key(r#"{"a": 1, "b": [{"c": 2}]}"#).unwrap());
        assert!(has_repeated_key(r#"{"a": 1, "b": 2, "a": 1}"#).unwrap());
        assert!(has_repeated_key(r#"[{"x": {"k": 1, "k": 2}}]"#).unwrap());
        // An escaped key is the same key.
        assert!(has_repeated_key(r#"{"k": 1, "\u006b": 2}"#).unwrap());
        assert!(has_repeated_key("{\"k\": ").is_err());
        assert!(has_repeated_key(&format!("{}{}", "[".repeat(200), "]".repeat(200))).is_err());
    }

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

    #[test]
    fn a_json_key_written_twice_is_refused_with_both_places() {
        let e = parse_json("{\"Statement\": [{\"Effect\": \"Allow\",\n  \"Action\": \"ec2:DeleteSnapshot\", \"Action\": \"ec2:DescribeImages\"}]}")
            .expect_err("a duplicate key");
        assert_eq!((e.line, e.column), (2, 35), "{e}");
        assert!(
            e.message.starts_with(
                "the key \"Action\" is written twice in one object, at 2:3 and at 2:35"
            ),
            "{e}"
        );
        // The same value twice has one meaning: kept once.
        let node = parse_json("{\"a\": {\"x\": [1, 2]}, \"b\": 1, \"a\": {\"x\": [1, 2]}}")
            .expect("valid");
        assert_eq!(node.as_map().map(<[_]>::len), Some(2));
        // Objects are the same whatever the order of their keys; lists are not.
        assert!(parse_json("{\"a\": {\"x\": 1, \"y\": 2}, \"a\": {\"y\": 2, \"x\": 1}}").is_ok());
        assert!(parse_json("{\"a\": [1, 2], \"a\": [2, 1]}").is_err());
        // Equal keys in different objects are fine.
        assert!(parse_json("[{\"a\": 1}, {\"a\": 2}]").is_ok());
    }

    #[test]
    fn a_yaml_key_written_twice_is_refused_with_both_places() {
        let e = parse_yaml("Resources:\n  Cleanup:\n    Type: AWS::SNS::Topic\n    Type: AWS::IAM::ManagedPolicy\n")
            .expect_err("a duplicate key");
        assert_eq!((e.line, e.column), (4, 5), "{e}");
        assert!(
            e.message
                .starts_with("the key \"Type\" is written twice in one object, at 3:5 and at 4:5"),
            "{e}"
        );
        // Tags count: `!Ref X` is not the text "X".
        assert!(parse_yaml("a: !Ref X\na: X\n").is_err());
        assert!(parse_yaml("a: !Ref X\na: !Ref X\nb: {c: 1, c: 1}\n").is_ok());
        // A flow mapping too, and a key quoted one way and plain the other.
        assert!(parse_yaml("a: {\"c\": 1, c: 2}\n").is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(parse_json(&deep(MAX_NESTING)).is_ok());
        let e = parse_json(&deep(MAX_NESTING + 1)).expect_err("too deep");
        assert!(e.message.contains("nested too deep"), "{e}");
        assert_eq!((e.line, e.column), (1, MAX_NESTING + 1));
        // Far deeper than the stack could take, were it read recursively.
        let text = format!("{{\"Statement\": {}}}", deep(100_000));
        assert!(parse_json(&text)
            .expect_err("too deep")
            .message
            .contains("nested too deep"));

        let yaml = |levels: usize| format!("a:\n  {}x\n", "- ".repeat(levels));
        assert!(parse_yaml(&yaml(MAX_NESTING - 2)).is_ok());
        let e = parse_yaml(&yaml(MAX_NESTING)).expect_err("too deep");
        assert!(e.message.contains("nested too deep"), "{e}");
        assert_eq!(e.line, 2);
        let e = parse_yaml(&yaml(20_000)).expect_err("too deep");
        assert!(e.message.contains("nested too deep"), "{e}");
        // Flow collections and mappings count alike.
        for flow in [
            format!("a: {}{}\n", "{b: ".repeat(200), "}".repeat(200)),
            format!("a: {}{}\n", "[".repeat(50_000), "]".repeat(50_000)),
        ] {
            let e = parse_yaml(&flow).expect_err("too deep");
            assert!(e.message.contains("nested too deep"), "{e}");
        }

        // Policy text read straight into a `serde_json::Value` (the scan's policies) relies on
        // serde_json's own limit of 128 levels, which must stay on.
        let e = crate::PolicyDocument::parse(&format!("{{\"Statement\": {}}}", deep(100_000)))
            .expect_err("too deep");
        assert!(
            e.message.contains("recursion limit exceeded"),
            "{}",
            e.message
        );
    }
}
