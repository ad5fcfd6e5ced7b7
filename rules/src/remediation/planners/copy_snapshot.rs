//! Copies of snapshots: into other regions (SG-PROT-002), into the archive account
//! (SG-PROT-003), and encrypted copies of unencrypted snapshots (SG-PROT-005). A copy of a
//! volume's latest snapshot starts from the snapshot the plan creates for that volume, when it
//! creates one.

use super::{Planner, VolumeKey};
use crate::copies::{TAG_SOURCE_REGION, TAG_SOURCE_SNAPSHOT};
use crate::finding::Finding;
use crate::prot::{
    snapshot_unencrypted, snapshot_without_cross_account_copy, snapshot_without_cross_region_copy,
};
use crate::remediation::plan::{CopySnapshot, CopySnapshotToAccount, SnapshotSource, Step, Tags};

impl Planner<'_> {
    pub(super) fn copy_snapshot_to_regions(
        &mut self,
        finding: &Finding,
        snapshot_id: &str,
        regions: &[String],
    ) {
        for destination in regions {
            self.copy_latest(finding, snapshot_id, Destination::Region(destination));
        }
    }

    pub(super) fn copy_snapshot_to_account(
        &mut self,
        finding: &Finding,
        snapshot_id: &str,
        account_id: &str,
    ) {
        self.copy_latest(finding, snapshot_id, Destination::Account(account_id));
    }

    /// An encrypted copy in the same region; the original stays.
    pub(super) fn copy_snapshot_encrypted(&mut self, finding: &Finding, snapshot_id: &str) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let source = SnapshotSource::Existing {
            snapshot_id: snapshot_id.to_owned(),
        };
        let tags = match self.snapshot_tags(account, region, snapshot_id) {
            Ok(tags) => tags,
            Err(keys) => {
                let backup = format!("the encrypted copy of {snapshot_id}");
                return self.untagged_backup_review(finding, snapshot_id, &backup, &keys);
            }
        };
        self.copy(
            finding,
            source,
            Destination::Region(region),
            tags,
            Some(format!(
                "the unencrypted original stays: move its consumers to the encrypted \
                 copy, then retire it by hand ({} fires until then)",
                snapshot_unencrypted::RULE.id
            )),
        );
    }

    /// Required tags for a copy of an existing snapshot: the snapshot's, then its volume's
    /// ([`Planner::backup_tags`]).
    fn snapshot_tags(
        &self,
        account: &str,
        region: &str,
        snapshot_id: &str,
    ) -> Result<Tags, Vec<String>> {
        let snapshot = self.lookup.snapshots.get(&(account, region, snapshot_id));
        let own = snapshot.map(|s| s.tags.as_slice()).unwrap_or_default();
        let volume = snapshot
            .and_then(|s| s.volume_id.as_deref())
            .and_then(|v| self.lookup.volume_tags(account, region, v))
            .unwrap_or_default();
        self.backup_tags(&[own, volume], &format!("copy of {snapshot_id}"))
    }

    /// A copy for SG-PROT-002/003: of the snapshot the plan creates for the volume, when it
    /// creates one (the copy of the older one would leave the new latest snapshot uncopied),
    /// else of the latest snapshot the finding names.
    fn copy_latest(&mut self, finding: &Finding, snapshot_id: &str, destination: Destination) {
        if self.copy_follows_backup_job(finding) {
            return;
        }
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let volume = finding.evidence["volume_id"].as_str().unwrap_or_default();
        let key = (account.to_owned(), region.to_owned(), volume.to_owned());
        let (source, tags) = match self.created.get(&key) {
            Some((action_id, tags)) => (
                SnapshotSource::CreatedBy {
                    action_id: action_id.clone(),
                    volume_id: volume.to_owned(),
                },
                tags.clone(),
            ),
            None => match self.snapshot_tags(account, region, snapshot_id) {
                Ok(tags) => (
                    SnapshotSource::Existing {
                        snapshot_id: snapshot_id.to_owned(),
                    },
                    tags,
                ),
                Err(keys) => {
                    let backup = format!("a copy of {snapshot_id}");
                    return self.untagged_backup_review(finding, snapshot_id, &backup, &keys);
                }
            },
        };
        self.copy(finding, source, destination, tags, None);
    }

    /// Copies of every snapshot the plan creates, into the configured copy regions and the
    /// archive account, so the new latest snapshots do not raise SG-PROT-002/003 at once.
    /// Only when those rules are in the plan's scope.
    pub(super) fn copy_new_snapshots(&mut self) {
        let protection = &self.config.protection;
        let created: Vec<(VolumeKey, (String, Tags))> = self
            .created
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let to_regions = self
            .filter
            .admits_rule(snapshot_without_cross_region_copy::RULE.id);
        let to_archive = self
            .filter
            .admits_rule(snapshot_without_cross_account_copy::RULE.id);
        for ((account, region, volume), (action_id, tags)) in created {
            let mut destinations = Vec::new();
            if to_regions {
                destinations.extend(
                    protection
                        .copy_regions
                        .iter()
                        .filter(|r| **r != region)
                        .map(|r| Destination::Region(r)),
                );
            }
            if to_archive {
                destinations.extend(
                    protection
                        .archive_account
                        .iter()
                        .filter(|a| a.0 != account)
                        .map(|a| Destination::Account(&a.0)),
                );
            }
            for destination in destinations {
                let source = SnapshotSource::CreatedBy {
                    action_id: action_id.clone(),
                    volume_id: volume.clone(),
                };
                let (step, target, copy_region) =
                    self.copy_step(source, &region, destination, tags.clone());
                self.insert(
                    &account,
                    &copy_region,
                    &target,
                    step,
                    None,
                    Some(
                        "copies the snapshot this plan creates, so the new latest snapshot is \
                         copied too"
                            .into(),
                    ),
                );
            }
        }
    }

    fn copy(
        &mut self,
        finding: &Finding,
        source: SnapshotSource,
        destination: Destination,
        tags: Tags,
        note: Option<String>,
    ) {
        let (step, target, copy_region) =
            self.copy_step(source, &finding.region, destination, tags);
        let account = finding.account_id.clone();
        self.insert(&account, &copy_region, &target, step, Some(finding), note);
    }

    /// The step, target and region of a copy.
    fn copy_step(
        &self,
        source: SnapshotSource,
        source_region: &str,
        destination: Destination,
        mut tags: Tags,
    ) -> (Step, String, String) {
        let target = match &source {
            SnapshotSource::Existing { snapshot_id } => {
                tags.insert(TAG_SOURCE_SNAPSHOT.into(), snapshot_id.clone());
                snapshot_id.clone()
            }
            SnapshotSource::CreatedBy { volume_id, .. } => volume_id.clone(),
        };
        tags.insert(TAG_SOURCE_REGION.into(), source_region.to_owned());
        let remediation = &self.config.remediation;
        match destination {
            Destination::Region(region) => (
                Step::CopySnapshot(CopySnapshot {
                    source,
                    source_region: source_region.to_owned(),
                    kms_key_id: remediation.copy_kms_key_id.clone(),
                    tags,
                }),
                target,
                region.to_owned(),
            ),
            Destination::Account(archive) => (
                Step::CopySnapshotToAccount(CopySnapshotToAccount {
                    source,
                    archive_account: archive.to_owned(),
                    kms_key_id: remediation.archive_kms_key_id.clone(),
                    tags,
                }),
                target,
                source_region.to_owned(),
            ),
        }
    }
}

