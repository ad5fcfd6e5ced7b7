//! Copies of AMIs into other regions (SG-PROT-007), named and tagged after their source.

use super::Planner;
use crate::copies::{TAG_SOURCE_IMAGE, TAG_SOURCE_REGION};
use crate::finding::Finding;
use crate::remediation::plan::{CopyImage, Step};

impl Planner<'_> {
    pub(super) fn copy_image_to_regions(
        &mut self,
        finding: &Finding,
        image_id: &str,
        regions: &[String],
    ) {
        for destination in regions {
            self.copy_image(finding, image_id, destination);
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
        let mut tags = match self.backup_tags(&[image_tags], &format!("copy of {image_id}")) {
            Ok(tags) => tags,
            Err(keys) => {
                let backup = format!("the copy of {image_id} into {destination}");
                return self.untagged_backup_review(finding, image_id, &backup, &keys);
            }
        };
        tags.insert(TAG_SOURCE_IMAGE.into(), image_id.to_owned());
        tags.insert(TAG_SOURCE_REGION.into(), region.to_owned());
        let step = Step::CopyImage(CopyImage {
            source_image_id: image_id.to_owned(),
            source_region: region.to_owned(),
            name: copy_image_name(source_name, image_id, region),
            kms_key_id: self.config.remediation.copy_kms_key_id.clone(),
            tags,
        });
        let account = account.to_owned();
        self.insert(&account, destination, image_id, step, Some(finding), None);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::plan::{SafetyClass, TAG_ACTION_ID};
    use crate::remediation::testing::{config, finding, plan_all, REGION};
    use crate::remediation::Remediation;
    use serde_json::json;

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
            assert_eq!(copy.tags["Retention"], "30d");
            assert_eq!(copy.tags.get("Name"), None, "Name is not required here");
        }
        assert_ne!(plan.actions[0].id, plan.actions[1].id);
    }
}
