//! What a rule sees: the whole inventory and config through a [`Context`], one account-region
//! through a [`RegionScope`] (with indexes built once and shared by the rules of that region),
//! and an [`Emitter`] to report findings.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::config::Config;
use crate::copies::{copy_source, image_copy_source};
use crate::finding::{Finding, Resource, Severity};
use crate::iam::account_principals::{evaluate_account, parse_scps, ParsedScps, PrincipalVerdicts};
use crate::inventory::{Account, Inventory, Permission, Region, Snapshot, Tagged};
use crate::registry::Rule;
use crate::remediation::Remediation;

/// Where a copy of a snapshot or AMI lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyLocation {
    /// The 12-digit id of the account holding the copy.
    pub account_id: String,
    /// The region holding the copy.
    pub region: String,
    /// The copy's snapshot or AMI id.
    pub resource_id: String,
}

/// The whole inventory and config, with indexes built once for every rule: the organization's
/// accounts, each snapshot's and AMI's copies, the parsed SCPs.
pub struct Context<'a> {
    /// The inventory being evaluated.
    pub inventory: &'a Inventory,
    /// The config in force.
    pub config: &'a Config,
    /// The organization's account ids (or, without an organization, the scanned accounts).
    org_accounts: HashSet<&'a str>,
    org_id: Option<&'a str>,
    /// Source snapshot or AMI id -> its copies anywhere in the inventory.
    copies: HashMap<String, Vec<CopyLocation>>,
    /// Backed-up volume or instance id -> its completed AWS Backup recovery points anywhere in
    /// the inventory.
    recovery_points: HashMap<&'a str, Vec<RecoveryPointLocation<'a>>>,
    scps: ParsedScps,
}

/// Where a completed AWS Backup recovery point of a volume or instance is, and when it was
/// made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPointLocation<'a> {
    /// The 12-digit id of the account whose vault holds it.
    pub account_id: &'a str,
    /// The region of that vault.
    pub region: &'a str,
    /// The account of the volume or instance it backs up (from its `ResourceArn`).
    pub source_account_id: &'a str,
    /// The region of the volume or instance it backs up.
    pub source_region: &'a str,
    /// When it was made (`CreationDate`; for a copy, when the copy was made).
    pub created: crate::time::Timestamp,
}

impl<'a> Context<'a> {
    /// Builds the indexes over `inventory` (copies are found across all accounts and regions).
    pub fn new(inventory: &'a Inventory, config: &'a Config) -> Context<'a> {
        let org_accounts = match &inventory.organization {
            Some(org) if !org.accounts.is_empty() => {
                org.accounts.iter().map(|a| a.id.as_str()).collect()
            }
            _ => inventory.accounts.iter().map(|a| a.id.as_str()).collect(),
        };
        let org_id = inventory.organization.as_ref().and_then(|o| o.id());
        Context {
            inventory,
            config,
            org_accounts,
            org_id,
            copies: index_copies(inventory),
            recovery_points: index_recovery_points(inventory),
            scps: parse_scps(inventory.organization.as_ref()),
        }
    }

    /// The organization's service control policies, parsed, by id.
    pub fn scps(&self) -> &ParsedScps {
        &self.scps
    }

    /// The copies of a snapshot or an AMI.
    pub fn copies_of(&self, source_id: &str) -> &[CopyLocation] {
        self.copies.get(source_id).map_or(&[], Vec::as_slice)
    }

    /// The completed recovery points, in any account and region, of the volume or instance
    /// `resource_id` of `account` in `region`.
    pub fn recovery_points_of<'s>(
        &'s self,
        account: &'s str,
        region: &'s str,
        resource_id: &str,
    ) -> impl Iterator<Item = &'s RecoveryPointLocation<'a>> {
        self.recovery_points
            .get(resource_id)
            .into_iter()
            .flatten()
            .filter(move |p| p.source_account_id == account && p.source_region == region)
    }

    /// Whether a grantee of a snapshot or image is this organization or trusted: an account of
    /// the organization, this organization's ARN or one of its OUs' ARNs, or what `[sharing]`
    /// trusts (an account of `trusted_accounts`, an organization of `trusted_organizations` or
    /// one of its OUs, an OU of `trusted_ous`). A grantee that is none of these, or that is not
    /// an account id, organization ARN or OU ARN, is outside.
    pub fn is_inside(&self, grantee: &Permission) -> bool {
        let Some(parsed) = crate::share::Grantee::parse(grantee.grantee()) else {
            return false;
        };
        let own = match parsed {
            crate::share::Grantee::Account(account) => self.org_accounts.contains(account),
            _ => parsed.organization().is_some() && parsed.organization() == self.org_id,
        };
        own || self.config.sharing.trusts(parsed)
    }

    /// The region of an account, if it was scanned.
    pub fn region(&self, account_id: &str, region: &str) -> Option<&'a Region> {
        let account = self
            .inventory
            .accounts
            .iter()
            .find(|a| a.id == account_id)?;
        account.regions.iter().find(|r| r.name == region)
    }
}

