//! The executor: `snapguard remediate apply plan.json`. Runs the typed actions of a plan
//! (`rules::remediation::Plan`) with the EC2, Recycle Bin and STS clients, in dependency order,
//! idempotently and crash-safely (docs/remediation.md, "Idempotency and crash safety"):
//!
//! - everything an action creates carries `snapguard:action-id`, set by the create call itself;
//! - before creating, the executor looks for a resource carrying that tag (made after the plan's
//!   data was collected) and, when there is one, records the action as already done;
//! - non-creating actions read the current state first and change only what differs;
//! - a journal next to the plan records each action's progress, fsync'd line by line;
//! - one failing action does not stop the others; its dependents are skipped;
//! - an interceptor on every client refuses any `Delete*`, `Deregister*`, `Unlock*` or
//!   `Disable*` operation, and any operation the executor does not document ([`guard`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use rules::remediation::{Action, OptIn, Plan, Step};

use crate::session::{base_config, Caller};
use serde::Serialize;

pub mod guard;
pub mod journal;
mod steps;

use journal::{Entry, Journal};

/// The role assumed in the archive account for cross-account copies.
pub const DEFAULT_ARCHIVE_ROLE_NAME: &str = "snapguard-archive";

/// The session name of the roles `apply` assumes, as CloudTrail shows it.
const SESSION_NAME: &str = "snapguard-remediate";

/// How `apply` reaches AWS and how it runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// A named profile of the shared AWS config files (otherwise the standard chain).
    pub profile: Option<String>,
    /// An endpoint for every service (the emulator); `AWS_ENDPOINT_URL` works as well.
    pub endpoint_url: Option<String>,
    /// Role assumed in the plan's accounts other than the caller's.
    pub role_name: String,
    /// The `ExternalId` passed to `sts:AssumeRole` for `role_name`, when its trust policy
    /// requires one.
    pub external_id: Option<String>,
    /// Role assumed (from the caller's credentials) in the archive account.
    pub archive_role_name: String,
    /// Actions in flight at once.
    pub concurrency: usize,
    /// How long a copy waits for its source snapshot to be `completed`.
    pub waiter_timeout: Duration,
    /// Timeout of one operation, all its retries included.
    pub operation_timeout: Duration,
    /// Attempts per operation; `None`: the SDK's own settings, else 5 (as for the scan).
    pub max_attempts: Option<u32>,
    /// Send each mutating EC2 call with `DryRun`; create nothing.
    pub dry_run: bool,
    /// The journal file (`plan.json.journal`); `None`: no journal.
    pub journal: Option<PathBuf>,
    /// Tests and drills: stop the run dead right after this many mutating calls took effect,
    /// as if the process had been killed (nothing more is called or journaled).
    #[doc(hidden)]
    pub interrupt_after_calls: Option<usize>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            profile: None,
            endpoint_url: None,
            role_name: crate::DEFAULT_ROLE_NAME.to_owned(),
            external_id: None,
            archive_role_name: DEFAULT_ARCHIVE_ROLE_NAME.to_owned(),
            concurrency: 4,
            waiter_timeout: Duration::from_secs(3600),
            operation_timeout: Duration::from_secs(60),
            max_attempts: None,
            dry_run: false,
            journal: None,
            interrupt_after_calls: None,
        }
    }
}

/// What became of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    /// The action's calls succeeded.
    Done,
    /// Nothing to do: what the action makes already exists (found by its action-id tag or an
    /// earlier run's journal) or the state already matches.
    AlreadyDone,
    /// The action failed, with why.
    Failed(String),
    /// Not run because a dependency did not succeed, with which.
    Skipped(String),
    /// A review for a person (`Step::ManualReview`); nothing is called.
    ManualReview,
    /// Dry run: the service answered `DryRunOperation`.
    WouldSucceed,
    /// Dry run: the service refused (`UnauthorizedOperation`, or another error).
    WouldFail(String),
    /// Dry run: no way to check (Recycle Bin has no DryRun; a copy of a snapshot not made yet).
    NotChecked(String),
    /// The run was interrupted before this action finished.
    NotRun,
}

