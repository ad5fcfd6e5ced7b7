//! The damage: seeded mutations of one input file (or of its place in the file system).
//!
//! Every operator is either *strict* (the damaged input is something no AWS API, `terraform
//! show -json` or valid config file produces, so snapguard must notice it: an input error or a
//! gap) or *loose* (the damaged input may still be valid, different data, e.g. an ASCII byte
//! flipped inside an action name; only the crash and hang properties apply to it).

use serde_json::Value;
use std::fs;
use std::path::Path;

/// How a mutated file is read by snapguard, which decides the operators that apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// JSON: recorded inventory files, `iam check` policy, authorization-details, Terraform
    /// plan and CloudFormation JSON inputs. May hold several values one after the other (the
    /// README's shell loop).
    Json,
    /// A CloudFormation YAML template.
    Yaml,
    /// `snapguard.toml`.
    Toml,
}

/// A mutation operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// Cuts the file before its last non-blank byte (JSON and YAML: never valid JSON).
    Truncate,
    /// Sets the high bit of one ASCII byte: the file is no longer UTF-8.
    FlipHighBit,
    /// Flips one of the low seven bits of one byte: may give valid, different data (loose).
    FlipAsciiBit,
    /// Removes one key of one object (JSON) or one `key = value` line (TOML: loose, every
    /// config key is optional).
    DeleteKey,
    /// Misspells one key (appends `X`).
    RenameKey,
    /// Gives one value another JSON or TOML type.
    ChangeType,
    /// Repeats one entry of a list right after itself, with every list, string and number in
    /// the copy emptied: the "second entry that grants nothing" of a re-run shell loop.
    DuplicateEntry,
    /// Writes one key twice in its object, the second time with an emptied value.
    DuplicateKey,
    /// Replaces an enumerated value (`State`, `Effect`, `RetentionPeriodUnit`, ...) with one
    /// that no AWS API documents.
    UnknownEnum,
    /// Replaces a timestamp with one in the year 2999, one before EBS existed (1999), or a
    /// calendar date that does not exist.
    ImpossibleDate,
    /// Replaces one value with 5,000 nested lists.
    DeepNesting,
    /// Replaces one string with a 1 MiB string (loose: it is still a string).
    HugeString,
    /// Puts an invalid UTF-8 sequence inside one string.
    NonUtf8,
    /// Appends characters of several scripts and UTF-8 lengths to one string (loose: still a
    /// string), for code that cuts or measures text by bytes.
    NonAscii,
    /// Deletes the file (a recorded file that was not collected).
    DeleteFile,
    /// Replaces the file with a symbolic link to itself (a loop).
    SymlinkLoop,
    /// Adds a symbolic link to the file's own folder beside it (a folder loop).
    FolderLoop,
    /// Removes every permission from the file (mode 000).
    Unreadable,
    /// Replaces the file with an empty folder of the same name.
    ReplaceWithFolder,
}

/// Every operator, in the order the seed picks from.
pub const OPERATORS: &[Operator] = &[
    Operator::Truncate,
    Operator::FlipHighBit,
    Operator::FlipAsciiBit,
    Operator::DeleteKey,
    Operator::RenameKey,
    Operator::ChangeType,
    Operator::DuplicateEntry,
    Operator::DuplicateKey,
    Operator::UnknownEnum,
    Operator::ImpossibleDate,
    Operator::DeepNesting,
    Operator::HugeString,
    Operator::NonUtf8,
    Operator::NonAscii,
    Operator::DeleteFile,
    Operator::SymlinkLoop,
    Operator::FolderLoop,
    Operator::Unreadable,
    Operator::ReplaceWithFolder,
];

