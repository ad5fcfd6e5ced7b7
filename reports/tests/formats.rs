//! The SARIF, ASFF, JUnit and Markdown reports of a small hand-made scan: two accounts, a
//! finding of each severity, an active and an expired waiver, an account-wide finding, text
//! that needs escaping, and two places that could not be read. Then what the compliance
//! mapping makes of them.

use serde_json::{json, Value};
use std::collections::BTreeSet;

use reports::{asff, html, junit, markdown, ocsf, sarif, table, Details, Format, Report};
use rules::evaluate::Evaluation;
use rules::finding::{fingerprint, WaiverStatus};
use rules::inventory::{Account, Gap, Inventory, OrgAccount, Organization, Region};
use rules::registry::{self, RULES};
use rules::time::Timestamp;
use rules::{Finding, Severity};

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";
const COLLECTED_AT: &str = "2026-11-25T06:00:00Z";
/// A message with every character the formats must escape.
const AWKWARD: &str = "snapshot snap-0aw is public | `all` <b>bold</b> & \"quoted\"\nsecond line";
const WAIVER_REASON: &str = "vendor case <88213> | \"unshare\" when it closes";

fn finding(
    rule_id: &str,
    severity: Severity,
    account: &str,
    region: &str,
    kind: &str,
    id: &str,
) -> Finding {
    let arn = match kind {
        "snapshot" | "image" => format!("arn:aws:ec2:{region}::{kind}/{id}"),
        "role" | "iam-role" => format!("arn:aws:iam::{account}:role/{id}"),
        "iam-user" => format!("arn:aws:iam::{account}:user/{id}"),
        _ => format!("arn:aws:ec2:{region}:{account}:{kind}/{id}"),
    };
    // Through serde, so that fields added to `Finding` with a default need no change here.
    serde_json::from_value(json!({
        "rule_id": rule_id,
        "rule_name": registry::rule(rule_id).map_or("principal-can-delete-snapshots", |r| r.name),
        "severity": severity,
        "account_id": account,
        "region": region,
        "resource_type": kind,
        "resource_id": id,
        "resource_arn": arn,
        "message": format!("{kind} {id} breaks {rule_id}"),
        "fingerprint": fingerprint(rule_id, &arn, ""),
    }))
    .expect("a finding")
}

fn waiver(active: bool, reason: &str) -> Option<WaiverStatus> {
    Some(WaiverStatus {
        active,
        reason: reason.to_owned(),
        expires: if active { "2027-06-30" } else { "2026-10-31" }.to_owned(),
        owner: Some("data-platform".to_owned()),
    })
}

fn findings() -> Vec<Finding> {
    let mut public = finding(
        "SG-SHARE-003",
        Severity::Critical,
        PROD,
        "us-east-1",
        "snapshot",
        "snap-0aw",
    );
    public.message = AWKWARD.to_owned();
    let mut shared = finding(
        "SG-SHARE-002",
        Severity::High,
        DEV,
        "us-east-1",
        "image",
        "ami-0waived",
    );
    shared.waiver = waiver(true, WAIVER_REASON);
    let mut short = finding(
        "SG-RBIN-004",
        Severity::Low,
        DEV,
        "us-east-1",
        "retention-rule",
        "2xpc",
    );
    short.waiver = waiver(false, "accepted during the Q3 cost review");
    vec![
        public,
        shared,
        finding("SG-IAM-001", Severity::High, DEV, "global", "role", "Admin"),
        finding(
            "SG-TAG-001",
            Severity::Medium,
            PROD,
            "eu-west-1",
            "snapshot",
            "snap-0tag",
        ),
        short,
        finding(
            "SG-PROT-006",
            Severity::Info,
            DEV,
            "us-east-1",
            "snapshot",
            "snap-0old",
        ),
    ]
}

fn gaps() -> Vec<Gap> {
    vec![
        Gap {
            account_id: DEV.to_owned(),
            region: Some("eu-west-1".to_owned()),
            operation: "ec2:DescribeSnapshots".to_owned(),
            error: "AccessDenied: not authorized to perform ec2:DescribeSnapshots".to_owned(),
        },
        Gap {
            account_id: PROD.to_owned(),
            region: None,
            operation: "iam:GetAccountAuthorizationDetails".to_owned(),
            error: "iam/get-account-authorization-details.json is absent".to_owned(),
        },
    ]
}

fn report_of(findings: Vec<Finding>, not_scanned: Vec<Gap>) -> Report {
    let account = |id: &str| Account {
        id: id.into(),
        iam: None,
        regions: ["eu-west-1", "us-east-1"]
            .map(|name| Region {
                name: name.into(),
                ..Region::default()
            })
            .to_vec(),
    };
    let org_account = |id: &str, name: &str| OrgAccount {
        id: id.into(),
        name: Some(name.into()),
        ..OrgAccount::default()
    };
    let inventory = Inventory {
        collected_at: Timestamp::parse(COLLECTED_AT).unwrap(),
        organization: Some(Organization {
            accounts: vec![
                org_account(PROD, "larkspur-prod"),
                org_account(DEV, "larkspur-dev"),
            ],
            ..Organization::default()
        }),
        accounts: vec![account(PROD), account(DEV)],
        not_scanned,
        ..Inventory::default()
    };
    let evaluation = Evaluation {
        findings,
        rules_in_force: RULES.iter().map(|r| r.id).collect(),
        ..Evaluation::default()
    };
    Report::new(&inventory, evaluation, "recorded:test".to_owned())
}

fn incomplete() -> Report {
    report_of(findings(), gaps())
}

fn complete() -> Report {
    report_of(findings(), Vec::new())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the report is JSON")
}

// ---------------------------------------------------------------- SARIF

/// The published schema's pattern for `language` (of a run and of a tool component), with a
/// stray `]` that a strict regex check rejects, and the pattern it means (`en`, `en-US`).
const LANGUAGE_PATTERN_ERRATUM: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";

