//! Sharing rules: backups exposed to the world or to accounts outside the organization, and
//! the account-level switches that block public sharing.

pub mod image_block_public_access_off;
pub mod image_shared_outside_org;
pub mod public_image;
pub mod public_snapshot;
pub mod snapshot_block_public_access_off;
pub mod snapshot_shared_outside_org;

use serde_json::json;

use crate::finding::{Finding, Resource};
use crate::inventory::Permission;
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter, RegionScope};

/// What is being shared: the words and the remediation differ for snapshots and images.
#[derive(Clone, Copy)]
enum Shared {
    Snapshot,
    Image,
}

impl Shared {
    fn attribute(self) -> &'static str {
        match self {
            Shared::Snapshot => "createVolumePermission",
            Shared::Image => "launchPermission",
        }
    }

    fn remove(self, id: &str, grantees: Vec<String>) -> Remediation {
        match self {
            Shared::Snapshot => Remediation::RemoveSnapshotPermissions {
                snapshot_id: id.into(),
                grantees,
            },
            Shared::Image => Remediation::RemoveImagePermissions {
                image_id: id.into(),
                grantees,
            },
        }
    }
}

/// Reports a resource whose permissions include `all`.
fn report_public(
    shared: Shared,
    resource: Resource,
    permissions: &[Permission],
    out: &mut Emitter,
) {
    if !permissions.iter().any(Permission::is_public) {
        return;
    }
    let message = format!(
        "{} {} is public: its {} includes the group \"all\", so any AWS account can use it",
        resource.kind,
        resource.id,
        shared.attribute()
    );
    let remediation = shared.remove(&resource.id, vec!["all".into()]);
    out.emit(
        Draft::new(resource, message)
            .evidence(json!({ "attribute": shared.attribute(), "group": "all" }))
            .remediation(remediation),
    );
}

/// The rules that report one finding per grantee (an account, organization or OU outside the
/// organization), with the grantee in `evidence.grantee`. A waiver of these rules names the
/// grantee it accepts (`grantee = "..."`), so that a new grantee stays a new finding.
pub const PER_GRANTEE_RULES: [&str; 2] = [
    image_shared_outside_org::RULE.id,
    snapshot_shared_outside_org::RULE.id,
];

/// Whether findings of `rule_id` are one per grantee (see [`PER_GRANTEE_RULES`]).
pub fn is_per_grantee(rule_id: &str) -> bool {
    PER_GRANTEE_RULES
        .iter()
        .any(|id| id.eq_ignore_ascii_case(rule_id))
}

/// A grantee of an AMI's `LaunchPermission` or a snapshot's `CreateVolumePermission`, as
/// [`Permission::grantee`] writes it, taken apart: a 12-digit account id (`UserId`), an
/// organization ARN (`arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5`) or an
/// organizational unit ARN (`arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56`),
/// following <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchPermission.html>
/// and the Organizations ARN formats
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grantee<'a> {
    /// A 12-digit AWS account id.
    Account(&'a str),
    /// An organization: its id (`o-` and 10 to 32 lowercase letters or digits).
    Organization(&'a str),
    /// An organizational unit: the id of its organization and its own id (`ou-...`).
    OrganizationalUnit {
        /// The organization id, `o-...`.
        organization: &'a str,
        /// The OU id, `ou-` then 4 to 32 and 8 to 32 lowercase letters or digits.
        ou: &'a str,
    },
}

impl<'a> Grantee<'a> {
    /// Reads an account id, an organization ARN or an OU ARN; `None` for anything else (the
    /// group `all`, or text AWS would not write).
    pub fn parse(text: &'a str) -> Option<Grantee<'a>> {
        if is_account_id(text) {
            return Some(Grantee::Account(text));
        }
        // arn:<partition>:organizations::<management account>:organization/o-... or ou/o-.../ou-...
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, "organizations", "", account, resource] = parts[..] else {
            return None;
        };
        if arn != "arn" || !partition.starts_with("aws") || !is_account_id(account) {
            return None;
        }
        match resource.split('/').collect::<Vec<_>>()[..] {
            ["organization", org] if is_organization_id(org) => Some(Grantee::Organization(org)),
            ["ou", org, ou] if is_organization_id(org) && is_ou_id(ou) => {
                Some(Grantee::OrganizationalUnit {
                    organization: org,
                    ou,
                })
            }
            _ => None,
        }
    }

    /// The organization the grantee is or belongs to, for organizations and OUs.
    pub fn organization(&self) -> Option<&'a str> {
        match *self {
            Grantee::Account(_) => None,
            Grantee::Organization(org) => Some(org),
            Grantee::OrganizationalUnit { organization, .. } => Some(organization),
        }
    }

    /// What the grantee is, in AWS's words: `account`, `organization`, `organizational unit`.
    pub fn kind(&self) -> &'static str {
        match self {
            Grantee::Account(_) => "account",
            Grantee::Organization(_) => "organization",
            Grantee::OrganizationalUnit { .. } => "organizational unit",
        }
    }
}

