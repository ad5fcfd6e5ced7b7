//! `--format ocsf`: OCSF 1.5 Detection Findings (class 2004), what Prowler writes by default
//! and what Amazon Security Lake and most SIEMs ingest (<https://schema.ocsf.io/1.5.0/classes/detection_finding>).
//!
//! The file is one JSON array of findings, as Prowler's `.ocsf.json` output is, so the tools
//! that read Prowler's files read snapguard's. Each object is a Detection Finding with the cloud
//! profile:
//!
//! - `finding_info`: `uid` the finding fingerprint (stable across runs), `title` the rule's
//!   summary, `desc` the finding's message, `types` the rule's family;
//! - `resources`: the resource's ARN as `uid`, its id as `name`, its type (Security Hub's names,
//!   as Prowler uses), region and partition;
//! - `cloud`: provider `AWS`, the account (`uid`, `name`, `type_id` 10, AWS Account) and region
//!   (left out for account-wide findings, whose region is `global`);
//! - `severity_id` / `severity`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical;
//! - `status_id` / `status`: 1 New, or 3 Suppressed for a finding under an active waiver (the
//!   reason in `status_detail`); `status_code` `FAIL`;
//! - `activity_id` 1 (Create), `type_uid` 200401;
//! - `remediation.desc`: the rule's documented remediation;
//! - `time`: when the inventory was collected, in milliseconds since the Unix epoch;
//! - `unmapped`: what OCSF has no place for: the rule id and name, the evidence, the planned
//!   remediation, the waiver, the baseline status, and `compliance`, the controls the rule
//!   checks as framework to ids (`{"NIST.800-53.r5": ["CP-9"]}`), where Prowler puts them: a
//!   Detection Finding has no `compliance` attribute.
//!
//! A place that could not be scanned is a finding too (`finding_info.types`
//! `["Not Scanned"]`, severity Medium, `status_code` `ERROR`), as in the ASFF report: a SIEM
//! filter on snapguard's findings must not read a gap as "all clear".

use serde_json::{json, Map, Value};

use rules::inventory::Gap;
use rules::registry;
use rules::time::Timestamp;
use rules::{Finding, Severity};

use crate::asff::{account_name, partition, resource_type};
use crate::Report;

/// The OCSF schema version the findings follow (`metadata.version`).
pub const OCSF_VERSION: &str = "1.5.0";
/// `class_uid` of Detection Finding.
pub const DETECTION_FINDING: u32 = 2004;
/// `category_uid` of Findings.
pub const FINDINGS_CATEGORY: u32 = 2;
/// `activity_id` Create: each report states the findings as of its collection.
const ACTIVITY_CREATE: u32 = 1;
/// `type_uid` = `class_uid` * 100 + `activity_id`.
pub const TYPE_UID: u32 = DETECTION_FINDING * 100 + ACTIVITY_CREATE;
/// `finding_info.types` of the findings that report a place not scanned.
pub const NOT_SCANNED_TYPE: &str = "Not Scanned";
/// `cloud.account.type_id` for an AWS account.
const AWS_ACCOUNT: u32 = 10;

/// The report as a pretty-printed JSON array of OCSF Detection Findings, ending in a newline.
pub fn render(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(&Value::Array(findings(report))).expect("OCSF serializes");
    text.push('\n');
    text
}

/// One Detection Finding per finding (waived ones included), then one per place not scanned.
pub fn findings(report: &Report) -> Vec<Value> {
    let time = Timestamp::parse(&report.collected_at).map_or(0, |t| t.0 * 1000);
    report
        .findings
        .iter()
        .map(|f| from_finding(report, f, time))
        .chain(report.not_scanned.iter().map(|g| from_gap(report, g, time)))
        .collect()
}

