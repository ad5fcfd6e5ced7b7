//! What the emulator lacks, through `aws-smithy-mocks`: Recycle Bin rules created (locked),
//! found again by their action-id tag, and locked; snapshot and AMI block public access;
//! snapshot locks; AWS Backup backup and copy jobs; a dry run's verdicts; and the guard that
//! refuses every destructive operation.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_ec2::operation::enable_image_block_public_access::{
    EnableImageBlockPublicAccessError, EnableImageBlockPublicAccessOutput,
};
use aws_sdk_ec2::operation::enable_snapshot_block_public_access::{
    EnableSnapshotBlockPublicAccessError, EnableSnapshotBlockPublicAccessOutput,
};
use aws_sdk_ec2::operation::get_image_block_public_access_state::GetImageBlockPublicAccessStateOutput;
use aws_sdk_ec2::operation::get_snapshot_block_public_access_state::GetSnapshotBlockPublicAccessStateOutput;
use aws_sdk_ec2::types::{ImageBlockPublicAccessEnabledState, SnapshotBlockPublicAccessState};
use aws_sdk_rbin::operation::create_rule::CreateRuleOutput;
use aws_sdk_rbin::operation::get_rule::GetRuleOutput;
use aws_sdk_rbin::operation::list_rules::ListRulesOutput;
use aws_sdk_rbin::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_rbin::operation::lock_rule::LockRuleOutput;
use aws_sdk_rbin::types::{LockState, RuleSummary};
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use rules::remediation::plan::{CreateRetentionRule, LockRetentionRule, TAG_ACTION_ID};
use rules::remediation::{Action, Plan, PlanFilter, Step};
use snapguard_aws::remediate::{self, ApplyOptions, ClientFactory, Clients, Outcome};
use snapguard_test_support::sent::{changes_sent, is_read, SentOperations};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules.iter().fold(
        MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, r| i.with_rule(r),
    )
}

/// `$name(rules)`: a client of `$sdk` answering from `rules`, without retries.
macro_rules! mock_client {
    ($name:ident, $sdk:ident) => {
        fn $name(rules: &[&Rule]) -> $sdk::Client {
            let conf = $sdk::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(REGION))
                .credentials_provider(Credentials::new("a", "b", None, None, "test"))
                .retry_config(RetryConfig::disabled())
                .http_client(create_mock_http_client())
                .interceptor(interceptor(rules))
                .build();
            $sdk::Client::from_conf(conf)
        }
    };
}

mock_client!(ec2, aws_sdk_ec2);
mock_client!(rbin, aws_sdk_rbin);
mock_client!(backup, aws_sdk_backup);
mock_client!(ssm, aws_sdk_ssm);

fn factory(ec2: aws_sdk_ec2::Client, rbin: aws_sdk_rbin::Client) -> ClientFactory {
    with_backup(ec2, rbin, backup(&[]))
}

fn with_backup(
    ec2: aws_sdk_ec2::Client,
    rbin: aws_sdk_rbin::Client,
    backup: aws_sdk_backup::Client,
) -> ClientFactory {
    let ssm = ssm(&[]);
    Arc::new(move |_account: &str, _region: &str| Clients {
        ec2: ec2.clone(),
        rbin: rbin.clone(),
        backup: backup.clone(),
        ssm: ssm.clone(),
    })
}

fn with_ssm(ec2: aws_sdk_ec2::Client, ssm: aws_sdk_ssm::Client) -> ClientFactory {
    let (rbin, backup) = (rbin(&[]), backup(&[]));
    Arc::new(move |_account: &str, _region: &str| Clients {
        ec2: ec2.clone(),
        rbin: rbin.clone(),
        backup: backup.clone(),
        ssm: ssm.clone(),
    })
}

fn action(id: &str, step: Step, target: &str) -> Action {
    Action {
        id: id.into(),
        calls: step.calls(),
        safety: step.safety(),
        step,
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        target: target.into(),
        resolves: Vec::new(),
        rules: Vec::new(),
        depends_on: Vec::new(),
        note: None,
    }
}

fn plan(actions: Vec<Action>) -> Plan {
    Plan {
        schema_version: 1,
        created_at: Default::default(),
        scope: PlanFilter::default(),
        actions,
        not_planned: Vec::new(),
    }
}

fn outcomes(report: &remediate::ApplyReport) -> BTreeMap<String, Outcome> {
    report
        .actions
        .iter()
        .map(|a| (a.kind.clone(), a.outcome.clone()))
        .collect()
}

const RULE_ACTION: &str = "act-00000000000000a1";

fn guardrail_plan() -> Plan {
    plan(vec![
        action(
            RULE_ACTION,
            Step::CreateRetentionRule(CreateRetentionRule {
                resource_type: "EBS_SNAPSHOT".into(),
                retention_days: 14,
                unlock_delay_days: Some(7),
                tags: [(TAG_ACTION_ID.to_owned(), RULE_ACTION.to_owned())].into(),
            }),
            "EBS_SNAPSHOT",
        ),
        action(
            "act-00000000000000a2",
            Step::LockRetentionRule(LockRetentionRule {
                rule_id: "rule-old".into(),
                unlock_delay_days: 7,
            }),
            "rule-old",
        ),
        action(
            "act-00000000000000a3",
            Step::EnableSnapshotBlockPublicAccess,
            "bpa",
        ),
        action(
            "act-00000000000000a4",
            Step::EnableImageBlockPublicAccess,
            "bpa",
        ),
    ])
}

