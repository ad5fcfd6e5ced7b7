//! Planning: findings in, an ordered list of typed actions out, with one planner per kind of
//! remediation. Pure like the rules: no I/O, no clock (the plan's `created_at` is the
//! inventory's `collected_at`).
//!
//! Several findings can need the same change (every volume of an instance lacking a snapshot,
//! and the instance's snapshots not being crash-consistent): they merge into one action, keyed
//! by what it does and where.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::Config;
use crate::finding::Finding;
use crate::inventory::{Image, Instance, Inventory, Snapshot, Tag, Volume};
use crate::remediation::plan::{
    action_id, Action, CopySnapshot, CopySnapshotToAccount, ManualReview, NotPlanned, Plan,
    PlanFilter, ReviewTopic, SnapshotSource, Step, Tags, SCHEMA_VERSION, TAG_ACTION_ID,
};
use crate::remediation::Remediation;

mod archive;
mod backup_jobs;
mod block_public_access;
mod copy_image;
mod copy_snapshot;
mod ebs_guardrails;
mod iam;
mod recycle_bin;
mod schedule;
mod sharing;
mod snapshot;
mod tags;

/// Plans remediations for `findings`. With the inventory, tag values come from the volumes and
/// instances' volume sets are known; without it, from config defaults and the findings'
/// evidence alone.
pub fn plan(
    findings: &[Finding],
    inventory: Option<&Inventory>,
    config: &Config,
    filter: &PlanFilter,
) -> Plan {
    let created_at = inventory.map(|i| i.collected_at).unwrap_or_default();
    let mut planner = Planner::new(inventory, config, filter, findings);
    let in_scope: Vec<&Finding> = findings.iter().filter(|f| filter.admits(f)).collect();
    // Backups first: copies of a volume's latest snapshot are made from a snapshot the plan
    // creates, when it creates one, and wait for one an AWS Backup job of the plan takes.
    let (copies, rest): (Vec<&Finding>, Vec<&Finding>) = in_scope.into_iter().partition(|f| {
        matches!(
            f.remediation,
            Some(Remediation::CopySnapshotToRegions { .. })
                | Some(Remediation::CopySnapshotToAccount { .. })
                | Some(Remediation::StartCopyJob { .. })
        )
    });
    for finding in rest.into_iter().chain(copies) {
        planner.plan_finding(finding);
    }
    planner.copy_new_snapshots();
    Plan {
        schema_version: SCHEMA_VERSION,
        created_at,
        scope: filter.clone(),
        actions: planner.ordered_actions(),
        not_planned: planner.not_planned,
    }
}

/// The tag AWS consoles show as a resource's name; the only required key snapguard derives a
/// value for (docs/remediation.md, "Tags").
const NAME_TAG: &str = "Name";