fn schema_errors(document: &Value) -> Vec<String> {
    let published = include_str!("sarif-schema-2.1.0.json");
    assert_eq!(
        published.matches(LANGUAGE_PATTERN_ERRATUM).count(),
        2,
        "the vendored schema changed"
    );
    let schema: Value =
        serde_json::from_str(&published.replace(LANGUAGE_PATTERN_ERRATUM, LANGUAGE_PATTERN))
            .expect("schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_published_schema() {
    for report in [incomplete(), complete(), report_of(Vec::new(), Vec::new())] {
        let document = json(&sarif::render(&report));
        let errors = schema_errors(&document);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}

/// `rules × accounts × regions × per_place` snapshot findings.
fn many_findings(
    rules: &[&str],
    accounts: usize,
    regions: &[&str],
    per_place: usize,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules {
        for a in 0..accounts {
            let account = format!("{:012}", 100_000_000_000 + a);
            for region in regions {
                for i in 0..per_place {
                    let id = format!("snap-{a:06}{i:05}");
                    out.push(finding(
                        rule,
                        Severity::High,
                        &account,
                        region,
                        "snapshot",
                        &id,
                    ));
                }
            }
        }
    }
    out
}

/// The SARIF run's results, with every result's count (1 for a single finding).
fn sarif_counts(report: &Report) -> (Value, Vec<u64>) {
    let document = json(&sarif::render(report));
    let counts = document["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["count"].as_u64().unwrap_or(1))
        .collect();
    (document, counts)
}

#[test]
fn the_table_stays_readable_at_org_scale() {
    // 1,000 accounts, 50,000 findings, and the same denial in every account.
    let findings = many_findings(&["SG-PROT-005", "SG-TAG-001"], 1_000, &["us-east-1"], 25);
    let gaps: Vec<Gap> = (0..1_000)
        .map(|a| {
            let account = format!("{:012}", 100_000_000_000u64 + a);
            Gap {
                account_id: account.clone(),
                region: Some("us-east-1".into()),
                operation: "ec2:DescribeSnapshots".into(),
                error: format!(
                    "AccessDenied: User: arn:aws:sts::{account}:assumed-role/SnapguardScanRole/s \
                     is not authorized to perform: ec2:DescribeSnapshots"
                ),
            }
        })
        .collect();
    // One account is worse than the others: a critical finding.
    let mut findings = findings;
    findings[1_234].severity = Severity::Critical;
    let worst = findings[1_234].account_id.clone();
    let report = report_of(findings, gaps);
    let text = table::render(&report);
    let accounts_at = text.find("Accounts, worst first").unwrap();
    let first_row = text[accounts_at..].lines().nth(4).unwrap();
    assert!(first_row.contains(&worst), "{first_row}");
    let lines = text.lines().count();
    assert!(lines < 400, "{lines} lines");
    assert!(
        text.contains("50000 findings: 1 critical, 49999 high"),
        "{}",
        &text[..400]
    );
    assert!(text.contains("25 of 50000 findings shown, most severe first: `--details all`"));
    assert!(text.contains("25 of 1000 accounts shown"));
    // One row for the one denial, with its count and the first places by name.
    let denials: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("│ ec2:DescribeSnapshots"))
        .collect();
    assert_eq!(denials.len(), 1, "{text}");
    assert!(denials[0].contains(" 1000 ┆"), "{}", denials[0]);
    assert!(text.contains("<account>"));
    assert!(text.contains("and 995 more"));
    // The page opens on one row for the denial, the other 995 places collapsed.
    let page = html::render(&report_of(Vec::new(), report.not_scanned.clone()));
    let section =
        &page[page.find("id=\"not-scanned\"").unwrap()..page.find("id=\"summary\"").unwrap()];
    assert_eq!(section.matches("<tr><td>").count(), 1, "{section}");
    assert!(section.contains("<details><summary>and 995 more</summary>"));
    assert!(section.contains("arn:aws:sts::&lt;account&gt;:assumed-role"));
    // The Markdown summary says the same in one row.
    let md = markdown::render(&report_of(Vec::new(), report.not_scanned.clone()));
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ec2:DescribeSnapshots |"))
        .collect();
    assert_eq!(rows.len(), 1, "{md}");
    assert!(
        rows[0].contains("| 1000 |") && rows[0].contains("and 995 more"),
        "{}",
        rows[0]
    );
    // Every finding when asked.
    let all = table::render_with(&report, Details::All);
    assert!(all.lines().count() > 50_000);
    assert!(!all.contains("findings shown"));
    assert_eq!(
        Format::Table
            .render_with(&report, Details::Limit(3))
            .matches("┆ snap-")
            .count(),
        3
    );
}

#[test]
fn sarif_stays_within_what_code_scanning_shows_at_org_scale() {
    // 30,000 bad snapshots: one result per rule, account and region, each with its count.
    let findings = many_findings(
        &["SG-PROT-005", "SG-TAG-001", "SG-SHARE-004"],
        100,
        &["us-east-1", "eu-west-1", "us-west-2", "ap-south-1"],
        25,
    );
    let report = report_of(findings, Vec::new());
    let (document, counts) = sarif_counts(&report);
    assert_eq!(counts.len(), 3 * 100 * 4);
    assert_eq!(counts.iter().sum::<u64>(), 30_000);
    let run = &document["runs"][0];
    assert_eq!(
        run["properties"]["resultsGroupedBy"],
        "rule, account and region"
    );
    assert_eq!(run["properties"]["findings"], 30_000);
    let first = &run["results"][0];
    assert_eq!(
        first["properties"]["resources"].as_array().unwrap().len(),
        sarif::GROUP_EXAMPLES
    );
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("25 "),
        "{first}"
    );
    assert!(first["partialFingerprints"][sarif::GROUP_FINGERPRINT_KEY].is_string());
    let errors = schema_errors(&document);
    assert!(
        errors.is_empty(),
        "{}",
        errors[..errors.len().min(5)].join("\n")
    );

    // Too many account-regions: one result per rule and account.
    let findings = many_findings(
        &["SG-PROT-005", "SG-TAG-001"],
        1_000,
        &["us-east-1", "eu-west-1", "us-west-2"],
        1,
    );
    let (document, counts) = sarif_counts(&report_of(findings, Vec::new()));
    assert_eq!(
        document["runs"][0]["properties"]["resultsGroupedBy"],
        "rule and account"
    );
    assert_eq!(counts.len(), 2_000);
    assert!(counts.len() <= sarif::MAX_RESULTS);
    assert_eq!(counts.iter().sum::<u64>(), 6_000);

    // At the limit, one result per finding still.
    let findings = many_findings(&["SG-PROT-005"], 1_000, &["us-east-1"], 5);
    let (document, counts) = sarif_counts(&report_of(findings, Vec::new()));
    assert_eq!(
        document["runs"][0]["properties"]["resultsGroupedBy"],
        "finding"
    );
    assert_eq!(counts.len(), sarif::MAX_RESULTS);
}

#[test]
fn schema_validation_catches_a_broken_log() {
    let mut document = json(&sarif::render(&incomplete()));
    document["runs"][0]["results"][0]["level"] = "severe".into();
    document["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert_eq!(schema_errors(&document).len(), 2);
}

#[test]
fn sarif_rules_table_is_the_registry_with_its_docs() {
    let document = json(&sarif::render(&complete()));
    assert_eq!(document["version"], "2.1.0");
    let driver = &document["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "snapguard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // No informationUri until the project has a public home; a made-up one would mislead.
    assert!(driver.get("informationUri").is_none());
    let table = driver["rules"].as_array().unwrap();
    assert_eq!(table.len(), RULES.len());
    for (descriptor, rule) in table.iter().zip(RULES) {
        assert_eq!(descriptor["id"], rule.id);
        assert_eq!(descriptor["name"], rule.name);
        assert_eq!(descriptor["shortDescription"]["text"], rule.summary);
        assert_eq!(
            descriptor["fullDescription"]["text"],
            rule.doc_section("What it checks").unwrap()
        );
        assert_eq!(descriptor["help"]["markdown"], rule.doc());
        let level = descriptor["defaultConfiguration"]["level"]
            .as_str()
            .unwrap();
        assert_eq!(level, expected_level(rule.severity), "{}", rule.id);
        let tags: Vec<&str> = descriptor["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            tags.contains(&rule.family.as_str()),
            "{}: {tags:?}",
            rule.id
        );
        assert!(descriptor["properties"]["security-severity"].is_string());
    }
}

fn expected_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

#[test]
fn sarif_results_carry_rule_location_fingerprint_and_severity() {
    let report = complete();
    let document = json(&sarif::render(&report));
    let run = &document["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    let table = run["tool"]["driver"]["rules"].as_array().unwrap();
    for (result, finding) in results.iter().zip(&report.findings) {
        assert_eq!(result["ruleId"], finding.rule_id.as_str());
        match result.get("ruleIndex") {
            Some(index) => {
                assert_eq!(
                    table[index.as_u64().unwrap() as usize]["id"],
                    finding.rule_id.as_str()
                )
            }
            None => assert!(registry::rule(&finding.rule_id).is_none()),
        }
        assert_eq!(result["level"], expected_level(finding.severity));
        assert_eq!(result["message"]["text"], finding.message.as_str());
        let logical = &result["locations"][0]["logicalLocations"][0];
        assert_eq!(logical["fullyQualifiedName"], finding.resource_arn.as_str());
        assert_eq!(logical["kind"], "resource");
        assert_eq!(
            result["partialFingerprints"]["snapguardFingerprint/v1"],
            finding.fingerprint.as_str()
        );
        let properties = &result["properties"];
        assert_eq!(properties["account"], finding.account_id.as_str());
        assert_eq!(properties["region"], finding.region.as_str());
        assert_eq!(properties["severity"], finding.severity.as_str());
    }
    let severities: BTreeSet<&str> = results
        .iter()
        .map(|r| r["properties"]["security-severity"].as_str().unwrap())
        .collect();
    assert_eq!(
        severities,
        BTreeSet::from(["1.0", "3.0", "5.5", "8.0", "9.5"])
    );
}

#[test]
fn sarif_suppresses_waived_findings_with_the_justification() {
    let document = json(&sarif::render(&complete()));
    let results = document["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1, "only the active waiver suppresses");
    let suppression = &suppressed[0]["suppressions"][0];
    assert_eq!(suppressed[0]["ruleId"], "SG-SHARE-002");
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert_eq!(suppression["justification"], WAIVER_REASON);
    let expired = results
        .iter()
        .find(|r| r["ruleId"] == "SG-RBIN-004")
        .unwrap();
    assert_eq!(expired["properties"]["waiverExpired"], "2026-10-31");
}

#[test]
fn sarif_says_what_was_not_scanned() {
    let document = json(&sarif::render(&incomplete()));
    let invocation = &document["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), gaps().len());
    for (notification, gap) in notifications.iter().zip(sorted(gaps())) {
        assert_eq!(notification["level"], "error");
        let text = notification["message"]["text"].as_str().unwrap();
        assert!(
            text.contains(&gap.operation) && text.contains(&gap.error),
            "{text}"
        );
        assert_eq!(
            notification["properties"]["account"],
            gap.account_id.as_str()
        );
    }

    let document = json(&sarif::render(&complete()));
    let invocation = &document["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert!(invocation.get("toolExecutionNotifications").is_none());
}

/// The order `Report::new` keeps gaps in.
fn sorted(mut gaps: Vec<Gap>) -> Vec<Gap> {
    gaps.sort();
    gaps
}

// ---------------------------------------------------------------- ASFF

const TYPE_NAMESPACES: [&str; 5] = [
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
];

/// A string that AwsSecurityFinding accepts: `.*\S.*` and within `max` characters.
fn text_field<'a>(finding: &'a Value, path: &[&str], max: usize) -> &'a str {
    let mut value = finding;
    for key in path {
        value = &value[*key];
    }
    let name = path.join(".");
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{name} should be a string in {finding:#}"));
    assert!(!text.trim().is_empty(), "{name} is blank");
    assert!(
        text.chars().count() <= max,
        "{name} is longer than {max}: {text}"
    );
    text
}

fn one_of(finding: &Value, path: &[&str], allowed: &[&str]) {
    let text = text_field(finding, path, 64);
    assert!(
        allowed.contains(&text),
        "{}: {text} is not one of {allowed:?}",
        path.join(".")
    );
}

fn timestamp(finding: &Value, path: &[&str]) {
    let text = text_field(finding, path, 64);
    assert!(
        Timestamp::parse(text).is_ok(),
        "{}: {text} is no ISO 8601 time",
        path.join(".")
    );
}

/// The constraints of the AwsSecurityFinding API reference on every required field, and on
/// the optional ones snapguard sets.
fn assert_valid_asff(finding: &Value) {
    let object = finding.as_object().expect("a finding is an object");
    for required in [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
    ] {
        assert!(
            object.contains_key(required),
            "{required} is missing from {finding:#}"
        );
    }
    assert_eq!(finding["SchemaVersion"], "2018-10-08");
    text_field(finding, &["Id"], 512);
    text_field(finding, &["GeneratorId"], 512);
    let account = text_field(finding, &["AwsAccountId"], 12);
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "{account}"
    );

    let product_arn = text_field(finding, &["ProductArn"], 2048);
    let parts: Vec<&str> = product_arn.split(':').collect();
    assert_eq!(parts.len(), 6, "{product_arn}");
    assert_eq!(&parts[..3], ["arn", "aws", "securityhub"], "{product_arn}");
    assert_eq!(
        parts[3],
        finding["Region"].as_str().unwrap(),
        "{product_arn}"
    );
    assert_eq!(parts[4], account, "{product_arn}");
    assert_eq!(
        parts[5],
        format!("product/{account}/default"),
        "{product_arn}"
    );

    let types = finding["Types"].as_array().expect("Types is an array");
    assert!((1..=50).contains(&types.len()));
    for kind in types {
        let kind = kind.as_str().expect("a type is a string");
        let segments: Vec<&str> = kind.split('/').collect();
        assert!(
            segments.len() <= 3,
            "{kind}: at most namespace/category/classifier"
        );
        assert!(
            TYPE_NAMESPACES.contains(&segments[0]),
            "{kind}: unknown namespace"
        );
    }
    timestamp(finding, &["CreatedAt"]);
    timestamp(finding, &["UpdatedAt"]);
    one_of(
        finding,
        &["Severity", "Label"],
        &["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"],
    );
    text_field(finding, &["Title"], 256);
    text_field(finding, &["Description"], 1024);

    let resources = finding["Resources"]
        .as_array()
        .expect("Resources is an array");
    assert!((1..=32).contains(&resources.len()));
    for resource in resources {
        text_field(resource, &["Type"], 256);
        text_field(resource, &["Id"], 512);
        one_of(resource, &["Partition"], &["aws", "aws-cn", "aws-us-gov"]);
        text_field(resource, &["Region"], 16);
    }

    text_field(finding, &["Region"], 16);
    text_field(finding, &["Remediation", "Recommendation", "Text"], 512);
    one_of(
        finding,
        &["Compliance", "Status"],
        &["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"],
    );
    one_of(finding, &["RecordState"], &["ACTIVE", "ARCHIVED"]);
    one_of(
        finding,
        &["Workflow", "Status"],
        &["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"],
    );
    if finding.get("Note").is_some() {
        text_field(finding, &["Note", "Text"], 512);
        text_field(finding, &["Note", "UpdatedBy"], 512);
        timestamp(finding, &["Note", "UpdatedAt"]);
    }
    let fields = finding["ProductFields"]
        .as_object()
        .expect("ProductFields is an object");
    assert!(fields.len() <= 50);
    for (key, value) in fields {
        assert!(!key.is_empty() && key.chars().count() <= 128, "{key}");
        let value = value.as_str().expect("product field values are strings");
        assert!(value.chars().count() <= 2048, "{key}");
    }
}

#[test]
fn asff_findings_have_every_required_field_within_its_constraints() {
    let report = incomplete();
    let document = json(&asff::render(&report));
    let findings = document
        .as_array()
        .expect("a JSON array, as BatchImportFindings takes");
    assert_eq!(
        findings.len(),
        report.findings.len() + report.not_scanned.len()
    );
    for finding in findings {
        assert_valid_asff(finding);
    }
}

#[test]
fn asff_keeps_long_text_within_the_limits() {
    let mut long = finding(
        "SG-TAG-001",
        Severity::Medium,
        PROD,
        "us-east-1",
        "snapshot",
        "snap-0long",
    );
    long.message = "lacks tags: ".to_owned() + &"Owner, Retention, ".repeat(200);
    let mut waived = long.clone();
    waived.fingerprint = fingerprint("SG-TAG-001", &waived.resource_arn, "2");
    waived.waiver = waiver(true, &"accepted ".repeat(100));
    let document = json(&asff::render(&report_of(vec![long, waived], Vec::new())));
    for finding in document.as_array().unwrap() {
        assert_valid_asff(finding);
        assert!(finding["Title"].as_str().unwrap().ends_with('…'));
    }
}

#[test]
fn asff_ids_are_stable_and_come_from_the_fingerprint() {
    let report = complete();
    let first = json(&asff::render(&report));
    assert_eq!(first, json(&asff::render(&report)));
    let ids: BTreeSet<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), report.findings.len(), "ids are unique");
    for (finding, source) in first.as_array().unwrap().iter().zip(&report.findings) {
        assert!(finding["Id"]
            .as_str()
            .unwrap()
            .contains(&source.fingerprint));
        assert_eq!(finding["GeneratorId"], source.rule_id.as_str());
        assert_eq!(
            finding["ProductFields"]["snapguard/Fingerprint"],
            source.fingerprint.as_str()
        );
        assert_eq!(
            finding["ProductFields"]["snapguard/RuleId"],
            source.rule_id.as_str()
        );
        assert_eq!(finding["CreatedAt"], COLLECTED_AT);
        assert_eq!(finding["Compliance"]["Status"], "FAILED");
    }
}

#[test]
fn asff_maps_resources_severities_and_regions() {
    let document = json(&asff::render(&complete()));
    let by_rule = |id: &str| {
        document
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["GeneratorId"] == id)
            .unwrap()
            .clone()
    };
    let public = by_rule("SG-SHARE-003");
    assert_eq!(public["Severity"]["Label"], "CRITICAL");
    assert_eq!(public["Resources"][0]["Type"], "AwsEc2Snapshot");
    assert_eq!(
        public["Resources"][0]["Id"],
        "arn:aws:ec2:us-east-1::snapshot/snap-0aw"
    );
    assert_eq!(
        public["ProductArn"],
        format!("arn:aws:securityhub:us-east-1:{PROD}:product/{PROD}/default")
    );
    assert_eq!(public["AwsAccountName"], "larkspur-prod");
    assert_eq!(
        public["Types"][0],
        "Software and Configuration Checks/AWS Security Best Practices/Sharing"
    );
    assert_eq!(
        by_rule("SG-SHARE-002")["Resources"][0]["Type"],
        "AwsEc2Image"
    );
    assert_eq!(by_rule("SG-PROT-006")["Severity"]["Label"], "INFORMATIONAL");
    assert_eq!(by_rule("SG-RBIN-004")["Resources"][0]["Type"], "Other");
    let global = by_rule("SG-IAM-001");
    assert_eq!(global["Region"], asff::GLOBAL_REGION);
    assert_eq!(global["Resources"][0]["Region"], asff::GLOBAL_REGION);
}

/// Validates ASFF findings with botocore's own input model of Security Hub's
/// `BatchImportFindings` (botocore comes with moto into the test venv), in calls of 100:
/// what the AWS CLI and SDKs refuse before sending (types, required members, minimum
/// lengths), and the model's enums and maximum lengths, which botocore's validator leaves to
/// the service. One line or report per problem.
fn botocore_asff_errors(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("findings.asff.json");
    std::fs::write(&file, text).unwrap();
    let script = r#"
import json, sys, botocore.session
from botocore.validate import ParamValidator
model = botocore.session.get_session().get_service_model('securityhub')
shape = model.operation_model('BatchImportFindings').input_shape
findings = json.load(open(sys.argv[1]))
for i in range(0, len(findings), 100):
    report = ParamValidator().validate({'Findings': findings[i:i + 100]}, shape)
    if report.has_errors():
        print(report.generate_report())
def walk(shape, value, path):
    if shape.type_name == 'structure' and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                walk(shape.members[key], member, path + '.' + key)
    elif shape.type_name == 'list' and isinstance(value, list):
        for n, member in enumerate(value):
            walk(shape.member, member, path + '[%d]' % n)
    elif shape.type_name == 'map' and isinstance(value, dict):
        for key, member in value.items():
            walk(shape.value, member, path + '.' + key)
    elif shape.type_name == 'string' and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            print('%s: %r is not one of %s' % (path, value, shape.enum))
        limit = shape.metadata.get('max')
        if limit is not None and len(value) > limit:
            print('%s: %d characters, at most %d' % (path, len(value), limit))
walk(shape, {'Findings': findings}, 'input')
"#;

    python(script, &[file.as_os_str()], "botocore")
}

/// The report compared with a baseline that had two more findings: one in a place scanned
/// again (resolved), one where the snapshots could not be read tonight (unknown, not closed).
fn with_baseline() -> Report {
    let mut baseline = complete();
    baseline.collected_at = "2026-11-24T06:00:00Z".to_owned();
    baseline.findings.push(finding(
        "SG-TAG-001",
        Severity::Medium,
        PROD,
        "us-east-1",
        "snapshot",
        "snap-0fixed",
    ));
    baseline.findings.push(finding(
        "SG-TAG-001",
        Severity::Medium,
        DEV,
        "eu-west-1",
        "snapshot",
        "snap-0unread",
    ));
    let mut report = incomplete();
    report.compare_with(baseline, "last-night.json".to_owned());
    report
}

/// A report of an IAM role and an IAM user, as the scan's IAM rules report them.
fn principals() -> Report {
    report_of(
        vec![
            finding(
                "SG-IAM-001",
                Severity::High,
                DEV,
                "global",
                "iam-role",
                "Admin",
            ),
            finding(
                "SG-IAM-002",
                Severity::High,
                PROD,
                "global",
                "iam-user",
                "ops",
            ),
        ],
        Vec::new(),
    )
}

#[test]
fn asff_validates_against_botocores_batch_import_findings_model() {
    for report in [incomplete(), complete(), with_baseline(), principals()] {
        let text = asff::render(&report);
        assert_eq!(botocore_asff_errors(&text), "", "{text}");
    }
    // The check can fail: a label that is not a string, or not one the model has, is
    // reported.
    let good = asff::render(&complete());
    let bad = good.replacen("\"Label\": \"CRITICAL\"", "\"Label\": 4", 1);
    assert!(botocore_asff_errors(&bad).contains("Label"));
    let bad = good.replacen(
        "\"RecordState\": \"ACTIVE\"",
        "\"RecordState\": \"OPEN\"",
        1,
    );
    assert!(botocore_asff_errors(&bad).contains("'OPEN' is not one of"));
}

#[test]
fn asff_lets_security_hub_update_severity_close_resolved_findings_and_name_principals() {
    let document = json(&asff::render(&with_baseline()));
    let findings = document.as_array().unwrap();
    for finding in findings {
        assert_eq!(
            finding["FindingProviderFields"]["Severity"],
            finding["Severity"]
        );
        assert_eq!(finding["FindingProviderFields"]["Types"], finding["Types"]);
    }
    let closed: Vec<&Value> = findings
        .iter()
        .filter(|f| f["RecordState"] == "ARCHIVED")
        .collect();
    assert_eq!(closed.len(), 1, "{document:#}");
    // The not-scanned finding of a place read again is closed too; that of a place still
    // unread is not.
    let mut report = complete();
    let mut baseline = incomplete();
    baseline.not_scanned.push(Gap {
        account_id: "333333333333".into(),
        region: Some("us-east-1".into()),
        operation: "ec2:DescribeSnapshots".into(),
        error: "the account was not scanned tonight either".into(),
    });
    report.compare_with(baseline, "last-night.json".to_owned());
    let document = json(&asff::render(&report));
    let closed_gaps: Vec<&str> = document
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["RecordState"] == "ARCHIVED")
        .map(|f| f["Id"].as_str().unwrap())
        .collect();
    assert_eq!(
        closed_gaps,
        [
            format!("snapguard/not-scanned/{PROD}/global/iam:GetAccountAuthorizationDetails"),
            format!("snapguard/not-scanned/{DEV}/eu-west-1/ec2:DescribeSnapshots"),
        ],
        "{document:#}"
    );
    assert_eq!(closed[0]["Compliance"]["Status"], "PASSED");
    assert_eq!(
        closed[0]["Resources"][0]["Id"],
        "arn:aws:ec2:us-east-1::snapshot/snap-0fixed"
    );
    assert_eq!(closed[0]["UpdatedAt"], COLLECTED_AT);
    assert_eq!(closed[0]["LastObservedAt"], "2026-11-24T06:00:00Z");
    // A finding seen last night too keeps the night it was first seen: its age in Security
    // Hub grows night by night instead of starting over.
    let public = findings
        .iter()
        .find(|f| f["GeneratorId"] == "SG-SHARE-003")
        .unwrap();
    assert_eq!(public["CreatedAt"], "2026-11-24T06:00:00Z");
    assert_eq!(public["FirstObservedAt"], "2026-11-24T06:00:00Z");
    assert_eq!(public["LastObservedAt"], COLLECTED_AT);
    // IAM principals, as the scan's IAM rules report them.
    let document = json(&asff::render(&principals()));
    let findings = document.as_array().unwrap();
    let by_rule = |id: &str| findings.iter().find(|f| f["GeneratorId"] == id).unwrap();
    let role = &by_rule("SG-IAM-001")["Resources"][0];
    assert_eq!(role["Type"], "AwsIamRole");
    assert_eq!(role["Details"]["AwsIamRole"]["RoleName"], "Admin");
    let user = &by_rule("SG-IAM-002")["Resources"][0];
    assert_eq!(user["Type"], "AwsIamUser");
    assert_eq!(user["Details"]["AwsIamUser"]["UserName"], "ops");
}

#[test]
fn asff_suppresses_waived_findings_with_the_reason_in_a_note() {
    let document = json(&asff::render(&complete()));
    for finding in document.as_array().unwrap() {
        let status = finding["Workflow"]["Status"].as_str().unwrap();
        if finding["GeneratorId"] == "SG-SHARE-002" {
            assert_eq!(status, "SUPPRESSED");
            let note = finding["Note"]["Text"].as_str().unwrap();
            assert!(
                note.contains(WAIVER_REASON) && note.contains("2027-06-30"),
                "{note}"
            );
        } else {
            assert_eq!(status, "NEW", "{}", finding["GeneratorId"]);
            assert!(
                finding.get("Note").is_none(),
                "an expired waiver no longer suppresses"
            );
        }
    }
}

#[test]
fn asff_reports_each_place_not_scanned_as_a_finding() {
    let document = json(&asff::render(&incomplete()));
    let gaps: Vec<&Value> = document
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["GeneratorId"] == asff::NOT_SCANNED_GENERATOR)
        .collect();
    assert_eq!(gaps.len(), 2);
    for (finding, gap) in gaps.iter().zip(sorted(self::gaps())) {
        assert_eq!(finding["AwsAccountId"], gap.account_id.as_str());
        assert_eq!(finding["Compliance"]["Status"], "NOT_AVAILABLE");
        assert_eq!(finding["Resources"][0]["Type"], "AwsAccount");
        assert_eq!(
            finding["Resources"][0]["Id"],
            format!("AWS::::Account:{}", gap.account_id)
        );
        assert_eq!(
            finding["Region"],
            gap.region.as_deref().unwrap_or(asff::GLOBAL_REGION)
        );
        let description = finding["Description"].as_str().unwrap();
        assert!(description.contains(&gap.operation) && description.contains(&gap.error));
    }
}

