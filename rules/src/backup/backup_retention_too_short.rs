//! ## What it checks
//! Every backup schedule that covers at least one volume in scope (a DLM policy schedule, or
//! an AWS Backup plan rule; see SG-PROT-008) keeps what it takes at least
//! `[backup] min_retention_days` (default 7): a DLM age-based retain rule, or a count-based one
//! times the schedule's interval; an AWS Backup rule's `Lifecycle.DeleteAfterDays` (absent:
//! kept until deleted). The copies it makes are held to the same minimum (DLM cross-region
//! copy retain rules, AWS Backup copy actions' lifecycles). A count-based rule whose interval
//! snapguard cannot tell (a cron expression) is reported as unknown, not as long enough.
//!
//! ## Why it matters
//! Ransomware and mistakes are often found days or weeks later. A schedule that keeps three
//! days of backups has already replaced every clean copy by the time anyone looks, and a copy
//! that expires first leaves the DR region or archive account empty.
//!
//! ## Example
//! With `min_retention_days = 14`, an AWS Backup rule with `DeleteAfterDays = 7` fires, and so
//! does a DLM schedule that keeps the newest 3 snapshots taken every 24 hours.
//!
//! ## Remediation
//! Raise the retention: the rule's lifecycle (`DeleteAfterDays`) in the plan, or the DLM
//! schedule's retain rule (an age, or a count that covers the minimum at its interval).

use serde_json::json;

use crate::finding::{Resource, Severity};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::schedules::{covering_schedules, Retention};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-BACKUP-003",
    name: "backup-retention-too-short",
    family: Family::Backup,
    severity: Severity::Medium,
    remediable: Remediable::Never,
    summary: "a schedule covering volumes (or a copy it makes) keeps backups less than backup.min_retention_days",
    source: include_str!("backup_retention_too_short.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

/// Why a retention falls short of `min` days, or `None` when it does not.
fn short(retention: Retention, min: u64) -> Option<String> {
    match retention {
        Retention::Forever => None,
        Retention::Unknown => Some("its retention was not recorded".into()),
        Retention::CountUnknownInterval { count } => Some(format!(
            "it keeps the newest {count} at an interval snapguard cannot tell"
        )),
        _ => {
            let days = retention.days()?;
            (days < min as f64).then(|| format!("it keeps {}", retention.describe()))
        }
    }
}

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(volumes) = scope.volume_schedules() else {
        return;
    };
    let min = scope.config().backup.min_retention_days;
    for (schedule, covered) in covering_schedules(volumes) {
        let mut problems: Vec<String> = Vec::new();
        if let Some(why) = short(schedule.retention, min) {
            problems.push(why);
        }
        for (destination, retention) in &schedule.copy_retention {
            if let Some(why) = short(*retention, min) {
                problems.push(format!("its copy to {destination}: {why}"));
            }
        }
        if problems.is_empty() {
            continue;
        }
        let message = format!(
            "{} keeps backups of {} volumes less than {min} days: {}",
            schedule.id.label,
            covered.len(),
            problems.join("; ")
        );
        let resource = Resource {
            kind: schedule.id.kind.into(),
            id: schedule.id.id.clone(),
            arn: schedule.id.arn.clone().unwrap_or_default(),
        };
        out.emit(Draft::new(resource, message).evidence(json!({
            "schedule": schedule.id.label,
            "retention": schedule.retention.describe(),
            "copies": schedule.copy_retention.iter()
                .map(|(d, r)| json!({"destination": d, "retention": r.describe()}))
                .collect::<Vec<_>>(),
            "min_retention_days": min,
            "volumes": covered,
        })));
    }
}
