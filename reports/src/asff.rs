//! `--format asff`: AWS Security Hub findings (the AWS Security Finding Format), as the JSON
//! array `aws securityhub batch-import-findings --findings file://...` takes (at most 100 per
//! call).
//!
//! Every finding is imported, waived ones too: a waived finding has `Workflow.Status`
//! `SUPPRESSED` and the waiver's reason in its `Note`, so Security Hub users see the accepted
//! risk rather than losing it. Ids derive from the finding fingerprint, so a rescan updates
//! the same Security Hub finding instead of adding one.
//!
//! A place snapguard could not read becomes a finding too (`GeneratorId`
//! `snapguard/not-scanned`, resource the account, `Compliance.Status` `NOT_AVAILABLE`,
//! severity MEDIUM): a Security Hub user filtering on snapguard's findings would otherwise
//! read silence as safety. MEDIUM because the gap can hide findings of any severity, yet is
//! not itself a confirmed exposure that should outrank a public snapshot.
//!
//! `Compliance.RelatedRequirements` names the controls the finding's rule checks, as Security
//! Hub writes them (`NIST.800-53.r5 CP-9`, `CIS AWS Foundations Benchmark v3.0.0/2.2.1`; see
//! [`rules::compliance`]).
//!
//! Security Hub imports a finding into the region and account of its `ProductArn`. Findings
//! of account-wide rules (region `global`) go to [`GLOBAL_REGION`].
//!
//! Severity and types are also set as `FindingProviderFields`, which a provider keeps
//! updating on every import even after a customer changed the top-level ones with
//! `BatchUpdateFindings`. With a baseline, the findings resolved since (gone from places that
//! were scanned again) follow with `Compliance.Status` `PASSED` and `RecordState` `ARCHIVED`,
//! and the not-scanned findings of places read again with `RecordState` `ARCHIVED`, so that
//! Security Hub closes them instead of keeping them until it ages them out. `Workflow` and
//! `Note` count only at a finding's first import
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html>):
//! a waiver added or lifted later is changed with `BatchUpdateFindings`.

use serde::Serialize;
use std::collections::BTreeMap;

use rules::inventory::Gap;
use rules::registry::{self, Family};
use rules::{Finding, Severity};

use crate::Report;

/// The ASFF `SchemaVersion` every finding carries.
pub(crate) const SCHEMA_VERSION: &str = "2018-10-08";
/// Where findings about account-wide configuration (IAM) are imported in the `aws` partition:
/// IAM's home region (`us-gov-west-1` and `cn-north-1` in the others).
pub const GLOBAL_REGION: &str = "us-east-1";
/// The `GeneratorId` of the findings that report a place that could not be scanned.
pub const NOT_SCANNED_GENERATOR: &str = "snapguard/not-scanned";

// Length limits, in characters, of the AwsSecurityFinding fields snapguard fills with free
// text (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html).
pub(crate) const TITLE_MAX: usize = 256;
pub(crate) const DESCRIPTION_MAX: usize = 1024;
pub(crate) const NOTE_MAX: usize = 512;
pub(crate) const RECOMMENDATION_MAX: usize = 512;
pub(crate) const PRODUCT_FIELD_VALUE_MAX: usize = 2048;
/// `Compliance.RelatedRequirements` holds at most 32 entries.
const RELATED_REQUIREMENTS_MAX: usize = 32;

const TYPE_PREFIX: &str = "Software and Configuration Checks/AWS Security Best Practices";

/// One AwsSecurityFinding, with the fields snapguard sets; serialized with ASFF's PascalCase
/// names (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html>).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffFinding {
    pub schema_version: &'static str,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_account_name: Option<String>,
    pub types: Vec<String>,
    /// When the finding was first seen ([`Finding::first_seen`]), else collected.
    pub created_at: String,
    pub updated_at: String,
    /// The same as `created_at`.
    pub first_observed_at: String,
    /// When the inventory that still (or last) had it was collected.
    pub last_observed_at: String,
    pub severity: AsffSeverity,
    pub finding_provider_fields: AsffProviderFields,
    pub title: String,
    pub description: String,
    pub remediation: AsffRemediation,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    pub region: String,
    pub compliance: AsffCompliance,
    pub record_state: &'static str,
    pub workflow: AsffStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<AsffNote>,
}

