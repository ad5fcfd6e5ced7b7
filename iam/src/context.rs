//! What is known of the requests a principal can make beyond its policies: the facts that
//! decide the global condition keys snapguard evaluates
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>).
//!
//! A scan knows them all: it collected the data at one instant, in known Regions, for accounts
//! whose organization it read. `iam check` knows the time, and the rest when the config says so.

use std::fmt;

/// The facts behind the global condition keys `aws:RequestedRegion`, `aws:CurrentTime`,
/// `aws:EpochTime`, `aws:TokenIssueTime`, `aws:PrincipalOrgID` and `aws:ResourceOrgID`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>). `aws:ResourceAccount`
/// comes from the principal: EBS snapshots, AMIs and Recycle Bin rules are deleted, shared and
/// changed only by their own account, so the backups a principal can act on are its account's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The Regions the backups are in (a scan's Regions, `[iam] regions` for `iam check`): the
    /// values of `aws:RequestedRegion` that matter. `None` when unknown.
    pub regions: Option<Vec<String>>,
    /// The time of the evaluation, in seconds since the Unix epoch: `aws:CurrentTime` and
    /// `aws:EpochTime`, and the `aws:TokenIssueTime` of a session started then. `None` when
    /// unknown.
    pub now: Option<i64>,
    /// The organization of the accounts evaluated: `aws:PrincipalOrgID` and `aws:ResourceOrgID`.
    pub organization: OrgMembership,
    /// `aws:TagKeys` of a tagging request (`iam:TagRole`, `sts:TagSession`, ...): the keys it
    /// passes, when the evaluation is about such a request. `None` when unknown.
    pub tag_keys: Option<Vec<String>>,
}

impl RequestContext {
    /// The Regions, when known and not empty.
    pub(crate) fn known_regions(&self) -> Option<&[String]> {
        self.regions.as_deref().filter(|r| !r.is_empty())
    }
}

/// Whether the accounts evaluated belong to an AWS Organization, and which
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_getting-started_concepts.html>).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OrgMembership {
    /// Not known: `aws:PrincipalOrgID` and `aws:ResourceOrgID` stay undecided.
    #[default]
    Unknown,
    /// A standalone account: requests carry no organization id.
    Standalone,
    /// A member (or the management account) of the organization with this id (`o-...`).
    Member(String),
}

impl OrgMembership {
    /// The value of an organization id key: `None` when unknown, `Some(None)` when the request
    /// carries none.
    pub(crate) fn value(&self) -> Option<Option<&str>> {
        match self {
            OrgMembership::Unknown => None,
            OrgMembership::Standalone => Some(None),
            OrgMembership::Member(id) => Some(Some(id)),
        }
    }
}

/// A date as the `Date` condition operators accept it: one of the W3C forms of ISO 8601
/// (`2026-11`, `2026-11-20`, `2026-11-20T09:00Z`, `2026-11-20T09:00:00.000Z`, with `Z` or an
/// offset), or seconds since the Unix epoch (any plain number)
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>).
/// Returns seconds since the epoch; `None` for anything else.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = number(parts.next()?, 4)?;
    let month: i64 = parts.next().map_or(Some(1), |m| number(m, 2))?;
    let day: i64 = parts.next().map_or(Some(1), |d| number(d, 2))?;
    if parts.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let mut seconds = date.midnight().assume_utc().unix_timestamp();
    if let Some(time) = time {
        let (clock, offset) = split_offset(time)?;
        let mut fields = clock.split(':');
        let hour: i64 = number(fields.next()?, 2)?;
        let minute: i64 = number(fields.next()?, 2)?;
        let second: i64 = match fields.next() {
            None => 0,
            Some(s) => {
                let whole = s.split_once('.').map_or(s, |(whole, fraction)| {
                    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                        ""
                    } else {
                        whole
                    }
                });
                number(whole, 2)?
            }
        };
        if fields.next().is_some() || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        seconds += hour * 3600 + minute * 60 + second - offset;
    }
    Some(seconds)
}

/// `hh:mm:ss` and the offset in seconds from `Z`, `+hh:mm` or `-hh:mm`.
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, 0));
    }
    let at = time.rfind(['+', '-'])?;
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset[1..].split_once(':')?;
    let (hours, minutes): (i64, i64) = (number(hours, 2)?, number(minutes, 2)?);
    Some((clock, sign * (hours * 3600 + minutes * 60)))
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A time in seconds since the epoch, shown as ISO 8601 UTC (`2026-11-25T06:00:00Z`).
pub(crate) struct Iso8601(pub i64);

impl fmt::Display for Iso8601 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match time::OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => {
                let (year, month, day) = t.to_calendar_date();
                let (hour, minute, second) = t.to_hms();
                write!(
                    f,
                    "{year:04}-{:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z",
                    month as u8
                )
            }
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_iam_accepts() {
        let instant = 1_795_165_200; // 2026-11-20T09:00:00Z
        for text in [
            "2026-11-20T09:00:00Z",
            "2026-11-20T09:00:00.000Z",
            "2026-11-20T09:00Z",
            "2026-11-20T10:00:00+01:00",
            "2026-11-20T04:30:00-04:30",
            "1795165200",
        ] {
            assert_eq!(parse_date(text), Some(instant), "{text}");
        }
        assert_eq!(parse_date("2026-11-20"), Some(instant - 9 * 3600));
        assert_eq!(parse_date("2026-11"), parse_date("2026-11-01"));
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-20T25:00Z",
            "2026-11-20T09:00:00",
            "2026-11-20T09:00:00.Z",
            "26-11-20",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(Iso8601(instant).to_string(), "2026-11-20T09:00:00Z");
        assert_eq!(Iso8601(951_782_400).to_string(), "2000-02-29T00:00:00Z");
    }
}
