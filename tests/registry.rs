//! The rule registry is the single source of truth about rules: code names a rule by its static,
//! never by a string of its id.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Source trees that still spell rule ids, each with the reason. The test fails once one of
/// them no longer does, so the exception is removed with the last literal.
const LITERALS_STILL_IN: &[(&str, &str)] = &[(
    "rules/src/remediation",
    "the planner's literals go with the split of plan.rs into one planner per remediation kind",
)];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `"SG-` literal in the non-test code of each crate's `src/` (code after the first
/// `#[cfg(test)]` is a file's tests), except a rule file's own `id: "SG-..."`, as
/// `path:line: text`, relative to the workspace root.
fn rule_id_literals() -> Vec<String> {
    let root = root();
    let mut files = Vec::new();
    for krate in fs::read_dir(&root).unwrap() {
        let krate = krate.unwrap().path();
        if krate.join("Cargo.toml").is_file() {
            rust_files(&krate.join("src"), &mut files);
        }
    }
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let is_rule = text.contains("pub static RULE: Rule = Rule {");
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break;
            }
            if code.starts_with("//") || !code.contains("\"SG-") {
                continue;
            }
            let own_id = is_rule && code.starts_with("id: \"SG-") && code.ends_with("\",");
            if !own_id {
                found.push(format!("{relative}:{}: {code}", number + 1));
            }
        }
    }
    found
}

/// Code refers to a rule by its static (`prot::snapshot_without_cross_region_copy::RULE`), so
/// renaming, renumbering or removing a rule is a compile error, not a silent mismatch.
#[test]
fn no_rule_id_literals_outside_rule_files_and_tests() {
    let found = rule_id_literals();
    let (excepted, offending): (Vec<&String>, Vec<&String>) = found.iter().partition(|hit| {
        LITERALS_STILL_IN
            .iter()
            .any(|(dir, _)| hit.starts_with(&format!("{dir}/")))
    });
    assert!(
        offending.is_empty(),
        "rule ids spelled as strings outside the rule files and tests; refer to the rule's \
         static (`RULE.id`) instead:\n{}",
        offending
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (dir, reason) in LITERALS_STILL_IN {
        assert!(
            excepted
                .iter()
                .any(|hit| hit.starts_with(&format!("{dir}/"))),
            "{dir} no longer spells rule ids ({reason}): remove it from LITERALS_STILL_IN"
        );
    }
}
