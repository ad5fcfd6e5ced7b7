//! `*` and `?` patterns, as IAM and waivers write them: `*` matches any run of characters
//! (including none), `?` exactly one.

/// Whether `text` matches `pattern`. Linear time: greedy with one backtrack point.
pub fn matches(pattern: &str, text: &str) -> bool {
    matches_bytes(pattern.as_bytes(), text.as_bytes(), |a, b| a == b)
}

/// As [`matches`], ignoring ASCII case (IAM action names).
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_bytes(pattern.as_bytes(), text.as_bytes(), |a, b| {
        a.eq_ignore_ascii_case(&b)
    })
}

fn matches_bytes(p: &[u8], t: &[u8], eq: impl Fn(u8, u8) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches(
            "arn:aws:iam::*:role/BackupAdmin",
            "arn:aws:iam::123456789012:role/BackupAdmin"
        ));
        assert!(!matches(
            "arn:aws:iam::*:role/BackupAdmin",
            "arn:aws:iam::1:role/BackupAdmins"
        ));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches_ignore_case("EC2:delete*", "ec2:DeleteSnapshot"));
        assert!(!matches("EC2:delete*", "ec2:DeleteSnapshot"));
    }
}
