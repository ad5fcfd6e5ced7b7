//! The JSON shape of each file of the layout, as the AWS CLI prints it: what the reader
//! deserializes and the writer serializes. A list's type parameter is what the reader fills
//! (the default) or what the writer borrows, so that the writer copies nothing.
//!
//! The type names show in the reader's error messages (`expected struct DescribeVolumes`).

use serde::{Deserialize, Serialize};

use crate::inventory::{
    Image, Instance, OrgAccount, OrgNode, OrganizationDescription, Permission, RetentionPeriod,
    RetentionRule, RetentionRuleTag, Snapshot, Str, Volume,
};

/// `aws ec2 describe-volumes`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribeVolumes<V = Vec<Volume>> {
    pub volumes: V,
}

/// `aws ec2 describe-instances`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribeInstances<R = Vec<Reservation>> {
    pub reservations: R,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Reservation<I = Vec<Instance>> {
    #[serde(default)]
    pub instances: I,
}

/// `aws ec2 describe-snapshots`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribeSnapshots<S = Vec<Snapshot>> {
    pub snapshots: S,
}

/// `aws ec2 describe-images`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribeImages<I = Vec<Image>> {
    pub images: I,
}

/// `aws ec2 describe-snapshot-attribute --attribute createVolumePermission`, one per snapshot.
/// `CreateVolumePermissions` is required: AWS always returns it (an empty list when the snapshot
/// is not shared), so an entry without it says nothing about who can use the snapshot.
#[derive(Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SnapshotAttribute<P = Vec<Permission>> {
    pub create_volume_permissions: P,
    pub snapshot_id: Str,
}

/// `aws ec2 describe-image-attribute --attribute launchPermission`, one per image.
/// `LaunchPermissions` is required, as `CreateVolumePermissions` is for snapshots.
#[derive(Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ImageAttribute<P = Vec<Permission>> {
    pub image_id: Str,
    pub launch_permissions: P,
}

/// `aws rbin list-rules`: the reader reads each summary straight into a [`RetentionRule`].
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListRules<R = Vec<RetentionRule>> {
    pub rules: R,
}

/// What `list-rules` prints of a rule; `get-rule` ([`RuleDetails`]) prints the rest.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RuleSummary<'a> {
    pub identifier: &'a Str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_period: Option<&'a RetentionPeriod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_state: Option<&'a Str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_arn: Option<&'a Str>,
}

/// `aws rbin get-rule`, one per rule. `ResourceTags` (an empty list for a region-level rule)
/// and `Status` are required: without them a tag-level or pending rule would read as one that
/// retains everything. `ExcludeResourceTags` may be absent: GetRule leaves it out for a rule
/// without exclusions, and its absence reads as "excludes nothing", the reading that reports
/// more.
#[derive(Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RuleDetails<T = Vec<RetentionRuleTag>> {
    pub identifier: Str,
    pub resource_tags: T,
    #[serde(default)]
    pub exclude_resource_tags: T,
    #[serde(
        deserialize_with = "crate::inventory::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Str>,
}

/// `aws ec2 get-snapshot-block-public-access-state`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SnapshotBlockPublicAccess {
    pub state: Str,
}

/// `aws ec2 get-image-block-public-access-state`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ImageBlockPublicAccess {
    pub image_block_public_access_state: Str,
}

/// `aws organizations list-accounts` and `list-accounts-for-parent`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListAccounts<A = Vec<OrgAccount>> {
    pub accounts: A,
}

/// `aws organizations describe-organization`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribeOrganization<D = OrganizationDescription> {
    pub organization: D,
}

/// `aws organizations list-roots`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListRoots<R = Vec<OrgNode>> {
    pub roots: R,
}

/// `aws organizations list-organizational-units-for-parent`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListUnits<U = Vec<OrgNode>> {
    pub organizational_units: U,
}

/// `aws organizations list-policies --filter SERVICE_CONTROL_POLICY`: the reader needs each
/// summary's id and name ([`OrgNode`]); the writer writes [`PolicySummary`].
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListPolicies<P = Vec<OrgNode>> {
    pub policies: P,
}

/// A policy's summary as Organizations prints it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PolicySummary<'a> {
    pub id: &'a Str,
    pub name: &'a Str,
    pub r#type: &'static str,
}

/// The types of the policies the layout holds.
pub(super) const SERVICE_CONTROL_POLICY: &str = "SERVICE_CONTROL_POLICY";
pub(super) const BACKUP_POLICY: &str = "BACKUP_POLICY";

/// A described policy's summary as the reader needs it: its type says how to read the content.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribedSummary {
    /// `SERVICE_CONTROL_POLICY` when absent (recordings made before backup policies were).
    #[serde(default)]
    pub r#type: Option<String>,
}

/// `aws organizations describe-policy`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DescribePolicy<S = OrgNode> {
    pub policy: PolicyWithContent<S>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PolicyWithContent<S = OrgNode> {
    pub policy_summary: S,
    /// The policy document as a JSON string.
    pub content: String,
}

/// `aws organizations list-targets-for-policy`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListTargets<T = Vec<Target>> {
    pub targets: T,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Target {
    pub target_id: Str,
}
