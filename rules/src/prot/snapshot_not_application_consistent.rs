//! ## What it checks
//! For every instance a `[[consistency]]` entry selects (its tags match the entry's `select`),
//! the latest backup carries evidence that the application was quiesced when it was taken. The
//! latest backup is the newer of the instance's latest snapshot set (the latest completed
//! snapshot of each attached volume, those started within a second of the newest) and its
//! latest completed AWS Backup recovery point in the region. Evidence is any of:
//! - the tag `AppConsistent=true`, which `AWSEC2-CreateVssSnapshot` sets (alone or run by
//!   DLM) when VSS succeeded
//!   (<https://docs.aws.amazon.com/ebs/latest/userguide/dlm-script-tags.html>);
//! - the tag `aws:dlm:pre-script=SUCCESS`, without `aws:dlm:post-script=FAILED`, which DLM
//!   sets on the snapshots of a policy with pre and post scripts (same page);
//! - the tag `snapguard:pre-step=SUCCESS`, which `snapguard remediate` sets after its pre-step;
//! - for a recovery point, or the snapshots of the AMI it is: a backup plan (`CreatedBy`) whose
//!   `AdvancedBackupSettings` enable `WindowsVSS` for `EC2`
//!   (<https://docs.aws.amazon.com/aws-backup/latest/devguide/windows-backups.html>).
//!
//! Every attached volume needs a snapshot in the set, and every snapshot of the set needs
//! evidence. The AWS Backup evidence counts only for an instance a `vss = true` entry selects:
//! AWS Backup runs no commands of an entry's. Silent while `[[consistency]]` is empty; an
//! instance with no backup at all is left to SG-PROT-001.
//!
//! ## Why it matters
//! A snapshot is crash-consistent: it holds what was on disk at that instant, as after a power
//! cut. A busy database restored from it may replay its log and recover, or may not open at all
//! (torn pages, a file system journal mid-flush, a RAID set in flight). Quiescing it first (hot
//! backup mode, `fsfreeze`, VSS) makes the backup one the application itself vouches for; the
//! tags are the only record that this happened.
//!
//! ## Example
//! With `[[consistency]] select = { Role = "db-*" }`, an instance tagged `Role=db-orders` whose
//! latest snapshots carry no `AppConsistent`, `aws:dlm:pre-script` or `snapguard:pre-step` tag
//! fires; one whose DLM policy runs pre and post scripts (its snapshots are tagged
//! `aws:dlm:pre-script=SUCCESS`) does not.
//!
//! ## Remediation
//! `snapguard remediate` takes a quiesced backup: the entry's pre-step through Systems Manager
//! `SendCommand`, `CreateSnapshots` of all the instance's volumes once it succeeded within
//! `max_freeze_seconds`, and the post-step always, also when the snapshot call fails; or, for
//! `vss = true`, `AWSEC2-CreateVssSnapshot`. For the schedule itself, add pre and post scripts to
//! the instance's DLM policy (`Scripts` of its create rule), or enable Windows VSS in its AWS
//! Backup plan. Example documents that freeze with a self-armed thaw are in
//! `deploy/ssm-documents/`.

use serde_json::{json, Value};

use crate::finding::Severity;
use crate::inventory::{Image, Instance, RecoveryPoint, RegionBackup, Snapshot, Tagged};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::remediation::plan::TAG_PRE_STEP;
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};
use crate::time::Timestamp;

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-012",
    name: "snapshot-not-application-consistent",
    family: Family::Prot,
    severity: Severity::High,
    remediable: Remediable::Always,
    summary: "an instance a [[consistency]] entry selects has a latest backup with no evidence that it was quiesced",
    source: include_str!("snapshot_not_application_consistent.rs"),
    configured: |config| !config.consistency.is_empty(),
    check: Check::Region(check),
};

/// What counts as evidence, in the words the finding uses.
const LOOKED_FOR: [&str; 4] = [
    "tag AppConsistent=true (AWSEC2-CreateVssSnapshot, DLM with VSS)",
    "tag aws:dlm:pre-script=SUCCESS without aws:dlm:post-script=FAILED (DLM pre and post scripts)",
    "tag snapguard:pre-step=SUCCESS (snapguard remediate)",
    "an AWS Backup recovery point made by a plan with WindowsVSS enabled for EC2",
];

/// The tags that tell how a snapshot was taken, reported as found.
const TELLING_TAGS: [&str; 4] = [
    "AppConsistent",
    "aws:dlm:pre-script",
    "aws:dlm:post-script",
    TAG_PRE_STEP,
];

/// Snapshots of one `CreateSnapshots` call share their start time; allow for rounding.
const SAME_MOMENT_SECONDS: i64 = 1;

