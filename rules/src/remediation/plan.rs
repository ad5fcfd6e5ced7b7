//! Planning: findings in, an ordered list of typed actions out. Pure like the rules: no I/O,
//! no clock (the plan's `created_at` is the inventory's `collected_at`).
//!
//! Several findings can need the same change (every volume of an instance lacking a snapshot,
//! and the instance's snapshots not being crash-consistent): they merge into one action, keyed
//! by what it does and where. An action's id is a hash of that key, so planning the same
//! findings again gives the same ids; the executor tags whatever it creates with the id and
//! looks for that tag before acting, which makes a re-run or a resumed run create nothing twice.
//!
//! Nothing here deletes, deregisters, unlocks or disables anything: there is no such step.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::Config;
use crate::copies::{TAG_SOURCE_IMAGE, TAG_SOURCE_REGION, TAG_SOURCE_SNAPSHOT};
use crate::finding::Finding;
use crate::inventory::{Image, Instance, Inventory, Permission, Snapshot, Tag, Volume};
use crate::remediation::Remediation;
use crate::time::Timestamp;
use crate::wildcard;

/// The plan document's version; a reader refuses any other.
pub const SCHEMA_VERSION: u32 = 1;

/// The tag the executor sets, at creation, on everything an action creates.
pub const TAG_ACTION_ID: &str = "snapguard:action-id";

/// Tag key -> value, sorted so the plan is byte-for-byte reproducible.
pub type Tags = BTreeMap<String, String>;

/// Which findings to plan for. Empty lists admit everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFilter {
    /// Rule ids or wildcard patterns (`SG-RBIN-*`), matched case-insensitively.
    pub rules: Vec<String>,
    /// Account ids.
    pub accounts: Vec<String>,
}

impl PlanFilter {
    pub fn admits_rule(&self, rule_id: &str) -> bool {
        self.rules.is_empty()
            || self
                .rules
                .iter()
                .any(|p| wildcard::matches(&p.to_ascii_uppercase(), rule_id))
    }

    pub fn admits_account(&self, account_id: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account_id)
    }

    fn admits(&self, finding: &Finding) -> bool {
        self.admits_rule(&finding.rule_id) && self.admits_account(&finding.account_id)
    }
}

/// A reviewable plan: what `remediate apply` will do, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub schema_version: u32,
    /// When the data the plan rests on was collected: the inventory's (or report's)
    /// `collected_at`.
    pub created_at: Timestamp,
    pub scope: PlanFilter,
    /// In dependency order: an action comes after every action it depends on.
    pub actions: Vec<Action>,
    /// Findings in scope that no action addresses, and why.
    pub not_planned: Vec<NotPlanned>,
}

/// One change to make in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// `act-` and 16 hex digits of a hash of kind, account, region and target.
    pub id: String,
    #[serde(flatten)]
    pub step: Step,
    pub account_id: String,
    /// Where the calls are made: the destination region of a copy, `global` for IAM reviews.
    pub region: String,
    /// The resource acted on (a volume, instance, snapshot, image, rule, resource type or
    /// principal).
    pub target: String,
    /// Fingerprints of the findings this action resolves.
    pub resolves: Vec<String>,
    /// The rule ids of those findings.
    pub rules: Vec<String>,
    /// The mutating API operations the executor will call (Describe and List calls aside).
    pub calls: Vec<String>,
    pub safety: SafetyClass,
    /// Ids of actions that must succeed first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// What a reviewer should know beyond the parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How much an action can change; documented in docs/remediation.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SafetyClass {
    /// Makes new snapshots or copies; touches nothing that exists.
    Creates,
    /// Adds missing tags to an existing resource.
    ModifiesTags,
    /// Removes grantees from a snapshot's or image's sharing.
    RestrictsAccess,
    /// Creates or locks a Recycle Bin rule, or turns on block public access.
    ConfiguresGuardrail,
    /// Calls nothing: a person reviews and acts.
    ManualReview,
}

impl SafetyClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyClass::Creates => "creates",
            SafetyClass::ModifiesTags => "modifies-tags",
            SafetyClass::RestrictsAccess => "restricts-access",
            SafetyClass::ConfiguresGuardrail => "configures-guardrail",
            SafetyClass::ManualReview => "manual-review",
        }
    }
}

