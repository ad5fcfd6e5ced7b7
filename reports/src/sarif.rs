//! `--format sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, Azure
//! DevOps, DefectDojo). One run; the rules table is the whole registry with each rule's
//! documentation; one result per finding, waived ones carrying a suppression; what could not
//! be scanned is a tool execution notification on an unsuccessful invocation.
//!
//! A finding is about an AWS resource, not a file: its real location is a logical location
//! (the ARN). Code scanning services accept only results anchored to a file path, so each
//! result also has a physical location `aws/<account>/<region>/<resource id>`: a stable
//! pseudo-path that names the resource and matches no file.

use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};
use std::collections::BTreeMap;

use rules::inventory::Gap;
use rules::registry::{Rule, RULES};
use rules::{Finding, Severity};

use crate::Report;

/// Where the SARIF 2.1.0 schema is published (GitHub code scanning accepts this one).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of the finding fingerprint in `partialFingerprints`; the version changes only if
/// the fingerprint's recipe does.
pub const FINGERPRINT_KEY: &str = "snapguardFingerprint/v1";

/// The report as a pretty-printed SARIF 2.1.0 log, ending in a newline
/// (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>).
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&document(report)).expect("SARIF serializes");
    text.push('\n');
    text
}

/// The SARIF log of a report, for callers that embed or post-process it.
pub fn document(report: &Report) -> Sarif {
    let driver = ToolComponent::builder()
        .name("snapguard")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(
            RULES
                .iter()
                .map(|rule| descriptor(rule))
                .collect::<Vec<_>>(),
        )
        .build();
    let mut invocation = Invocation::builder()
        .execution_successful(report.complete)
        .properties(bag(entries([("collectedAt", json!(report.collected_at))])))
        .build();
    if !report.not_scanned.is_empty() {
        invocation.tool_execution_notifications =
            Some(report.not_scanned.iter().map(notification).collect());
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(report.findings.iter().map(result).collect::<Vec<_>>())
        .properties(bag(entries([
            ("source", json!(report.source)),
            ("collectedAt", json!(report.collected_at)),
            ("complete", json!(report.complete)),
            ("accounts", json!(report.scope.accounts.len())),
            ("regions", json!(report.scope.regions)),
        ])))
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// SARIF has three levels that matter; critical and high are both errors.
pub fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub code scanning's `security-severity`: a CVSS-like score it buckets back into
/// critical (9.0+), high (7.0+), medium (4.0+) and low.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A rule's SARIF descriptor: summary, documentation, default level and family tags.
pub fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let doc = rule.doc();
    let what_it_checks = rule
        .doc_section("What it checks")
        .unwrap_or_else(|| rule.summary.to_owned());
    ReportingDescriptor::builder()
        .id(rule.id)
        .name(rule.name)
        .short_description(text(rule.summary))
        .full_description(text(&what_it_checks))
        .help(
            MultiformatMessageString::builder()
                .text(doc.clone())
                .markdown(doc)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(rule.severity)))
                .build(),
        )
        .properties(PropertyBag {
            tags: Some(vec![
                "security".to_owned(),
                "aws".to_owned(),
                rule.family.as_str().to_owned(),
            ]),
            additional_properties: entries([
                ("family", json!(rule.family.title())),
                ("severity", json!(rule.severity)),
                ("security-severity", json!(security_severity(rule.severity))),
            ]),
        })
        .build()
}

fn result(finding: &Finding) -> SarifResult {
    let mut properties = entries([
        ("account", json!(finding.account_id)),
        ("region", json!(finding.region)),
        ("severity", json!(finding.severity)),
        (
            "security-severity",
            json!(security_severity(finding.severity)),
        ),
        ("resourceType", json!(finding.resource_type)),
    ]);
    if !finding.evidence.is_null() {
        properties.insert("evidence".to_owned(), finding.evidence.clone());
    }
    if let Some(remediation) = &finding.remediation {
        properties.insert("remediation".to_owned(), json!(remediation));
    }
    let mut result = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(level(finding.severity))
        .message(message(&finding.message))
        .locations(vec![location(finding)])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            finding.fingerprint.clone(),
        )]))
        .properties(bag(properties))
        .build();
    result.rule_index = RULES
        .iter()
        .position(|rule| rule.id == finding.rule_id)
        .map(|index| index as i64);
    match &finding.waiver {
        Some(waiver) if waiver.active => {
            let mut details = entries([("expires", json!(waiver.expires))]);
            if let Some(owner) = &waiver.owner {
                details.insert("owner".to_owned(), json!(owner));
            }
            result.suppressions = Some(vec![Suppression::builder()
                .kind(json!("external"))
                .status(json!("accepted"))
                .justification(waiver.reason.clone())
                .properties(bag(details))
                .build()]);
        }
        // An expired waiver no longer suppresses; say so, since someone once accepted it.
        Some(expired) => {
            if let Some(properties) = &mut result.properties {
                properties
                    .additional_properties
                    .insert("waiverExpired".to_owned(), json!(expired.expires));
            }
        }
        None => {}
    }
    result
}

fn location(finding: &Finding) -> Location {
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(format!(
                            "aws/{}/{}/{}",
                            finding.account_id, finding.region, finding.resource_id
                        ))
                        .build(),
                )
                .build(),
        )
        .logical_locations(vec![LogicalLocation::builder()
            .name(finding.resource_id.clone())
            .fully_qualified_name(finding.resource_arn.clone())
            .kind("resource")
            .build()])
        .build()
}

fn notification(gap: &Gap) -> Notification {
    let region = gap.region.as_deref().unwrap_or("account-wide");
    let place = format!(
        "{}/{}",
        gap.account_id,
        gap.region.as_deref().unwrap_or("*")
    );
    Notification::builder()
        .level(json!(ResultLevel::Error))
        .message(message(&format!(
            "Not scanned: account {}, {region}, {}: {}",
            gap.account_id, gap.operation, gap.error
        )))
        .locations(vec![Location::builder()
            .logical_locations(vec![LogicalLocation::builder()
                .name(place.clone())
                .fully_qualified_name(place)
                .kind("namespace")
                .build()])
            .build()])
        .properties(bag(entries([
            ("account", json!(gap.account_id)),
            ("region", json!(gap.region)),
            ("operation", json!(gap.operation)),
        ])))
        .build()
}

fn message(text: &str) -> Message {
    Message::builder().text(text).build()
}

fn text(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn entries<const N: usize>(pairs: [(&str, Value); N]) -> BTreeMap<String, Value> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

fn bag(properties: BTreeMap<String, Value>) -> PropertyBag {
    PropertyBag {
        tags: None,
        additional_properties: properties,
    }
}
