//! The IAM rules (SG-IAM-*). The policy engine they use is the `iam` crate; this module holds
//! only what ties it to the inventory: each account's principals and SCP path, and the rules.

pub mod account_principals;
pub mod no_scp_guardrail;
pub mod principal_can_delete_recovery_points;
pub mod principal_can_delete_snapshots;
pub mod principal_can_deregister_images;
pub mod principal_can_perform_protected_action;
pub mod principal_can_share_backups;
pub mod principal_can_weaken_backup_guardrails;
pub mod principal_can_weaken_recycle_bin;