/// `arn:PARTITION:ec2:REGION:ACCOUNT:volume/ID` (or `instance/ID`) -> (region, account, id).
fn resource_of(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let id = resource
        .strip_prefix("volume/")
        .or_else(|| resource.strip_prefix("instance/"))?;
    (service == "ec2").then_some((region, account, id))
}

fn index_recovery_points(inventory: &Inventory) -> HashMap<&str, Vec<RecoveryPointLocation<'_>>> {
    let mut index: HashMap<&str, Vec<RecoveryPointLocation>> = HashMap::new();
    for account in &inventory.accounts {
        for region in &account.regions {
            for point in region.backup.recovery_points.iter().flatten() {
                let (Some(created), true) = (point.creation_date, point.is_completed()) else {
                    continue;
                };
                let Some((source_region, source_account, id)) =
                    point.resource_arn.as_deref().and_then(resource_of)
                else {
                    continue;
                };
                index.entry(id).or_default().push(RecoveryPointLocation {
                    account_id: &account.id,
                    region: &region.name,
                    source_account_id: source_account,
                    source_region,
                    created,
                });
            }
        }
    }
    index
}

fn index_copies(inventory: &Inventory) -> HashMap<String, Vec<CopyLocation>> {
    use rayon::prelude::*;
    let regions: Vec<(&Account, &Region)> = inventory
        .accounts
        .iter()
        .flat_map(|a| a.regions.iter().map(move |r| (a, r)))
        .collect();
    let found: Vec<(String, CopyLocation)> = regions
        .par_iter()
        .flat_map_iter(|(account, region)| {
            let at = move |id: &str| CopyLocation {
                account_id: account.id.to_string(),
                region: region.name.to_string(),
                resource_id: id.to_owned(),
            };
            let snapshots = region.snapshots.iter().flatten().filter_map(move |s| {
                if !s.is_usable() {
                    return None;
                }
                let source = copy_source(s.description.as_deref(), |k| s.tag(k))?;
                Some((source.source_id, at(&s.snapshot_id)))
            });
            let images = region.images.iter().flatten().filter_map(move |i| {
                if !i.is_usable() {
                    return None;
                }
                let source = image_copy_source(
                    i.description.as_deref(),
                    i.source_image_id.as_deref(),
                    i.source_image_region.as_deref(),
                    |k| i.tag(k),
                )?;
                Some((source.source_id, at(&i.image_id)))
            });
            snapshots.chain(images)
        })
        .collect();
    let mut copies: HashMap<String, Vec<CopyLocation>> = HashMap::new();
    for (source, location) in found {
        copies.entry(source).or_default().push(location);
    }
    copies
}

/// One account-region, with indexes its rules share.
pub struct RegionScope<'a> {
    /// The inventory and config, with their indexes.
    pub ctx: &'a Context<'a>,
    /// The account.
    pub account: &'a Account,
    /// The region of that account.
    pub region: &'a Region,
    latest: OnceLock<HashMap<&'a str, &'a Snapshot>>,
    schedules: OnceLock<Vec<VolumeAndSchedules<'a>>>,
    /// Volume id -> its place in `schedules`.
    schedule_index: OnceLock<HashMap<&'a str, usize>>,
}

/// A volume in scope and the schedules that cover it (see [`crate::schedules`]).
pub type VolumeAndSchedules<'a> = (
    &'a crate::inventory::Volume,
    crate::schedules::VolumeSchedules<'a>,
);

impl<'a> RegionScope<'a> {
    /// A scope over one region of one account; its indexes are built on first use.
    pub fn new(ctx: &'a Context<'a>, account: &'a Account, region: &'a Region) -> Self {
        RegionScope {
            ctx,
            account,
            region,
            latest: OnceLock::new(),
            schedules: OnceLock::new(),
            schedule_index: OnceLock::new(),
        }
    }

