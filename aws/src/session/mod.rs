//! The credentials every client starts from, who they are, and acting as a role of another
//! account: one implementation for the scan and the executor.

mod assumed_role;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::{describe_error, CallerError};

/// Attempts per operation when neither the command line nor the SDK's own settings say.
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// The retry configuration of every client: the SDK's own settings where the user gave them,
/// snapguard's defaults (adaptive retry, [`DEFAULT_MAX_ATTEMPTS`]) where not.
///
/// Attempts: `max_attempts` (the command line's `--max-attempts`), else `AWS_MAX_ATTEMPTS`,
/// else the profile's `max_attempts`. Mode: `AWS_RETRY_MODE`, else the profile's `retry_mode`
/// (`standard`, `adaptive`, `legacy` as `standard`). The precedence is the SDK's own
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>), field by
/// field. `env` and `fs` are the process's (`Env::real()`, `Fs::real()`) except in tests.
///
/// # Errors
///
/// A sentence naming the setting, what it holds and what was expected, when a value is not a
/// whole number of at least 1 or not a retry mode, or when the shared config files cannot be
/// read or parsed.
pub(crate) async fn retry_config(
    profile: Option<&str>,
    max_attempts: Option<u32>,
    env: &aws_types::os_shim_internal::Env,
    fs: &aws_types::os_shim_internal::Fs,
) -> Result<RetryConfig, String> {
    use aws_config::retry::RetryMode;
    use std::str::FromStr;

    let profiles = aws_config::profile::load(
        fs,
        env,
        &Default::default(),
        profile.map(|p| std::borrow::Cow::Owned(p.to_owned())),
    )
    .await
    .map_err(|e| format!("cannot read the shared AWS config files: {e}"))?;
    let setting = |variable: &'static str, key: &'static str| -> Option<(String, String)> {
        match env.get(variable) {
            Ok(value) => Some((variable.to_owned(), value)),
            Err(_) => profiles.get(key).map(|value| {
                (
                    format!("{key} of profile {}", profiles.selected_profile()),
                    value.to_owned(),
                )
            }),
        }
    };
    let attempts = match max_attempts {
        Some(n) => n,
        None => match setting("AWS_MAX_ATTEMPTS", "max_attempts") {
            None => DEFAULT_MAX_ATTEMPTS,
            Some((place, value)) => match value.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(format!(
                        "{place} is \"{value}\": expected a whole number of attempts, at least 1"
                    ))
                }
            },
        },
    };
    let mode = match setting("AWS_RETRY_MODE", "retry_mode") {
        None => RetryMode::Adaptive,
        // `legacy` is a documented mode the Rust SDK does not have: standard is its successor.
        Some((_, value)) if value.trim() == "legacy" => RetryMode::Standard,
        Some((place, value)) => RetryMode::from_str(value.trim()).map_err(|_| {
            format!("{place} is \"{value}\": expected standard, adaptive or legacy")
        })?,
    };
    Ok(RetryConfig::standard()
        .with_retry_mode(mode)
        .with_max_attempts(attempts.max(1)))
}

/// The SDK config every client starts from: the standard credential chain or a named profile,
/// an endpoint for every service when given, the retry settings of [`retry_config`] (with
/// `max_attempts` from the command line) and a timeout per operation. `http_client` replaces
/// the SDK's HTTPS client (the scale harness's replay).
///
/// # Errors
///
/// The sentence of [`retry_config`] when a retry setting holds a value the SDK would reject.
pub(crate) async fn base_config(
    profile: Option<&str>,
    endpoint_url: Option<&str>,
    operation_timeout: Duration,
    max_attempts: Option<u32>,
    http_client: Option<SharedHttpClient>,
) -> Result<SdkConfig, String> {
    let retry = retry_config(
        profile,
        max_attempts,
        &aws_types::os_shim_internal::Env::real(),
        &aws_types::os_shim_internal::Fs::real(),
    )
    .await?;
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(retry)
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
    if let Some(client) = http_client {
        loader = loader.http_client(client);
    }
    Ok(loader.load().await)
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

#[cfg(test)]
mod tests {
    use aws_config::retry::RetryMode;
    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;

    async fn resolve(
        vars: &[(&str, &str)],
        config: &str,
        profile: Option<&str>,
        flag: Option<u32>,
    ) -> Result<(u32, RetryMode), String> {
        let mut all = vec![("AWS_CONFIG_FILE", "config"), ("HOME", "/nowhere")];
        all.extend_from_slice(vars);
        let fs = Fs::from_slice(&[("config", config)]);
        let c = retry_config(profile, flag, &Env::from_slice(&all), &fs).await?;
        Ok((c.max_attempts(), c.mode()))
    }

    #[tokio::test]
    async fn the_sdk_settings_apply_and_snapguard_defaults_fill_in_the_rest() {
        // Nothing set: snapguard's defaults.
        assert_eq!(
            resolve(&[], "[default]\n", None, None).await,
            Ok((DEFAULT_MAX_ATTEMPTS, RetryMode::Adaptive))
        );
        // The profile's settings, field by field.
        let config = "[default]\nmax_attempts = 2\n[profile slow]\nretry_mode = standard\n";
        assert_eq!(
            resolve(&[], config, None, None).await,
            Ok((2, RetryMode::Adaptive))
        );
        assert_eq!(
            resolve(&[], config, Some("slow"), None).await,
            Ok((DEFAULT_MAX_ATTEMPTS, RetryMode::Standard))
        );
        assert_eq!(
            resolve(&[("AWS_PROFILE", "slow")], config, None, None).await,
            Ok((DEFAULT_MAX_ATTEMPTS, RetryMode::Standard))
        );
        // The environment over the profile; --max-attempts over both.
        let env = [("AWS_MAX_ATTEMPTS", "7"), ("AWS_RETRY_MODE", "adaptive")];
        assert_eq!(
            resolve(&env, config, Some("slow"), None).await,
            Ok((7, RetryMode::Adaptive))
        );
        assert_eq!(
            resolve(&env, config, None, Some(1)).await,
            Ok((1, RetryMode::Adaptive))
        );
        // Values the SDK would reject are errors that say where and what.
        assert_eq!(
            resolve(&[("AWS_MAX_ATTEMPTS", "0")], config, None, None).await,
            Err(
                "AWS_MAX_ATTEMPTS is \"0\": expected a whole number of attempts, at least 1".into()
            )
        );
        assert_eq!(
            resolve(&[("AWS_RETRY_MODE", "legacy")], config, None, None).await,
            Ok((2, RetryMode::Standard))
        );
        assert_eq!(
            resolve(&[], "[default]\nretry_mode = eager\n", None, None).await,
            Err(
                "retry_mode of profile default is \"eager\": expected standard, adaptive or \
                 legacy"
                    .into()
            )
        );
    }
}