/// Where a copy goes.
#[derive(Clone, Copy)]
enum Destination<'d> {
    Region(&'d str),
    Account(&'d str),
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::config::AccountId;
    use crate::copies::TAG_SOURCE_REGION;
    use crate::remediation::plan::{SnapshotSource, Step};
    use crate::remediation::testing::{config, no_copy, no_snapshot, plan_all, REGION};

    #[test]
    fn a_copy_of_a_snapshot_the_plan_creates_comes_after_it() {
        let mut config = config();
        config.protection.copy_regions = vec!["us-west-2".into()];
        config.protection.archive_account = Some(AccountId("999999999999".into()));
        // The copy finding first: order of input must not matter.
        let findings = [
            no_copy("snap-old", "vol-a", "us-west-2"),
            no_snapshot("vol-a"),
        ];
        let plan = plan_all(&findings, &config);
        let kinds: BTreeSet<&str> = plan.actions[1..].iter().map(|a| a.step.kind()).collect();
        assert_eq!(plan.actions[0].step.kind(), "create_snapshot");
        assert_eq!(
            kinds,
            BTreeSet::from(["copy_snapshot", "copy_snapshot_to_account"])
        );
        let create = &plan.actions[0].id;
        for copy in &plan.actions[1..] {
            assert_eq!(copy.depends_on, std::slice::from_ref(create));
        }
        let regional = plan
            .actions
            .iter()
            .find(|a| a.step.kind() == "copy_snapshot")
            .expect("a regional copy");
        let Step::CopySnapshot(copy) = &regional.step else {
            panic!("expected copy_snapshot");
        };
        assert_eq!(
            copy.source,
            SnapshotSource::CreatedBy {
                action_id: create.clone(),
                volume_id: "vol-a".into()
            }
        );
        assert_eq!(copy.tags[TAG_SOURCE_REGION], REGION);
        assert_eq!(regional.region, "us-west-2");
        assert_eq!(regional.rules, ["SG-PROT-002"]);
    }
}
