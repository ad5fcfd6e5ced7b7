//! `snapguard.toml`: every key optional. Parsing lives in the CLI; these are the typed values,
//! and every value that can be wrong is a type whose deserializer says what was expected, so
//! the error names the file, the key and the line.

use regex::Regex;
use serde::{de, Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::finding::Severity;
use crate::time::{Duration, Timestamp};

mod checked;
pub mod consistency;
pub mod file;
use checked::{ExemptPrincipal, KmsKey, Region, TagKey, TagValue};

/// The whole `snapguard.toml`, defaults filled in; [`validate`](Self::validate) checks what
/// the types cannot.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[tags]`.
    pub tags: TagsConfig,
    /// `[protection]`.
    pub protection: ProtectionConfig,
    /// `[recycle_bin]`.
    pub recycle_bin: RecycleBinConfig,
    /// `[backup]`.
    pub backup: BackupConfig,
    /// `[sharing]`.
    pub sharing: SharingConfig,
    /// `[iam]`.
    pub iam: IamConfig,
    /// How `snapguard remediate plan` fills in what the findings do not say.
    pub remediation: RemediationConfig,
    /// Per-rule overrides, keyed by rule id: `[rules.SG-TAG-001] severity = "low"`.
    pub rules: BTreeMap<String, RuleOverride>,
    /// `[[waivers]]`, in file order.
    pub waivers: Vec<Waiver>,
    /// `[[consistency]]`, in file order: instances whose backups must be
    /// application-consistent (SG-PROT-012), and how to quiesce them.
    pub consistency: Vec<consistency::ConsistencyEntry>,
    /// sha256 of the file's text (64 hex digits), set by [`file::parse`]; `None` for the
    /// defaults. Shard reports carry it, so that `merge` refuses shards of different configs.
    #[serde(skip)]
    pub source_sha256: Option<String>,
}

/// `[tags]`: required tag keys and allowed values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TagsConfig {
    /// Tag keys every snapshot, image and volume must carry.
    #[serde(deserialize_with = "checked::list::<_, TagKey>")]
    pub required: Vec<String>,
    /// Patterns a tag's value must match, by key.
    #[serde(deserialize_with = "checked::keys::<_, TagKey, _>")]
    pub allowed: BTreeMap<String, TagPattern>,
}

impl TagsConfig {
    /// Whether `value` may be the value of tag `key`: its `[tags.allowed]` pattern matches, or
    /// the key has none.
    pub fn allows(&self, key: &str, value: &str) -> bool {
        self.allowed.get(key).is_none_or(|p| p.0.is_match(value))
    }
}

/// `[protection]`: how recent and where a volume's backups must be.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtectionConfig {
    /// A volume needs a completed snapshot at most this old.
    pub max_snapshot_age: Duration,
    /// Regions a volume's latest snapshot must be copied to (one of them suffices).
    #[serde(deserialize_with = "checked::list::<_, Region>")]
    pub copy_regions: Vec<String>,
    /// Regions every owned AMI must be copied to (one of them suffices); off when empty.
    #[serde(deserialize_with = "checked::list::<_, Region>")]
    pub image_copy_regions: Vec<String>,
    /// The account a volume's latest snapshot must be copied to.
    pub archive_account: Option<AccountId>,
    /// Standard-tier snapshots of deleted volumes older than this are archive candidates.
    pub archive_after: Duration,
    /// Volumes carrying this tag key are out of backup scope (e.g. scratch disks).
    #[serde(deserialize_with = "checked::optional::<_, TagKey>")]
    pub skip_volumes_tagged: Option<String>,
    /// Snapshots carrying one of these tag keys with a value matching its pattern must be under
    /// a compliance-mode EBS snapshot lock (SG-PROT-011): `{ Retention = "^7y$" }`.
    #[serde(deserialize_with = "checked::keys::<_, TagKey, _>")]
    pub lock_snapshots_tagged: BTreeMap<String, TagPattern>,
}