/// What an action does, with everything the executor needs to do it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "parameters", rename_all = "snake_case")]
pub enum Step {
    /// `ec2:CreateSnapshot` of one volume.
    CreateSnapshot(CreateSnapshot),
    /// `ec2:CreateSnapshots` of all EBS volumes of an instance at one moment.
    CreateSnapshots(CreateSnapshots),
    /// `ec2:CopySnapshot`, encrypted, into the action's region of the same account.
    CopySnapshot(CopySnapshot),
    /// Share with the archive account, copy from there, remove the share.
    CopySnapshotToAccount(CopySnapshotToAccount),
    /// `ec2:CopyImage`, encrypted, into the action's region of the same account.
    CopyImage(CopyImage),
    /// `ec2:CreateTags` for keys the resource lacks.
    AddTags(AddTags),
    /// `rbin:CreateRule`: a region-level rule, locked at creation when configured.
    CreateRetentionRule(CreateRetentionRule),
    /// `rbin:LockRule` on an existing region-level rule.
    LockRetentionRule(LockRetentionRule),
    /// Remove grantees from a snapshot's createVolumePermission.
    RemoveSnapshotPermissions(RemovePermissions),
    /// Remove grantees from an image's launchPermission.
    RemoveImagePermissions(RemovePermissions),
    /// Snapshot block public access to `block-all-sharing`.
    EnableSnapshotBlockPublicAccess,
    /// AMI block public access to `block-new-sharing`.
    EnableImageBlockPublicAccess,
    /// Nothing automatic: a person reviews and acts.
    ManualReview(ManualReview),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSnapshot {
    pub volume_id: String,
    /// Set at creation (`TagSpecifications`), the action id among them.
    pub tags: Tags,
    /// Required tag keys for which neither the volume nor a config default gives a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_without_value: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSnapshots {
    pub instance_id: String,
    /// The instance's EBS volumes as far as known; the call snapshots all of them.
    pub volume_ids: Vec<String>,
    /// Set at creation on every snapshot of the set: the action id, and each required tag
    /// whose value is the same for all volumes.
    pub tags: Tags,
    /// Required tags whose value differs between volumes: set with `ec2:CreateTags` on each
    /// new snapshot right after creation (it already carries the action id, so a crash in
    /// between is found and finished on the next run).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags_by_volume: BTreeMap<String, Tags>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_without_value: Vec<String>,
}

/// The snapshot a copy starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum SnapshotSource {
    /// A snapshot that exists now.
    Existing { snapshot_id: String },
    /// The snapshot of `volume_id` that action `action_id` of this plan creates; the executor
    /// finds it by that action's tag, waits for it to complete, and adds its id as
    /// `snapguard:source-snapshot` to the copy's tags.
    CreatedBy {
        action_id: String,
        volume_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopySnapshot {
    pub source: SnapshotSource,
    pub source_region: String,
    /// Copies are always encrypted; with this key, or the account's default EBS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set at creation: the action id, the source markers the copy recogniser reads, and the
    /// required tags of the source.
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopySnapshotToAccount {
    pub source: SnapshotSource,
    /// The account the copy is made in, in the action's region.
    pub archive_account: String,
    /// A key in the archive account; its default EBS key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyImage {
    pub source_image_id: String,
    pub source_region: String,
    /// The new AMI's name: the source's, marked as a copy (names are unique per region).
    pub name: String,
    /// Copies are always encrypted; with this key, or the account's default EBS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Set at creation on the new AMI and on its snapshots: the action id, the source markers
    /// the copy recogniser reads, and the required tags of the source AMI.
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_without_value: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTags {
    pub resource_id: String,
    /// Only keys the resource lacked when scanned.
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRetentionRule {
    /// `EBS_SNAPSHOT` or `EC2_IMAGE`.
    pub resource_type: String,
    pub retention_days: u64,
    /// Locked at creation with this unlock delay; unlocked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_delay_days: Option<u64>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRetentionRule {
    pub rule_id: String,
    pub unlock_delay_days: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovePermissions {
    pub resource_id: String,
    /// Only the offending grantees; grantees inside the organization and the trusted
    /// accounts are never listed, so they stay.
    pub grantees: Vec<Permission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualReview {
    pub topic: ReviewTopic,
    /// What a person should look at and do, one line each.
    pub items: Vec<String>,
    /// A document to review and apply, such as the SCP that closes an IAM gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewTopic {
    /// Required tags with no known value.
    TagValues,
    /// Moving a snapshot to the archive tier slows its restore to days.
    ArchiveSnapshot,
    /// An SCP to attach so that no one can destroy or expose backups.
    ScpGuardrail,
    /// A principal's grants of protected actions.
    PrincipalPermissions,
}

impl ReviewTopic {
    fn as_str(self) -> &'static str {
        match self {
            ReviewTopic::TagValues => "tag-values",
            ReviewTopic::ArchiveSnapshot => "archive-snapshot",
            ReviewTopic::ScpGuardrail => "scp-guardrail",
            ReviewTopic::PrincipalPermissions => "principal-permissions",
        }
    }
}

/// A finding in scope that no action addresses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotPlanned {
    pub rule_id: String,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    pub fingerprint: String,
    pub reason: String,
}

impl Step {
    /// The `kind` as written in the plan.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::CreateSnapshot(_) => "create_snapshot",
            Step::CreateSnapshots(_) => "create_snapshots",
            Step::CopySnapshot(_) => "copy_snapshot",
            Step::CopySnapshotToAccount(_) => "copy_snapshot_to_account",
            Step::CopyImage(_) => "copy_image",
            Step::AddTags(_) => "add_tags",
            Step::CreateRetentionRule(_) => "create_retention_rule",
            Step::LockRetentionRule(_) => "lock_retention_rule",
            Step::RemoveSnapshotPermissions(_) => "remove_snapshot_permissions",
            Step::RemoveImagePermissions(_) => "remove_image_permissions",
            Step::EnableSnapshotBlockPublicAccess => "enable_snapshot_block_public_access",
            Step::EnableImageBlockPublicAccess => "enable_image_block_public_access",
            Step::ManualReview(_) => "manual_review",
        }
    }

    pub fn safety(&self) -> SafetyClass {
        match self {
            Step::CreateSnapshot(_)
            | Step::CreateSnapshots(_)
            | Step::CopySnapshot(_)
            | Step::CopySnapshotToAccount(_)
            | Step::CopyImage(_) => SafetyClass::Creates,
            Step::AddTags(_) => SafetyClass::ModifiesTags,
            Step::RemoveSnapshotPermissions(_) | Step::RemoveImagePermissions(_) => {
                SafetyClass::RestrictsAccess
            }
            Step::CreateRetentionRule(_)
            | Step::LockRetentionRule(_)
            | Step::EnableSnapshotBlockPublicAccess
            | Step::EnableImageBlockPublicAccess => SafetyClass::ConfiguresGuardrail,
            Step::ManualReview(_) => SafetyClass::ManualReview,
        }
    }

    /// The mutating operations the executor calls for this step. Tags set at creation need
    /// `ec2:CreateTags` permission too, but are part of the create call.
    pub fn calls(&self) -> Vec<String> {
        let calls: &[&str] = match self {
            Step::CreateSnapshot(_) => &["ec2:CreateSnapshot"],
            Step::CreateSnapshots(s) if s.tags_by_volume.is_empty() => &["ec2:CreateSnapshots"],
            Step::CreateSnapshots(_) => &["ec2:CreateSnapshots", "ec2:CreateTags"],
            Step::CopySnapshot(_) => &["ec2:CopySnapshot"],
            Step::CopySnapshotToAccount(_) => &[
                "ec2:ModifySnapshotAttribute",
                "sts:AssumeRole",
                "ec2:CopySnapshot",
            ],
            Step::CopyImage(_) => &["ec2:CopyImage"],
            Step::AddTags(_) => &["ec2:CreateTags"],
            Step::CreateRetentionRule(_) => &["rbin:CreateRule"],
            Step::LockRetentionRule(_) => &["rbin:LockRule"],
            Step::RemoveSnapshotPermissions(_) => &["ec2:ModifySnapshotAttribute"],
            Step::RemoveImagePermissions(_) => &["ec2:ModifyImageAttribute"],
            Step::EnableSnapshotBlockPublicAccess => &["ec2:EnableSnapshotBlockPublicAccess"],
            Step::EnableImageBlockPublicAccess => &["ec2:EnableImageBlockPublicAccess"],
            Step::ManualReview(_) => &[],
        };
        calls.iter().map(|c| c.to_string()).collect()
    }

    /// What makes two steps the same action, besides account, region and target.
    fn identity(&self) -> String {
        match self {
            Step::ManualReview(r) => format!("manual_review:{}", r.topic.as_str()),
            other => other.kind().to_owned(),
        }
    }

    /// Execution order among independent actions: backups first, then what restricts or
    /// reconfigures, and reviews last.
    fn rank(&self) -> u8 {
        match self {
            Step::CreateSnapshot(_) | Step::CreateSnapshots(_) => 0,
            Step::CopySnapshot(_) | Step::CopySnapshotToAccount(_) | Step::CopyImage(_) => 1,
            Step::AddTags(_) => 2,
            Step::CreateRetentionRule(_) | Step::LockRetentionRule(_) => 3,
            Step::EnableSnapshotBlockPublicAccess | Step::EnableImageBlockPublicAccess => 4,
            Step::RemoveSnapshotPermissions(_) | Step::RemoveImagePermissions(_) => 5,
            Step::ManualReview(_) => 6,
        }
    }

    /// Folds in what another finding asks of the same action.
    fn absorb(&mut self, other: Step) {
        match (self, other) {
            (Step::RemoveSnapshotPermissions(a), Step::RemoveSnapshotPermissions(b))
            | (Step::RemoveImagePermissions(a), Step::RemoveImagePermissions(b)) => {
                for grantee in b.grantees {
                    if !a.grantees.contains(&grantee) {
                        a.grantees.push(grantee);
                    }
                }
                a.grantees.sort_by(|x, y| x.grantee().cmp(y.grantee()));
            }
            (Step::ManualReview(a), Step::ManualReview(b)) => {
                a.items.extend(b.items);
                a.items.sort();
                a.items.dedup();
                a.document = a.document.take().or(b.document);
            }
            (Step::CreateRetentionRule(a), Step::CreateRetentionRule(b)) => {
                a.retention_days = a.retention_days.max(b.retention_days);
            }
            // The other kinds are fully determined by their key.
            _ => {}
        }
    }
}

/// `act-` and the first 16 hex digits of sha256 over the action's identity.
pub fn action_id(identity: &str, account_id: &str, region: &str, target: &str) -> String {
    let mut h = Sha256::new();
    for (i, part) in [identity, account_id, region, target].iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("act-{hex}")
}

impl Action {
    /// The id this action's content gives it.
    pub fn expected_id(&self) -> String {
        action_id(
            &self.step.identity(),
            &self.account_id,
            &self.region,
            &self.target,
        )
    }
}

impl Plan {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always serializes");
        text.push('\n');
        text
    }

    /// Reads a plan written by `remediate plan`. Errors are sentences to follow the file name.
    pub fn from_json(text: &str) -> Result<Plan, String> {
        let document: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            format!("is not JSON ({e}); expected a plan written by `snapguard remediate plan`")
        })?;
        match document.get("schema_version").and_then(|v| v.as_u64()) {
            None => {
                return Err(
                    "is not a snapguard plan: it has no numeric `schema_version`; \
                     expected a plan written by `snapguard remediate plan`"
                        .into(),
                )
            }
            Some(v) if v != u64::from(SCHEMA_VERSION) => {
                return Err(format!(
                    "is a plan of schema_version {v}, and this snapguard reads schema_version \
                     {SCHEMA_VERSION}; plan again with this version"
                ))
            }
            Some(_) => {}
        }
        let plan: Plan = serde_json::from_str(text)
            .map_err(|e| format!("is not a well-formed snapguard plan: {e}"))?;
        plan.check()?;
        Ok(plan)
    }

