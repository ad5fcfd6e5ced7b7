//! The places that could not be read, grouped for people: by operation and reason, account
//! ids in the reason standing for any account, so that one denial across 1,000 accounts is one
//! group. The machine formats list every place.

use std::collections::BTreeMap;

use rules::inventory::Gap;

use crate::Report;

/// One operation failing for one reason, in some places.
pub(crate) struct GapGroup<'a> {
    /// E.g. `ec2:DescribeSnapshots`.
    pub operation: &'a str,
    /// The reason, account ids written `<account>`.
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
            .entry((&gap.operation, reason(&gap.error)))
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

/// A gap's reason with its account ids written as `<account>`.
fn reason(error: &str) -> String {
    let mut out = String::with_capacity(error.len());
    let mut digits = String::new();
    for c in error.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() == 12 {
            out.push_str("<account>");
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn account_ids_in_a_reason_stand_for_any_account() {
        assert_eq!(
            reason("User: arn:aws:sts::111122223333:assumed-role/R is not authorized (HTTP 403)"),
            "User: arn:aws:sts::<account>:assumed-role/R is not authorized (HTTP 403)"
        );
        assert_eq!(reason("ends with 123456789012"), "ends with <account>");
        assert_eq!(
            reason("1234567890123 is no account"),
            "1234567890123 is no account"
        );
    }
}
