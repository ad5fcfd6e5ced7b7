//! The EBS guardrails of an account-region (SG-PROT-010 encryption by default, SG-PROT-011
//! snapshot lock). Each affects more than one resource or cannot be taken back, so the plan
//! changes them only when made with `--opt-in`; otherwise, and for the compliance-mode lock
//! always, a person gets the exact call to review.

use super::Planner;
use crate::finding::Finding;
use crate::prot::{ebs_encryption_by_default_off, snapshot_not_locked};
use crate::remediation::plan::{LockSnapshot, ManualReview, OptIn, ReviewTopic, Step};

impl Planner<'_> {
    /// Plans a finding of SG-PROT-010 or SG-PROT-011 and says so; `false` for any other rule.
    pub(super) fn ebs_guardrail(&mut self, finding: &Finding) -> bool {
        let rule = finding.rule_id.as_str();
        if rule == ebs_encryption_by_default_off::RULE.id {
            self.encryption_by_default(finding);
        } else if rule == snapshot_not_locked::RULE.id {
            self.snapshot_lock(finding);
        } else {
            return false;
        }
        true
    }

    fn opted_in(&self, opt_in: OptIn) -> bool {
        self.filter.opt_in.contains(&opt_in)
    }

    fn encryption_by_default(&mut self, finding: &Finding) {
        if self.opted_in(OptIn::EbsEncryptionByDefault) {
            let note = format!(
                "opted in (--opt-in {}): every EBS volume created in this account-region from \
                 now on is encrypted, with the default EBS key; existing volumes and snapshots \
                 stay as they are, and instance types without EBS encryption support no longer \
                 launch here",
                OptIn::EbsEncryptionByDefault.as_str()
            );
            self.add(
                finding,
                &finding.resource_id,
                Step::EnableEbsEncryptionByDefault,
                Some(note),
            );
            return;
        }
        let review = ManualReview {
            topic: ReviewTopic::EbsEncryptionByDefault,
            items: vec![format!(
                "{}: turn it on with `aws ec2 enable-ebs-encryption-by-default --region {}` in \
                 account {} (existing volumes stay as they are), or plan again with `--opt-in {}`",
                finding.message,
                finding.region,
                finding.account_id,
                OptIn::EbsEncryptionByDefault.as_str()
            )],
            document: None,
        };
        self.add(
            finding,
            &finding.resource_arn,
            Step::ManualReview(review),
            None,
        );
    }

    /// The compliance-mode lock the rule asks for is always a review; opted in, a
    /// governance-mode lock protects the snapshot until a person puts it. That lock does not
    /// resolve the finding, so the action lists the rule but no fingerprint.
    fn snapshot_lock(&mut self, finding: &Finding) {
        let days = self.config.backup.min_retention_days;
        if self.opted_in(OptIn::GovernanceSnapshotLock) {
            let note = format!(
                "opted in (--opt-in {}): a governance-mode lock for {days} days stops \
                 ec2:DeleteSnapshot, but principals allowed ec2:UnlockSnapshot can lift or \
                 shorten it, so {} stays until the compliance-mode lock of the manual review is \
                 put; a snapshot that already has a lock is left as it is",
                OptIn::GovernanceSnapshotLock.as_str(),
                finding.rule_id
            );
            let step = Step::LockSnapshot(LockSnapshot {
                snapshot_id: finding.resource_id.clone(),
                lock_duration_days: days,
            });
            let (account, region) = (finding.account_id.clone(), finding.region.clone());
            let id = self.insert(
                &account,
                &region,
                &finding.resource_id,
                step,
                None,
                Some(note),
            );
            if let Some(action) = self.actions.get_mut(&id) {
                super::insert_sorted(&mut action.rules, &finding.rule_id);
            }
        }
        let review = ManualReview {
            topic: ReviewTopic::SnapshotLock,
            items: vec![
                format!(
                    "{}: lock it with `aws ec2 lock-snapshot --region {} --snapshot-id {} \
                     --lock-mode compliance --cool-off-period 24 --lock-duration {days}`",
                    finding.message, finding.region, finding.resource_id
                ),
                "what it commits to: after the 24-hour cooling-off period nobody (the root \
                 user and AWS included) can delete the snapshot or shorten the lock until it \
                 ends; try --lock-mode governance first, which ec2:UnlockSnapshot can undo"
                    .to_owned(),
            ],
            document: None,
        };
        self.add(
            finding,
            &finding.resource_arn,
            Step::ManualReview(review),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::remediation::plan::{OptIn, Plan, PlanFilter, ReviewTopic, Step};
    use crate::remediation::testing::{config, finding};

    fn plan_with(rule: &str, resource: &str, opt_in: Vec<OptIn>) -> Plan {
        let filter = PlanFilter {
            opt_in,
            ..PlanFilter::default()
        };
        let plan = crate::remediation::plan(
            &[finding(rule, resource, None, json!({}))],
            None,
            &config(),
            &filter,
        );
        assert!(plan.not_planned.is_empty(), "{:?}", plan.not_planned);
        // What `remediate plan` writes, `apply` reads.
        Plan::from_json(&plan.to_json()).expect("the plan reads back")
    }

    fn review(plan: &Plan) -> (ReviewTopic, Vec<String>) {
        let reviews: Vec<_> = plan
            .actions
            .iter()
            .filter_map(|a| match &a.step {
                Step::ManualReview(r) => Some((r.topic, r.items.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(reviews.len(), 1, "{:#?}", plan.actions);
        reviews[0].clone()
    }

    #[test]
    fn without_opt_in_both_are_reviews_with_the_exact_call() {
        let plan = plan_with("SG-PROT-010", "ebs-encryption-by-default", Vec::new());
        assert_eq!(plan.actions.len(), 1);
        let (topic, items) = review(&plan);
        assert_eq!(topic, ReviewTopic::EbsEncryptionByDefault);
        assert!(
            items[0].contains("aws ec2 enable-ebs-encryption-by-default --region us-east-1")
                && items[0].contains("--opt-in ebs-encryption-by-default"),
            "{items:?}"
        );
        // The other opt-in does not admit this one.
        let other = plan_with(
            "SG-PROT-010",
            "ebs-encryption-by-default",
            vec![OptIn::GovernanceSnapshotLock],
        );
        assert_eq!(review(&other).0, ReviewTopic::EbsEncryptionByDefault);

        let plan = plan_with("SG-PROT-011", "snap-1", Vec::new());
        assert_eq!(plan.actions.len(), 1);
        let (topic, items) = review(&plan);
        assert_eq!(topic, ReviewTopic::SnapshotLock);
        assert!(
            items[0].contains("--lock-mode compliance --cool-off-period 24 --lock-duration 7"),
            "{items:?}"
        );
    }

    #[test]
    fn opted_in_encryption_by_default_is_turned_on_and_resolves_the_finding() {
        let plan = plan_with(
            "SG-PROT-010",
            "ebs-encryption-by-default",
            vec![OptIn::EbsEncryptionByDefault],
        );
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        let action = &plan.actions[0];
        assert_eq!(action.step, Step::EnableEbsEncryptionByDefault);
        assert_eq!(action.calls, ["ec2:EnableEbsEncryptionByDefault"]);
        assert_eq!(action.resolves.len(), 1);
        assert!(action.note.as_deref().unwrap().starts_with("opted in"));
    }

    #[test]
    fn an_opted_in_governance_lock_protects_meanwhile_and_the_compliance_lock_stays_a_review() {
        let plan = plan_with("SG-PROT-011", "snap-1", vec![OptIn::GovernanceSnapshotLock]);
        assert_eq!(plan.actions.len(), 2, "{:#?}", plan.actions);
        // The lock first (guardrails come before reviews); it resolves nothing.
        let lock = &plan.actions[0];
        let Step::LockSnapshot(step) = &lock.step else {
            panic!("expected a lock, got {:#?}", lock.step);
        };
        assert_eq!(
            (step.snapshot_id.as_str(), step.lock_duration_days),
            ("snap-1", 7)
        );
        assert_eq!(lock.calls, ["ec2:LockSnapshot"]);
        assert!(lock.resolves.is_empty());
        assert_eq!(lock.rules, ["SG-PROT-011"]);
        assert!(lock.note.as_deref().unwrap().contains("ec2:UnlockSnapshot"));
        assert_eq!(review(&plan).0, ReviewTopic::SnapshotLock);
        assert_eq!(plan.actions[1].resolves.len(), 1);
    }

    #[test]
    fn a_plan_holding_an_opt_in_action_without_its_opt_in_is_refused() {
        let plan = plan_with("SG-PROT-011", "snap-1", vec![OptIn::GovernanceSnapshotLock]);
        let text = plan.to_json();
        let stripped = text.replacen(
            "\"opt_in\": [\n      \"governance-snapshot-lock\"\n    ]",
            "\"opt_in\": []",
            1,
        );
        assert_ne!(stripped, text, "{text}");
        let e = Plan::from_json(&stripped).unwrap_err().to_string();
        assert!(
            e.contains("lock_snapshot") && e.contains("--opt-in governance-snapshot-lock"),
            "{e}"
        );
        let forever = text.replacen("\"lock_duration_days\": 7", "\"lock_duration_days\": 0", 1);
        assert_ne!(forever, text);
        let e = Plan::from_json(&forever).unwrap_err().to_string();
        assert!(e.contains("expected 1 to 36500 days"), "{e}");
    }
}