impl Operator {
    /// The operator's name, as failures and the allow-list name it (kebab-case).
    pub fn name(self) -> &'static str {
        match self {
            Operator::Truncate => "truncate",
            Operator::FlipHighBit => "flip-high-bit",
            Operator::FlipAsciiBit => "flip-ascii-bit",
            Operator::DeleteKey => "delete-key",
            Operator::RenameKey => "rename-key",
            Operator::ChangeType => "change-type",
            Operator::DuplicateEntry => "duplicate-entry",
            Operator::DuplicateKey => "duplicate-key",
            Operator::UnknownEnum => "unknown-enum",
            Operator::ImpossibleDate => "impossible-date",
            Operator::DeepNesting => "deep-nesting",
            Operator::HugeString => "huge-string",
            Operator::NonUtf8 => "non-utf8",
            Operator::NonAscii => "non-ascii",
            Operator::DeleteFile => "delete-file",
            Operator::SymlinkLoop => "symlink-loop",
            Operator::FolderLoop => "folder-loop",
            Operator::Unreadable => "unreadable",
            Operator::ReplaceWithFolder => "replace-with-folder",
        }
    }

    /// Whether the damaged input can still be valid data of another meaning, so that a cleaner
    /// result is not a failure (only crashes and hangs count).
    pub fn loose(self, kind: FileKind) -> bool {
        match self {
            Operator::FlipAsciiBit | Operator::HugeString | Operator::NonAscii => true,
            // Every config key is optional, and a config cut at a line end is a valid config.
            Operator::DeleteKey | Operator::Truncate => kind == FileKind::Toml,
            // A snapguard.toml beside the inventory is one of its files; a symlink loop next to
            // it is the inventory's business, not the config's.
            _ => false,
        }
    }
}

/// A mutation that was applied: what was done, in words, for the report and reproduction.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The operator.
    pub operator: Operator,
    /// What exactly was changed (the place in the file and the new value, shortened).
    pub detail: String,
    /// Whether the damaged input may be valid data of another meaning ([`Operator::loose`], or
    /// a key renamed where keys are the user's own: `[tags.allowed]` names tag keys).
    pub loose: bool,
}

/// Optional CloudFormation properties whose absence means "grants nothing": a template without
/// them is another valid change (a role's inline policies removed). Misspelt, CloudFormation
/// refuses them at deployment and snapguard reads them as absent (docs/robustness.md).
const OPTIONAL_GRANTS: &[&str] = &["Policies", "ManagedPolicyArns"];

/// TOML tables whose keys are the user's data (tag keys), not snapguard's settings: a renamed
/// key there is another valid config.
const FREE_FORM_TABLES: &[&str] = &["[tags.allowed]"];

/// The `[table]` header above line `i`, if any.
fn table_of<'a>(lines: &[&'a str], i: usize) -> Option<&'a str> {
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
}

/// One step of a path into a JSON value.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn show_path(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Every place in `values` (the file's top-level values) with the value there.
fn places(values: &[Value]) -> Vec<(usize, Vec<Step>)> {
    fn walk(v: &Value, path: &mut Vec<Step>, top: usize, out: &mut Vec<(usize, Vec<Step>)>) {
        out.push((top, path.clone()));
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(Step::Key(k.clone()));
                    walk(child, path, top, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(child, path, top, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (top, v) in values.iter().enumerate() {
        walk(v, &mut Vec::new(), top, &mut out);
    }
    out
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

fn at<'a>(v: &'a Value, path: &[Step]) -> &'a Value {
    path.iter().fold(v, |v, step| match step {
        Step::Key(k) => &v[k.as_str()],
        Step::Index(i) => &v[*i],
    })
}

/// Keys whose string values are enumerations in the AWS APIs and formats snapguard reads.
const ENUM_KEYS: &[&str] = &[
    "State",
    "Status",
    "LockState",
    "RetentionPeriodUnit",
    "ResourceType",
    "Effect",
    "StorageTier",
    "Group",
    "ImageState",
    "SnapshotBlockPublicAccessState",
    "ImageBlockPublicAccessState",
    "actions",
    "Type",
    "Version",
    "severity",
    "fail_on",
];

/// A marker that serde_json writes as itself (not escaped) and that sorts after every key.
const MARK: &str = "\u{10FFFF}snapguard-mutate";

fn emptied(v: &Value) -> Value {
    match v {
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), emptied(v))).collect())
        }
        Value::String(_) => Value::String(String::new()),
        Value::Number(_) => Value::from(0),
        other => other.clone(),
    }
}

