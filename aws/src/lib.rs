//! The live `aws` source: reads one account, a list of accounts, or a whole AWS Organization
//! with the AWS SDK for Rust and fills the same [`Inventory`] the recorded source fills.
//!
//! - Read-only: only Describe, List and Get operations, plus `sts:GetCallerIdentity` and
//!   `sts:AssumeRole` (see `docs/scan-role-policy.json`).
//! - Complete and honest: whatever could not be read becomes a [`Gap`] and its field stays
//!   `None`; the scan goes on with the rest.
//! - Fast: account-regions in parallel (bounded), per-resource attribute calls concurrent and
//!   bounded, adaptive retry on throttling with one retry partition per account-region, a
//!   timeout per operation, API calls and throttling retries counted per operation.
//!
//! `rules::recorded::write` writes an inventory as the recorded layout that
//! `rules::recorded::load` reads, so any live scan can be replayed offline.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rules::inventory::{Account, Gap, Inventory, Organization};
use tokio::sync::Semaphore;

mod assumed_role;
mod counting;
mod iam;
mod org;
mod progress;
mod region;
pub mod remediate;

use counting::{Counters, CountingInterceptor};
pub use counting::{Fault, FaultKind};

/// The role assumed in member accounts unless `--role-name` says otherwise.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// What a live scan covers and how.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Scan every active account of the organization (run from the management account or a
    /// delegated administrator).
    pub org: bool,
    /// Only these accounts (with `org`: a subset of the organization; without: assumed into).
    pub accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    /// These regions; `None`: every region enabled in each account (`ec2:DescribeRegions`).
    pub regions: Option<Vec<String>>,
    /// Role assumed in the accounts other than the caller's.
    pub role_name: String,
    pub external_id: Option<String>,
    /// A named profile of the shared AWS config files (otherwise the standard chain).
    pub profile: Option<String>,
    /// Account-regions scanned at once.
    pub concurrency: usize,
    /// Per-resource attribute calls in flight at once in one account-region.
    pub attribute_concurrency: usize,
    /// Timeout of one operation, all its retries included.
    pub operation_timeout: Duration,
    /// Attempts per operation (the first and the retries), with adaptive retry.
    pub max_attempts: u32,
    /// A progress bar on stderr, when stderr is a terminal.
    pub progress: bool,
    /// An endpoint for every service (the emulator); `AWS_ENDPOINT_URL` works as well.
    pub endpoint_url: Option<String>,
    /// Read only this shard's accounts of the organization.
    pub shard: Option<AccountShard>,
    /// Simulated failures, for tests and drills: see [`Fault`].
    #[doc(hidden)]
    pub faults: Vec<Fault>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            org: false,
            accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            regions: None,
            role_name: DEFAULT_ROLE_NAME.to_owned(),
            external_id: None,
            profile: None,
            concurrency: 8,
            attribute_concurrency: 8,
            operation_timeout: Duration::from_secs(60),
            max_attempts: 5,
            progress: true,
            endpoint_url: None,
            shard: None,
            faults: Vec::new(),
        }
    }
}

/// One shard of an organization scan (`snapguard scan --shard K/N`): the accounts whose id
/// hashes to `index`, plus `context_accounts` that every shard reads (the archive account).
#[derive(Debug, Clone, Default)]
pub struct AccountShard {
    pub index: u32,
    pub count: u32,
    pub context_accounts: Vec<String>,
}

/// The command-line flags of a live scan (`snapguard scan` / `snapguard collect`).
#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
    /// Scan every active account of the organization, assuming --role-name in each
    #[arg(long)]
    pub org: bool,
    /// Only these accounts (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub accounts: Vec<String>,
    /// Skip these accounts (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub exclude_accounts: Vec<String>,
    /// Only these regions (comma-separated); default: every region enabled in each account
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,
    /// Role assumed in member accounts
    #[arg(long, default_value = DEFAULT_ROLE_NAME)]
    pub role_name: String,
    /// External id passed to sts:AssumeRole
    #[arg(long)]
    pub external_id: Option<String>,
    /// Named profile from the shared AWS config files (default: AWS_PROFILE or the standard chain)
    #[arg(long)]
    pub profile: Option<String>,
    /// Account-regions scanned at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Timeout per API operation, retries included, in seconds
    #[arg(long = "timeout", default_value_t = 60, value_name = "SECONDS")]
    pub timeout_seconds: u64,
}

impl From<LiveArgs> for LiveOptions {
    fn from(a: LiveArgs) -> LiveOptions {
        LiveOptions {
            org: a.org,
            accounts: a.accounts,
            exclude_accounts: a.exclude_accounts,
            regions: (!a.regions.is_empty()).then_some(a.regions),
            role_name: a.role_name,
            external_id: a.external_id,
            profile: a.profile,
            concurrency: usize::from(a.concurrency),
            operation_timeout: Duration::from_secs(a.timeout_seconds.max(1)),
            ..LiveOptions::default()
        }
    }
}

