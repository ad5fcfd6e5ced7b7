//! Every public IAM case in `fixtures/iam-cases/` (policy documents and authorization details
//! from AWS documentation and other analyzers' test suites, with their sources in
//! `expected.json`) against its expected verdicts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use iam::check::{check, SubjectKind};
use iam::{RequestContext, Verdict};
use serde::Deserialize;

const CASES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/iam-cases");

#[derive(Deserialize)]
struct Case {
    file: String,
    #[serde(default)]
    kind: Option<String>,
    /// For a policy document, action -> verdict; for authorization details, principal ARN ->
    /// action -> verdict.
    expected: serde_json::Value,
}

/// Cases where `expected.json` departs from what the engine says today; this table pins both
/// sides, so that a change to either makes the test fail until the entry is removed.
struct Disagreement {
    case: &'static str,
    /// The principal's ARN, or "" for a policy document.
    principal: &'static str,
    action: &'static str,
    engine_says: Verdict,
    reason: &'static str,
}

const DISAGREEMENTS: &[Disagreement] = &[];

fn verdict_from_label(label: &str) -> Verdict {
    match label {
        // expected.json says both; its README names only `allowed`.
        "allowed" | "allowed_unconditional" => Verdict::Allowed,
        "allowed_restricted_resource" => Verdict::AllowedRestrictedResource,
        "allowed_conditional" => Verdict::AllowedConditional,
        "not_allowed" => Verdict::NotAllowed,
        other => panic!("expected.json uses an unknown verdict label {other:?}"),
    }
}

/// (principal ARN or "", action) -> expected verdict label.
fn expectations(name: &str, case: &Case) -> BTreeMap<(String, String), String> {
    let labels = |value: &serde_json::Value| -> BTreeMap<String, String> {
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name}: expected verdicts are not action -> label: {e}"))
    };
    match case.kind.as_deref() {
        None => labels(&case.expected)
            .into_iter()
            .map(|(action, label)| ((String::new(), action), label))
            .collect(),
        Some("authorization_details") => case
            .expected
            .as_object()
            .unwrap_or_else(|| panic!("{name}: expected is not principal -> verdicts"))
            .iter()
            .flat_map(|(principal, verdicts)| {
                labels(verdicts)
                    .into_iter()
                    .map(move |(action, label)| ((principal.clone(), action), label))
            })
            .collect(),
        Some(other) => panic!("{name}: unknown case kind {other:?}"),
    }
}

/// Every case goes through what `iam check` does with the file: the same reader of policy
/// documents and authorization details, and the same evaluation.
#[test]
fn public_iam_cases_match_their_expected_verdicts() {
    let dir = Path::new(CASES_DIR);
    let expected_path = dir.join("expected.json");
    let expected_json = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", expected_path.display()));
    let cases: BTreeMap<String, Case> = serde_json::from_str(&expected_json).unwrap_or_else(|e| {
        panic!(
            "{} is not in the expected shape: {e}",
            expected_path.display()
        )
    });
    assert!(
        cases.len() >= 18,
        "{} lists {} cases",
        expected_path.display(),
        cases.len()
    );

    let mut failures = Vec::new();
    let mut disagreements_seen = 0;
    for (name, case) in &cases {
        let expected = expectations(name, case);
        let actions: BTreeSet<String> = expected.keys().map(|(_, a)| a.clone()).collect();
        let actions: Vec<String> = actions.into_iter().collect();
        let evaluated = check(
            &[dir.join(&case.file)],
            &[],
            &actions,
            &[],
            &RequestContext::default(),
            &[],
        );
        assert!(
            evaluated.errors.is_empty(),
            "{name}: {:?}",
            evaluated.errors
        );
        let mut seen = BTreeSet::new();
        for subject in &evaluated.head {
            let principal = match subject.kind {
                SubjectKind::Principal => subject.address.clone(),
                _ => String::new(),
            };
            for verdict in &subject.verdicts {
                let key = (principal.clone(), verdict.action.clone());
                let Some(label) = expected.get(&key) else {
                    failures.push(format!("{name}: {key:?} is evaluated but not expected"));
                    continue;
                };
                seen.insert(key);
                let disagreement = DISAGREEMENTS.iter().find(|d| {
                    d.case == name && d.principal == principal && d.action == verdict.action
                });
                match disagreement {
                    Some(d) if verdict.verdict == d.engine_says => disagreements_seen += 1,
                    _ if verdict.verdict == verdict_from_label(label) => {}
                    _ => failures.push(format!(
                        "{name} {principal} {}: expected {label}, got {}: {}",
                        verdict.action,
                        verdict.verdict.as_str(),
                        verdict.summary
                    )),
                }
            }
        }
        for missing in expected.keys().filter(|k| !seen.contains(*k)) {
            failures.push(format!("{name}: {missing:?} is expected but not evaluated"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        disagreements_seen,
        DISAGREEMENTS.len(),
        "a listed disagreement no longer occurs; remove it from DISAGREEMENTS: {:?}",
        DISAGREEMENTS
            .iter()
            .map(|d| (d.case, d.principal, d.action, d.reason))
            .collect::<Vec<_>>()
    );
}