#[test]
fn recycle_bin_rules_and_block_public_access_are_set_once() {
    // First run: nothing there yet.
    let list_empty =
        mock!(aws_sdk_rbin::Client::list_rules).then_output(|| ListRulesOutput::builder().build());
    let create_rule = mock!(aws_sdk_rbin::Client::create_rule)
        .match_requests(|r| {
            r.retention_period().map(|p| p.retention_period_value()) == Some(14)
                && r.lock_configuration()
                    .and_then(|l| l.unlock_delay())
                    .map(|d| d.unlock_delay_value())
                    == Some(7)
                && r.tags()
                    .iter()
                    .any(|t| t.key() == TAG_ACTION_ID && t.value() == RULE_ACTION)
        })
        .then_output(|| {
            CreateRuleOutput::builder()
                .identifier("rule-new")
                .lock_state(LockState::Locked)
                .build()
        });
    let get_old = mock!(aws_sdk_rbin::Client::get_rule)
        .match_requests(|r| r.identifier() == Some("rule-old"))
        .then_output(|| {
            GetRuleOutput::builder()
                .identifier("rule-old")
                .lock_state(LockState::Unlocked)
                .build()
        });
    let lock = mock!(aws_sdk_rbin::Client::lock_rule)
        .match_requests(|r| r.identifier() == Some("rule-old"))
        .then_output(|| LockRuleOutput::builder().identifier("rule-old").build());
    let snapshot_state = mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state)
        .then_output(|| {
            GetSnapshotBlockPublicAccessStateOutput::builder()
                .state(SnapshotBlockPublicAccessState::Unblocked)
                .build()
        });
    let enable_snapshot = mock!(aws_sdk_ec2::Client::enable_snapshot_block_public_access)
        .match_requests(|r| r.state() == Some(&SnapshotBlockPublicAccessState::BlockAllSharing))
        .then_output(|| {
            EnableSnapshotBlockPublicAccessOutput::builder()
                .state(SnapshotBlockPublicAccessState::BlockAllSharing)
                .build()
        });
    let image_state =
        mock!(aws_sdk_ec2::Client::get_image_block_public_access_state).then_output(|| {
            GetImageBlockPublicAccessStateOutput::builder()
                .image_block_public_access_state("unblocked")
                .build()
        });
    let enable_image = mock!(aws_sdk_ec2::Client::enable_image_block_public_access)
        .match_requests(|r| {
            r.image_block_public_access_state()
                == Some(&ImageBlockPublicAccessEnabledState::BlockNewSharing)
        })
        .then_output(|| EnableImageBlockPublicAccessOutput::builder().build());
    let plan = guardrail_plan();
    let sent = SentOperations::new();
    let report = remediate::apply_with_clients(
        &plan,
        &ApplyOptions::default(),
        factory(
            sent.ec2(&ec2(&[
                &snapshot_state,
                &enable_snapshot,
                &image_state,
                &enable_image,
            ])),
            sent.rbin(&rbin(&[&list_empty, &create_rule, &get_old, &lock])),
        ),
    );
    assert!(report.all_ok(), "{:#?}", report);
    assert!(
        report.actions.iter().all(|a| a.outcome == Outcome::Done),
        "{report:#?}"
    );
    assert_eq!(report.actions[0].resources, ["rule-new"]);
    assert_eq!(create_rule.num_calls(), 1);
    assert_eq!(lock.num_calls(), 1);
    assert_eq!(enable_snapshot.num_calls(), 1);
    assert_eq!(enable_image.num_calls(), 1);
    // What the executor sent: nothing destructive and, besides reads, exactly the calls the
    // plan lists for its actions.
    let first = sent.all();
    let changed = changes_sent(&first);
    let listed: BTreeSet<&str> = plan
        .actions
        .iter()
        .flat_map(|a| &a.calls)
        .map(String::as_str)
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([
            "rbin:CreateRule",
            "rbin:LockRule",
            "ec2:EnableSnapshotBlockPublicAccess",
            "ec2:EnableImageBlockPublicAccess",
        ])
    );
    assert_eq!(changed, listed, "sent (besides reads) / listed in the plan");
    sent.clear();

    // Second run: the rule is found by its tag (and is locked), the lock is on, block public
    // access is on: nothing is called but reads.
    let list_found = mock!(aws_sdk_rbin::Client::list_rules).then_output(|| {
        ListRulesOutput::builder()
            .rules(
                RuleSummary::builder()
                    .identifier("rule-new")
                    .rule_arn("arn:aws:rbin:us-east-1:123456789012:rule/rule-new")
                    .lock_state(LockState::Locked)
                    .build(),
            )
            .build()
    });
    let tags = mock!(aws_sdk_rbin::Client::list_tags_for_resource).then_output(|| {
        ListTagsForResourceOutput::builder()
            .tags(
                aws_sdk_rbin::types::Tag::builder()
                    .key(TAG_ACTION_ID)
                    .value(RULE_ACTION)
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let get_locked = mock!(aws_sdk_rbin::Client::get_rule).then_output(|| {
        GetRuleOutput::builder()
            .identifier("rule-old")
            .lock_state(LockState::Locked)
            .build()
    });
    let create_again = mock!(aws_sdk_rbin::Client::create_rule)
        .then_output(|| CreateRuleOutput::builder().identifier("rule-dup").build());
    let lock_again =
        mock!(aws_sdk_rbin::Client::lock_rule).then_output(|| LockRuleOutput::builder().build());
    let snapshot_on = mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state)
        .then_output(|| {
            GetSnapshotBlockPublicAccessStateOutput::builder()
                .state(SnapshotBlockPublicAccessState::BlockAllSharing)
                .build()
        });
    let image_on =
        mock!(aws_sdk_ec2::Client::get_image_block_public_access_state).then_output(|| {
            GetImageBlockPublicAccessStateOutput::builder()
                .image_block_public_access_state("block-new-sharing")
                .build()
        });
    let enable_again = mock!(aws_sdk_ec2::Client::enable_snapshot_block_public_access)
        .then_output(|| EnableSnapshotBlockPublicAccessOutput::builder().build());
    let report = remediate::apply_with_clients(
        &plan,
        &ApplyOptions::default(),
        factory(
            sent.ec2(&ec2(&[&snapshot_on, &image_on, &enable_again])),
            sent.rbin(&rbin(&[
                &list_found,
                &tags,
                &get_locked,
                &create_again,
                &lock_again,
            ])),
        ),
    );
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.outcome == Outcome::AlreadyDone),
        "{report:#?}"
    );
    assert_eq!(report.actions[0].resources, ["rule-new"]);
    assert_eq!(create_again.num_calls(), 0);
    assert_eq!(lock_again.num_calls(), 0);
    assert_eq!(enable_again.num_calls(), 0);
    let second = sent.all();
    assert!(!second.is_empty());
    assert!(second.iter().all(|op| is_read(op)), "{second:?}");
}

#[test]
fn a_dry_run_reports_what_would_fail_and_leaves_recycle_bin_unchecked() {
    let list_empty =
        mock!(aws_sdk_rbin::Client::list_rules).then_output(|| ListRulesOutput::builder().build());
    let create_rule = mock!(aws_sdk_rbin::Client::create_rule)
        .then_output(|| CreateRuleOutput::builder().identifier("rule-new").build());
    let get_old = mock!(aws_sdk_rbin::Client::get_rule).then_output(|| {
        GetRuleOutput::builder()
            .identifier("rule-old")
            .lock_state(LockState::Unlocked)
            .build()
    });
    let lock =
        mock!(aws_sdk_rbin::Client::lock_rule).then_output(|| LockRuleOutput::builder().build());
    let snapshot_state = mock!(aws_sdk_ec2::Client::get_snapshot_block_public_access_state)
        .then_output(|| {
            GetSnapshotBlockPublicAccessStateOutput::builder()
                .state(SnapshotBlockPublicAccessState::Unblocked)
                .build()
        });
    let enable_snapshot = mock!(aws_sdk_ec2::Client::enable_snapshot_block_public_access)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            EnableSnapshotBlockPublicAccessError::generic(
                ErrorMetadata::builder()
                    .code("DryRunOperation")
                    .message("Request would have succeeded, but DryRun flag is set.")
                    .build(),
            )
        });
    let image_state =
        mock!(aws_sdk_ec2::Client::get_image_block_public_access_state).then_output(|| {
            GetImageBlockPublicAccessStateOutput::builder()
                .image_block_public_access_state("unblocked")
                .build()
        });
    let enable_image = mock!(aws_sdk_ec2::Client::enable_image_block_public_access)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            EnableImageBlockPublicAccessError::generic(
                ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("You are not authorized to perform this operation.")
                    .build(),
            )
        });
    let report = remediate::apply_with_clients(
        &guardrail_plan(),
        &ApplyOptions {
            dry_run: true,
            ..ApplyOptions::default()
        },
        factory(
            ec2(&[
                &snapshot_state,
                &enable_snapshot,
                &image_state,
                &enable_image,
            ]),
            rbin(&[&list_empty, &create_rule, &get_old, &lock]),
        ),
    );
    let outcomes = outcomes(&report);
    assert_eq!(
        outcomes["enable_snapshot_block_public_access"],
        Outcome::WouldSucceed
    );
    let Outcome::WouldFail(why) = &outcomes["enable_image_block_public_access"] else {
        panic!("{outcomes:#?}");
    };
    assert!(
        why.contains("not permitted") && why.contains("UnauthorizedOperation"),
        "{why}"
    );
    assert!(
        matches!(&outcomes["create_retention_rule"], Outcome::NotChecked(w) if w.contains("no DryRun"))
    );
    assert!(matches!(
        &outcomes["lock_retention_rule"],
        Outcome::NotChecked(_)
    ));
    assert!(!report.all_ok());
    assert_eq!(create_rule.num_calls(), 0);
    assert_eq!(lock.num_calls(), 0);
}

