//! Backup coverage of one account-region: how many volumes have a recent snapshot, how many
//! have the copies the configuration asks for, how many owned snapshots a Recycle Bin rule
//! retains.
//!
//! Counted from the inventory by the same checks the rules that own each figure make (one
//! owner: each rule's file), and only for the rules that were evaluated: a figure whose rules
//! were turned off, or could not be checked in that place (a copy region or the archive
//! account not read, Recycle Bin rules without their tags), is unknown rather than "all
//! covered". Waivers play no part: a waiver accepts a gap, it does not close it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::prot::{
    snapshot_without_cross_account_copy, snapshot_without_cross_region_copy,
    volume_without_recent_snapshot,
};
use crate::rbin::{recycle_bin_off_for_snapshots, snapshot_not_covered_by_recycle_bin};
use crate::registry::Rule;
use crate::scope::RegionScope;

/// The rules behind `volumes_with_recent_snapshot`.
pub static RECENT_SNAPSHOT_RULES: [&Rule; 1] = [&volume_without_recent_snapshot::RULE];
/// The rules behind `volumes_copied`.
pub static COPY_RULES: [&Rule; 2] = [
    &snapshot_without_cross_region_copy::RULE,
    &snapshot_without_cross_account_copy::RULE,
];
/// The rules behind `snapshots_in_recycle_bin_scope`.
pub static RECYCLE_BIN_RULES: [&Rule; 2] = [
    &recycle_bin_off_for_snapshots::RULE,
    &snapshot_not_covered_by_recycle_bin::RULE,
];

/// How much of one account-region's data is backed up, for an account-region whose volumes,
/// snapshots and snapshot retention rules were all read. A figure that is absent (`None`, left
/// out of the JSON) is unknown: one of its rules was turned off, or could not be checked there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// The 12-digit account id.
    pub account_id: String,
    /// The region, e.g. `us-east-1`.
    pub region: String,
    /// Every volume in the region.
    pub volumes: usize,
    /// Volumes SG-PROT-001 finds a recent enough snapshot of (volumes skipped by
    /// `protection.skip_volumes_tagged` are not checked, so they count here). Unknown when
    /// SG-PROT-001 was not evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_with_recent_snapshot: Option<usize>,
    /// Volumes with a completed snapshot whose latest snapshot has the copies SG-PROT-002 (into
    /// `protection.copy_regions`) and SG-PROT-003 (into `protection.archive_account`) ask for.
    /// Unknown unless both were evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_copied: Option<usize>,
    /// Snapshots the account owns in the region.
    pub snapshots: usize,
    /// Owned snapshots a Recycle Bin rule retains: none where no rule covers snapshots
    /// (SG-RBIN-001), otherwise all but those SG-RBIN-005 finds outside every rule. Unknown
    /// unless both were evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots_in_recycle_bin_scope: Option<usize>,
}

