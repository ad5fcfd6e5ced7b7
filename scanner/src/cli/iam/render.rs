//! The table and JSON reports of `iam check`.

use std::fmt::Write;

use serde::Serialize;
use serde_json::{json, Value};

use iam::{ActionVerdict, Layer, Verdict};

use iam::check::Outcome;
use iam::check::{Change, ChangeKind, Presence, Subject, SubjectKind};

/// The version of the JSON report's shape; raised on any incompatible change.
const SCHEMA_VERSION: u32 = 1;

/// The verdict as a reader needs it: for a guardrail, whether it denies.
fn verdict_text(kind: SubjectKind, verdict: Verdict) -> String {
    match (kind, verdict) {
        (SubjectKind::Guardrail, Verdict::NotAllowed) => "denied".to_owned(),
        (SubjectKind::Guardrail, other) => format!("not denied ({})", other.as_str()),
        (_, other) => other.as_str().to_owned(),
    }
}

/// The evidence in brief: the engine's summary without the action and verdict it starts with,
/// and why the decisive statement applies.
fn evidence_brief(subject: &Subject, verdict: &ActionVerdict) -> String {
    let evidence = subject.decisive_evidence(verdict);
    if subject.kind == SubjectKind::Guardrail {
        return match evidence {
            Some(deny) if deny.outcome == Verdict::NotAllowed => {
                format!("denied by {deny}: {}", deny.reason)
            }
            Some(deny) => format!("only limited by {deny}: {}", deny.reason),
            // Held back by a level that allows too little (an allow-list), not by a deny.
            None if verdict.decisive_layer != Layer::Identity => {
                format!("{} do not allow it", verdict.decisive_layer)
            }
            None => "no statement denies it".to_owned(),
        };
    }
    let prefix = format!("{}: {} (", verdict.action, verdict.verdict.as_str());
    let summary = verdict
        .summary
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(&verdict.summary);
    match evidence {
        Some(grant) => format!("{summary} [{}]", grant.reason),
        None => summary.to_owned(),
    }
}

fn describe_kind(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Policy => "policy",
        SubjectKind::Principal => "principal",
        SubjectKind::Guardrail => "service control policy",
    }
}

pub fn table(outcome: &Outcome) -> String {
    let mut out = String::new();
    let threshold = outcome.threshold.map_or("none", Verdict::as_str);
    // Writing to a String cannot fail.
    match &outcome.changes {
        None => {
            for subject in outcome.subjects {
                subject_table(&mut out, subject);
            }
            let granting = outcome
                .subjects
                .iter()
                .flat_map(|s| {
                    s.verdicts
                        .iter()
                        .filter(|v| s.grants(v.verdict, outcome.threshold))
                })
                .count();
            let _ = writeln!(
                out,
                "{} document(s) checked; {granting} protected action grant(s) at or above {threshold}.",
                outcome.subjects.len()
            );
        }
        Some(changes) => {
            // Files the comparison could not pair are what a reader must know about first.
            for pair in outcome.pairs {
                match (&pair.head, &pair.base) {
                    (Some(head), None) => {
                        let _ = writeln!(
                            out,
                            "{}: no base file is paired with it; everything it grants is new.",
                            head.display()
                        );
                    }
                    (None, Some(base)) => {
                        let _ = writeln!(
                            out,
                            "{} (base): no head file is paired with it; its documents are removed.",
                            base.display()
                        );
                    }
                    _ => {}
                }
            }
            for (kind, title) in [
                (ChangeKind::Regression, "Regressions"),
                (ChangeKind::Fix, "Fixed"),
            ] {
                let listed: Vec<&Change> = changes.iter().filter(|c| c.kind == kind).collect();
                let _ = writeln!(out, "{title} ({}):", listed.len());
                for change in listed {
                    change_line(&mut out, change);
                }
            }
            let failing = changes
                .iter()
                .filter(|c| c.fails(outcome.threshold))
                .count();
            let _ = writeln!(out, "{failing} regression(s) at or above {threshold}.");
        }
    }
    if !outcome.errors.is_empty() {
        let _ = writeln!(
            out,
            "{} input(s) could not be read; see the errors.",
            outcome.errors.len()
        );
    }
    out
}

