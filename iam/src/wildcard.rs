//! Wildcard strings as IAM writes them (`*` = any run of characters, `?` = one character), used
//! by `Action`/`NotAction`, the `StringLike`/`ArnLike` condition operators, exempt principals
//! and waiver resources. Matching works
//! on the pattern text directly, so nothing is compiled or allocated per comparison.

/// Whether `text` matches all of `pattern`, case-sensitively. Classic two-pointer matching: on
/// a mismatch, let the most recent `*` absorb one more character and retry from there.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (mut p, mut t) = (0, 0);
    // (pattern position after the last `*`, text position that `*` has absorbed up to)
    let mut last_star: Option<(usize, usize)> = None;
    while let Some(next) = text[t..].chars().next() {
        match pattern[p..].chars().next() {
            Some('*') => {
                last_star = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                t += next.len_utf8();
                continue;
            }
            Some(c) if c == next => {
                p += c.len_utf8();
                t += next.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((after_star, absorbed)) = last_star else {
            return false;
        };
        let resume = absorbed + text[absorbed..].chars().next().map_or(0, char::len_utf8);
        last_star = Some((after_star, resume));
        p = after_star;
        t = resume;
    }
    pattern[p..].chars().all(|c| c == '*')
}

/// The text of `pattern` before its first wildcard.
pub fn literal_prefix(pattern: &str) -> &str {
    pattern
        .find(['*', '?'])
        .map_or(pattern, |end| &pattern[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        let cases = [
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("*", "ec2:deletesnapshot", true),
            ("ec2:*", "ec2:deletesnapshot", true),
            ("ec2:*", "rbin:deleterule", false),
            ("ec2:delete*", "ec2:deletesnapshot", true),
            ("ec2:describe*", "ec2:deletesnapshot", false),
            ("ec2:delete?napshot", "ec2:deletesnapshot", true),
            ("ec2:delete?snapshot", "ec2:deletesnapshot", false),
            ("*snapshot", "ec2:deletesnapshot", true),
            ("*:*e*", "ec2:deletesnapshot", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("??", "é1", true),
            ("é*", "éa", true),
            (
                "ec2: modifysnapshotattribute",
                "ec2:modifysnapshotattribute",
                false,
            ),
            ("EC2:Delete*", "ec2:deletesnapshot", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(matches(pattern, text), expected, "{pattern} vs {text}");
        }
    }

    #[test]
    fn principal_and_waiver_patterns() {
        assert!(matches(
            "arn:aws:iam::*:role/BackupAdmin",
            "arn:aws:iam::123456789012:role/BackupAdmin"
        ));
        assert!(!matches(
            "arn:aws:iam::*:role/BackupAdmin",
            "arn:aws:iam::1:role/BackupAdmins"
        ));
    }

    #[test]
    fn literal_prefix_stops_at_first_wildcard() {
        assert_eq!(literal_prefix("ec2:Delete*"), "ec2:Delete");
        assert_eq!(literal_prefix("ec2:Delete?napshot"), "ec2:Delete");
        assert_eq!(literal_prefix("ec2:DeleteSnapshot"), "ec2:DeleteSnapshot");
        assert_eq!(literal_prefix("*"), "");
    }
}
