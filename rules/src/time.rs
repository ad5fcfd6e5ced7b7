//! Timestamps as the AWS CLI prints them (`2024-05-01T12:00:00.000Z`, `2024-05-01T12:00:00+00:00`),
//! held as whole seconds since the Unix epoch, and durations as config writes them (`1d`, `12h`).

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A text that is not an RFC 3339 timestamp, from [`Timestamp::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, found {text:?} ({reason})")]
pub struct TimestampError {
    /// The text as given.
    pub text: String,
    /// What the RFC 3339 parser found wrong with it.
    pub reason: String,
}

/// A text that is not a config duration, from [`Duration::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a duration such as \"1d\", \"12h\", \"30m\" or \"2w\", found {text:?}")]
pub struct DurationError {
    /// The text as given.
    pub text: String,
}

/// Seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Parses an RFC 3339 timestamp (`2024-05-01T12:00:00.000Z`, `...+02:00`), dropping
    /// fractions of a second. Errors with [`TimestampError`] on anything else, impossible dates
    /// included.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        if let Some(t) = parse_utc_fast(text.as_bytes()) {
            return Ok(t);
        }
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Timestamp(t.unix_timestamp()))
            .map_err(|e| TimestampError {
                text: text.to_owned(),
                reason: e.to_string(),
            })
    }

    /// This instant moved back by `d`.
    pub fn minus(self, d: Duration) -> Timestamp {
        Timestamp(self.0 - d.0)
    }

    /// This instant moved forward by `d`.
    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0 + d.0)
    }

    /// Seconds from `earlier` to this instant (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

/// The shape the AWS CLI prints a million times per large scan, `2024-05-01T12:00:00.000Z`
/// or `...+00:00`, parsed without the general RFC 3339 machinery. Anything else (other
/// offsets, leap seconds, out-of-range fields) returns `None` for the general parser.
fn parse_utc_fast(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    let days_in_month = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(Timestamp(
        days * 86_400 + hour * 3_600 + minute * 60 + second,
    ))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => {
                let (y, m, d) = t.to_calendar_date();
                let (hh, mm, ss) = t.to_hms();
                write!(f, "{y:04}-{:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z", m as u8)
            }
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A span of time in whole seconds, written in config as `90d`, `12h`, `30m`, `1w` or a
/// combination (`1d12h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub i64);

impl Duration {
    /// `n` days, in seconds.
    pub const fn days(n: i64) -> Duration {
        Duration(n * 86_400)
    }

    /// Parses a config duration: whole numbers each followed by `w`, `d`, `h`, `m` or `s`
    /// (`90d`, `1d12h`), summed. Errors with [`DurationError`] on any other text, on zero and
    /// on overflow.
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let expected = || DurationError {
            text: text.to_owned(),
        };
        let mut total: i64 = 0;
        let mut number = String::new();
        for c in text.trim().chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return Err(expected()),
            };
            let n: i64 = number.parse().map_err(|_| expected())?;
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(expected)?;
            number.clear();
        }
        if !number.is_empty() || total == 0 {
            return Err(expected());
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s % 86_400 == 0 {
            write!(f, "{}d", s / 86_400)
        } else if s % 3_600 == 0 {
            write!(f, "{}h", s / 3_600)
        } else if s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        Duration::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_timestamps() {
        let a = Timestamp::parse("2024-05-01T12:00:00.000Z").unwrap();
        let b = Timestamp::parse("2024-05-01T12:00:00+00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2024-05-01T12:00:00Z");
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("2024-02-30T00:00:00Z").is_err());
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.999Z",
            "2024-03-01T00:00:00.000Z",
            "2026-11-25T06:00:00+00:00",
            "2100-12-31T12:34:56.5Z",
            "1969-12-31T23:59:59Z",
        ] {
            let general = OffsetDateTime::parse(text, &Rfc3339)
                .unwrap()
                .unix_timestamp();
            assert_eq!(
                parse_utc_fast(text.as_bytes()),
                Some(Timestamp(general)),
                "{text}"
            );
        }
        // Other offsets take the general path and still parse right.
        let t = Timestamp::parse("2024-05-01T14:00:00+02:00").unwrap();
        assert_eq!(t, Timestamp::parse("2024-05-01T12:00:00Z").unwrap());
    }

    #[test]
    fn parses_durations() {
        assert_eq!(Duration::parse("1d").unwrap(), Duration::days(1));
        assert_eq!(Duration::parse("1d12h").unwrap().0, 129_600);
        assert_eq!(Duration::parse("2w").unwrap(), Duration::days(14));
        for bad in ["", "d", "5", "1y", "-1d", "0d"] {
            assert!(Duration::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
