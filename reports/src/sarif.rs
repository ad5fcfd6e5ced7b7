//! `--format sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, Azure
//! DevOps, DefectDojo). One run; the rules table is the whole registry with each rule's
//! documentation; one result per finding, waived ones carrying a suppression; what could not
//! be scanned is a tool execution notification on an unsuccessful invocation.
//!
//! At org scale one result per finding is more than code scanning takes: GitHub refuses a run
//! of more than 25,000 results and shows only its 5,000 most severe. So a run never has more
//! than [`MAX_RESULTS`]: beyond that, findings of one rule are grouped, by account and region,
//! else by account, else by rule (whichever is the finest that fits), one result per group
//! with the count and the first resources; the JSON report lists every finding.
//!
//! GitHub also takes at most 10 MB gzipped: the results of a run stay under
//! [`MAX_RESULTS_BYTES`] uncompressed (a coarser grouping otherwise), a result carries at most
//! [`MAX_EVIDENCE_BYTES`] of evidence, and past [`MAX_NOTIFIED_PLACES`] places not scanned the
//! notifications are one per operation and reason. So one run always fits, and a scan is never
//! split over runs (GitHub takes at most 20).
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
/// The key of a grouped result's fingerprint: `RULE/ACCOUNT/REGION`, as far as the grouping
/// goes, with `/suppressed` for waived findings.
pub const GROUP_FINGERPRINT_KEY: &str = "snapguardGroup/v1";

/// The most results a run has: GitHub code scanning shows the 5,000 most severe results of a
/// run (and refuses more than 25,000), so every result uploaded is one a reader can see.
pub const MAX_RESULTS: usize = 5_000;
/// How many resources a grouped result names (the JSON report has them all).
pub const GROUP_EXAMPLES: usize = 10;
/// The most bytes the results of a run take, uncompressed: GitHub takes a SARIF file of at
/// most 10 MB gzipped, and gzip never makes JSON larger, so a run under this fits whatever the
/// text compresses to. Past it, findings are grouped more coarsely, as past [`MAX_RESULTS`].
pub const MAX_RESULTS_BYTES: usize = 8_000_000;
/// The most bytes of a finding's evidence a result carries; larger evidence (an IAM principal's
/// every granting statement) is left to the JSON report, and the result says how large it was.
pub const MAX_EVIDENCE_BYTES: usize = 4_096;
/// The most places not scanned that are listed one notification each; past it, one
/// notification per operation and reason names how many places and the first of them, for at
/// most this many reasons.
pub const MAX_NOTIFIED_PLACES: usize = 1_000;

/// How findings become results, finest first: the first that gives at most [`MAX_RESULTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// One result per finding.
    Finding,
    /// One result per rule, account and region (and waived or not).
    AccountRegion,
    /// One result per rule and account.
    Account,
    /// One result per rule: at most twice the registry's size.
    Rule,
}

impl Grouping {
    const ALL: [Grouping; 4] = [
        Grouping::Finding,
        Grouping::AccountRegion,
        Grouping::Account,
        Grouping::Rule,
    ];

