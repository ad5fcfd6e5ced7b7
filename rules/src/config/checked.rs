//! Config values checked against what they mean, as they are read, so that toml's error names
//! the line and column of the very value: an action that no service has, a region that does not
//! exist, an empty tag key, an exempt principal that is no ARN, a KMS key that is no key. Each
//! would parse as text and silently change what the scan checks.
//!
//! Fields use these through `#[serde(deserialize_with = "...")]`, so their types stay plain.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::LazyLock;

use regex::Regex;
use serde::{de, Deserialize, Deserializer};

use ::iam::{actions, regions, wildcard};

use crate::share::{is_organization_id, is_ou_id, Grantee};

/// What a value of one key must be.
pub trait Check {
    /// Ok, or what is wrong with the value, as a sentence that names the key.
    fn check(text: &str) -> Result<(), String>;
}

/// Text that passed `C`'s check.
pub struct Checked<C>(pub String, PhantomData<fn() -> C>);

impl<'de, C: Check> Deserialize<'de> for Checked<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        C::check(&text).map_err(de::Error::custom)?;
        Ok(Checked(text, PhantomData))
    }
}

impl<C> PartialEq for Checked<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<C> Eq for Checked<C> {}

impl<C> PartialOrd for Checked<C> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<C> Ord for Checked<C> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// A list whose every element passes `C`.
pub fn list<'de, D: Deserializer<'de>, C: Check>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<Checked<C>>::deserialize(d)?
        .into_iter()
        .map(|c| c.0)
        .collect())
}

/// A single value that passes `C`.
pub fn optional<'de, D: Deserializer<'de>, C: Check>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(Checked::<C>::deserialize(d)?.0))
}

/// A table whose every key passes `K`.
pub fn keys<'de, D, K, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Check,
    V: Deserialize<'de>,
{
    Ok(BTreeMap::<Checked<K>, V>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| (k.0, v))
        .collect())
}

/// `iam.protected_actions`: at least one, each an action (or a pattern matching at least one
/// action) of a service snapguard knows.
pub fn protected_actions<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let actions = list::<D, ProtectedAction>(d)?;
    if actions.is_empty() {
        return Err(de::Error::custom(
            "iam.protected_actions is empty, which would protect nothing; expected at least one \
             action, or no protected_actions key for the defaults (snapguard rules --family iam)",
        ));
    }
    Ok(Some(actions))
}

/// `recycle_bin.min_retention_days`: what Recycle Bin accepts, 1 to 365 days.
pub fn retention_days<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let days = i64::deserialize(d)?;
    if (1..=365).contains(&days) {
        Ok(days.unsigned_abs())
    } else {
        Err(de::Error::custom(format!(
            "recycle_bin.min_retention_days is {days}; expected 1 to 365 days, the retention \
             periods Recycle Bin accepts"
        )))
    }
}

/// An element of `iam.protected_actions`.
/// `backup.min_retention_days`: 1 to 36,500 days, the range AWS Backup accepts for
/// `DeleteAfterDays`.
pub fn backup_retention_days<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let days = i64::deserialize(d)?;
    if (1..=36_500).contains(&days) {
        Ok(days.unsigned_abs())
    } else {
        Err(de::Error::custom(format!(
            "backup.min_retention_days is {days}; expected 1 to 36500 days"
        )))
    }
}

pub struct ProtectedAction;

impl Check for ProtectedAction {
    fn check(text: &str) -> Result<(), String> {
        check_action("iam.protected_actions", text)
    }
}

/// An element of `iam.additional_protected_actions`.
pub struct AdditionalProtectedAction;

impl Check for AdditionalProtectedAction {
    fn check(text: &str) -> Result<(), String> {
        check_action("iam.additional_protected_actions", text)
    }
}

