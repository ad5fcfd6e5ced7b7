//! `snapguard publish securityhub` against the emulator (moto serves Security Hub's
//! `BatchImportFindings` and `GetFindings`): the demo organization's findings land in each
//! finding's own account and region, reached through the role there; a second night with a
//! baseline closes the finding that was resolved, and imports nothing twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use snapguard_test_support::{in_account, runtime, start_moto};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn snapguard(url: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(args)
        .env("AWS_ENDPOINT_URL", url)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every finding Security Hub holds in `account` and `region`, by `Id`.
async fn findings_in(url: &str, account: &str, region: &str) -> BTreeMap<String, Value> {
    let client = aws_sdk_securityhub::Client::new(&in_account(url, account, region).await);
    let mut found = BTreeMap::new();
    let mut pages = client.get_findings().into_paginator().send();
    while let Some(page) = pages.next().await {
        for f in page.unwrap().findings() {
            let value = serde_json::json!({
                "RecordState": f.record_state().map(|s| s.as_str()),
                "Compliance": f.compliance().and_then(|c| c.status()).map(|s| s.as_str()),
                "RelatedRequirements": f.compliance().map(|c| c.related_requirements()),
                "GeneratorId": f.generator_id(),
                "ResourceType": f.resources().first().and_then(|r| r.r#type()),
                "ProviderSeverity": f.finding_provider_fields()
                    .and_then(|p| p.severity())
                    .and_then(|s| s.label())
                    .map(|l| l.as_str()),
            });
            found.insert(f.id().unwrap_or_default().to_owned(), value);
        }
    }
    found
}

#[test]
fn publishes_into_each_account_and_region_and_closes_what_was_resolved() {
    // The SDK's GetFindings futures are large in a debug build: more stack than a test
    // thread's.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(publish_and_close)
        .unwrap()
        .join()
        .unwrap();
}

fn publish_and_close() {
    let moto = start_moto();
    let dir = tempfile::tempdir().unwrap();
    let tonight = dir.path().join("tonight.json");
    let (code, _, stderr) = snapguard(
        &moto.url,
        &[
            "scan",
            "--inventory",
            "fixtures/demo-org",
            "--config",
            "fixtures/demo-org/snapguard.toml",
            "--output",
            &format!("json={}", tonight.display()),
            "--fail-on",
            "none",
        ],
    );
    assert!(matches!(code, Some(0 | 4)), "{stderr}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&tonight).unwrap()).unwrap();
    let asff_ids = |report: &Value| -> Vec<(String, String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let region = match f["region"].as_str().unwrap() {
                    "global" => "us-east-1".to_owned(),
                    r => r.to_owned(),
                };
                (
                    format!(
                        "snapguard/{}/{}",
                        f["rule_id"].as_str().unwrap(),
                        f["fingerprint"].as_str().unwrap()
                    ),
                    f["account_id"].as_str().unwrap().to_owned(),
                    region,
                )
            })
            .collect()
    };
    let expected = asff_ids(&report);
    let gaps = report["not_scanned"].as_array().unwrap().len();

    let (code, stdout, stderr) = snapguard(
        &moto.url,
        &[
            "publish",
            "securityhub",
            tonight.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let outcome: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outcome["imported"], expected.len() + gaps, "{outcome}");
    assert!(outcome["not_imported"].as_array().unwrap().is_empty());
    // At most 100 a call, one product (account and region) per call.
    let places: std::collections::BTreeSet<(&str, &str)> = expected
        .iter()
        .map(|(_, a, r)| (a.as_str(), r.as_str()))
        .collect();
    assert!(outcome["calls"].as_u64().unwrap() >= places.len() as u64);

    // Each finding is in its own account and region, with the provider's severity and the
    // IAM principals typed as such.
    let rt = runtime();
    let mut held: BTreeMap<(String, String), BTreeMap<String, Value>> = BTreeMap::new();
    for (account, region) in &places {
        held.insert(
            (account.to_string(), region.to_string()),
            rt.block_on(findings_in(&moto.url, account, region)),
        );
    }
    for (id, account, region) in &expected {
        let there = &held[&(account.clone(), region.clone())];
        let finding = there
            .get(id)
            .unwrap_or_else(|| panic!("{id} is not in {account}/{region}"));
        assert_eq!(finding["RecordState"], "ACTIVE");
        assert!(finding["ProviderSeverity"].is_string(), "{finding}");
    }
    // The compliance controls travel with the finding.
    let public = held
        .values()
        .flat_map(|f| f.values())
        .find(|f| f["GeneratorId"] == "SG-SHARE-003")
        .expect("the demo's public snapshot is in Security Hub");
    assert_eq!(
        public["RelatedRequirements"],
        serde_json::json!([
            "AWS Foundational Security Best Practices v1.0.0/EC2.1",
            "NIST.800-53.r5 AC-3"
        ])
    );
    let iam_types: Vec<&Value> = held
        .values()
        .flat_map(|f| f.values())
        .map(|f| &f["ResourceType"])
        .filter(|t| t.as_str().is_some_and(|t| t.starts_with("AwsIam")))
        .collect();
    assert!(!iam_types.is_empty());

    // The next night one finding is gone from a place scanned again: published with the
    // baseline, it is closed; everything else is updated in place, nothing added.
    let mut next = report.clone();
    let findings = next["findings"].as_array_mut().unwrap();
    let gone_at = findings
        .iter()
        .position(|f| f["rule_id"] == "SG-TAG-001")
        .expect("a tag finding");
    let gone = findings.remove(gone_at);
    // A day later: Security Hub ignores an update whose UpdatedAt is not later than its own.
    next["collected_at"] = Value::from("2026-11-26T06:00:00Z");
    let next_path = dir.path().join("next.json");
    std::fs::write(&next_path, serde_json::to_string(&next).unwrap()).unwrap();
    let (code, stdout, stderr) = snapguard(
        &moto.url,
        &[
            "publish",
            "securityhub",
            next_path.to_str().unwrap(),
            "--baseline",
            tonight.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (account, region) = (
        gone["account_id"].as_str().unwrap(),
        gone["region"].as_str().unwrap(),
    );
    let there = rt.block_on(findings_in(&moto.url, account, region));
    let id = format!(
        "snapguard/SG-TAG-001/{}",
        gone["fingerprint"].as_str().unwrap()
    );
    assert_eq!(there[&id]["RecordState"], "ARCHIVED", "{:#?}", there[&id]);
    assert_eq!(there[&id]["Compliance"], "PASSED");
    assert_eq!(
        there.len(),
        held[&(account.to_owned(), region.to_owned())].len(),
        "nothing imported twice"
    );

    // A report that is not one is an input error, naming the file.
    let (code, _, stderr) = snapguard(&moto.url, &["publish", "securityhub", "Cargo.toml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("Cargo.toml"), "{stderr}");
}
