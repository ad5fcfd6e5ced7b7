//! Recycle Bin retention rules (SG-RBIN-*): a region-level rule where none covers a resource
//! type or the one there keeps too little, locked when configured; a lock on an unlocked rule.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{CreateRetentionRule, LockRetentionRule, Step, Tags};

impl Planner<'_> {
    /// A rule that keeps too little is not raised: a new region-level rule is created beside it.
    pub(super) fn update_retention_period(
        &mut self,
        finding: &Finding,
        rule_id: &str,
        retention_days: u64,
    ) {
        match finding.evidence["resource_type"].as_str() {
            Some(resource_type) => {
                let note = format!(
                    "rule {rule_id} keeps its shorter period: raising it needs \
                     rbin:UpdateRule, which could as well shorten it, so the remediation role \
                     lacks it. Recycle Bin keeps a resource for the longest period of the \
                     rules matching it, so the new rule protects it; raise or retire \
                     {rule_id} by hand"
                );
                self.retention_rule(
                    finding,
                    resource_type,
                    retention_days,
                    self.config.recycle_bin.require_lock,
                    Some(note),
                );
            }
            None => self.skip(
                finding,
                "its evidence does not say which resource type the rule retains".into(),
            ),
        }
    }

    pub(super) fn lock_retention_rule(&mut self, finding: &Finding, rule_id: &str) {
        let step = Step::LockRetentionRule(LockRetentionRule {
            rule_id: rule_id.to_owned(),
            unlock_delay_days: self.config.remediation.unlock_delay_days,
        });
        self.add(finding, rule_id, step, None);
    }

    pub(super) fn retention_rule(
        &mut self,
        finding: &Finding,
        resource_type: &str,
        retention_days: u64,
        lock: bool,
        note: Option<String>,
    ) {
        let step = Step::CreateRetentionRule(CreateRetentionRule {
            resource_type: resource_type.to_owned(),
            retention_days,
            unlock_delay_days: lock.then_some(self.config.remediation.unlock_delay_days),
            tags: Tags::new(),
        });
        self.add(finding, resource_type, step, note);
    }
}

#[cfg(test)]
mod tests {
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::Remediation;
    use serde_json::json;

    #[test]
    fn merges_retention_findings_of_one_resource_type_and_place() {
        let create = || Remediation::CreateRetentionRule {
            resource_type: "EBS_SNAPSHOT".into(),
            retention_days: 7,
            lock: true,
        };
        let findings = [
            finding("SG-RBIN-001", "rb-1", Some(create()), json!({})),
            finding("SG-RBIN-005", "snap-1", Some(create()), json!({})),
            finding(
                "SG-RBIN-004",
                "rule-1",
                Some(Remediation::UpdateRetentionPeriod {
                    rule_id: "rule-1".into(),
                    retention_days: 7,
                }),
                json!({ "resource_type": "EBS_SNAPSHOT" }),
            ),
        ];
        let plan = plan_all(&findings, &config());
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        assert_eq!(plan.actions[0].resolves.len(), 3);
        assert_eq!(plan.actions[0].calls, ["rbin:CreateRule"]);
    }
}
