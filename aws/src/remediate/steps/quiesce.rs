//! Application-consistent snapshot sets (`[[consistency]]`): Systems Manager Run Command
//! (`ssm:SendCommand`, then `ssm:GetCommandInvocation` until the command ends) around
//! `ec2:CreateSnapshots`, or `AWSEC2-CreateVssSnapshot`, which snapshots by itself.
//!
//! What keeps an instance from staying quiesced:
//! - before anything else, a run reads the instance's recent commands (and, when they say
//!   nothing, the journal, which records a started pre-step before it is sent): a pre-step
//!   without a post-step after it, sent by any run, gets its post-step first;
//! - after a pre-step is sent, the post-step is sent whatever happens: the pre-step fails or is
//!   late (then only once it has ended, or could no longer start), the snapshot call fails;
//! - nothing is snapshotted unless the pre-step succeeded within `max_freeze_seconds`;
//! - the pre-step itself arms the host's own undo (`deploy/ssm-documents/`), for when
//!   snapguard dies before any of this.
//!
//! SendCommand: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html>;
//! GetCommandInvocation statuses:
//! <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html>.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ssm::types::{Command, CommandFilter, CommandFilterKey, CommandStatus};
use rules::remediation::plan::{
    CreateSnapshots, Quiesce, SsmCommand, Tags, TAG_ACTION_ID, TAG_POST_STEP, TAG_PRE_STEP,
    VSS_DOCUMENT,
};
use rules::remediation::Action;

use super::create_snapshots::{create_set, finish_found, finish_new};
use super::{ec2_tags, mutated, tagged_snapshots, StepResult};
use crate::remediate::{Run, StepErr, StepOk};
use crate::{describe_error, error_code};

/// How long the post-step may take.
const POST_STEP_WAIT: Duration = Duration::from_secs(60);
/// The pre-step's delivery timeout (`SendCommand` `TimeoutSeconds`, at least 30): a pre-step
/// the instance has not started by then never runs, so it cannot quiesce the instance after
/// its post-step.
const PRE_STEP_DELIVERY: Duration = Duration::from_secs(30);
/// How long a pre-step still running at the freeze limit may take to end before the post-step
/// is sent anyway: its delivery timeout and the example document's 60 s.
const PRE_STEP_SETTLE: Duration = Duration::from_secs(120);
/// How far back the instance's history is searched for a pre-step left running by any run:
/// the host's own undo has long fired after that.
const PENDING_LOOKBACK: Duration = Duration::from_secs(3600);
/// How long `AWSEC2-CreateVssSnapshot` may take: it installs or updates its components first.
const VSS_WAIT: Duration = Duration::from_secs(900);
/// Between two `GetCommandInvocation` calls.
const POLL: Duration = Duration::from_millis(500);
/// The most of a command's output a report quotes, in characters.
const OUTPUT_CHARS: usize = 500;

/// How a command ended.
enum CommandOutcome {
    Success,
    /// Why not: the status and the command's output, or the error.
    Failed(String),
}

impl CommandOutcome {
    /// The value of [`TAG_POST_STEP`].
    fn tag_value(&self) -> &'static str {
        match self {
            CommandOutcome::Success => "SUCCESS",
            CommandOutcome::Failed(_) => "FAILED",
        }
    }

    fn describe(&self) -> String {
        match self {
            CommandOutcome::Success => "succeeded".into(),
            CommandOutcome::Failed(why) => format!("failed ({why})"),
        }
    }
}

pub(super) async fn create_quiesced(
    run: &Run,
    action: &Action,
    step: &CreateSnapshots,
    quiesce: &Quiesce,
) -> StepResult {
    match quiesce {
        Quiesce::Commands {
            pre,
            post,
            max_freeze_seconds,
            ..
        } => with_commands(run, action, step, pre, post, *max_freeze_seconds).await,
        Quiesce::Vss { .. } => with_vss(run, action, step).await,
    }
}

