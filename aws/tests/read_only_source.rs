//! The read-only contract, checked on the source: every SDK operation the crate calls is a
//! Describe, List or Get (or sts:AssumeRole) listed in `snapguard_aws::OPERATIONS`, which the
//! live test checks against docs/scan-role-policy.json; no mutating call appears at all.
//! The scan is the crate's modules, their subdirectories included; `src/remediate/` (the
//! remediation executor, which does write, behind its own plan and confirmation) and
//! `src/securityhub.rs` (the findings publisher) are not part of the scan.

use std::collections::BTreeSet;
use std::path::Path;

fn sources() -> Vec<(String, String)> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut out = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("remediate") {
                    dirs.push(path);
                }
            } else if path.ends_with("securityhub.rs") {
                // The publisher writes findings to Security Hub (`snapguard publish`); the
                // scan never calls it.
                continue;
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    assert!(out.len() >= 5);
    out
}

/// The SDK operation of every `... .send()` chain: the first method called with no
/// arguments after the client (`ec2.describe_volumes().max_results(500).send()`, or
/// `ctx.ec2(sdk, a, r).describe_regions().send()`); operation inputs are builder methods.
fn operations_called(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find(".send()") {
        let at = from + pos;
        from = at + 1;
        let mut chain: Vec<(String, bool)> = Vec::new();
        let mut i = at;
        loop {
            while i > 0 && b[i - 1].is_ascii_whitespace() {
                i -= 1;
            }
            if i == 0 || b[i - 1] != b')' {
                break;
            }
            let close = i - 1;
            let mut depth = 0;
            let mut j = close;
            loop {
                match b[j] {
                    b')' => depth += 1,
                    b'(' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j -= 1;
            }
            let empty = text[j + 1..close].trim().is_empty();
            let mut k = j;
            while k > 0 && (b[k - 1].is_ascii_alphanumeric() || b[k - 1] == b'_') {
                k -= 1;
            }
            let name = text[k..j].to_owned();
            let mut m = k;
            while m > 0 && b[m - 1].is_ascii_whitespace() {
                m -= 1;
            }
            if m > 0 && b[m - 1] == b'.' {
                chain.push((name, empty));
                i = m - 1;
            } else {
                break;
            }
        }
        chain.reverse();
        if let Some((name, _)) = chain.into_iter().find(|(_, empty)| *empty) {
            found.push(name);
        }
    }
    found
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
    let mut seen = BTreeSet::new();
    for (file, text) in sources() {
        for call in operations_called(&text) {
            let op = camel(&call);
            assert!(
                ["Describe", "List", "Get"]
                    .iter()
                    .any(|p| op.starts_with(p))
                    || op == "AssumeRole",
                "{file}: .{call}() is not a read operation"
            );
            assert!(
                declared.contains(&op),
                "{file}: .{call}() ({op}) is not in OPERATIONS"
            );
            seen.insert(op);
        }
    }
    // Every declared operation is really called somewhere.
    assert_eq!(seen, declared);
}