/// Reads the accounts and regions `options` name. `Err` only when nothing can be scanned at
/// all (no credentials, the organization cannot be listed with `--org`); everything else that
/// cannot be read is a gap in the inventory.
///
/// Builds its own tokio runtime: call it from synchronous code, not from inside a runtime.
pub fn collect(options: &LiveOptions) -> Result<Inventory, String> {
    collect_counted(options).map(|(inventory, _)| inventory)
}

/// [`collect`], also returning every operation the scan called (`service:Operation`).
#[doc(hidden)]
pub fn collect_counted(options: &LiveOptions) -> Result<(Inventory, BTreeSet<String>), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(scan(options))
}

/// What every task of one scan shares.
pub(crate) struct Ctx {
    pub options: LiveOptions,
    pub base: SdkConfig,
    pub counters: Arc<Counters>,
    pub faults: Arc<Vec<Fault>>,
    pub progress: progress::Progress,
    /// Bounds account-regions (and account-wide reads) in flight.
    pub slots: Semaphore,
}

impl Ctx {
    pub fn interceptor(
        &self,
        prefix: &'static str,
        account: &str,
        region: Option<&str>,
    ) -> CountingInterceptor {
        CountingInterceptor {
            prefix,
            account: account.to_owned(),
            region: region.map(str::to_owned),
            counters: self.counters.clone(),
            faults: self.faults.clone(),
        }
    }

    /// Throttling in one account-region must not slow the others: AWS throttles per account
    /// and region, so the adaptive rate limiter is kept per account-region too.
    fn partition(account: &str, region: &str) -> aws_sdk_ec2::config::retry::RetryPartition {
        aws_sdk_ec2::config::retry::RetryPartition::new(format!("snapguard-{account}-{region}"))
    }

    pub fn ec2(&self, sdk: &SdkConfig, account: &str, region: &str) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::config::Builder::from(sdk)
            .region(Region::new(region.to_owned()))
            .retry_partition(Self::partition(account, region))
            .interceptor(self.interceptor("ec2", account, Some(region)))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    pub fn rbin(&self, sdk: &SdkConfig, account: &str, region: &str) -> aws_sdk_rbin::Client {
        let conf = aws_sdk_rbin::config::Builder::from(sdk)
            .region(Region::new(region.to_owned()))
            .retry_partition(Self::partition(account, region))
            .interceptor(self.interceptor("rbin", account, Some(region)))
            .build();
        aws_sdk_rbin::Client::from_conf(conf)
    }

    pub fn iam(&self, sdk: &SdkConfig, account: &str) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::config::Builder::from(sdk)
            .retry_partition(Self::partition(account, "iam"))
            .interceptor(self.interceptor("iam", account, None))
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    pub fn organizations(&self, account: &str) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.base)
            .retry_partition(Self::partition(account, "organizations"))
            .interceptor(self.interceptor("organizations", account, None))
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }

    pub fn sts(&self, target_account: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.base)
            .interceptor(self.interceptor("sts", target_account, None))
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    pub fn gap(account: &str, region: Option<&str>, operation: &str, error: String) -> Gap {
        Gap {
            account_id: account.to_owned(),
            region: region.map(str::to_owned),
            operation: operation.to_owned(),
            error,
        }
    }
}

/// [`describe_error`], and for a service error without an AWS error code (an emulator or a
/// proxy answering instead of AWS) what came back.
pub(crate) fn explain<E>(
    error: &SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let SdkError::ServiceError(e) = error else {
        return describe_error(error);
    };
    if e.err().code().is_some() {
        return describe_error(error);
    }
    let raw = e.raw();
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let text = strip_markup(&body);
    let status = raw.status().as_u16();
    if text.is_empty() {
        format!("HTTP {status} without an AWS error code (the endpoint may not serve this API)")
    } else {
        format!(
            "HTTP {status} without an AWS error code (the endpoint may not serve this API): {}",
            text.chars().take(160).collect::<String>()
        )
    }
}

/// An SDK error as one line: the service's code and message, or what went wrong on the way.
pub(crate) fn describe_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::TimeoutError(_) => "timed out (--timeout per operation, retries included)".into(),
        SdkError::ServiceError(e) => {
            let err = e.err();
            let code = err.code().unwrap_or("Unknown");
            let message = err.message().unwrap_or("");
            let throttled = if counting::is_throttling_code(code) {
                " (throttled; retries exhausted)"
            } else {
                ""
            };
            format!("{code}: {message}{throttled}")
                .trim_end_matches(": ")
                .to_owned()
        }
        other => {
            let text = aws_smithy_types::error::display::DisplayErrorContext(other).to_string();
            text.replace('\n', " ")
        }
    }
}