/// An action (or a pattern matching at least one action) of a service snapguard knows, as the
/// value of `key`.
fn check_action(key: &str, text: &str) -> Result<(), String> {
    let services = actions::services();
    let Some((service, name)) = text.split_once(':') else {
        return Err(format!(
            "{key}: {text:?} is not an action; expected service:Action, such as \
             \"ec2:DeleteSnapshot\""
        ));
    };
    let service_known = services
        .iter()
        .any(|s| wildcard::matches(&service.to_lowercase(), s));
    if !service_known || name.is_empty() {
        let mut message = format!(
            "{key}: {text:?} is not an action of a service snapguard knows ({})",
            services.join(", ")
        );
        if let Some(suggestion) = actions::suggest(text) {
            message.push_str(&format!("; did you mean {suggestion:?}?"));
        }
        return Err(message);
    }
    let is_pattern = text.contains(['*', '?']);
    if is_pattern && !actions::matching(text).is_empty() || actions::is_known(text) {
        return Ok(());
    }
    let mut message = match is_pattern {
        true => format!("{key}: {text:?} matches no action of {service}"),
        false => format!("{key}: {text:?} is not an action of {service}"),
    };
    match actions::suggest(text) {
        Some(suggestion) => message.push_str(&format!("; did you mean {suggestion:?}?")),
        None => message.push_str("; expected an action such as \"ec2:DeleteSnapshot\""),
    }
    message.push_str(&format!(
        " (actions as of {}; scripts/update-action-catalogue.py refreshes them)",
        *actions::SOURCE
    ));
    Err(message)
}

/// `protection.copy_regions`, `protection.image_copy_regions`.
pub struct Region;

impl Check for Region {
    fn check(text: &str) -> Result<(), String> {
        if regions::is_known(text) {
            return Ok(());
        }
        let mut message = format!("{text:?} is not an AWS region");
        match regions::suggest(&text.to_lowercase()) {
            Some(suggestion) => message.push_str(&format!("; did you mean {suggestion:?}?")),
            None => message.push_str("; expected a region such as \"us-west-2\""),
        }
        message.push_str(&format!(" (regions as of {})", *regions::SOURCE));
        Err(message)
    }
}

/// A tag key: `tags.required`, the keys of `tags.allowed` and `remediation.tag_defaults`,
/// `protection.skip_volumes_tagged`. EC2 takes 1 to 128 characters.
pub struct TagKey;

impl Check for TagKey {
    fn check(text: &str) -> Result<(), String> {
        if text.trim().is_empty() {
            Err(format!(
                "the tag key {text:?} is empty; expected a tag key such as \"Owner\""
            ))
        } else if text.chars().count() > 128 {
            Err(format!(
                "the tag key {text:?} is {} characters long; EC2 tag keys have at most 128",
                text.chars().count()
            ))
        } else {
            Ok(())
        }
    }
}

/// A tag value (`remediation.tag_defaults`): EC2 takes at most 256 characters.
pub struct TagValue;

impl Check for TagValue {
    fn check(text: &str) -> Result<(), String> {
        match text.chars().count() {
            n if n > 256 => Err(format!(
                "the tag value {text:?} is {n} characters long; EC2 tag values have at most 256"
            )),
            _ => Ok(()),
        }
    }
}

/// `iam.exempt_principals`: a pattern of user or role ARNs (`*` and `?` are wildcards). One
/// that is no ARN never matches; one that matches every principal turns the IAM rules off.
pub struct ExemptPrincipal;

const PRINCIPAL_KINDS: [&str; 5] = ["role/", "user/", "assumed-role/", "federated-user/", "root"];

impl Check for ExemptPrincipal {
    fn check(text: &str) -> Result<(), String> {
        let expected = "expected a user or role ARN pattern such as \
                        \"arn:aws:iam::*:role/BackupAdmin\"";
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(format!(
                "iam.exempt_principals: {text:?} is not an ARN; {expected}"
            ));
        };
        let problem = if arn != "arn" {
            Some("it does not start with \"arn:\"")
        } else if partition.is_empty() {
            Some("its partition is empty")
        } else if !["iam", "sts"].iter().any(|s| wildcard::matches(service, s)) {
            Some("its service is not iam or sts")
        } else if !(region.is_empty() || region.chars().all(|c| c == '*')) {
            Some("IAM ARNs have no region")
        } else if account.is_empty()
            || !account
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '?')
        {
            Some("its account is not a 12-digit account id or a pattern of one")
        } else {
            let kind = wildcard::literal_prefix(resource);
            let names_a_kind = !kind.is_empty()
                && PRINCIPAL_KINDS
                    .iter()
                    .any(|k| k.starts_with(kind) || kind.starts_with(k));
            (!names_a_kind).then_some(
                "its resource does not name a role or user (role/..., user/...); a pattern \
                 matching every principal would turn the IAM rules off",
            )
        };
        match problem {
            Some(problem) => Err(format!(
                "iam.exempt_principals: {text:?} is not a principal ARN pattern: {problem}; \
                 {expected}"
            )),
            None => Ok(()),
        }
    }
}