/// Resources of the inventory by (account, region, id).
#[derive(Default)]
struct Lookup<'a> {
    volumes: HashMap<(&'a str, &'a str, &'a str), &'a Volume>,
    snapshots: HashMap<(&'a str, &'a str, &'a str), &'a Snapshot>,
    instances: HashMap<(&'a str, &'a str, &'a str), &'a Instance>,
    images: HashMap<(&'a str, &'a str, &'a str), &'a Image>,
}

impl<'a> Lookup<'a> {
    fn new(inventory: Option<&'a Inventory>) -> Lookup<'a> {
        let mut lookup = Lookup::default();
        for account in inventory.iter().flat_map(|i| &i.accounts) {
            for region in &account.regions {
                let place = (account.id.as_str(), region.name.as_str());
                for v in region.volumes.iter().flatten() {
                    lookup
                        .volumes
                        .insert((place.0, place.1, v.volume_id.as_str()), v);
                }
                for s in region.snapshots.iter().flatten() {
                    lookup
                        .snapshots
                        .insert((place.0, place.1, s.snapshot_id.as_str()), s);
                }
                for i in region.instances.iter().flatten() {
                    lookup
                        .instances
                        .insert((place.0, place.1, i.instance_id.as_str()), i);
                }
                for i in region.images.iter().flatten() {
                    lookup
                        .images
                        .insert((place.0, place.1, i.image_id.as_str()), i);
                }
            }
        }
        lookup
    }

    fn volume_tags(&self, account: &str, region: &str, volume: &str) -> Option<&'a [Tag]> {
        self.volumes
            .get(&(account, region, volume))
            .map(|v| v.tags.as_slice())
    }
}

/// Where a snapshot the plan creates comes from: (account, region, volume).
type VolumeKey = (String, String, String);

struct Planner<'a> {
    config: &'a Config,
    filter: &'a PlanFilter,
    lookup: Lookup<'a>,
    /// Volume -> (instance, all its EBS volumes), for instances with two or more volumes.
    instance_sets: HashMap<VolumeKey, (String, Vec<String>)>,
    /// Volume -> the action that snapshots it, and the tags the new snapshot gets.
    created: BTreeMap<VolumeKey, (String, Tags)>,
    /// Volumes whose new backup an AWS Backup job of the plan takes.
    backup_jobs: BTreeSet<VolumeKey>,
    actions: BTreeMap<String, Action>,
    not_planned: Vec<NotPlanned>,
}

impl<'a> Planner<'a> {
    fn new(
        inventory: Option<&'a Inventory>,
        config: &'a Config,
        filter: &'a PlanFilter,
        findings: &[Finding],
    ) -> Planner<'a> {
        let lookup = Lookup::new(inventory);
        let instance_sets = snapshot::instance_sets(&lookup, findings, config);
        Planner {
            config,
            filter,
            lookup,
            instance_sets,
            created: BTreeMap::new(),
            backup_jobs: BTreeSet::new(),
            actions: BTreeMap::new(),
            not_planned: Vec::new(),
        }
    }

    fn plan_finding(&mut self, finding: &Finding) {
        if let Some(waiver) = finding.waiver.as_ref().filter(|w| w.active) {
            return self.skip(finding, format!("waived: {}", waiver.reason));
        }
        let Some(remediation) = &finding.remediation else {
            return self.plan_without_remediation(finding);
        };
        match remediation {
            Remediation::CreateSnapshot { volume_id } => self.create_snapshot(finding, volume_id),
            Remediation::CreateSnapshots { instance_id } => {
                self.create_snapshots(finding, instance_id)
            }
            Remediation::CopySnapshotToRegions {
                snapshot_id,
                regions,
            } => self.copy_snapshot_to_regions(finding, snapshot_id, regions),
            Remediation::CopySnapshotToAccount {
                snapshot_id,
                account_id,
            } => self.copy_snapshot_to_account(finding, snapshot_id, account_id),
            Remediation::CopyImageToRegions { image_id, regions } => {
                self.copy_image_to_regions(finding, image_id, regions)
            }
            Remediation::CopySnapshotEncrypted { snapshot_id } => {
                self.copy_snapshot_encrypted(finding, snapshot_id)
            }
            Remediation::ArchiveSnapshot { snapshot_id } => {
                self.archive_snapshot(finding, snapshot_id)
            }
            Remediation::AddTags { resource_id, keys } => self.add_tags(finding, resource_id, keys),
            Remediation::CreateRetentionRule {
                resource_type,
                retention_days,
                lock,
            } => self.retention_rule(finding, resource_type, *retention_days, *lock, None),
            Remediation::UpdateRetentionPeriod {
                rule_id,
                retention_days,
            } => self.update_retention_period(finding, rule_id, *retention_days),
            Remediation::LockRetentionRule { rule_id } => {
                self.lock_retention_rule(finding, rule_id)
            }
            Remediation::RemoveSnapshotPermissions {
                snapshot_id,
                grantees,
            } => self.remove_permissions(
                finding,
                snapshot_id,
                grantees,
                Step::RemoveSnapshotPermissions,
            ),
            Remediation::RemoveImagePermissions { image_id, grantees } => {
                self.remove_permissions(finding, image_id, grantees, Step::RemoveImagePermissions)
            }
            Remediation::TagForSchedule {
                volume_id,
                tags,
                schedules,
            } => self.tag_for_schedule(finding, volume_id, tags, schedules),
            Remediation::StartBackupJob(job) => self.start_backup_job(finding, job),
            Remediation::StartCopyJob { job, schedule } => {
                self.start_copy_job(finding, job.clone(), schedule)
            }
            Remediation::EnableSnapshotBlockPublicAccess => {
                self.enable_block_public_access(finding, Step::EnableSnapshotBlockPublicAccess)
            }
            Remediation::EnableImageBlockPublicAccess => {
                self.enable_block_public_access(finding, Step::EnableImageBlockPublicAccess)
            }
        }
    }

    fn skip(&mut self, finding: &Finding, reason: String) {
        self.not_planned.push(NotPlanned {
            rule_id: finding.rule_id.clone(),
            account_id: finding.account_id.clone(),
            region: finding.region.clone(),
            resource_id: finding.resource_id.clone(),
            fingerprint: finding.fingerprint.clone(),
            reason,
        });
    }

    /// The required tags a new backup gets, each with a value `[tags.allowed]` accepts: from the
    /// first source carrying such a value, else from `[remediation] tag_defaults` (which config
    /// validation holds to the patterns), else, for `Name` only, `derived_name`. `Err` with the
    /// keys none of them gives a value for: snapguard creates no backup that breaks `[tags]`.
    fn backup_tags(&self, sources: &[&[Tag]], derived_name: &str) -> Result<Tags, Vec<String>> {
        let (mut tags, without_value) = self.tag_values(&self.config.tags.required, sources);
        let mut missing = Vec::new();
        for key in without_value {
            if key == NAME_TAG && self.config.tags.allows(&key, derived_name) {
                tags.insert(key, derived_name.to_owned());
            } else {
                missing.push(key);
            }
        }
        if missing.is_empty() {
            Ok(tags)
        } else {
            Err(missing)
        }
    }

    /// Values for `keys` that `[tags.allowed]` accepts: from the first source carrying such a
    /// value, else from the config defaults. Also the keys nothing gives a value for.
    fn tag_values(&self, keys: &[String], sources: &[&[Tag]]) -> (Tags, Vec<String>) {
        let mut tags = Tags::new();
        let mut without_value = Vec::new();
        for key in keys {
            let value = sources
                .iter()
                .find_map(|tags| {
                    tags.iter()
                        .find(|t| t.key == *key && self.config.tags.allows(key, &t.value))
                })
                .map(|t| t.value.to_string())
                .or_else(|| self.config.remediation.tag_defaults.get(key).cloned());
            match value {
                Some(v) => {
                    tags.insert(key.clone(), v);
                }
                None => without_value.push(key.clone()),
            }
        }
        (tags, without_value)
    }

    /// Instead of a backup that would lack required tags: a review naming them.
    fn untagged_backup_review(
        &mut self,
        finding: &Finding,
        target: &str,
        backup: &str,
        keys: &[String],
    ) {
        let review = ManualReview {
            topic: ReviewTopic::TagValues,
            items: vec![format!(
                "{}: {backup} is not planned, as it would lack {}: neither its source nor \
                 [remediation] tag_defaults gives a value that [tags] allows. Add the keys to \
                 tag_defaults (or tag the source) and plan again; snapguard creates only \
                 backups that meet [tags]",
                finding.message,
                keys.join(", ")
            )],
            document: None,
        };
        self.add(finding, target, Step::ManualReview(review), None);
    }

    /// Adds an action for one finding, in the finding's account and region.
    fn add(&mut self, finding: &Finding, target: &str, step: Step, note: Option<String>) -> String {
        let (account, region) = (finding.account_id.clone(), finding.region.clone());
        self.insert(&account, &region, target, step, Some(finding), note)
    }

    /// Adds an action, or merges into the one with the same id. Stamps the action id into the
    /// tags of whatever the action creates.
    fn insert(
        &mut self,
        account: &str,
        region: &str,
        target: &str,
        mut step: Step,
        finding: Option<&Finding>,
        note: Option<String>,
    ) -> String {
        let id = action_id(&step.identity(), account, region, target);
        if let Some(tags) = creation_tags(&mut step) {
            tags.insert(TAG_ACTION_ID.into(), id.clone());
        }
        let depends_on = match &step {
            Step::CopySnapshot(CopySnapshot { source, .. })
            | Step::CopySnapshotToAccount(CopySnapshotToAccount { source, .. }) => match source {
                SnapshotSource::CreatedBy { action_id, .. } => vec![action_id.clone()],
                SnapshotSource::Existing { .. } => Vec::new(),
            },
            _ => Vec::new(),
        };
        let action = self.actions.entry(id.clone()).or_insert_with(|| Action {
            id: id.clone(),
            step: step.clone(),
            account_id: account.to_owned(),
            region: region.to_owned(),
            target: target.to_owned(),
            resolves: Vec::new(),
            rules: Vec::new(),
            calls: Vec::new(),
            safety: step.safety(),
            depends_on,
            note: None,
        });
        if action.step != step {
            action.step.absorb(step);
        }
        if let Some(f) = finding {
            insert_sorted(&mut action.resolves, &f.fingerprint);
            insert_sorted(&mut action.rules, &f.rule_id);
        }
        action.note = action.note.take().or(note);
        action.calls = action.step.calls();
        id
    }

    /// Dependencies first; otherwise by rank, account, region, target.
    fn ordered_actions(&mut self) -> Vec<Action> {
        let mut pending: BTreeMap<(u8, String, String, String, String), Action> = self
            .actions
            .values()
            .map(|a| {
                let key = (
                    a.step.rank(),
                    a.account_id.clone(),
                    a.region.clone(),
                    a.target.clone(),
                    a.id.clone(),
                );
                (key, a.clone())
            })
            .collect();
        let mut done = BTreeSet::new();
        let mut ordered = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .find(|(_, a)| a.depends_on.iter().all(|d| done.contains(d)))
                .map(|(k, _)| k.clone())
                .expect("dependencies only point from copies to creations, so never cycle");
            let action = pending.remove(&ready).expect("the key was just found");
            done.insert(action.id.clone());
            ordered.push(action);
        }
        ordered
    }
}