#[test]
fn the_guard_refuses_destructive_operations_before_they_are_sent() {
    let delete_snapshot = mock!(aws_sdk_ec2::Client::delete_snapshot).then_output(|| {
        aws_sdk_ec2::operation::delete_snapshot::DeleteSnapshotOutput::builder().build()
    });
    let deregister = mock!(aws_sdk_ec2::Client::deregister_image).then_output(|| {
        aws_sdk_ec2::operation::deregister_image::DeregisterImageOutput::builder().build()
    });
    let disable = mock!(aws_sdk_ec2::Client::disable_snapshot_block_public_access).then_output(|| {
        aws_sdk_ec2::operation::disable_snapshot_block_public_access::DisableSnapshotBlockPublicAccessOutput::builder().build()
    });
    let unlock = mock!(aws_sdk_rbin::Client::unlock_rule)
        .then_output(|| aws_sdk_rbin::operation::unlock_rule::UnlockRuleOutput::builder().build());
    let delete_rule = mock!(aws_sdk_rbin::Client::delete_rule)
        .then_output(|| aws_sdk_rbin::operation::delete_rule::DeleteRuleOutput::builder().build());
    let describe = mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(|| {
        aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput::builder().build()
    });
    let sent = SentOperations::new();
    let guarded_ec2 = remediate::guard::ec2(&sent.ec2(&ec2(&[
        &delete_snapshot,
        &deregister,
        &disable,
        &describe,
    ])));
    let guarded_rbin = remediate::guard::rbin(&sent.rbin(&rbin(&[&unlock, &delete_rule])));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let refused = |e: String| assert!(e.contains("snapguard refused"), "{e}");
        let text = |e: &dyn std::error::Error| {
            aws_smithy_types::error::display::DisplayErrorContext(e).to_string()
        };
        refused(text(
            &guarded_ec2
                .delete_snapshot()
                .snapshot_id("snap-1")
                .send()
                .await
                .unwrap_err(),
        ));
        refused(text(
            &guarded_ec2
                .deregister_image()
                .image_id("ami-1")
                .send()
                .await
                .unwrap_err(),
        ));
        refused(text(
            &guarded_ec2
                .disable_snapshot_block_public_access()
                .send()
                .await
                .unwrap_err(),
        ));
        refused(text(
            &guarded_rbin
                .unlock_rule()
                .identifier("r")
                .send()
                .await
                .unwrap_err(),
        ));
        refused(text(
            &guarded_rbin
                .delete_rule()
                .identifier("r")
                .send()
                .await
                .unwrap_err(),
        ));
        // Reads pass.
        guarded_ec2
            .describe_snapshots()
            .send()
            .await
            .expect("reads are allowed");
    });
    // Each destructive call ended in the guard's error, not in the mocked success the client
    // would have returned had the request gone out; the read got its mocked answer.
    assert_eq!(describe.num_calls(), 1);
    assert_eq!(
        sent.all(),
        ["ec2:DescribeSnapshots"],
        "only the read went out"
    );
}

#[test]
fn the_temporary_archive_share_is_removed_even_when_the_copy_fails() {
    use aws_sdk_ec2::operation::copy_snapshot::CopySnapshotError;
    use aws_sdk_ec2::operation::describe_snapshot_attribute::DescribeSnapshotAttributeOutput;
    use aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput;
    use aws_sdk_ec2::operation::modify_snapshot_attribute::ModifySnapshotAttributeOutput;
    use aws_sdk_ec2::types::{OperationType, Snapshot, SnapshotState};
    use rules::remediation::plan::{CopySnapshotToAccount, SnapshotSource};

    const ARCHIVE: &str = "999999999999";
    // The source account: the snapshot is completed and not shared yet.
    let completed = mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(|| {
        DescribeSnapshotsOutput::builder()
            .snapshots(
                Snapshot::builder()
                    .snapshot_id("snap-src")
                    .state(SnapshotState::Completed)
                    .build(),
            )
            .build()
    });
    let not_shared = mock!(aws_sdk_ec2::Client::describe_snapshot_attribute).then_output(|| {
        DescribeSnapshotAttributeOutput::builder()
            .snapshot_id("snap-src")
            .build()
    });
    let share = mock!(aws_sdk_ec2::Client::modify_snapshot_attribute)
        .match_requests(|r| {
            r.operation_type() == Some(&OperationType::Add) && r.user_ids() == [ARCHIVE]
        })
        .then_output(|| ModifySnapshotAttributeOutput::builder().build());
    let unshare = mock!(aws_sdk_ec2::Client::modify_snapshot_attribute)
        .match_requests(|r| {
            r.operation_type() == Some(&OperationType::Remove) && r.user_ids() == [ARCHIVE]
        })
        .then_output(|| ModifySnapshotAttributeOutput::builder().build());
    // The archive account: no copy yet, and the copy fails.
    let none_yet = mock!(aws_sdk_ec2::Client::describe_snapshots)
        .then_output(|| DescribeSnapshotsOutput::builder().build());
    let copy_fails = mock!(aws_sdk_ec2::Client::copy_snapshot).then_error(|| {
        CopySnapshotError::generic(
            ErrorMetadata::builder()
                .code("InvalidParameterValue")
                .message("simulated copy failure")
                .build(),
        )
    });
    let source_ec2 = ec2(&[&completed, &not_shared, &share, &unshare]);
    let archive_ec2 = ec2(&[&none_yet, &copy_fails]);
    let rbin_client = rbin(&[]);
    let backup_client = backup(&[]);
    let ssm_client = ssm(&[]);
    let factory: ClientFactory = Arc::new(move |account: &str, _region: &str| {
        let ec2 = if account == ARCHIVE {
            archive_ec2.clone()
        } else {
            source_ec2.clone()
        };
        Clients {
            ec2,
            rbin: rbin_client.clone(),
            backup: backup_client.clone(),
            ssm: ssm_client.clone(),
        }
    });
    let step = Step::CopySnapshotToAccount(CopySnapshotToAccount {
        source: SnapshotSource::Existing {
            snapshot_id: "snap-src".into(),
        },
        archive_account: ARCHIVE.into(),
        kms_key_id: None,
        tags: [(TAG_ACTION_ID.to_owned(), "act-00000000000000b1".to_owned())].into(),
    });
    let report = remediate::apply_with_clients(
        &plan(vec![action("act-00000000000000b1", step, "snap-src")]),
        &ApplyOptions::default(),
        factory,
    );
    let Outcome::Failed(why) = &report.actions[0].outcome else {
        panic!("{report:#?}");
    };
    assert!(
        why.contains("simulated copy failure") && why.contains("temporary share was removed"),
        "{why}"
    );
    assert_eq!(share.num_calls(), 1);
    assert_eq!(copy_fails.num_calls(), 1);
    assert_eq!(
        unshare.num_calls(),
        1,
        "the share is removed although the copy failed"
    );
}