/// `remediation.copy_kms_key_id`, `remediation.archive_kms_key_id`: what CopySnapshot's
/// `KmsKeyId` takes: a key id, a key ARN, an alias name or an alias ARN.
pub struct KmsKey;

static KMS_KEY: LazyLock<Regex> = LazyLock::new(|| {
    let id = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})";
    let alias = r"alias/[A-Za-z0-9/_-]{1,250}";
    Regex::new(&format!(
        r"^(?:{id}|{alias}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(?:key/{id}|{alias}))$"
    ))
    .expect("a valid pattern")
});

impl Check for KmsKey {
    fn check(text: &str) -> Result<(), String> {
        if KMS_KEY.is_match(text) {
            Ok(())
        } else {
            Err(format!(
                "{text:?} is not a KMS key; expected a key id, key ARN, alias name (alias/...) or \
                 alias ARN"
            ))
        }
    }
}

/// `sharing.trusted_organizations`: an organization id (`o-a1b2c3d4e5`) or an organization ARN
/// (`arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5`).
pub struct OrganizationRef;

impl OrganizationRef {
    /// The organization id of a checked value.
    pub fn id(text: &str) -> &str {
        match Grantee::parse(text) {
            Some(Grantee::Organization(org)) => org,
            _ => text,
        }
    }
}

impl Check for OrganizationRef {
    fn check(text: &str) -> Result<(), String> {
        if is_organization_id(text)
            || matches!(Grantee::parse(text), Some(Grantee::Organization(_)))
        {
            return Ok(());
        }
        Err(format!(
            "sharing.trusted_organizations: {text:?} is not an organization; expected an \
             organization id such as \"o-a1b2c3d4e5\" (o- and 10 to 32 lowercase letters or \
             digits) or its ARN, \"arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5\"{}",
            hint(text)
        ))
    }
}

/// `sharing.trusted_ous`: an organizational unit id (`ou-ab12-cd34ef56`) or an OU ARN
/// (`arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56`).
pub struct OrganizationalUnitRef;

impl OrganizationalUnitRef {
    /// The OU id of a checked value.
    pub fn id(text: &str) -> &str {
        match Grantee::parse(text) {
            Some(Grantee::OrganizationalUnit { ou, .. }) => ou,
            _ => text,
        }
    }
}

impl Check for OrganizationalUnitRef {
    fn check(text: &str) -> Result<(), String> {
        if is_ou_id(text)
            || matches!(
                Grantee::parse(text),
                Some(Grantee::OrganizationalUnit { .. })
            )
        {
            return Ok(());
        }
        Err(format!(
            "sharing.trusted_ous: {text:?} is not an organizational unit; expected an OU id such \
             as \"ou-ab12-cd34ef56\" (ou-, 4 to 32 lowercase letters or digits, -, 8 to 32 more) \
             or its ARN, \"arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56\"{}",
            hint(text)
        ))
    }
}

/// A waiver's `grantee`: what a per-grantee finding's `evidence.grantee` can be (an account id,
/// an organization ARN, an OU ARN), or the id of an organization or OU.
pub struct WaiverGrantee;

impl Check for WaiverGrantee {
    fn check(text: &str) -> Result<(), String> {
        if Grantee::parse(text).is_some() || is_organization_id(text) || is_ou_id(text) {
            return Ok(());
        }
        Err(format!(
            "the waiver's grantee {text:?} is no grantee of a share; expected a 12-digit account \
             id, an organization id (\"o-a1b2c3d4e5\") or ARN, or an OU id \
             (\"ou-ab12-cd34ef56\") or ARN, as the finding's evidence.grantee names it{}",
            hint(text)
        ))
    }
}

/// What most likely went wrong with an organization, OU or account reference.
fn hint(text: &str) -> &'static str {
    if text != text.trim() {
        "; it has spaces around it"
    } else if text.chars().any(|c| c.is_ascii_uppercase()) {
        "; AWS writes these ids in lowercase"
    } else if text.contains('*') || text.contains('?') {
        "; wildcards are not accepted here: name each organization, OU or account"
    } else {
        ""
    }
}

impl<C> fmt::Debug for Checked<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
