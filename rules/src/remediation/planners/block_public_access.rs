//! Block public access off in an account-region (SG-SHARE-005/006): turned on.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::Step;

impl Planner<'_> {
    /// `step` is `EnableSnapshotBlockPublicAccess` or `EnableImageBlockPublicAccess`.
    pub(super) fn enable_block_public_access(&mut self, finding: &Finding, step: Step) {
        self.add(finding, &finding.resource_id, step, None);
    }
}