// ---------------------------------------------------------------- JUnit

#[test]
fn junit_has_a_case_per_rule_and_account() {
    let report = incomplete();
    let xml = junit::render(&report);
    let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    // Every registry rule, the account-wide rule when the registry lacks it, and the
    // not-scanned suite.
    let outside_registry = usize::from(registry::rule("SG-IAM-001").is_none());
    assert_eq!(suites.len(), RULES.len() + outside_registry + 1);

    let count = |node: roxmltree::Node, tag: &str| {
        node.descendants()
            .filter(|n| n.has_tag_name(tag))
            .count()
            .to_string()
    };
    for node in suites.iter().copied().chain([root]) {
        assert_eq!(
            node.attribute("tests"),
            Some(count(node, "testcase").as_str())
        );
        assert_eq!(
            node.attribute("failures"),
            Some(count(node, "failure").as_str())
        );
        assert_eq!(
            node.attribute("errors"),
            Some(count(node, "error").as_str())
        );
    }
    for suite in &suites {
        assert_eq!(
            suite.attribute("skipped"),
            Some(count(*suite, "skipped").as_str())
        );
    }
    assert_eq!(root.attribute("skipped"), None, "the xUnit schema has none");
    for suite in &suites[..suites.len() - 1] {
        assert_eq!(
            suite
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .count(),
            2
        );
    }
    // Failing: the critical public snapshot in prod, the info finding and the expired waiver in dev.
    assert_eq!(root.attribute("failures"), Some("5"));

    let case = |rule: &str, account: &str| {
        root.descendants()
            .find(|n| {
                n.has_tag_name("testcase")
                    && n.attribute("classname") == Some(rule)
                    && n.attribute("name").unwrap().contains(account)
            })
            .unwrap_or_else(|| panic!("no case for {rule} in {account}"))
    };
    let failure = case("SG-SHARE-003", PROD)
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("the public snapshot fails its case");
    assert_eq!(failure.attribute("type"), Some("critical"));
    let text = failure.text().unwrap();
    assert!(
        text.contains(AWKWARD),
        "escaped text reads back unchanged: {text}"
    );
    assert!(text.contains("arn:aws:ec2:us-east-1::snapshot/snap-0aw"));
    // GitLab shows the case's name and the failure's text, not classname nor message.
    let name = case("SG-SHARE-003", PROD).attribute("name").unwrap();
    assert!(
        name.starts_with(&format!(
            "SG-SHARE-003 public-snapshot: account {PROD} (larkspur-prod)"
        )),
        "{name}"
    );
    assert!(text.starts_with(failure.attribute("message").unwrap()));
    // In dev, a region's snapshots were not read: the rule may not have been evaluated there.
    let skipped = case("SG-SHARE-003", DEV)
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .expect("skipped where its input was not read");
    let reason = skipped.attribute("message").unwrap();
    assert!(
        reason.contains("eu-west-1 ec2:DescribeSnapshots was not read (AccessDenied"),
        "{reason}"
    );
    // Prod lacks only its IAM details: region rules without findings pass, IAM rules skip.
    assert!(
        case("SG-TAG-002", PROD).first_element_child().is_none(),
        "passes"
    );
    assert!(case("SG-IAM-002", PROD)
        .children()
        .any(|n| n.has_tag_name("skipped")));
    assert!(case("SG-IAM-002", DEV).first_element_child().is_none());

    let complete = junit::render(&complete());
    let document = roxmltree::Document::parse(&complete).unwrap();
    assert!(!document.descendants().any(|n| n.has_tag_name("skipped")));
}