fn check(scope: &RegionScope, out: &mut Emitter) {
    let entries = &scope.config().consistency;
    if entries.is_empty() {
        return;
    }
    let Some(instances) = scope.region.instances.as_ref() else {
        return;
    };
    let latest = scope.latest_snapshot_by_volume();
    let backup = &scope.region.backup;
    for instance in instances {
        if instance.is_terminated() {
            continue;
        }
        let selected: Vec<String> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.selects(&instance.tags))
            .map(|(i, e)| e.label(i))
            .collect();
        let Some(entry) = selected.first() else {
            continue;
        };
        // Only VSS is evidence from AWS Backup: it runs no commands of an entry's.
        let vss = entries.iter().any(|e| e.vss && e.selects(&instance.tags));
        let (set, left_out) = latest_set(instance, |v| latest.get(v).copied());
        let point = latest_recovery_point(backup, &instance.instance_id);
        let set_start = set.iter().map(|s| s.start_time).max();
        let judged = match (set_start, point) {
            (None, None) => continue,
            (Some(start), Some((point, created))) if created > start => {
                judge_recovery_point(scope, point, vss)
            }
            (None, Some((point, _))) => judge_recovery_point(scope, point, vss),
            (Some(_), _) => judge_snapshots(scope, &set, &left_out, vss),
        };
        let Judged::Missing { what, evidence } = judged else {
            continue;
        };
        let message = format!(
            "instance {} is selected by [[consistency]] {entry}, but {what} no evidence that \
             the application was quiesced, so it may not restore to a state the \
             application can open",
            instance.instance_id
        );
        let mut evidence = evidence;
        evidence["consistency"] = json!(selected);
        evidence["looked_for"] = json!(LOOKED_FOR);
        out.emit(
            Draft::new(scope.instance(&instance.instance_id), message)
                .evidence(evidence)
                .remediation(Remediation::CreateSnapshots {
                    instance_id: instance.instance_id.to_string(),
                }),
        );
    }
}

/// The latest completed snapshot of each attached volume, keeping those that started within
/// a second of the newest: one backup of the instance. And the volumes it leaves out (no
/// completed snapshot, or an older one), which that backup does not cover.
fn latest_set<'a, 'i>(
    instance: &'i Instance,
    latest: impl Fn(&str) -> Option<&'a Snapshot>,
) -> (Vec<&'a Snapshot>, Vec<&'i str>) {
    let snapshots: Vec<(&str, Option<&Snapshot>)> =
        instance.ebs_volume_ids().map(|v| (v, latest(v))).collect();
    let Some(newest) = snapshots
        .iter()
        .filter_map(|(_, s)| s.map(|s| s.start_time))
        .max()
    else {
        return (Vec::new(), Vec::new());
    };
    let mut set = Vec::new();
    let mut left_out = Vec::new();
    for (volume, snapshot) in snapshots {
        match snapshot {
            Some(s) if newest.seconds_since(s.start_time) <= SAME_MOMENT_SECONDS => set.push(s),
            _ => left_out.push(volume),
        }
    }
    (set, left_out)
}

/// The instance's newest completed EC2 recovery point in this region's vaults.
fn latest_recovery_point<'a>(
    backup: &'a RegionBackup,
    instance_id: &str,
) -> Option<(&'a RecoveryPoint, Timestamp)> {
    backup
        .completed_recovery_points()
        .filter(|p| p.resource_id() == Some(instance_id))
        .filter(|p| p.resource_type.as_deref() == Some("EC2"))
        .filter_map(|p| Some((p, p.creation_date?)))
        .max_by_key(|(p, created)| (*created, p.recovery_point_arn.clone()))
}

enum Judged {
    Consistent,
    /// `what` names the backup for the message, with its verb; `evidence` says what was
    /// found.
    Missing {
        what: String,
        evidence: Value,
    },
}

fn judge_recovery_point(scope: &RegionScope, point: &RecoveryPoint, vss: bool) -> Judged {
    match vss_plan(scope, point, vss) {
        Ok(_) => Judged::Consistent,
        Err(found) => Judged::Missing {
            what: format!(
                "its latest backup, recovery point {}, carries",
                point.recovery_point_arn
            ),
            evidence: json!({
                "recovery_point": {
                    "recovery_point_arn": point.recovery_point_arn,
                    "creation_date": point.creation_date,
                    "found": found,
                }
            }),
        },
    }
}

