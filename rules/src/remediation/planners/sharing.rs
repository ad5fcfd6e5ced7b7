//! Sharing outside the organization (SG-SHARE-001..004): only the offending grantees are
//! removed from a snapshot's or image's permissions; the others stay.

use super::Planner;
use crate::finding::Finding;
use crate::inventory::Permission;
use crate::remediation::plan::{RemovePermissions, Step};

impl Planner<'_> {
    /// `step` is `Step::RemoveSnapshotPermissions` or `Step::RemoveImagePermissions`.
    pub(super) fn remove_permissions(
        &mut self,
        finding: &Finding,
        resource_id: &str,
        grantees: &[String],
        step: fn(RemovePermissions) -> Step,
    ) {
        let step = step(RemovePermissions {
            resource_id: resource_id.to_owned(),
            grantees: grantees.iter().map(|g| permission(g)).collect(),
        });
        self.add(finding, resource_id, step, None);
    }
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
    use crate::inventory::Permission;
    use crate::remediation::plan::{SafetyClass, Step};
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::Remediation;
    use serde_json::json;

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
}
