//! What a live scan covers and how: the options, and the command-line flags that set them.

use std::time::Duration;

use crate::Fault;

/// Account-regions read at once by default, chosen with the scale harness
/// (`aws/benches/org_scale.rs`; the figures are in BENCHMARKS.md). An account-region's time is
/// set by EC2's refill rate for its attribute calls (about 8 s for 250 snapshots), not by the
/// machine, so the wall time falls with the concurrency until the machine is busy. At 1,000
/// accounts x 4 regions and 60 ms a call, on 2 cores, 256 kept within 1.3x of the floor AWS's
/// limits set, in under 1 GiB (memory follows the inventory, not the concurrency); at 512 the
/// 2 cores were the bound.
pub const DEFAULT_CONCURRENCY: usize = 256;

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
    /// Accounts left out (12-digit ids).
    pub exclude_accounts: Vec<String>,
    /// These regions; `None`: every region enabled in each account (`ec2:DescribeRegions`).
    pub regions: Option<Vec<String>>,
    /// Role assumed in the accounts other than the caller's.
    pub role_name: String,
    /// The `ExternalId` passed to `sts:AssumeRole`, when the role's trust policy requires one.
    pub external_id: Option<String>,
    /// A named profile of the shared AWS config files (otherwise the standard chain).
    pub profile: Option<String>,
    /// Account-regions scanned at once; [`DEFAULT_CONCURRENCY`] by default.
    pub concurrency: usize,
    /// Per-resource attribute calls in flight at once per API in one account-region (snapshots'
    /// and images' run side by side).
    pub attribute_concurrency: usize,
    /// Timeout of one operation, all its retries included.
    pub operation_timeout: Duration,
    /// Attempts per operation (the first and the retries); `None`: the SDK's own settings
    /// (`AWS_MAX_ATTEMPTS`, the profile's `max_attempts`), else 5. The retry mode is the SDK's
    /// (`AWS_RETRY_MODE`, the profile's `retry_mode`), else adaptive.
    pub max_attempts: Option<u32>,
    /// A progress bar on stderr, when stderr is a terminal.
    pub progress: bool,
    /// An endpoint for every service (the emulator); `AWS_ENDPOINT_URL` works as well.
    pub endpoint_url: Option<String>,
    /// Read only this shard's accounts of the organization.
    pub shard: Option<AccountShard>,
    /// Simulated failures, for tests and drills: see [`Fault`].
    #[doc(hidden)]
    pub faults: Vec<Fault>,
    /// Replaces the SDK's HTTPS client: the scale harness answers from a synthetic organization.
    #[doc(hidden)]
    pub http_client: Option<aws_smithy_runtime_api::client::http::SharedHttpClient>,
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
            concurrency: DEFAULT_CONCURRENCY,
            attribute_concurrency: 8,
            operation_timeout: Duration::from_secs(60),
            max_attempts: None,
            progress: true,
            endpoint_url: None,
            shard: None,
            faults: Vec::new(),
            http_client: None,
        }
    }
}

/// One shard of an organization scan (`snapguard scan --shard K/N`): the accounts whose id
/// hashes to `index`, plus `context_accounts` that every shard reads (the archive account).
#[derive(Debug, Clone, Default)]
pub struct AccountShard {
    /// This shard's index, `0..count`.
    pub index: u32,
    /// How many shards the organization is split into.
    pub count: u32,
    /// Accounts every shard reads besides its own (12-digit ids).
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
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Timeout per API operation, retries included, in seconds
    #[arg(long = "timeout", default_value_t = 60, value_name = "SECONDS")]
    pub timeout_seconds: u64,
    /// Attempts per API operation, retries included (default: AWS_MAX_ATTEMPTS, else the
    /// profile's max_attempts, else 5)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: Option<u32>,
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
            max_attempts: a.max_attempts,
            ..LiveOptions::default()
        }
    }
}

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
            "--max-attempts",
            "2",
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
        assert_eq!(o.max_attempts, Some(2));

        let o = LiveOptions::from(Cli::parse_from(["snapguard"]).live);
        assert!(!o.org && o.accounts.is_empty() && o.regions.is_none());
        assert_eq!(o.role_name, DEFAULT_ROLE_NAME);
        assert_eq!(o.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(o.max_attempts, None);
        assert!(Cli::try_parse_from(["snapguard", "--concurrency", "0"]).is_err());
        assert!(Cli::try_parse_from(["snapguard", "--max-attempts", "0"]).is_err());
    }
}
