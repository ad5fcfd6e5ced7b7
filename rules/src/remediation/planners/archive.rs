//! Old snapshots nothing needs at hand (SG-PROT-006): archiving slows a restore to days, so a
//! person decides.

use super::Planner;
use crate::finding::Finding;
use crate::remediation::plan::{ManualReview, ReviewTopic, Step};

impl Planner<'_> {
    pub(super) fn archive_snapshot(&mut self, finding: &Finding, snapshot_id: &str) {
        let review = ManualReview {
            topic: ReviewTopic::ArchiveSnapshot,
            items: vec![format!(
                "{}, if a restore from it can wait the 24 to 72 hours the archive tier \
                 takes: aws ec2 modify-snapshot-tier --snapshot-id {snapshot_id} \
                 --storage-tier archive",
                finding.message
            )],
            document: None,
        };
        self.add(finding, snapshot_id, Step::ManualReview(review), None);
    }
}