/// What the emulator lacks for the opt-in guardrails: snapshot locks. (EBS encryption by
/// default is also applied against the emulator, killed and resumed, in `remediate_moto.rs`.)
/// A governance-mode lock is put once on a snapshot that has none; a snapshot already locked
/// is left as it is, whatever its lock; a second run, as after a crash right after the calls,
/// only reads; a dry run sends the calls with `DryRun`.
#[test]
fn opt_in_guardrails_are_set_once_and_an_existing_lock_is_never_changed() {
    use aws_sdk_ec2::operation::describe_locked_snapshots::DescribeLockedSnapshotsOutput;
    use aws_sdk_ec2::operation::enable_ebs_encryption_by_default::EnableEbsEncryptionByDefaultOutput;
    use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
    use aws_sdk_ec2::operation::lock_snapshot::{LockSnapshotError, LockSnapshotOutput};
    use aws_sdk_ec2::types::{LockMode, LockState, LockedSnapshotsInfo};
    use rules::remediation::plan::LockSnapshot;
    use rules::remediation::OptIn;

    let lock_of = |snapshot: &str| {
        Step::LockSnapshot(LockSnapshot {
            snapshot_id: snapshot.into(),
            lock_duration_days: 7,
        })
    };
    let mut opted_in = plan(vec![
        action(
            "act-00000000000000c1",
            Step::EnableEbsEncryptionByDefault,
            "ebs-encryption-by-default",
        ),
        action("act-00000000000000c2", lock_of("snap-new"), "snap-new"),
        action("act-00000000000000c3", lock_of("snap-held"), "snap-held"),
        action(
            "act-00000000000000c4",
            lock_of("snap-expired"),
            "snap-expired",
        ),
    ]);
    opted_in.scope.opt_in = OptIn::ALL.to_vec();
    let locks = |held: Vec<(&'static str, LockState)>| {
        mock!(aws_sdk_ec2::Client::describe_locked_snapshots).then_output(move || {
            DescribeLockedSnapshotsOutput::builder()
                .set_snapshots(Some(
                    held.iter()
                        .map(|(id, state)| {
                            LockedSnapshotsInfo::builder()
                                .snapshot_id(*id)
                                .lock_state(state.clone())
                                .build()
                        })
                        .collect(),
                ))
                .build()
        })
    };
    let encryption = |on: bool| {
        mock!(aws_sdk_ec2::Client::get_ebs_encryption_by_default).then_output(move || {
            GetEbsEncryptionByDefaultOutput::builder()
                .ebs_encryption_by_default(on)
                .build()
        })
    };
    // The mock answers for every snapshot asked about: held only lists the one asked for.
    let held_new = locks(Vec::new());
    let held_other = mock!(aws_sdk_ec2::Client::describe_locked_snapshots)
        .match_requests(|r| r.snapshot_ids() == ["snap-held"])
        .then_output(|| {
            DescribeLockedSnapshotsOutput::builder()
                .snapshots(
                    LockedSnapshotsInfo::builder()
                        .snapshot_id("snap-held")
                        .lock_state(LockState::Governance)
                        .build(),
                )
                .build()
        });
    // An expired lock protects nothing: that snapshot is locked anew.
    let held_expired = mock!(aws_sdk_ec2::Client::describe_locked_snapshots)
        .match_requests(|r| r.snapshot_ids() == ["snap-expired"])
        .then_output(|| {
            DescribeLockedSnapshotsOutput::builder()
                .snapshots(
                    LockedSnapshotsInfo::builder()
                        .snapshot_id("snap-expired")
                        .lock_state(LockState::Expired)
                        .build(),
                )
                .build()
        });
    let off = encryption(false);
    let enable = mock!(aws_sdk_ec2::Client::enable_ebs_encryption_by_default)
        .match_requests(|r| r.dry_run() != Some(true))
        .then_output(|| {
            EnableEbsEncryptionByDefaultOutput::builder()
                .ebs_encryption_by_default(true)
                .build()
        });
    let lock = mock!(aws_sdk_ec2::Client::lock_snapshot)
        .match_requests(|r| {
            matches!(r.snapshot_id(), Some("snap-new" | "snap-expired"))
                && r.lock_mode() == Some(&LockMode::Governance)
                && r.lock_duration() == Some(7)
                && r.cool_off_period().is_none()
                && r.dry_run() != Some(true)
        })
        .then_output(|| {
            LockSnapshotOutput::builder()
                .snapshot_id("snap-new")
                .lock_state(LockState::Governance)
                .build()
        });
    let sent = SentOperations::new();
    let report = remediate::apply_with_clients(
        &opted_in,
        &ApplyOptions::default(),
        factory(
            sent.ec2(&ec2(&[
                &held_other,
                &held_expired,
                &held_new,
                &off,
                &enable,
                &lock,
            ])),
            rbin(&[]),
        ),
    );
    assert!(report.all_ok(), "{report:#?}");
    let states: Vec<(&str, &Outcome)> = report
        .actions
        .iter()
        .map(|a| (a.target.as_str(), &a.outcome))
        .collect();
    assert_eq!(
        states,
        [
            ("ebs-encryption-by-default", &Outcome::Done),
            ("snap-new", &Outcome::Done),
            ("snap-held", &Outcome::AlreadyDone),
            ("snap-expired", &Outcome::Done),
        ]
    );
    assert!(
        report.actions[2]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("governance") && d.contains("never changed")),
        "{report:#?}"
    );
    // Reported as opted in.
    assert_eq!(
        report.actions[0].opt_in,
        Some(OptIn::EbsEncryptionByDefault)
    );
    assert_eq!(
        report.actions[1].opt_in,
        Some(OptIn::GovernanceSnapshotLock)
    );
    assert_eq!((enable.num_calls(), lock.num_calls()), (1, 2));
    assert_eq!(
        changes_sent(&sent.all()),
        BTreeSet::from(["ec2:EnableEbsEncryptionByDefault", "ec2:LockSnapshot"])
    );
    sent.clear();

    // Again, as after a crash right after both calls: both are found done; only reads go out.
    let both_held = locks(vec![
        ("snap-new", LockState::Governance),
        ("snap-held", LockState::Compliance),
        ("snap-expired", LockState::Governance),
    ]);
    let on = encryption(true);
    let enable_again = mock!(aws_sdk_ec2::Client::enable_ebs_encryption_by_default)
        .then_output(|| EnableEbsEncryptionByDefaultOutput::builder().build());
    let lock_again = mock!(aws_sdk_ec2::Client::lock_snapshot)
        .then_output(|| LockSnapshotOutput::builder().build());
    let report = remediate::apply_with_clients(
        &opted_in,
        &ApplyOptions::default(),
        factory(
            sent.ec2(&ec2(&[&both_held, &on, &enable_again, &lock_again])),
            rbin(&[]),
        ),
    );
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.outcome == Outcome::AlreadyDone),
        "{report:#?}"
    );
    assert_eq!((enable_again.num_calls(), lock_again.num_calls()), (0, 0));
    assert!(sent.all().iter().all(|op| is_read(op)), "{:?}", sent.all());

    // A dry run: the calls go out with DryRun, and EC2's verdict is the outcome.
    let none_held = locks(Vec::new());
    let off = encryption(false);
    let enable_dry = mock!(aws_sdk_ec2::Client::enable_ebs_encryption_by_default)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            aws_sdk_ec2::operation::enable_ebs_encryption_by_default::EnableEbsEncryptionByDefaultError::generic(
                ErrorMetadata::builder().code("DryRunOperation").build(),
            )
        });
    let lock_dry = mock!(aws_sdk_ec2::Client::lock_snapshot)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            LockSnapshotError::generic(
                ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("You are not authorized to perform this operation.")
                    .build(),
            )
        });
    let report = remediate::apply_with_clients(
        &opted_in,
        &ApplyOptions {
            dry_run: true,
            ..ApplyOptions::default()
        },
        factory(ec2(&[&none_held, &off, &enable_dry, &lock_dry]), rbin(&[])),
    );
    assert_eq!(report.actions[0].outcome, Outcome::WouldSucceed);
    let Outcome::WouldFail(why) = &report.actions[1].outcome else {
        panic!("{report:#?}");
    };
    assert!(why.contains("ec2:LockSnapshot: not permitted"), "{why}");
}

