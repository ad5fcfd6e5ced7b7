//! Every public policy document in `../shared/iam-cases/` against its expected verdicts.

use std::collections::BTreeMap;
use std::path::Path;

use iam::{evaluate_document, PolicyDocument, Verdict};
use serde::Deserialize;

const CASES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/iam-cases");

#[derive(Deserialize)]
struct Case {
    file: String,
    expected: BTreeMap<String, String>,
}

/// Cases where `expected.json` departs from AWS semantics; the engine follows AWS, and this
/// table pins both sides so that a fix to either one makes the test fail until it is removed.
struct Disagreement {
    case: &'static str,
    file_says: &'static str,
    engine_says: Verdict,
    reason: &'static str,
}

const DISAGREEMENTS: &[Disagreement] = &[Disagreement {
    case: "T14_cloudsplaining_test_star_notresource",
    file_says: "allowed_restricted_resource",
    engine_says: Verdict::Allowed,
    reason: "Allow \"*\" with NotResource [arn:aws:s3:::HRBucket] excludes no snapshot, image or \
             Recycle Bin rule, so every target is granted unconditionally (the case's own \
             description says an analyzer may call it unconditional)",
}];

fn verdict_from_label(label: &str) -> Verdict {
    match label {
        "allowed_unconditional" => Verdict::Allowed,
        "allowed_restricted_resource" => Verdict::AllowedRestrictedResource,
        "allowed_conditional" => Verdict::AllowedConditional,
        "not_allowed" => Verdict::NotAllowed,
        other => panic!("expected.json uses an unknown verdict label {other:?}"),
    }
}

#[test]
fn shared_iam_cases_match_their_expected_verdicts() {
    let dir = Path::new(CASES_DIR);
    assert!(
        dir.is_dir(),
        "the shared IAM cases directory {} is missing; these cases must be checked",
        dir.display()
    );
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
        !cases.is_empty(),
        "{} lists no cases",
        expected_path.display()
    );

    let mut failures = Vec::new();
    let mut disagreements_seen = 0;
    for (name, case) in &cases {
        let path = dir.join(&case.file);
        let json = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let document = match PolicyDocument::parse(&json) {
            Ok(document) => document,
            Err(e) => {
                failures.push(format!("{name}: the document does not parse: {e}"));
                continue;
            }
        };
        let actions: Vec<String> = case.expected.keys().cloned().collect();
        for verdict in evaluate_document(&document, name, &actions) {
            let label = &case.expected[&verdict.action];
            let wanted = verdict_from_label(label);
            let disagreement = DISAGREEMENTS
                .iter()
                .find(|d| d.case == name && d.file_says == label.as_str());
            match disagreement {
                Some(d) if verdict.verdict == d.engine_says => disagreements_seen += 1,
                _ if verdict.verdict == wanted => {}
                _ => failures.push(format!(
                    "{name} {}: expected {label}, got {}: {}",
                    verdict.action,
                    verdict.verdict.as_str(),
                    verdict.summary
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let listed: usize = DISAGREEMENTS
        .iter()
        .map(|d| cases.get(d.case).map_or(0, |c| c.expected.len()))
        .sum();
    assert_eq!(
        disagreements_seen,
        listed,
        "a listed disagreement no longer occurs; remove it from DISAGREEMENTS: {:?}",
        DISAGREEMENTS
            .iter()
            .map(|d| (d.case, d.reason))
            .collect::<Vec<_>>()
    );
}