async fn with_commands(
    run: &Run,
    action: &Action,
    step: &CreateSnapshots,
    pre: &SsmCommand,
    post: &SsmCommand,
    max_freeze_seconds: u64,
) -> StepResult {
    let (account, region) = (action.account_id.as_str(), action.region.as_str());
    let ec2 = run.connect.ec2(account, region, false)?;
    let ssm = run.connect.ssm(account, region)?;
    let instance = step.instance_id.as_str();
    // A pre-step some earlier run sent (of this plan or another, on this machine or another)
    // and did not see through: the instance may still be quiesced, so resume it first. The
    // instance's command history says; the journal when the history has nothing.
    let last = last_step(&ssm, instance).await;
    let pending = match &last {
        Ok(Some(step)) => step.stage == Stage::Pre,
        Ok(None) => run
            .journal
            .as_ref()
            .is_some_and(|j| j.earlier_pre_step_pending(&action.id)),
        // Cannot tell: a post-step is harmless to repeat.
        Err(_) => true,
    };
    // Past this point a resuming post-step, when one was sent, succeeded.
    let resumed = pending && !run.options.dry_run;
    if resumed {
        let outcome = post_step(run, &ssm, action, instance, post, Resume::First).await?;
        if let CommandOutcome::Failed(why) = &outcome {
            return Err(StepErr::Failed(format!(
                "an earlier pre-step may have left {instance} quiesced, and the post-step ({}) \
                 sent to resume it failed: {why}; nothing else was done",
                post.document
            )));
        }
    }
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if !found.is_empty() {
        return finish_earlier_set(run, &ec2, action, step, &found, resumed, &last).await;
    }
    let pre_tags = Tags::from([(TAG_PRE_STEP.to_owned(), "SUCCESS".to_owned())]);
    if run.options.dry_run {
        // EC2 answers a dry run; Systems Manager has none, so nothing is sent to the instance.
        create_set(run, &ec2, action, step, &pre_tags, "application-consistent").await?;
        return Ok(StepOk::NotChecked(format!(
            "Systems Manager has no dry run: the pre-step ({}) and the post-step ({}) were not \
             sent; ec2:CreateSnapshots would succeed",
            pre.document, post.document
        )));
    }

    // The pre-step, which must succeed within the freeze limit.
    run.log(&action.id, "pre_step_started", None, None)?;
    let freeze = Duration::from_secs(max_freeze_seconds);
    let sent_at = tokio::time::Instant::now();
    let sent = send(
        run,
        &ssm,
        action,
        instance,
        (pre, "pre-step"),
        Some(PRE_STEP_DELIVERY),
        true,
    );
    let not_in_time = match sent.await? {
        Err(why) => Some(why),
        Ok(command_id) => match wait_for(&ssm, &command_id, instance, pre, freeze).await {
            Ended::Success if sent_at.elapsed() < freeze => None,
            Ended::Success => Some(format!(
                "it succeeded only after {} s",
                sent_at.elapsed().as_secs()
            )),
            Ended::Failed(why) => Some(why),
            Ended::Running(status) => {
                // Still running: let it end first, so that the post-step cannot overtake it
                // and resume the instance before it is quiesced.
                let settled = wait_for(&ssm, &command_id, instance, pre, PRE_STEP_SETTLE).await;
                Some(format!(
                    "{} (command {command_id}) was still {status}, and then {}",
                    pre.document,
                    settled.describe()
                ))
            }
        },
    };
    if let Some(why) = not_in_time {
        let resumed = post_step(run, &ssm, action, instance, post, Resume::AfterSet).await?;
        return Err(StepErr::Failed(format!(
            "the pre-step ({}) did not succeed within {max_freeze_seconds} s: {why}; no snapshot \
             was taken, and the post-step ({}) {}",
            pre.document,
            post.document,
            resumed.describe()
        )));
    }

    // The snapshots, then the post-step whatever happened.
    let created = create_set(run, &ec2, action, step, &pre_tags, "application-consistent").await;
    let in_time = sent_at.elapsed() < freeze;
    if matches!(created, Err(StepErr::Interrupted)) {
        return Err(StepErr::Interrupted);
    }
    let resumed = post_step(run, &ssm, action, instance, post, Resume::AfterSet).await?;
    let made = match created {
        Ok(Some(made)) => made,
        Ok(None) => unreachable!("only a dry run makes nothing"),
        Err(e) => {
            let why = match e {
                StepErr::Failed(why) => why,
                StepErr::Interrupted => unreachable!("returned above"),
            };
            return Err(StepErr::Failed(format!(
                "{why}; the post-step ({}) {}",
                post.document,
                resumed.describe()
            )));
        }
    };
    // How it went, on the set: the post-step's outcome, and whether the snapshots were
    // started while the instance was surely still quiesced.
    let mut outcome = Tags::from([(TAG_POST_STEP.to_owned(), resumed.tag_value().to_owned())]);
    if !in_time {
        outcome.insert(TAG_PRE_STEP.to_owned(), "LATE".to_owned());
    }
    tag(run, &ec2, &made.resources, &outcome).await?;
    let snapshots = made.resources.join(", ");
    let done = finish_new(run, &ec2, step, made, false).await?;
    match (resumed, in_time) {
        (CommandOutcome::Failed(why), _) => Err(StepErr::Failed(format!(
            "the snapshots {snapshots} were taken after the pre-step, but the post-step ({}) \
             failed: {why}; the host's own undo resumes the instance after \
             {max_freeze_seconds} s, and the next run sends the post-step again",
            post.document
        ))),
        (CommandOutcome::Success, false) => Err(StepErr::Failed(format!(
            "the snapshots {snapshots} were started only after {max_freeze_seconds} s, when the \
             host may already have resumed by itself: tagged {TAG_PRE_STEP}=LATE, they are no \
             evidence for SG-PROT-012; plan again"
        ))),
        (CommandOutcome::Success, true) => Ok(done),
    }
}

