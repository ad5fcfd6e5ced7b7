//! Rules on the schedules of AWS Backup and Data Lifecycle Manager themselves (SG-BACKUP-*).

pub mod backup_retention_too_short;
pub mod backup_vault_allows_recovery_point_deletion;
pub mod backup_vault_not_locked;