/// AWS Backup jobs (the emulator has none): started once, with the plan rule's vault, role and
/// lifecycle, the action id as idempotency token and on the recovery point's tags; found on a
/// re-run (as after a crash right after the calls) and not started again; a failed job of
/// earlier is no backup, so it does not count; a dry run starts nothing.
#[test]
fn backup_and_copy_jobs_are_started_once_through_aws_backup() {
    use aws_sdk_backup::operation::list_backup_jobs::ListBackupJobsOutput;
    use aws_sdk_backup::operation::list_copy_jobs::ListCopyJobsOutput;
    use aws_sdk_backup::operation::start_backup_job::StartBackupJobOutput;
    use aws_sdk_backup::operation::start_copy_job::StartCopyJobOutput;
    use aws_sdk_backup::types::{BackupJob, BackupJobState, CopyJob, CopyJobState};
    use rules::remediation::plan::{JobLifecycle, StartBackupJob, StartCopyJob};

    const VOLUME: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-1";
    const POINT: &str = "arn:aws:ec2:us-east-1::snapshot/snap-1";
    const DR: &str = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr";
    const ROLE: &str = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole";
    const BACKUP_ACTION: &str = "act-00000000000000d1";
    let jobs_plan = plan(vec![
        action(
            BACKUP_ACTION,
            Step::StartBackupJob(StartBackupJob {
                resource_arn: VOLUME.into(),
                backup_vault_name: "prod".into(),
                iam_role_arn: ROLE.into(),
                lifecycle: Some(JobLifecycle {
                    move_to_cold_storage_after_days: Some(7),
                    delete_after_days: Some(35),
                    opt_in_to_archive_for_supported_resources: Some(true),
                }),
                tags: [
                    (TAG_ACTION_ID.to_owned(), BACKUP_ACTION.to_owned()),
                    ("Owner".to_owned(), "backup-team".to_owned()),
                ]
                .into(),
            }),
            VOLUME,
        ),
        action(
            "act-00000000000000d2",
            Step::StartCopyJob(StartCopyJob {
                recovery_point_arn: POINT.into(),
                source_backup_vault_name: "prod".into(),
                destination_backup_vault_arn: DR.into(),
                iam_role_arn: ROLE.into(),
                lifecycle: None,
            }),
            POINT,
        ),
    ]);
    let backup_jobs = |state: Option<BackupJobState>| {
        mock!(aws_sdk_backup::Client::list_backup_jobs)
            .match_requests(|r| {
                r.by_resource_arn() == Some(VOLUME)
                    && r.by_backup_vault_name() == Some("prod")
                    && r.by_created_after().is_some()
            })
            .then_output(move || {
                ListBackupJobsOutput::builder()
                    .set_backup_jobs(state.clone().map(|s| {
                        vec![BackupJob::builder()
                            .backup_job_id("job-old")
                            .state(s)
                            .build()]
                    }))
                    .build()
            })
    };
    let copy_jobs = |state: Option<CopyJobState>| {
        mock!(aws_sdk_backup::Client::list_copy_jobs)
            .match_requests(|r| r.by_destination_vault_arn() == Some(DR))
            .then_output(move || {
                ListCopyJobsOutput::builder()
                    .set_copy_jobs(state.clone().map(|s| {
                        vec![CopyJob::builder()
                            .copy_job_id("copy-old")
                            .source_recovery_point_arn(POINT)
                            .state(s)
                            .build()]
                    }))
                    .build()
            })
    };
    let start_backup = mock!(aws_sdk_backup::Client::start_backup_job)
        .match_requests(|r| {
            r.backup_vault_name() == Some("prod")
                && r.resource_arn() == Some(VOLUME)
                && r.iam_role_arn() == Some(ROLE)
                // A failed job was found: a token AWS has not seen, so a new job starts.
                && r.idempotency_token() == Some(&format!("{BACKUP_ACTION}-0-1"))
                && r.lifecycle().and_then(|l| l.delete_after_days()) == Some(35)
                && r.lifecycle()
                    .and_then(|l| l.opt_in_to_archive_for_supported_resources())
                    == Some(true)
                && r.recovery_point_tags().is_some_and(|t| {
                    t.get(TAG_ACTION_ID).map(String::as_str) == Some(BACKUP_ACTION)
                })
        })
        .then_output(|| {
            StartBackupJobOutput::builder()
                .backup_job_id("job-new")
                .build()
        });
    let start_copy = mock!(aws_sdk_backup::Client::start_copy_job)
        .match_requests(|r| {
            r.recovery_point_arn() == Some(POINT)
                && r.source_backup_vault_name() == Some("prod")
                && r.destination_backup_vault_arn() == Some(DR)
                && r.idempotency_token() == Some("act-00000000000000d2-0-1")
        })
        .then_output(|| {
            StartCopyJobOutput::builder()
                .copy_job_id("copy-new")
                .build()
        });

    // First run: only a failed backup job and a failed copy since the plan's data.
    let failed_backup = backup_jobs(Some(BackupJobState::Failed));
    let failed_copy = copy_jobs(Some(CopyJobState::Failed));
    let sent = SentOperations::new();
    let clients = with_backup(
        ec2(&[]),
        rbin(&[]),
        sent.backup(&backup(&[
            &failed_backup,
            &failed_copy,
            &start_backup,
            &start_copy,
        ])),
    );
    let report = remediate::apply_with_clients(&jobs_plan, &ApplyOptions::default(), clients);
    assert!(report.all_ok(), "{report:#?}");
    assert!(report.actions.iter().all(|a| a.outcome == Outcome::Done));
    assert_eq!(report.actions[0].resources, ["job-new"]);
    assert_eq!(report.actions[1].resources, ["copy-new"]);
    assert_eq!((start_backup.num_calls(), start_copy.num_calls()), (1, 1));
    assert_eq!(
        changes_sent(&sent.all()),
        BTreeSet::from(["backup:StartBackupJob", "backup:StartCopyJob"])
    );
    sent.clear();

    // Again, as after a crash right after both calls: the jobs are found; only reads go out.
    let running = backup_jobs(Some(BackupJobState::Running));
    let completed = copy_jobs(Some(CopyJobState::Completed));
    let start_again = mock!(aws_sdk_backup::Client::start_backup_job)
        .then_output(|| StartBackupJobOutput::builder().build());
    let copy_again = mock!(aws_sdk_backup::Client::start_copy_job)
        .then_output(|| StartCopyJobOutput::builder().build());
    let report = remediate::apply_with_clients(
        &jobs_plan,
        &ApplyOptions::default(),
        with_backup(
            ec2(&[]),
            rbin(&[]),
            sent.backup(&backup(&[&running, &completed, &start_again, &copy_again])),
        ),
    );
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.outcome == Outcome::AlreadyDone),
        "{report:#?}"
    );
    assert_eq!(report.actions[0].resources, ["job-old"]);
    assert_eq!((start_again.num_calls(), copy_again.num_calls()), (0, 0));
    assert!(sent.all().iter().all(|op| is_read(op)), "{:?}", sent.all());

    // A dry run: no job starts, and the report says the permissions were not checked.
    let none = backup_jobs(None);
    let no_copy = copy_jobs(None);
    let start_dry = mock!(aws_sdk_backup::Client::start_backup_job)
        .then_output(|| StartBackupJobOutput::builder().build());
    let report = remediate::apply_with_clients(
        &jobs_plan,
        &ApplyOptions {
            dry_run: true,
            ..ApplyOptions::default()
        },
        with_backup(ec2(&[]), rbin(&[]), backup(&[&none, &no_copy, &start_dry])),
    );
    assert!(
        report
            .actions
            .iter()
            .all(|a| matches!(&a.outcome, Outcome::NotChecked(w) if w.contains("no DryRun"))),
        "{report:#?}"
    );
    assert_eq!(start_dry.num_calls(), 0);
}

