//! ## What it checks
//! EBS encryption by default is on in every account-region scanned
//! (`GetEbsEncryptionByDefault`, <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsEncryptionByDefault.html>).
//! A region recorded without it fires too, saying so: unknown is not on. The evidence names
//! the default KMS key (`GetEbsDefaultKmsKeyId`).
//!
//! ## Why it matters
//! Without it, every new volume, and so every snapshot of it, is unencrypted unless whoever
//! creates it asks for encryption. SG-PROT-005 finds the unencrypted snapshots that already
//! exist; this rule finds the setting that keeps making them. An unencrypted snapshot can be
//! shared publicly, and copied anywhere without a key policy in the way.
//!
//! ## Example
//! `aws ec2 get-ebs-encryption-by-default --region eu-west-1` answering
//! `{"EbsEncryptionByDefault": false}` fires for that account-region.
//!
//! ## Remediation
//! `aws ec2 enable-ebs-encryption-by-default --region eu-west-1` (per account and region; an
//! SCP can deny `ec2:DisableEbsEncryptionByDefault`, see SG-IAM-008). Existing unencrypted
//! volumes stay so: copy their snapshots with encryption and restore from the copies.
//! `snapguard remediate plan --opt-in ebs-encryption-by-default` plans the call itself;
//! without the opt-in the plan carries it as a manual review.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-010",
    name: "ebs-encryption-by-default-off",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::With("--opt-in"),
    summary: "EBS encryption by default is off (or was not recorded) in an account-region",
    source: include_str!("ebs_encryption_by_default_off.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let backup = &scope.region.backup;
    let (region, account) = (&scope.region.name, &scope.account.id);
    let message = match backup.ebs_encryption_by_default {
        Some(true) => return,
        Some(false) => format!(
            "EBS encryption by default is off in {region} of account {account}: new volumes and \
             their snapshots are unencrypted unless each caller asks"
        ),
        None => format!(
            "EBS encryption by default was not recorded for {region} of account {account} \
             (get-ebs-encryption-by-default.json): it is not known to be on"
        ),
    };
    out.emit(
        Draft::new(scope.setting("ebs-encryption-by-default"), message).evidence(json!({
            "ebs_encryption_by_default": backup.ebs_encryption_by_default,
            "ebs_default_kms_key_id": backup.ebs_default_kms_key_id,
        })),
    );
}