impl Default for ProtectionConfig {
    fn default() -> Self {
        ProtectionConfig {
            max_snapshot_age: Duration::days(1),
            copy_regions: Vec::new(),
            image_copy_regions: Vec::new(),
            archive_account: None,
            archive_after: Duration::days(90),
            skip_volumes_tagged: None,
            lock_snapshots_tagged: BTreeMap::new(),
        }
    }
}

/// `[recycle_bin]`: what a Recycle Bin retention rule must guarantee.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecycleBinConfig {
    /// A covering rule must keep resources at least this many days (default 7).
    #[serde(deserialize_with = "checked::retention_days")]
    pub min_retention_days: u64,
    /// A covering rule must be locked (default true).
    pub require_lock: bool,
}

impl Default for RecycleBinConfig {
    fn default() -> Self {
        RecycleBinConfig {
            min_retention_days: 7,
            require_lock: true,
        }
    }
}

/// `[backup]`: what the schedules of Data Lifecycle Manager and AWS Backup must keep.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// A schedule that covers volumes must keep each backup at least this many days, and a
    /// vault lock's minimum retention must be at least this (default 7; 1 to 36,500, the range
    /// of AWS Backup's `DeleteAfterDays`).
    #[serde(deserialize_with = "checked::backup_retention_days")]
    pub min_retention_days: u64,
    /// A vault's lock must be in compliance mode, which no one can remove once its cooling-off
    /// period ends (default false: a governance-mode lock passes).
    pub require_compliance_lock: bool,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            min_retention_days: 7,
            require_compliance_lock: false,
        }
    }
}

/// `[sharing]`: who may receive shared snapshots and AMIs besides the organization.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SharingConfig {
    /// Accounts outside the organization that may receive shared snapshots and images.
    pub trusted_accounts: Vec<AccountId>,
    /// Organizations outside this one that may receive shared AMIs, and each of their OUs: an
    /// organization id (`o-a1b2c3d4e5`) or ARN. AWS shares with organizations and OUs only
    /// for AMIs (`LaunchPermission`); an account of a trusted organization still needs
    /// `trusted_accounts`, since the scan cannot see who belongs to another organization.
    #[serde(deserialize_with = "checked::list::<_, checked::OrganizationRef>")]
    pub trusted_organizations: Vec<String>,
    /// Organizational units outside this organization that may receive shared AMIs: an OU id
    /// (`ou-ab12-cd34ef56`) or ARN. A share with a child OU of a trusted OU is not trusted: the
    /// scan cannot see another organization's tree.
    #[serde(deserialize_with = "checked::list::<_, checked::OrganizationalUnitRef>")]
    pub trusted_ous: Vec<String>,
}

impl SharingConfig {
    /// Whether `[sharing]` trusts a grantee: an account of `trusted_accounts`, an organization of
    /// `trusted_organizations` or one of its OUs, an OU of `trusted_ous`.
    pub fn trusts(&self, grantee: crate::share::Grantee) -> bool {
        use crate::share::Grantee;
        let trusted_org = |org: &str| {
            self.trusted_organizations
                .iter()
                .any(|t| checked::OrganizationRef::id(t) == org)
        };
        match grantee {
            Grantee::Account(account) => self.trusted_accounts.iter().any(|t| t.0 == account),
            Grantee::Organization(org) => trusted_org(org),
            Grantee::OrganizationalUnit { organization, ou } => {
                trusted_org(organization)
                    || self
                        .trusted_ous
                        .iter()
                        .any(|t| checked::OrganizationalUnitRef::id(t) == ou)
            }
        }
    }
}