/// `Severity`: the ASFF label and snapguard's own name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffSeverity {
    pub label: &'static str,
    /// snapguard's own severity name.
    pub original: &'static str,
}

/// `FindingProviderFields`: what the provider may update on every import.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffProviderFields {
    pub severity: AsffSeverity,
    pub types: Vec<String>,
}

/// `Remediation`: just a recommendation text.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffRemediation {
    pub recommendation: AsffRecommendation,
}

/// `Remediation.Recommendation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffRecommendation {
    pub text: String,
}

/// One entry of `Resources`: the resource's ASFF type, its ARN (or account id), partition and
/// region.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffResource {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub id: String,
    pub partition: String,
    pub region: String,
    /// `Details` of the IAM principals: `AwsIamRole.RoleName` or `AwsIamUser.UserName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// `Workflow`: just a status.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffStatus {
    pub status: &'static str,
}

/// `Compliance`: the status, and the controls the rule checks as Security Hub writes them
/// (`NIST.800-53.r5 CP-9`; at most 32, the field's limit).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffCompliance {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
}

/// `Note`: the waiver of a waived finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AsffNote {
    pub text: String,
    pub updated_by: &'static str,
    pub updated_at: String,
}

/// The report as a pretty-printed JSON array of AwsSecurityFinding objects, ending in a newline:
/// the findings, then one per place that was not scanned.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&findings(report)).expect("ASFF serializes");
    text.push('\n');
    text
}

/// The report's findings, then one finding per place that was not scanned, then (with a
/// baseline) the findings resolved since, closed.
pub(crate) fn findings(report: &Report) -> Vec<AsffFinding> {
    let mut out: Vec<AsffFinding> = report
        .findings
        .iter()
        .map(|f| from_finding(report, f))
        .collect();
    out.extend(report.not_scanned.iter().map(|gap| from_gap(report, gap)));
    let resolved = report.baseline.iter().flat_map(|b| &b.resolved);
    out.extend(resolved.map(|f| {
        let baseline = report
            .baseline
            .as_ref()
            .expect("resolved findings have a baseline");
        let first = f
            .first_seen
            .clone()
            .unwrap_or(baseline.collected_at.clone());
        let finding = from_finding(report, f);
        AsffFinding {
            compliance: AsffCompliance {
                status: "PASSED",
                ..finding.compliance
            },
            record_state: "ARCHIVED",
            created_at: first.clone(),
            first_observed_at: first,
            last_observed_at: baseline.collected_at.clone(),
            ..finding
        }
    }));
    // Places read again tonight: their not-scanned findings are over.
    let read_again = report.baseline.iter().flat_map(|b| &b.read_again);
    out.extend(read_again.map(|gap| AsffFinding {
        record_state: "ARCHIVED",
        ..from_gap(report, gap)
    }));
    out
}

/// The ASFF `Severity.Label` of a snapguard severity.
pub(crate) fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

