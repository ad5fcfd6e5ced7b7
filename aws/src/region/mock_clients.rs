//! Clients that answer from mocked responses and count their calls, for the Recycle Bin and
//! block public access tests (the emulator serves neither).

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region as SdkRegion};
use aws_credential_types::Credentials;
use aws_smithy_mocks::{create_mock_http_client, MockResponseInterceptor, Rule, RuleMode};

use crate::counting::{Counters, CountingInterceptor};

fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules.iter().fold(
        MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, r| i.with_rule(r),
    )
}

fn counting(prefix: &'static str, counters: &Arc<Counters>) -> CountingInterceptor {
    CountingInterceptor {
        prefix,
        account: "111111111111".into(),
        region: Some("us-east-1".into()),
        counters: counters.clone(),
        faults: Arc::new(Vec::new()),
    }
}

pub(super) fn rbin(rules: &[&Rule], counters: &Arc<Counters>) -> aws_sdk_rbin::Client {
    let conf = aws_sdk_rbin::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(SdkRegion::new("us-east-1"))
        .credentials_provider(Credentials::new("a", "b", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .http_client(create_mock_http_client())
        .interceptor(interceptor(rules))
        .interceptor(counting("rbin", counters))
        .build();
    aws_sdk_rbin::Client::from_conf(conf)
}

pub(super) fn ec2(rules: &[&Rule], counters: &Arc<Counters>) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(SdkRegion::new("us-east-1"))
        .credentials_provider(Credentials::new("a", "b", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .http_client(create_mock_http_client())
        .interceptor(interceptor(rules))
        .interceptor(counting("ec2", counters))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}