/// An HTML error page as one line of its text.
fn strip_markup(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error code of an SDK error, when the service sent one.
pub(crate) fn error_code<E, R>(error: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

pub(crate) async fn base_config(options: &LiveOptions) -> SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider()
        .or_else(Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::adaptive().with_max_attempts(options.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(options.operation_timeout)
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

async fn scan(options: &LiveOptions) -> Result<(Inventory, BTreeSet<String>), String> {
    let collected_at = rules::time::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    );
    let base = base_config(options).await;
    let ctx = Arc::new(Ctx {
        options: options.clone(),
        base,
        counters: Arc::new(Counters::default()),
        faults: Arc::new(options.faults.clone()),
        progress: progress::Progress::new(options.progress),
        slots: Semaphore::new(options.concurrency.max(1)),
    });
    let ticker = ctx.progress.start_ticker(ctx.counters.clone());

    // Who we are: the caller's account is scanned with the base credentials.
    let identity = ctx
        .sts("caller")
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot identify the caller (sts:GetCallerIdentity): {}",
                describe_error(&e)
            )
        })?;
    let caller = identity
        .account()
        .ok_or("sts:GetCallerIdentity returned no account")?
        .to_owned();
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .unwrap_or("aws")
        .to_owned();

    let mut gaps = Vec::new();
    let mut organization: Option<Organization> = None;
    let selected = |id: &str| {
        (options.accounts.is_empty() || options.accounts.iter().any(|a| a == id))
            && !options.exclude_accounts.iter().any(|a| a == id)
            && options.shard.as_ref().is_none_or(|s| {
                rules::shard::owns(s.index, s.count, id)
                    || s.context_accounts.iter().any(|a| a == id)
            })
    };
    let targets: Vec<String> = if options.org {
        let (org, org_gaps) = org::collect(&ctx, &caller).await?;
        gaps.extend(org_gaps);
        let mut targets = Vec::new();
        for account in org.accounts.iter().filter(|a| a.is_active()) {
            // Accounts left out on purpose are out of scope, not gaps.
            if selected(&account.id) {
                targets.push(account.id.to_string());
            }
        }
        for wanted in &options.accounts {
            if !org
                .accounts
                .iter()
                .any(|a| a.id == wanted.as_str() && a.is_active())
            {
                gaps.push(Ctx::gap(
                    wanted,
                    None,
                    "*",
                    "given with --accounts but not an active account of the organization: not scanned"
                        .into(),
                ));
            }
        }
        organization = Some(org);
        targets
    } else if options.accounts.is_empty() {
        vec![caller.clone()]
    } else {
        options
            .accounts
            .iter()
            .filter(|a| selected(a))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let narrowed =
        options.org && !(options.accounts.is_empty() && options.exclude_accounts.is_empty());
    let selected_accounts = narrowed.then(|| targets.clone());
    ctx.progress.set_accounts(targets.len());

    let mut tasks = tokio::task::JoinSet::new();
    for account in targets {
        let ctx = ctx.clone();
        let caller = caller.clone();
        let partition = partition.clone();
        tasks.spawn(async move { scan_account(ctx, account, caller, partition).await });
    }
    let mut accounts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (account, account_gaps) = done.map_err(|e| format!("a scan task failed: {e}"))?;
        if let Some(account) = account {
            accounts.push(account);
        }
        gaps.extend(account_gaps);
    }
    ticker.abort();
    ctx.progress.finish();

    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    gaps.sort();
    gaps.dedup();
    let api_calls = ctx.counters.api_calls.lock().unwrap().clone();
    let throttle_retries = ctx.counters.throttle_retries.lock().unwrap().clone();
    let operations = ctx.counters.operations();
    Ok((
        Inventory {
            collected_at,
            organization,
            accounts,
            selected_accounts,
            not_scanned: gaps,
            api_calls,
            throttle_retries,
        },
        operations,
    ))
}

