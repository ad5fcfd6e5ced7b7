//! Snapshots of volumes that lack a recent one: one `CreateSnapshot` per volume, or one
//! crash-consistent `CreateSnapshots` for all volumes of an instance with two or more. An
//! instance a `[[consistency]]` entry selects is always snapshotted whole, quiesced as the
//! entry says. The snapshots a plan creates are remembered, so that their copies can start
//! from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Lookup, Planner, VolumeKey};
use crate::config::Config;
use crate::finding::Finding;
use crate::inventory::Instance;
use crate::remediation::plan::{
    CreateSnapshot, CreateSnapshots, ManualReview, Quiesce, ReviewTopic, Step, Tags,
};
use crate::remediation::Remediation;

/// Volume -> (instance, all its EBS volumes), for instances with two or more volumes and
/// those a `[[consistency]]` entry selects.
pub(super) fn instance_sets(
    lookup: &Lookup,
    findings: &[Finding],
    config: &Config,
) -> HashMap<VolumeKey, (String, Vec<String>)> {
    let mut instance_sets = HashMap::new();
    for (&(account, region, _), instance) in &lookup.instances {
        let terminated = instance.is_terminated();
        let volumes = instance_volumes(instance);
        let selected = config.consistency.iter().any(|e| e.selects(&instance.tags));
        if terminated || volumes.is_empty() || (volumes.len() < 2 && !selected) {
            continue;
        }
        for v in &volumes {
            instance_sets.insert(
                (account.to_owned(), region.to_owned(), v.clone()),
                (instance.instance_id.to_string(), volumes.clone()),
            );
        }
    }
    // Without the inventory, SG-PROT-004's evidence names the instance's volumes.
    for f in findings {
        let Some(Remediation::CreateSnapshots { instance_id }) = &f.remediation else {
            continue;
        };
        let volumes = evidence_volume_ids(f);
        for v in &volumes {
            instance_sets
                .entry((f.account_id.clone(), f.region.clone(), v.clone()))
                .or_insert_with(|| (instance_id.clone(), volumes.clone()));
        }
    }
    instance_sets
}