fn render(values: &[Value]) -> String {
    let mut out = String::new();
    for v in values {
        out.push_str(&serde_json::to_string_pretty(v).expect("a JSON value serializes"));
        out.push('\n');
    }
    out
}

fn parse_all(text: &str) -> Option<Vec<Value>> {
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
        .into_iter()
        .collect();
    values.ok().filter(|v| !v.is_empty())
}

fn short(text: &str) -> String {
    let text = text.replace('\n', " ");
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// Applies `operator` to the file `rel` under `dir` with `rng`. Returns `None` when the
/// operator has nothing to work on in that file (no timestamp to make impossible, ...).
pub fn apply(
    dir: &Path,
    rel: &Path,
    kind: FileKind,
    operator: Operator,
    rng: &mut fastrand::Rng,
) -> std::io::Result<Option<Applied>> {
    let path = dir.join(rel);
    let loose = operator.loose(kind);
    let done = |detail: String| {
        Ok(Some(Applied {
            operator,
            detail,
            loose,
        }))
    };
    match operator {
        Operator::DeleteFile => {
            fs::remove_file(&path)?;
            return done("deleted".into());
        }
        Operator::SymlinkLoop => {
            fs::remove_file(&path)?;
            let name = path.file_name().expect("a file has a name");
            std::os::unix::fs::symlink(name, &path)?;
            return done("replaced by a symbolic link to itself".into());
        }
        Operator::FolderLoop => {
            let link = path.with_file_name("loop");
            std::os::unix::fs::symlink(".", &link)?;
            return done(format!(
                "added {} -> . beside it",
                link.strip_prefix(dir).unwrap_or(&link).display()
            ));
        }
        Operator::Unreadable => {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o000))?;
            return done("mode set to 000".into());
        }
        Operator::ReplaceWithFolder => {
            fs::remove_file(&path)?;
            fs::create_dir(&path)?;
            return done("replaced by an empty folder".into());
        }
        _ => {}
    }
    let bytes = fs::read(&path)?;
    if let Some((new, detail)) = byte_level(&bytes, kind, operator, rng) {
        fs::write(&path, new)?;
        return done(detail);
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(None);
    };
    // Set by the level that picks the key when that key's absence is valid data.
    let mut still_valid = false;
    let result = match kind {
        FileKind::Json => {
            parse_all(&text).and_then(|values| json_level(values, operator, rng, &mut still_valid))
        }
        FileKind::Yaml | FileKind::Toml => text_level(&text, kind, operator, rng, &mut still_valid),
    };
    match result {
        Some((new, detail)) => {
            fs::write(&path, to_bytes(&new))?;
            Ok(Some(Applied {
                operator,
                detail,
                loose: loose || still_valid,
            }))
        }
        None => Ok(None),
    }
}

fn byte_level(
    bytes: &[u8],
    kind: FileKind,
    operator: Operator,
    rng: &mut fastrand::Rng,
) -> Option<(Vec<u8>, String)> {
    let last = bytes.iter().rposition(|b| !b.is_ascii_whitespace())?;
    match operator {
        Operator::Truncate => {
            let cut = if kind == FileKind::Toml {
                rng.usize(0..=last)
            } else {
                rng.usize(0..last.max(1))
            };
            Some((
                bytes[..cut].to_vec(),
                format!("cut to {cut} of {} bytes", bytes.len()),
            ))
        }
        Operator::FlipHighBit | Operator::FlipAsciiBit => {
            let ascii: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii()).collect();
            let i = ascii[rng.usize(..ascii.len())];
            let mask = if operator == Operator::FlipHighBit {
                0x80
            } else {
                1 << rng.u8(0..7)
            };
            let mut new = bytes.to_vec();
            new[i] ^= mask;
            let detail = format!("byte {i}: {:#04x} -> {:#04x}", bytes[i], new[i]);
            Some((new, detail))
        }
        _ => None,
    }
}