impl Coverage {
    /// The coverage of one account-region, given whether each rule is enabled; `None` when its
    /// volumes, snapshots or snapshot retention rules were not all read.
    pub(crate) fn of(scope: &RegionScope, enabled: impl Fn(&Rule) -> bool) -> Option<Coverage> {
        let region = scope.region;
        let (Some(volumes), Some(_), Some(retention_rules)) = (
            &region.volumes,
            &region.snapshots,
            &region.snapshot_retention_rules,
        ) else {
            return None;
        };
        let all_enabled = |rules: &[&Rule]| rules.iter().all(|r| enabled(r));
        let owned: Vec<_> = scope.owned_snapshots()?.collect();

        let volumes_with_recent_snapshot = all_enabled(&RECENT_SNAPSHOT_RULES)
            .then(|| volume_without_recent_snapshot::stale_volumes(scope))
            .flatten()
            .map(|stale| {
                let stale: BTreeSet<&str> =
                    stale.iter().map(|(v, _)| v.volume_id.as_str()).collect();
                volumes
                    .iter()
                    .filter(|v| !stale.contains(v.volume_id.as_str()))
                    .count()
            });

        let volumes_copied = all_enabled(&COPY_RULES)
            .then(|| {
                let to_regions = snapshot_without_cross_region_copy::uncopied(scope)?.snapshots;
                let to_archive = snapshot_without_cross_account_copy::uncopied(scope)?;
                let uncopied: BTreeSet<&str> = to_regions
                    .iter()
                    .chain(&to_archive)
                    .map(|(v, _)| v.volume_id.as_str())
                    .collect();
                let snapshotted: BTreeSet<&str> = owned
                    .iter()
                    .filter(|s| s.is_completed())
                    .filter_map(|s| s.volume_id.as_deref())
                    .collect();
                Some(
                    volumes
                        .iter()
                        .map(|v| v.volume_id.as_str())
                        .filter(|v| snapshotted.contains(v) && !uncopied.contains(v))
                        .count(),
                )
            })
            .flatten();

        let snapshots_in_recycle_bin_scope = all_enabled(&RECYCLE_BIN_RULES)
            .then(|| {
                if retention_rules.is_empty() {
                    return Some(0);
                }
                let unretained: BTreeSet<&str> =
                    snapshot_not_covered_by_recycle_bin::unretained(scope)?
                        .iter()
                        .map(|s| s.snapshot_id.as_str())
                        .collect();
                Some(
                    owned
                        .iter()
                        .filter(|s| !unretained.contains(s.snapshot_id.as_str()))
                        .count(),
                )
            })
            .flatten();

        Some(Coverage {
            account_id: scope.account.id.to_string(),
            region: region.name.to_string(),
            volumes: volumes.len(),
            volumes_with_recent_snapshot,
            volumes_copied,
            snapshots: owned.len(),
            snapshots_in_recycle_bin_scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AccountId, Config, RuleOverride};
    use crate::inventory::{Account, Inventory, Region, RetentionRule, Snapshot, Volume};
    use crate::time::Timestamp;

    const ACCOUNT: &str = "111111111111";
    const ARCHIVE: &str = "999999999999";

    fn volume(id: &str) -> Volume {
        Volume {
            volume_id: id.into(),
            ..Volume::default()
        }
    }

    fn snapshot(id: &str, volume: &str, start: &str) -> Snapshot {
        Snapshot {
            snapshot_id: id.into(),
            volume_id: Some(volume.into()),
            state: Some("completed".into()),
            start_time: Timestamp::parse(start).unwrap(),
            owner_id: Some(ACCOUNT.into()),
            ..Snapshot::default()
        }
    }

    /// One account-region: vol-1 snapshotted an hour ago, vol-2 a week ago, vol-3 never; one
    /// region-level Recycle Bin rule, whose tags (`get-rule`) are recorded when `rule_tags`.
    fn inventory(rule_tags: bool) -> Inventory {
        let rule = RetentionRule {
            identifier: "rule-1".into(),
            status: Some("available".into()),
            resource_tags: rule_tags.then(Vec::new),
            ..RetentionRule::default()
        };
        let region = Region {
            name: "us-east-1".into(),
            volumes: Some(vec![volume("vol-1"), volume("vol-2"), volume("vol-3")]),
            snapshots: Some(vec![
                snapshot("snap-1", "vol-1", "2026-05-01T11:00:00Z"),
                snapshot("snap-2", "vol-2", "2026-04-24T12:00:00Z"),
            ]),
            snapshot_retention_rules: Some(vec![rule]),
            ..Region::default()
        };
        Inventory {
            collected_at: Timestamp::parse("2026-05-01T12:00:00Z").unwrap(),
            accounts: vec![Account {
                id: ACCOUNT.into(),
                iam: None,
                regions: vec![region],
            }],
            ..Inventory::default()
        }
    }

    fn turned_off(ids: &[&str]) -> Config {
        let mut config = Config::default();
        for id in ids {
            let off = RuleOverride {
                enabled: Some(false),
                ..RuleOverride::default()
            };
            config.rules.insert((*id).to_owned(), off);
        }
        config
    }

    fn coverage(inventory: &Inventory, config: &Config) -> Coverage {
        let mut coverage = crate::evaluate(inventory, config).coverage;
        assert_eq!(coverage.len(), 1);
        coverage.remove(0)
    }

    #[test]
    fn figures_follow_the_rules_checks() {
        let c = coverage(&inventory(true), &Config::default());
        assert_eq!((c.volumes, c.snapshots), (3, 2));
        assert_eq!(c.volumes_with_recent_snapshot, Some(1));
        // No copy region or archive account configured: every snapshotted volume.
        assert_eq!(c.volumes_copied, Some(2));
        assert_eq!(c.snapshots_in_recycle_bin_scope, Some(2));
    }

    #[test]
    fn a_figure_whose_rule_is_off_is_unknown_not_full() {
        let inventory = inventory(true);
        let id = |rules: &[&Rule]| rules.iter().map(|r| r.id).collect::<Vec<_>>();
        let c = coverage(&inventory, &turned_off(&id(&RECENT_SNAPSHOT_RULES)));
        assert_eq!(c.volumes_with_recent_snapshot, None);
        assert_eq!(c.volumes_copied, Some(2));
        for rule in COPY_RULES {
            let c = coverage(&inventory, &turned_off(&[rule.id]));
            assert_eq!(c.volumes_copied, None, "{} off", rule.id);
            assert_eq!(c.volumes_with_recent_snapshot, Some(1));
        }
        for rule in RECYCLE_BIN_RULES {
            let c = coverage(&inventory, &turned_off(&[rule.id]));
            assert_eq!(c.snapshots_in_recycle_bin_scope, None, "{} off", rule.id);
        }
        let json = serde_json::to_value(coverage(&inventory, &turned_off(&id(&COPY_RULES))));
        assert!(json.unwrap().get("volumes_copied").is_none());
    }

    #[test]
    fn a_figure_that_could_not_be_checked_is_unknown() {
        // A copy region that was not scanned.
        let mut config = Config::default();
        config.protection.copy_regions = vec!["us-west-2".into()];
        assert_eq!(coverage(&inventory(true), &config).volumes_copied, None);
        // An archive account that was not scanned.
        let mut config = Config::default();
        config.protection.archive_account = Some(AccountId(ARCHIVE.into()));
        assert_eq!(coverage(&inventory(true), &config).volumes_copied, None);
        // Retention rules without their tags.
        let c = coverage(&inventory(false), &Config::default());
        assert_eq!(c.snapshots_in_recycle_bin_scope, None);
    }

    #[test]
    fn no_retention_rule_retains_nothing() {
        let mut inventory = inventory(true);
        inventory.accounts[0].regions[0].snapshot_retention_rules = Some(Vec::new());
        let c = coverage(&inventory, &Config::default());
        assert_eq!(c.snapshots_in_recycle_bin_scope, Some(0));
    }
}
