//! ## What it checks
//! Every AWS Backup vault that holds EBS or EC2 recovery points (or, when its recovery points
//! were not listed, any recovery point at all, by `NumberOfRecoveryPoints`) is under AWS Backup
//! Vault Lock (`Locked`), with a minimum retention (`MinRetentionDays`) of at least
//! `[backup] min_retention_days`; with `[backup] require_compliance_lock = true`, the lock must be
//! in compliance mode and past its cooling-off period (`LockDate` in the past). A lock without a
//! `LockDate` is in governance mode. From `ListBackupVaults`
//! (<https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupVaultListMember.html>,
//! <https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html>).
//!
//! ## Why it matters
//! Without a lock, whoever may call `backup:DeleteRecoveryPoint` or shorten a lifecycle can
//! destroy every backup in the vault. A governance-mode lock stops most principals but not
//! those allowed `backup:DeleteBackupVaultLockConfiguration`; a compliance-mode lock past its
//! cooling-off period stops everyone, the root user and AWS included.
//!
//! ## Example
//! A vault `prod-vault` with 120 EBS recovery points and no lock fires: `backup vault
//! prod-vault holds EBS or EC2 recovery points and has no Vault Lock`.
//!
//! ## Remediation
//! Put a lock on the vault (`aws backup put-backup-vault-lock-configuration
//! --backup-vault-name prod-vault --min-retention-days 7 --max-retention-days 3650
//! --changeable-for-days 3`), first without `--changeable-for-days` (governance mode) to test.
//! Compliance mode is irreversible after the cooling-off period: snapguard never applies it;
//! `snapguard remediate plan` carries a manual-review step with the exact call and what it
//! commits the organization to.

use serde_json::json;

use crate::finding::{Resource, Severity};
use crate::inventory::BackupVault;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-BACKUP-001",
    name: "backup-vault-not-locked",
    family: Family::Backup,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a vault holding EBS or EC2 recovery points has no Vault Lock, a lock whose minimum retention is under backup.min_retention_days, or (when required) no compliance-mode lock",
    source: include_str!("backup_vault_not_locked.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

/// The vault as a finding's resource.
pub(crate) fn vault_resource(scope: &RegionScope, vault: &BackupVault) -> Resource {
    Resource {
        kind: "backup-vault".into(),
        id: vault.backup_vault_name.to_string(),
        arn: vault.backup_vault_arn.as_deref().map_or_else(
            || {
                format!(
                    "arn:aws:backup:{}:{}:backup-vault:{}",
                    scope.region.name, scope.account.id, vault.backup_vault_name
                )
            },
            str::to_owned,
        ),
    }
}

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(vaults) = &scope.region.backup.backup_vaults else {
        return;
    };
    let config = &scope.config().backup;
    let now = scope.ctx.inventory.collected_at;
    let points = scope.region.backup.recovery_points.as_ref();
    for vault in vaults {
        let holds = match points {
            Some(points) => points
                .iter()
                .any(|p| p.backup_vault_name == vault.backup_vault_name),
            None => vault.number_of_recovery_points != Some(0),
        };
        if !holds {
            continue;
        }
        let name = &vault.backup_vault_name;
        let problem = if vault.locked != Some(true) {
            Some(format!(
                "backup vault {name} holds EBS or EC2 recovery points and has no Vault Lock"
            ))
        } else if vault
            .min_retention_days
            .is_none_or(|days| days < config.min_retention_days)
        {
            Some(format!(
                "backup vault {name}'s lock keeps recovery points at least {} days, under the \
                 required {}",
                vault
                    .min_retention_days
                    .map_or_else(|| "an unrecorded number of".to_owned(), |d| d.to_string()),
                config.min_retention_days
            ))
        } else if config.require_compliance_lock {
            match vault.lock_date {
                None => Some(format!(
                    "backup vault {name}'s lock is in governance mode, which principals allowed \
                     backup:DeleteBackupVaultLockConfiguration can remove"
                )),
                Some(date) if date > now => Some(format!(
                    "backup vault {name}'s compliance-mode lock is still in its cooling-off \
                     period (until {date}) and can be removed"
                )),
                Some(_) => None,
            }
        } else {
            None
        };
        let Some(message) = problem else {
            continue;
        };
        out.emit(
            Draft::new(vault_resource(scope, vault), message).evidence(json!({
                "locked": vault.locked,
                "min_retention_days": vault.min_retention_days,
                "max_retention_days": vault.max_retention_days,
                "lock_date": vault.lock_date,
                "vault_type": vault.vault_type,
                "required_min_retention_days": config.min_retention_days,
                "require_compliance_lock": config.require_compliance_lock,
            })),
        );
    }
}
