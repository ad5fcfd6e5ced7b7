//! The SARIF 2.1.0 report of `iam check`, for code scanning: one result per protected action a
//! document or principal grants (with `--base`: per regression), at the granting statement's line.

use std::path::Path;

use serde_json::{json, Value};

use iam::{ActionVerdict, Verdict};
use reports::sarif::descriptor;
use rules::iam::account_principals::rule_for_action;
use rules::iam::no_scp_guardrail;
use rules::registry::{Family, Rule, RULES};

use iam::check::Outcome;
use iam::check::{file_key, ChangeKind, Presence, Subject, SubjectKind};

/// The catalogue's IAM rules, in registry order: SARIF results point into this table.
fn iam_rules() -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| r.family == Family::Iam)
        .collect()
}

/// The rule a result belongs to: the guardrail rule for SCPs, else the rule of the action.
fn rule_id(kind: SubjectKind, action: &str) -> &'static str {
    if kind == SubjectKind::Guardrail {
        no_scp_guardrail::RULE.id
    } else {
        rule_for_action(action)
    }
}

fn level(verdict: Verdict, threshold: Option<Verdict>) -> &'static str {
    if threshold.is_some_and(|t| verdict >= t) {
        "error"
    } else {
        "warning"
    }
}

/// The base of relative artifact URIs: the folder `iam check` ran in (the repository root in
/// CI), declared in the run's `originalUriBaseIds`.
const SOURCE_ROOT: &str = "%SRCROOT%";

fn location(path: &Path, line: Option<usize>) -> Value {
    let mut physical = json!({"artifactLocation": artifact_location(path)});
    if let Some(line) = line {
        physical["region"] = json!({"startLine": line});
    }
    json!({"physicalLocation": physical})
}

/// Where a file is, as SARIF wants it (rule SARIF1004): a relative URI with forward slashes
/// against [`SOURCE_ROOT`], also for an absolute path inside the working folder, or a `file:`
/// URI for one outside it.
fn artifact_location(path: &Path) -> Value {
    let inside = match path.is_absolute() {
        true => std::env::current_dir()
            .ok()
            .and_then(|root| path.strip_prefix(root).ok().map(Path::to_path_buf)),
        false => Some(path.to_path_buf()),
    };
    match inside {
        Some(relative) => {
            let text = relative.to_string_lossy().replace('\\', "/");
            let text = text.strip_prefix("./").unwrap_or(&text);
            json!({"uri": percent_encoded(text), "uriBaseId": SOURCE_ROOT})
        }
        None => json!({"uri": file_uri(path)}),
    }
}

/// A `file:` URI of an absolute path.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    format!("file://{}", percent_encoded(&text))
}

/// Escapes what a URI path cannot hold as is (RFC 3986): space, `%`, `#`, `?` and non-ASCII.
fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b' ' | b'%' | b'#' | b'?' | 0x80.. | ..0x20 => out.push_str(&format!("%{byte:02X}")),
            _ => out.push(byte as char),
        }
    }
    out
}

fn result(
    subject: &Subject,
    verdict: &ActionVerdict,
    message: String,
    level: &str,
    location: Value,
) -> Value {
    let id = rule_id(subject.kind, &verdict.action);
    let index = iam_rules().iter().position(|r| r.id == id);
    json!({
        "ruleId": id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {
            "snapguardIam/v1": format!("{}|{}|{}", subject.file_key, subject.address, verdict.action)
        },
        "properties": {
            "address": subject.address,
            "action": verdict.action,
            "verdict": verdict.verdict,
            "unknownValues": subject.unknowns,
        },
    })
}

/// [`SOURCE_ROOT`] as the working folder's `file:` URI (ending in `/`, as SARIF requires).
fn original_uri_base_ids() -> Value {
    match std::env::current_dir() {
        Ok(root) => {
            json!({SOURCE_ROOT: {"uri": format!("{}/", file_uri(&root).trim_end_matches('/'))}})
        }
        Err(_) => json!({}),
    }
}

pub fn render(outcome: &Outcome) -> String {
    let threshold = outcome.threshold;
    let mut results = Vec::new();
    match &outcome.changes {
        None => {
            for subject in outcome.subjects {
                for verdict in &subject.verdicts {
                    if !subject.grants(verdict.verdict, Some(Verdict::AllowedConditional)) {
                        continue;
                    }
                    let line = subject.decisive_line(verdict);
                    results.push(result(
                        subject,
                        verdict,
                        format!("{}: {}", subject.address, verdict.summary),
                        level(verdict.verdict, threshold),
                        location(&subject.file, Some(line)),
                    ));
                }
            }
        }
        Some(changes) => {
            for change in changes.iter().filter(|c| c.kind == ChangeKind::Regression) {
                let subject = change.subject;
                // A removed document is reported on the file that no longer has it.
                let head_file = outcome
                    .files
                    .iter()
                    .find(|f| file_key(&f.path) == subject.file_key);
                let location = match (change.presence, head_file) {
                    (Presence::Removed, Some(file)) => location(&file.path, None),
                    _ => location(&subject.file, Some(subject.decisive_line(change.evidence))),
                };
                let removed = if change.presence == Presence::Removed {
                    " (removed by the change)"
                } else {
                    ""
                };
                let mut result = result(
                    subject,
                    change.evidence,
                    format!(
                        "{}{removed}: {} went from {} to {}; {}",
                        subject.address,
                        change.evidence.action,
                        change.before.as_str(),
                        change.after.as_str(),
                        change.evidence.summary
                    ),
                    level(change.after, threshold),
                    location,
                );
                result["baselineState"] = json!(match change.presence {
                    Presence::Added => "new",
                    _ => "updated",
                });
                results.push(result);
            }
        }
    }
    let rules: Vec<Value> = iam_rules()
        .into_iter()
        .map(|r| serde_json::to_value(descriptor(r)).expect("a descriptor serializes"))
        .collect();
    let mut notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": {"text": e.to_string()},
                "locations": [location(&e.path, e.line)],
            })
        })
        .collect();
    // Statements AWS would reject: a warning at the subject, naming the statement.
    for subject in outcome.subjects {
        for warning in &subject.warnings {
            notifications.push(json!({
                "level": "warning",
                "message": {"text": format!("{}: {warning}", subject.address)},
                "locations": [location(&subject.file, Some(subject.line))],
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "snapguard",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": outcome.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "originalUriBaseIds": original_uri_base_ids(),
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("JSON values serialize");
    text.push('\n');
    text
}
