//! Data Lifecycle Manager: the region's lifecycle policies (`GetLifecyclePolicies`), each
//! completed by `GetLifecyclePolicy` with what it targets, its schedules, retention, copies and
//! shares (<https://docs.aws.amazon.com/dlm/latest/APIReference/API_Operations.html>).

use aws_sdk_dlm::types as d;
use rules::inventory::{
    CrossRegionCopyRule, CrossRegionCopyTarget, DlmCreateRule, DlmExclusions, DlmParameters,
    DlmRetainRule, DlmSchedule, DlmScript, DlmShareRule, LifecyclePolicy, PolicyDetails, Str, Tag,
};

use super::{failures_gap, non_negative};
use crate::explain;

/// Every lifecycle policy of the region with its details; `Err` when the listing fails. A
/// policy whose details cannot be read keeps `policy_details: None` and is named in the gap.
pub(super) async fn lifecycle_policies(
    dlm: &aws_sdk_dlm::Client,
    gap: &mut impl FnMut(&str, String),
) -> Option<Vec<LifecyclePolicy>> {
    // GetLifecyclePolicies is not paginated: it returns every policy of the region.
    let listed = match dlm.get_lifecycle_policies().send().await {
        Ok(out) => out,
        Err(e) => {
            gap("dlm:GetLifecyclePolicies", explain(&e));
            return None;
        }
    };
    let mut policies: Vec<LifecyclePolicy> = listed
        .policies()
        .iter()
        .map(|p| LifecyclePolicy {
            policy_id: p.policy_id().unwrap_or_default().into(),
            description: p.description().map(Str::from),
            state: p.state().map(|s| s.as_str().into()),
            policy_type: p.policy_type().map(|t| t.as_str().into()),
            default_policy: p.default_policy(),
            tags: p
                .tags()
                .map(|tags| {
                    tags.iter()
                        .map(|(k, v)| (Str::from(k.as_str()), Str::from(v.as_str())))
                        .collect()
                })
                .unwrap_or_default(),
            ..LifecyclePolicy::default()
        })
        .collect();
    let mut failures = Vec::new();
    for policy in policies.iter_mut() {
        match dlm
            .get_lifecycle_policy()
            .policy_id(policy.policy_id.as_str())
            .send()
            .await
        {
            Ok(out) => {
                if let Some(p) = out.policy() {
                    policy.policy_arn = p.policy_arn().map(Str::from);
                    policy.execution_role_arn = p.execution_role_arn().map(Str::from);
                    policy.policy_details = p.policy_details().map(policy_details);
                }
            }
            Err(e) => failures.push((policy.policy_id.to_string(), explain(&e))),
        }
    }
    failures_gap(gap, "dlm:GetLifecyclePolicy", &failures, |n| {
        format!(
            "{n} lifecycle policies could not be described (what they back up, and so which \
             volumes are on a schedule, is unknown)"
        )
    });
    Some(policies)
}

fn tags(list: &[d::Tag]) -> Vec<Tag> {
    list.iter()
        .map(|t| Tag {
            key: t.key().unwrap_or_default().into(),
            value: t.value().unwrap_or_default().into(),
        })
        .collect()
}

fn policy_details(p: &d::PolicyDetails) -> PolicyDetails {
    PolicyDetails {
        policy_type: p.policy_type().map(|t| t.as_str().into()),
        resource_types: p
            .resource_types()
            .iter()
            .map(|t| t.as_str().into())
            .collect(),
        resource_locations: p
            .resource_locations()
            .iter()
            .map(|l| l.as_str().into())
            .collect(),
        target_tags: tags(p.target_tags()),
        schedules: p.schedules().iter().map(schedule).collect(),
        policy_language: p.policy_language().map(|l| l.as_str().into()),
        create_interval: p.create_interval().map(non_negative),
        retain_interval: p.retain_interval().map(non_negative),
        cross_region_copy_targets: p
            .cross_region_copy_targets()
            .iter()
            .map(|t| CrossRegionCopyTarget {
                target_region: t.target_region().unwrap_or_default().into(),
            })
            .collect(),
        exclusions: p.exclusions().map(|x| DlmExclusions {
            exclude_boot_volumes: x.exclude_boot_volumes(),
            exclude_volume_types: x
                .exclude_volume_types()
                .iter()
                .map(|t| Str::from(t.as_str()))
                .collect(),
            exclude_tags: tags(x.exclude_tags()),
        }),
        parameters: p.parameters().map(|x| DlmParameters {
            exclude_boot_volume: x.exclude_boot_volume(),
            exclude_data_volume_tags: tags(x.exclude_data_volume_tags()),
        }),
        // Event-based policies copy shared snapshots; only their presence matters here.
        actions: p
            .actions()
            .iter()
            .map(|a| serde_json::json!({ "Name": a.name() }))
            .collect(),
    }
}

fn retain_rule(r: &d::RetainRule) -> DlmRetainRule {
    DlmRetainRule {
        count: r.count().map(non_negative),
        interval: r.interval().map(non_negative),
        interval_unit: r.interval_unit().map(|u| u.as_str().into()),
    }
}

