//! `snapguard publish securityhub`: a report's findings into AWS Security Hub with
//! `BatchImportFindings`, into the account and region each finding's `ProductArn` names, at most
//! 100 a call
//! (<https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html>).
//!
//! The findings are the ASFF objects `reports::asff` writes, read back from JSON: that module
//! owns what a finding says, this one only delivers it. A finding of another account is
//! imported by that account: the caller's own with its credentials, any other through the role
//! `role_name` there, as a scan reaches it. What Security Hub refuses (`FailedFindings`) and
//! calls that fail after the SDK's retries are reported per finding, never dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_config::Region;
use aws_sdk_securityhub::types::{
    AwsIamRoleDetails, AwsIamUserDetails, AwsSecurityFinding, AwsSecurityFindingIdentifier,
    Compliance, ComplianceStatus, FindingProviderFields, FindingProviderSeverity, Note, NoteUpdate,
    Partition, Recommendation, RecordState, Remediation, Resource, ResourceDetails, Severity,
    SeverityLabel, Workflow, WorkflowStatus, WorkflowUpdate,
};
use serde::Serialize;
use serde_json::Value;

use crate::describe_error;
use crate::session::{base_config, Caller};

/// `BatchImportFindings` takes at most this many findings a call.
pub const BATCH: usize = 100;
const SESSION_NAME: &str = "snapguard-publish";

/// Where and as whom to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// A named profile of the shared AWS config files (otherwise the standard chain).
    pub profile: Option<String>,
    /// One endpoint for every service (an emulator).
    pub endpoint_url: Option<String>,
    /// The role assumed in the accounts other than the caller's.
    pub role_name: String,
    /// The external id passed to `sts:AssumeRole`.
    pub external_id: Option<String>,
    /// Timeout per API operation, retries included.
    pub operation_timeout: Duration,
    /// Attempts per call, the first included; `None`: the SDK's own settings, else 5 (see
    /// `session::retry_config`).
    pub max_attempts: Option<u32>,
}

/// A finding Security Hub did not import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotImported {
    /// The finding's `Id`.
    pub id: String,
    /// Its `ProductArn`: where it was to go.
    pub product_arn: String,
    /// Security Hub's `ErrorCode: ErrorMessage`, or why the call failed.
    pub error: String,
}

/// How a publication went.
#[derive(Debug, Default, Clone, Serialize)]
pub struct PublishReport {
    /// Findings Security Hub imported.
    pub imported: usize,
    /// `BatchImportFindings` calls made.
    pub calls: usize,
    /// Findings it did not import, and why.
    pub not_imported: Vec<NotImported>,
    /// Findings whose workflow status and note were brought up to date with
    /// `BatchUpdateFindings` (a waiver added or lifted since the baseline).
    pub workflow_updated: usize,
    /// Findings whose workflow status could not be updated, and why.
    pub workflow_not_updated: Vec<NotImported>,
}

impl PublishReport {
    /// Whether everything went through.
    pub fn all_done(&self) -> bool {
        self.not_imported.is_empty() && self.workflow_not_updated.is_empty()
    }
}

/// A Security Hub client for an account and region.
pub type ClientFor =
    Arc<dyn Fn(&str, &str) -> Result<aws_sdk_securityhub::Client, String> + Send + Sync>;

/// Publishes `findings` (ASFF objects) with live credentials, then sets, with
/// `BatchUpdateFindings`, the `Workflow` and `Note` of those whose `Id` is in `waiver_changed`
/// (Security Hub takes them from a finding's first import only). `Err` when the credentials
/// cannot be identified; everything else is in the report.
pub fn publish(
    findings: &[Value],
    waiver_changed: &BTreeSet<String>,
    options: &PublishOptions,
) -> Result<PublishReport, String> {
    let runtime = runtime();
    let clients = runtime.block_on(live_clients(findings, options))?;
    Ok(runtime.block_on(import_and_update(findings, waiver_changed, clients)))
}

/// [`publish`] with the clients `clients` gives (tests).
#[doc(hidden)]
pub fn publish_with_clients(
    findings: &[Value],
    waiver_changed: &BTreeSet<String>,
    clients: ClientFor,
) -> PublishReport {
    runtime().block_on(import_and_update(findings, waiver_changed, clients))
}