impl Outcome {
    /// Whether the action reached (or, in a dry run, would reach) its goal.
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            Outcome::Done
                | Outcome::AlreadyDone
                | Outcome::ManualReview
                | Outcome::WouldSucceed
                | Outcome::NotChecked(_)
        )
    }

    /// The outcome's `snake_case` name, as serialized in `status` (e.g. `already_done`).
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::AlreadyDone => "already_done",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
            Outcome::ManualReview => "manual_review",
            Outcome::WouldSucceed => "would_succeed",
            Outcome::WouldFail(_) => "would_fail",
            Outcome::NotChecked(_) => "not_checked",
            Outcome::NotRun => "not_run",
        }
    }

    /// Why, for the outcomes that carry a reason (`failed`, `skipped`, `would_fail`,
    /// `not_checked`).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Failed(r)
            | Outcome::Skipped(r)
            | Outcome::WouldFail(r)
            | Outcome::NotChecked(r) => Some(r),
            _ => None,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason() {
            Some(r) => write!(f, "{}: {r}", self.status()),
            None => f.write_str(self.status()),
        }
    }
}

/// One action's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ActionReport {
    /// The action's id in the plan (`act-` and 16 hex digits).
    pub id: String,
    /// The step kind, as the plan names it (e.g. `copy_snapshot`).
    pub kind: String,
    /// The account the calls are made in.
    pub account_id: String,
    /// The region the calls are made in (`global` for IAM reviews).
    pub region: String,
    /// The resource acted on.
    pub target: String,
    /// What became of it.
    pub outcome: Outcome,
    /// What the action created or changed (snapshot ids, rule ids, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// What else a reader should know (a share removed on resume, a lock added, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The `--opt-in` the plan was made with that allowed this action, if it needed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_in: Option<OptIn>,
}

/// The result of `apply`, in plan order.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// The run sent its EC2 calls with `DryRun` and created nothing.
    pub dry_run: bool,
    /// The run was stopped (a simulated kill) before every action finished.
    pub interrupted: bool,
    /// One report per action of the plan.
    pub actions: Vec<ActionReport>,
}

impl ApplyReport {
    /// Every action succeeded, was already done, or is a review.
    pub fn all_ok(&self) -> bool {
        !self.interrupted && self.actions.iter().all(|a| a.outcome.is_ok())
    }

    /// How many actions ended with each status.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for a in &self.actions {
            *counts.entry(a.outcome.status()).or_insert(0) += 1;
        }
        counts
    }
}

/// Applies `plan`. Never fails as a whole: what cannot be done is an action's outcome
/// (no credentials: every action fails with that reason).
pub fn apply(plan: &Plan, options: &ApplyOptions) -> ApplyReport {
    if plan
        .actions
        .iter()
        .all(|a| matches!(a.step, Step::ManualReview(_)))
    {
        // Nothing to call: no credentials needed.
        return ApplyReport {
            dry_run: options.dry_run,
            interrupted: false,
            actions: plan
                .actions
                .iter()
                .map(|a| report(a, Outcome::ManualReview, Vec::new(), None))
                .collect(),
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return fail_all(
                plan,
                options,
                &format!("cannot start the async runtime: {e}"),
            )
        }
    };
    runtime.block_on(async {
        match Connect::live(plan, options).await {
            Ok(connect) => run(plan, options, connect).await,
            Err(e) => fail_all(plan, options, &e),
        }
    })
}

/// The clients of one account and region, as a [`ClientFactory`] gives them.
#[doc(hidden)]
pub struct Clients {
    /// EC2.
    pub ec2: aws_sdk_ec2::Client,
    /// Recycle Bin.
    pub rbin: aws_sdk_rbin::Client,
    /// AWS Backup.
    pub backup: aws_sdk_backup::Client,
    /// Systems Manager.
    pub ssm: aws_sdk_ssm::Client,
}

/// Clients for an account and region. Archive-account clients are asked for with the archive
/// account's id.
#[doc(hidden)]
pub type ClientFactory = Arc<dyn Fn(&str, &str) -> Clients + Send + Sync>;