    /// Each volume in scope with the schedules that cover it, worked out once per region and
    /// shared by SG-PROT-008, SG-PROT-009 and SG-BACKUP-003. `None` when the region's volumes
    /// were not read.
    pub fn volume_schedules(&self) -> Option<&[VolumeAndSchedules<'a>]> {
        let volumes = self.volumes_in_scope()?;
        Some(self.schedules.get_or_init(|| {
            volumes
                .map(|v| {
                    let found = crate::schedules::for_volume(self.region, &self.account.id, v);
                    (v, found)
                })
                .collect()
        }))
    }

    /// The schedules that cover one volume in scope ([`Self::volume_schedules`]); `None` when
    /// the volume is not in scope or the region's volumes were not read.
    pub fn schedules_of(&self, volume_id: &str) -> Option<&crate::schedules::VolumeSchedules<'a>> {
        let all = self.volume_schedules()?;
        let index = self.schedule_index.get_or_init(|| {
            all.iter()
                .enumerate()
                .map(|(i, (v, _))| (v.volume_id.as_str(), i))
                .collect()
        });
        index.get(volume_id).map(|&i| &all[i].1)
    }

    /// The AWS Backup plans the organization's backup policies mandate in this account-region;
    /// `None` when they were not recorded (see [`Organization::mandated_backup_plans`]).
    pub fn mandated_backup_plans(&self) -> Option<Vec<crate::inventory::MandatedPlan>> {
        self.ctx
            .inventory
            .organization
            .as_ref()?
            .mandated_backup_plans(&self.account.id, &self.region.name)
    }

    /// The config in force.
    pub fn config(&self) -> &'a Config {
        self.ctx.config
    }

    /// Snapshots this account owns (`describe-snapshots --owner-ids self`), when collected.
    pub fn owned_snapshots(&self) -> Option<impl Iterator<Item = &'a Snapshot>> {
        let account = self.account.id.as_str();
        let snapshots = self.region.snapshots.as_ref()?;
        Some(
            snapshots
                .iter()
                .filter(move |s| s.owner_id.as_deref().is_none_or(|o| o == account)),
        )
    }

    /// The regions of `copy_regions` other than this one, where a copy must be found. `None`
    /// when there are none, or when one of them was not read (`read` says whether a region
    /// holds what the copies would be): then the absence of a copy proves nothing.
    pub fn copy_targets(
        &self,
        copy_regions: &'a [String],
        read: impl Fn(&Region) -> bool,
    ) -> Option<Vec<&'a str>> {
        let here = self.region.name.as_str();
        let targets: Vec<&str> = copy_regions
            .iter()
            .map(String::as_str)
            .filter(|r| *r != here)
            .collect();
        let all_read = targets
            .iter()
            .all(|r| self.ctx.region(&self.account.id, r).is_some_and(&read));
        (!targets.is_empty() && all_read).then_some(targets)
    }

    /// AMIs this account owns (`describe-images --owners self`), when collected.
    pub fn owned_images(&self) -> Option<impl Iterator<Item = &'a crate::inventory::Image>> {
        let account = self.account.id.as_str();
        let images = self.region.images.as_ref()?;
        Some(
            images
                .iter()
                .filter(move |i| i.owner_id.as_deref().is_none_or(|o| o == account)),
        )
    }

    /// The newest completed snapshot of each volume, by volume id. Empty when snapshots were
    /// not collected (the gap is reported elsewhere).
    pub fn latest_snapshot_by_volume(&self) -> &HashMap<&'a str, &'a Snapshot> {
        self.latest.get_or_init(|| {
            let mut latest: HashMap<&str, &Snapshot> = HashMap::new();
            for s in self.owned_snapshots().into_iter().flatten() {
                let Some(volume) = s.volume_id.as_deref() else {
                    continue;
                };
                if !s.is_completed() {
                    continue;
                }
                latest
                    .entry(volume)
                    .and_modify(|cur| {
                        if (s.start_time, &s.snapshot_id) > (cur.start_time, &cur.snapshot_id) {
                            *cur = s;
                        }
                    })
                    .or_insert(s);
            }
            latest
        })
    }

    /// The completed AWS Backup recovery points, anywhere in the inventory, of `volume` or of
    /// an instance it is attached to (an EC2 backup holds all the instance's volumes).
    pub fn recovery_points_of_volume(
        &self,
        volume: &'a crate::inventory::Volume,
    ) -> impl Iterator<Item = &'a RecoveryPointLocation<'a>> + 'a {
        let account = self.account.id.as_str();
        let region = self.region.name.as_str();
        let ctx = self.ctx;
        std::iter::once(volume.volume_id.as_str())
            .chain(
                volume
                    .attachments
                    .iter()
                    .filter_map(|a| a.instance_id.as_deref()),
            )
            .flat_map(move |id| ctx.recovery_points_of(account, region, id))
    }

    /// Volumes in backup scope: not tagged with `protection.skip_volumes_tagged`.
    pub fn volumes_in_scope(&self) -> Option<impl Iterator<Item = &'a crate::inventory::Volume>> {
        let skip = self.config().protection.skip_volumes_tagged.as_deref();
        let volumes = self.region.volumes.as_ref()?;
        Some(
            volumes
                .iter()
                .filter(move |v| skip.is_none_or(|k| v.tag(k).is_none())),
        )
    }

    /// A snapshot as a finding's resource, with its ARN `arn:aws:ec2:REGION::snapshot/ID`.
    pub fn snapshot(&self, snapshot: &Snapshot) -> Resource {
        Resource {
            kind: "snapshot".into(),
            id: snapshot.snapshot_id.to_string(),
            arn: format!(
                "arn:aws:ec2:{}::snapshot/{}",
                self.region.name, snapshot.snapshot_id
            ),
        }
    }

    /// An AMI as a finding's resource, with its ARN `arn:aws:ec2:REGION::image/ID`.
    pub fn image(&self, image_id: &str) -> Resource {
        Resource {
            kind: "image".into(),
            id: image_id.to_owned(),
            arn: format!("arn:aws:ec2:{}::image/{image_id}", self.region.name),
        }
    }

    /// Adds to the evidence of each finding on an AMI of this region the AMI's state
    /// (`image_state`: `available`, `disabled`, ..., DescribeImages `State`) and, when set,
    /// its deprecation time (`deprecation_time`, `DeprecationTime`): whether the AMI can be
    /// launched is part of what every image finding says.
    pub(crate) fn add_image_state(&self, findings: &mut [Finding]) {
        let Some(images) = self.region.images.as_ref() else {
            return;
        };
        let by_id: HashMap<&str, &crate::inventory::Image> =
            images.iter().map(|i| (i.image_id.as_str(), i)).collect();
        for finding in findings.iter_mut().filter(|f| f.resource_type == "image") {
            let Some(image) = by_id.get(finding.resource_id.as_str()) else {
                continue;
            };
            if finding.evidence.is_null() {
                finding.evidence = serde_json::Value::Object(serde_json::Map::new());
            }
            if let Some(evidence) = finding.evidence.as_object_mut() {
                evidence.insert("image_state".into(), serde_json::json!(image.state));
                if let Some(time) = image.deprecation_time {
                    evidence.insert("deprecation_time".into(), serde_json::json!(time));
                }
            }
        }
    }

    /// A volume as a finding's resource, with its ARN `arn:aws:ec2:REGION:ACCOUNT:volume/ID`.
    pub fn volume(&self, volume_id: &str) -> Resource {
        self.account_resource("volume", volume_id)
    }

    /// An instance as a finding's resource, with its ARN `arn:aws:ec2:REGION:ACCOUNT:instance/ID`.
    pub fn instance(&self, instance_id: &str) -> Resource {
        self.account_resource("instance", instance_id)
    }

    fn account_resource(&self, kind: &str, id: &str) -> Resource {
        Resource {
            kind: kind.into(),
            id: id.to_owned(),
            arn: format!(
                "arn:aws:ec2:{}:{}:{kind}/{id}",
                self.region.name, self.account.id
            ),
        }
    }

    /// The Recycle Bin of this account-region for one resource type (region-wide findings).
    pub fn recycle_bin(&self, resource_type: &str) -> Resource {
        Resource {
            kind: "recycle-bin".into(),
            id: format!("{}/{}/{resource_type}", self.account.id, self.region.name),
            arn: format!(
                "arn:aws:rbin:{}:{}:rule/*",
                self.region.name, self.account.id
            ),
        }
    }

    /// A Recycle Bin rule as a finding's resource; its ARN is `rule_arn` when known, else
    /// `arn:aws:rbin:REGION:ACCOUNT:rule/ID`.
    pub fn retention_rule(&self, rule_id: &str, rule_arn: Option<&str>) -> Resource {
        Resource {
            kind: "retention-rule".into(),
            id: rule_id.to_owned(),
            arn: rule_arn.map_or_else(
                || {
                    format!(
                        "arn:aws:rbin:{}:{}:rule/{rule_id}",
                        self.region.name, self.account.id
                    )
                },
                str::to_owned,
            ),
        }
    }

    /// An account-region setting, such as block public access.
    pub fn setting(&self, name: &str) -> Resource {
        Resource {
            kind: "account-setting".into(),
            id: format!("{}/{}/{name}", self.account.id, self.region.name),
            arn: format!(
                "arn:aws:ec2:{}:{}:{name}",
                self.region.name, self.account.id
            ),
        }
    }
}

