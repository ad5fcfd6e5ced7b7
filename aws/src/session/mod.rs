//! The credentials every client starts from, who they are, and acting as a role of another
//! account: one implementation for the scan and the executor.

mod assumed_role;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::{describe_error, CallerError};

/// The SDK config every client starts from: the standard credential chain or a named profile,
/// an endpoint for every service when given, adaptive retry and a timeout per operation.
pub(crate) async fn base_config(
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    operation_timeout: Duration,
    max_attempts: u32,
) -> SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::adaptive().with_max_attempts(max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(operation_timeout)
                .build(),
        );
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// Who the base credentials are.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// Its own account, read with the base credentials: no role is assumed there.
    pub account: String,
    /// The partition (`aws`, `aws-cn`, ...) of the roles assumed in other accounts.
    pub partition: String,
}

impl Caller {
    /// `sts:GetCallerIdentity` with `sts`.
    pub async fn identify(sts: &aws_sdk_sts::Client) -> Result<Caller, CallerError> {
        let identity = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| CallerError::Identify(describe_error(&e)))?;
        let account = identity.account().ok_or(CallerError::NoAccount)?.to_owned();
        let partition = identity
            .arn()
            .and_then(|arn| iam::Arn::parse(arn).ok())
            .map_or("aws", |arn| arn.partition)
            .to_owned();
        Ok(Caller { account, partition })
    }

    /// For each of `accounts`, the config that acts in it: `base` in the caller's own account,
    /// elsewhere the role `role_name` there ([`Caller::assume_role`]), or why it could not be
    /// assumed. Each account once.
    pub async fn configs_for<'a>(
        &self,
        sts: &aws_sdk_sts::Client,
        base: &SdkConfig,
        accounts: impl IntoIterator<Item = &'a str>,
        role_name: &str,
        session_name: &'static str,
        external_id: Option<&str>,
    ) -> std::collections::HashMap<String, Result<SdkConfig, String>> {
        let mut configs = std::collections::HashMap::new();
        for account in accounts {
            if configs.contains_key(account) {
                continue;
            }
            let config = if account == self.account {
                Ok(base.clone())
            } else {
                self.assume_role(sts, base, account, role_name, session_name, external_id)
                    .await
            };
            configs.insert(account.to_owned(), config);
        }
        configs
    }

    /// `base` acting as the role `role_name` of `account`, assumed with `sts` (and again
    /// whenever its credentials are about to expire).
    pub async fn assume_role(
        &self,
        sts: &aws_sdk_sts::Client,
        base: &SdkConfig,
        account: &str,
        role_name: &str,
        session_name: &'static str,
        external_id: Option<&str>,
    ) -> Result<SdkConfig, String> {
        let role_arn = format!("arn:{}:iam::{account}:role/{role_name}", self.partition);
        assumed_role::assume_role(sts, base, &role_arn, session_name, external_id).await
    }
}
