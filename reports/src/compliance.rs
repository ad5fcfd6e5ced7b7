//! How each mapped control ([`rules::compliance::CONTROLS`]) fared in a report, per
//! account-region: what an auditor reads to see what was checked and passed, not only what
//! failed.
//!
//! A control passes in an account-region when every one of its rules was in force and was
//! evaluated there (the config gave it something to check, and nothing it may read was left
//! unscanned: [`Unknowns::may_hide`], the same judgement that keeps a baseline's findings of
//! unread places from counting as resolved),
//! and none of them has an unwaived finding there; it fails where one of them has; it is not
//! evaluated anywhere else. An account-wide finding (IAM, SCPs) fails the control in each of
//! the account's regions. An account that was not read at all counts as one place where
//! nothing was evaluated.

use std::collections::{BTreeMap, BTreeSet};

use rules::compliance::{Control, CONTROLS};
use rules::registry::{self, Check};

use crate::gaps::Unknowns;
use crate::Report;

/// A control's outcome over the whole report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Evaluated in every place and found nothing.
    Passed,
    /// Found something in at least one place.
    Failed,
    /// Found nothing where evaluated, but not evaluated everywhere (or nowhere).
    NotEvaluated,
}

impl Status {
    /// `passed`, `failed` or `not evaluated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotEvaluated => "not evaluated",
        }
    }
}

/// One control's places, counted.
#[derive(Clone)]
pub struct ControlOutcome {
    /// The control.
    pub control: &'static Control,
    /// Account-regions where it was evaluated and passed.
    pub passed: usize,
    /// Account-regions where one of its rules has an unwaived finding, as
    /// `account region` (`global` for an account read without regions), sorted.
    pub failed: Vec<String>,
    /// Account-regions where it was not (fully) evaluated and found nothing.
    pub not_evaluated: usize,
    /// Its rules' waived findings.
    pub waived: usize,
}

impl ControlOutcome {
    /// The outcome over all places.
    pub fn status(&self) -> Status {
        if !self.failed.is_empty() {
            Status::Failed
        } else if self.not_evaluated > 0 || self.passed == 0 {
            Status::NotEvaluated
        } else {
            Status::Passed
        }
    }
}

/// Every mapped control's outcome in `report`, in [`CONTROLS`] order.
pub fn outcomes(report: &Report) -> Vec<ControlOutcome> {
    let unknowns = Unknowns::of(report);
    let places = places(report, &unknowns);
    // (rule, account, region) of each unwaived finding, and each rule's waived findings.
    let mut found: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    let mut waived: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        if f.is_waived() {
            *waived.entry(&f.rule_id).or_default() += 1;
        } else {
            found.insert((&f.rule_id, &f.account_id, &f.region));
        }
    }

    let mut rules_used: Vec<&str> = CONTROLS
        .iter()
        .flat_map(|c| c.rules.iter().map(|r| r.id))
        .collect();
    rules_used.sort();
    rules_used.dedup();
    // Per rule and place: did it fail there, and was it evaluated there.
    let mut rule_at: BTreeMap<&str, Vec<(bool, bool)>> = BTreeMap::new();
    for rule_id in rules_used {
        let rule = registry::rule(rule_id);
        let in_force = report.rules_in_force.iter().any(|id| id == rule_id);
        let account_wide = rule.is_some_and(|r| matches!(r.check, Check::Account(_)));
        let at = places
            .iter()
            .map(|(account, region)| {
                let failed = found.contains(&(rule_id, account, region))
                    || found.contains(&(rule_id, account, "global"));
                // Asked where the rule's findings are: an account-wide rule's in `global`.
                let findings_in = if account_wide { "global" } else { region };
                let hidden = !unknowns.read(account)
                    || unknowns.may_hide(rule_id, account, findings_in)
                    || (*region == "global" && !account_wide);
                (failed, in_force && !hidden)
            })
            .collect();
        rule_at.insert(rule_id, at);
    }

    CONTROLS
        .iter()
        .map(|control| {
            let mut outcome = ControlOutcome {
                control,
                passed: 0,
                failed: Vec::new(),
                not_evaluated: 0,
                waived: control
                    .rules
                    .iter()
                    .map(|r| waived.get(r.id).copied().unwrap_or(0))
                    .sum(),
            };
            for (i, (account, region)) in places.iter().enumerate() {
                let at = control.rules.iter().map(|r| rule_at[r.id][i]);
                let (mut failed, mut evaluated) = (false, true);
                for (rule_failed, rule_evaluated) in at {
                    failed |= rule_failed;
                    evaluated &= rule_evaluated;
                }
                if failed {
                    outcome.failed.push(format!("{account} {region}"));
                } else if evaluated {
                    outcome.passed += 1;
                } else {
                    outcome.not_evaluated += 1;
                }
            }
            outcome
        })
        .collect()
}

/// Every place a control is judged in: each account-region read; `global` for an account read
/// without any region; and each account that was not read at all (named by a gap of its own,
/// not by one about a rule or the organization), once.
fn places<'a>(report: &'a Report, unknowns: &Unknowns) -> Vec<(&'a str, &'a str)> {
    let mut places: Vec<(&str, &str)> = Vec::new();
    for account in &report.scope.accounts {
        if account.regions.is_empty() {
            places.push((&account.account_id, "global"));
        }
        for region in &account.regions {
            places.push((&account.account_id, region));
        }
    }
    let mut unread: Vec<&str> = report
        .not_scanned
        .iter()
        .filter(|g| registry::rule(&g.operation).is_none())
        .filter(|g| !g.operation.starts_with("organizations:"))
        .map(|g| g.account_id.as_str())
        .filter(|id| !unknowns.read(id))
        .collect();
    unread.sort();
    unread.dedup();
    places.extend(unread.into_iter().map(|id| (id, "global")));
    places
}

/// One line over the outcomes: `Compliance: 17 controls: 5 passed, 9 failed, 3 not
/// evaluated (counted per account-region below)`.
pub(crate) fn headline(outcomes: &[ControlOutcome]) -> String {
    let count = |status| outcomes.iter().filter(|o| o.status() == status).count();
    format!(
        "Compliance: {} controls: {} passed, {} failed, {} not evaluated (counted per \
         account-region below; a control passes where its rules were evaluated and found \
         nothing)",
        outcomes.len(),
        count(Status::Passed),
        count(Status::Failed),
        count(Status::NotEvaluated)
    )
}

/// A control's rule ids, comma-separated.
pub(crate) fn rule_ids(control: &Control) -> String {
    control
        .rules
        .iter()
        .map(|r| r.id)
        .collect::<Vec<_>>()
        .join(", ")
}
