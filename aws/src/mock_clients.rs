//! Clients that answer from mocked responses and count their calls, for what the emulator does
//! not serve: Recycle Bin, block public access, Data Lifecycle Manager, parts of AWS Backup, and
//! Organizations backup policies.

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

/// A client of `$sdk` that answers from `rules` and counts its calls under `$prefix`.
macro_rules! mock_client {
    ($name:ident, $sdk:ident, $prefix:literal, $attempts:literal) => {
        pub(crate) fn $name(rules: &[&Rule], counters: &Arc<Counters>) -> $sdk::Client {
            let conf = $sdk::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(SdkRegion::new("us-east-1"))
                .credentials_provider(Credentials::new("a", "b", None, None, "test"))
                .retry_config(
                    RetryConfig::standard()
                        .with_max_attempts($attempts)
                        .with_initial_backoff(Duration::from_millis(1)),
                )
                .http_client(create_mock_http_client())
                .interceptor(interceptor(rules))
                .interceptor(counting($prefix, counters))
                .build();
            $sdk::Client::from_conf(conf)
        }
    };
}

mock_client!(rbin, aws_sdk_rbin, "rbin", 3);
mock_client!(ec2, aws_sdk_ec2, "ec2", 2);
mock_client!(dlm, aws_sdk_dlm, "dlm", 2);
mock_client!(backup, aws_sdk_backup, "backup", 2);
mock_client!(organizations, aws_sdk_organizations, "organizations", 2);
mock_client!(securityhub, aws_sdk_securityhub, "securityhub", 2);

/// A JSON-protocol error response (Recycle Bin, DLM, AWS Backup): `{"__type": code}`.
pub(crate) fn json_error(status: u16, code: &str) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        status.try_into().unwrap(),
        aws_smithy_types::body::SdkBody::from(format!(
            r#"{{"__type":"{code}","message":"mocked"}}"#
        )),
    )
}

/// An EC2 (query protocol) error response with this code.
pub(crate) fn ec2_error(status: u16, code: &str) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        status.try_into().unwrap(),
        aws_smithy_types::body::SdkBody::from(format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>mocked</Message></Error></Errors></Response>"
        )),
    )
}