/// OCSF `severity_id` and `severity` of a snapguard severity.
pub fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn from_finding(report: &Report, finding: &Finding, time: i64) -> Value {
    let rule = registry::rule(&finding.rule_id);
    let (severity_id, severity_name) = severity(finding.severity);
    let waived = finding.is_waived();
    let mut unmapped = Map::new();
    unmapped.insert("rule_id".into(), json!(finding.rule_id));
    unmapped.insert("rule_name".into(), json!(finding.rule_name));
    // Detection Finding has no `compliance` attribute (Compliance Finding does); Prowler puts
    // its frameworks here too, as framework -> control ids.
    let mut compliance = Map::new();
    for control in rules::compliance::controls_of(&finding.rule_id) {
        let ids = compliance
            .entry(control.framework.title().to_owned())
            .or_insert_with(|| json!([]));
        if let Value::Array(ids) = ids {
            ids.push(json!(control.id));
        }
    }
    if !compliance.is_empty() {
        unmapped.insert("compliance".into(), Value::Object(compliance));
    }
    if !finding.evidence.is_null() {
        unmapped.insert("evidence".into(), finding.evidence.clone());
    }
    if let Some(remediation) = &finding.remediation {
        unmapped.insert("planned_remediation".into(), json!(remediation));
    }
    if let Some(waiver) = &finding.waiver {
        unmapped.insert("waiver".into(), json!(waiver));
    }
    if let Some(baseline) = finding.baseline {
        unmapped.insert("baseline".into(), json!(baseline));
    }
    let mut resource = json!({
        "uid": finding.resource_arn,
        "name": finding.resource_id,
        "type": resource_type(&finding.resource_type),
        "cloud_partition": partition(&finding.resource_arn),
    });
    if finding.region != "global" {
        resource["region"] = json!(finding.region);
    }
    let mut event = base(
        report,
        &finding.account_id,
        Some(&finding.region).filter(|r| *r != "global"),
        time,
        (severity_id, severity_name),
    );
    let fields = [
        ("message", json!(finding.message)),
        (
            "finding_info",
            json!({
                "uid": finding.fingerprint,
                "title": rule.map_or(finding.rule_name.as_str(), |r| r.summary),
                "desc": finding.message,
                "types": [rule.map_or("snapguard", |r| r.family.title())],
            }),
        ),
        ("resources", json!([resource])),
        ("status_code", json!("FAIL")),
        ("status_id", json!(if waived { 3 } else { 1 })),
        ("status", json!(if waived { "Suppressed" } else { "New" })),
        (
            "remediation",
            json!({
                "desc": rule
                    .and_then(|r| r.doc_section("Remediation"))
                    .unwrap_or_else(|| format!("Run `snapguard explain {}`.", finding.rule_id)),
            }),
        ),
        ("unmapped", Value::Object(unmapped)),
    ];
    extend(&mut event, fields);
    event["metadata"]["event_code"] = json!(finding.rule_id);
    if let Some(waiver) = finding.waiver.as_ref().filter(|_| waived) {
        event["status_detail"] = json!(format!(
            "Waived until {}: {}",
            waiver.expires, waiver.reason
        ));
    }
    event
}

fn from_gap(report: &Report, gap: &Gap, time: i64) -> Value {
    let place = match &gap.region {
        Some(r) => format!("account {} in {r}", gap.account_id),
        None => format!("account {} (account-wide)", gap.account_id),
    };
    let message = format!("Not scanned: {} of {place}: {}", gap.operation, gap.error);
    let mut event = base(
        report,
        &gap.account_id,
        gap.region.as_ref(),
        time,
        severity(Severity::Medium),
    );
    let uid = format!(
        "snapguard/not-scanned/{}/{}/{}",
        gap.account_id,
        gap.region.as_deref().unwrap_or("global"),
        gap.operation
    );
    let mut resource = json!({
        "uid": format!("AWS::::Account:{}", gap.account_id),
        "name": gap.account_id,
        "type": "AwsAccount",
        "cloud_partition": "aws",
    });
    if let Some(region) = &gap.region {
        resource["region"] = json!(region);
    }
    extend(
        &mut event,
        [
            ("message", json!(message)),
            (
                "finding_info",
                json!({
                    "uid": uid,
                    "title": format!("{} could not be read", gap.operation),
                    "desc": message,
                    "types": [NOT_SCANNED_TYPE],
                }),
            ),
            ("resources", json!([resource])),
            ("status_code", json!("ERROR")),
            ("status_detail", json!(gap.error)),
            ("status_id", json!(1)),
            ("status", json!("New")),
            (
                "remediation",
                json!({
                    "desc": "Grant the scan role the operation in this account and region (see \
                             docs/scan-role-policy.json), fix what the error names, and scan \
                             again; until then the findings here are unknown.",
                }),
            ),
            (
                "unmapped",
                json!({ "not_scanned": { "operation": gap.operation, "error": gap.error } }),
            ),
        ],
    );
    event["metadata"]["event_code"] = json!("not-scanned");
    event
}

/// What every finding has: class, activity, metadata, cloud, time and severity.
fn base(
    report: &Report,
    account_id: &str,
    region: Option<&String>,
    time: i64,
    (severity_id, severity_name): (u32, &str),
) -> Value {
    let mut cloud = json!({
        "provider": "AWS",
        "account": {
            "uid": account_id,
            "name": account_name(report, account_id).unwrap_or_else(|| account_id.to_owned()),
            "type": "AWS Account",
            "type_id": AWS_ACCOUNT,
        },
    });
    if let Some(region) = region {
        cloud["region"] = json!(region);
    }
    json!({
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "snapguard",
                "vendor_name": "snapguard",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "profiles": ["cloud"],
        },
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "class_uid": DETECTION_FINDING,
        "class_name": "Detection Finding",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": TYPE_UID,
        "type_name": "Detection Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity_name,
        "cloud": cloud,
    })
}

fn extend<const N: usize>(event: &mut Value, fields: [(&str, Value); N]) {
    let object = event.as_object_mut().expect("an event is an object");
    for (key, value) in fields {
        object.insert(key.to_owned(), value);
    }
}
