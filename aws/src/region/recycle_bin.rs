//! Recycle Bin retention rules for snapshots and for AMIs: listed, then each described for
//! the resources it retains.

use rules::inventory::{RetentionPeriod, RetentionRule, RetentionRuleTag, Str};

use super::failures_gap;
use crate::explain;

/// The largest page `ListRules` accepts.
const MAX_RULES: i32 = 1000;

pub(super) async fn retention_rules(
    rbin: &aws_sdk_rbin::Client,
    resource_type: aws_sdk_rbin::types::ResourceType,
) -> Result<Vec<RetentionRule>, String> {
    let pages = rbin
        .list_rules()
        .resource_type(resource_type)
        .max_results(MAX_RULES)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| explain(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.rules())
        .map(|r| RetentionRule {
            identifier: r.identifier().unwrap_or_default().into(),
            description: r.description().map(Str::from),
            rule_arn: r.rule_arn().map(Str::from),
            retention_period: r.retention_period().map(|p| RetentionPeriod {
                retention_period_value: p.retention_period_value() as u64,
                retention_period_unit: p.retention_period_unit().as_str().into(),
            }),
            lock_state: r.lock_state().map(|s| s.as_str().into()),
            status: None,
            resource_tags: None,
            exclude_resource_tags: None,
        })
        .collect())
}

fn rule_tags(list: &[aws_sdk_rbin::types::ResourceTag]) -> Vec<RetentionRuleTag> {
    list.iter()
        .map(|t| RetentionRuleTag {
            resource_tag_key: t.resource_tag_key().into(),
            resource_tag_value: t.resource_tag_value().map(Str::from),
        })
        .collect()
}

/// `GetRule` for every listed rule: which resources it retains (tags, exclusions), its status.
pub(super) async fn complete_rules(
    rbin: &aws_sdk_rbin::Client,
    listed: Result<Vec<RetentionRule>, String>,
    resource_type: &str,
    gap: &mut impl FnMut(&str, String),
) -> Option<Vec<RetentionRule>> {
    let mut rules = match listed {
        Ok(rules) => rules,
        Err(e) => {
            gap("rbin:ListRules", format!("{resource_type}: {e}"));
            return None;
        }
    };
    let mut failures = Vec::new();
    for rule in rules.iter_mut() {
        match rbin
            .get_rule()
            .identifier(rule.identifier.as_str())
            .send()
            .await
        {
            Ok(out) => {
                rule.resource_tags = Some(rule_tags(out.resource_tags()));
                rule.exclude_resource_tags = Some(rule_tags(out.exclude_resource_tags()));
                rule.status = out.status().map(|s| s.as_str().into());
            }
            Err(e) => failures.push((rule.identifier.to_string(), explain(&e))),
        }
    }
    failures_gap(gap, "rbin:GetRule", &failures, |n| {
        format!(
            "{n} {resource_type} retention rules could not be described (their tags, and so \
             which resources they retain, are unknown)"
        )
    });
    Some(rules)
}

