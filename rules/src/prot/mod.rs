//! Protection rules: is there a recent backup of every volume, is it copied away from its
//! region and account, is it consistent, encrypted and stored at the right tier.

pub mod archive_candidate_snapshot;
pub mod backup_schedule_without_copy;
pub mod ebs_encryption_by_default_off;
pub mod image_without_cross_region_copy;
pub mod multi_volume_snapshots_not_crash_consistent;
pub mod snapshot_not_application_consistent;
pub mod snapshot_not_locked;
pub mod snapshot_unencrypted;
pub mod snapshot_without_cross_account_copy;
pub mod snapshot_without_cross_region_copy;
mod through_backup;
pub mod volume_without_backup_schedule;
pub mod volume_without_recent_snapshot;