impl Planner<'_> {
    /// A volume's snapshot; of all the instance's volumes at once when it is one of a set.
    pub(super) fn create_snapshot(&mut self, finding: &Finding, volume_id: &str) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let key = (account.to_owned(), region.to_owned(), volume_id.to_owned());
        match self.instance_sets.get(&key).cloned() {
            Some((instance, volumes)) => self.snapshot_instance(finding, &instance, &volumes),
            None => self.snapshot_volume(finding, volume_id),
        }
    }

    pub(super) fn create_snapshots(&mut self, finding: &Finding, instance_id: &str) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let volumes = self.volumes_of_instance(account, region, instance_id, finding);
        self.snapshot_instance(finding, instance_id, &volumes);
    }

    fn volumes_of_instance(
        &self,
        account: &str,
        region: &str,
        instance_id: &str,
        finding: &Finding,
    ) -> Vec<String> {
        match self.lookup.instances.get(&(account, region, instance_id)) {
            Some(instance) => instance_volumes(instance),
            None => evidence_volume_ids(finding),
        }
    }

    fn snapshot_volume(&mut self, finding: &Finding, volume_id: &str) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let volume_tags = self
            .lookup
            .volume_tags(account, region, volume_id)
            .unwrap_or_default();
        let tags = match self.backup_tags(&[volume_tags], &backup_name(volume_id)) {
            Ok(tags) => tags,
            Err(keys) => {
                let backup = format!("a snapshot of {volume_id}");
                return self.untagged_backup_review(finding, volume_id, &backup, &keys);
            }
        };
        let step = Step::CreateSnapshot(CreateSnapshot {
            volume_id: volume_id.to_owned(),
            tags: tags.clone(),
        });
        let id = self.add(finding, volume_id, step, None);
        let key = (account.to_owned(), region.to_owned(), volume_id.to_owned());
        self.created.insert(key, (id, tags));
    }

    /// How the `[[consistency]]` entries say to quiesce an instance: `None` when none selects
    /// it, `Err` (the entries' names) when several do and disagree.
    pub(super) fn quiesce(
        &self,
        account: &str,
        region: &str,
        instance_id: &str,
    ) -> Result<Option<Quiesce>, Vec<String>> {
        let Some(instance) = self.lookup.instances.get(&(account, region, instance_id)) else {
            return Ok(None);
        };
        let mut chosen: Vec<(String, Quiesce)> = Vec::new();
        for (i, entry) in self.config.consistency.iter().enumerate() {
            if !entry.selects(&instance.tags) {
                continue;
            }
            let consistency = entry.label(i);
            let quiesce = match (entry.vss, &entry.pre, &entry.post) {
                (false, Some(pre), Some(post)) => Quiesce::Commands {
                    consistency: consistency.clone(),
                    pre: pre.clone(),
                    post: post.clone(),
                    max_freeze_seconds: entry.max_freeze_seconds,
                },
                // Config::validate admits only these two shapes.
                _ => Quiesce::Vss {
                    consistency: consistency.clone(),
                },
            };
            chosen.push((consistency, quiesce));
        }
        let same = |a: &Quiesce, b: &Quiesce| match (a, b) {
            (
                Quiesce::Commands {
                    pre,
                    post,
                    max_freeze_seconds,
                    ..
                },
                Quiesce::Commands {
                    pre: p,
                    post: q,
                    max_freeze_seconds: m,
                    ..
                },
            ) => pre == p && post == q && max_freeze_seconds == m,
            (Quiesce::Vss { .. }, Quiesce::Vss { .. }) => true,
            _ => false,
        };
        match chosen.split_first() {
            None => Ok(None),
            Some(((_, first), rest)) if rest.iter().all(|(_, q)| same(first, q)) => {
                Ok(Some(first.clone()))
            }
            Some(_) => Err(chosen.into_iter().map(|(name, _)| name).collect()),
        }
    }

    fn snapshot_instance(&mut self, finding: &Finding, instance_id: &str, volumes: &[String]) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let quiesce = match self.quiesce(account, region, instance_id) {
            Ok(quiesce) => quiesce,
            Err(entries) => {
                let review = ManualReview {
                    topic: ReviewTopic::Consistency,
                    items: vec![format!(
                        "{}: the snapshot set of {instance_id} is not planned, as the \
                         [[consistency]] entries {} all select it and quiesce it differently; \
                         narrow their select so that one applies, and plan again",
                        finding.message,
                        entries.join(", ")
                    )],
                    document: None,
                };
                self.add(finding, instance_id, Step::ManualReview(review), None);
                return;
            }
        };
        let mut by_volume: BTreeMap<String, Tags> = BTreeMap::new();
        let mut without_value = BTreeSet::new();
        for v in volumes {
            let volume_tags = self
                .lookup
                .volume_tags(account, region, v)
                .unwrap_or_default();
            match self.backup_tags(&[volume_tags], &backup_name(v)) {
                Ok(tags) => {
                    by_volume.insert(v.clone(), tags);
                }
                Err(keys) => without_value.extend(keys),
            }
        }
        if !without_value.is_empty() {
            let keys: Vec<String> = without_value.into_iter().collect();
            let backup = format!("the snapshot set of {instance_id}");
            return self.untagged_backup_review(finding, instance_id, &backup, &keys);
        }
        // A tag with one value across the set is set at creation; the rest per snapshot.
        let mut common = Tags::new();
        if let Some(first) = by_volume.values().next() {
            for (key, value) in first {
                if by_volume.values().all(|t| t.get(key) == Some(value)) {
                    common.insert(key.clone(), value.clone());
                }
            }
        }
        let created: Vec<(String, Tags)> = by_volume
            .iter()
            .map(|(v, tags)| (v.clone(), tags.clone()))
            .collect();
        let tags_by_volume: BTreeMap<String, Tags> = by_volume
            .into_iter()
            .map(|(v, tags)| {
                let rest: Tags = tags
                    .into_iter()
                    .filter(|(k, _)| !common.contains_key(k))
                    .collect();
                (v, rest)
            })
            .filter(|(_, rest)| !rest.is_empty())
            .collect();
        let step = Step::CreateSnapshots(CreateSnapshots {
            instance_id: instance_id.to_owned(),
            volume_ids: volumes.to_vec(),
            tags: common,
            tags_by_volume,
            quiesce,
        });
        let id = self.add(finding, instance_id, step, None);
        for (volume, tags) in created {
            let key = (account.to_owned(), region.to_owned(), volume);
            self.created.insert(key, (id.clone(), tags));
        }
    }
}

/// The `Name` a new snapshot of `volume_id` gets when the volume has none.
fn backup_name(volume_id: &str) -> String {
    format!("backup of {volume_id}")
}

fn instance_volumes(instance: &Instance) -> Vec<String> {
    let mut volumes: Vec<String> = instance.ebs_volume_ids().map(str::to_owned).collect();
    volumes.sort();
    volumes
}

/// The volumes SG-PROT-004 lists in its evidence.
fn evidence_volume_ids(finding: &Finding) -> Vec<String> {
    let mut volumes: Vec<String> = finding.evidence["snapshots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["volume_id"].as_str().map(str::to_owned))
        .collect();
    volumes.sort();
    volumes
}

#[cfg(test)]
mod tests {
    use crate::remediation::plan::{Step, TAG_ACTION_ID};
    use crate::remediation::testing::{config, no_snapshot, not_crash_consistent, plan_all};

    #[test]
    fn merges_volume_and_instance_findings_into_one_create_snapshots() {
        let findings = [
            no_snapshot("vol-a"),
            no_snapshot("vol-b"),
            not_crash_consistent("i-1", &["vol-a", "vol-b"]),
        ];
        let plan = plan_all(&findings, &config());
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        let action = &plan.actions[0];
        assert_eq!(action.target, "i-1");
        assert_eq!(action.resolves.len(), 3);
        assert_eq!(action.rules, ["SG-PROT-001", "SG-PROT-004"]);
        assert_eq!(action.calls, ["ec2:CreateSnapshots"]);
        let Step::CreateSnapshots(step) = &action.step else {
            panic!("expected create_snapshots, got {:?}", action.step);
        };
        assert_eq!(step.volume_ids, ["vol-a", "vol-b"]);
        assert_eq!(step.tags["Owner"], "backup-team");
        assert_eq!(step.tags[TAG_ACTION_ID], action.id);
        assert_eq!(step.tags["Retention"], "30d");
    }
}