/// The tags a step sets on what it creates, if it creates something.
fn creation_tags(step: &mut Step) -> Option<&mut Tags> {
    match step {
        Step::CreateSnapshot(s) => Some(&mut s.tags),
        Step::CreateSnapshots(s) => Some(&mut s.tags),
        Step::CopySnapshot(s) => Some(&mut s.tags),
        Step::CopySnapshotToAccount(s) => Some(&mut s.tags),
        Step::CopyImage(s) => Some(&mut s.tags),
        Step::CreateRetentionRule(s) => Some(&mut s.tags),
        Step::StartBackupJob(s) => Some(&mut s.tags),
        _ => None,
    }
}

fn insert_sorted(list: &mut Vec<String>, value: &str) {
    if let Err(at) = list.binary_search_by(|v| v.as_str().cmp(value)) {
        list.insert(at, value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::AccountId;
    use crate::finding::WaiverStatus;
    use crate::remediation::testing::{config, finding, no_copy, no_snapshot, plan_all};

    #[test]
    fn ids_are_stable_and_independent_of_finding_order() {
        let mut findings = vec![
            no_snapshot("vol-a"),
            no_copy("snap-x", "vol-x", "us-west-2"),
            finding(
                "SG-SHARE-005",
                "bpa",
                Some(Remediation::EnableSnapshotBlockPublicAccess),
                json!({}),
            ),
        ];
        let first = plan_all(&findings, &config());
        findings.reverse();
        let second = plan_all(&findings, &config());
        assert_eq!(first.to_json(), second.to_json());
        assert!(first
            .actions
            .iter()
            .all(|a| a.id == a.expected_id() && a.id.len() == "act-".len() + 16));
    }

    /// What snapguard creates meets `[tags]`: planned from a scan, "applied" by adding the
    /// snapshots the plan's steps describe, and scanned again, no tag rule fires on them. A
    /// volume value the pattern rejects gives way to the default; `Name` is the volume's, or
    /// derived; a key nothing gives a value for turns the backup into a review.
    #[test]
    fn backups_meet_the_tag_rules_by_construction() {
        use crate::inventory::{Account, Region, Snapshot, Tag, Volume};
        use crate::remediation::testing::{ACCOUNT, REGION};
        use crate::time::Timestamp;

        let tagged = |pairs: &[(&str, &str)]| -> Vec<Tag> {
            pairs.iter().map(|(k, v)| Tag::new(k, v)).collect()
        };
        let volume = |id: &str, tags: Vec<Tag>| Volume {
            volume_id: id.into(),
            tags,
            ..Volume::default()
        };
        let inventory = |snapshots: Vec<Snapshot>| Inventory {
            collected_at: Timestamp::parse("2026-05-01T12:00:00Z").unwrap(),
            accounts: vec![Account {
                id: ACCOUNT.into(),
                iam: None,
                regions: vec![Region {
                    name: REGION.into(),
                    volumes: Some(vec![
                        volume(
                            "vol-a",
                            tagged(&[("Name", "db"), ("Owner", "alice"), ("Retention", "forever")]),
                        ),
                        volume("vol-b", Vec::new()),
                    ]),
                    snapshots: Some(snapshots),
                    ..Region::default()
                }],
            }],
            ..Inventory::default()
        };
        let mut config = config();
        config.tags.required = vec!["Name".into(), "Owner".into(), "Retention".into()];
        let before = inventory(Vec::new());
        let findings = crate::evaluate(&before, &config).findings;
        let planned = plan(&findings, Some(&before), &config, &PlanFilter::default());
        let created: Vec<Snapshot> = planned
            .actions
            .iter()
            .filter_map(|a| match &a.step {
                Step::CreateSnapshot(s) => Some(Snapshot {
                    snapshot_id: format!("snap-new-{}", s.volume_id).into(),
                    volume_id: Some(s.volume_id.as_str().into()),
                    state: Some("completed".into()),
                    start_time: before.collected_at,
                    owner_id: Some(ACCOUNT.into()),
                    tags: s.tags.iter().map(|(k, v)| Tag::new(k, v)).collect(),
                    ..Snapshot::default()
                }),
                _ => None,
            })
            .collect();
        assert_eq!(created.len(), 2, "{:#?}", planned.actions);
        let tags_of = |id: &str| -> BTreeMap<String, String> {
            let s = created.iter().find(|s| &*s.snapshot_id == id).unwrap();
            s.tags
                .iter()
                .filter(|t| !t.key.starts_with("snapguard:"))
                .map(|t| (t.key.to_string(), t.value.to_string()))
                .collect()
        };
        let expected = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            tags_of("snap-new-vol-a"),
            expected(&[("Name", "db"), ("Owner", "alice"), ("Retention", "30d")])
        );
        assert_eq!(
            tags_of("snap-new-vol-b"),
            expected(&[
                ("Name", "backup of vol-b"),
                ("Owner", "backup-team"),
                ("Retention", "30d")
            ])
        );
        let after = crate::evaluate(&inventory(created), &config).findings;
        let on_created: Vec<&Finding> = after
            .iter()
            .filter(|f| f.resource_id.starts_with("snap-new-") && f.rule_id.starts_with("SG-TAG-"))
            .collect();
        assert!(on_created.is_empty(), "{on_created:#?}");
        assert!(
            !after.iter().any(|f| f.rule_id == "SG-PROT-001"),
            "the snapshots resolve SG-PROT-001"
        );

        // A required key that neither the volume nor the defaults give: no backup, a review.
        config.tags.required.push("CostCenter".into());
        let findings = crate::evaluate(&before, &config).findings;
        let planned = plan(&findings, Some(&before), &config, &PlanFilter::default());
        assert!(!planned
            .actions
            .iter()
            .any(|a| a.step.kind() == "create_snapshot"));
        let reviews: Vec<&Action> = planned
            .actions
            .iter()
            .filter(|a| a.rules.iter().any(|r| r == "SG-PROT-001"))
            .collect();
        assert_eq!(reviews.len(), 2);
        for review in reviews {
            let Step::ManualReview(r) = &review.step else {
                panic!("{review:#?}");
            };
            // Merged with the volume's own tag review (SG-TAG-003), when it has one.
            assert!(
                r.items
                    .iter()
                    .any(|i| i.contains("would lack CostCenter") && i.contains("tag_defaults")),
                "{:?}",
                r.items
            );
        }
    }

    #[test]
    fn filters_narrow_by_rule_pattern_and_account() {
        let mut other_account = no_snapshot("vol-b");
        other_account.account_id = "222222222222".into();
        let findings = [
            no_snapshot("vol-a"),
            other_account,
            finding(
                "SG-SHARE-005",
                "bpa",
                Some(Remediation::EnableSnapshotBlockPublicAccess),
                json!({}),
            ),
        ];
        let by_rule = PlanFilter {
            rules: vec!["sg-share-*".into()],
            accounts: Vec::new(),
            ..PlanFilter::default()
        };
        let narrowed = plan(&findings, None, &config(), &by_rule);
        assert_eq!(narrowed.actions.len(), 1);
        assert_eq!(narrowed.actions[0].rules, ["SG-SHARE-005"]);
        let by_account = PlanFilter {
            rules: Vec::new(),
            accounts: vec!["222222222222".into()],
            ..PlanFilter::default()
        };
        let narrowed = plan(&findings, None, &config(), &by_account);
        assert_eq!(narrowed.actions.len(), 1);
        assert_eq!(narrowed.actions[0].account_id, "222222222222");
        assert_eq!(narrowed.scope, by_account);
    }

    #[test]
    fn waived_findings_and_rules_without_remediation_are_listed_with_a_reason() {
        let mut waived = no_snapshot("vol-a");
        waived.waiver = Some(WaiverStatus {
            active: true,
            reason: "scratch disk".into(),
            expires: "2030-01-01".into(),
            owner: None,
        });
        let findings = [waived, finding("SG-TAG-004", "vol-b", None, json!({}))];
        let plan = plan_all(&findings, &config());
        assert!(plan.actions.is_empty());
        let reasons: Vec<&str> = plan.not_planned.iter().map(|n| n.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].contains("scratch disk"));
        assert!(reasons[1].contains("snapguard explain SG-TAG-004"));
    }

    /// Every remediation a rule can carry, planned: none calls a destructive operation.
    #[test]
    fn no_planned_call_deletes_deregisters_unlocks_or_disables() {
        let mut config = config();
        config.protection.copy_regions = vec!["us-west-2".into()];
        config.protection.archive_account = Some(AccountId("999999999999".into()));
        let remediations = [
            Remediation::CreateSnapshot {
                volume_id: "vol-a".into(),
            },
            Remediation::CreateSnapshots {
                instance_id: "i-1".into(),
            },
            Remediation::CopySnapshotToRegions {
                snapshot_id: "snap-1".into(),
                regions: vec!["us-west-2".into()],
            },
            Remediation::CopySnapshotToAccount {
                snapshot_id: "snap-1".into(),
                account_id: "999999999999".into(),
            },
            Remediation::AddTags {
                resource_id: "snap-1".into(),
                keys: vec!["Owner".into()],
            },
            Remediation::CopySnapshotEncrypted {
                snapshot_id: "snap-1".into(),
            },
            Remediation::ArchiveSnapshot {
                snapshot_id: "snap-1".into(),
            },
            Remediation::CreateRetentionRule {
                resource_type: "EC2_IMAGE".into(),
                retention_days: 7,
                lock: true,
            },
            Remediation::LockRetentionRule {
                rule_id: "rule-1".into(),
            },
            Remediation::UpdateRetentionPeriod {
                rule_id: "rule-1".into(),
                retention_days: 7,
            },
            Remediation::RemoveSnapshotPermissions {
                snapshot_id: "snap-1".into(),
                grantees: vec!["all".into()],
            },
            Remediation::RemoveImagePermissions {
                image_id: "ami-1".into(),
                grantees: vec!["all".into()],
            },
            Remediation::CopyImageToRegions {
                image_id: "ami-1".into(),
                regions: vec!["us-west-2".into()],
            },
            Remediation::StartBackupJob(crate::remediation::BackupJobRequest {
                volume_id: "vol-c".into(),
                resource_arn: "arn:aws:ec2:us-east-1:111111111111:volume/vol-c".into(),
                backup_vault_name: "prod".into(),
                iam_role_arn: "arn:aws:iam::111111111111:role/backup".into(),
                lifecycle: None,
                schedule: "AWS Backup plan prod rule daily".into(),
            }),
            Remediation::StartCopyJob {
                job: crate::remediation::plan::StartCopyJob {
                    recovery_point_arn: "arn:aws:ec2:us-east-1::snapshot/snap-2".into(),
                    source_backup_vault_name: "prod".into(),
                    destination_backup_vault_arn:
                        "arn:aws:backup:us-west-2:111111111111:backup-vault:dr".into(),
                    iam_role_arn: "arn:aws:iam::111111111111:role/backup".into(),
                    lifecycle: None,
                },
                schedule: "AWS Backup plan prod rule daily".into(),
            },
            Remediation::TagForSchedule {
                volume_id: "vol-b".into(),
                tags: [("Backup".to_owned(), "daily".to_owned())].into(),
                schedules: vec!["DLM policy policy-1 schedule daily".into()],
            },
            Remediation::EnableSnapshotBlockPublicAccess,
            Remediation::EnableImageBlockPublicAccess,
        ];
        let findings: Vec<Finding> = remediations
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                finding(
                    &format!("SG-TEST-{i:03}"),
                    &format!("res-{i}"),
                    Some(r),
                    json!({ "resource_type": "EC2_IMAGE", "volume_id": "vol-a" }),
                )
            })
            .chain(
                // The opt-in guardrails, opted in.
                ["SG-PROT-010", "SG-PROT-011"]
                    .map(|rule| finding(rule, "res-opt-in", None, json!({}))),
            )
            .collect();
        let all_opt_ins = PlanFilter {
            opt_in: crate::remediation::OptIn::ALL.to_vec(),
            ..PlanFilter::default()
        };
        let plan = plan(&findings, None, &config, &all_opt_ins);
        assert!(plan.not_planned.is_empty(), "{:#?}", plan.not_planned);
        let kinds: BTreeSet<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
        assert!(
            kinds.contains("lock_snapshot") && kinds.contains("enable_ebs_encryption_by_default"),
            "{kinds:?}"
        );
        for call in plan.actions.iter().flat_map(|a| &a.calls) {
            let operation = call.split(':').nth(1).unwrap_or_default();
            assert!(
                !["Delete", "Deregister", "Unlock", "Disable"]
                    .iter()
                    .any(|verb| operation.starts_with(verb)),
                "destructive call planned: {call}"
            );
        }
    }
}