/// [`apply`] with clients the caller builds (tests: `aws-smithy-mocks`). The guard is added
/// to every client all the same.
#[doc(hidden)]
pub fn apply_with_clients(
    plan: &Plan,
    options: &ApplyOptions,
    factory: ClientFactory,
) -> ApplyReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(plan, options, Connect::Given(factory)))
}

fn fail_all(plan: &Plan, options: &ApplyOptions, reason: &str) -> ApplyReport {
    ApplyReport {
        dry_run: options.dry_run,
        interrupted: false,
        actions: plan
            .actions
            .iter()
            .map(|a| report(a, Outcome::Failed(reason.to_owned()), Vec::new(), None))
            .collect(),
    }
}

fn report(
    action: &Action,
    outcome: Outcome,
    resources: Vec<String>,
    detail: Option<String>,
) -> ActionReport {
    ActionReport {
        id: action.id.clone(),
        kind: action.step.kind().to_owned(),
        account_id: action.account_id.clone(),
        region: action.region.clone(),
        target: action.target.clone(),
        outcome,
        resources,
        detail,
        opt_in: action.step.opt_in(),
    }
}

/// Credentials per account, resolved once before any action runs.
pub(crate) enum Connect {
    Live {
        /// Account -> its SDK config (the caller's, or an assumed role's), or why not.
        members: HashMap<String, Result<SdkConfig, String>>,
        /// Archive account -> the archive role's SDK config, or why not.
        archives: HashMap<String, Result<SdkConfig, String>>,
    },
    Given(ClientFactory),
}

impl Connect {
    async fn live(plan: &Plan, options: &ApplyOptions) -> Result<Connect, String> {
        let base = base_config(
            options.profile.as_deref(),
            options.endpoint_url.as_deref(),
            options.operation_timeout,
            options.max_attempts,
            None,
        )
        .await?;
        let sts = aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(&base).build());
        let caller = Caller::identify(&sts).await.map_err(|e| e.to_string())?;
        let accounts: BTreeSet<&str> = plan
            .actions
            .iter()
            .filter(|a| !matches!(a.step, Step::ManualReview(_)))
            .map(|a| a.account_id.as_str())
            .collect();
        let archive_accounts: BTreeSet<&str> = plan
            .actions
            .iter()
            .filter_map(|a| match &a.step {
                Step::CopySnapshotToAccount(c) => Some(c.archive_account.as_str()),
                _ => None,
            })
            .collect();
        let members = caller
            .configs_for(
                &sts,
                &base,
                accounts,
                &options.role_name,
                SESSION_NAME,
                options.external_id.as_deref(),
            )
            .await;
        let mut archives = HashMap::new();
        for account in archive_accounts {
            let config = caller
                .assume_role(
                    &sts,
                    &base,
                    account,
                    &options.archive_role_name,
                    SESSION_NAME,
                    None,
                )
                .await;
            archives.insert(account.to_owned(), config);
        }
        Ok(Connect::Live { members, archives })
    }

    fn config(&self, account: &str, archive: bool) -> Result<&SdkConfig, String> {
        let Connect::Live { members, archives } = self else {
            unreachable!("only live connections hold configs")
        };
        let map = if archive { archives } else { members };
        match map.get(account) {
            Some(Ok(config)) => Ok(config),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("no credentials for account {account}")),
        }
    }

    /// The guarded client of one service for an account (its archive role's with `archive`)
    /// and region.
    fn client<C>(
        &self,
        account: &str,
        region: &str,
        archive: bool,
        given: impl Fn(&Clients) -> C,
        live: impl Fn(&SdkConfig, Region) -> C,
    ) -> Result<C, String> {
        match self {
            Connect::Given(factory) => Ok(given(&factory(account, region))),
            Connect::Live { .. } => Ok(live(
                self.config(account, archive)?,
                Region::new(region.to_owned()),
            )),
        }
    }
}

