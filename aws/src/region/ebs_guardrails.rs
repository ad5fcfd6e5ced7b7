//! The region's EBS guardrails: encryption by default and its KMS key
//! (`GetEbsEncryptionByDefault`, `GetEbsDefaultKmsKeyId`), and the snapshot locks
//! (`DescribeLockedSnapshots`, paged by hand: the SDK has no paginator for it).

use rules::inventory::{LockedSnapshot, Str};

use super::{non_negative, timestamp};
use crate::explain;

/// The largest page `DescribeLockedSnapshots` accepts.
const MAX_LOCKS: i32 = 1000;

/// Each part is `None` when its call failed, and the failure is a gap.
pub(super) async fn ebs_guardrails(
    ec2: &aws_sdk_ec2::Client,
    gap: &mut impl FnMut(&str, String),
) -> (Option<bool>, Option<Str>, Option<Vec<LockedSnapshot>>) {
    let encryption = match ec2.get_ebs_encryption_by_default().send().await {
        Ok(out) => out.ebs_encryption_by_default(),
        Err(e) => {
            gap("ec2:GetEbsEncryptionByDefault", explain(&e));
            None
        }
    };
    let key = match ec2.get_ebs_default_kms_key_id().send().await {
        Ok(out) => out.kms_key_id().map(Str::from),
        Err(e) => {
            gap("ec2:GetEbsDefaultKmsKeyId", explain(&e));
            None
        }
    };
    let locks = match locked_snapshots(ec2).await {
        Ok(locks) => Some(locks),
        Err(e) => {
            gap("ec2:DescribeLockedSnapshots", e);
            None
        }
    };
    (encryption, key, locks)
}

async fn locked_snapshots(ec2: &aws_sdk_ec2::Client) -> Result<Vec<LockedSnapshot>, String> {
    let mut locks = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = ec2
            .describe_locked_snapshots()
            .max_results(MAX_LOCKS)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| explain(&e))?;
        locks.extend(out.snapshots().iter().map(|l| LockedSnapshot {
            snapshot_id: l.snapshot_id().unwrap_or_default().into(),
            lock_state: l.lock_state().map_or("", |s| s.as_str()).into(),
            lock_duration: l.lock_duration().map(non_negative),
            cool_off_period: l.cool_off_period().map(non_negative),
            cool_off_period_expires_on: timestamp(l.cool_off_period_expires_on()),
            lock_created_on: timestamp(l.lock_created_on()),
            lock_expires_on: timestamp(l.lock_expires_on()),
        }));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(locks),
        }
    }
}

/// Against mocked responses: the emulator serves no snapshot locks.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_sdk_ec2::operation::describe_locked_snapshots::DescribeLockedSnapshotsOutput;
    use aws_sdk_ec2::operation::get_ebs_default_kms_key_id::GetEbsDefaultKmsKeyIdOutput;
    use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
    use aws_sdk_ec2::types::{LockState, LockedSnapshotsInfo};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients;

    fn lock(id: &str, state: LockState) -> LockedSnapshotsInfo {
        LockedSnapshotsInfo::builder()
            .snapshot_id(id)
            .lock_state(state)
            .lock_duration(30)
            .lock_expires_on(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build()
    }

    #[tokio::test]
    async fn settings_and_every_page_of_locks_are_read() {
        let encryption =
            mock!(aws_sdk_ec2::Client::get_ebs_encryption_by_default).then_output(|| {
                GetEbsEncryptionByDefaultOutput::builder()
                    .ebs_encryption_by_default(false)
                    .build()
            });
        let key = mock!(aws_sdk_ec2::Client::get_ebs_default_kms_key_id).then_output(|| {
            GetEbsDefaultKmsKeyIdOutput::builder()
                .kms_key_id("alias/aws/ebs")
                .build()
        });
        let page1 = mock!(aws_sdk_ec2::Client::describe_locked_snapshots)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                DescribeLockedSnapshotsOutput::builder()
                    .snapshots(lock("snap-1", LockState::Compliance))
                    .next_token("page2")
                    .build()
            });
        let page2 = mock!(aws_sdk_ec2::Client::describe_locked_snapshots)
            .match_requests(|r| r.next_token() == Some("page2"))
            .then_output(|| {
                DescribeLockedSnapshotsOutput::builder()
                    .snapshots(lock("snap-2", LockState::Governance))
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = mock_clients::ec2(&[&encryption, &key, &page1, &page2], &counters);
        let mut gaps = Vec::new();
        let (encryption, key, locks) = ebs_guardrails(&client, &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await;
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(encryption, Some(false));
        assert_eq!(key.as_deref(), Some("alias/aws/ebs"));
        let locks = locks.unwrap();
        assert_eq!(locks.len(), 2);
        assert_eq!(locks[0].lock_state, "compliance");
        assert_eq!(locks[1].lock_state, "governance");
    }

    #[tokio::test]
    async fn a_denied_call_is_a_gap_and_unknown() {
        let denied = || mock_clients::ec2_error(403, "UnauthorizedOperation");
        let encryption =
            mock!(aws_sdk_ec2::Client::get_ebs_encryption_by_default).then_http_response(denied);
        let key = mock!(aws_sdk_ec2::Client::get_ebs_default_kms_key_id).then_http_response(denied);
        let locks =
            mock!(aws_sdk_ec2::Client::describe_locked_snapshots).then_http_response(denied);
        let counters = Arc::new(Counters::default());
        let client = mock_clients::ec2(&[&encryption, &key, &locks], &counters);
        let mut gaps = Vec::new();
        let read = ebs_guardrails(&client, &mut |op: &str, e: String| {
            gaps.push((op.to_owned(), e))
        })
        .await;
        assert_eq!(read, (None, None, None));
        let operations: Vec<&str> = gaps.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(
            operations,
            [
                "ec2:GetEbsEncryptionByDefault",
                "ec2:GetEbsDefaultKmsKeyId",
                "ec2:DescribeLockedSnapshots"
            ]
        );
    }
}
