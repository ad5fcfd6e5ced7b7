//! ## What it checks
//! Every owned, completed snapshot that carries a tag named in
//! `[protection] lock_snapshots_tagged` with a value matching its pattern (`{ Retention = "^7y$" }`)
//! is under an EBS snapshot lock in compliance mode, past its cooling-off period (`LockState`
//! `compliance`), that lasts at least `[backup] min_retention_days` from the snapshot's start
//! (`LockExpiresOn`), as `DescribeLockedSnapshots` reports it
//! (<https://docs.aws.amazon.com/ebs/latest/userguide/ebs-snapshot-lock.html>). Silent while
//! `lock_snapshots_tagged` is empty; a region whose locks were not recorded fires, saying so.
//!
//! ## Why it matters
//! A snapshot that must be immutable (a legal hold, a seven-year retention) is only as safe as
//! the least careful principal allowed `ec2:DeleteSnapshot`. A compliance-mode lock past its
//! cooling-off period cannot be deleted or shortened by anyone, the root user included; a
//! governance-mode lock can be removed by whoever is allowed `ec2:UnlockSnapshot`.
//!
//! ## Example
//! With `lock_snapshots_tagged = { Retention = "^7y$" }`, a snapshot tagged `Retention=7y` under
//! a governance-mode lock fires, and so does one with no lock at all.
//!
//! ## Remediation
//! `aws ec2 lock-snapshot --snapshot-id snap-... --lock-mode compliance --cool-off-period 24
//! --lock-duration 2555` (days). Compliance mode is irreversible once the cooling-off period
//! ends: test with governance mode first. snapguard never puts a compliance-mode lock; with
//! `snapguard remediate plan --opt-in governance-snapshot-lock` it puts a governance-mode lock
//! for `backup.min_retention_days` days on each unlocked snapshot meanwhile, which does not
//! clear this finding.

use serde_json::json;

use crate::finding::Severity;
use crate::inventory::Tagged;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-011",
    name: "snapshot-not-locked",
    family: Family::Prot,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a snapshot tagged as protection.lock_snapshots_tagged says has no compliance-mode lock lasting backup.min_retention_days",
    source: include_str!("snapshot_not_locked.rs"),
    configured: |config| !config.protection.lock_snapshots_tagged.is_empty(),
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let config = scope.config();
    let wanted = &config.protection.lock_snapshots_tagged;
    if wanted.is_empty() {
        return;
    }
    let Some(snapshots) = scope.owned_snapshots() else {
        return;
    };
    let snapshots: Vec<_> = snapshots.collect();
    let locks = scope.region.backup.locked_snapshots.as_ref();
    let min_days = config.backup.min_retention_days;
    for snapshot in snapshots.iter().filter(|s| s.is_completed()) {
        let Some((key, value)) = wanted.iter().find_map(|(key, pattern)| {
            let value = snapshot.tag(key)?;
            pattern.0.is_match(value).then_some((key, value))
        }) else {
            continue;
        };
        let needed_until = snapshot
            .start_time
            .plus(crate::time::Duration::days(min_days as i64));
        let lock = locks.and_then(|l| l.iter().find(|l| l.snapshot_id == snapshot.snapshot_id));
        let why = match (locks, lock) {
            (None, _) => "its region's snapshot locks were not recorded".to_owned(),
            (Some(_), None) => "it has no lock".to_owned(),
            (Some(_), Some(l)) if l.lock_state != "compliance" => {
                format!("its lock is {}, not compliance", l.lock_state)
            }
            (Some(_), Some(l)) => match l.lock_expires_on {
                Some(end) if end >= needed_until => continue,
                Some(end) => format!("its lock ends {end}, before {needed_until}"),
                None => "its lock's end was not recorded".to_owned(),
            },
        };
        let message = format!(
            "snapshot {} is tagged {key}={value} and must be locked in compliance mode until \
             {needed_until}, but {why}",
            snapshot.snapshot_id
        );
        out.emit(
            Draft::new(scope.snapshot(snapshot), message).evidence(json!({
                "tag": { "key": key, "value": value },
                "lock": lock,
                "required_until": needed_until,
                "min_retention_days": min_days,
            })),
        );
    }
}