/// `Connect::$name(account, region)`: the guarded `$sdk` client (for EC2 also `archive`).
macro_rules! service_client {
    ($name:ident, $sdk:ident $(, $archive:ident)?) => {
        impl Connect {
            fn $name(
                &self,
                account: &str,
                region: &str,
                $($archive: bool,)?
            ) -> Result<$sdk::Client, String> {
                let archive = false $(|| $archive)?;
                self.client(
                    account,
                    region,
                    archive,
                    |given| guard::$name(&given.$name),
                    |sdk, region| {
                        $sdk::Client::from_conf(
                            $sdk::config::Builder::from(sdk)
                                .region(region)
                                .interceptor(guard::NoDestructiveCalls)
                                .build(),
                        )
                    },
                )
            }
        }
    };
}

service_client!(ec2, aws_sdk_ec2, archive);
service_client!(rbin, aws_sdk_rbin);
service_client!(backup, aws_sdk_backup);
service_client!(ssm, aws_sdk_ssm);

/// What a creating action made: ids, and for snapshots volume -> snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Made {
    pub resources: Vec<String>,
    pub by_volume: BTreeMap<String, String>,
    pub detail: Option<String>,
}

/// How a step ended, short of failing.
#[derive(Debug)]
pub(crate) enum StepOk {
    Done(Made),
    AlreadyDone(Made),
    WouldSucceed,
    NotChecked(String),
}

/// Why a step did not end well.
#[derive(Debug)]
pub(crate) enum StepErr {
    Failed(String),
    /// The simulated kill happened during this step.
    Interrupted,
}

impl From<String> for StepErr {
    fn from(s: String) -> StepErr {
        StepErr::Failed(s)
    }
}

/// What every action of one run shares.
pub(crate) struct Run {
    pub options: ApplyOptions,
    pub connect: Connect,
    pub journal: Option<Journal>,
    /// The plan's `created_at`: a tagged resource older than this belongs to an earlier plan.
    pub since: i64,
    /// Outcomes (and what was made) of finished actions, for their dependents.
    pub finished: Mutex<HashMap<String, (Outcome, Made)>>,
    pub mutating_calls: AtomicUsize,
    pub interrupted: AtomicBool,
}

impl Run {
    /// Records that a mutating call took effect; `Err` when the simulated kill happens now.
    pub fn sent(&self) -> Result<(), StepErr> {
        let n = self.mutating_calls.fetch_add(1, Ordering::SeqCst) + 1;
        match self.options.interrupt_after_calls {
            Some(limit) if n >= limit => {
                self.interrupted.store(true, Ordering::SeqCst);
                Err(StepErr::Interrupted)
            }
            _ => Ok(()),
        }
    }

    pub fn log(
        &self,
        action: &str,
        status: &str,
        made: Option<&Made>,
        error: Option<&str>,
    ) -> Result<(), String> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        journal.append(&Entry {
            time: journal::now(),
            plan_created_at: self.since,
            action_id: action.to_owned(),
            status: status.to_owned(),
            resources: made.map(|m| m.resources.clone()).unwrap_or_default(),
            by_volume: made.map(|m| m.by_volume.clone()).unwrap_or_default(),
            error: error.map(str::to_owned),
        })
    }
}