fn from_finding(report: &Report, finding: &Finding) -> AsffFinding {
    let rule = registry::rule(&finding.rule_id);
    let partition = partition(&finding.resource_arn);
    let region = import_region(&finding.region, &partition);
    let mut types = vec![format!(
        "{TYPE_PREFIX}/{}",
        rule.map_or("snapguard", |r| r.family.title())
    )];
    if rule.is_some_and(|r| r.family == Family::Share) {
        types.push("Effects/Data Exposure".to_owned());
    }
    let mut description = finding.message.clone();
    if let Some(checks) = rule.and_then(|r| r.doc_section("What it checks")) {
        description.push_str("\n\n");
        description.push_str(&checks);
    }
    let recommendation = rule
        .and_then(|r| r.doc_section("Remediation"))
        .unwrap_or_else(|| format!("Run `snapguard explain {}`.", finding.rule_id));
    let mut product_fields = BTreeMap::from([
        ("snapguard/RuleId".to_owned(), finding.rule_id.clone()),
        ("snapguard/RuleName".to_owned(), finding.rule_name.clone()),
        (
            "snapguard/Fingerprint".to_owned(),
            finding.fingerprint.clone(),
        ),
        (
            "snapguard/ResourceType".to_owned(),
            finding.resource_type.clone(),
        ),
    ]);
    let waived = finding.is_waived();
    let note = finding.waiver.as_ref().filter(|_| waived).map(|waiver| {
        let owner = waiver
            .owner
            .as_deref()
            .map_or(String::new(), |o| format!(" (owner {o})"));
        product_fields.insert("snapguard/WaiverExpires".to_owned(), waiver.expires.clone());
        AsffNote {
            text: truncate(
                &format!("Waived until {}{owner}: {}", waiver.expires, waiver.reason),
                NOTE_MAX,
            ),
            updated_by: "snapguard",
            updated_at: report.collected_at.clone(),
        }
    });
    let severity = || AsffSeverity {
        label: severity_label(finding.severity),
        original: finding.severity.as_str(),
    };
    let first_seen = finding
        .first_seen
        .clone()
        .unwrap_or_else(|| report.collected_at.clone());
    AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: finding_id(finding),
        product_arn: product_arn(&partition, &region, &finding.account_id),
        generator_id: finding.rule_id.clone(),
        aws_account_id: finding.account_id.clone(),
        aws_account_name: account_name(report, &finding.account_id),
        finding_provider_fields: AsffProviderFields {
            severity: severity(),
            types: types.clone(),
        },
        types,
        created_at: first_seen.clone(),
        updated_at: report.collected_at.clone(),
        first_observed_at: first_seen,
        last_observed_at: report.collected_at.clone(),
        severity: severity(),
        title: truncate(&finding.message, TITLE_MAX),
        description: truncate(&description, DESCRIPTION_MAX),
        remediation: recommend(&recommendation),
        product_fields: cap_values(product_fields),
        resources: vec![AsffResource {
            kind: resource_type(&finding.resource_type),
            id: finding.resource_arn.clone(),
            partition,
            region: region.clone(),
            details: principal_details(&finding.resource_type, &finding.resource_arn),
        }],
        region,
        compliance: AsffCompliance {
            status: "FAILED",
            related_requirements: rules::compliance::controls_of(&finding.rule_id)
                .map(|c| c.requirement())
                .take(RELATED_REQUIREMENTS_MAX)
                .collect(),
        },
        record_state: "ACTIVE",
        workflow: AsffStatus {
            status: if waived { "SUPPRESSED" } else { "NEW" },
        },
        note,
    }
}

fn from_gap(report: &Report, gap: &Gap) -> AsffFinding {
    let partition = report_partition(report);
    let region = import_region(gap.region.as_deref().unwrap_or("global"), &partition);
    let place = match &gap.region {
        Some(r) => format!("account {} in {r}", gap.account_id),
        None => format!("account {} (account-wide)", gap.account_id),
    };
    let types = vec![format!("{TYPE_PREFIX}/Not Scanned")];
    let severity = || AsffSeverity {
        label: severity_label(Severity::Medium),
        original: "not-scanned",
    };
    AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: format!(
            "{NOT_SCANNED_GENERATOR}/{}/{}/{}",
            gap.account_id,
            gap.region.as_deref().unwrap_or("global"),
            gap.operation
        ),
        product_arn: product_arn(&partition, &region, &gap.account_id),
        generator_id: NOT_SCANNED_GENERATOR.to_owned(),
        aws_account_id: gap.account_id.clone(),
        aws_account_name: account_name(report, &gap.account_id),
        finding_provider_fields: AsffProviderFields {
            severity: severity(),
            types: types.clone(),
        },
        types,
        created_at: report.collected_at.clone(),
        updated_at: report.collected_at.clone(),
        first_observed_at: report.collected_at.clone(),
        last_observed_at: report.collected_at.clone(),
        severity: severity(),
        title: truncate(
            &format!("snapguard could not read {} in {place}", gap.operation),
            TITLE_MAX,
        ),
        description: truncate(
            &format!(
                "snapguard could not read {} in {place}: {}. The rules that need it were not \
                 evaluated there, so findings for this place may be missing.",
                gap.operation, gap.error
            ),
            DESCRIPTION_MAX,
        ),
        remediation: recommend(
            "Give snapguard's scanning role read access to this operation in this account \
             (or enable the region), then scan again.",
        ),
        product_fields: cap_values(BTreeMap::from([
            ("snapguard/Operation".to_owned(), gap.operation.clone()),
            ("snapguard/Error".to_owned(), gap.error.clone()),
        ])),
        resources: vec![AsffResource {
            kind: "AwsAccount",
            id: format!("AWS::::Account:{}", gap.account_id),
            partition,
            region: region.clone(),
            details: None,
        }],
        region,
        compliance: AsffCompliance {
            status: "NOT_AVAILABLE",
            related_requirements: Vec::new(),
        },
        record_state: "ACTIVE",
        workflow: AsffStatus { status: "NEW" },
        note: None,
    }
}