/// Damage at a place in the JSON values; `still_valid` is set when the deleted or renamed key
/// is one of [`OPTIONAL_GRANTS`].
fn json_level(
    mut values: Vec<Value>,
    operator: Operator,
    rng: &mut fastrand::Rng,
    still_valid: &mut bool,
) -> Option<(String, String)> {
    let all = places(&values);
    let pick = |rng: &mut fastrand::Rng, keep: &dyn Fn(&Value, &[Step]) -> bool| {
        let fits: Vec<&(usize, Vec<Step>)> = all
            .iter()
            .filter(|(top, p)| keep(at(&values[*top], p), p))
            .collect();
        (!fits.is_empty()).then(|| fits[rng.usize(..fits.len())].clone())
    };
    let keyed = |_: &Value, p: &[Step]| matches!(p.last(), Some(Step::Key(_)));
    let last_key = |p: &[Step]| match p.last() {
        Some(Step::Key(k)) => k.clone(),
        _ => String::new(),
    };
    match operator {
        Operator::DeleteKey | Operator::RenameKey => {
            let (top, path) = pick(rng, &keyed)?;
            let key = last_key(&path);
            *still_valid = OPTIONAL_GRANTS.contains(&key.as_str());
            let parent = at_mut(&mut values[top], &path[..path.len() - 1]).as_object_mut()?;
            let old = parent.remove(&key)?;
            let detail = if operator == Operator::RenameKey {
                parent.insert(format!("{key}X"), old);
                format!("{} renamed {key}X", show_path(&path))
            } else {
                format!("{} deleted", show_path(&path))
            };
            Some((render(&values), detail))
        }
        Operator::ChangeType => {
            let (top, path) = pick(rng, &|_, p| !p.is_empty())?;
            let slot = at_mut(&mut values[top], &path);
            let new = match slot {
                Value::String(_) => Value::from(7),
                Value::Number(_) | Value::Bool(_) | Value::Null => Value::from("7"),
                Value::Array(_) => Value::Object(Default::default()),
                Value::Object(_) => Value::Array(Vec::new()),
            };
            let detail = format!(
                "{}: {} -> {new}",
                show_path(&path),
                short(&slot.to_string())
            );
            *slot = new;
            Some((render(&values), detail))
        }
        Operator::DuplicateEntry => {
            let (top, path) = pick(rng, &|v, p| {
                v.is_object() && matches!(p.last(), Some(Step::Index(_)))
            })?;
            let Some(Step::Index(i)) = path.last().cloned() else {
                return None;
            };
            let copy = emptied(at(&values[top], &path));
            at_mut(&mut values[top], &path[..path.len() - 1])
                .as_array_mut()?
                .insert(i + 1, copy);
            Some((
                render(&values),
                format!("{} repeated after itself, emptied", show_path(&path)),
            ))
        }
        Operator::DuplicateKey => {
            let (top, path) = pick(rng, &keyed)?;
            let key = last_key(&path);
            let parent = at_mut(&mut values[top], &path[..path.len() - 1]).as_object_mut()?;
            let second = emptied(&parent[&key]);
            parent.insert(MARK.to_string(), second);
            let text = render(&values).replace(
                &format!("\"{MARK}\""),
                &Value::from(key.clone()).to_string(),
            );
            Some((
                text,
                format!(
                    "{} written twice, the second time emptied",
                    show_path(&path)
                ),
            ))
        }
        Operator::UnknownEnum => {
            let (top, path) = pick(rng, &|v, p| {
                v.is_string()
                    && ENUM_KEYS
                        .iter()
                        .any(|k| matches!(p.last(), Some(Step::Key(key)) if key == k))
            })?;
            let slot = at_mut(&mut values[top], &path);
            let detail = format!(
                "{}: {} -> \"snapguard-mutant-value\"",
                show_path(&path),
                slot
            );
            *slot = Value::from("snapguard-mutant-value");
            Some((render(&values), detail))
        }
        Operator::ImpossibleDate => {
            let (top, path) = pick(rng, &|v, _| v.as_str().is_some_and(looks_like_timestamp))?;
            let new = [
                "2999-01-01T00:00:00.000Z",
                "1999-01-01T00:00:00.000Z",
                "2026-02-30T25:61:00.000Z",
            ][rng.usize(..3)];
            let slot = at_mut(&mut values[top], &path);
            let detail = format!("{}: {} -> {new}", show_path(&path), slot);
            *slot = Value::from(new);
            Some((render(&values), detail))
        }
        Operator::DeepNesting => {
            let (top, path) = pick(rng, &|_, p| !p.is_empty())?;
            *at_mut(&mut values[top], &path) = Value::from(MARK);
            let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
            let text = render(&values).replace(&format!("\"{MARK}\""), &deep);
            Some((
                text,
                format!("{}: replaced by 5,000 nested lists", show_path(&path)),
            ))
        }
        Operator::HugeString => {
            let (top, path) = pick(rng, &|v, _| v.is_string())?;
            *at_mut(&mut values[top], &path) = Value::from("A".repeat(1 << 20));
            Some((
                render(&values),
                format!("{}: replaced by a 1 MiB string", show_path(&path)),
            ))
        }
        Operator::NonAscii => {
            let (top, path) = pick(rng, &|v, _| v.is_string())?;
            let slot = at_mut(&mut values[top], &path);
            *slot = Value::from(format!("{}{NON_ASCII}", slot.as_str().unwrap_or_default()));
            Some((
                render(&values),
                format!("{}: {NON_ASCII:?} appended", show_path(&path)),
            ))
        }
        Operator::NonUtf8 => {
            let (top, path) = pick(rng, &|v, _| v.is_string())?;
            let slot = at_mut(&mut values[top], &path);
            let old = slot.as_str().unwrap_or_default().to_string();
            *slot = Value::from(format!("{old}{MARK}"));
            // Written as bytes by the caller: the marker becomes 0xC3 0x28 (not UTF-8).
            let text = render(&values).replace(MARK, "\u{FFFE}");
            Some((
                text,
                format!("{}: invalid UTF-8 appended", show_path(&path)),
            ))
        }
        _ => None,
    }
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
}