fn schedule(s: &d::Schedule) -> DlmSchedule {
    DlmSchedule {
        name: s.name().map(Str::from),
        copy_tags: s.copy_tags(),
        tags_to_add: tags(s.tags_to_add()),
        create_rule: s.create_rule().map(|c| DlmCreateRule {
            location: c.location().map(|l| l.as_str().into()),
            interval: c.interval().map(non_negative),
            interval_unit: c.interval_unit().map(|u| u.as_str().into()),
            times: c.times().iter().map(|t| Str::from(t.as_str())).collect(),
            cron_expression: c.cron_expression().map(Str::from),
            scripts: c
                .scripts()
                .iter()
                .map(|x| DlmScript {
                    stages: x.stages().iter().map(|s| s.as_str().into()).collect(),
                    execution_handler_service: x
                        .execution_handler_service()
                        .map(|h| h.as_str().into()),
                    execution_handler: x.execution_handler().map(Str::from),
                    execute_operation_on_script_failure: x.execute_operation_on_script_failure(),
                    execution_timeout: x.execution_timeout().map(non_negative),
                    maximum_retry_count: x.maximum_retry_count().map(non_negative),
                })
                .collect(),
        }),
        retain_rule: s.retain_rule().map(retain_rule),
        cross_region_copy_rules: s
            .cross_region_copy_rules()
            .iter()
            .map(|c| CrossRegionCopyRule {
                target_region: c.target_region().map(Str::from),
                target: c.target().map(Str::from),
                encrypted: c.encrypted(),
                cmk_arn: c.cmk_arn().map(Str::from),
                copy_tags: c.copy_tags(),
                retain_rule: c.retain_rule().map(|r| DlmRetainRule {
                    count: None,
                    interval: r.interval().map(non_negative),
                    interval_unit: r.interval_unit().map(|u| u.as_str().into()),
                }),
            })
            .collect(),
        share_rules: s
            .share_rules()
            .iter()
            .map(|r| DlmShareRule {
                target_accounts: r
                    .target_accounts()
                    .iter()
                    .map(|a| Str::from(a.as_str()))
                    .collect(),
                unshare_interval: r.unshare_interval().map(non_negative),
                unshare_interval_unit: r.unshare_interval_unit().map(|u| u.as_str().into()),
            })
            .collect(),
        archive_rule: s.archive_rule().map(|a| {
            let tier = a.retain_rule().and_then(|r| r.retention_archive_tier());
            serde_json::json!({"RetainRule": {"RetentionArchiveTier": {
                "Count": tier.and_then(|t| t.count()),
                "Interval": tier.and_then(|t| t.interval()),
                "IntervalUnit": tier.and_then(|t| t.interval_unit()).map(|u| u.as_str()),
            }}})
        }),
    }
}

/// Against mocked responses: the emulator does not serve Data Lifecycle Manager.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_dlm::operation::get_lifecycle_policies::GetLifecyclePoliciesOutput;
    use aws_sdk_dlm::operation::get_lifecycle_policy::GetLifecyclePolicyOutput;
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients;

    fn summary(id: &str) -> d::LifecyclePolicySummary {
        d::LifecyclePolicySummary::builder()
            .policy_id(id)
            .state(d::GettablePolicyStateValues::Enabled)
            .policy_type(d::PolicyTypeValues::EbsSnapshotManagement)
            .build()
    }

    #[tokio::test]
    async fn policies_are_read_with_their_schedules_and_a_failed_one_is_a_gap() {
        let list = mock!(aws_sdk_dlm::Client::get_lifecycle_policies).then_output(|| {
            GetLifecyclePoliciesOutput::builder()
                .policies(summary("policy-1"))
                .policies(summary("policy-2"))
                .build()
        });
        let details = mock!(aws_sdk_dlm::Client::get_lifecycle_policy)
            .match_requests(|r| r.policy_id() == Some("policy-1"))
            .then_output(|| {
                let schedule = d::Schedule::builder()
                    .name("daily")
                    .create_rule(
                        d::CreateRule::builder()
                            .interval(24)
                            .interval_unit(d::IntervalUnitValues::Hours)
                            .build(),
                    )
                    .retain_rule(
                        d::RetainRule::builder()
                            .interval(14)
                            .interval_unit(d::RetentionIntervalUnitValues::Days)
                            .build(),
                    )
                    .cross_region_copy_rules(
                        d::CrossRegionCopyRule::builder()
                            .target("us-west-2")
                            .encrypted(true)
                            .build(),
                    )
                    .build();
                GetLifecyclePolicyOutput::builder()
                    .policy(
                        d::LifecyclePolicy::builder()
                            .policy_id("policy-1")
                            .policy_arn("arn:aws:dlm:us-east-1:111111111111:policy/policy-1")
                            .policy_details(
                                d::PolicyDetails::builder()
                                    .resource_types(d::ResourceTypeValues::Volume)
                                    .target_tags(
                                        d::Tag::builder().key("Backup").value("daily").build(),
                                    )
                                    .schedules(schedule)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let denied = mock!(aws_sdk_dlm::Client::get_lifecycle_policy)
            .match_requests(|r| r.policy_id() == Some("policy-2"))
            .then_http_response(|| mock_clients::json_error(403, "AccessDeniedException"));
        let counters = Arc::new(Counters::default());
        let client = mock_clients::dlm(&[&list, &details, &denied], &counters);
        let mut gaps = Vec::new();
        let policies = lifecycle_policies(&client, &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await
        .unwrap();
        assert_eq!(policies.len(), 2);
        assert!(policies[0].is_enabled());
        let details = policies[0].policy_details.as_ref().unwrap();
        assert_eq!(details.resource_types, ["VOLUME"]);
        assert_eq!(details.target_tags[0].value, "daily");
        let schedule = &details.schedules[0];
        assert_eq!(
            schedule.retain_rule.as_ref().unwrap().retention_days(),
            Some(14)
        );
        assert_eq!(
            schedule.cross_region_copy_rules[0].destination_region(),
            Some("us-west-2")
        );
        assert!(policies[1].policy_details.is_none(), "unknown, not empty");
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].0, "dlm:GetLifecyclePolicy");
        assert!(gaps[0].1.contains("policy-2"), "{}", gaps[0].1);
    }
}
