//! The places that could not be read: what they leave unknown about each rule
//! ([`Unknowns`]: which findings a baseline may call resolved, where a compliance control was
//! evaluated), and grouped for people ([`grouped`]: by operation and reason, each gap's own
//! account id in its reason standing for any account, so that one denial across 1,000 accounts
//! is one group). The machine formats list every place.

use std::collections::{BTreeMap, BTreeSet};

use rules::inventory::Gap;
use rules::registry::{self, Check, READS_OTHER_PLACES};

use crate::Report;

/// What a report's gaps leave unknown about the rules' findings: built once per report, asked
/// per rule and place. A gap names an AWS operation (or file), not the rules that read it, so
/// this errs towards "unknown".
pub(crate) struct Unknowns<'a> {
    /// The accounts that were read.
    in_scope: BTreeSet<&'a str>,
    /// Each account's gaps.
    gaps_of: BTreeMap<&'a str, Vec<&'a Gap>>,
    /// Rules a gap about an account outside the scan names (SG-PROT-003 without the archive
    /// account): unchecked everywhere.
    rules_unchecked_everywhere: BTreeSet<&'a str>,
    /// Something of the organization (SCPs, its tree) was not read: the account-wide rules
    /// (IAM, SCP guardrails) are unchecked in every account.
    organization_unread: bool,
}

impl<'a> Unknowns<'a> {
    /// What `report`'s gaps leave unknown.
    pub fn of(report: &'a Report) -> Unknowns<'a> {
        let in_scope: BTreeSet<&str> = report
            .scope
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect();
        let mut gaps_of: BTreeMap<&str, Vec<&Gap>> = BTreeMap::new();
        for gap in &report.not_scanned {
            gaps_of.entry(&gap.account_id).or_default().push(gap);
        }
        let rules_unchecked_everywhere = report
            .not_scanned
            .iter()
            .filter(|g| !in_scope.contains(g.account_id.as_str()))
            .filter(|g| registry::rule(&g.operation).is_some())
            .map(|g| g.operation.as_str())
            .collect();
        let organization_unread = report
            .not_scanned
            .iter()
            .any(|g| g.operation.starts_with("organizations:"));
        Unknowns {
            in_scope,
            gaps_of,
            rules_unchecked_everywhere,
            organization_unread,
        }
    }

    /// Whether `account` was read.
    pub fn read(&self, account: &str) -> bool {
        self.in_scope.contains(account)
    }

    /// Whether what was not read may hide findings of `rule_id` in `account` and `region`
    /// (`global` for an account-wide rule's): a gap named after the rule, in the account or
    /// about an account outside the scan; any gap of the region; for a rule that reads other
    /// regions ([`READS_OTHER_PLACES`]), any region's gap of the account; for an account-wide
    /// rule (or one this snapguard does not know), an account-wide gap of the account or one
    /// of the organization; and a gap of the whole account (`*`).
    pub fn may_hide(&self, rule_id: &str, account: &str, region: &str) -> bool {
        let account_wide = region == "global"
            || registry::rule(rule_id).is_none_or(|r| matches!(r.check, Check::Account(_)));
        if self.rules_unchecked_everywhere.contains(rule_id)
            || (self.organization_unread && account_wide)
        {
            return true;
        }
        let reads_other_places = READS_OTHER_PLACES.iter().any(|r| r.id == rule_id);
        self.gaps_of.get(account).is_some_and(|gaps| {
            gaps.iter().any(|g| {
                g.operation == rule_id
                    || match g.region.as_deref() {
                        Some(gap_region) => gap_region == region || reads_other_places,
                        None => g.operation == "*" || account_wide,
                    }
            })
        })
    }
}

/// One operation failing for one reason, in some places.
pub(crate) struct GapGroup<'a> {
    /// E.g. `ec2:DescribeSnapshots`.
    pub operation: &'a str,
    /// The reason, the gap's own account id written `<account>`.
    pub reason: String,
    /// Where, in report order.
    pub gaps: Vec<&'a Gap>,
}

impl GapGroup<'_> {
    /// Each place as people read it: `account label region`.
    pub fn places(&self, report: &Report) -> Vec<String> {
        self.gaps
            .iter()
            .map(|g| {
                format!(
                    "{} {}",
                    report.account_label(&g.account_id),
                    g.region.as_deref().unwrap_or("all regions")
                )
            })
            .collect()
    }
}

/// The report's gaps grouped, the largest group first.
pub(crate) fn grouped(report: &Report) -> Vec<GapGroup<'_>> {
    let mut groups: BTreeMap<(&str, String), Vec<&Gap>> = BTreeMap::new();
    for gap in &report.not_scanned {
        groups
            .entry((&gap.operation, reason(&gap.error, &gap.account_id)))
            .or_default()
            .push(gap);
    }
    let mut groups: Vec<GapGroup> = groups
        .into_iter()
        .map(|((operation, reason), gaps)| GapGroup {
            operation,
            reason,
            gaps,
        })
        .collect();
    groups.sort_by(|a, b| {
        b.gaps
            .len()
            .cmp(&a.gaps.len())
            .then(a.operation.cmp(b.operation))
    });
    groups
}

/// A gap's reason with the gap's own account id written as `<account>`, so that one
/// denial across many accounts is one reason, while ids of other accounts (an archive
/// account, a partner) keep telling reasons apart.
fn reason(error: &str, account: &str) -> String {
    error.replace(account, "<account>")
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn the_own_account_in_a_reason_stands_for_any_account() {
        assert_eq!(
            reason(
                "User: arn:aws:sts::111122223333:assumed-role/R is not authorized",
                "111122223333"
            ),
            "User: arn:aws:sts::<account>:assumed-role/R is not authorized"
        );
        // Another account, or twelve digits inside an id, stay as they are.
        assert_eq!(
            reason(
                "cannot copy snap-012345678901abcd to 999999999999",
                "111122223333"
            ),
            "cannot copy snap-012345678901abcd to 999999999999"
        );
    }
}