/// One account: credentials (the caller's, or an assumed role), its regions, IAM and every
/// region. `None` when nothing in it could be read (the role could not be assumed).
async fn scan_account(
    ctx: Arc<Ctx>,
    account: String,
    caller: String,
    partition: String,
) -> (Option<Account>, Vec<Gap>) {
    let mut gaps = Vec::new();
    let sdk = if account == caller {
        ctx.base.clone()
    } else {
        let _slot = ctx.slots.acquire().await.expect("semaphore open");
        match assume_role(&ctx, &account, &partition).await {
            Ok(sdk) => sdk,
            Err(error) => {
                gaps.push(Ctx::gap(&account, None, "sts:AssumeRole", error));
                ctx.progress.account_done();
                return (None, gaps);
            }
        }
    };

    let regions = match &ctx.options.regions {
        Some(regions) => regions.clone(),
        None => {
            let _slot = ctx.slots.acquire().await.expect("semaphore open");
            match region::enabled_regions(&ctx, &sdk, &account).await {
                Ok(regions) => regions,
                Err(error) => {
                    gaps.push(Ctx::gap(&account, None, "ec2:DescribeRegions", error));
                    Vec::new()
                }
            }
        }
    };
    ctx.progress.add_regions(regions.len());

    let iam_task = {
        let ctx = ctx.clone();
        let sdk = sdk.clone();
        let account = account.clone();
        tokio::spawn(async move {
            let _slot = ctx.slots.acquire().await.expect("semaphore open");
            iam::collect(&ctx, &sdk, &account).await
        })
    };
    let mut region_tasks = tokio::task::JoinSet::new();
    for name in regions {
        let ctx = ctx.clone();
        let sdk = sdk.clone();
        let account = account.clone();
        region_tasks.spawn(async move {
            let _slot = ctx.slots.acquire().await.expect("semaphore open");
            let result = region::collect(&ctx, &sdk, &account, &name).await;
            ctx.progress.region_done();
            result
        });
    }
    let mut regions = Vec::new();
    while let Some(done) = region_tasks.join_next().await {
        match done {
            Ok((region, region_gaps)) => {
                regions.extend(region);
                gaps.extend(region_gaps);
            }
            Err(e) => gaps.push(Ctx::gap(
                &account,
                None,
                "*",
                format!("a scan task failed: {e}"),
            )),
        }
    }
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    let iam = match iam_task.await {
        Ok((iam, iam_gaps)) => {
            gaps.extend(iam_gaps);
            iam
        }
        Err(e) => {
            gaps.push(Ctx::gap(
                &account,
                None,
                iam::OPERATION,
                format!("a scan task failed: {e}"),
            ));
            None
        }
    };
    ctx.progress.account_done();
    (
        Some(Account {
            id: account.as_str().into(),
            iam,
            regions,
        }),
        gaps,
    )
}

async fn assume_role(ctx: &Ctx, account: &str, partition: &str) -> Result<SdkConfig, String> {
    let role_arn = format!(
        "arn:{partition}:iam::{account}:role/{}",
        ctx.options.role_name
    );
    assumed_role::assume_role(
        &ctx.sts(account),
        &ctx.base,
        &role_arn,
        "snapguard-scan",
        ctx.options.external_id.as_deref(),
    )
    .await
}

/// Operations the scan calls, by IAM action name: the read-only contract.
pub const OPERATIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListPolicies",
    "organizations:DescribePolicy",
    "organizations:ListTargetsForPolicy",
    "iam:GetAccountAuthorizationDetails",
    "ec2:DescribeRegions",
    "ec2:DescribeVolumes",
    "ec2:DescribeInstances",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSnapshotAttribute",
    "ec2:DescribeImages",
    "ec2:DescribeImageAttribute",
    "ec2:GetSnapshotBlockPublicAccessState",
    "ec2:GetImageBlockPublicAccessState",
    "rbin:ListRules",
    "rbin:GetRule",
];

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        live: LiveArgs,
    }

    #[test]
    fn flags_convert_into_options() {
        let cli = Cli::parse_from([
            "snapguard",
            "--org",
            "--accounts",
            "111111111111,222222222222",
            "--exclude-accounts",
            "333333333333",
            "--regions",
            "us-east-1,eu-west-1",
            "--role-name",
            "Scan",
            "--external-id",
            "x-1",
            "--profile",
            "audit",
            "--concurrency",
            "16",
            "--timeout",
            "30",
        ]);
        let o = LiveOptions::from(cli.live);
        assert!(o.org);
        assert_eq!(o.accounts, ["111111111111", "222222222222"]);
        assert_eq!(o.exclude_accounts, ["333333333333"]);
        assert_eq!(
            o.regions.as_deref(),
            Some(&["us-east-1".to_owned(), "eu-west-1".to_owned()][..])
        );
        assert_eq!(o.role_name, "Scan");
        assert_eq!(o.external_id.as_deref(), Some("x-1"));
        assert_eq!(o.profile.as_deref(), Some("audit"));
        assert_eq!(o.concurrency, 16);
        assert_eq!(o.operation_timeout, Duration::from_secs(30));

        let o = LiveOptions::from(Cli::parse_from(["snapguard"]).live);
        assert!(!o.org && o.accounts.is_empty() && o.regions.is_none());
        assert_eq!(o.role_name, DEFAULT_ROLE_NAME);
        assert_eq!(o.concurrency, 8);
        assert!(Cli::try_parse_from(["snapguard", "--concurrency", "0"]).is_err());
    }
}