/// Against mocked responses, as the emulator does not serve Recycle Bin: calls, pagination,
/// details and error paths.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_rbin::operation::get_rule::GetRuleOutput;
    use aws_sdk_rbin::operation::list_rules::ListRulesOutput;
    use aws_sdk_rbin::types::{
        LockState, ResourceTag, ResourceType, RetentionPeriod as SdkPeriod, RetentionPeriodUnit,
        RuleStatus, RuleSummary,
    };
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients::{self, rbin};

    fn summary(id: &str, days: i32, locked: bool) -> RuleSummary {
        RuleSummary::builder()
            .identifier(id)
            .description(format!("rule {id}"))
            .retention_period(
                SdkPeriod::builder()
                    .retention_period_value(days)
                    .retention_period_unit(RetentionPeriodUnit::Days)
                    .build()
                    .unwrap(),
            )
            .set_lock_state(locked.then_some(LockState::Locked))
            .rule_arn(format!("arn:aws:rbin:us-east-1:111111111111:rule/{id}"))
            .build()
    }

    fn calls(counters: &Counters, op: &str) -> u64 {
        counters
            .api_calls
            .lock()
            .unwrap()
            .get(op)
            .copied()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn retention_rules_are_paginated_and_completed_by_get_rule() {
        let page1 = mock!(aws_sdk_rbin::Client::list_rules)
            .match_requests(|r| {
                r.next_token().is_none() && r.resource_type() == Some(&ResourceType::EbsSnapshot)
            })
            .then_output(|| {
                ListRulesOutput::builder()
                    .rules(summary("r1", 7, true))
                    .next_token("page2")
                    .build()
            });
        let page2 = mock!(aws_sdk_rbin::Client::list_rules)
            .match_requests(|r| {
                r.next_token() == Some("page2") && r.max_results() == Some(MAX_RULES)
            })
            .then_output(|| {
                ListRulesOutput::builder()
                    .rules(summary("r2", 1, false))
                    .build()
            });
        let get1 = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r1"))
            .then_output(|| {
                GetRuleOutput::builder()
                    .identifier("r1")
                    .status(RuleStatus::Available)
                    .build()
            });
        let get2 = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r2"))
            .then_output(|| {
                GetRuleOutput::builder()
                    .identifier("r2")
                    .resource_tags(
                        ResourceTag::builder()
                            .resource_tag_key("Backup")
                            .resource_tag_value("yes")
                            .build()
                            .unwrap(),
                    )
                    .status(RuleStatus::Available)
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&page1, &page2, &get1, &get2], &counters);
        let listed = retention_rules(&client, ResourceType::EbsSnapshot).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(
            &client,
            listed,
            "EBS_SNAPSHOT",
            &mut |op: &str, e: String| gaps.push((op.to_owned(), e)),
        )
        .await
        .expect("rules read");
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].retention_days(), Some(7));
        assert!(rules[0].is_locked());
        assert_eq!(rules[0].is_tag_level(), Some(false));
        assert_eq!(rules[0].status.as_deref(), Some("available"));
        assert!(!rules[1].is_locked());
        assert_eq!(rules[1].is_tag_level(), Some(true));
        assert_eq!(
            rules[1].resource_tags.as_ref().unwrap()[0]
                .resource_tag_value
                .as_deref(),
            Some("yes")
        );
        assert_eq!(calls(&counters, "rbin:ListRules"), 2);
        assert_eq!(calls(&counters, "rbin:GetRule"), 2);
    }

    #[tokio::test]
    async fn a_rule_that_cannot_be_described_is_a_gap_and_keeps_unknown_tags() {
        let list = mock!(aws_sdk_rbin::Client::list_rules).then_output(|| {
            ListRulesOutput::builder()
                .rules(summary("r1", 30, true))
                .rules(summary("r2", 30, true))
                .build()
        });
        let ok = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r1"))
            .then_output(|| GetRuleOutput::builder().identifier("r1").build());
        let denied = mock!(aws_sdk_rbin::Client::get_rule)
            .match_requests(|r| r.identifier() == Some("r2"))
            .then_http_response(|| mock_clients::json_error(403, "AccessDeniedException"));
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&list, &ok, &denied], &counters);
        let listed = retention_rules(&client, ResourceType::Ec2Image).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(&client, listed, "EC2_IMAGE", &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await
        .unwrap();
        assert_eq!(rules[0].is_tag_level(), Some(false));
        assert_eq!(
            rules[1].is_tag_level(),
            None,
            "unknown, not assumed region-level"
        );
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].0, "rbin:GetRule");
        assert!(
            gaps[0].1.contains("AccessDeniedException") && gaps[0].1.contains("r2"),
            "{}",
            gaps[0].1
        );
    }

    #[tokio::test]
    async fn list_rules_denied_or_throttled_out_is_unread_not_empty() {
        let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        let throttled = mock!(aws_sdk_rbin::Client::list_rules)
            .sequence()
            .http_status(400, Some(body.to_owned()))
            .times(3)
            .build();
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&throttled], &counters);
        let listed = retention_rules(&client, ResourceType::EbsSnapshot).await;
        let mut gaps = Vec::new();
        let rules = complete_rules(
            &client,
            listed,
            "EBS_SNAPSHOT",
            &mut |op: &str, e: String| gaps.push((op.to_owned(), e)),
        )
        .await;
        assert!(rules.is_none());
        assert_eq!(gaps[0].0, "rbin:ListRules");
        assert!(
            gaps[0].1.contains("ThrottlingException") && gaps[0].1.contains("retries exhausted"),
            "{}",
            gaps[0].1
        );
        assert_eq!(calls(&counters, "rbin:ListRules"), 3);
        assert_eq!(
            counters
                .throttle_retries
                .lock()
                .unwrap()
                .get("rbin:ListRules"),
            Some(&2)
        );

        // Throttled once, then served: read, one retry counted.
        let retried = mock!(aws_sdk_rbin::Client::list_rules)
            .sequence()
            .http_status(400, Some(body.to_owned()))
            .output(|| ListRulesOutput::builder().build())
            .build();
        let counters = Arc::new(Counters::default());
        let client = rbin(&[&retried], &counters);
        let rules = retention_rules(&client, ResourceType::EbsSnapshot)
            .await
            .unwrap();
        assert!(rules.is_empty());
        assert_eq!(
            counters
                .throttle_retries
                .lock()
                .unwrap()
                .get("rbin:ListRules"),
            Some(&1)
        );
    }
}