/// `[iam]`: who may hold the protected actions, and which actions those are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IamConfig {
    /// Principal ARN patterns (`*` and `?`) that may hold the protected actions.
    #[serde(deserialize_with = "checked::list::<_, ExemptPrincipal>")]
    pub exempt_principals: Vec<String>,
    /// The actions that destroy or expose backups; the table of [`iam::Harm`] when absent. Each is
    /// an action of a service snapguard knows, or a pattern (`ec2:Delete*`) matching some.
    #[serde(deserialize_with = "checked::protected_actions")]
    pub protected_actions: Option<Vec<String>>,
    /// Actions checked besides `protected_actions` (or the defaults), such as
    /// `kms:ScheduleKeyDeletion`: a config that adds to the defaults keeps the actions later
    /// versions add to them. Same form as `protected_actions`; empty by default.
    #[serde(deserialize_with = "checked::list::<_, checked::AdditionalProtectedAction>")]
    pub additional_protected_actions: Vec<String>,
    /// The Regions the backups are in, for `iam check`: `aws:RequestedRegion` conditions are
    /// decided in them (a scan knows its own Regions). Undecided when absent; at least one
    /// known Region when present.
    #[serde(deserialize_with = "backup_regions")]
    pub regions: Option<Vec<String>>,
    /// The organization of the accounts `iam check` evaluates: `aws:PrincipalOrgID` and
    /// `aws:ResourceOrgID` conditions are decided with it (a scan reads it). Undecided when absent.
    #[serde(deserialize_with = "checked::optional::<_, OrganizationId>")]
    pub organization_id: Option<String>,
}

/// `[remediation]`: values the plan needs and the findings cannot give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemediationConfig {
    /// A value per required tag key, for resources (and new snapshots of volumes) that lack it:
    /// `tag_defaults = { Owner = "backup-team" }`.
    #[serde(deserialize_with = "tag_defaults")]
    pub tag_defaults: BTreeMap<String, String>,
    /// The tags the organization's backup schedules select volumes by:
    /// `schedule_tags = { Backup = "daily" }`. A volume on no schedule (SG-PROT-008) that these
    /// tags would put on one gets them; empty: such volumes get a review with a ready DLM
    /// policy.
    #[serde(deserialize_with = "tag_defaults")]
    pub schedule_tags: BTreeMap<String, String>,
    /// The KMS key that encrypts copies made in the same account; the account's default EBS
    /// key when absent.
    #[serde(deserialize_with = "checked::optional::<_, KmsKey>")]
    pub copy_kms_key_id: Option<String>,
    /// The KMS key, in the archive account, that encrypts copies made there.
    #[serde(deserialize_with = "checked::optional::<_, KmsKey>")]
    pub archive_kms_key_id: Option<String>,
    /// The unlock delay of Recycle Bin rules the remediation locks, 7 to 30 days.
    pub unlock_delay_days: u64,
}

impl Default for RemediationConfig {
    fn default() -> Self {
        RemediationConfig {
            tag_defaults: BTreeMap::new(),
            schedule_tags: BTreeMap::new(),
            copy_kms_key_id: None,
            archive_kms_key_id: None,
            unlock_delay_days: 7,
        }
    }
}

/// `[rules.<id>]`: one rule's severity or whether it runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// Replaces the rule's default severity.
    pub severity: Option<Severity>,
    /// `false` turns the rule off.
    pub enabled: Option<bool>,
}

/// `[[waivers]]`: accepts the findings of one rule on matching resources until a date.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The rule id, e.g. `SG-SHARE-002` (case-insensitive).
    pub rule: String,
    /// A resource ARN; `*` and `?` match any run of characters / one character.
    pub resource: String,
    /// Only findings in this account, when given.
    pub account: Option<AccountId>,
    /// For the rules that report one finding per grantee (SG-SHARE-002, SG-SHARE-004), the
    /// grantee accepted: an account id, an organization id or ARN, an OU id or ARN, as the
    /// finding's `evidence.grantee` names it. Required for those rules, so that a waiver never
    /// accepts a grantee nobody reviewed; refused for the others.
    #[serde(
        default,
        deserialize_with = "checked::optional::<_, checked::WaiverGrantee>"
    )]
    pub grantee: Option<String>,
    /// Why the findings are accepted; required.
    pub reason: NonEmpty,
    /// The last day the waiver holds (UTC); the findings count again after it.
    pub expires: Date,
    /// Who answers for the waiver.
    pub owner: Option<String>,
}