/// One account, for account-wide rules (IAM), with its principals' verdicts computed once.
pub struct AccountScope<'a> {
    /// The inventory and config, with their indexes.
    pub ctx: &'a Context<'a>,
    /// The account.
    pub account: &'a Account,
    principals: OnceLock<Vec<PrincipalVerdicts>>,
}

impl<'a> AccountScope<'a> {
    /// A scope over one account; the principals' verdicts are computed on first use.
    pub fn new(ctx: &'a Context<'a>, account: &'a Account) -> Self {
        AccountScope {
            ctx,
            account,
            principals: OnceLock::new(),
        }
    }

    /// Every user and role of the account (exempt ones and service-linked roles left out)
    /// with its verdict for each protected action.
    pub fn principals(&self) -> &[PrincipalVerdicts] {
        self.principals
            .get_or_init(|| evaluate_account(self.ctx, self.account))
    }
}

/// A finding as a rule writes it; the evaluation fills in rule, place, severity and fingerprint.
pub struct Draft {
    /// The resource the finding is about.
    pub resource: Resource,
    /// One line: what is wrong.
    pub message: String,
    /// Tells apart several findings of one rule on one resource (a tag key, a grantee).
    pub discriminator: String,
    /// Structured facts behind the message; `Null` for none.
    pub evidence: serde_json::Value,
    /// What would fix it, when the rule knows.
    pub remediation: Option<Remediation>,
    /// One step below the rule's severity (a grant that holds only under a condition).
    pub lowered: bool,
}