/// A 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An organization id: `o-` and 10 to 32 lowercase letters or digits
/// (<https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html>).
pub fn is_organization_id(text: &str) -> bool {
    text.strip_prefix("o-")
        .is_some_and(|rest| (10..=32).contains(&rest.len()) && is_lower_alnum(rest))
}

/// An organizational unit id: `ou-`, 4 to 32 lowercase letters or digits (from the root's id),
/// `-`, 8 to 32 lowercase letters or digits
/// (<https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html>).
pub fn is_ou_id(text: &str) -> bool {
    let Some((root, unit)) = text.strip_prefix("ou-").and_then(|r| r.split_once('-')) else {
        return false;
    };
    (4..=32).contains(&root.len())
        && (8..=32).contains(&unit.len())
        && is_lower_alnum(root)
        && is_lower_alnum(unit)
}

fn is_lower_alnum(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Whether a waiver's `grantee` accepts the grantee of a per-grantee finding: the same account
/// id or ARN, or the id of the same organization (`o-...`) or OU (`ou-...`). An organization id
/// accepts the share with that organization only, not with its OUs: each share is reviewed on
/// its own.
pub fn waiver_covers_grantee(waiver_grantee: &str, finding: &Finding) -> bool {
    let Some(found) = finding.evidence.get("grantee").and_then(|g| g.as_str()) else {
        return false;
    };
    if waiver_grantee == found {
        return true;
    }
    match Grantee::parse(found) {
        Some(Grantee::Organization(org)) => waiver_grantee == org,
        Some(Grantee::OrganizationalUnit { ou, .. }) => waiver_grantee == ou,
        _ => false,
    }
}

/// Reports each grantee outside the organization and the trusted accounts, organizations and
/// OUs, one finding each, so a waiver for one partner does not hide a new one.
fn report_outsiders(
    scope: &RegionScope,
    shared: Shared,
    resource: Resource,
    permissions: &[Permission],
    out: &mut Emitter,
) {
    for grantee in permissions
        .iter()
        .filter(|p| !p.is_public() && !scope.ctx.is_inside(p))
    {
        let who = grantee.grantee();
        let kind = match Grantee::parse(who) {
            Some(parsed) => parsed.kind(),
            None if grantee.user_id.is_some() => "account",
            None if grantee.organizational_unit_arn.is_some() => "organizational unit",
            None => "organization",
        };
        let message = format!(
            "{} {} is shared with {kind} {who}, which is neither in the organization nor trusted \
             (sharing.trusted_accounts, trusted_organizations, trusted_ous)",
            resource.kind, resource.id
        );
        let remediation = shared.remove(&resource.id, vec![who.to_owned()]);
        out.emit(
            Draft::new(resource.clone(), message)
                .discriminator(who)
                .evidence(json!({
                    "attribute": shared.attribute(),
                    "grantee": who,
                    "grantee_type": kind,
                }))
                .remediation(remediation),
        );
    }
}
