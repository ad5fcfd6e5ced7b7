//! Rules on the schedules of AWS Backup and Data Lifecycle Manager themselves (SG-BACKUP-*).

pub mod backup_retention_too_short;
