//! The places that could not be read, grouped for people: by operation and reason, each
//! gap's own account id in its reason standing for any account, so that one denial across
//! 1,000 accounts is one group. The machine formats list every place.

use std::collections::BTreeMap;

use rules::inventory::Gap;

use crate::Report;

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
