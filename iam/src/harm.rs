//! The protected actions snapguard checks unless configured otherwise, grouped by the harm a
//! grant of them makes possible. This is the one table of them: the scan's IAM rules, `iam
//! check`, its SARIF rule ids and the SCP that SG-IAM-005 suggests all read it.
//!
//! The lists follow AWS's Service Authorization Reference (the actions, their access level and
//! their resource types): Amazon EC2
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html>),
//! Recycle Bin (`list_awsrecyclebin.html`), AWS Backup (`list_awsbackup.html`) and Amazon Data
//! Lifecycle Manager (`list_amazondatalifecyclemanager.html`). Every action here is in the
//! catalogue of [`crate::actions`], which is generated from that reference; a test checks it.

use serde::Serialize;

/// What a principal allowed one of a group's actions can do to the organization's backups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Harm {
    /// Delete EBS snapshots (`ec2:DeleteSnapshot`).
    DeleteSnapshots,
    /// Deregister AMIs (`ec2:DeregisterImage`).
    DeregisterImages,
    /// Share snapshots and AMIs publicly or with other accounts (launch and create-volume
    /// permissions).
    ShareBackups,
    /// Delete, change or unlock the Recycle Bin retention rules that keep deleted backups.
    WeakenRecycleBin,
    /// Delete AWS Backup recovery points or shorten their retention. EC2 refuses
    /// `DeleteSnapshot` on a snapshot AWS Backup manages, so for those EBS backups this is the
    /// delete permission. `backup:DisassociateRecoveryPoint` is left out: AWS Backup refuses it
    /// for snapshot recovery points (EBS and EC2 backups are snapshots).
    DeleteRecoveryPoints,
    /// Remove or weaken what keeps backups write-once and flowing: a vault's lock and access
    /// policy, the vault itself, backup plans and selections, legal holds, AWS Backup's Region
    /// and global settings (resource-type opt-in, cross-account backup), Data Lifecycle Manager
    /// policies, EBS snapshot locks (`ec2:LockSnapshot` can shorten a governance-mode lock, or a
    /// compliance-mode lock still in its cooling-off period), AMI deregistration protection,
    /// snapshot and AMI block public access, and EBS encryption by default.
    WeakenBackupGuardrails,
}

impl Harm {
    /// Every harm, in the order of the rules that report them (SG-IAM-001..004, 007, 008).
    pub const ALL: [Harm; 6] = [
        Harm::DeleteSnapshots,
        Harm::DeregisterImages,
        Harm::ShareBackups,
        Harm::WeakenRecycleBin,
        Harm::DeleteRecoveryPoints,
        Harm::WeakenBackupGuardrails,
    ];

    /// The actions that make this harm possible, as AWS spells them.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Harm::DeleteSnapshots => &["ec2:DeleteSnapshot"],
            Harm::DeregisterImages => &["ec2:DeregisterImage"],
            Harm::ShareBackups => &["ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute"],
            Harm::WeakenRecycleBin => &["rbin:DeleteRule", "rbin:UpdateRule", "rbin:UnlockRule"],
            Harm::DeleteRecoveryPoints => &[
                "backup:DeleteRecoveryPoint",
                "backup:UpdateRecoveryPointLifecycle",
            ],
            Harm::WeakenBackupGuardrails => &[
                "backup:DeleteBackupVault",
                "backup:DeleteBackupVaultAccessPolicy",
                "backup:PutBackupVaultAccessPolicy",
                "backup:DeleteBackupVaultLockConfiguration",
                "backup:PutBackupVaultLockConfiguration",
                "backup:DeleteBackupPlan",
                "backup:UpdateBackupPlan",
                "backup:DeleteBackupSelection",
                "backup:CancelLegalHold",
                "backup:UpdateRegionSettings",
                "backup:UpdateGlobalSettings",
                "dlm:DeleteLifecyclePolicy",
                "dlm:UpdateLifecyclePolicy",
                "ec2:UnlockSnapshot",
                "ec2:LockSnapshot",
                "ec2:DisableImageDeregistrationProtection",
                "ec2:DisableSnapshotBlockPublicAccess",
                "ec2:EnableSnapshotBlockPublicAccess",
                "ec2:DisableImageBlockPublicAccess",
                "ec2:DisableEbsEncryptionByDefault",
            ],
        }
    }

    /// What a principal allowed the actions can do, as a finding says it: "delete snapshots".
    pub fn phrase(self) -> &'static str {
        match self {
            Harm::DeleteSnapshots => "delete snapshots",
            Harm::DeregisterImages => "deregister AMIs",
            Harm::ShareBackups => "share snapshots or AMIs",
            Harm::WeakenRecycleBin => "weaken Recycle Bin rules",
            Harm::DeleteRecoveryPoints => "delete recovery points",
            Harm::WeakenBackupGuardrails => "weaken backup guardrails",
        }
    }

    /// The harm `action` (compared case-insensitively) makes possible; `None` for an action
    /// outside the table, such as one a config adds.
    pub fn of_action(action: &str) -> Option<Harm> {
        Harm::ALL.into_iter().find(|harm| {
            harm.actions()
                .iter()
                .any(|known| known.eq_ignore_ascii_case(action))
        })
    }
}

/// Every action of the table, in its order: what is checked when config names none.
pub fn default_protected_actions() -> Vec<String> {
    Harm::ALL
        .into_iter()
        .flat_map(|harm| harm.actions().iter().map(|a| (*a).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions;

    #[test]
    fn every_action_is_known_spelt_as_aws_does_and_listed_once() {
        let all = default_protected_actions();
        for action in &all {
            assert_eq!(actions::canonical(action), Some(action.as_str()));
            assert_eq!(all.iter().filter(|a| *a == action).count(), 1, "{action}");
        }
        assert_eq!(
            Harm::of_action("BACKUP:deleterecoverypoint"),
            Some(Harm::DeleteRecoveryPoints)
        );
        assert_eq!(Harm::of_action("kms:ScheduleKeyDeletion"), None);
    }

    #[test]
    fn every_action_with_a_resource_type_has_its_shape() {
        use crate::targets::TargetKind;
        // The actions the Service Authorization Reference lists with no resource type: only
        // `"Resource": "*"` grants them.
        let unscoped = [
            "backup:UpdateRegionSettings",
            "backup:UpdateGlobalSettings",
            "ec2:DisableSnapshotBlockPublicAccess",
            "ec2:EnableSnapshotBlockPublicAccess",
            "ec2:DisableImageBlockPublicAccess",
            "ec2:DisableEbsEncryptionByDefault",
        ];
        for action in default_protected_actions() {
            let target = TargetKind::of_action(&action.to_lowercase());
            assert_eq!(
                target == TargetKind::AnyResource,
                unscoped.contains(&action.as_str()),
                "{action}: {target:?}"
            );
        }
    }
}