    /// The name in the run's `resultsGroupedBy` property.
    pub fn name(self) -> &'static str {
        match self {
            Grouping::Finding => "finding",
            Grouping::AccountRegion => "rule, account and region",
            Grouping::Account => "rule and account",
            Grouping::Rule => "rule",
        }
    }

    /// The group of a finding: rule, account and region as far as this grouping goes, and
    /// whether a waiver suppresses it (suppressed and open findings never share a result).
    fn key(self, finding: &Finding) -> (&str, &str, &str, bool) {
        let suppressed = finding.waiver.as_ref().is_some_and(|w| w.active);
        let (account, region) = match self {
            Grouping::Finding => (finding.account_id.as_str(), finding.fingerprint.as_str()),
            Grouping::AccountRegion => (finding.account_id.as_str(), finding.region.as_str()),
            Grouping::Account => (finding.account_id.as_str(), ""),
            Grouping::Rule => ("", ""),
        };
        (&finding.rule_id, account, region, suppressed)
    }

    /// The finest grouping whose results fit in [`MAX_RESULTS`].
    pub fn for_findings(findings: &[Finding]) -> Grouping {
        Grouping::ALL
            .into_iter()
            .find(|grouping| {
                let keys: std::collections::BTreeSet<_> =
                    findings.iter().map(|f| grouping.key(f)).collect();
                keys.len() <= MAX_RESULTS
            })
            .unwrap_or(Grouping::Rule)
    }
}

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
        invocation.tool_execution_notifications = Some(notifications(report));
    }
    let (grouping, results) = bounded_results(&report.findings);
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .properties(bag(entries([
            ("resultsGroupedBy", json!(grouping.name())),
            ("findings", json!(report.findings.len())),
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

/// A rule's SARIF descriptor: summary, documentation, default level, and tags: its family and
/// the compliance controls it checks.
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
            // The compliance controls it checks, as `fsbp/EC2.1`: GitHub shows and filters by
            // tags.
            tags: Some(
                ["security", "aws", rule.family.as_str()]
                    .map(str::to_owned)
                    .into_iter()
                    .chain(rules::compliance::controls_of(rule.id).map(|c| c.tag()))
                    .collect(),
            ),
            additional_properties: entries([
                ("family", json!(rule.family.title())),
                ("severity", json!(rule.severity)),
                ("security-severity", json!(security_severity(rule.severity))),
            ]),
        })
        .build()
}

/// The results of the finest grouping that gives at most [`MAX_RESULTS`] results of at most
/// [`MAX_RESULTS_BYTES`] in all; [`Grouping::Rule`] (at most two results per rule, each
/// naming [`GROUP_EXAMPLES`] resources) when none does.
fn bounded_results(findings: &[Finding]) -> (Grouping, Vec<SarifResult>) {
    let first = Grouping::for_findings(findings);
    let mut coarser = Grouping::ALL.into_iter().skip_while(|g| *g != first);
    loop {
        let grouping = coarser.next().unwrap_or(Grouping::Rule);
        let results = results(findings, grouping);
        let bytes: usize = results
            .iter()
            .map(|r| serde_json::to_vec(r).map_or(0, |v| v.len()))
            .sum();
        if bytes <= MAX_RESULTS_BYTES || grouping == Grouping::Rule {
            return (grouping, results);
        }
    }
}

/// One result per finding, or per group of findings ([`Grouping`]), in the report's order.
fn results(findings: &[Finding], grouping: Grouping) -> Vec<SarifResult> {
    if grouping == Grouping::Finding {
        return findings.iter().map(result).collect();
    }
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for finding in findings {
        let at = *index.entry(grouping.key(finding)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(finding);
    }
    groups
        .into_iter()
        .map(|members| match members[..] {
            [only] => result(only),
            _ => group_result(&members, grouping),
        })
        .collect()
}

/// The result of several findings of one rule: the count and the first resources; the
/// first finding's level, rule, suppression and place.
fn group_result(members: &[&Finding], grouping: Grouping) -> SarifResult {
    let first = members[0];
    let mut result = result(first);
    let place = match grouping {
        Grouping::Rule => "the organization".to_owned(),
        Grouping::Account => format!("account {}", first.account_id),
        _ => format!("account {} region {}", first.account_id, first.region),
    };
    let shown: Vec<&str> = members
        .iter()
        .take(GROUP_EXAMPLES)
        .map(|f| f.resource_id.as_str())
        .collect();
    let more = members.len().saturating_sub(GROUP_EXAMPLES);
    let rule_name = &first.rule_name;
    result.message = message(&format!(
        "{} {rule_name} findings in {place}: {}{} (the JSON report lists each)",
        members.len(),
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
    ));
    let (rule, account, region, suppressed) = grouping.key(first);
    let uri = match grouping {
        Grouping::Rule => format!("aws/{rule}"),
        Grouping::Account => format!("aws/{account}/{rule}"),
        _ => format!("aws/{account}/{region}/{rule}"),
    };
    result.locations = Some(vec![Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri).build())
                .build(),
        )
        .build()]);
    let suppression = if suppressed { "/suppressed" } else { "" };
    result.partial_fingerprints = Some(BTreeMap::from([(
        GROUP_FINGERPRINT_KEY.to_owned(),
        format!("{rule}/{account}/{region}{suppression}"),
    )]));
    let mut properties = entries([
        ("count", json!(members.len())),
        ("groupedBy", json!(grouping.name())),
        ("severity", json!(first.severity)),
        (
            "security-severity",
            json!(security_severity(first.severity)),
        ),
        (
            "resources",
            json!(members
                .iter()
                .take(GROUP_EXAMPLES)
                .map(|f| f.resource_arn.as_str())
                .collect::<Vec<_>>()),
        ),
    ]);
    if grouping != Grouping::Rule {
        properties.insert("account".to_owned(), json!(first.account_id));
    }
    if grouping == Grouping::AccountRegion {
        properties.insert("region".to_owned(), json!(first.region));
    }
    result.properties = Some(bag(properties));
    result
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
        let bytes = serde_json::to_vec(&finding.evidence).map_or(0, |v| v.len());
        if bytes <= MAX_EVIDENCE_BYTES {
            properties.insert("evidence".to_owned(), finding.evidence.clone());
        } else {
            properties.insert(
                "evidenceOmitted".to_owned(),
                json!(format!(
                    "{bytes} bytes of evidence, more than a SARIF result carries: the JSON \
                     report has it"
                )),
            );
        }
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

/// One notification per place not scanned, or past [`MAX_NOTIFIED_PLACES`] one per operation
/// and reason ([`crate::gaps`]), at most [`MAX_NOTIFIED_PLACES`] of those, the largest groups
/// first, and one more saying how many reasons were left out.
fn notifications(report: &Report) -> Vec<Notification> {
    if report.not_scanned.len() <= MAX_NOTIFIED_PLACES {
        return report.not_scanned.iter().map(notification).collect();
    }
    let groups = crate::gaps::grouped(report);
    let left_out = groups.len().saturating_sub(MAX_NOTIFIED_PLACES);
    let mut listed: Vec<Notification> = groups
        .iter()
        .take(MAX_NOTIFIED_PLACES)
        .map(|group| {
            let places = group.places(report);
            let shown = places.len().min(GROUP_EXAMPLES);
            Notification::builder()
                .level(json!(ResultLevel::Error))
                .message(message(&format!(
                    "Not scanned in {} places, {}: {} ({}{}; the JSON report lists each)",
                    places.len(),
                    group.operation,
                    group.reason,
                    places[..shown].join(", "),
                    if places.len() > shown {
                        format!(" and {} more", places.len() - shown)
                    } else {
                        String::new()
                    }
                )))
                .properties(bag(entries([
                    ("operation", json!(group.operation)),
                    ("places", json!(places.len())),
                ])))
                .build()
        })
        .collect();
    if left_out > 0 {
        listed.push(
            Notification::builder()
                .level(json!(ResultLevel::Error))
                .message(message(&format!(
                    "Not scanned: {left_out} more reasons, each in fewer places; the JSON \
                     report lists every place"
                )))
                .build(),
        );
    }
    listed
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