fn judge_snapshots(scope: &RegionScope, set: &[&Snapshot], left_out: &[&str], vss: bool) -> Judged {
    let judged: Vec<(&Snapshot, Result<String, String>)> = set
        .iter()
        .map(|s| (*s, snapshot_evidence(scope, s, vss)))
        .collect();
    if left_out.is_empty() && judged.iter().all(|(_, e)| e.is_ok()) {
        return Judged::Consistent;
    }
    let missing = judged.iter().filter(|(_, e)| e.is_err()).count();
    let what = match (set.len(), left_out.len()) {
        (1, 0) => format!("its latest snapshot {} carries", set[0].snapshot_id),
        (n, 0) => format!("{missing} of the {n} snapshots of its latest snapshot set carry"),
        (_, gaps) => format!(
            "its latest snapshot set leaves out {gaps} of its volumes ({}), so it carries",
            left_out.join(", ")
        ),
    };
    let snapshots: Vec<Value> = judged
        .iter()
        .map(|(s, e)| {
            json!({
                "snapshot_id": s.snapshot_id,
                "volume_id": s.volume_id,
                "start_time": s.start_time,
                "evidence": e.as_ref().ok(),
                "found": e.as_ref().err(),
            })
        })
        .chain(left_out.iter().map(|v| {
            json!({
                "volume_id": v,
                "found": "no completed snapshot started with the set",
            })
        }))
        .collect();
    Judged::Missing {
        what,
        evidence: json!({ "snapshots": snapshots }),
    }
}

/// Which evidence a snapshot carries; otherwise what it carries instead. `vss`: a VSS entry
/// selects the instance, so an AWS Backup VSS recovery point counts.
fn snapshot_evidence(
    scope: &RegionScope,
    snapshot: &Snapshot,
    vss: bool,
) -> Result<String, String> {
    let tag = |key: &str| snapshot.tag(key);
    if tag("AppConsistent").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok("tag AppConsistent=true".into());
    }
    if tag("aws:dlm:pre-script") == Some("SUCCESS") && tag("aws:dlm:post-script") != Some("FAILED")
    {
        return Ok("tag aws:dlm:pre-script=SUCCESS".into());
    }
    if tag(TAG_PRE_STEP) == Some("SUCCESS") {
        return Ok(format!("tag {TAG_PRE_STEP}=SUCCESS"));
    }
    // A snapshot of the AMI an AWS Backup recovery point is.
    let point = scope.region.backup.completed_recovery_points().find(|p| {
        image_of(scope, p)
            .is_some_and(|image| image_snapshots(image).any(|id| id == snapshot.snapshot_id))
    });
    if let Some(plan) = point.and_then(|p| vss_plan(scope, p, vss).ok()) {
        return Ok(format!(
            "AWS Backup recovery point of plan {plan}, with WindowsVSS enabled"
        ));
    }
    let found: Vec<String> = TELLING_TAGS
        .iter()
        .filter_map(|k| Some(format!("{k}={}", tag(k)?)))
        .collect();
    Err(match found.is_empty() {
        true => "none of the tags".into(),
        false => found.join(", "),
    })
}

/// The AMI an EC2 recovery point is (`arn:aws:ec2:REGION::image/ami-...`), when recorded.
fn image_of<'a>(scope: &RegionScope<'a>, point: &RecoveryPoint) -> Option<&'a Image> {
    let (_, image_id) = point.recovery_point_arn.rsplit_once(":image/")?;
    scope
        .region
        .images
        .as_ref()?
        .iter()
        .find(|i| i.image_id == image_id)
}

fn image_snapshots(image: &Image) -> impl Iterator<Item = &str> {
    image
        .block_device_mappings
        .iter()
        .filter_map(|m| m.ebs.as_ref()?.snapshot_id.as_deref())
}

/// The name of the plan that made `point` when it enables Windows VSS and a VSS entry selects
/// the instance (`vss`); otherwise why not.
fn vss_plan(scope: &RegionScope, point: &RecoveryPoint, vss: bool) -> Result<String, String> {
    if !vss {
        return Err(
            "an AWS Backup recovery point, and AWS Backup runs no pre-step of a [[consistency]] \
             entry that quiesces with commands (only VSS, for a vss = true entry)"
                .into(),
        );
    }
    let Some(plan_id) = point
        .created_by
        .as_ref()
        .and_then(|c| c["BackupPlanId"].as_str())
    else {
        return Err("made on demand, by no backup plan (CreatedBy has no BackupPlanId)".into());
    };
    let Some(plans) = scope.region.backup.backup_plans.as_ref() else {
        return Err(format!(
            "made by plan {plan_id}, whose settings were not recorded"
        ));
    };
    match plans.iter().find(|p| p.backup_plan_id == plan_id) {
        Some(plan) if plan.windows_vss() => Ok(plan.display_name().to_owned()),
        Some(plan) => Err(format!(
            "made by plan {}, which does not enable WindowsVSS",
            plan.display_name()
        )),
        None => Err(format!(
            "made by plan {plan_id}, which is not among the region's plans"
        )),
    }
}