/// Validates JUnit XML against the Jenkins xUnit plugin's schema, with the `xmlschema` Python
/// package (`test.sh` installs it into the test venv, which must be on PATH).
fn xunit_schema_errors(xml: &str) -> String {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/schemas/junit-10.xsd"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let script = "import sys, xmlschema\n\
                  schema = xmlschema.XMLSchema(sys.argv[1])\n\
                  errors = list(schema.iter_errors(sys.argv[2]))\n\
                  print('\\n'.join(str(e) for e in errors))\n";
    python(script, &[schema.as_ref(), file.as_os_str()], "xmlschema")
}

/// Runs a Python `script` with `args` in the test venv (`test.sh` puts it first on PATH and
/// installs `package` there); what it prints, trimmed.
fn python(script: &str, args: &[&std::ffi::OsStr], package: &str) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .args(args)
        .output()
        .expect("python3 (the test venv of test.sh, on PATH) runs");
    assert!(
        out.status.success(),
        "{package} did not run (test.sh installs it into the test venv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn junit_validates_against_the_jenkins_xunit_schema() {
    for report in [incomplete(), complete()] {
        let xml = junit::render(&report);
        assert_eq!(xunit_schema_errors(&xml), "", "{xml}");
    }
    // The check can fail: the attribute the schema forbids on <testsuites> is reported.
    let bad = junit::render(&complete()).replacen(
        "<testsuites name=",
        "<testsuites skipped=\"0\" name=",
        1,
    );
    assert!(xunit_schema_errors(&bad).contains("skipped"));
}

