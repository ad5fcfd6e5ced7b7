//! "Did you mean": the closest of some known names to a misspelt one.

/// The candidate closest to `word` (case-insensitively, by edit distance), if it is close
/// enough to be a misspelling: at most a quarter of the word's length away, and at least 1.
/// Ties go to the first candidate.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let limit = (word.len() / 4).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let lowered: Vec<char> = candidate.to_lowercase().chars().collect();
        if lowered.len().abs_diff(word.len()) > limit {
            continue;
        }
        let distance = edit_distance(&word, &lowered);
        let better = match best {
            Some((best_distance, _)) => distance < best_distance,
            None => true,
        };
        if distance <= limit && better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Levenshtein distance, with a transposition of two neighbours counting as one edit.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous2: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            current[j] = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(previous2[j - 2] + 1);
            }
        }
        previous2 = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_what_is_close() {
        let names = ["ec2:DeleteSnapshot", "ec2:DeleteVolume", "rbin:UnlockRule"];
        assert_eq!(
            closest("ec2:DeleteSnaphot", names),
            Some("ec2:DeleteSnapshot")
        );
        assert_eq!(
            closest("EC2:deletesnapshto", names),
            Some("ec2:DeleteSnapshot")
        );
        assert_eq!(closest("rbin:UnlockRul", names), Some("rbin:UnlockRule"));
        assert_eq!(closest("s3:DeleteObject", names), None);
    }
}