/// How the mocked instance answers the `[[consistency]]` pre-step.
#[derive(Clone, Copy, PartialEq)]
enum PreStep {
    Succeeds,
    Fails,
    /// Still running at the freeze limit (1 s), done half a second later.
    EndsLate,
}

/// One instance with two volumes, a quiesced set of it, and what was sent: (the plan, the
/// client factory, the operations sent in order, the documents sent in order, the tags of
/// each `CreateTags`).
struct QuiescedWorld {
    plan: Plan,
    clients: ClientFactory,
    sent: SentOperations,
    commands: Arc<std::sync::Mutex<Vec<SentCommand>>>,
    /// The post-step fails from now on.
    thaw_fails: Arc<std::sync::atomic::AtomicBool>,
    tagged: Arc<std::sync::Mutex<Vec<BTreeMap<String, String>>>>,
}

const QUIESCE_ACTION: &str = "act-00000000000000e1";
const FREEZE: &str = "snapguard-FreezeFilesystems";
const THAW: &str = "snapguard-ThawFilesystems";

fn quiesced_world(pre: PreStep, snapshots_fail: bool, existing: bool) -> QuiescedWorld {
    use aws_sdk_ec2::operation::create_snapshots::{CreateSnapshotsError, CreateSnapshotsOutput};
    use aws_sdk_ec2::operation::create_tags::CreateTagsOutput;
    use aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput;
    use aws_sdk_ec2::types::{Snapshot, SnapshotInfo, SnapshotState, Tag};
    use aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationOutput;
    use aws_sdk_ssm::operation::list_commands::ListCommandsOutput;
    use aws_sdk_ssm::operation::send_command::SendCommandOutput;
    use aws_sdk_ssm::types::{Command, CommandStatus};
    use aws_smithy_mocks::MockResponse;
    use rules::remediation::plan::{CreateSnapshots, Quiesce, SsmCommand, TAG_PRE_STEP};

    let step = Step::CreateSnapshots(CreateSnapshots {
        instance_id: "i-db".into(),
        volume_ids: vec!["vol-1".into(), "vol-2".into()],
        tags: [
            (TAG_ACTION_ID.to_owned(), QUIESCE_ACTION.to_owned()),
            ("Owner".to_owned(), "dba".to_owned()),
        ]
        .into(),
        tags_by_volume: BTreeMap::new(),
        quiesce: Some(Quiesce::Commands {
            consistency: "databases".into(),
            pre: SsmCommand {
                document: FREEZE.into(),
                parameters: [("MaxFreezeSeconds".to_owned(), vec!["1".to_owned()])].into(),
            },
            post: SsmCommand {
                document: THAW.into(),
                parameters: BTreeMap::new(),
            },
            max_freeze_seconds: 1,
        }),
    });
    let commands = Arc::new(std::sync::Mutex::new(Vec::<SentCommand>::new()));
    let thaw_fails = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tagged = Arc::new(std::sync::Mutex::new(Vec::<BTreeMap<String, String>>::new()));
    // What was sent, in order: (command id, document, comment); ids of commands an earlier
    // run on another machine sent start with "seed".
    let sent_commands = commands.clone();
    let send = mock!(aws_sdk_ssm::Client::send_command).then_compute_output(move |r| {
        let document = r.document_name().unwrap_or_default().to_owned();
        assert_eq!(r.instance_ids(), ["i-db"]);
        let mut sent = sent_commands.lock().unwrap();
        let id = format!("cmd-{}-{document}", sent.len());
        sent.push(SentCommand {
            id: id.clone(),
            document,
            comment: r.comment().unwrap_or_default().to_owned(),
            at: std::time::Instant::now(),
        });
        SendCommandOutput::builder()
            .command(Command::builder().command_id(id).build())
            .build()
    });
    let thaw_failing = thaw_fails.clone();
    let status_of = move |command: &SentCommand| match (command.document.as_str(), pre) {
        (FREEZE, PreStep::Fails) => CommandStatus::Failed,
        (FREEZE, PreStep::EndsLate) if command.at.elapsed().as_millis() < 1500 => {
            CommandStatus::InProgress
        }
        (THAW, _) if thaw_failing.load(std::sync::atomic::Ordering::SeqCst) => {
            CommandStatus::Failed
        }
        _ => CommandStatus::Success,
    };
    let listed_commands = commands.clone();
    let list = mock!(aws_sdk_ssm::Client::list_commands).then_compute_output(move |r| {
        let sent = listed_commands.lock().unwrap();
        let listed = sent
            .iter()
            .enumerate()
            .filter(|(_, c)| r.command_id().is_none_or(|wanted| wanted == c.id))
            .map(|(at, command)| {
                Command::builder()
                    .command_id(&command.id)
                    .document_name(&command.document)
                    .comment(&command.comment)
                    .status(status_of(command))
                    .requested_date_time(aws_smithy_types::DateTime::from_secs(
                        1_800_000_000 + at as i64,
                    ))
                    .build()
            });
        ListCommandsOutput::builder()
            .set_commands(Some(listed.collect()))
            .build()
    });
    let invocation =
        mock!(aws_sdk_ssm::Client::get_command_invocation).then_compute_output(move |r| {
            let failed =
                r.command_id().is_some_and(|id| id.ends_with(FREEZE)) && pre == PreStep::Fails;
            GetCommandInvocationOutput::builder()
                .standard_error_content(match failed {
                    true => "fsfreeze: /var/lib/postgresql: Device or resource busy",
                    false => "",
                })
                .build()
        });
    let found = move || {
        let snapshot = |id: &str, volume: &str| {
            Snapshot::builder()
                .snapshot_id(id)
                .volume_id(volume)
                .state(SnapshotState::Completed)
                .start_time(aws_smithy_types::DateTime::from_secs(1))
                .tags(
                    Tag::builder()
                        .key(TAG_ACTION_ID)
                        .value(QUIESCE_ACTION)
                        .build(),
                )
                .tags(Tag::builder().key(TAG_PRE_STEP).value("SUCCESS").build())
                .build()
        };
        DescribeSnapshotsOutput::builder()
            .set_snapshots(
                existing.then(|| vec![snapshot("snap-1", "vol-1"), snapshot("snap-2", "vol-2")]),
            )
            .build()
    };
    let describe = mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(found);
    let create = mock!(aws_sdk_ec2::Client::create_snapshots).then_compute_response(move |r| {
        let tags: BTreeMap<&str, &str> = r
            .tag_specifications()
            .iter()
            .flat_map(|t| t.tags())
            .filter_map(|t| Some((t.key()?, t.value()?)))
            .collect();
        assert_eq!(tags.get(TAG_PRE_STEP), Some(&"SUCCESS"), "{tags:?}");
        assert_eq!(tags.get("Owner"), Some(&"dba"));
        if snapshots_fail {
            return MockResponse::Error(CreateSnapshotsError::generic(
                ErrorMetadata::builder()
                    .code("SnapshotCreationPerVolumeRateExceeded")
                    .message("too many snapshots")
                    .build(),
            ));
        }
        MockResponse::Output(
            CreateSnapshotsOutput::builder()
                .snapshots(
                    SnapshotInfo::builder()
                        .snapshot_id("snap-1")
                        .volume_id("vol-1")
                        .build(),
                )
                .snapshots(
                    SnapshotInfo::builder()
                        .snapshot_id("snap-2")
                        .volume_id("vol-2")
                        .build(),
                )
                .build(),
        )
    });
    let seen_tags = tagged.clone();
    let tag = mock!(aws_sdk_ec2::Client::create_tags).then_compute_output(move |r| {
        seen_tags.lock().unwrap().push(
            r.tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        );
        CreateTagsOutput::builder().build()
    });
    let sent = SentOperations::new();
    let clients = with_ssm(
        sent.ec2(&ec2(&[&describe, &create, &tag])),
        sent.ssm(&ssm(&[&send, &list, &invocation])),
    );
    QuiescedWorld {
        plan: plan(vec![action(QUIESCE_ACTION, step, "i-db")]),
        clients,
        sent,
        commands,
        thaw_fails,
        tagged,
    }
}

