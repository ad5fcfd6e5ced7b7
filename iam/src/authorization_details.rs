//! `aws iam get-account-authorization-details` (API `GetAccountAuthorizationDetails`,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>):
//! the model of its output, in the CLI's own shape (PascalCase keys), and the one reader that
//! decides which policies bear on each user and role. The scan (recorded and live) and
//! `iam check` both go through [`AuthorizationDetails::principals`], so that they cannot
//! disagree on the same file.
//!
//! A user's policies are its inline and attached managed policies and those of every group it
//! is in; a role's are its own; either may have a permissions boundary
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html>). A managed policy
//! counts with its default version only.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::principal::PrincipalKind;

/// Text as the inventory keeps it: inline up to 24 bytes, which ids and tags mostly are.
pub type Str = compact_str::CompactString;

/// A resource tag (`{"Key": ..., "Value": ...}`), as every AWS API that lists tags prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`: the tag key, compared case-sensitively as AWS does.
    pub key: Str,
    /// `Value`: the tag value; empty when absent.
    #[serde(default)]
    pub value: Str,
}

impl Tag {
    /// The tag `key` = `value`.
    pub fn new(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// `aws iam get-account-authorization-details`: every user, group, role and managed policy.
///
/// The four lists are required: the command prints each of them (empty when there is nothing)
/// unless it was asked for a subset with `--filter`, so an absent list means that part was not
/// collected, and reading it as empty would make the account look safer than it is (no roles,
/// no groups granting anything). Serde reports the absent key as ``missing field `RoleDetailList` ``.
/// For the same reason each entry's own lists are required (`GroupList`, `UserPolicyList`,
/// `GroupPolicyList`, `RolePolicyList`, `AttachedManagedPolicies`): the API returns them empty,
/// and a user without `GroupList` would lose what their groups grant. `Tags` and
/// `PermissionsBoundary` may be absent, as the API leaves them out when there are none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizationDetails {
    /// `UserDetailList`: every IAM user (required: an absent list is not an empty one).
    pub user_detail_list: Vec<UserDetail>,
    /// `GroupDetailList`: every IAM group, with its policies (required).
    pub group_detail_list: Vec<GroupDetail>,
    /// `RoleDetailList`: every IAM role, service-linked roles included (required).
    pub role_detail_list: Vec<RoleDetail>,
    /// `Policies`: the customer and AWS managed policies in use, with every version (required).
    pub policies: Vec<ManagedPolicyDetail>,
}

impl AuthorizationDetails {
    /// Managed policies attached to someone whose default version is not in `Policies`: their
    /// grants are unknown, so principals using them are evaluated without them. Sorted.
    pub fn unlisted_managed_policies(&self) -> Vec<&str> {
        let attached = self
            .user_detail_list
            .iter()
            .flat_map(|u| &u.attached_managed_policies)
            .chain(
                self.group_detail_list
                    .iter()
                    .flat_map(|g| &g.attached_managed_policies),
            )
            .chain(
                self.role_detail_list
                    .iter()
                    .flat_map(|r| &r.attached_managed_policies),
            );
        let mut missing: Vec<&str> = attached
            .map(|a| a.policy_arn.as_str())
            .filter(|arn| {
                !self
                    .policies
                    .iter()
                    .any(|p| p.arn == *arn && p.default_document().is_some())
            })
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }
}

/// One entry of `UserDetailList`: an IAM user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDetail {
    /// `UserName`.
    pub user_name: Str,
    /// `Arn`: `arn:<partition>:iam::<account>:user/<path><name>`.
    pub arn: Str,
    /// `Path`, such as `/` or `/division/`.
    #[serde(default)]
    pub path: Option<Str>,
    /// `GroupList`: the names of the groups the user is in.
    pub group_list: Vec<Str>,
    /// `UserPolicyList`: the user's inline policies.
    pub user_policy_list: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`: managed policies attached to the user itself.
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// `PermissionsBoundary`: the managed policy that bounds the user's permissions.
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// `Tags`: the user's tags (`aws:PrincipalTag/<key>`).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One entry of `GroupDetailList`: an IAM group and its policies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDetail {
    /// `GroupName`: how `UserDetail::group_list` names it.
    pub group_name: Str,
    /// `Arn`.
    #[serde(default)]
    pub arn: Option<Str>,
    /// `GroupPolicyList`: the group's inline policies.
    pub group_policy_list: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`: managed policies attached to the group.
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

/// One entry of `RoleDetailList`: an IAM role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDetail {
    /// `RoleName`.
    pub role_name: Str,
    /// `Arn`: `arn:<partition>:iam::<account>:role/<path><name>`.
    pub arn: Str,
    /// The trust policy: who may assume the role, and whether they may pass session tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<serde_json::Value>,
    /// `Path`; service-linked roles live under `/aws-service-role/`.
    #[serde(default)]
    pub path: Option<Str>,
    /// `RolePolicyList`: the role's inline policies.
    pub role_policy_list: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// `PermissionsBoundary`: the managed policy that bounds the role's permissions.
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// `Tags`: the role's tags (`aws:PrincipalTag/<key>` unless a session tag overrides it).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// An inline policy. The CLI prints the document as JSON; the API returns it URL-encoded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// `PolicyName`.
    pub policy_name: Str,
    /// `PolicyDocument`: an object, or URL-encoded JSON text as the API returns it.
    pub policy_document: serde_json::Value,
}