fn subject_table(out: &mut String, subject: &Subject) {
    let exempt = if subject.exempt {
        ", exempt by iam.exempt_principals"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{}:{}: {} {}{exempt}",
        subject.file.display(),
        subject.line,
        describe_kind(subject.kind),
        subject.address
    );
    for unknown in &subject.unknowns {
        let _ = writeln!(out, "  unknown value: {unknown}");
    }
    for assumption in &subject.assumptions {
        let _ = writeln!(out, "  assumed: {assumption}");
    }
    for warning in &subject.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
    for verdict in &subject.verdicts {
        let _ = writeln!(
            out,
            "  {:<28} {:<40} {}",
            verdict.action,
            verdict_text(subject.kind, verdict.verdict),
            evidence_brief(subject, verdict)
        );
    }
    out.push('\n');
}

fn change_line(out: &mut String, change: &Change) {
    let subject = change.subject;
    let presence = match change.presence {
        Presence::Removed => " (removed by the change)",
        Presence::Added => " (new)",
        Presence::Changed => "",
    };
    let _ = writeln!(
        out,
        "  {}:{}: {} {}{presence}\n    {}: {} -> {}; {}",
        subject.file.display(),
        subject.decisive_line(change.evidence),
        describe_kind(subject.kind),
        subject.address,
        change.evidence.action,
        verdict_text(subject.kind, change.before),
        verdict_text(subject.kind, change.after),
        evidence_brief(subject, change.evidence)
    );
    for unknown in &subject.unknowns {
        let _ = writeln!(out, "    unknown value: {unknown}");
    }
}

/// One action of a subject in the JSON report.
#[derive(Serialize)]
struct ActionEntry<'v> {
    #[serde(flatten)]
    verdict: &'v ActionVerdict,
    /// The line of the statement behind the verdict.
    line: usize,
    /// For a guardrail: whether it denies the action.
    #[serde(skip_serializing_if = "Option::is_none")]
    denies: Option<bool>,
    /// Whether this counts against `--fail-on`.
    fails: bool,
}

fn subject_json(subject: &Subject, threshold: Option<Verdict>) -> Value {
    let actions: Vec<ActionEntry> = subject
        .verdicts
        .iter()
        .map(|verdict| ActionEntry {
            verdict,
            line: subject.decisive_line(verdict),
            denies: (subject.kind == SubjectKind::Guardrail)
                .then_some(verdict.verdict == Verdict::NotAllowed),
            fails: subject.grants(verdict.verdict, threshold),
        })
        .collect();
    json!({
        "file": subject.file,
        "address": subject.address,
        "kind": subject.kind,
        "line": subject.line,
        "exempt": subject.exempt,
        "unknown_values": subject.unknowns,
        "assumptions": subject.assumptions,
        "warnings": subject.warnings,
        "actions": actions,
    })
}

fn change_json(change: &Change, threshold: Option<Verdict>) -> Value {
    let subject = change.subject;
    json!({
        "file": subject.file,
        "address": subject.address,
        "kind": subject.kind,
        "action": change.evidence.action,
        "before": change.before,
        "after": change.after,
        "line": subject.decisive_line(change.evidence),
        "presence": change.presence,
        "unknown_values": subject.unknowns,
        "fails": change.fails(threshold),
        "evidence": change.evidence,
    })
}

pub fn json(outcome: &Outcome) -> String {
    let threshold = outcome.threshold;
    let inputs: Vec<Value> = outcome
        .files
        .iter()
        .map(|f| json!({"file": f.path, "kind": f.kind}))
        .collect();
    let errors: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| {
            json!({"file": e.path, "line": e.line, "column": e.column, "message": e.message, "text": e.to_string()})
        })
        .collect();
    let mut report = json!({
        "schema_version": SCHEMA_VERSION,
        "fail_on": threshold.map_or("none", Verdict::as_str),
        "failing": outcome.failing,
        "inputs": inputs,
        "errors": errors,
    });
    match &outcome.changes {
        None => {
            report["documents"] = outcome
                .subjects
                .iter()
                .map(|s| subject_json(s, threshold))
                .collect();
        }
        Some(changes) => {
            report["compared"] = outcome
                .pairs
                .iter()
                .map(|p| json!({"file": p.head, "base": p.base}))
                .collect();
            for (kind, key) in [
                (ChangeKind::Regression, "regressions"),
                (ChangeKind::Fix, "fixes"),
            ] {
                report[key] = changes
                    .iter()
                    .filter(|c| c.kind == kind)
                    .map(|c| change_json(c, threshold))
                    .collect();
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&report).expect("JSON values serialize");
    text.push('\n');
    text
}