/// A command the mocked Systems Manager received.
struct SentCommand {
    id: String,
    document: String,
    comment: String,
    at: std::time::Instant,
}

impl QuiescedWorld {
    /// Applies the plan; with a journal of its own when `options` has none (a quiesced set
    /// needs one).
    fn apply(&self, options: &ApplyOptions) -> remediate::ApplyReport {
        let dir = tempfile::tempdir().unwrap();
        let options = ApplyOptions {
            journal: options
                .journal
                .clone()
                .or_else(|| Some(dir.path().join("plan.json.journal"))),
            ..options.clone()
        };
        remediate::apply_with_clients(&self.plan, &options, self.clients.clone())
    }

    /// The documents this world's runs sent, in order.
    fn documents(&self) -> Vec<String> {
        self.commands
            .lock()
            .unwrap()
            .iter()
            .filter(|c| !c.id.starts_with("seed"))
            .map(|c| c.document.clone())
            .collect()
    }

    /// A command some other run sent to the instance earlier.
    fn seed(&self, document: &str, comment: &str) {
        self.commands.lock().unwrap().push(SentCommand {
            id: "seed".into(),
            document: document.into(),
            comment: comment.into(),
            at: std::time::Instant::now(),
        });
    }

    fn snapshots_taken(&self) -> usize {
        self.sent
            .all()
            .iter()
            .filter(|op| *op == "ec2:CreateSnapshots")
            .count()
    }

    fn failure(report: &remediate::ApplyReport) -> String {
        match &report.actions[0].outcome {
            Outcome::Failed(why) => why.clone(),
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}

#[test]
fn a_quiesced_set_is_taken_between_pre_and_post_steps_and_tagged_with_their_outcome() {
    use rules::remediation::plan::TAG_POST_STEP;
    let world = quiesced_world(PreStep::Succeeds, false, false);
    let report = world.apply(&ApplyOptions::default());
    assert!(report.all_ok(), "{report:#?}");
    assert_eq!(report.actions[0].outcome, Outcome::Done);
    assert_eq!(world.documents(), [FREEZE, THAW]);
    // The pre-step ended before the snapshots, which came before the post-step.
    let changes: Vec<String> = world
        .sent
        .all()
        .into_iter()
        .filter(|op| !is_read(op))
        .collect();
    assert_eq!(
        changes,
        [
            "ssm:SendCommand",
            "ec2:CreateSnapshots",
            "ssm:SendCommand",
            "ec2:CreateTags"
        ]
    );
    let sent = world.sent.all();
    let first_create = sent.iter().position(|op| op == "ec2:CreateSnapshots");
    // The pre-step's status was read (it succeeded) right before the snapshots.
    assert_eq!(sent[first_create.unwrap() - 1], "ssm:ListCommands");
    let tagged = world.tagged.lock().unwrap().clone();
    assert_eq!(
        tagged,
        [BTreeMap::from([(
            TAG_POST_STEP.to_owned(),
            "SUCCESS".to_owned()
        )])]
    );

    // A run of another plan, on another machine, sent a pre-step and no post-step: the
    // instance's history says so, and the post-step goes first, without any journal.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    world.seed(FREEZE, "snapguard act-0000000000000999: pre-step");
    let report =
        remediate::apply_with_clients(&world.plan, &ApplyOptions::default(), world.clients.clone());
    assert!(report.all_ok(), "{report:#?}");
    assert_eq!(world.documents(), [THAW, FREEZE, THAW]);

    // The post-step that should resume it fails: nothing else is sent.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    world.seed(FREEZE, "snapguard act-0000000000000999: pre-step");
    world
        .thaw_fails
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let why = QuiescedWorld::failure(&world.apply(&ApplyOptions::default()));
    assert!(why.contains("may have left i-db quiesced"), "{why}");
    assert_eq!(world.documents(), [THAW]);
    assert_eq!(world.snapshots_taken(), 0);

    // A dry run sends nothing to the instance and says so.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    let dry = world.apply(&ApplyOptions {
        dry_run: true,
        ..ApplyOptions::default()
    });
    assert!(world.documents().is_empty());
    assert!(
        matches!(&dry.actions[0].outcome, Outcome::NotChecked(why) if why.contains("no dry run")),
        "{dry:#?}"
    );
}

#[test]
fn a_failed_or_late_pre_step_takes_no_snapshot_and_still_resumes_the_instance() {
    for (pre, expected) in [
        (PreStep::Fails, "Device or resource busy"),
        (
            PreStep::EndsLate,
            "was still InProgress, and then succeeded",
        ),
    ] {
        let world = quiesced_world(pre, false, false);
        let report = world.apply(&ApplyOptions::default());
        let why = QuiescedWorld::failure(&report);
        assert!(why.contains(expected), "{why}");
        assert!(why.contains("no snapshot was taken"), "{why}");
        assert!(
            why.contains(&format!("the post-step ({THAW}) succeeded")),
            "{why}"
        );
        assert_eq!(world.snapshots_taken(), 0);
        assert_eq!(world.documents(), [FREEZE, THAW]);
        // The post-step never overtakes the pre-step: it is sent once the pre-step ended.
        let commands = world.commands.lock().unwrap();
        if pre == PreStep::EndsLate {
            assert!(commands[1].at.duration_since(commands[0].at).as_millis() >= 1500);
        }
    }

    // The post-step fails after the snapshots: the set says so and the action fails.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    world
        .thaw_fails
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let why = QuiescedWorld::failure(&world.apply(&ApplyOptions::default()));
    assert!(why.contains("but the post-step"), "{why}");
    assert!(world.tagged.lock().unwrap().iter().any(|t| {
        t.get(rules::remediation::plan::TAG_POST_STEP)
            .map(String::as_str)
            == Some("FAILED")
    }));

    // The snapshot call fails after a good pre-step: the post-step runs all the same.
    let world = quiesced_world(PreStep::Succeeds, true, false);
    let why = QuiescedWorld::failure(&world.apply(&ApplyOptions::default()));
    assert!(
        why.contains("SnapshotCreationPerVolumeRateExceeded"),
        "{why}"
    );
    assert!(why.contains("succeeded"), "{why}");
    assert_eq!(world.documents(), [FREEZE, THAW]);
}