/// A set an earlier run took: tags it with what is known of its post-step (the one just sent
/// and seen to succeed when `resumed`, or the latest of this action in the instance's history;
/// `UNKNOWN` otherwise, since a post-step is not sent again only to learn its outcome) and a
/// pre-step tag it lacks as `UNKNOWN` (when it was started is not known), then finishes its
/// other tags. Snapshots that lack the same tags are tagged in one call.
async fn finish_earlier_set(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    action: &Action,
    step: &CreateSnapshots,
    found: &[aws_sdk_ec2::types::Snapshot],
    resumed: bool,
    last: &Result<Option<LastStep>, String>,
) -> StepResult {
    let has =
        |s: &aws_sdk_ec2::types::Snapshot, key: &str| s.tags().iter().any(|t| t.key() == Some(key));
    let post_outcome = match (resumed, last) {
        (true, _) => CommandOutcome::Success.tag_value(),
        (false, Ok(Some(last))) if last.stage == Stage::Post && last.action_id == action.id => {
            match last.status.as_ref() {
                Some(CommandStatus::Success) => "SUCCESS",
                Some(
                    CommandStatus::Failed | CommandStatus::Cancelled | CommandStatus::TimedOut,
                ) => "FAILED",
                _ => "UNKNOWN",
            }
        }
        _ => "UNKNOWN",
    };
    if !run.options.dry_run {
        let mut missing: BTreeMap<Tags, Vec<String>> = BTreeMap::new();
        for snapshot in found {
            let mut tags = Tags::new();
            if !has(snapshot, TAG_POST_STEP) {
                tags.insert(TAG_POST_STEP.to_owned(), post_outcome.to_owned());
            }
            if !has(snapshot, TAG_PRE_STEP) {
                tags.insert(TAG_PRE_STEP.to_owned(), "UNKNOWN".to_owned());
            }
            if let (false, Some(id)) = (tags.is_empty(), snapshot.snapshot_id()) {
                missing.entry(tags).or_default().push(id.to_owned());
            }
        }
        for (tags, snapshots) in &missing {
            tag(run, ec2, snapshots, tags).await?;
        }
    }
    finish_found(run, ec2, step, found, false).await
}

/// The pre- and post-steps a snapguard command's comment names.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Stage {
    Pre,
    Post,
}

/// The latest pre- or post-step snapguard sent to an instance within [`PENDING_LOOKBACK`].
struct LastStep {
    stage: Stage,
    action_id: String,
    status: Option<CommandStatus>,
}

/// The comment snapguard gives a command: `snapguard <action id>: <what>`.
fn comment(action: &Action, what: &str) -> String {
    format!("snapguard {}: {what}", action.id)
}