#[test]
fn junit_passes_waived_findings_with_the_reason() {
    let xml = junit::render(&complete());
    let document = roxmltree::Document::parse(&xml).unwrap();
    let waived = document
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("classname") == Some("SG-SHARE-002")
                && n.attribute("name").unwrap().contains(DEV)
        })
        .unwrap();
    assert!(waived.children().all(|n| !n.has_tag_name("failure")));
    let out = waived
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert!(out.text().unwrap().contains(WAIVER_REASON));
}

#[test]
fn junit_errors_each_place_not_scanned() {
    let xml = junit::render(&incomplete());
    let document = roxmltree::Document::parse(&xml).unwrap();
    let suite = document
        .descendants()
        .find(|n| n.attribute("name") == Some(junit::NOT_SCANNED_SUITE))
        .expect("a not-scanned suite");
    let errors: Vec<_> = suite
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(errors
        .iter()
        .any(|e| e.text().unwrap().contains("AccessDenied")));

    let xml = junit::render(&complete());
    assert!(!xml.contains(junit::NOT_SCANNED_SUITE));
}

// ---------------------------------------------------------------- OCSF

/// Parses each object of an OCSF report as a `DetectionFinding` of `py-ocsf-models` (the
/// models Prowler emits with; `test.sh` installs it into the test venv, which must be on
/// PATH), and dumps it back with the fields that were set: a field the model does not know is
/// dropped by that round trip, so the dump differing from the input is an error too. Returns
/// one line per problem.
fn ocsf_model_errors(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.ocsf.json");
    std::fs::write(&file, text).unwrap();
    let script = r#"
import json, sys
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
for i, obj in enumerate(json.load(open(sys.argv[1]))):
    try:
        model = DetectionFinding.model_validate(obj)
    except Exception as e:
        print(f"object {i}: {e}")
        continue
    back = json.loads(model.model_dump_json(exclude_unset=True))
    if back != obj:
        print(f"object {i}: fields the model does not know or changed: {json.dumps(obj)} read back as {json.dumps(back)}")
"#;
    python(script, &[file.as_os_str()], "py-ocsf-models")
}

