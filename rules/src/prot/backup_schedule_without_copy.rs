//! ## What it checks
//! Every volume in scope that some backup schedule covers (see SG-PROT-008) has at least one
//! covering schedule that copies its backups to a region of `protection.copy_regions` (other
//! than the volume's own) and, when `protection.archive_account` is set, one that copies or
//! shares them to that account: a DLM cross-region copy rule or share rule, or an AWS Backup
//! copy action whose destination vault is in that region or account. Silent when neither is
//! configured; volumes on no schedule are SG-PROT-008's.
//! The evidence lists the AWS Backup plans the organization's backup policies mandate in the
//! account-region (`org_mandated_plans`; `null` when the backup policies were not recorded)
//! and, for each covering schedule that AWS Organizations created from a backup policy
//! (`CreatorRequestId` `OrgPolicy-...`) under a mandated name, that plan (`mandated_by`): such a
//! plan's copy actions are changed in the policy, not in the account.
//!
//! ## Why it matters
//! SG-PROT-002 and SG-PROT-003 find the latest backup without a copy after the fact. This rule
//! finds the schedule that will never make one: every backup it takes stays in the region and
//! the account of the data, where an outage or an attacker takes both.
//!
//! ## Example
//! With `copy_regions = ["us-west-2"]`, a volume covered only by an AWS Backup plan whose rule
//! has no copy action fires, naming the plan and rule.
//!
//! ## Remediation
//! Add a copy action to the plan's rule (destination: a vault in the DR region, and one in the
//! archive account), or a cross-region copy rule (and a share rule with the archive account's
//! event-based copy policy) to the DLM policy.

use serde_json::json;

use crate::finding::Severity;
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-PROT-009",
    name: "backup-schedule-without-copy",
    family: Family::Prot,
    severity: Severity::Medium,
    remediable: Remediable::Never,
    summary: "no schedule covering a volume copies to a protection.copy_regions region or to protection.archive_account",
    source: include_str!("backup_schedule_without_copy.rs"),
    configured: |config| {
        !config.protection.copy_regions.is_empty() || config.protection.archive_account.is_some()
    },
    check: Check::Region(check),
};

fn check(scope: &RegionScope, out: &mut Emitter) {
    let protection = &scope.config().protection;
    let mandated = scope.mandated_backup_plans();
    let here = scope.region.name.as_str();
    let copy_regions: Vec<&str> = protection
        .copy_regions
        .iter()
        .map(String::as_str)
        .filter(|r| *r != here)
        .collect();
    let archive = protection
        .archive_account
        .as_ref()
        .map(|a| a.0.as_str())
        .filter(|a| *a != scope.account.id);
    if copy_regions.is_empty() && archive.is_none() {
        return;
    }
    let Some(volumes) = scope.volume_schedules() else {
        return;
    };
    for (volume, found) in volumes {
        if found.covering.is_empty() {
            continue;
        }
        let to_region = copy_regions.is_empty()
            || found
                .covering
                .iter()
                .any(|s| s.copy_regions.iter().any(|r| copy_regions.contains(r)));
        let to_archive =
            archive.is_none_or(|a| found.covering.iter().any(|s| s.copy_accounts.contains(&a)));
        if to_region && to_archive {
            continue;
        }
        let mut missing = Vec::new();
        if !to_region {
            missing.push(format!("to {}", copy_regions.join(" or ")));
        }
        if let (false, Some(archive)) = (to_archive, archive) {
            missing.push(format!("to the archive account {archive}"));
        }
        let names: Vec<&str> = found.covering.iter().map(|s| s.id.label.as_str()).collect();
        let message = format!(
            "no schedule covering volume {} copies {}: {}",
            volume.volume_id,
            missing.join(" or "),
            names.join("; ")
        );
        let schedules: Vec<serde_json::Value> = found
            .covering
            .iter()
            .map(|s| {
                // The plan an organization backup policy mandates: its copies are changed
                // in the policy, not in the account.
                let mandated_by = mandated
                    .iter()
                    .flatten()
                    .find(|m| s.id.org_plan_name.as_deref() == Some(m.plan.as_str()));
                json!({ "schedule": s.id.label, "copy_regions": s.copy_regions,
                        "copy_accounts": s.copy_accounts, "mandated_by": mandated_by })
            })
            .collect();
        out.emit(
            Draft::new(scope.volume(&volume.volume_id), message).evidence(json!({
                "covering_schedules": schedules,
                "copy_regions": copy_regions,
                "archive_account": archive,
                "schedules_considered": found.considered,
                "org_mandated_plans": mandated,
            })),
        );
    }
}