/// A finding's ASFF `Id`, `snapguard/<rule id>/<fingerprint>`: a rescan updates the same
/// Security Hub finding.
pub fn finding_id(finding: &Finding) -> String {
    format!("snapguard/{}/{}", finding.rule_id, finding.fingerprint)
}

/// The default product of an account: what a customer's own findings are imported as.
fn product_arn(partition: &str, region: &str, account_id: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default")
}

/// The region a finding is imported into: its own, or for an account-wide one the home
/// region of its partition.
fn import_region(region: &str, partition: &str) -> String {
    match (region, partition) {
        ("global", "aws-us-gov") => "us-gov-west-1".to_owned(),
        ("global", "aws-cn") => "cn-north-1".to_owned(),
        ("global", _) => GLOBAL_REGION.to_owned(),
        (region, _) => region.to_owned(),
    }
}

/// The partition of the report's accounts, as its findings' ARNs name it (`aws` without any).
fn report_partition(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| partition(&f.resource_arn))
        .find(|p| p != "aws")
        .unwrap_or_else(|| "aws".to_owned())
}

/// The partition named by an ARN (`aws`, `aws-cn`, `aws-us-gov`).
pub(crate) fn partition(arn: &str) -> String {
    match iam::Arn::parse(arn) {
        Ok(arn) if !arn.partition.is_empty() => arn.partition.to_owned(),
        _ => "aws".to_owned(),
    }
}

/// Security Hub's resource type for a finding's resource kind; `Other` where ASFF has none.
pub(crate) fn resource_type(kind: &str) -> &'static str {
    match kind {
        "snapshot" => "AwsEc2Snapshot",
        "image" => "AwsEc2Image",
        "volume" => "AwsEc2Volume",
        "instance" => "AwsEc2Instance",
        "iam-role" => "AwsIamRole",
        "iam-user" => "AwsIamUser",
        _ => "Other",
    }
}

/// The `Details` Security Hub shows for an IAM principal: its name, the last part of its ARN
/// (`arn:aws:iam::111122223333:role/path/NAME`).
fn principal_details(kind: &str, arn: &str) -> Option<serde_json::Value> {
    let name = arn
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !n.contains(':'))?;
    match kind {
        "iam-role" => Some(serde_json::json!({ "AwsIamRole": { "RoleName": name } })),
        "iam-user" => Some(serde_json::json!({ "AwsIamUser": { "UserName": name } })),
        _ => None,
    }
}

pub(crate) fn account_name(report: &Report, account_id: &str) -> Option<String> {
    report
        .scope
        .accounts
        .iter()
        .find(|a| a.account_id == account_id)
        .and_then(|a| a.name.clone())
}

fn recommend(text: &str) -> AsffRemediation {
    AsffRemediation {
        recommendation: AsffRecommendation {
            text: truncate(text, RECOMMENDATION_MAX),
        },
    }
}

fn cap_values(fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
    fields
        .into_iter()
        .map(|(key, value)| (key, truncate(&value, PRODUCT_FIELD_VALUE_MAX)))
        .collect()
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}