/// Line-based damage of YAML and TOML files: the new text and what was done; `still_valid` is
/// set when the renamed key is one of the user's own ([`FREE_FORM_TABLES`]).
fn text_level(
    text: &str,
    kind: FileKind,
    operator: Operator,
    rng: &mut fastrand::Rng,
    still_valid: &mut bool,
) -> Option<(String, String)> {
    let (damaged, detail) = text_damage(text, kind, operator, rng, still_valid)?;
    // Half the time, a comment in other scripts above the damage: a message's place must count
    // characters, not bytes (a column computed from bytes once overflowed).
    if rng.bool() {
        let detail = format!("{detail}; a comment line {NON_ASCII:?} on top");
        return Some((format!("# {NON_ASCII}\n{damaged}"), detail));
    }
    Some((damaged, detail))
}

/// Text in several scripts and UTF-8 lengths (2, 3 and 4 bytes a character).
const NON_ASCII: &str = "Sauvegardes é 備份 🗄";

fn text_damage(
    text: &str,
    kind: FileKind,
    operator: Operator,
    rng: &mut fastrand::Rng,
    still_valid: &mut bool,
) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    // A line that assigns a value: `key = value` (TOML) or `key: value` (YAML).
    let sep = if kind == FileKind::Toml { " = " } else { ": " };
    let assigning: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = lines[i].trim_start();
            !l.starts_with('#') && !l.starts_with('-') && l.contains(sep)
        })
        .collect();
    let with = |i: usize, new: Vec<String>| {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        out.splice(i..=i, new);
        out.join("\n") + "\n"
    };
    let pick_line = |rng: &mut fastrand::Rng| {
        (!assigning.is_empty()).then(|| assigning[rng.usize(..assigning.len())])
    };
    match operator {
        Operator::DeleteKey => {
            let i = pick_line(rng)?;
            Some((
                with(i, Vec::new()),
                format!("line {}: deleted {}", i + 1, short(lines[i])),
            ))
        }
        Operator::RenameKey => {
            let i = pick_line(rng)?;
            let (key, value) = lines[i].split_once(sep)?;
            *still_valid = kind == FileKind::Toml
                && table_of(&lines, i).is_some_and(|t| FREE_FORM_TABLES.contains(&t));
            Some((
                with(i, vec![format!("{key}X{sep}{value}")]),
                format!("line {}: key {}X", i + 1, key.trim()),
            ))
        }
        Operator::ChangeType => {
            let i = pick_line(rng)?;
            let (key, value) = lines[i].split_once(sep)?;
            let new = if value.trim().starts_with(|c: char| c.is_ascii_digit()) {
                "\"7\""
            } else {
                "7"
            };
            if kind == FileKind::Yaml && !value.trim().starts_with(['[', '"', '\'']) {
                // A YAML scalar is a string or a number alike; give it a mapping instead.
                return Some((
                    with(i, vec![format!("{key}{sep}{{}}")]),
                    format!("line {}: {} -> {{}}", i + 1, short(value)),
                ));
            }
            Some((
                with(i, vec![format!("{key}{sep}{new}")]),
                format!("line {}: {} -> {new}", i + 1, short(value)),
            ))
        }
        Operator::DuplicateKey | Operator::DuplicateEntry => {
            let i = pick_line(rng)?;
            let (key, value) = lines[i].split_once(sep)?;
            let empty = if value.trim().starts_with('[') {
                "[]"
            } else {
                "\"\""
            };
            Some((
                with(i, vec![lines[i].to_string(), format!("{key}{sep}{empty}")]),
                format!(
                    "line {}: {} written twice, the second time {empty}",
                    i + 1,
                    key.trim()
                ),
            ))
        }
        Operator::UnknownEnum => {
            let enums: Vec<usize> = assigning
                .iter()
                .copied()
                .filter(|&i| {
                    ENUM_KEYS
                        .iter()
                        .any(|k| lines[i].trim_start().starts_with(&format!("{k}{sep}")))
                })
                .collect();
            let i = *enums.get(rng.usize(..enums.len().max(1)))?;
            let (key, value) = lines[i].split_once(sep)?;
            Some((
                with(i, vec![format!("{key}{sep}\"snapguard-mutant-value\"")]),
                format!(
                    "line {}: {} -> \"snapguard-mutant-value\"",
                    i + 1,
                    short(value)
                ),
            ))
        }
        Operator::ImpossibleDate => {
            let dates: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    lines[i].split_once(sep).is_some_and(|(_, v)| {
                        looks_like_timestamp(v.trim().trim_matches('"')) || is_date(v.trim())
                    })
                })
                .collect();
            let i = *dates.get(rng.usize(..dates.len().max(1)))?;
            let (key, value) = lines[i].split_once(sep)?;
            Some((
                with(i, vec![format!("{key}{sep}2026-02-30")]),
                format!("line {}: {} -> 2026-02-30", i + 1, short(value)),
            ))
        }
        Operator::DeepNesting => {
            let i = pick_line(rng)?;
            let (key, _) = lines[i].split_once(sep)?;
            let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
            Some((
                with(i, vec![format!("{key}{sep}{deep}")]),
                format!("line {}: value replaced by 5,000 nested lists", i + 1),
            ))
        }
        Operator::HugeString => {
            let i = pick_line(rng)?;
            let (key, _) = lines[i].split_once(sep)?;
            Some((
                with(i, vec![format!("{key}{sep}\"{}\"", "A".repeat(1 << 20))]),
                format!("line {}: value replaced by a 1 MiB string", i + 1),
            ))
        }
        Operator::NonAscii => {
            let i = pick_line(rng)?;
            let line = lines[i].trim_end();
            let open = line.strip_suffix('"')?;
            Some((
                with(i, vec![format!("{open}{NON_ASCII}\"")]),
                format!("line {}: {NON_ASCII:?} appended", i + 1),
            ))
        }
        Operator::NonUtf8 => {
            let i = pick_line(rng)?;
            Some((
                with(i, vec![format!("{}\u{FFFE}", lines[i])]),
                format!("line {}: invalid UTF-8 appended", i + 1),
            ))
        }
        _ => None,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
}

/// The bytes to write for a mutated text: U+FFFE (never produced by the inputs) stands for an
/// invalid UTF-8 sequence.
fn to_bytes(text: &str) -> Vec<u8> {
    let marker = "\u{FFFE}".as_bytes();
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(marker) {
            out.extend_from_slice(&[0xC3, 0x28]);
            i += marker.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