    /// What the types cannot say: ids, calls and safety classes agree with each action's
    /// content, and dependencies point backwards. An edited plan cannot claim to only create
    /// while it does something else.
    fn check(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for (i, action) in self.actions.iter().enumerate() {
            let place = format!("actions[{i}] ({})", action.id);
            if action.id != action.expected_id() {
                return Err(format!(
                    "{place}: the id does not match the action's kind, account, region and \
                     target (expected {}); plan again instead of editing",
                    action.expected_id()
                ));
            }
            if action.calls != action.step.calls() || action.safety != action.step.safety() {
                return Err(format!(
                    "{place}: `calls` and `safety` must be {:?} and {} for a {} action",
                    action.step.calls(),
                    action.step.safety().as_str(),
                    action.step.kind()
                ));
            }
            if let Some(missing) = action.depends_on.iter().find(|d| !seen.contains(*d)) {
                return Err(format!(
                    "{place}: it depends on {missing}, which is not an earlier action of the plan"
                ));
            }
            if !seen.insert(action.id.clone()) {
                return Err(format!("{place}: the id appears twice"));
            }
        }
        Ok(())
    }
}

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
    // Snapshots first: copies of a volume's latest snapshot are made from a snapshot the plan
    // creates, when it creates one.
    let (copies, rest): (Vec<&Finding>, Vec<&Finding>) = in_scope.into_iter().partition(|f| {
        matches!(
            f.remediation,
            Some(Remediation::CopySnapshotToRegions { .. })
                | Some(Remediation::CopySnapshotToAccount { .. })
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
        let mut instance_sets = HashMap::new();
        for (&(account, region, _), instance) in &lookup.instances {
            let terminated = instance
                .state
                .as_ref()
                .is_some_and(|s| s.name == "terminated");
            let volumes = instance_volumes(instance);
            if terminated || volumes.len() < 2 {
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
        Planner {
            config,
            filter,
            lookup,
            instance_sets,
            created: BTreeMap::new(),
            actions: BTreeMap::new(),
            not_planned: Vec::new(),
        }
    }

    fn plan_finding(&mut self, finding: &Finding) {
        if let Some(waiver) = finding.waiver.as_ref().filter(|w| w.active) {
            return self.skip(finding, format!("waived: {}", waiver.reason));
        }
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let Some(remediation) = &finding.remediation else {
            return self.plan_without_remediation(finding);
        };
        match remediation {
            Remediation::CreateSnapshot { volume_id } => {
                let key = (account.to_owned(), region.to_owned(), volume_id.clone());
                match self.instance_sets.get(&key).cloned() {
                    Some((instance, volumes)) => {
                        self.snapshot_instance(finding, &instance, &volumes)
                    }
                    None => self.snapshot_volume(finding, volume_id),
                }
            }
            Remediation::CreateSnapshots { instance_id } => {
                let volumes = self.volumes_of_instance(account, region, instance_id, finding);
                self.snapshot_instance(finding, instance_id, &volumes);
            }
            Remediation::CopySnapshotToRegions {
                snapshot_id,
                regions,
            } => {
                for destination in regions {
                    self.copy_latest(finding, snapshot_id, Destination::Region(destination));
                }
            }
            Remediation::CopySnapshotToAccount {
                snapshot_id,
                account_id,
            } => self.copy_latest(finding, snapshot_id, Destination::Account(account_id)),
            Remediation::CopyImageToRegions { image_id, regions } => {
                for destination in regions {
                    self.copy_image(finding, image_id, destination);
                }
            }
            Remediation::CopySnapshotEncrypted { snapshot_id } => {
                let source = SnapshotSource::Existing {
                    snapshot_id: snapshot_id.clone(),
                };
                let tags = self.snapshot_tags(account, region, snapshot_id).0;
                self.copy(
                    finding,
                    source,
                    Destination::Region(region),
                    tags,
                    Some(
                        "the unencrypted original stays: move its consumers to the encrypted \
                         copy, then retire it by hand (SG-PROT-005 fires until then)"
                            .into(),
                    ),
                );
            }
            Remediation::ArchiveSnapshot { snapshot_id } => {
                let review = ManualReview {
                    topic: ReviewTopic::ArchiveSnapshot,
                    items: vec![format!(
                        "{}, if a restore from it can wait the 24 to 72 hours the archive tier \
                         takes: aws ec2 modify-snapshot-tier --snapshot-id {snapshot_id} \
                         --storage-tier archive",
                        finding.message
                    )],
                    document: None,
                };
                self.add(finding, snapshot_id, Step::ManualReview(review), None);
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
            } => match finding.evidence["resource_type"].as_str() {
                Some(resource_type) => {
                    let note = format!(
                        "rule {rule_id} keeps its shorter period: raising it needs \
                         rbin:UpdateRule, which could as well shorten it, so the remediation role \
                         lacks it. Recycle Bin keeps a resource for the longest period of the \
                         rules matching it, so the new rule protects it; raise or retire \
                         {rule_id} by hand"
                    );
                    self.retention_rule(
                        finding,
                        resource_type,
                        *retention_days,
                        self.config.recycle_bin.require_lock,
                        Some(note),
                    );
                }
                None => self.skip(
                    finding,
                    "its evidence does not say which resource type the rule retains".into(),
                ),
            },
            Remediation::LockRetentionRule { rule_id } => {
                let step = Step::LockRetentionRule(LockRetentionRule {
                    rule_id: rule_id.clone(),
                    unlock_delay_days: self.config.remediation.unlock_delay_days,
                });
                self.add(finding, rule_id, step, None);
            }
            Remediation::RemoveSnapshotPermissions {
                snapshot_id,
                grantees,
            } => {
                let step = Step::RemoveSnapshotPermissions(RemovePermissions {
                    resource_id: snapshot_id.clone(),
                    grantees: grantees.iter().map(|g| permission(g)).collect(),
                });
                self.add(finding, snapshot_id, step, None);
            }
            Remediation::RemoveImagePermissions { image_id, grantees } => {
                let step = Step::RemoveImagePermissions(RemovePermissions {
                    resource_id: image_id.clone(),
                    grantees: grantees.iter().map(|g| permission(g)).collect(),
                });
                self.add(finding, image_id, step, None);
            }
            Remediation::EnableSnapshotBlockPublicAccess => {
                self.add(
                    finding,
                    &finding.resource_id,
                    Step::EnableSnapshotBlockPublicAccess,
                    None,
                );
            }
            Remediation::EnableImageBlockPublicAccess => {
                self.add(
                    finding,
                    &finding.resource_id,
                    Step::EnableImageBlockPublicAccess,
                    None,
                );
            }
        }
    }

    /// IAM findings become reviews; other rules without a remediation are listed as such.
    fn plan_without_remediation(&mut self, finding: &Finding) {
        if finding.rule_id == "SG-IAM-005" {
            let review = ManualReview {
                topic: ReviewTopic::ScpGuardrail,
                items: vec![format!(
                    "{}: review the suggested SCP and attach it to the account or an OU above it",
                    finding.message
                )],
                document: finding.evidence.get("suggested_scp").cloned(),
            };
            self.add(
                finding,
                &finding.account_id,
                Step::ManualReview(review),
                None,
            );
        } else if finding.rule_id.starts_with("SG-IAM-") {
            let review = ManualReview {
                topic: ReviewTopic::PrincipalPermissions,
                items: vec![format!(
                    "{}: remove the grant, add the principal to iam.exempt_principals if it is \
                     a backup administrator, or attach the account's guardrail SCP",
                    finding.message
                )],
                document: None,
            };
            self.add(
                finding,
                &finding.resource_arn,
                Step::ManualReview(review),
                None,
            );
        } else {
            self.skip(
                finding,
                format!(
                    "{} has no automatic remediation; `snapguard explain {}` says what to do",
                    finding.rule_id, finding.rule_id
                ),
            );
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

    /// The required tags a new resource gets: from the first source carrying each key, else
    /// from the config defaults. Also the keys nothing gives a value for.
    fn required_tags(&self, sources: &[&[Tag]]) -> (Tags, Vec<String>) {
        let mut tags = Tags::new();
        let mut without_value = Vec::new();
        for key in &self.config.tags.required {
            let value = sources
                .iter()
                .find_map(|tags| tags.iter().find(|t| t.key == *key))
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

    /// Required tags for a copy of an existing snapshot: the snapshot's, then its volume's.
    fn snapshot_tags(&self, account: &str, region: &str, snapshot_id: &str) -> (Tags, Vec<String>) {
        let snapshot = self.lookup.snapshots.get(&(account, region, snapshot_id));
        let own = snapshot.map(|s| s.tags.as_slice()).unwrap_or_default();
        let volume = snapshot
            .and_then(|s| s.volume_id.as_deref())
            .and_then(|v| self.lookup.volume_tags(account, region, v))
            .unwrap_or_default();
        self.required_tags(&[own, volume])
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
        let (tags, tags_without_value) = self.required_tags(&[volume_tags]);
        let step = Step::CreateSnapshot(CreateSnapshot {
            volume_id: volume_id.to_owned(),
            tags: tags.clone(),
            tags_without_value,
        });
        let id = self.add(finding, volume_id, step, None);
        let key = (account.to_owned(), region.to_owned(), volume_id.to_owned());
        self.created.insert(key, (id, tags));
    }

    fn snapshot_instance(&mut self, finding: &Finding, instance_id: &str, volumes: &[String]) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let mut by_volume: BTreeMap<String, Tags> = BTreeMap::new();
        let mut without_value = BTreeSet::new();
        for v in volumes {
            let volume_tags = self
                .lookup
                .volume_tags(account, region, v)
                .unwrap_or_default();
            let (tags, missing) = self.required_tags(&[volume_tags]);
            without_value.extend(missing);
            by_volume.insert(v.clone(), tags);
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
            tags_without_value: without_value.into_iter().collect(),
        });
        let id = self.add(finding, instance_id, step, None);
        for (volume, tags) in created {
            let key = (account.to_owned(), region.to_owned(), volume);
            self.created.insert(key, (id.clone(), tags));
        }
    }

    /// A copy for SG-PROT-002/003: of the snapshot the plan creates for the volume, when it
    /// creates one (the copy of the older one would leave the new latest snapshot uncopied),
    /// else of the latest snapshot the finding names.
    fn copy_latest(&mut self, finding: &Finding, snapshot_id: &str, destination: Destination) {
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
            None => (
                SnapshotSource::Existing {
                    snapshot_id: snapshot_id.to_owned(),
                },
                self.snapshot_tags(account, region, snapshot_id).0,
            ),
        };
        self.copy(finding, source, destination, tags, None);
    }

    /// Copies of every snapshot the plan creates, into the configured copy regions and the
    /// archive account, so the new latest snapshots do not raise SG-PROT-002/003 at once.
    /// Only when those rules are in the plan's scope.
    fn copy_new_snapshots(&mut self) {
        let protection = &self.config.protection;
        let created: Vec<(VolumeKey, (String, Tags))> = self
            .created
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((account, region, volume), (action_id, tags)) in created {
            let mut destinations = Vec::new();
            if self.filter.admits_rule("SG-PROT-002") {
                destinations.extend(
                    protection
                        .copy_regions
                        .iter()
                        .filter(|r| **r != region)
                        .map(|r| Destination::Region(r)),
                );
            }
            if self.filter.admits_rule("SG-PROT-003") {
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

    /// A copy of an AMI into `destination`, named and tagged after the source (from the
    /// inventory, else from the finding's evidence and the config defaults).
    fn copy_image(&mut self, finding: &Finding, image_id: &str, destination: &str) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let image = self.lookup.images.get(&(account, region, image_id));
        let source_name = image
            .and_then(|i| i.name.as_deref())
            .or(finding.evidence["image_name"].as_str())
            .unwrap_or("AMI");
        let image_tags = image.map(|i| i.tags.as_slice()).unwrap_or_default();
        let (mut tags, tags_without_value) = self.required_tags(&[image_tags]);
        tags.insert(TAG_SOURCE_IMAGE.into(), image_id.to_owned());
        tags.insert(TAG_SOURCE_REGION.into(), region.to_owned());
        let step = Step::CopyImage(CopyImage {
            source_image_id: image_id.to_owned(),
            source_region: region.to_owned(),
            name: copy_image_name(source_name, image_id, region),
            kms_key_id: self.config.remediation.copy_kms_key_id.clone(),
            tags,
            tags_without_value,
        });
        let account = account.to_owned();
        self.insert(&account, destination, image_id, step, Some(finding), None);
    }

    /// Tags with known values are added; when any key lacks one, a person decides them all.
    fn add_tags(&mut self, finding: &Finding, resource_id: &str, keys: &[String]) {
        let (account, region) = (finding.account_id.as_str(), finding.region.as_str());
        let source_volume = match finding.resource_type.as_str() {
            "snapshot" => self
                .lookup
                .snapshots
                .get(&(account, region, resource_id))
                .and_then(|s| s.volume_id.as_deref())
                .and_then(|v| self.lookup.volume_tags(account, region, v)),
            _ => None,
        };
        let mut known = Tags::new();
        let mut unknown = Vec::new();
        for key in keys {
            let value = source_volume
                .and_then(|tags| tags.iter().find(|t| t.key == *key))
                .map(|t| t.value.to_string())
                .or_else(|| self.config.remediation.tag_defaults.get(key).cloned());
            match value {
                Some(v) => {
                    known.insert(key.clone(), v);
                }
                None => unknown.push(key.clone()),
            }
        }
        let step = if unknown.is_empty() {
            Step::AddTags(AddTags {
                resource_id: resource_id.to_owned(),
                tags: known,
            })
        } else {
            let mut items = vec![format!(
                "{} {resource_id} lacks {}, and neither its source volume nor \
                 [remediation] tag_defaults gives a value: choose one and tag it",
                finding.resource_type,
                unknown.join(", ")
            )];
            items.extend(
                known
                    .iter()
                    .map(|(k, v)| format!("{k} would be {v:?} (from the volume or the defaults)")),
            );
            Step::ManualReview(ManualReview {
                topic: ReviewTopic::TagValues,
                items,
                document: None,
            })
        };
        self.add(finding, resource_id, step, None);
    }

    fn retention_rule(
        &mut self,
        finding: &Finding,
        resource_type: &str,
        retention_days: u64,
        lock: bool,
        note: Option<String>,
    ) {
        let step = Step::CreateRetentionRule(CreateRetentionRule {
            resource_type: resource_type.to_owned(),
            retention_days,
            unlock_delay_days: lock.then_some(self.config.remediation.unlock_delay_days),
            tags: Tags::new(),
        });
        self.add(finding, resource_type, step, note);
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

/// AMI names are at most 128 characters, unique per account and region.
const IMAGE_NAME_MAX: usize = 128;

/// `<source name> (copy of ami-… from <region>)`, the source name shortened to fit.
fn copy_image_name(source_name: &str, image_id: &str, region: &str) -> String {
    let suffix = format!(" (copy of {image_id} from {region})");
    let room = IMAGE_NAME_MAX.saturating_sub(suffix.chars().count());
    let name: String = source_name.chars().take(room).collect();
    format!("{}{suffix}", name.trim_end())
}

/// Where a copy goes.
#[derive(Clone, Copy)]
enum Destination<'d> {
    Region(&'d str),
    Account(&'d str),
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
        _ => None,
    }
}

fn insert_sorted(list: &mut Vec<String>, value: &str) {
    if let Err(at) = list.binary_search_by(|v| v.as_str().cmp(value)) {
        list.insert(at, value.to_owned());
    }
}

fn instance_volumes(instance: &Instance) -> Vec<String> {
    let mut volumes: Vec<String> = instance
        .block_device_mappings
        .iter()
        .filter_map(|m| m.ebs.as_ref()?.volume_id.as_deref())
        .map(str::to_owned)
        .collect();
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

/// A grantee as a finding names it (`all`, an account id, an organization or OU ARN), as the
/// permission entry the Modify*Attribute calls remove.
fn permission(grantee: &str) -> Permission {
    let mut p = Permission::default();
    if grantee == "all" {
        p.group = Some(grantee.into());
    } else if grantee.contains(":ou/") {
        p.organizational_unit_arn = Some(grantee.into());
    } else if grantee.contains(":organization/") {
        p.organization_arn = Some(grantee.into());
    } else {
        p.user_id = Some(grantee.into());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AccountId;
    use crate::finding::{fingerprint, Severity, WaiverStatus};
    use serde_json::json;

    const ACCOUNT: &str = "111111111111";
    const REGION: &str = "us-east-1";

    fn finding(
        rule_id: &str,
        resource_id: &str,
        remediation: Option<Remediation>,
        evidence: serde_json::Value,
    ) -> Finding {
        let arn = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{resource_id}");
        Finding {
            rule_id: rule_id.into(),
            rule_name: rule_id.to_lowercase(),
            severity: Severity::High,
            account_id: ACCOUNT.into(),
            region: REGION.into(),
            resource_type: resource_id.split('-').next().unwrap_or_default().into(),
            resource_id: resource_id.into(),
            fingerprint: fingerprint(rule_id, &arn, ""),
            resource_arn: arn,
            message: format!("{rule_id} on {resource_id}"),
            evidence,
            remediation,
            waiver: None,
            baseline: None,
        }
    }

    fn no_snapshot(volume: &str) -> Finding {
        let remediation = Remediation::CreateSnapshot {
            volume_id: volume.into(),
        };
        finding("SG-PROT-001", volume, Some(remediation), json!({}))
    }

    fn not_crash_consistent(instance: &str, volumes: &[&str]) -> Finding {
        let snapshots: Vec<_> = volumes.iter().map(|v| json!({ "volume_id": v })).collect();
        let remediation = Remediation::CreateSnapshots {
            instance_id: instance.into(),
        };
        finding(
            "SG-PROT-004",
            instance,
            Some(remediation),
            json!({ "snapshots": snapshots }),
        )
    }

    fn no_copy(snapshot: &str, volume: &str, region: &str) -> Finding {
        let remediation = Remediation::CopySnapshotToRegions {
            snapshot_id: snapshot.into(),
            regions: vec![region.into()],
        };
        finding(
            "SG-PROT-002",
            snapshot,
            Some(remediation),
            json!({ "volume_id": volume }),
        )
    }

    fn config() -> Config {
        let mut config = Config::default();
        config.tags.required = vec!["Owner".into(), "Retention".into()];
        config
            .remediation
            .tag_defaults
            .insert("Owner".into(), "backup-team".into());
        config
    }

    fn plan_all(findings: &[Finding], config: &Config) -> Plan {
        plan(findings, None, config, &PlanFilter::default())
    }

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
        assert_eq!(step.tags_without_value, ["Retention"]);
    }

    #[test]
    fn merges_retention_findings_of_one_resource_type_and_place() {
        let create = || Remediation::CreateRetentionRule {
            resource_type: "EBS_SNAPSHOT".into(),
            retention_days: 7,
            lock: true,
        };
        let findings = [
            finding("SG-RBIN-001", "rb-1", Some(create()), json!({})),
            finding("SG-RBIN-005", "snap-1", Some(create()), json!({})),
            finding(
                "SG-RBIN-004",
                "rule-1",
                Some(Remediation::UpdateRetentionPeriod {
                    rule_id: "rule-1".into(),
                    retention_days: 7,
                }),
                json!({ "resource_type": "EBS_SNAPSHOT" }),
            ),
        ];
        let plan = plan_all(&findings, &config());
        assert_eq!(plan.actions.len(), 1, "{:#?}", plan.actions);
        assert_eq!(plan.actions[0].resolves.len(), 3);
        assert_eq!(plan.actions[0].calls, ["rbin:CreateRule"]);
    }

    #[test]
    fn merges_offending_grantees_and_keeps_the_others_out() {
        let remove = |grantee: &str| Remediation::RemoveImagePermissions {
            image_id: "ami-1".into(),
            grantees: vec![grantee.into()],
        };
        let findings = [
            finding("SG-SHARE-001", "ami-1", Some(remove("all")), json!({})),
            finding(
                "SG-SHARE-002",
                "ami-1",
                Some(remove("222222222222")),
                json!({}),
            ),
        ];
        let plan = plan_all(&findings, &config());
        assert_eq!(plan.actions.len(), 1);
        let Step::RemoveImagePermissions(step) = &plan.actions[0].step else {
            panic!("expected remove_image_permissions");
        };
        let grantees: Vec<&str> = step.grantees.iter().map(Permission::grantee).collect();
        assert_eq!(grantees, ["222222222222", "all"]);
        assert_eq!(plan.actions[0].safety, SafetyClass::RestrictsAccess);
    }

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
        };
        let narrowed = plan(&findings, None, &config(), &by_rule);
        assert_eq!(narrowed.actions.len(), 1);
        assert_eq!(narrowed.actions[0].rules, ["SG-SHARE-005"]);
        let by_account = PlanFilter {
            rules: Vec::new(),
            accounts: vec!["222222222222".into()],
        };
        let narrowed = plan(&findings, None, &config(), &by_account);
        assert_eq!(narrowed.actions.len(), 1);
        assert_eq!(narrowed.actions[0].account_id, "222222222222");
        assert_eq!(narrowed.scope, by_account);
    }

    #[test]
    fn tags_without_a_known_value_go_to_a_person() {
        let add = Remediation::AddTags {
            resource_id: "vol-a".into(),
            keys: vec!["Owner".into(), "Retention".into()],
        };
        let plan = plan_all(
            &[finding("SG-TAG-003", "vol-a", Some(add), json!({}))],
            &config(),
        );
        let Step::ManualReview(review) = &plan.actions[0].step else {
            panic!("expected a manual review, got {:?}", plan.actions[0].step);
        };
        assert_eq!(review.topic, ReviewTopic::TagValues);
        assert!(review.items[0].contains("Retention"), "{:?}", review.items);
        assert!(plan.actions[0].calls.is_empty());
    }

    #[test]
    fn iam_findings_become_reviews_carrying_the_scp() {
        let scp = json!({ "Version": "2012-10-17", "Statement": [] });
        let plan = plan_all(
            &[finding(
                "SG-IAM-005",
                ACCOUNT,
                None,
                json!({ "suggested_scp": scp }),
            )],
            &config(),
        );
        let Step::ManualReview(review) = &plan.actions[0].step else {
            panic!("expected a manual review");
        };
        assert_eq!(review.topic, ReviewTopic::ScpGuardrail);
        assert_eq!(review.document, Some(scp));
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

    #[test]
    fn an_ami_is_copied_into_each_region_named_and_tagged_after_its_source() {
        let remediation = Remediation::CopyImageToRegions {
            image_id: "ami-0abc".into(),
            regions: vec!["us-west-2".into(), "eu-west-1".into()],
        };
        let long_name = "x".repeat(200);
        let findings = [finding(
            "SG-PROT-007",
            "ami-0abc",
            Some(remediation),
            json!({ "image_name": long_name }),
        )];
        let plan = plan_all(&findings, &config());
        let regions: Vec<&str> = plan.actions.iter().map(|a| a.region.as_str()).collect();
        assert_eq!(regions, ["eu-west-1", "us-west-2"]);
        for action in &plan.actions {
            assert_eq!(action.calls, ["ec2:CopyImage"]);
            assert_eq!(action.safety, SafetyClass::Creates);
            assert_eq!(action.target, "ami-0abc");
            let Step::CopyImage(copy) = &action.step else {
                panic!("expected copy_image, got {:?}", action.step);
            };
            assert_eq!(copy.source_region, REGION);
            assert_eq!(copy.name.chars().count(), IMAGE_NAME_MAX);
            assert!(copy.name.ends_with(" (copy of ami-0abc from us-east-1)"));
            assert_eq!(copy.tags[TAG_ACTION_ID], action.id);
            assert_eq!(copy.tags[TAG_SOURCE_IMAGE], "ami-0abc");
            assert_eq!(copy.tags[TAG_SOURCE_REGION], REGION);
            assert_eq!(copy.tags["Owner"], "backup-team");
            assert_eq!(copy.tags_without_value, ["Retention"]);
        }
        assert_ne!(plan.actions[0].id, plan.actions[1].id);
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
            .collect();
        let plan = plan_all(&findings, &config);
        assert!(plan.not_planned.is_empty(), "{:#?}", plan.not_planned);
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

    #[test]
    fn round_trips_and_refuses_what_it_cannot_trust() {
        let plan = plan_all(
            &[
                no_snapshot("vol-a"),
                no_copy("snap-x", "vol-x", "us-west-2"),
            ],
            &config(),
        );
        let text = plan.to_json();
        assert_eq!(Plan::from_json(&text).unwrap(), plan);

        let future = text.replacen("\"schema_version\": 1", "\"schema_version\": 9", 1);
        assert!(Plan::from_json(&future)
            .unwrap_err()
            .contains("schema_version 9"));
        let unknown = text.replacen("\"scope\"", "\"scoop\"", 1);
        assert!(Plan::from_json(&unknown)
            .unwrap_err()
            .contains("not a well-formed snapguard plan"));
        let disguised = text.replacen(
            "\"safety\": \"creates\"",
            "\"safety\": \"manual-review\"",
            1,
        );
        assert!(Plan::from_json(&disguised)
            .unwrap_err()
            .contains("`calls` and `safety`"));
        assert!(Plan::from_json("[]")
            .unwrap_err()
            .contains("schema_version"));
    }
}