#[test]
fn ocsf_parses_as_detection_findings() {
    let report = incomplete();
    let text = ocsf::render(&report);
    assert_eq!(ocsf_model_errors(&text), "");
    let objects = json(&text);
    let objects = objects.as_array().unwrap();
    assert_eq!(
        objects.len(),
        report.findings.len() + report.not_scanned.len()
    );
    for object in objects {
        assert_eq!(object["class_uid"], 2004);
        assert_eq!(object["category_uid"], 2);
        assert_eq!(object["type_uid"], 200401);
        assert_eq!(object["cloud"]["provider"], "AWS");
        assert_eq!(object["metadata"]["product"]["name"], "snapguard");
        assert_eq!(
            object["time"], 1_795_586_400_000_i64,
            "{COLLECTED_AT} in ms"
        );
    }
    let by_uid = |uid: &str| {
        objects
            .iter()
            .find(|o| o["finding_info"]["uid"] == uid)
            .unwrap_or_else(|| panic!("no OCSF finding {uid}"))
    };
    let public = &report.findings[0];
    let object = by_uid(&public.fingerprint);
    assert_eq!(object["severity_id"], 5);
    assert_eq!(object["severity"], "Critical");
    assert_eq!(object["status_id"], 1);
    assert_eq!(object["finding_info"]["desc"], AWKWARD);
    assert_eq!(object["resources"][0]["uid"], public.resource_arn);
    assert_eq!(object["resources"][0]["type"], "AwsEc2Snapshot");
    assert_eq!(object["resources"][0]["region"], "us-east-1");
    assert_eq!(object["cloud"]["account"]["uid"], PROD);
    assert_eq!(object["cloud"]["account"]["name"], "larkspur-prod");
    assert_eq!(object["cloud"]["region"], "us-east-1");
    assert_eq!(object["unmapped"]["rule_id"], "SG-SHARE-003");
    assert!(object["remediation"]["desc"].as_str().unwrap().len() > 20);

    let waived = report.findings.iter().find(|f| f.is_waived()).unwrap();
    let object = by_uid(&waived.fingerprint);
    assert_eq!(object["status_id"], 3);
    assert!(object["status_detail"]
        .as_str()
        .unwrap()
        .contains(WAIVER_REASON));

    let iam = report
        .findings
        .iter()
        .find(|f| f.region == "global")
        .unwrap();
    let object = by_uid(&iam.fingerprint);
    assert!(
        object["cloud"].get("region").is_none(),
        "no region for global"
    );

    let gaps: Vec<&Value> = objects
        .iter()
        .filter(|o| o["finding_info"]["types"][0] == ocsf::NOT_SCANNED_TYPE)
        .collect();
    assert_eq!(gaps.len(), 2);
    assert!(gaps.iter().any(|g| g["status_detail"]
        .as_str()
        .unwrap()
        .contains("AccessDenied")));

    // The check can fail: a misspelt field or a wrong class does not read back.
    let bad = text.replacen("\"finding_info\"", "\"finding_infos\"", 1);
    assert!(!ocsf_model_errors(&bad).is_empty());
    let bad = text.replacen("\"severity_id\": 5", "\"severity_id\": 9", 1);
    assert!(ocsf_model_errors(&bad).contains("severity_id"));
}

// ---------------------------------------------------------------- Markdown

#[test]
fn markdown_puts_what_was_not_scanned_first() {
    let text = markdown::render(&incomplete());
    let not_scanned = text.find("### Not scanned").expect("a Not scanned section");
    let summary = text.find("finding").unwrap();
    assert!(not_scanned < text.find("### Findings by account").unwrap());
    assert!(text.find("Incomplete scan").unwrap() < summary);
    assert!(text.contains("ec2:DescribeSnapshots"));
    assert!(!markdown::render(&complete()).contains("Not scanned"));
}