/// One entry of `AttachedManagedPolicies`: a managed policy attached to a user, group or role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    /// `PolicyName`.
    #[serde(default)]
    pub policy_name: Option<Str>,
    /// `PolicyArn`: the policy's entry in `Policies` has the same `Arn`.
    pub policy_arn: Str,
}

/// `PermissionsBoundary` of a user or role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    /// `PermissionsBoundaryArn`: a managed policy ARN.
    pub permissions_boundary_arn: Str,
}

/// One entry of `Policies`: a managed policy with its versions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicyDetail {
    /// `PolicyName`.
    pub policy_name: Str,
    /// `Arn`, as attachments name it.
    pub arn: Str,
    /// `DefaultVersionId`, such as `v3`.
    #[serde(default)]
    pub default_version_id: Option<Str>,
    /// `PolicyVersionList`: every stored version (at most five).
    #[serde(default)]
    pub policy_version_list: Vec<PolicyVersion>,
}

impl ManagedPolicyDetail {
    /// The document of the default version (`IsDefaultVersion`, or `DefaultVersionId`).
    pub fn default_document(&self) -> Option<&serde_json::Value> {
        self.default_version().map(|(_, v)| &v.document)
    }

    /// The default version and its position in `PolicyVersionList`.
    pub fn default_version(&self) -> Option<(usize, &PolicyVersion)> {
        self.policy_version_list.iter().enumerate().find(|(_, v)| {
            v.is_default_version
                || (v.version_id.is_some() && v.version_id == self.default_version_id)
        })
    }
}

/// One entry of `PolicyVersionList`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    /// `Document`: an object, or URL-encoded JSON text as the API returns it.
    pub document: serde_json::Value,
    /// `VersionId`, such as `v1`.
    #[serde(default)]
    pub version_id: Option<Str>,
    /// `IsDefaultVersion`: the version in force.
    #[serde(default)]
    pub is_default_version: bool,
}

/// Where a value sits in the output, as a path of keys and list positions, such as
/// `UserDetailList[0].UserPolicyList[1].PolicyDocument`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place(Vec<Step>);

/// One step of a [`Place`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A key of an object.
    Key(&'static str),
    /// A position in a list, from 0.
    Index(usize),
}

impl Place {
    fn of(steps: &[Step]) -> Self {
        Place(steps.to_vec())
    }

    fn then(&self, steps: &[Step]) -> Self {
        let mut place = self.clone();
        place.0.extend_from_slice(steps);
        place
    }

    /// The steps from the document's root.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One user or role with every policy that bears on it.
#[derive(Clone, Debug)]
pub struct PrincipalPolicies<'a> {
    /// User or role.
    pub kind: PrincipalKind,
    /// The user or role name.
    pub name: &'a str,
    /// The user's or role's ARN.
    pub arn: &'a str,
    /// Its tags.
    pub tags: &'a [Tag],
    /// The principal's entry, such as `RoleDetailList[2]`.
    pub place: Place,
    /// Its own inline and attached policies first, then its groups' (users only), in order.
    pub identity: Vec<PolicySource<'a>>,
    /// The permissions boundary, when it has one.
    pub boundary: Option<PolicySource<'a>>,
    /// Groups the user is in that `GroupDetailList` does not describe: their policies are
    /// unknown. Each source reports them (an input error, or a gap in a live scan).
    pub undescribed_groups: Vec<(&'a str, Place)>,
    /// A role's trust policy, when recorded.
    pub trust_policy: Option<&'a serde_json::Value>,
}

/// One policy that bears on a principal, and where it comes from.
#[derive(Clone, Debug)]
pub struct PolicySource<'a> {
    /// The group the policy comes through, for a user's group policies.
    pub group: Option<&'a str>,
    /// The policy itself.
    pub policy: SourcedDocument<'a>,
}

/// An inline policy, or an attached managed policy with its default version.
#[derive(Clone, Debug)]
pub enum SourcedDocument<'a> {
    /// An inline policy of the principal or of one of its groups.
    Inline {
        /// `PolicyName`.
        name: &'a str,
        /// The document as recorded: an object, or the API's URL-encoded JSON text.
        document: &'a serde_json::Value,
        /// Where the document is.
        place: Place,
    },
    /// An attached managed policy, or the permissions boundary.
    Managed {
        /// The policy's ARN.
        arn: &'a str,
        /// Where the ARN is (the attachment, or the permissions boundary).
        arn_place: Place,
        /// The managed policy's name and the document of its default version, with its
        /// place; `None` when `Policies` lacks the policy or its default version, so that its
        /// grants are unknown.
        default: Option<(&'a str, &'a serde_json::Value, Place)>,
    },
}

