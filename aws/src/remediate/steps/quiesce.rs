//! Application-consistent snapshot sets (`[[consistency]]`): Systems Manager Run Command
//! (`ssm:SendCommand`, then `ssm:GetCommandInvocation` until the command ends) around
//! `ec2:CreateSnapshots`, or `AWSEC2-CreateVssSnapshot`, which snapshots by itself.
//!
//! What keeps an instance from staying quiesced:
//! - the journal records a started pre-step before it is sent, and a run that finds one without
//!   a post-step after it sends the post-step before anything else;
//! - after a pre-step is sent, the post-step is sent whatever happens: the pre-step fails or is
//!   late, the snapshot call fails, the set was already there;
//! - nothing is snapshotted unless the pre-step succeeded within `max_freeze_seconds`;
//! - the pre-step itself arms the host's own undo (`deploy/ssm-documents/`), for when
//!   snapguard dies before any of this.
//!
//! SendCommand: <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html>;
//! GetCommandInvocation statuses:
//! <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html>.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ssm::types::CommandInvocationStatus;
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
    if run.journal.is_none() && !run.options.dry_run {
        return Err(StepErr::Failed(
            "a quiesced snapshot set needs the journal, which is what tells a run after a \
             crash to resume the instance first; apply with a journal"
                .into(),
        ));
    }
    // A pre-step an earlier run sent and did not see through: resume the instance first.
    let pending = run
        .journal
        .as_ref()
        .is_some_and(|j| j.earlier_pre_step_pending(&action.id));
    let mut resumed = None;
    if pending && !run.options.dry_run {
        resumed = Some(post_step(run, &ssm, action, instance, post, Resume::First).await?);
    }
    let found = tagged_snapshots(run, &ec2, &action.id, None).await?;
    if !found.is_empty() {
        // The set an earlier run took after its pre-step: record its post-step's outcome.
        let untagged: Vec<String> = found
            .iter()
            .filter(|s| !s.tags().iter().any(|t| t.key() == Some(TAG_POST_STEP)))
            .filter_map(|s| s.snapshot_id().map(str::to_owned))
            .collect();
        if !untagged.is_empty() && !run.options.dry_run {
            let outcome = match resumed {
                Some(outcome) => outcome,
                None => post_step(run, &ssm, action, instance, post, Resume::AfterSet).await?,
            };
            tag_outcome(run, &ec2, &untagged, &outcome).await?;
        }
        return finish_found(run, &ec2, step, &found, false).await;
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
    run.log(&action.id, "pre_step_started", None, None)?;
    let freeze = Duration::from_secs(max_freeze_seconds);
    let quiesced =
        run_command(run, &ssm, action, instance, (pre, "pre-step"), freeze, true).await?;
    if let CommandOutcome::Failed(why) = quiesced {
        let resumed = post_step(run, &ssm, action, instance, post, Resume::AfterSet).await?;
        return Err(StepErr::Failed(format!(
            "the pre-step ({}) did not succeed within {max_freeze_seconds} s: {why}; no snapshot \
             was taken, and the post-step ({}) {}",
            pre.document,
            post.document,
            resumed.describe()
        )));
    }
    let created = create_set(run, &ec2, action, step, &pre_tags, "application-consistent").await;
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
    tag_outcome(run, &ec2, &made.resources, &resumed).await?;
    let snapshots = made.resources.join(", ");
    let done = finish_new(run, &ec2, step, made, false).await?;
    match resumed {
        CommandOutcome::Success => Ok(done),
        CommandOutcome::Failed(why) => Err(StepErr::Failed(format!(
            "the snapshots {snapshots} were taken after the pre-step, but the post-step ({}) \
             failed: {why}; the host's own undo resumes the instance after \
             {max_freeze_seconds} s, and the next run sends the post-step again",
            post.document
        ))),
    }
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

/// Sends the post-step and journals how it ended; a pending pre-step is settled only by a
/// post-step that succeeded.
async fn post_step(
    run: &Run,
    ssm: &aws_sdk_ssm::Client,
    action: &Action,
    instance: &str,
    post: &SsmCommand,
    when: Resume,
) -> Result<CommandOutcome, StepErr> {
    let kill_point = when == Resume::AfterSet;
    let outcome = run_command(
        run,
        ssm,
        action,
        instance,
        (post, "post-step"),
        POST_STEP_WAIT,
        kill_point,
    )
    .await?;
    let (status, error) = match &outcome {
        CommandOutcome::Success => ("post_step_succeeded", None),
        CommandOutcome::Failed(why) => ("post_step_failed", Some(why.as_str())),
    };
    run.log(&action.id, status, None, error)?;
    Ok(outcome)
}

/// Tags the snapshots with the post-step's outcome.
async fn tag_outcome(
    run: &Run,
    ec2: &aws_sdk_ec2::Client,
    snapshots: &[String],
    outcome: &CommandOutcome,
) -> Result<(), StepErr> {
    let tags = Tags::from([(TAG_POST_STEP.to_owned(), outcome.tag_value().to_owned())]);
    let result = ec2
        .create_tags()
        .set_resources(Some(snapshots.to_vec()))
        .set_tags(Some(ec2_tags(&tags)))
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
    let outcome = run_command(
        run,
        &ssm,
        action,
        &step.instance_id,
        (&command, "VSS backup"),
        VSS_WAIT,
        true,
    )
    .await?;
    if let CommandOutcome::Failed(why) = outcome {
        return Err(StepErr::Failed(format!(
            "{VSS_DOCUMENT} did not succeed: {why}; VSS resumes the instance by itself"
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

/// Sends `command` (called `what` in its comment) to the instance and waits, up to `wait`, for
/// it to end. A command that could not be sent, failed, or did not end in time is `Failed`;
/// only the simulated kill (after the send, when it is a `kill_point`) is an `Err`.
async fn run_command(
    run: &Run,
    ssm: &aws_sdk_ssm::Client,
    action: &Action,
    instance: &str,
    (command, what): (&SsmCommand, &str),
    wait: Duration,
    kill_point: bool,
) -> Result<CommandOutcome, StepErr> {
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
        .comment(format!("snapguard {}: {what}", action.id))
        .send()
        .await;
    let out = match sent {
        Ok(out) if kill_point => {
            run.sent()?;
            out
        }
        Ok(out) => out,
        Err(e) => {
            return Ok(CommandOutcome::Failed(format!(
                "ssm:SendCommand: {}",
                describe_error(&e)
            )))
        }
    };
    let Some(command_id) = out.command().and_then(|c| c.command_id()) else {
        return Ok(CommandOutcome::Failed(
            "ssm:SendCommand answered without a command id".into(),
        ));
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut last = "not yet registered".to_owned();
    loop {
        let got = ssm
            .get_command_invocation()
            .command_id(command_id)
            .instance_id(instance)
            .send()
            .await;
        match got {
            Ok(invocation) => match invocation.status() {
                Some(CommandInvocationStatus::Success) => return Ok(CommandOutcome::Success),
                Some(
                    status @ (CommandInvocationStatus::Failed
                    | CommandInvocationStatus::Cancelled
                    | CommandInvocationStatus::Cancelling
                    | CommandInvocationStatus::TimedOut),
                ) => {
                    let output = [
                        invocation.standard_error_content(),
                        invocation.standard_output_content(),
                    ]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .find(|o| !o.is_empty())
                    .map(|o| o.chars().take(OUTPUT_CHARS).collect::<String>())
                    .unwrap_or_else(|| "no output".into());
                    return Ok(CommandOutcome::Failed(format!(
                        "{} (command {command_id}) ended {}: {output}",
                        command.document,
                        status.as_str()
                    )));
                }
                Some(status) => last = status.as_str().to_owned(),
                None => last = "no status".into(),
            },
            // Just sent: the invocation may not be registered yet.
            Err(e) if error_code(&e) == Some("InvocationDoesNotExist") => {}
            Err(e) => {
                return Ok(CommandOutcome::Failed(format!(
                    "ssm:GetCommandInvocation of command {command_id}: {}",
                    describe_error(&e)
                )))
            }
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(CommandOutcome::Failed(format!(
                "{} (command {command_id}) did not end within {} s (last status: {last})",
                command.document,
                wait.as_secs()
            )));
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}