async fn import_and_update(
    findings: &[Value],
    waiver_changed: &BTreeSet<String>,
    clients: ClientFor,
) -> PublishReport {
    let mut report = import(findings, clients.clone()).await;
    let failed: BTreeSet<&str> = report.not_imported.iter().map(|n| n.id.as_str()).collect();
    let changed: Vec<&Value> = findings
        .iter()
        .filter(|f| waiver_changed.contains(text(f, "Id")) && !failed.contains(text(f, "Id")))
        .collect();
    update_workflows(&changed, &clients, &mut report).await;
    report
}

/// `BatchUpdateFindings` of the findings' `Workflow.Status` and `Note` (a note saying the
/// waiver ended when they have none), per `ProductArn`, 100 a call
/// (<https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindings.html>).
async fn update_workflows(findings: &[&Value], clients: &ClientFor, report: &mut PublishReport) {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&Value>> = BTreeMap::new();
    for f in findings {
        let status = text(&f["Workflow"], "Status");
        let note = f["Note"]["Text"].as_str().unwrap_or(WAIVER_ENDED);
        groups
            .entry((text(f, "ProductArn"), status, note))
            .or_default()
            .push(f);
    }
    for ((product_arn, status, note), group) in groups {
        let not_updated = |f: &Value, error: String| NotImported {
            id: text(f, "Id").to_owned(),
            product_arn: product_arn.to_owned(),
            error,
        };
        let client = match client_for(clients, product_arn) {
            Ok(client) => client,
            Err(e) => {
                report
                    .workflow_not_updated
                    .extend(group.iter().map(|f| not_updated(f, e.clone())));
                continue;
            }
        };
        for batch in group.chunks(BATCH) {
            let identifiers = batch
                .iter()
                .map(|f| {
                    AwsSecurityFindingIdentifier::builder()
                        .id(text(f, "Id"))
                        .product_arn(product_arn)
                        .build()
                })
                .collect();
            let sent = client
                .batch_update_findings()
                .set_finding_identifiers(Some(identifiers))
                .workflow(
                    WorkflowUpdate::builder()
                        .status(WorkflowStatus::from(status))
                        .build(),
                )
                .note(
                    NoteUpdate::builder()
                        .text(note)
                        .updated_by("snapguard")
                        .build(),
                )
                .send()
                .await;
            match sent {
                Ok(out) => {
                    let unprocessed = out.unprocessed_findings();
                    report.workflow_updated += batch.len() - unprocessed.len();
                    report
                        .workflow_not_updated
                        .extend(unprocessed.iter().map(|u| {
                            refused(
                                u.finding_identifier().and_then(|i| i.id()),
                                product_arn,
                                u.error_code(),
                                u.error_message(),
                            )
                        }));
                }
                Err(e) => {
                    let why = format!("securityhub:BatchUpdateFindings: {}", describe_error(&e));
                    report
                        .workflow_not_updated
                        .extend(batch.iter().map(|f| not_updated(f, why.clone())));
                }
            }
        }
    }
}

/// The note of a finding whose waiver ended.
const WAIVER_ENDED: &str = "snapguard: the waiver of this finding ended; it counts again";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// One SDK config per account the findings name: the caller's own, or the role there.
async fn live_clients(findings: &[Value], options: &PublishOptions) -> Result<ClientFor, String> {
    let base = base_config(
        options.profile.as_deref(),
        options.endpoint_url.as_deref(),
        options.operation_timeout,
        options.max_attempts,
        None,
    )
    .await?;
    let sts = aws_sdk_sts::Client::new(&base);
    let caller = Caller::identify(&sts).await.map_err(|e| e.to_string())?;
    let configs = caller
        .configs_for(
            &sts,
            &base,
            findings.iter().map(|f| text(f, "AwsAccountId")),
            &options.role_name,
            SESSION_NAME,
            options.external_id.as_deref(),
        )
        .await;
    Ok(Arc::new(move |account: &str, region: &str| {
        let config = configs
            .get(account)
            .ok_or_else(|| format!("no credentials for account {account}"))?
            .as_ref()
            .map_err(Clone::clone)?;
        let conf = aws_sdk_securityhub::config::Builder::from(config)
            .region(Region::new(region.to_owned()))
            .build();
        Ok(aws_sdk_securityhub::Client::from_conf(conf))
    }))
}