impl Draft {
    /// A finding on `resource` with `message`, no discriminator, evidence or remediation.
    pub fn new(resource: Resource, message: String) -> Draft {
        Draft {
            resource,
            message,
            discriminator: String::new(),
            evidence: serde_json::Value::Null,
            remediation: None,
            lowered: false,
        }
    }

    /// Sets the [`discriminator`](Self::discriminator).
    pub fn discriminator(mut self, d: impl Into<String>) -> Draft {
        self.discriminator = d.into();
        self
    }

    /// Sets the [`evidence`](Self::evidence).
    pub fn evidence(mut self, evidence: serde_json::Value) -> Draft {
        self.evidence = evidence;
        self
    }

    /// Sets the [`remediation`](Self::remediation).
    pub fn remediation(mut self, r: Remediation) -> Draft {
        self.remediation = Some(r);
        self
    }
}

/// Collects one rule's findings in one place.
pub struct Emitter<'a> {
    pub(crate) rule: &'static Rule,
    /// The rule's severity after config overrides.
    pub(crate) severity: Severity,
    pub(crate) account_id: &'a str,
    pub(crate) region: &'a str,
    pub(crate) findings: &'a mut Vec<Finding>,
}

impl Emitter<'_> {
    /// Records a finding from `draft`, with the rule's id, name and (possibly lowered) severity,
    /// the place, and its fingerprint.
    pub fn emit(&mut self, draft: Draft) {
        let fingerprint =
            crate::finding::fingerprint(self.rule.id, &draft.resource.arn, &draft.discriminator);
        self.findings.push(Finding {
            rule_id: self.rule.id.to_owned(),
            rule_name: self.rule.name.to_owned(),
            severity: if draft.lowered {
                self.severity.lowered()
            } else {
                self.severity
            },
            account_id: self.account_id.to_owned(),
            region: self.region.to_owned(),
            resource_type: draft.resource.kind,
            resource_id: draft.resource.id,
            resource_arn: draft.resource.arn,
            message: draft.message,
            evidence: draft.evidence,
            remediation: draft.remediation,
            waiver: None,
            fingerprint,
            baseline: None,
            first_seen: None,
        });
    }
}
