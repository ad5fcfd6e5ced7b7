//! Backups and copies through AWS Backup (SG-PROT-001, -002, -003 on volumes an AWS Backup
//! plan rule covers): on-demand jobs like the rule's, so that what they make is kept under the
//! vault's lock and the rule's lifecycle.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{StartBackupJob, StartCopyJob, Step};
use crate::remediation::BackupJobRequest;

impl Planner<'_> {
    /// A backup job into the rule's vault; its recovery point gets the required tags.
    pub(super) fn start_backup_job(&mut self, finding: &Finding, job: &BackupJobRequest) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let volume_tags = self
            .lookup
            .volume_tags(account, region, &job.volume_id)
            .unwrap_or_default();
        let name = format!("backup of {}", job.volume_id);
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
    }

    /// A copy job of the recovery point, to the copy action's vault.
    pub(super) fn start_copy_job(&mut self, finding: &Finding, step: StartCopyJob, schedule: &str) {
        let target = step.recovery_point_arn.clone();
        let note = format!("through AWS Backup, like the copy action of {schedule}");
        self.add(finding, &target, Step::StartCopyJob(step), Some(note));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::remediation::plan::{JobLifecycle, StartCopyJob, Step, TAG_ACTION_ID};
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::{BackupJobRequest, Remediation};

    const ROLE: &str = "arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole";

    #[test]
    fn backups_and_copies_go_through_the_covering_plan_rule() {
        let lifecycle = Some(JobLifecycle {
            move_to_cold_storage_after_days: None,
            delete_after_days: Some(35),
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
    }
}