/// `remediation.tag_defaults` and `remediation.schedule_tags`: tag keys and the values EC2
/// accepts.
fn tag_defaults<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(
        BTreeMap::<checked::Checked<TagKey>, checked::Checked<TagValue>>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| (k.0, v.0))
            .collect(),
    )
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AccountId(pub String);

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AccountId, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(text))
        } else {
            Err(de::Error::custom(format!(
                "expected a 12-digit AWS account id, found {text:?}"
            )))
        }
    }
}

/// `iam.regions`: known Regions (as `protection.copy_regions`), at least one.
fn backup_regions<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let regions = checked::list::<_, Region>(d)?;
    if regions.is_empty() {
        return Err(de::Error::custom(
            "expected at least one region such as \"us-east-1\"; leave the key out when the \
             Regions of the backups are not known",
        ));
    }
    Ok(Some(regions))
}

/// `iam.organization_id`: an AWS Organizations organization id, `o-` and 10 to 32 lowercase
/// letters or digits
/// (<https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html>).
struct OrganizationId;

impl checked::Check for OrganizationId {
    fn check(text: &str) -> Result<(), String> {
        if crate::share::is_organization_id(text) {
            Ok(())
        } else {
            Err(format!(
                "expected an organization id such as \"o-a1b2c3d4e5\" (o- and 10 to 32 lowercase \
                 letters or digits), found {text:?}"
            ))
        }
    }
}

/// A regular expression for a tag value, anchored as written.
#[derive(Debug, Clone)]
pub struct TagPattern(pub Regex);

impl<'de> Deserialize<'de> for TagPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TagPattern, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text).map(TagPattern).map_err(|e| {
            de::Error::custom(format!(
                "expected a regular expression, found {text:?}: {e}"
            ))
        })
    }
}

/// Text that must say something (a waiver's reason).
#[derive(Debug, Clone, Serialize)]
pub struct NonEmpty(pub String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NonEmpty, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim().is_empty() {
            Err(de::Error::custom("expected a non-empty reason"))
        } else {
            Ok(NonEmpty(text))
        }
    }
}

/// A calendar date, `YYYY-MM-DD`, held as the timestamp of its end (a waiver expiring on
/// 2027-03-01 still holds all of that day, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// The date as written, ASCII `YYYY-MM-DD`.
    pub text: [u8; 10],
    /// The last second of that day, `YYYY-MM-DDT23:59:59Z`.
    pub end: Timestamp,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.text).unwrap_or("?"))
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        // TOML has a date type; accept it and a quoted string alike.
        let value = toml_value_text(d)?;
        let bad = || {
            de::Error::custom(format!(
                "expected a date such as 2027-03-01, found {value:?}"
            ))
        };
        let bytes: [u8; 10] = value.as_bytes().try_into().map_err(|_| bad())?;
        let start = Timestamp::parse(&format!("{value}T00:00:00Z")).map_err(|_| bad())?;
        Ok(Date {
            text: bytes,
            end: start.plus(Duration(86_399)),
        })
    }
}

/// Reads a TOML date or a string as text, without depending on the toml crate here.
fn toml_value_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Visitor;
    impl<'de> de::Visitor<'de> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date such as 2027-03-01")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        // toml hands its datetime over as a one-entry map.
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
            let mut text = None;
            while let Some((_, v)) = map.next_entry::<String, String>()? {
                text = Some(v);
            }
            text.ok_or_else(|| de::Error::custom("expected a date such as 2027-03-01"))
        }
    }
    d.deserialize_any(Visitor)
}

impl IamConfig {
    /// Whether the principal `arn` matches one of `exempt_principals`.
    pub fn is_exempt(&self, arn: &str) -> bool {
        self.exempt_principals
            .iter()
            .any(|p| crate::wildcard::matches(p, arn))
    }
}

impl Config {
    /// The protected IAM actions in force: `iam.protected_actions` (or the defaults, the
    /// table of [`iam::Harm`]) then `iam.additional_protected_actions`, each once. A configured
    /// pattern (`ec2:Delete*`) stands for every known action it matches, each checked on its own.
    pub fn protected_actions(&self) -> Vec<String> {
        let base = match &self.iam.protected_actions {
            Some(configured) => configured.clone(),
            None => iam::default_protected_actions(),
        };
        let mut actions: Vec<String> = Vec::new();
        for action in base.iter().chain(&self.iam.additional_protected_actions) {
            let expanded: Vec<String> = match action.contains(['*', '?']) {
                true => iam::actions::matching(action)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                false => vec![action.clone()],
            };
            for action in expanded {
                if !actions.iter().any(|a| a.eq_ignore_ascii_case(&action)) {
                    actions.push(action);
                }
            }
        }
        actions
    }