/// The instance's latest pre- or post-step, from `ssm:ListCommands`.
async fn last_step(ssm: &aws_sdk_ssm::Client, instance: &str) -> Result<Option<LastStep>, String> {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs();
    let since = aws_smithy_types::DateTime::from_secs(now - PENDING_LOOKBACK.as_secs() as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .map_err(|e| e.to_string())?;
    let commands: Vec<Command> = ssm
        .list_commands()
        .instance_id(instance)
        .filters(
            CommandFilter::builder()
                .key(CommandFilterKey::InvokedAfter)
                .value(since)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| format!("ssm:ListCommands: {}", describe_error(&e)))?;
    let latest = commands
        .iter()
        .filter_map(|c| {
            let (action_id, what) = c.comment()?.strip_prefix("snapguard ")?.split_once(": ")?;
            let stage = match what {
                "pre-step" => Stage::Pre,
                "post-step" => Stage::Post,
                _ => return None,
            };
            Some((c.requested_date_time()?.as_nanos(), stage, action_id, c))
        })
        .max_by_key(|(at, stage, ..)| (*at, *stage == Stage::Post));
    Ok(latest.map(|(_, stage, action_id, c)| LastStep {
        stage,
        action_id: action_id.to_owned(),
        status: c.status().cloned(),
    }))
}

/// When a post-step is sent.
#[derive(Clone, Copy, PartialEq)]
enum Resume {
    /// Before anything else, for a pre-step an earlier run left pending. Sent again by every
    /// run until one sees it succeed, so it is no point for the simulated kill: a kill right
    /// after it would only make the next run send it again, and no run would get further.
    First,
    /// After this run's pre-step (and the snapshots, if any).
    AfterSet,
}

/// Sends the post-step, waits for it and journals how it ended; a pending pre-step is settled
/// only by a post-step that succeeded.
async fn post_step(
    run: &Run,
    ssm: &aws_sdk_ssm::Client,
    action: &Action,
    instance: &str,
    post: &SsmCommand,
    when: Resume,
) -> Result<CommandOutcome, StepErr> {
    let kill_point = when == Resume::AfterSet;
    let sent = send(
        run,
        ssm,
        action,
        instance,
        (post, "post-step"),
        None,
        kill_point,
    )
    .await?;
    let outcome = match sent {
        Err(why) => CommandOutcome::Failed(why),
        Ok(command_id) => match wait_for(ssm, &command_id, instance, post, POST_STEP_WAIT).await {
            Ended::Success => CommandOutcome::Success,
            other => CommandOutcome::Failed(other.describe()),
        },
    };
    let (status, error) = match &outcome {
        CommandOutcome::Success => ("post_step_succeeded", None),
        CommandOutcome::Failed(why) => ("post_step_failed", Some(why.as_str())),
    };
    run.log(&action.id, status, None, error)?;
    Ok(outcome)
}

/// Sets `tags` on the snapshots.
async fn tag(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    snapshots: &[String],
    tags: &Tags,
) -> Result<(), StepErr> {
    let result = ec2
        .create_tags()
        .set_resources(Some(snapshots.to_vec()))
        .set_tags(Some(ec2_tags(tags)))
        .send()
        .await;
    mutated(run, "ec2:CreateTags", result)?;
    Ok(())
}

/// `AWSEC2-CreateVssSnapshot`: VSS freezes the writers, the document snapshots every volume
/// (tagged with this action's id, and `AppConsistent`) and thaws; then the step's tags.
async fn with_vss(run: &Run, action: &Action, step: &CreateSnapshots) -> StepResult {
    let (account, region) = (action.account_id.as_str(), action.region.as_str());
    let ec2 = run.connect.ec2(account, region, false)?;
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if !found.is_empty() {
        return finish_found(run, &ec2, step, &found, true).await;
    }
    if run.options.dry_run {
        return Ok(StepOk::NotChecked(format!(
            "Systems Manager has no dry run: {VSS_DOCUMENT} was not sent"
        )));
    }
    let ssm = run.connect.ssm(account, region)?;
    // Only the action id goes through the document's `tags` (its `Key=..,Value=..;` format
    // cannot carry every tag value); the others are set once the set is found.
    let command = SsmCommand {
        document: VSS_DOCUMENT.to_owned(),
        parameters: BTreeMap::from([
            ("ExcludeBootVolume".to_owned(), vec!["False".to_owned()]),
            (
                "description".to_owned(),
                vec![format!(
                    "snapguard {}: VSS backup of {}",
                    action.id, step.instance_id
                )],
            ),
            (
                "tags".to_owned(),
                vec![format!("Key={TAG_ACTION_ID},Value={}", action.id)],
            ),
        ]),
    };
    let sent = send(
        run,
        &ssm,
        action,
        &step.instance_id,
        (&command, "VSS backup"),
        None,
        true,
    );
    let ended = match sent.await? {
        Err(why) => Ended::Failed(why),
        Ok(id) => wait_for(&ssm, &id, &step.instance_id, &command, VSS_WAIT).await,
    };
    if !matches!(ended, Ended::Success) {
        return Err(StepErr::Failed(format!(
            "{VSS_DOCUMENT} did not succeed: {}; VSS resumes the instance by itself",
            ended.describe()
        )));
    }
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if found.is_empty() {
        return Err(StepErr::Failed(format!(
            "{VSS_DOCUMENT} succeeded, but no snapshot carries {TAG_ACTION_ID}={}",
            action.id
        )));
    }
    finish_new(run, &ec2, step, super::snapshot_made(&found), true).await
}

/// Sends `command` (called `what` in its comment) to the instance, with a delivery timeout
/// when given (not started by then, it never runs): the command id, or why it was not sent.
/// Only the simulated kill (after the send, when it is a `kill_point`) is an `Err`.
async fn send(
    run: &Run,
    ssm: &aws_sdk_ssm::Client,
    action: &Action,
    instance: &str,
    (command, what): (&SsmCommand, &str),
    delivery: Option<Duration>,
    kill_point: bool,
) -> Result<Result<String, String>, StepErr> {
    let sent = ssm
        .send_command()
        .document_name(&command.document)
        .instance_ids(instance)
        .set_parameters(Some(
            command
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
        .set_timeout_seconds(delivery.map(|d| d.as_secs() as i32))
        .comment(comment(action, what))
        .send()
        .await;
    let out = match sent {
        Ok(out) if kill_point => {
            run.sent()?;
            out
        }
        Ok(out) => out,
        Err(e) => return Ok(Err(format!("ssm:SendCommand: {}", describe_error(&e)))),
    };
    Ok(out
        .command()
        .and_then(|c| c.command_id())
        .map(str::to_owned)
        .ok_or_else(|| "ssm:SendCommand answered without a command id".to_owned()))
}

/// How a command ended, or that it had not ended in time.
enum Ended {
    Success,
    /// The status and the command's output, or the error.
    Failed(String),
    /// Not ended in time: its last status.
    Running(String),
}

impl Ended {
    fn describe(&self) -> String {
        match self {
            Ended::Success => "succeeded".into(),
            Ended::Failed(why) => format!("failed ({why})"),
            Ended::Running(status) => format!("had not ended (last status: {status})"),
        }
    }
}

/// Waits, up to `wait`, for a command to end: its status from `ssm:ListCommands` (the
/// command's as a whole, whatever the number of its steps), its output from
/// `ssm:GetCommandInvocation` when it failed.
async fn wait_for(
    ssm: &aws_sdk_ssm::Client,
    command_id: &str,
    instance: &str,
    command: &SsmCommand,
    wait: Duration,
) -> Ended {
    let deadline = tokio::time::Instant::now() + wait;
    let mut last = "not yet listed".to_owned();
    loop {
        let listed = ssm.list_commands().command_id(command_id).send().await;
        let status = match listed {
            Ok(out) => out.commands().first().and_then(|c| c.status()).cloned(),
            Err(e) => {
                return Ended::Failed(format!(
                    "ssm:ListCommands of command {command_id}: {}",
                    describe_error(&e)
                ))
            }
        };
        match status {
            Some(CommandStatus::Success) => return Ended::Success,
            Some(
                status @ (CommandStatus::Failed
                | CommandStatus::Cancelled
                | CommandStatus::Cancelling
                | CommandStatus::TimedOut),
            ) => {
                let output = output(ssm, command_id, instance).await;
                return Ended::Failed(format!(
                    "{} (command {command_id}) ended {}: {output}",
                    command.document,
                    status.as_str()
                ));
            }
            Some(status) => last = status.as_str().to_owned(),
            None => {}
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ended::Running(last);
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// What a failed command wrote (standard error first), shortened; what is known otherwise.
async fn output(ssm: &aws_sdk_ssm::Client, command_id: &str, instance: &str) -> String {
    let invocation = ssm
        .get_command_invocation()
        .command_id(command_id)
        .instance_id(instance)
        .send()
        .await;
    match invocation {
        Ok(invocation) => [
            invocation.standard_error_content(),
            invocation.standard_output_content(),
        ]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|o| !o.is_empty())
        .map(|o| o.chars().take(OUTPUT_CHARS).collect::<String>())
        .unwrap_or_else(|| "no output".into()),
        // A document of several steps names the step to read; the console shows them all.
        Err(e) if error_code(&e) == Some("InvalidPluginName") => {
            "its output is per step: see the command in Systems Manager".into()
        }
        Err(e) => format!(
            "its output could not be read (ssm:GetCommandInvocation: {})",
            describe_error(&e)
        ),
    }
}