#[test]
fn markdown_summarises_by_severity_and_rule_and_lists_waivers() {
    let text = markdown::render(&complete());
    assert!(
        text.contains("**5 findings**: 1 critical, 1 high, 1 medium, 1 low, 1 info (1 waived)."),
        "{text}"
    );
    assert!(
        text.contains("| SG-SHARE-003 | public-snapshot | critical | 1 |"),
        "{text}"
    );
    assert!(text.contains("<details><summary>Waived: 1 finding</summary>"));
    assert!(
        text.contains("vendor case &lt;88213&gt; \\| \"unshare\" when it closes"),
        "{text}"
    );
}

#[test]
fn markdown_escapes_table_cells() {
    let text = markdown::render(&complete());
    let row = text.lines().find(|l| l.contains("snap-0aw")).unwrap();
    assert_eq!(row.matches(" | ").count() + 2, 6, "five cells: {row}");
    assert!(
        row.contains("\\`all\\`") && row.contains("&lt;b&gt;") && !row.contains("<b>"),
        "{row}"
    );
}

#[test]
fn markdown_stays_under_the_comment_limit() {
    let many: Vec<Finding> = (0..3000)
        .map(|i| {
            let account = if i % 2 == 0 { PROD } else { DEV };
            let mut f = finding(
                "SG-TAG-001",
                Severity::Medium,
                account,
                "us-east-1",
                "snapshot",
                &format!("snap-{i:05}"),
            );
            f.message =
                format!("snapshot snap-{i:05} lacks required tags: Owner, Retention, CostCenter");
            f
        })
        .collect();
    let text = markdown::render(&report_of(many, gaps()));
    assert!(
        text.chars().count() <= markdown::MAX_CHARS,
        "{} chars",
        text.chars().count()
    );
    let shown = text
        .lines()
        .filter(|l| l.contains("lacks required tags"))
        .count();
    let line = format!("**{} more findings not shown**", 3000 - shown);
    assert!(text.contains(&line), "expected {line:?}");
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
}

// ---------------------------------------------------------------- registry

/// Each name `--format` accepts selects its own renderer: the table below is written out here,
/// not derived from `Format::NAMES` or `Format::ALL`, so a name paired with the wrong variant,
/// a variant rendered by another module, or a format missing from either list fails.
#[test]
fn every_format_name_parses_and_renders() {
    type Render = fn(&Report) -> String;
    let expected: [(&str, Render); 9] = [
        ("table", reports::table::render),
        ("json", reports::json::render),
        ("csv", reports::csv::render),
        ("sarif", sarif::render),
        ("asff", asff::render),
        ("ocsf", reports::ocsf::render),
        ("junit", junit::render),
        ("markdown", markdown::render),
        ("html", reports::html::render),
    ];
    let report = incomplete();
    let mut renderings = BTreeSet::new();
    for (name, render) in expected {
        let format: Format = name
            .parse()
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
        assert_eq!(format.name(), name);
        let text = format.render(&report);
        assert!(!text.is_empty(), "{name} renders nothing");
        assert!(
            text == render(&report),
            "{name} is not rendered by its module"
        );
        renderings.insert(text);
    }
    assert_eq!(renderings.len(), expected.len(), "two formats render alike");
    let names: BTreeSet<&str> = expected.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, BTreeSet::from(Format::NAMES));
    let all: BTreeSet<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(all, names, "Format::ALL lists every format once");
    assert!("xml"
        .parse::<Format>()
        .unwrap_err()
        .to_string()
        .contains("sarif"));
}

/// `(passed, failed places, not evaluated)` of one control, by its tag.
fn control_counts(report: &Report, tag: &str) -> (usize, Vec<String>, usize, &'static str) {
    let outcome = reports::compliance::outcomes(report)
        .into_iter()
        .find(|o| o.control.tag() == tag)
        .unwrap_or_else(|| panic!("no control {tag}"));
    (
        outcome.passed,
        outcome.failed.clone(),
        outcome.not_evaluated,
        outcome.status().as_str(),
    )
}

#[test]
fn a_control_passes_only_where_its_rules_were_evaluated_and_found_nothing() {
    let report = incomplete();
    let dev = |region: &str| format!("{DEV} {region}");
    let prod = |region: &str| format!("{PROD} {region}");
    // The public snapshot fails PROD us-east-1; DEV eu-west-1 lost its snapshots.
    assert_eq!(
        control_counts(&report, "fsbp/EC2.1"),
        (2, vec![prod("us-east-1")], 1, "failed")
    );
    // Nothing found, but not everywhere evaluated: not a pass.
    assert_eq!(
        control_counts(&report, "fsbp/EC2.7"),
        (3, vec![], 1, "not evaluated")
    );
    // An account-wide finding fails each region of its account; PROD's IAM was not read.
    assert_eq!(
        control_counts(&report, "nist-800-53-r5/AC-6"),
        (0, vec![dev("eu-west-1"), dev("us-east-1")], 2, "failed")
    );
    // A waived finding does not fail its control; an expired waiver does not waive.
    assert_eq!(
        control_counts(&report, "nist-800-53-r5/AC-4"),
        (3, vec![], 1, "not evaluated")
    );
    assert_eq!(
        control_counts(&report, "nist-800-53-r5/SI-12"),
        (2, vec![dev("us-east-1")], 1, "failed")
    );

    let clean = report_of(Vec::new(), Vec::new());
    for outcome in reports::compliance::outcomes(&clean) {
        assert_eq!(
            (outcome.passed, outcome.status().as_str()),
            (4, "passed"),
            "{}",
            outcome.control.tag()
        );
    }
    // A rule turned off leaves its controls unevaluated everywhere, and its former findings
    // unknown rather than resolved.
    let mut without = clean.clone();
    without.rules_in_force.retain(|id| id != "SG-PROT-010");
    assert_eq!(
        control_counts(&without, "cis-3.0/2.2.1"),
        (0, vec![], 4, "not evaluated")
    );
    let mut tonight = clean.clone();
    tonight.rules_in_force.retain(|id| id != "SG-TAG-001");
    tonight.compare_with(complete(), "last-night.json".to_owned());
    let baseline = tonight.baseline.unwrap();
    let rule_of = |f: &Finding| f.rule_id.clone();
    assert!(baseline
        .not_rescanned
        .iter()
        .map(rule_of)
        .any(|r| r == "SG-TAG-001"));
    assert!(!baseline
        .resolved
        .iter()
        .map(rule_of)
        .any(|r| r == "SG-TAG-001"));
    assert!(baseline
        .resolved
        .iter()
        .map(rule_of)
        .any(|r| r == "SG-SHARE-003"));
    // A copy region not scanned hides the copy rules in the whole account, and so does any
    // region's gap: they read the other regions.
    let gap = |account: &str, region: Option<&str>, operation: &str| Gap {
        account_id: account.to_owned(),
        region: region.map(str::to_owned),
        operation: operation.to_owned(),
        error: "not read".to_owned(),
    };
    for not_read in [
        gap(PROD, Some("us-west-2"), "SG-PROT-002"),
        gap(PROD, Some("eu-west-1"), "ec2:DescribeSnapshots"),
    ] {
        let mut copies = clean.clone();
        copies.not_scanned.push(not_read);
        assert_eq!(
            control_counts(&copies, "nist-800-53-r5/CP-6"),
            (2, vec![], 2, "not evaluated")
        );
        // The same judgement keeps last night's copy finding from counting as resolved.
        let last_night = report_of(
            vec![finding(
                "SG-PROT-002",
                Severity::Medium,
                PROD,
                "us-east-1",
                "volume",
                "vol-1",
            )],
            Vec::new(),
        );
        copies.compare_with(last_night, "last-night.json".to_owned());
        let comparison = copies.baseline.unwrap();
        assert_eq!(
            (comparison.resolved.len(), comparison.not_rescanned.len()),
            (0, 1)
        );
    }
    // The organization not read: no account's IAM rules were checked against its SCPs.
    let mut organization = clean.clone();
    organization
        .not_scanned
        .push(gap(PROD, None, "organizations:ListPolicies"));
    assert_eq!(
        control_counts(&organization, "nist-800-53-r5/AC-6"),
        (0, vec![], 4, "not evaluated")
    );
    // A gap about a rule in an account outside the scan (the archive account) is not an
    // account that was not read.
    let mut archive = clean.clone();
    archive
        .not_scanned
        .push(gap("999999999999", None, "SG-PROT-003"));
    assert_eq!(
        control_counts(&archive, "fsbp/EC2.1"),
        (4, vec![], 0, "passed")
    );
    // An account named only by a gap (not read at all) is a place where nothing passed.
    let mut unread = clean.clone();
    unread.not_scanned.push(Gap {
        account_id: "333333333333".to_owned(),
        region: None,
        operation: "*".to_owned(),
        error: "AccessDenied: cannot assume the role".to_owned(),
    });
    assert_eq!(
        control_counts(&unread, "fsbp/EC2.1"),
        (4, vec![], 1, "not evaluated")
    );
}

