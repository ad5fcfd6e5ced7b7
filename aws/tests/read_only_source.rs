//! The read-only contract, checked on the source: every SDK operation the crate calls is a
//! Describe, List or Get (or sts:AssumeRole) listed in `snapguard_aws::OPERATIONS`, which the
//! live test checks against docs/scan-role-policy.json; no mutating call appears at all.

use std::collections::BTreeSet;
use std::path::Path;

fn sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    assert!(out.len() >= 5);
    out
}

/// `.name()` calls: SDK operations take no arguments; their inputs are builder methods.
fn zero_arg_calls(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut calls = Vec::new();
    let mut i = 0;
    while let Some(pos) = text[i..].find('.') {
        let start = i + pos + 1;
        let end = start
            + text[start..]
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()))
                .unwrap_or(text.len() - start);
        if end > start && text[end..].starts_with("()") {
            calls.push(text[start..end].to_owned());
        }
        i = end.max(start);
        if i >= bytes.len() {
            break;
        }
    }
    calls
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn only_read_operations_are_called() {
    let declared: BTreeSet<String> = snapguard_aws::OPERATIONS
        .iter()
        .map(|op| op.split(':').nth(1).unwrap().to_owned())
        .collect();
    let mutating = [
        "create_",
        "delete_",
        "modify_",
        "put_",
        "update_",
        "enable_",
        "disable_",
        "attach_",
        "detach_",
        "run_",
        "terminate_",
        "copy_",
        "lock_",
        "unlock_",
        "tag_",
        "untag_",
        "register_",
        "deregister_",
        "reset_",
        "start_",
        "stop_",
        "restore_",
        "cancel_",
        "associate_",
        "disassociate_",
        "import_",
        "export_",
        "move_",
        "remove_",
        "add_",
    ];
    let mut seen = BTreeSet::new();
    for (file, text) in sources() {
        for call in zero_arg_calls(&text) {
            assert!(
                !mutating.iter().any(|m| call.starts_with(m)),
                "{file}: .{call}() looks like a mutating AWS operation"
            );
            let is_operation = ["describe_", "list_", "get_"]
                .iter()
                .any(|p| call.starts_with(p))
                || call == "assume_role";
            if is_operation {
                let op = camel(&call);
                assert!(
                    declared.contains(&op),
                    "{file}: .{call}() ({op}) is not in OPERATIONS"
                );
                seen.insert(op);
            }
        }
    }
    // Every declared operation is really called somewhere.
    assert_eq!(seen, declared);
}