async fn run(plan: &Plan, options: &ApplyOptions, connect: Connect) -> ApplyReport {
    let journal = match &options.journal {
        Some(path) => match Journal::open(path, plan.created_at.0) {
            Ok(j) => Some(j),
            Err(e) => return fail_all(plan, options, &e),
        },
        None => None,
    };
    let run = Arc::new(Run {
        options: options.clone(),
        connect,
        journal,
        since: plan.created_at.0,
        finished: Mutex::new(HashMap::new()),
        mutating_calls: AtomicUsize::new(0),
        interrupted: AtomicBool::new(false),
    });

    // Waves: an action runs once everything it depends on has finished (plans list
    // dependencies before dependents, so one pass assigns every wave).
    let mut wave_of: HashMap<&str, usize> = HashMap::new();
    for action in &plan.actions {
        let wave = action
            .depends_on
            .iter()
            .filter_map(|d| wave_of.get(d.as_str()))
            .map(|w| w + 1)
            .max()
            .unwrap_or(0);
        wave_of.insert(&action.id, wave);
    }
    let waves = wave_of.values().copied().max().map_or(0, |w| w + 1);
    let slots = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut outcomes: HashMap<String, ActionReport> = HashMap::new();
    for wave in 0..waves {
        let mut tasks = tokio::task::JoinSet::new();
        for action in plan
            .actions
            .iter()
            .filter(|a| wave_of[a.id.as_str()] == wave)
        {
            let run = run.clone();
            let action = action.clone();
            let slots = slots.clone();
            tasks.spawn(async move {
                let _slot = slots.acquire().await.expect("semaphore open");
                let result = run_action(&run, &action).await;
                (action.id.clone(), result)
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((id, report)) => {
                    outcomes.insert(id, report);
                }
                Err(e) => {
                    // A panicking action: its report is written below as failed.
                    eprintln!("warning: an action task failed: {e}");
                }
            }
        }
    }
    let interrupted = run.interrupted.load(Ordering::SeqCst);
    let actions = plan
        .actions
        .iter()
        .map(|a| {
            outcomes.remove(&a.id).unwrap_or_else(|| {
                report(
                    a,
                    Outcome::Failed("the action's task failed".into()),
                    Vec::new(),
                    None,
                )
            })
        })
        .collect();
    ApplyReport {
        dry_run: options.dry_run,
        interrupted,
        actions,
    }
}

async fn run_action(run: &Run, action: &Action) -> ActionReport {
    if run.interrupted.load(Ordering::SeqCst) {
        return report(action, Outcome::NotRun, Vec::new(), None);
    }
    // Dependencies first.
    let blocked = {
        let finished = run.finished.lock().unwrap();
        action
            .depends_on
            .iter()
            .find_map(|d| match finished.get(d) {
                Some((o, _)) if o.is_ok() => None,
                Some((o, _)) => Some(format!("dependency {d} {}", o.status().replace('_', " "))),
                None => Some(format!("dependency {d} did not run")),
            })
    };
    let (outcome, made) = if let Some(reason) = blocked {
        (Outcome::Skipped(reason), Made::default())
    } else if matches!(action.step, Step::ManualReview(_)) {
        (Outcome::ManualReview, Made::default())
    } else {
        if !run.options.dry_run {
            if let Err(e) = run.log(&action.id, "started", None, None) {
                return report(action, Outcome::Failed(e), Vec::new(), None);
            }
        }
        match steps::execute(run, action).await {
            Ok(StepOk::Done(made)) => (Outcome::Done, made),
            Ok(StepOk::AlreadyDone(made)) => (Outcome::AlreadyDone, made),
            Ok(StepOk::WouldSucceed) => (Outcome::WouldSucceed, Made::default()),
            Ok(StepOk::NotChecked(why)) => (Outcome::NotChecked(why), Made::default()),
            Err(StepErr::Failed(e)) if run.options.dry_run => {
                (Outcome::WouldFail(e), Made::default())
            }
            Err(StepErr::Failed(e)) => (Outcome::Failed(e), Made::default()),
            Err(StepErr::Interrupted) => {
                return report(action, Outcome::NotRun, Vec::new(), None);
            }
        }
    };
    if run.interrupted.load(Ordering::SeqCst) && !matches!(outcome, Outcome::Skipped(_)) {
        // Killed meanwhile: nothing is journaled after the kill.
        return report(action, Outcome::NotRun, Vec::new(), None);
    }
    let status = match &outcome {
        Outcome::Done => "succeeded",
        other => other.status(),
    };
    let journal_error = run
        .log(&action.id, status, Some(&made), outcome.reason())
        .err();
    let detail = match (made.detail.clone(), journal_error) {
        (d, None) => d,
        (None, Some(j)) => Some(j),
        (Some(d), Some(j)) => Some(format!("{d}; {j}")),
    };
    run.finished
        .lock()
        .unwrap()
        .insert(action.id.clone(), (outcome.clone(), made.clone()));
    report(action, outcome, made.resources, detail)
}
