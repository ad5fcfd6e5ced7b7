//! IAM findings (SG-IAM-*) carry no remediation: they become reviews, the missing SCP
//! guardrail with the SCP to attach. So do the vault findings (SG-BACKUP-001 with the exact
//! Vault Lock call, SG-BACKUP-002 with the merged access policy): snapguard never applies a
//! lock or a resource policy. SG-PROT-010 and SG-PROT-011 go to `ebs_guardrails`. Other
//! findings without a remediation are listed as not planned.

use super::Planner;
use crate::backup::backup_vault_allows_recovery_point_deletion::{
    self as vault_policy, VAULT_DENIED_ACTIONS,
};
use crate::backup::backup_vault_not_locked;
use crate::finding::Finding;
use crate::iam::no_scp_guardrail;
use crate::prot::volume_without_backup_schedule;
use crate::registry::{self, Family};
use crate::remediation::plan::{ManualReview, ReviewTopic, Step};

impl Planner<'_> {
    /// Findings that only a person should act on become reviews; other rules without a
    /// remediation are listed as such.
    pub(super) fn plan_without_remediation(&mut self, finding: &Finding) {
        if self.ebs_guardrail(finding) {
            return;
        }
        if finding.rule_id == volume_without_backup_schedule::RULE.id {
            return self.schedule_review(finding);
        }
        match self.review_for(finding) {
            Some((target, review)) => {
                self.add(finding, &target, Step::ManualReview(review), None);
            }
            None => self.skip(
                finding,
                format!(
                    "{} has no automatic remediation; `snapguard explain {}` says what to do",
                    finding.rule_id, finding.rule_id
                ),
            ),
        }
    }

    /// The review for a finding, with what it targets; `None` for a rule without one.
    fn review_for(&self, finding: &Finding) -> Option<(String, ManualReview)> {
        let rule = finding.rule_id.as_str();
        let on_resource = |review| Some((finding.resource_arn.clone(), review));
        if rule == no_scp_guardrail::RULE.id {
            let review = ManualReview {
                topic: ReviewTopic::ScpGuardrail,
                items: vec![format!(
                    "{}: review the suggested SCP and attach it to the account or an OU above it",
                    finding.message
                )],
                document: finding.evidence.get("suggested_scp").cloned(),
            };
            Some((finding.account_id.clone(), review))
        } else if rule == backup_vault_not_locked::RULE.id {
            on_resource(self.vault_lock_review(finding))
        } else if rule == vault_policy::RULE.id {
            on_resource(self.vault_policy_review(finding))
        } else if registry::rule(rule).is_some_and(|r| r.family == Family::Iam) {
            on_resource(ManualReview {
                topic: ReviewTopic::PrincipalPermissions,
                items: vec![format!(
                    "{}: remove the grant, add the principal to iam.exempt_principals if it is \
                     a backup administrator, or attach the account's guardrail SCP",
                    finding.message
                )],
                document: None,
            })
        } else {
            None
        }
    }
}