#[test]
fn a_run_killed_after_the_pre_step_resumes_the_instance_before_anything_else() {
    use rules::remediation::plan::TAG_POST_STEP;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("plan.json.journal");
    let options = ApplyOptions {
        journal: Some(journal.clone()),
        ..ApplyOptions::default()
    };
    // Killed right after the pre-step was sent: the instance is frozen.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    let killed = world.apply(&ApplyOptions {
        interrupt_after_calls: Some(1),
        ..options.clone()
    });
    assert!(killed.interrupted, "{killed:#?}");
    assert_eq!(world.documents(), [FREEZE]);
    assert!(std::fs::read_to_string(&journal)
        .unwrap()
        .contains("pre_step_started"));

    // The next run thaws first, then takes the set in full.
    let world = quiesced_world(PreStep::Succeeds, false, false);
    let report = world.apply(&options);
    assert!(report.all_ok(), "{report:#?}");
    assert_eq!(world.documents(), [THAW, FREEZE, THAW]);
    let sent = world.sent.all();
    assert_eq!(
        sent.iter().find(|op| !is_read(op)).map(String::as_str),
        Some("ssm:SendCommand"),
        "{sent:?}"
    );

    // Killed after the snapshots, before the post-step: the next run thaws and tags the set it
    // finds, and takes no other.
    let dir = tempfile::tempdir().unwrap();
    let options = ApplyOptions {
        journal: Some(dir.path().join("plan.json.journal")),
        ..ApplyOptions::default()
    };
    let world = quiesced_world(PreStep::Succeeds, false, false);
    let killed = world.apply(&ApplyOptions {
        interrupt_after_calls: Some(2),
        ..options.clone()
    });
    assert!(killed.interrupted);
    assert_eq!(world.snapshots_taken(), 1);
    let world = quiesced_world(PreStep::Succeeds, false, true);
    let report = world.apply(&options);
    assert_eq!(
        report.actions[0].outcome,
        Outcome::AlreadyDone,
        "{report:#?}"
    );
    assert_eq!(world.documents(), [THAW]);
    assert_eq!(world.snapshots_taken(), 0);
    assert!(world
        .tagged
        .lock()
        .unwrap()
        .iter()
        .any(|t| t.get(TAG_POST_STEP).map(String::as_str) == Some("SUCCESS")));
}

#[test]
fn a_vss_set_is_taken_by_the_vss_document_and_given_the_plan_tags() {
    use aws_sdk_ec2::operation::create_tags::CreateTagsOutput;
    use aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput;
    use aws_sdk_ec2::types::{Snapshot, SnapshotState, Tag};
    use aws_sdk_ssm::operation::list_commands::ListCommandsOutput;
    use aws_sdk_ssm::operation::send_command::SendCommandOutput;
    use aws_sdk_ssm::types::{Command, CommandStatus};
    use rules::remediation::plan::{CreateSnapshots, Quiesce, VSS_DOCUMENT};

    const VSS_ACTION: &str = "act-00000000000000e2";
    let step = Step::CreateSnapshots(CreateSnapshots {
        instance_id: "i-win".into(),
        volume_ids: vec!["vol-c".into()],
        tags: [
            (TAG_ACTION_ID.to_owned(), VSS_ACTION.to_owned()),
            ("Owner".to_owned(), "dba; ops".to_owned()),
        ]
        .into(),
        tags_by_volume: BTreeMap::new(),
        quiesce: Some(Quiesce::Vss {
            consistency: "sql-server".into(),
        }),
    });
    let sent_vss = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = sent_vss.clone();
    let owner_set = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let owner_flag = owner_set.clone();
    let send = mock!(aws_sdk_ssm::Client::send_command).then_compute_output(move |r| {
        assert_eq!(r.document_name(), Some(VSS_DOCUMENT));
        let parameters = r.parameters().unwrap();
        assert_eq!(
            parameters["tags"],
            [format!("Key={TAG_ACTION_ID},Value={VSS_ACTION}")]
        );
        assert_eq!(parameters["ExcludeBootVolume"], ["False"]);
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        SendCommandOutput::builder()
            .command(Command::builder().command_id("cmd-vss").build())
            .build()
    });
    let listed = mock!(aws_sdk_ssm::Client::list_commands)
        .match_requests(|r| r.command_id() == Some("cmd-vss"))
        .then_output(|| {
            ListCommandsOutput::builder()
                .commands(
                    Command::builder()
                        .command_id("cmd-vss")
                        .status(CommandStatus::Success)
                        .build(),
                )
                .build()
        });
    // The document's snapshots exist once it has run; the Owner tag once it was set.
    let describe = mock!(aws_sdk_ec2::Client::describe_snapshots).then_compute_output(move |_| {
        let made = sent_vss.load(std::sync::atomic::Ordering::SeqCst);
        let owner = owner_set.load(std::sync::atomic::Ordering::SeqCst);
        DescribeSnapshotsOutput::builder()
            .set_snapshots(made.then(|| {
                let mut snapshot = Snapshot::builder()
                    .snapshot_id("snap-c")
                    .volume_id("vol-c")
                    .state(SnapshotState::Pending)
                    .start_time(aws_smithy_types::DateTime::from_secs(1))
                    .tags(Tag::builder().key(TAG_ACTION_ID).value(VSS_ACTION).build())
                    .tags(Tag::builder().key("AppConsistent").value("true").build());
                if owner {
                    snapshot = snapshot.tags(Tag::builder().key("Owner").value("dba; ops").build());
                }
                vec![snapshot.build()]
            }))
            .build()
    });
    let tag = mock!(aws_sdk_ec2::Client::create_tags)
        .match_requests(|r| {
            r.resources() == ["snap-c"]
                && r.tags()
                    .iter()
                    .any(|t| t.key() == Some("Owner") && t.value() == Some("dba; ops"))
        })
        .then_compute_output(move |_| {
            owner_flag.store(true, std::sync::atomic::Ordering::SeqCst);
            CreateTagsOutput::builder().build()
        });
    let sent = SentOperations::new();
    let clients = with_ssm(
        sent.ec2(&ec2(&[&describe, &tag])),
        sent.ssm(&ssm(&[&send, &listed])),
    );
    let vss_plan = plan(vec![action(VSS_ACTION, step, "i-win")]);
    let report =
        remediate::apply_with_clients(&vss_plan, &ApplyOptions::default(), clients.clone());
    assert_eq!(report.actions[0].outcome, Outcome::Done, "{report:#?}");
    assert_eq!(report.actions[0].resources, ["snap-c"]);
    assert_eq!(tag.num_calls(), 1);
    assert_eq!(
        changes_sent(&sent.all()),
        BTreeSet::from(["ssm:SendCommand", "ec2:CreateTags"])
    );

    // Run again: the set is found, nothing is sent.
    sent.clear();
    let again = remediate::apply_with_clients(&vss_plan, &ApplyOptions::default(), clients);
    assert_eq!(again.actions[0].outcome, Outcome::AlreadyDone, "{again:#?}");
    assert!(changes_sent(&sent.all()).is_empty(), "{:?}", sent.all());
}