    /// Checks what the types alone cannot: rule ids that exist. Returns the key and the problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for id in self.rules.keys() {
            if crate::registry::rule(id).is_none() {
                return Err((format!("rules.{id}"), unknown_rule(id)));
            }
        }
        if !(7..=30).contains(&self.remediation.unlock_delay_days) {
            return Err((
                "remediation.unlock_delay_days".into(),
                format!(
                    "Recycle Bin accepts an unlock delay of 7 to 30 days, found {}",
                    self.remediation.unlock_delay_days
                ),
            ));
        }
        for (key, value) in &self.remediation.schedule_tags {
            let place = format!("remediation.schedule_tags.{key}");
            if !self.tags.allows(key, value) {
                return Err((
                    place,
                    format!(
                        "{value:?} does not match tags.allowed.{key} ({}): the volumes tagged \
                         with it would be SG-TAG-004 findings; expected a value the pattern \
                         accepts",
                        self.tags.allowed[key].0.as_str()
                    ),
                ));
            }
            if let Some(default) = self
                .remediation
                .tag_defaults
                .get(key)
                .filter(|d| *d != value)
            {
                return Err((
                    place,
                    format!(
                        "{value:?} differs from remediation.tag_defaults.{key} ({default:?}): a \
                         volume lacking {key} would be given both; expected one value"
                    ),
                ));
            }
        }
        for (key, value) in &self.remediation.tag_defaults {
            if !self.tags.allows(key, value) {
                return Err((
                    format!("remediation.tag_defaults.{key}"),
                    format!(
                        "the default {value:?} does not match tags.allowed.{key} ({}), so every \
                         backup snapguard tagged with it would be an SG-TAG-004 finding; \
                         expected a value the pattern accepts",
                        self.tags.allowed[key].0.as_str()
                    ),
                ));
            }
        }
        for (i, entry) in self.consistency.iter().enumerate() {
            entry.validate(i)?;
        }
        for (i, w) in self.waivers.iter().enumerate() {
            if crate::registry::rule(&w.rule).is_none() {
                return Err((format!("waivers[{i}].rule"), unknown_rule(&w.rule)));
            }
            let per_grantee = crate::share::is_per_grantee(&w.rule);
            if per_grantee && w.grantee.is_none() {
                return Err((
                    format!("waivers[{i}]"),
                    format!(
                        "the waiver of {} on {} names no grantee; {} reports one finding per \
                         account, organization or OU the resource is shared with, and a waiver \
                         without a grantee would also accept every new one, unreviewed. Add \
                         grantee = \"...\" with the account id, organization or OU (id or ARN) \
                         the reason is about, one waiver per grantee, or trust a partner for \
                         every share in [sharing] trusted_accounts, trusted_organizations or \
                         trusted_ous",
                        w.rule, w.resource, w.rule
                    ),
                ));
            }
            if !per_grantee && w.grantee.is_some() {
                return Err((
                    format!("waivers[{i}].grantee"),
                    format!(
                        "{} reports no grantee, so a waiver of it cannot name one; grantee \
                         applies to {} only",
                        w.rule,
                        crate::share::PER_GRANTEE_RULES.join(" and ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// No rule has the id: say so, with the closest id when it looks misspelt.
fn unknown_rule(id: &str) -> String {
    let ids = crate::registry::RULES.iter().map(|r| r.id);
    match iam::suggest::closest(id, ids) {
        Some(closest) => format!(
            "no rule has the id {id:?}; did you mean {closest:?}? `snapguard rules` lists them"
        ),
        None => format!("no rule has the id {id:?}; `snapguard rules` lists them"),
    }
}
