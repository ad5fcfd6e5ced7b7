//! IAM findings (SG-IAM-*) carry no remediation: they become reviews, the missing SCP
//! guardrail with the SCP to attach. Other findings without a remediation are listed as not
//! planned.

use super::Planner;
use crate::finding::Finding;
use crate::iam::no_scp_guardrail;
use crate::registry::{self, Family};
use crate::remediation::plan::{ManualReview, ReviewTopic, Step};

impl Planner<'_> {
    /// IAM findings become reviews; other rules without a remediation are listed as such.
    pub(super) fn plan_without_remediation(&mut self, finding: &Finding) {
        if finding.rule_id == no_scp_guardrail::RULE.id {
            let review = ManualReview {
                topic: ReviewTopic::ScpGuardrail,
                items: vec![format!(
                    "{}: review the suggested SCP and attach it to the account or an OU above it",
                    finding.message
                )],
                document: finding.evidence.get("suggested_scp").cloned(),
            };
            self.add(
                finding,
                &finding.account_id,
                Step::ManualReview(review),
                None,
            );
        } else if registry::rule(&finding.rule_id).is_some_and(|r| r.family == Family::Iam) {
            let review = ManualReview {
                topic: ReviewTopic::PrincipalPermissions,
                items: vec![format!(
                    "{}: remove the grant, add the principal to iam.exempt_principals if it is \
                     a backup administrator, or attach the account's guardrail SCP",
                    finding.message
                )],
                document: None,
            };
            self.add(
                finding,
                &finding.resource_arn,
                Step::ManualReview(review),
                None,
            );
        } else {
            self.skip(
                finding,
                format!(
                    "{} has no automatic remediation; `snapguard explain {}` says what to do",
                    finding.rule_id, finding.rule_id
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::remediation::plan::{ReviewTopic, Step};
    use crate::remediation::testing::{config, finding, plan_all, ACCOUNT};
    use serde_json::json;

    #[test]
    fn iam_findings_become_reviews_carrying_the_scp() {
        let scp = json!({ "Version": "2012-10-17", "Statement": [] });
        let plan = plan_all(
            &[finding(
                "SG-IAM-005",
                ACCOUNT,
                None,
                json!({ "suggested_scp": scp }),
            )],
            &config(),
        );
        let Step::ManualReview(review) = &plan.actions[0].step else {
            panic!("expected a manual review");
        };
        assert_eq!(review.topic, ReviewTopic::ScpGuardrail);
        assert_eq!(review.document, Some(scp));
    }
}