#[test]
fn every_format_names_the_controls_a_finding_checks() {
    let report = complete();
    let csv = reports::csv::render(&report);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let controls_column = rows.headers().unwrap().iter().position(|h| h == "controls");
    let controls_column = controls_column.expect("a controls column");
    let public = rows
        .records()
        .map(Result::unwrap)
        .find(|r| &r[1] == "SG-SHARE-003")
        .unwrap();
    assert_eq!(&public[controls_column], "fsbp/EC2.1 nist-800-53-r5/AC-3");

    let asff: Value = serde_json::from_str(&asff::render(&report)).unwrap();
    let public = asff
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["GeneratorId"] == "SG-SHARE-003")
        .unwrap();
    assert_eq!(
        public["Compliance"]["RelatedRequirements"],
        json!([
            "AWS Foundational Security Best Practices v1.0.0/EC2.1",
            "NIST.800-53.r5 AC-3"
        ])
    );

    let public = ocsf::findings(&report)
        .into_iter()
        .find(|f| f["unmapped"]["rule_id"] == "SG-SHARE-003")
        .unwrap();
    assert_eq!(
        public["unmapped"]["compliance"],
        json!({
            "AWS Foundational Security Best Practices v1.0.0": ["EC2.1"],
            "NIST.800-53.r5": ["AC-3"]
        })
    );

    let sarif: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let public = rules.iter().find(|r| r["id"] == "SG-SHARE-003").unwrap();
    let tags = public["properties"]["tags"].as_array().unwrap();
    assert!(tags.contains(&json!("fsbp/EC2.1")), "{tags:?}");
    assert!(tags.contains(&json!("nist-800-53-r5/AC-3")), "{tags:?}");

    for text in [
        table::render(&report),
        markdown::render(&report),
        html::render(&report),
    ] {
        assert!(text.contains("nist-800-53-r5/CP-10"), "{text}");
        let headline = format!(
            "Compliance: {} controls: ",
            rules::compliance::CONTROLS.len()
        );
        assert!(text.contains(&headline), "{text}");
    }
}

#[test]
fn markdown_lists_the_worst_accounts_first() {
    let report = report_of(
        vec![
            finding(
                "SG-TAG-001",
                Severity::Low,
                PROD,
                "us-east-1",
                "snapshot",
                "snap-1",
            ),
            finding(
                "SG-TAG-001",
                Severity::Low,
                PROD,
                "us-east-1",
                "snapshot",
                "snap-2",
            ),
            finding(
                "SG-SHARE-003",
                Severity::Critical,
                DEV,
                "us-east-1",
                "snapshot",
                "snap-3",
            ),
        ],
        Vec::new(),
    );
    let text = markdown::render(&report);
    let dev = text
        .find(&format!("{DEV} (larkspur-dev): 1 finding"))
        .expect("DEV listed");
    let prod = text
        .find(&format!("{PROD} (larkspur-prod): 2 findings"))
        .expect("PROD listed");
    assert!(dev < prod, "{text}");
}

#[test]
fn sarif_fits_githubs_size_limit_whatever_the_evidence_and_the_gaps() {
    // 4,000 findings (fewer than the result cap) with 3 KB of evidence each: one result per
    // finding would be over 15 MB, so they are grouped until the run fits.
    let mut findings = many_findings(&["SG-IAM-005"], 100, &["global"], 40);
    let statement = "x".repeat(3_000);
    for f in &mut findings {
        f.evidence = json!({ "statements": [statement] });
    }
    let report = report_of(findings, Vec::new());
    let text = sarif::render(&report);
    assert!(text.len() < 10_000_000, "{} bytes", text.len());
    let document = json(&text);
    assert_eq!(document["runs"].as_array().unwrap().len(), 1);
    let run = &document["runs"][0];
    assert_ne!(run["properties"]["resultsGroupedBy"], "finding");
    assert_eq!(run["properties"]["findings"], 4_000);
    let results: usize = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap().len())
        .sum();
    assert!(results <= sarif::MAX_RESULTS_BYTES, "{results}");

    // Evidence beyond the cap is left to the JSON report, and the result says so.
    let mut big = complete();
    big.findings[0].evidence = json!({ "statements": ["y".repeat(10_000)] });
    let document = json(&sarif::render(&big));
    let first = &document["runs"][0]["results"][0]["properties"];
    assert!(first.get("evidence").is_none(), "{first}");
    assert!(first["evidenceOmitted"]
        .as_str()
        .unwrap()
        .contains("the JSON report has it"));

    // 1,500 places not scanned: one notification per operation and reason.
    let gaps: Vec<Gap> = (0..1_500)
        .map(|a| Gap {
            account_id: format!("{:012}", 100_000_000_000u64 + a),
            region: Some("us-east-1".to_owned()),
            operation: "ec2:DescribeSnapshots".to_owned(),
            error: format!(
                "AccessDenied: arn:aws:sts::{:012}:assumed-role/scan",
                100_000_000_000u64 + a
            ),
        })
        .collect();
    let document = json(&sarif::render(&report_of(Vec::new(), gaps)));
    let notifications = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1, "one operation, one reason");
    assert_eq!(notifications[0]["properties"]["places"], 1_500);
    assert!(notifications[0]["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Not scanned in 1500 places, ec2:DescribeSnapshots: AccessDenied"));
    let errors = schema_errors(&document);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn junit_skips_a_rule_that_was_not_in_force() {
    let mut report = complete();
    report.rules_in_force.retain(|id| id != "SG-TAG-001");
    let xml = junit::render(&report);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.attribute("classname") == Some("SG-TAG-001"))
        .collect();
    assert_eq!(cases.len(), 2, "one per account");
    // PROD's SG-TAG-001 finding still fails its case; DEV's is skipped, not passed.
    let failed = cases
        .iter()
        .filter(|c| c.children().any(|c| c.has_tag_name("failure")))
        .count();
    let skipped: Vec<&str> = cases
        .iter()
        .filter_map(|c| c.children().find(|c| c.has_tag_name("skipped")))
        .filter_map(|s| s.attribute("message"))
        .collect();
    assert_eq!(failed, 1, "{xml}");
    assert_eq!(skipped.len(), 1, "{xml}");
    assert!(
        skipped[0].contains("was not evaluated: turned off"),
        "{}",
        skipped[0]
    );
}
