//! Missing required tags (SG-TAG-*): added where the source volume or the config defaults
//! give a value, otherwise a person decides.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{AddTags, ManualReview, ReviewTopic, Step};

impl Planner<'_> {
    /// Tags with known values are added; when any key lacks one, a person decides them all.
    pub(super) fn add_tags(&mut self, finding: &Finding, resource_id: &str, keys: &[String]) {
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
        let (known, unknown) = self.tag_values(keys, &[source_volume.unwrap_or_default()]);
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
}

#[cfg(test)]
mod tests {
    use crate::remediation::plan::{ReviewTopic, Step};
    use crate::remediation::testing::{config, finding, plan_all};
    use crate::remediation::Remediation;
    use serde_json::json;

    #[test]
    fn tags_without_a_known_value_go_to_a_person() {
        let add = Remediation::AddTags {
            resource_id: "vol-a".into(),
            keys: vec!["Owner".into(), "CostCenter".into()],
        };
        let plan = plan_all(
            &[finding("SG-TAG-003", "vol-a", Some(add), json!({}))],
            &config(),
        );
        let Step::ManualReview(review) = &plan.actions[0].step else {
            panic!("expected a manual review, got {:?}", plan.actions[0].step);
        };
        assert_eq!(review.topic, ReviewTopic::TagValues);
        assert!(review.items[0].contains("CostCenter"), "{:?}", review.items);
        assert!(plan.actions[0].calls.is_empty());
    }
}
