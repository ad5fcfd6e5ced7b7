//! The scan: the organization (with `--org`), then every account in parallel (bounded), in
//! each its IAM and every region; what could not be read becomes a gap.

use std::collections::BTreeSet;
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use rules::inventory::{Account, Gap, Inventory, Organization};
use tokio::sync::Semaphore;

use crate::counting::{Counters, CountingInterceptor};
use crate::session::{self, Caller};
use crate::{iam, org, progress, region, Fault, LiveOptions, ScanError};

/// Reads the accounts and regions `options` name. Everything that cannot be read is a gap in
/// the inventory.
///
/// # Errors
///
/// [`ScanError`] only when nothing can be scanned at all: no credentials
/// ([`ScanError::Caller`]), or the organization cannot be listed with `--org`.
///
/// Builds its own tokio runtime: call it from synchronous code, not from inside a runtime.
pub fn collect(options: &LiveOptions) -> Result<Inventory, ScanError> {
    collect_counted(options).map(|(inventory, _)| inventory)
}

/// [`collect`], also returning every operation the scan called (`service:Operation`).
#[doc(hidden)]
pub fn collect_counted(options: &LiveOptions) -> Result<(Inventory, BTreeSet<String>), ScanError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ScanError::Runtime)?;
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
    /// Bounds accounts in flight to as many as there are slots, a new one starting as one
    /// ends: `AssumeRole` calls follow the pace of the scan instead of all coming at the start
    /// (a burst of 1,000 is throttled by STS, and early credentials age while they wait).
    pub accounts_in_flight: Semaphore,
}

/// `Ctx::$name`: a client of `$sdk` for one account-region, with the account-region's retry
/// partition and the counting interceptor (calls counted under `$prefix`).
macro_rules! regional_client {
    ($name:ident, $sdk:ident, $prefix:literal) => {
        pub fn $name(&self, sdk: &SdkConfig, account: &str, region: &str) -> $sdk::Client {
            let conf = $sdk::config::Builder::from(sdk)
                .region(Region::new(region.to_owned()))
                .retry_partition(Self::partition(account, region))
                .interceptor(self.interceptor($prefix, account, Some(region)))
                .build();
            $sdk::Client::from_conf(conf)
        }
    };
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

    regional_client!(ec2, aws_sdk_ec2, "ec2");
    regional_client!(rbin, aws_sdk_rbin, "rbin");
    regional_client!(dlm, aws_sdk_dlm, "dlm");
    regional_client!(backup, aws_sdk_backup, "backup");

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

async fn scan(options: &LiveOptions) -> Result<(Inventory, BTreeSet<String>), ScanError> {
    let collected_at = rules::time::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    );
    let base = session::base_config(
        options.profile.as_deref(),
        options.endpoint_url.as_deref(),
        options.operation_timeout,
        options.max_attempts,
        options.http_client.clone(),
    )
    .await
    .map_err(ScanError::RetrySettings)?;
    let ctx = Arc::new(Ctx {
        options: options.clone(),
        base,
        counters: Arc::new(Counters::default()),
        faults: Arc::new(options.faults.clone()),
        progress: progress::Progress::new(options.progress),
        slots: Semaphore::new(options.concurrency.max(1)),
        accounts_in_flight: Semaphore::new(options.concurrency.max(1)),
    });
    let ticker = ctx
        .progress
        .start_ticker(ctx.counters.clone(), options.concurrency);

    // Who we are: the caller's account is scanned with the base credentials.
    let caller = Caller::identify(&ctx.sts("caller")).await?;

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
        let (org, org_gaps) = org::collect(&ctx, &caller.account).await?;
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
        vec![caller.account.clone()]
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
        tasks.spawn(async move { scan_account(ctx, account, caller).await });
    }
    let mut accounts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (account, account_gaps) = done.map_err(ScanError::Task)?;
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
    caller: Caller,
) -> (Option<Account>, Vec<Gap>) {
    let _in_flight = ctx
        .accounts_in_flight
        .acquire()
        .await
        .expect("semaphore open");
    let mut gaps = Vec::new();
    let sdk = if account == caller.account {
        ctx.base.clone()
    } else {
        let _slot = ctx.slots.acquire().await.expect("semaphore open");
        let assumed = caller
            .assume_role(
                &ctx.sts(&account),
                &ctx.base,
                &account,
                &ctx.options.role_name,
                "snapguard-scan",
                ctx.options.external_id.as_deref(),
            )
            .await;
        match assumed {
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
            let started = std::time::Instant::now();
            let result = region::collect(&ctx, &sdk, &account, &name).await;
            ctx.progress.region_done(started.elapsed());
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
    "ec2:GetEbsEncryptionByDefault",
    "ec2:GetEbsDefaultKmsKeyId",
    "ec2:DescribeLockedSnapshots",
    "rbin:ListRules",
    "rbin:GetRule",
    "dlm:GetLifecyclePolicies",
    "dlm:GetLifecyclePolicy",
    "backup:ListBackupVaults",
    "backup:GetBackupVaultAccessPolicy",
    "backup:ListRecoveryPointsByBackupVault",
    "backup:ListBackupPlans",
    "backup:GetBackupPlan",
    "backup:ListBackupSelections",
    "backup:GetBackupSelection",
];
