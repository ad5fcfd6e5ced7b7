//! Backups and copies through AWS Backup (SG-PROT-001, -002, -003 on volumes an AWS Backup
//! plan rule covers): on-demand jobs like the rule's, so that what they make is kept under the
//! vault's lock and the rule's lifecycle.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{StartBackupJob, StartCopyJob, Step};
use crate::remediation::BackupJobRequest;

impl Planner<'_> {
    /// A copy of a volume whose new backup the plan takes through AWS Backup would leave that
    /// backup uncopied, and the on-demand job does not run the rule's copy actions: the copy
    /// is planned again once the job has completed. Says so and returns `true` then.
    pub(super) fn copy_follows_backup_job(&mut self, finding: &Finding) -> bool {
        let volume = finding.evidence["volume_id"].as_str().unwrap_or_default();
        let key = (
            finding.account_id.clone(),
            finding.region.clone(),
            volume.to_owned(),
        );
        if !self.backup_jobs.contains(&key) {
            return false;
        }
        self.skip(
            finding,
            format!(
                "this plan takes volume {volume}'s new backup through AWS Backup; copy that \
                 one: plan again once the job has completed"
            ),
        );
        true
    }

    /// A backup job into the rule's vault; its recovery point gets the required tags.
    pub(super) fn start_backup_job(&mut self, finding: &Finding, job: &BackupJobRequest) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let key = (account.to_owned(), region.to_owned(), job.volume_id.clone());
        if let Some((instance, _)) = self.instance_sets.get(&key) {
            // One volume of an instance with several: a job per volume is not consistent
            // across them, so the instance's volumes are snapshotted together instead. And an
            // instance a [[consistency]] entry selects is quiesced, which an on-demand job
            // cannot do.
            let whole_instance = job.resource_arn.contains(":instance/");
            if !whole_instance || !matches!(self.quiesce(account, region, instance), Ok(None)) {
                return self.create_snapshot(finding, &job.volume_id);
            }
        }
        let volume_tags = self
            .lookup
            .volume_tags(account, region, &job.volume_id)
            .unwrap_or_default();
        // The volume's, or the instance's whose AMI the job makes.
        let backed_up = job
            .resource_arn
            .rsplit('/')
            .next()
            .unwrap_or(&job.volume_id);
        let name = format!("backup of {backed_up}");
        let tags = match self.backup_tags(&[volume_tags], &name) {
            Ok(tags) => tags,
            Err(keys) => {
                let backup = format!("a recovery point of {}", job.volume_id);
                return self.untagged_backup_review(finding, &job.resource_arn, &backup, &keys);
            }
        };
        let step = Step::StartBackupJob(StartBackupJob {
            resource_arn: job.resource_arn.clone(),
            backup_vault_name: job.backup_vault_name.clone(),
            iam_role_arn: job.iam_role_arn.clone(),
            lifecycle: job.lifecycle.clone(),
            tags,
        });
        let note = format!(
            "through AWS Backup, like {}; the rule's copy actions do not run for an on-demand \
             job, so the new recovery point is copied by the rule's next run (or plan again \
             once the job has completed)",
            job.schedule
        );
        self.add(finding, &job.resource_arn, step, Some(note));
        self.backup_jobs.insert(key);
    }

    /// A copy job of the recovery point, to the copy action's vault.
    pub(super) fn start_copy_job(&mut self, finding: &Finding, step: StartCopyJob, schedule: &str) {
        if self.copy_follows_backup_job(finding) {
            return;
        }
        let target = step.recovery_point_arn.clone();
        let note = format!("through AWS Backup, like the copy action of {schedule}");
        self.add(finding, &target, Step::StartCopyJob(step), Some(note));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::remediation::plan::{JobLifecycle, Plan, StartCopyJob, Step, TAG_ACTION_ID};
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::{BackupJobRequest, Remediation};

    const ROLE: &str = "arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole";

    #[test]
    fn backups_and_copies_go_through_the_covering_plan_rule() {
        let lifecycle = Some(JobLifecycle {
            move_to_cold_storage_after_days: None,
            delete_after_days: Some(35),
            opt_in_to_archive_for_supported_resources: None,
        });
        let backup = Remediation::StartBackupJob(BackupJobRequest {
            volume_id: "vol-a".into(),
            resource_arn: "arn:aws:ec2:us-east-1:111111111111:volume/vol-a".into(),
            backup_vault_name: "prod".into(),
            iam_role_arn: ROLE.into(),
            lifecycle: lifecycle.clone(),
            schedule: "AWS Backup plan prod rule daily".into(),
        });
        let copy = |destination: &str| Remediation::StartCopyJob {
            job: StartCopyJob {
                recovery_point_arn: "arn:aws:ec2:us-east-1::snapshot/snap-1".into(),
                source_backup_vault_name: "prod".into(),
                destination_backup_vault_arn: destination.into(),
                iam_role_arn: ROLE.into(),
                lifecycle: None,
            },
            schedule: "AWS Backup plan prod rule daily".into(),
        };
        let dr = "arn:aws:backup:us-west-2:111111111111:backup-vault:dr";
        let archive = "arn:aws:backup:us-east-1:999999999999:backup-vault:archive";
        let plan = plan_all(
            &[
                finding("SG-PROT-001", "vol-a", Some(backup), json!({})),
                finding("SG-PROT-002", "snap-1", Some(copy(dr)), json!({})),
                finding("SG-PROT-003", "snap-1", Some(copy(archive)), json!({})),
            ],
            &config(),
        );
        let kinds: Vec<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
        assert_eq!(
            kinds,
            ["start_backup_job", "start_copy_job", "start_copy_job"]
        );
        let Step::StartBackupJob(job) = &plan.actions[0].step else {
            unreachable!()
        };
        assert_eq!(job.backup_vault_name, "prod");
        assert_eq!(job.lifecycle, lifecycle);
        assert_eq!(job.tags[TAG_ACTION_ID], plan.actions[0].id);
        assert_eq!(job.tags["Owner"], "backup-team");
        assert_eq!(plan.actions[0].calls, ["backup:StartBackupJob"]);
        // Two destinations of one recovery point are two actions, each in the source region.
        let destinations: Vec<&str> = plan.actions[1..]
            .iter()
            .map(|a| match &a.step {
                Step::StartCopyJob(c) => c.destination_backup_vault_arn.as_str(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(destinations.len(), 2);
        assert!(destinations.contains(&dr) && destinations.contains(&archive));
        assert!(plan.actions[1..].iter().all(|a| a.region == "us-east-1"));
        assert_ne!(plan.actions[1].id, plan.actions[2].id);

        // An edited plan cannot move a job's resource or a copy's destination elsewhere.
        let text = plan.to_json();
        assert!(Plan::from_json(&text).is_ok());
        let moved = text.replacen(
            "\"resource_arn\": \"arn:aws:ec2:us-east-1:111111111111:",
            "\"resource_arn\": \"arn:aws:ec2:us-east-1:222222222222:",
            1,
        );
        assert_ne!(moved, text);
        let e = Plan::from_json(&moved).unwrap_err().to_string();
        assert!(e.contains("not in the action's account and region"), "{e}");
        // The destination is part of the id: edited, the id no longer matches.
        let elsewhere = text.replacen(":backup-vault:dr\"", ":backup-vault:other\"", 1);
        assert_ne!(elsewhere, text);
        let e = Plan::from_json(&elsewhere).unwrap_err().to_string();
        assert!(e.contains("the id does not match"), "{e}");
    }

    #[test]
    fn copies_wait_for_the_new_backup_and_instance_sets_stay_consistent() {
        let job = |volume: &str| {
            Remediation::StartBackupJob(BackupJobRequest {
                volume_id: volume.into(),
                resource_arn: format!("arn:aws:ec2:us-east-1:111111111111:volume/{volume}"),
                backup_vault_name: "prod".into(),
                iam_role_arn: ROLE.into(),
                lifecycle: None,
                schedule: "AWS Backup plan prod rule daily".into(),
            })
        };
        // The copy finding of a volume whose new backup the plan takes through AWS Backup
        // waits for it (copying the old one would leave the new one uncopied).
        let copy = Remediation::CopySnapshotToRegions {
            snapshot_id: "snap-old".into(),
            regions: vec!["us-west-2".into()],
        };
        let plan = plan_all(
            &[
                finding(
                    "SG-PROT-002",
                    "snap-old",
                    Some(copy),
                    json!({ "volume_id": "vol-a" }),
                ),
                finding("SG-PROT-001", "vol-a", Some(job("vol-a")), json!({})),
            ],
            &config(),
        );
        let kinds: Vec<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
        assert_eq!(kinds, ["start_backup_job"]);
        assert_eq!(plan.not_planned.len(), 1);
        assert!(plan.not_planned[0]
            .reason
            .contains("once the job has completed"));

        // A volume of an instance with several: one crash-consistent set, no job per volume.
        let plan = plan_all(
            &[
                finding("SG-PROT-001", "vol-a", Some(job("vol-a")), json!({})),
                crate::remediation::testing::not_crash_consistent("i-1", &["vol-a", "vol-b"]),
            ],
            &config(),
        );
        let kinds: Vec<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
        assert_eq!(kinds, ["create_snapshots"], "{:#?}", plan.actions);
        assert_eq!(plan.actions[0].resolves.len(), 2);
    }

    /// A copy job whose destination is no backup vault is refused, even with an id that matches.
    #[test]
    fn a_copy_to_something_other_than_a_backup_vault_is_refused() {
        let copy = Remediation::StartCopyJob {
            job: StartCopyJob {
                recovery_point_arn: "arn:aws:ec2:us-east-1::snapshot/snap-1".into(),
                source_backup_vault_name: "prod".into(),
                destination_backup_vault_arn: "arn:aws:s3:::exfiltration-bucket".into(),
                iam_role_arn: ROLE.into(),
                lifecycle: None,
            },
            schedule: "AWS Backup plan prod rule daily".into(),
        };
        let plan = plan_all(
            &[finding("SG-PROT-002", "snap-1", Some(copy), json!({}))],
            &config(),
        );
        let e = Plan::from_json(&plan.to_json()).unwrap_err().to_string();
        assert!(e.contains("is not a backup vault's ARN"), "{e}");
    }
}
