//! Timestamps as the AWS CLI prints them (`2024-05-01T12:00:00.000Z`, `2024-05-01T12:00:00+00:00`),
//! held as whole seconds since the Unix epoch, and durations as config writes them (`1d`, `12h`).

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Timestamp(t.unix_timestamp()))
            .map_err(|e| format!("expected an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, found {text:?} ({e})"))
    }

    pub fn minus(self, d: Duration) -> Timestamp {
        Timestamp(self.0 - d.0)
    }

    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0 + d.0)
    }

    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
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
    pub const fn days(n: i64) -> Duration {
        Duration(n * 86_400)
    }

    pub fn parse(text: &str) -> Result<Duration, String> {
        let expected = || {
            format!("expected a duration such as \"1d\", \"12h\", \"30m\" or \"2w\", found {text:?}")
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