/// Groups by `ProductArn`, keeps the order within each, and imports each group in calls of
/// [`BATCH`], [`GROUPS_AT_ONCE`] groups at a time.
async fn import(findings: &[Value], clients: ClientFor) -> PublishReport {
    use futures_util::StreamExt;
    let mut groups: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for finding in findings {
        groups
            .entry(text(finding, "ProductArn"))
            .or_default()
            .push(finding);
    }
    let mut parts = futures_util::stream::iter(groups)
        .map(|(product_arn, group)| import_group(product_arn, group, clients.clone()))
        .buffer_unordered(GROUPS_AT_ONCE);
    let mut report = PublishReport::default();
    while let Some(part) = parts.next().await {
        report.imported += part.imported;
        report.calls += part.calls;
        report.not_imported.extend(part.not_imported);
    }
    report
        .not_imported
        .sort_by(|a, b| (&a.product_arn, &a.id).cmp(&(&b.product_arn, &b.id)));
    report
}

/// Account-regions imported at once: each its own Security Hub, with its own rate limit.
const GROUPS_AT_ONCE: usize = 8;

/// One `ProductArn`'s findings, in calls of [`BATCH`].
async fn import_group(product_arn: &str, group: Vec<&Value>, clients: ClientFor) -> PublishReport {
    let mut report = PublishReport::default();
    let not_imported = |f: &Value, error: String| NotImported {
        id: text(f, "Id").to_owned(),
        product_arn: product_arn.to_owned(),
        error,
    };
    let client = match client_for(&clients, product_arn) {
        Ok(client) => client,
        Err(e) => {
            report
                .not_imported
                .extend(group.iter().map(|f| not_imported(f, e.clone())));
            return report;
        }
    };
    for batch in group.chunks(BATCH) {
        let mut converted = Vec::with_capacity(batch.len());
        for finding in batch {
            match to_sdk(finding) {
                Ok(f) => converted.push(f),
                Err(e) => report.not_imported.push(not_imported(finding, e)),
            }
        }
        if converted.is_empty() {
            continue;
        }
        report.calls += 1;
        let sent = converted.len();
        let sent_ids: Vec<String> = converted
            .iter()
            .map(|f| f.id().unwrap_or_default().to_owned())
            .collect();
        match client
            .batch_import_findings()
            .set_findings(Some(converted))
            .send()
            .await
        {
            Ok(out) => {
                let failed = out.failed_findings();
                report.imported += sent - failed.len();
                report.not_imported.extend(
                    failed
                        .iter()
                        .map(|f| refused(f.id(), product_arn, f.error_code(), f.error_message())),
                );
            }
            Err(e) => {
                // Only what was sent: a finding that could not be converted is listed once.
                let why = format!("securityhub:BatchImportFindings: {}", describe_error(&e));
                report
                    .not_imported
                    .extend(sent_ids.into_iter().map(|id| NotImported {
                        id,
                        product_arn: product_arn.to_owned(),
                        error: why.clone(),
                    }));
            }
        }
    }
    report
}

/// A finding Security Hub answered it would not take: its `ErrorCode: ErrorMessage`.
fn refused(
    id: Option<&str>,
    product_arn: &str,
    code: Option<&str>,
    message: Option<&str>,
) -> NotImported {
    NotImported {
        id: id.unwrap_or_default().to_owned(),
        product_arn: product_arn.to_owned(),
        error: format!(
            "{}: {}",
            code.unwrap_or("unknown"),
            message.unwrap_or("no message")
        ),
    }
}

/// The client of the account and region a product ARN names.
fn client_for(
    clients: &ClientFor,
    product_arn: &str,
) -> Result<aws_sdk_securityhub::Client, String> {
    let (region, account) = product_place(product_arn)
        .ok_or_else(|| format!("{product_arn} is not a Security Hub product ARN"))?;
    clients(account, region)
}