impl AuthorizationDetails {
    /// Every user, then every role, with the policies that bear on it.
    pub fn principals(&self) -> Vec<PrincipalPolicies<'_>> {
        let mut out = Vec::new();
        for (i, user) in self.user_detail_list.iter().enumerate() {
            let place = Place::of(&[Step::Key("UserDetailList"), Step::Index(i)]);
            let mut identity = self.own_policies(
                &place,
                "UserPolicyList",
                &user.user_policy_list,
                &user.attached_managed_policies,
                None,
            );
            // Group policies in GroupDetailList's order, each group once.
            for (g, group) in self.group_detail_list.iter().enumerate() {
                if !user.group_list.contains(&group.group_name) {
                    continue;
                }
                let place = Place::of(&[Step::Key("GroupDetailList"), Step::Index(g)]);
                identity.extend(self.own_policies(
                    &place,
                    "GroupPolicyList",
                    &group.group_policy_list,
                    &group.attached_managed_policies,
                    Some(group.group_name.as_str()),
                ));
            }
            let undescribed_groups = user
                .group_list
                .iter()
                .enumerate()
                .filter(|(_, name)| {
                    !self
                        .group_detail_list
                        .iter()
                        .any(|g| g.group_name == **name)
                })
                .map(|(k, name)| {
                    let place = place.then(&[Step::Key("GroupList"), Step::Index(k)]);
                    (name.as_str(), place)
                })
                .collect();
            out.push(PrincipalPolicies {
                kind: PrincipalKind::User,
                name: &user.user_name,
                arn: &user.arn,
                tags: &user.tags,
                boundary: self.boundary(&place, user.permissions_boundary.as_ref()),
                place,
                identity,
                undescribed_groups,
                trust_policy: None,
            });
        }
        for (i, role) in self.role_detail_list.iter().enumerate() {
            let place = Place::of(&[Step::Key("RoleDetailList"), Step::Index(i)]);
            out.push(PrincipalPolicies {
                kind: PrincipalKind::Role,
                name: &role.role_name,
                arn: &role.arn,
                tags: &role.tags,
                identity: self.own_policies(
                    &place,
                    "RolePolicyList",
                    &role.role_policy_list,
                    &role.attached_managed_policies,
                    None,
                ),
                boundary: self.boundary(&place, role.permissions_boundary.as_ref()),
                place,
                undescribed_groups: Vec::new(),
                trust_policy: role.assume_role_policy_document.as_ref(),
            });
        }
        out
    }

    /// The inline and attached managed policies of one user, group or role.
    fn own_policies<'a>(
        &'a self,
        owner: &Place,
        inline_list: &'static str,
        inline: &'a [InlinePolicy],
        attached: &'a [AttachedPolicy],
        group: Option<&'a str>,
    ) -> Vec<PolicySource<'a>> {
        let inline = inline.iter().enumerate().map(|(j, p)| PolicySource {
            group,
            policy: SourcedDocument::Inline {
                name: &p.policy_name,
                document: &p.policy_document,
                place: owner.then(&[
                    Step::Key(inline_list),
                    Step::Index(j),
                    Step::Key("PolicyDocument"),
                ]),
            },
        });
        let attached = attached.iter().enumerate().map(|(j, a)| PolicySource {
            group,
            policy: self.managed(
                &a.policy_arn,
                owner.then(&[
                    Step::Key("AttachedManagedPolicies"),
                    Step::Index(j),
                    Step::Key("PolicyArn"),
                ]),
            ),
        });
        inline.chain(attached).collect()
    }

    fn boundary<'a>(
        &'a self,
        owner: &Place,
        boundary: Option<&'a PermissionsBoundary>,
    ) -> Option<PolicySource<'a>> {
        let arn_place = owner.then(&[
            Step::Key("PermissionsBoundary"),
            Step::Key("PermissionsBoundaryArn"),
        ]);
        boundary.map(|b| PolicySource {
            group: None,
            policy: self.managed(&b.permissions_boundary_arn, arn_place),
        })
    }

    /// A managed policy by ARN, with the document of its default version when listed.
    fn managed<'a>(&'a self, arn: &'a str, arn_place: Place) -> SourcedDocument<'a> {
        let default = self
            .policies
            .iter()
            .enumerate()
            .find(|(_, p)| p.arn == arn)
            .and_then(|(i, p)| {
                let (j, version) = p.default_version()?;
                let place = Place::of(&[
                    Step::Key("Policies"),
                    Step::Index(i),
                    Step::Key("PolicyVersionList"),
                    Step::Index(j),
                    Step::Key("Document"),
                ]);
                Some((p.policy_name.as_str(), &version.document, place))
            });
        SourcedDocument::Managed {
            arn,
            arn_place,
            default,
        }
    }
}
