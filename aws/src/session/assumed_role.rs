//! Acting as a role of another account, for as long as it takes. Credentials from
//! `sts:AssumeRole` expire after an hour by default, and a large organization's scan, or a
//! remediation waiting for its copies to complete, can run longer: the provider here assumes
//! the role again when its credentials are about to expire.
//!
//! It keeps the credentials itself and hands the same ones to every client of the account:
//! the SDK's identity cache is per client, and an account-region's clients would each assume
//! the role again (the scale harness counted 46 `AssumeRole` calls per account-region without
//! this). One renewal at a time: the calls that need credentials meanwhile wait for it, one
//! round trip, rather than each assuming the role.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;

use crate::explain;

/// Credentials this close to their expiry are not handed out; the role is assumed again.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// `base` acting as `role_arn`. The role is assumed once now, so that one that cannot be
/// assumed is reported at once (`cannot assume <arn>: <why>`), and again when needed.
pub(crate) async fn assume_role(
    sts: &aws_sdk_sts::Client,
    base: &SdkConfig,
    role_arn: &str,
    session_name: &'static str,
    external_id: Option<&str>,
) -> Result<SdkConfig, String> {
    let role = AssumedRole {
        sts: sts.clone(),
        role_arn: role_arn.to_owned(),
        session_name,
        external_id: external_id.map(str::to_owned),
        current: tokio::sync::Mutex::new(None),
    };
    let first = role.assume().await?;
    *role.current.lock().await = Some(first);
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(role))
        .build())
}

#[derive(Debug)]
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: &'static str,
    external_id: Option<String>,
    /// The credentials handed out while they are fresh; locked while they are renewed.
    current: tokio::sync::Mutex<Option<Credentials>>,
}

impl AssumedRole {
    async fn assume(&self) -> Result<Credentials, String> {
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(self.session_name)
            .set_external_id(self.external_id.clone())
            .send()
            .await
            .map_err(|e| format!("cannot assume {}: {}", self.role_arn, explain(&e)))?;
        let creds = out.credentials().ok_or_else(|| {
            format!(
                "sts:AssumeRole of {} returned no credentials",
                self.role_arn
            )
        })?;
        Ok(Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            SystemTime::try_from(*creds.expiration()).ok(),
            self.session_name,
        ))
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let mut current = self.current.lock().await;
            let fresh = current.as_ref().filter(|c| {
                c.expiry()
                    .is_none_or(|at| at > SystemTime::now() + RENEW_BEFORE)
            });
            if let Some(creds) = fresh {
                return Ok(creds.clone());
            }
            match self.assume().await {
                Ok(renewed) => {
                    *current = Some(renewed.clone());
                    Ok(renewed)
                }
                // Renewal is early: credentials not yet expired still serve while STS fails.
                Err(error) => match current
                    .as_ref()
                    .filter(|c| c.expiry().is_some_and(|at| at > SystemTime::now()))
                {
                    Some(still_valid) => Ok(still_valid.clone()),
                    None => Err(CredentialsError::provider_error(error)),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
    use aws_smithy_mocks::{
        create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode,
    };

    fn sts(rules: &[&Rule]) -> aws_sdk_sts::Client {
        let interceptor = rules.iter().fold(
            MockResponseInterceptor::new().rule_mode(RuleMode::Sequential),
            |i, r| i.with_rule(r),
        );
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    fn output(key: &str, valid_for: Duration) -> AssumeRoleOutput {
        let expiry = SystemTime::now() + valid_for;
        AssumeRoleOutput::builder()
            .credentials(
                aws_sdk_sts::types::Credentials::builder()
                    .access_key_id(key)
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(aws_smithy_types::DateTime::from(expiry))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    fn base() -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build()
    }

    /// The error STS answers when it refuses.
    fn refused() -> aws_sdk_sts::operation::assume_role::AssumeRoleError {
        aws_sdk_sts::operation::assume_role::AssumeRoleError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform sts:AssumeRole")
                .build(),
        )
    }

    /// The provider of a role assumed through an STS answering `rules` in turn.
    async fn provider(rules: &[&Rule]) -> SharedCredentialsProvider {
        let config = assume_role(&sts(rules), &base(), "arn:aws:iam::1:role/r", "test", None)
            .await
            .unwrap();
        config.credentials_provider().unwrap()
    }

    #[tokio::test]
    async fn assumes_again_when_the_credentials_are_about_to_expire() {
        let short = mock!(aws_sdk_sts::Client::assume_role)
            .then_output(|| output("FIRST", Duration::from_secs(60)));
        let renewed = mock!(aws_sdk_sts::Client::assume_role)
            .then_output(|| output("SECOND", Duration::from_secs(3600)));
        let provider = provider(&[&short, &renewed]).await;
        // The first set is within RENEW_BEFORE of its expiry: not handed out.
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "SECOND");
        assert_eq!(short.num_calls(), 1);
        assert_eq!(renewed.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_failed_early_renewal_keeps_the_credentials_that_have_not_expired() {
        let short = mock!(aws_sdk_sts::Client::assume_role)
            .then_output(|| output("FIRST", Duration::from_secs(60)));
        let throttled = mock!(aws_sdk_sts::Client::assume_role).then_error(refused);
        let provider = provider(&[&short, &throttled]).await;
        // Within RENEW_BEFORE of expiry, renewal is tried; it fails, and the first set, valid
        // for another minute, still serves.
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "FIRST");
        assert_eq!(throttled.num_calls(), 1);
    }

    #[tokio::test]
    async fn hands_out_the_first_credentials_while_they_last_and_says_why_it_cannot_assume() {
        let long = mock!(aws_sdk_sts::Client::assume_role)
            .then_output(|| output("FIRST", Duration::from_secs(3600)));
        let provider = provider(&[&long]).await;
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "FIRST");
        // Every client of the account, any number of times: still the one call.
        for _ in 0..3 {
            let again = provider.provide_credentials().await.unwrap();
            assert_eq!(again.access_key_id(), "FIRST");
        }
        assert_eq!(long.num_calls(), 1);

        let denied = mock!(aws_sdk_sts::Client::assume_role).then_error(refused);
        let sts = super::tests::sts(&[&denied]);
        let error = assume_role(&sts, &base(), "arn:aws:iam::1:role/r", "test", None)
            .await
            .unwrap_err();
        assert_eq!(
            error,
            "cannot assume arn:aws:iam::1:role/r: AccessDenied: not authorized to perform \
             sts:AssumeRole"
        );
    }
}