/// The region and account of `arn:PARTITION:securityhub:REGION:ACCOUNT:product/...`.
fn product_place(arn: &str) -> Option<(&str, &str)> {
    let arn = iam::Arn::parse(arn).ok()?;
    (arn.service == "securityhub" && !arn.region.is_empty() && arn.account.len() == 12)
        .then_some((arn.region, arn.account))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

fn texts(value: &Value) -> Option<Vec<String>> {
    value.as_array().map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

/// An ASFF object, as `reports::asff` writes it, as the SDK's `AwsSecurityFinding`. `Err`
/// names the field Security Hub would refuse.
fn to_sdk(finding: &Value) -> Result<AwsSecurityFinding, String> {
    let label = |severity: &Value| SeverityLabel::from(text(severity, "Label"));
    let severity = &finding["Severity"];
    let provider = &finding["FindingProviderFields"];
    let resources = finding["Resources"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or("the finding has no Resources")?
        .iter()
        .map(|r| {
            let details = match (
                r["Details"]["AwsIamRole"]["RoleName"].as_str(),
                r["Details"]["AwsIamUser"]["UserName"].as_str(),
            ) {
                (Some(role), _) => Some(
                    ResourceDetails::builder()
                        .aws_iam_role(AwsIamRoleDetails::builder().role_name(role).build())
                        .build(),
                ),
                (None, Some(user)) => Some(
                    ResourceDetails::builder()
                        .aws_iam_user(AwsIamUserDetails::builder().user_name(user).build())
                        .build(),
                ),
                (None, None) => None,
            };
            Resource::builder()
                .r#type(text(r, "Type"))
                .id(text(r, "Id"))
                .partition(Partition::from(text(r, "Partition")))
                .region(text(r, "Region"))
                .set_details(details)
                .build()
        })
        .collect();
    let product_fields: HashMap<String, String> = finding["ProductFields"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let note = finding["Note"].is_object().then(|| {
        Note::builder()
            .text(text(&finding["Note"], "Text"))
            .updated_by(text(&finding["Note"], "UpdatedBy"))
            .updated_at(text(&finding["Note"], "UpdatedAt"))
            .build()
    });
    Ok(AwsSecurityFinding::builder()
        .schema_version(text(finding, "SchemaVersion"))
        .id(text(finding, "Id"))
        .product_arn(text(finding, "ProductArn"))
        .generator_id(text(finding, "GeneratorId"))
        .aws_account_id(text(finding, "AwsAccountId"))
        .set_aws_account_name(finding["AwsAccountName"].as_str().map(str::to_owned))
        .set_types(texts(&finding["Types"]))
        .created_at(text(finding, "CreatedAt"))
        .updated_at(text(finding, "UpdatedAt"))
        .set_first_observed_at(finding["FirstObservedAt"].as_str().map(str::to_owned))
        .set_last_observed_at(finding["LastObservedAt"].as_str().map(str::to_owned))
        .severity(
            Severity::builder()
                .label(label(severity))
                .original(text(severity, "Original"))
                .build(),
        )
        .finding_provider_fields(
            FindingProviderFields::builder()
                .severity(
                    FindingProviderSeverity::builder()
                        .label(label(&provider["Severity"]))
                        .original(text(&provider["Severity"], "Original"))
                        .build(),
                )
                .set_types(texts(&provider["Types"]))
                .build(),
        )
        .title(text(finding, "Title"))
        .description(text(finding, "Description"))
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(text(&finding["Remediation"]["Recommendation"], "Text"))
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(product_fields))
        .set_resources(Some(resources))
        .region(text(finding, "Region"))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(text(
                    &finding["Compliance"],
                    "Status",
                )))
                .set_related_requirements(texts(&finding["Compliance"]["RelatedRequirements"]))
                .build(),
        )
        .record_state(RecordState::from(text(finding, "RecordState")))
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(text(&finding["Workflow"], "Status")))
                .build(),
        )
        .set_note(note)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock_clients;
    use aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsOutput;
    use aws_sdk_securityhub::types::ImportFindingsError;
    use aws_smithy_mocks::mock;

    fn finding(id: usize, account: &str) -> Value {
        serde_json::json!({
            "SchemaVersion": "2018-10-08",
            "Id": format!("snapguard/SG-TAG-001/{id}"),
            "ProductArn": format!("arn:aws:securityhub:us-east-1:{account}:product/{account}/default"),
            "GeneratorId": "SG-TAG-001",
            "AwsAccountId": account,
            "Types": ["Software and Configuration Checks/AWS Security Best Practices/Tagging"],
            "CreatedAt": "2026-11-25T06:00:00Z",
            "UpdatedAt": "2026-11-25T06:00:00Z",
            "Severity": {"Label": "MEDIUM", "Original": "medium"},
            "FindingProviderFields": {"Severity": {"Label": "MEDIUM", "Original": "medium"},
                                      "Types": ["Software and Configuration Checks"]},
            "Title": "t", "Description": "d",
            "Remediation": {"Recommendation": {"Text": "r"}},
            "ProductFields": {"snapguard/RuleId": "SG-TAG-001"},
            "Resources": [{"Type": "AwsIamRole", "Id": "arn:aws:iam::111111111111:role/Admin",
                           "Partition": "aws", "Region": "us-east-1",
                           "Details": {"AwsIamRole": {"RoleName": "Admin"}}}],
            "Region": "us-east-1",
            "Compliance": {"Status": "FAILED"},
            "RecordState": "ACTIVE",
            "Workflow": {"Status": "NEW"},
        })
    }

    #[test]
    fn imports_in_calls_of_a_hundred_per_product_and_reports_what_was_refused() {
        let counters = Arc::new(crate::counting::Counters::default());
        // Security Hub refuses one finding of each call; the other account cannot be reached.
        let refuse_one = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .then_compute_output(|r| {
                let findings = r.findings();
                assert!(findings.len() <= BATCH);
                assert!(findings.iter().all(|f| {
                    f.finding_provider_fields()
                        .and_then(|p| p.severity())
                        .and_then(|s| s.label())
                        == Some(&SeverityLabel::Medium)
                        && f.resources()[0]
                            .details()
                            .and_then(|d| d.aws_iam_role())
                            .and_then(|r| r.role_name())
                            == Some("Admin")
                }));
                BatchImportFindingsOutput::builder()
                    .success_count(findings.len() as i32 - 1)
                    .failed_count(1)
                    .failed_findings(
                        ImportFindingsError::builder()
                            .id(findings[0].id().unwrap())
                            .error_code("InvalidInput")
                            .error_message("mocked")
                            .build(),
                    )
                    .build()
            });
        let client = mock_clients::securityhub(&[&refuse_one], &counters);
        let clients: ClientFor = Arc::new(move |account: &str, _region: &str| match account {
            "111111111111" => Ok(client.clone()),
            _ => Err("AccessDenied: cannot assume the role".to_owned()),
        });
        let mut findings: Vec<Value> = (0..250).map(|i| finding(i, "111111111111")).collect();
        findings.push(finding(999, "222222222222"));
        let report = publish_with_clients(&findings, &BTreeSet::new(), clients);
        assert_eq!(report.calls, 3);
        assert_eq!(report.imported, 247);
        assert_eq!(report.not_imported.len(), 4, "{:#?}", report.not_imported);
        assert!(report
            .not_imported
            .iter()
            .any(|n| n.id == "snapguard/SG-TAG-001/999" && n.error.contains("AccessDenied")));
        assert_eq!(
            report
                .not_imported
                .iter()
                .filter(|n| n.error == "InvalidInput: mocked")
                .count(),
            3
        );
        // A finding Security Hub would refuse is not sent.
        let mut empty = finding(5, "111111111111");
        empty["Resources"] = serde_json::json!([]);
        assert!(to_sdk(&empty).unwrap_err().contains("Resources"));

        // A call that fails lists what it sent, and the finding that could not be sent once.
        let failing = mock!(aws_sdk_securityhub::Client::batch_import_findings).then_error(|| {
            aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code("InternalException")
                    .message("mocked")
                    .build(),
            )
        });
        let client = mock_clients::securityhub(&[&failing], &counters);
        let clients: ClientFor = Arc::new(move |_: &str, _: &str| Ok(client.clone()));
        let mut batch: Vec<Value> = (0..3).map(|i| finding(i, "111111111111")).collect();
        batch.push(empty);
        let report = publish_with_clients(&batch, &BTreeSet::new(), clients);
        assert_eq!(report.imported, 0);
        assert_eq!(report.not_imported.len(), 4, "{:#?}", report.not_imported);
    }

    #[test]
    fn a_waiver_added_or_lifted_since_the_baseline_updates_the_workflow_status() {
        use aws_sdk_securityhub::operation::batch_update_findings::BatchUpdateFindingsOutput;
        use aws_sdk_securityhub::types::BatchUpdateFindingsUnprocessedFinding;
        let counters = Arc::new(crate::counting::Counters::default());
        let import =
            mock!(aws_sdk_securityhub::Client::batch_import_findings).then_compute_output(|r| {
                BatchImportFindingsOutput::builder()
                    .success_count(r.findings().len() as i32)
                    .failed_count(0)
                    .build()
            });
        let seen = Arc::new(std::sync::Mutex::new(Vec::<(String, String, String)>::new()));
        let record = seen.clone();
        let update = mock!(aws_sdk_securityhub::Client::batch_update_findings).then_compute_output(
            move |r| {
                let status = r
                    .workflow()
                    .and_then(|w| w.status())
                    .unwrap()
                    .as_str()
                    .to_owned();
                let note = r
                    .note()
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_owned();
                let mut unprocessed = Vec::new();
                for id in r.finding_identifiers() {
                    let id = id.id().unwrap_or_default().to_owned();
                    if id.ends_with("/3") {
                        unprocessed.push(
                            BatchUpdateFindingsUnprocessedFinding::builder()
                                .finding_identifier(
                                    AwsSecurityFindingIdentifier::builder()
                                        .id(&id)
                                        .product_arn("p")
                                        .build(),
                                )
                                .error_code("FindingNotFound")
                                .error_message("mocked")
                                .build(),
                        );
                    }
                    record
                        .lock()
                        .unwrap()
                        .push((id, status.clone(), note.clone()));
                }
                BatchUpdateFindingsOutput::builder()
                    .set_processed_findings(Some(Vec::new()))
                    .set_unprocessed_findings(Some(unprocessed))
                    .build()
            },
        );
        let client = mock_clients::securityhub(&[&import, &update], &counters);
        let clients: ClientFor = Arc::new(move |_: &str, _: &str| Ok(client.clone()));
        let mut findings: Vec<Value> = (0..5).map(|i| finding(i, "111111111111")).collect();
        // Finding 1 was waived since; 2 and 3 had their waiver lifted; 0 and 4 did not change.
        findings[1]["Workflow"]["Status"] = Value::from("SUPPRESSED");
        findings[1]["Note"] = serde_json::json!({"Text": "Waived until 2027-01-01: vendor case",
                                                 "UpdatedBy": "snapguard", "UpdatedAt": "x"});
        let changed: BTreeSet<String> = [1, 2, 3]
            .map(|i| format!("snapguard/SG-TAG-001/{i}"))
            .into();
        let report = publish_with_clients(&findings, &changed, clients);
        assert_eq!(report.imported, 5);
        assert_eq!(report.workflow_updated, 2, "{report:#?}");
        assert_eq!(report.workflow_not_updated.len(), 1);
        assert!(!report.all_done());
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        assert_eq!(
            seen,
            [
                (
                    "snapguard/SG-TAG-001/1".to_owned(),
                    "SUPPRESSED".to_owned(),
                    "Waived until 2027-01-01: vendor case".to_owned()
                ),
                (
                    "snapguard/SG-TAG-001/2".to_owned(),
                    "NEW".to_owned(),
                    WAIVER_ENDED.to_owned()
                ),
                (
                    "snapguard/SG-TAG-001/3".to_owned(),
                    "NEW".to_owned(),
                    WAIVER_ENDED.to_owned()
                ),
            ]
        );
    }
}
