//! Volumes on no backup schedule (SG-PROT-008): tagged into one when `[remediation]
//! schedule_tags` would put them on one, otherwise one review per account-region carrying a
//! ready Data Lifecycle Manager policy.

use serde_json::json;

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{AddTags, ManualReview, ReviewTopic, Step};

/// The target of the per-account-region review.
const SCHEDULE_REVIEW_TARGET: &str = "volumes-without-backup-schedule";

/// The hours DLM's `CreateRule` takes as an interval
/// (<https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateRule.html>).
const DLM_INTERVAL_HOURS: [i64; 8] = [1, 2, 3, 4, 6, 8, 12, 24];

/// The cross-Region copy rules a DLM schedule takes
/// (<https://docs.aws.amazon.com/dlm/latest/APIReference/API_Schedule.html>).
const DLM_MAX_COPY_RULES: usize = 3;

impl Planner<'_> {
    /// The schedule tags, added to a volume that has none of their keys.
    pub(super) fn tag_for_schedule(
        &mut self,
        finding: &Finding,
        volume_id: &str,
        tags: &std::collections::BTreeMap<String, String>,
        schedules: &[String],
    ) {
        let step = Step::AddTags(AddTags {
            resource_id: volume_id.to_owned(),
            tags: tags.clone(),
        });
        let note = format!(
            "[remediation] schedule_tags put the volume on {}; its first backup comes at the \
             schedule's next run",
            schedules.join(", ")
        );
        self.add(finding, volume_id, step, Some(note));
    }

    /// SG-PROT-008 without a tagging remediation: one review per account-region, naming each
    /// volume, with a DLM policy that would take their backups.
    pub(super) fn schedule_review(&mut self, finding: &Finding) {
        let config = self.config;
        let tags = match config.remediation.schedule_tags.is_empty() {
            true => [("Backup".to_owned(), "daily".to_owned())].into(),
            false => config.remediation.schedule_tags.clone(),
        };
        let tag_list: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let why_not = finding.evidence["schedule_tags"]["why_not"]
            .as_str()
            .map(|why| format!(" ([remediation] schedule_tags do not help: {why})"))
            .unwrap_or_default();
        let review = ManualReview {
            topic: ReviewTopic::BackupSchedule,
            items: vec![
                format!(
                    "{}{why_not}: tag it {} once the policy below (or another schedule \
                     selecting those tags) exists",
                    finding.message,
                    tag_list.join(", ")
                ),
                format!(
                    "create the policy with `aws dlm create-lifecycle-policy --region {} \
                     --cli-input-json file://policy.json` in account {} (it runs as \
                     AWSDataLifecycleManagerDefaultRole: `aws dlm create-default-role \
                     --resource-type snapshot` makes it)",
                    finding.region, finding.account_id
                ),
            ],
            document: Some(self.dlm_policy(finding, &tags)),
        };
        self.add(
            finding,
            SCHEDULE_REVIEW_TARGET,
            Step::ManualReview(review),
            None,
        );
    }

    /// A `CreateLifecyclePolicy` request
    /// (<https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateLifecyclePolicy.html>)
    /// for volumes tagged `tags`: snapshots as often as `protection.max_snapshot_age` asks (an
    /// hour to spare for DLM's start window), kept `backup.min_retention_days` days, copied
    /// encrypted to the first three `protection.copy_regions` regions (DLM's limit; with
    /// `remediation.copy_kms_key_id` when it is a key ARN) and shared with
    /// `protection.archive_account`.
    fn dlm_policy(
        &self,
        finding: &Finding,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> serde_json::Value {
        let config = self.config;
        let account = &finding.account_id;
        // The partition of the finding's ARN (`aws`, `aws-us-gov`, `aws-cn`).
        let partition = finding.resource_arn.split(':').nth(1).unwrap_or("aws");
        // DLM starts a snapshot within an hour of its time: keep that hour in hand.
        let hours = config.protection.max_snapshot_age.0 / 3600 - 1;
        let interval = DLM_INTERVAL_HOURS
            .iter()
            .rev()
            .find(|h| **h <= hours)
            .copied()
            .unwrap_or(1);
        let retain = json!({
            "Interval": config.backup.min_retention_days,
            "IntervalUnit": "DAYS",
        });
        let mut schedule = json!({
            "Name": format!("every {interval} hours"),
            "CopyTags": true,
            "CreateRule": { "Interval": interval, "IntervalUnit": "HOURS", "Times": ["03:00"] },
            "RetainRule": retain,
        });
        let copies: Vec<serde_json::Value> = config
            .protection
            .copy_regions
            .iter()
            .take(DLM_MAX_COPY_RULES)
            .map(|region| {
                let mut rule = json!({ "Target": region, "Encrypted": true, "CopyTags": true,
                                       "RetainRule": retain });
                // CmkArn takes a key ARN only, not an alias or a bare key id.
                if let Some(key) = config
                    .remediation
                    .copy_kms_key_id
                    .as_deref()
                    .filter(|k| k.starts_with("arn:") && k.contains(":key/"))
                {
                    rule["CmkArn"] = key.into();
                }
                rule
            })
            .collect();
        if !copies.is_empty() {
            schedule["CrossRegionCopyRules"] = copies.into();
        }
        if let Some(archive) = config.protection.archive_account.as_ref().map(|a| &a.0) {
            // The archive account copies what is shared with it by an event-based policy.
            schedule["ShareRules"] = json!([{ "TargetAccounts": [archive] }]);
        }
        let target_tags: Vec<serde_json::Value> = tags
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect();
        json!({
            // DLM takes letters, digits, spaces, `_` and `-` here.
            "Description": "snapguard - volumes on no backup schedule",
            "State": "ENABLED",
            "ExecutionRoleArn":
                format!("arn:{partition}:iam::{account}:role/AWSDataLifecycleManagerDefaultRole"),
            "PolicyDetails": {
                "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
                "ResourceTypes": ["VOLUME"],
                "TargetTags": target_tags,
                "Schedules": [schedule],
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::config::AccountId;
    use crate::remediation::plan::{ReviewTopic, Step};
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::Remediation;

    #[test]
    fn schedule_tags_are_added_where_the_rule_found_they_select_the_volume() {
        let tags: std::collections::BTreeMap<String, String> =
            [("Backup".to_owned(), "daily".to_owned())].into();
        let remediation = Remediation::TagForSchedule {
            volume_id: "vol-a".into(),
            tags: tags.clone(),
            schedules: vec!["DLM policy policy-1 schedule daily".into()],
        };
        // The same volume also lacks a required tag: one add_tags with both.
        let required = Remediation::AddTags {
            resource_id: "vol-a".into(),
            keys: vec!["Owner".into()],
        };
        let plan = plan_all(
            &[
                finding("SG-PROT-008", "vol-a", Some(remediation), json!({})),
                finding("SG-TAG-003", "vol-a", Some(required), json!({})),
            ],
            &config(),
        );
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        let action = &plan.actions[0];
        let Step::AddTags(step) = &action.step else {
            panic!("{:#?}", action.step);
        };
        assert_eq!(step.tags["Backup"], "daily");
        assert_eq!(step.tags["Owner"], "backup-team");
        assert_eq!(action.resolves.len(), 2);
        assert!(action.note.as_deref().unwrap().contains("policy-1"));
    }

    #[test]
    fn volumes_on_no_schedule_share_one_review_per_region_with_a_ready_dlm_policy() {
        let mut config = config();
        config.protection.copy_regions = vec!["us-west-2".into()];
        config.protection.archive_account = Some(AccountId("999999999999".into()));
        config.protection.max_snapshot_age = crate::time::Duration(5 * 3600);
        let plan = plan_all(
            &[
                finding("SG-PROT-008", "vol-a", None, json!({})),
                finding("SG-PROT-008", "vol-b", None, json!({})),
            ],
            &config,
        );
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        let Step::ManualReview(review) = &plan.actions[0].step else {
            panic!("{:#?}", plan.actions);
        };
        assert_eq!(review.topic, ReviewTopic::BackupSchedule);
        assert_eq!(plan.actions[0].resolves.len(), 2);
        assert!(review.items.iter().any(|i| i.contains("vol-a")));
        assert!(review.items.iter().any(|i| i.contains("vol-b")));
        let policy = review.document.as_ref().unwrap();
        let details = &policy["PolicyDetails"];
        assert_eq!(
            details["TargetTags"],
            json!([{ "Key": "Backup", "Value": "daily" }])
        );
        let schedule = &details["Schedules"][0];
        // At most 5 hours between snapshots, DLM starting within the hour: every 4 hours.
        assert_eq!(schedule["CreateRule"]["Interval"], 4);
        // What DLM's API model accepts as a description.
        let description = policy["Description"].as_str().unwrap();
        assert!(description
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-".contains(c)));
        assert_eq!(schedule["RetainRule"]["Interval"], 7);
        assert_eq!(schedule["CrossRegionCopyRules"][0]["Target"], "us-west-2");
        assert_eq!(schedule["CrossRegionCopyRules"][0]["Encrypted"], true);
        assert_eq!(
            schedule["ShareRules"][0]["TargetAccounts"],
            json!(["999999999999"])
        );
        assert!(policy["ExecutionRoleArn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:iam::111111111111:role/"));
    }
}
