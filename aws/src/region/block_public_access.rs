//! Block public access for snapshots and for AMIs in an account-region.

use rules::inventory::Str;

use crate::explain;

pub(super) async fn snapshot_block_public_access(ec2: &aws_sdk_ec2::Client) -> Result<Str, String> {
    let out = ec2
        .get_snapshot_block_public_access_state()
        .send()
        .await
        .map_err(|e| explain(&e))?;
    out.state()
        .map(|s| Str::from(s.as_str()))
        .ok_or_else(|| "the response has no State".into())
}

pub(super) async fn image_block_public_access(ec2: &aws_sdk_ec2::Client) -> Result<Str, String> {
    let out = ec2
        .get_image_block_public_access_state()
        .send()
        .await
        .map_err(|e| explain(&e))?;
    out.image_block_public_access_state()
        .map(Str::from)
        .ok_or_else(|| "the response has no ImageBlockPublicAccessState".into())
}

/// Against mocked responses, as the emulator does not serve block public access.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aws_smithy_mocks::mock;

    use super::*;
    use crate::counting::Counters;
    use crate::mock_clients::{self, ec2};

    #[tokio::test]
    async fn block_public_access_states_and_their_errors() {
        use aws_sdk_ec2::operation::get_image_block_public_access_state::GetImageBlockPublicAccessStateOutput;
        use aws_sdk_ec2::operation::get_snapshot_block_public_access_state::GetSnapshotBlockPublicAccessStateOutput;
        let snap =
            mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state).then_output(|| {
                GetSnapshotBlockPublicAccessStateOutput::builder()
                    .state(aws_sdk_ec2::types::SnapshotBlockPublicAccessState::Unblocked)
                    .build()
            });
        let image =
            mock!(aws_sdk_ec2::Client::get_image_block_public_access_state).then_output(|| {
                GetImageBlockPublicAccessStateOutput::builder()
                    .image_block_public_access_state("block-new-sharing")
                    .build()
            });
        let counters = Arc::new(Counters::default());
        let client = ec2(&[&snap, &image], &counters);
        assert_eq!(
            snapshot_block_public_access(&client).await.unwrap(),
            "unblocked"
        );
        assert_eq!(
            image_block_public_access(&client).await.unwrap(),
            "block-new-sharing"
        );

        let denied = |_: ()| mock_clients::ec2_error(403, "UnauthorizedOperation");
        let snap = mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state)
            .then_http_response(move || denied(()));
        let image = mock!(aws_sdk_ec2::Client::get_image_block_public_access_state)
            .then_output(|| GetImageBlockPublicAccessStateOutput::builder().build());
        let client = ec2(&[&snap, &image], &counters);
        let err = snapshot_block_public_access(&client).await.unwrap_err();
        assert!(err.contains("UnauthorizedOperation"), "{err}");
        // A response without the state is not a pass either.
        assert!(image_block_public_access(&client).await.is_err());
    }
}
