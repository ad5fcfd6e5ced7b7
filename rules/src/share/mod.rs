//! Sharing rules: backups exposed to the world or to accounts outside the organization, and
//! the account-level switches that block public sharing.

pub mod image_block_public_access_off;
pub mod image_shared_outside_org;
pub mod public_image;
pub mod public_snapshot;
pub mod snapshot_block_public_access_off;
pub mod snapshot_shared_outside_org;

use serde_json::json;

use crate::finding::Resource;
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

/// Reports each grantee outside the organization and the trusted accounts, one finding each,
/// so a waiver for one partner does not hide a new one.
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
        let kind = if grantee.user_id.is_some() {
            "account"
        } else {
            "organization unit or organization"
        };
        let message = format!(
            "{} {} is shared with {kind} {who}, which is outside the organization and the trusted accounts",
            resource.kind, resource.id
        );
        let remediation = shared.remove(&resource.id, vec![who.to_owned()]);
        out.emit(
            Draft::new(resource.clone(), message)
                .discriminator(who)
                .evidence(json!({ "attribute": shared.attribute(), "grantee": who }))
                .remediation(remediation),
        );
    }
}
