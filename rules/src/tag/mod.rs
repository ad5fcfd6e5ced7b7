//! Tagging rules: backups that cannot be attributed, retained or restored by policy.

pub mod image_missing_required_tags;
pub mod snapshot_missing_required_tags;
pub mod tag_value_not_allowed;
pub mod volume_missing_required_tags;

use serde_json::json;

use crate::config::Config;
use crate::finding::Resource;
use crate::inventory::Tagged;
use crate::remediation::Remediation;
use crate::scope::{Draft, Emitter};

/// Emits one finding when `resource` lacks any of `tags.required`.
fn require_tags(config: &Config, resource: Resource, tagged: &impl Tagged, out: &mut Emitter) {
    let missing: Vec<&str> = config
        .tags
        .required
        .iter()
        .map(String::as_str)
        .filter(|key| tagged.tag(key).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let message = format!(
        "{} {} lacks required tags: {}",
        resource.kind,
        resource.id,
        missing.join(", ")
    );
    let remediation = Remediation::AddTags {
        resource_id: resource.id.clone(),
        keys: missing.iter().map(|k| k.to_string()).collect(),
    };
    out.emit(
        Draft::new(resource, message)
            .evidence(json!({ "missing_tags": missing }))
            .remediation(remediation),
    );
}