impl Planner<'_> {
    /// The Vault Lock to put on the vault, with what it commits the organization to.
    fn vault_lock_review(&self, finding: &Finding) -> ManualReview {
        let min_days = self.config.backup.min_retention_days;
        let vault = &finding.resource_id;
        let call = format!(
            "aws backup put-backup-vault-lock-configuration --region {} --backup-vault-name \
             {vault} --min-retention-days {min_days} --max-retention-days 36500 \
             --changeable-for-days 3",
            finding.region
        );
        ManualReview {
            topic: ReviewTopic::VaultLock,
            items: vec![
                format!("{}: lock it with `{call}`", finding.message),
                format!(
                    "what it commits to: with --changeable-for-days (compliance mode), after 3 \
                     days nobody (the root user and AWS included) can remove the lock, shorten \
                     the retention, or delete a recovery point of {vault} younger than \
                     {min_days} days, and no backup job can store one kept less; without it \
                     (governance mode) principals allowed \
                     backup:DeleteBackupVaultLockConfiguration still can"
                ),
            ],
            document: Some(serde_json::json!({
                "BackupVaultName": vault,
                "MinRetentionDays": min_days,
                "MaxRetentionDays": 36500,
                "ChangeableForDays": 3,
            })),
        }
    }

    /// The vault's access policy with a statement that denies the three actions to everyone
    /// but the exempt principals, merged into the existing one.
    fn vault_policy_review(&self, finding: &Finding) -> ManualReview {
        let mut statement = serde_json::json!({
            "Sid": "SnapguardProtectRecoveryPoints",
            "Effect": "Deny",
            "Principal": "*",
            "Action": VAULT_DENIED_ACTIONS,
            "Resource": "*",
        });
        let exempt = &self.config.iam.exempt_principals;
        if !exempt.is_empty() {
            statement["Condition"] =
                serde_json::json!({ "ArnNotLike": { "aws:PrincipalArn": exempt } });
        }
        let existing = finding.evidence["access_policy"]
            .as_str()
            .and_then(|text| iam::parse_policy_text(text).ok());
        let mut document = existing
            .filter(|d| d["Statement"].is_array())
            .unwrap_or_else(|| serde_json::json!({ "Version": "2012-10-17", "Statement": [] }));
        if let Some(statements) = document["Statement"].as_array_mut() {
            statements.retain(|s| s["Sid"] != "SnapguardProtectRecoveryPoints");
            statements.push(statement);
        }
        ManualReview {
            topic: ReviewTopic::VaultAccessPolicy,
            items: vec![format!(
                "{}: review the merged policy and apply it with `aws backup \
                 put-backup-vault-access-policy --region {} --backup-vault-name {} --policy \
                 file://policy.json`",
                finding.message, finding.region, finding.resource_id
            )],
            document: Some(document),
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

    fn review_of(
        rule: &str,
        evidence: serde_json::Value,
    ) -> crate::remediation::plan::ManualReview {
        let mut config = config();
        config.iam.exempt_principals = vec!["arn:aws:iam::*:role/BackupAdmin".into()];
        let plan = plan_all(&[finding(rule, "prod-vault", None, evidence)], &config);
        assert!(plan.not_planned.is_empty(), "{:?}", plan.not_planned);
        match &plan.actions[0].step {
            Step::ManualReview(review) => review.clone(),
            other => panic!("expected a manual review, got {other:?}"),
        }
    }

    #[test]
    fn an_unlocked_vault_gets_the_exact_lock_call_for_review_never_applied() {
        let review = review_of("SG-BACKUP-001", json!({}));
        assert_eq!(review.topic, ReviewTopic::VaultLock);
        assert!(
            review.items[0].contains("put-backup-vault-lock-configuration")
                && review.items[0].contains("--backup-vault-name prod-vault")
                && review.items[0].contains("--min-retention-days 7"),
            "{:?}",
            review.items
        );
        assert!(review.items[1].contains("nobody"), "{:?}", review.items);
        assert_eq!(review.document.unwrap()["MinRetentionDays"], 7);
    }

    #[test]
    fn the_vault_policy_review_merges_the_deny_into_the_existing_policy() {
        let existing = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "CrossAccountCopy", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
             "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]});
        let review = review_of(
            "SG-BACKUP-002",
            json!({ "access_policy": existing.to_string() }),
        );
        assert_eq!(review.topic, ReviewTopic::VaultAccessPolicy);
        let document = review.document.unwrap();
        let statements = document["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Sid"], "CrossAccountCopy");
        assert_eq!(statements[1]["Effect"], "Deny");
        assert_eq!(
            statements[1]["Condition"]["ArnNotLike"]["aws:PrincipalArn"][0],
            "arn:aws:iam::*:role/BackupAdmin"
        );
        // Without an existing policy, the document is the deny alone.
        let review = review_of("SG-BACKUP-002", json!({ "access_policy": null }));
        assert_eq!(
            review.document.unwrap()["Statement"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}
