//! ## What it checks
//! Every snapshot the account owns is encrypted.
//!
//! ## Why it matters
//! An unencrypted snapshot can be shared with any account, even publicly, and restored there
//! with no key to control access; encrypted snapshots can only be used by whoever the KMS key
//! policy allows. Many compliance regimes (PCI DSS, HIPAA) require encryption at rest for
//! backups.
//!
//! ## Example
//! A snapshot with `"Encrypted": false` fires: `snapshot snap-0abc is not encrypted`.
//!
//! ## Remediation
//! Copy it with encryption (`aws ec2 copy-snapshot --encrypted --kms-key-id ...`), move
//! consumers to the copy, and only then retire the original; turn on EBS encryption by default
//! in every region (`aws ec2 enable-ebs-encryption-by-default`). `snapguard remediate` makes
//! the encrypted copy and never deletes the original.

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

pub static RULE: Rule = Rule {
    id: "SG-PROT-005",
    name: "snapshot-unencrypted",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Always,
    summary: "an owned snapshot is not encrypted",
    source: include_str!("snapshot_unencrypted.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    for snapshot in scope.owned_snapshots().into_iter().flatten() {
        if snapshot.encrypted {
            continue;
        }
        let message = format!("snapshot {} is not encrypted", snapshot.snapshot_id);
        out.emit(Draft::new(scope.snapshot(snapshot), message).remediation(
            Remediation::CopySnapshotEncrypted {
                snapshot_id: snapshot.snapshot_id.to_string(),
            },
        ));
    }
}
