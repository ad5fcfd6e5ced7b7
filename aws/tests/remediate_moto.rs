//! The executor against the AWS emulator (moto): scan, plan, apply; snapshots and a
//! multi-volume set taken (quiesced by a `[[consistency]]` pre-step and resumed by its
//! post-step, through Systems Manager Run Command), snapshot copies into another region and into the archive account
//! (assumed role), an AMI copied into the DR region, tags added, snapshot and AMI sharing
//! removed while the trusted shares stay, EBS encryption by default turned on (opted in); a
//! run killed after each call in turn and re-run without duplicates; a dry run that changes
//! nothing; then a rescan without the resolved findings.
//!
//! Where moto falls short of AWS (copying a snapshot another account shared with the caller;
//! `TagSpecifications` on `CopyImage`), the server started here loads
//! `tests/support/moto_shim/sitecustomize.py`, which adds exactly that.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_ec2::types::{
    Filter, LaunchPermission, LaunchPermissionModifications, OperationType, PermissionGroup,
    SnapshotAttributeName, TagSpecification,
};
use rules::remediation::plan::{Quiesce, TAG_ACTION_ID, TAG_POST_STEP, TAG_PRE_STEP};
use rules::remediation::{OptIn, Plan, PlanFilter, Step};
use snapguard_aws::remediate::{self, ApplyOptions, ApplyReport, Outcome};
use snapguard_test_support::sent::changes_sent;
use snapguard_test_support::{
    management, new_volume, run_instance, runtime, start_moto_with_shim, tag, MANAGEMENT,
};

const SOURCE: &str = MANAGEMENT;
const ARCHIVE: &str = "111111111111";
const TRUSTED: &str = "222222222222";
const OUTSIDER: &str = "999988887777";
const HOME: &str = "us-east-1";
const DR: &str = "us-west-2";

/// What `populate` made.
struct World {
    solo_volume: String,
    instance: String,
    old_snapshot: String,
    image: String,
}

/// In the caller's account, us-east-1: a volume without a snapshot; an instance with two
/// volumes and no snapshot; a volume whose snapshot is neither tagged nor copied, and is
/// public, shared with an outsider and with a trusted partner; an AMI of the instance, not
/// copied to the DR region, shared the same three ways.
async fn populate(url: &str) -> World {
    let conf = management(url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let az = format!("{HOME}a");
    let solo_volume = new_volume(&ec2, &az, &[("Name", "solo"), ("Owner", "alice")]).await;
    let old_volume = new_volume(&ec2, &az, &[("Name", "old"), ("Owner", "bob")]).await;
    let data_volume = new_volume(&ec2, &az, &[("Name", "data"), ("Owner", "carol")]).await;
    let instance = run_instance(&ec2, &az).await;
    // A database: [[consistency]] selects it.
    ec2.create_tags()
        .resources(&instance)
        .tags(tag("Role", "db-orders"))
        .send()
        .await
        .unwrap();
    ec2.attach_volume()
        .volume_id(&data_volume)
        .instance_id(&instance)
        .device("/dev/sdf")
        .send()
        .await
        .unwrap();
    let old_snapshot = ec2
        .create_snapshot()
        .volume_id(&old_volume)
        .description("nightly")
        .send()
        .await
        .unwrap()
        .snapshot_id()
        .unwrap()
        .to_owned();
    ec2.modify_snapshot_attribute()
        .snapshot_id(&old_snapshot)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .group_names("all")
        .user_ids(OUTSIDER)
        .user_ids(TRUSTED)
        .send()
        .await
        .unwrap();
    let image = ec2
        .create_image()
        .instance_id(&instance)
        .name("web golden")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::Image)
                .tags(tag("Owner", "dave"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .image_id()
        .unwrap()
        .to_owned();
    ec2.modify_image_attribute()
        .image_id(&image)
        .launch_permission(
            LaunchPermissionModifications::builder()
                .add(
                    LaunchPermission::builder()
                        .group(PermissionGroup::All)
                        .build(),
                )
                .add(LaunchPermission::builder().user_id(OUTSIDER).build())
                .add(LaunchPermission::builder().user_id(TRUSTED).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    World {
        solo_volume,
        instance,
        old_snapshot,
        image,
    }
}

/// The config the backup team would write, parsed and checked as `snapguard.toml` is (the
/// loader of the file, with its error messages, is the CLI's and tested there).
fn config() -> rules::Config {
    let config: rules::Config = toml::from_str(&format!(
        r#"
[tags]
# Name: what snapguard derives for its backups when the source has none.
required = ["Owner", "Name"]

[protection]
max_snapshot_age = "1d"
copy_regions = ["{DR}"]
image_copy_regions = ["{DR}"]
archive_account = "{ARCHIVE}"

[sharing]
trusted_accounts = ["{TRUSTED}"]

[remediation]
tag_defaults = {{ Owner = "backup-team" }}

[[consistency]]
name = "databases"
select = {{ Role = "db-*" }}
pre = {{ document = "AWS-RunShellScript", parameters = {{ commands = ["fsfreeze -f /data"] }} }}
post = {{ document = "AWS-RunShellScript", parameters = {{ commands = ["fsfreeze -u /data"] }} }}
max_freeze_seconds = 10
"#
    ))
    .expect("config");
    config.validate().expect("config");
    config
}

fn scan_options(url: &str) -> snapguard_aws::LiveOptions {
    snapguard_aws::LiveOptions {
        accounts: vec![SOURCE.into(), ARCHIVE.into()],
        regions: Some(vec![HOME.into(), DR.into()]),
        endpoint_url: Some(url.to_owned()),
        progress: false,
        max_attempts: Some(2),
        operation_timeout: Duration::from_secs(30),
        ..snapguard_aws::LiveOptions::default()
    }
}

const RULES: [&str; 12] = [
    "SG-PROT-001",
    "SG-PROT-012",
    "SG-PROT-002",
    "SG-PROT-003",
    "SG-PROT-004",
    "SG-PROT-007",
    "SG-PROT-010",
    "SG-TAG-001",
    "SG-SHARE-001",
    "SG-SHARE-002",
    "SG-SHARE-003",
    "SG-SHARE-004",
];

fn scan_and_plan(url: &str, config: &rules::Config) -> (Vec<rules::Finding>, Plan) {
    let inventory = snapguard_aws::collect(&scan_options(url)).expect("scan");
    let findings = rules::evaluate(&inventory, config).findings;
    let filter = PlanFilter {
        rules: RULES.iter().map(|r| r.to_string()).collect(),
        accounts: vec![SOURCE.into()],
        // The emulator serves EBS encryption by default; snapshot locks are in the mocks.
        opt_in: vec![OptIn::EbsEncryptionByDefault],
    };
    let plan = rules::remediation::plan(&findings, Some(&inventory), config, &filter);
    // What `remediate plan` writes, `apply` reads: through the file format.
    let plan = Plan::from_json(&plan.to_json()).expect("the plan reads back");
    (findings, plan)
}

fn apply_options(url: &str, journal: Option<PathBuf>) -> ApplyOptions {
    ApplyOptions {
        endpoint_url: Some(url.to_owned()),
        concurrency: 1,
        waiter_timeout: Duration::from_secs(60),
        operation_timeout: Duration::from_secs(30),
        max_attempts: Some(2),
        journal,
        ..ApplyOptions::default()
    }
}

/// Snapshots of `account` in `region` tagged with `action_id`.
async fn tagged(
    url: &str,
    account: &str,
    region: &str,
    action_id: &str,
) -> Vec<aws_sdk_ec2::types::Snapshot> {
    let conf = if account == MANAGEMENT {
        snapguard_test_support::sdk(
            url,
            aws_credential_types::Credentials::new("testing", "testing", None, None, "t"),
            region,
        )
        .await
    } else {
        snapguard_test_support::in_account(url, account, region).await
    };
    aws_sdk_ec2::Client::new(&conf)
        .describe_snapshots()
        .owner_ids("self")
        .filters(
            Filter::builder()
                .name("tag:snapguard:action-id")
                .values(action_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .snapshots()
        .to_vec()
}

/// Who a snapshot's createVolumePermission or an image's launchPermission names: each entry as
/// its account id or its group (`all`).
fn grantees<'a>(
    entries: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeSet<String> {
    entries
        .map(|(user, group)| user.or(group).unwrap_or_default().to_owned())
        .collect()
}

fn outcomes(report: &ApplyReport) -> BTreeMap<String, String> {
    report
        .actions
        .iter()
        .map(|a| (format!("{} {}", a.kind, a.id), a.outcome.to_string()))
        .collect()
}

#[test]
fn apply_takes_copies_tags_and_unshares_survives_a_kill_and_the_rescan_is_clean() {
    let moto = start_moto_with_shim(true);
    let rt = runtime();
    let world = rt.block_on(populate(&moto.url));
    let config = config();
    let (_, plan) = scan_and_plan(&moto.url, &config);

    // The plan has every kind this test is about.
    let kinds: BTreeSet<&str> = plan.actions.iter().map(|a| a.step.kind()).collect();
    for kind in [
        "create_snapshot",
        "create_snapshots",
        "copy_snapshot",
        "copy_snapshot_to_account",
        "copy_image",
        "add_tags",
        "remove_snapshot_permissions",
        "remove_image_permissions",
        "enable_ebs_encryption_by_default",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {:#?}", plan.actions);
    }
    let by_kind = |kind: &'static str| plan.actions.iter().filter(move |a| a.step.kind() == kind);
    let create = by_kind("create_snapshot")
        .find(|a| a.target == world.solo_volume)
        .expect("a snapshot of the solo volume")
        .clone();
    let create_set = by_kind("create_snapshots")
        .find(|a| a.target == world.instance)
        .expect("a crash-consistent set of the instance")
        .clone();

    // From here on the emulator records every request: what the executor sends (and the
    // reads this test makes to check on it).
    moto.start_recording();

    // A dry run changes nothing and says what would work.
    let dry = remediate::apply(
        &plan,
        &ApplyOptions {
            dry_run: true,
            ..apply_options(&moto.url, None)
        },
    );
    assert!(dry.all_ok(), "{:#?}", outcomes(&dry));
    assert!(dry
        .actions
        .iter()
        .any(|a| a.outcome == Outcome::WouldSucceed));
    assert!(rt
        .block_on(tagged(&moto.url, SOURCE, HOME, &create.id))
        .is_empty());

    // Killed right after each mutating call in turn: a run makes one call and dies, so every
    // point between two calls is a crash point of some run. Each next run finds what the
    // killed ones made and goes on. A quiesced set is one exception: a run killed after its
    // pre-step resumes the instance first and must start over, so a run that finished no
    // action is allowed one call more than the one before it, until it gets through.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("plan.json.journal");
    let killed = |calls: usize| {
        remediate::apply(
            &plan,
            &ApplyOptions {
                interrupt_after_calls: Some(calls),
                ..apply_options(&moto.url, Some(journal.clone()))
            },
        )
    };
    let first = killed(1);
    assert!(
        first.interrupted && !first.all_ok(),
        "{:#?}",
        outcomes(&first)
    );
    assert!(first.actions.iter().any(|a| a.outcome == Outcome::NotRun));
    let (mut runs, mut calls) = (1, 1);
    let last = loop {
        let run = killed(calls);
        runs += 1;
        if !run.interrupted {
            break run;
        }
        let finished_one = run.actions.iter().any(|a| a.outcome != Outcome::NotRun);
        calls = if finished_one { 1 } else { calls + 1 };
        assert!(
            runs < 100 && calls < 5,
            "no progress: {:#?}",
            outcomes(&run)
        );
    };
    // The checks below call sts:AssumeRole themselves: not recorded.
    moto.stop_recording();
    eprintln!("{runs} runs; the last: {:#?}", outcomes(&last));
    assert!(
        runs > plan.actions.len(),
        "every action was killed at least once"
    );
    assert!(last.all_ok(), "{:#?}", outcomes(&last));
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    for action in plan.actions.iter() {
        assert!(
            journal_text.contains(&action.id),
            "{} not journaled",
            action.id
        );
    }

    // No duplicates: one snapshot per volume per creating action, one copy per copy action.
    let solo = rt.block_on(tagged(&moto.url, SOURCE, HOME, &create.id));
    assert_eq!(solo.len(), 1, "{solo:#?}");
    assert_eq!(solo[0].volume_id(), Some(world.solo_volume.as_str()));
    let tags: BTreeMap<&str, &str> = solo[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(
        tags.get("Owner"),
        Some(&"alice"),
        "tags set at creation: {tags:?}"
    );
    let set = rt.block_on(tagged(&moto.url, SOURCE, HOME, &create_set.id));
    let Step::CreateSnapshots(step) = &create_set.step else {
        unreachable!()
    };
    assert_eq!(set.len(), step.volume_ids.len(), "{set:#?}");
    assert!(set.len() >= 2);
    // Quiesced: taken after a pre-step that succeeded, and the post-step ran after it.
    assert!(
        matches!(step.quiesce, Some(Quiesce::Commands { .. })),
        "{step:#?}"
    );
    for snapshot in &set {
        let tags: BTreeMap<&str, &str> = snapshot
            .tags()
            .iter()
            .map(|t| (t.key().unwrap(), t.value().unwrap()))
            .collect();
        assert_eq!(tags.get(TAG_PRE_STEP), Some(&"SUCCESS"), "{tags:?}");
        assert_eq!(tags.get(TAG_POST_STEP), Some(&"SUCCESS"), "{tags:?}");
    }
    // Every pre-step the killed runs sent was followed by a post-step, the last command of all.
    let ssm = aws_sdk_ssm::Client::new(&rt.block_on(management(&moto.url)));
    let commands = rt
        .block_on(ssm.list_commands().instance_id(&world.instance).send())
        .unwrap()
        .commands()
        .to_vec();
    let steps: Vec<&str> = commands
        .iter()
        .filter_map(|c| c.comment()?.rsplit(": ").next())
        .collect();
    let pre = steps.iter().filter(|s| **s == "pre-step").count();
    assert!(pre >= 1, "{steps:?}");
    assert!(
        steps.iter().filter(|s| **s == "post-step").count() >= pre,
        "{steps:?}"
    );
    assert_eq!(steps.last(), Some(&"post-step"), "{steps:?}");
    for copy in by_kind("copy_snapshot") {
        let copies = rt.block_on(tagged(&moto.url, SOURCE, &copy.region, &copy.id));
        assert_eq!(copies.len(), 1, "{}: {copies:#?}", copy.id);
        assert!(copies[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("snapguard:source-snapshot")));
    }
    for copy in by_kind("copy_snapshot_to_account") {
        let copies = rt.block_on(tagged(&moto.url, ARCHIVE, &copy.region, &copy.id));
        assert_eq!(copies.len(), 1, "{}: {copies:#?}", copy.id);
    }

    // One AMI copy, named, tagged at creation (the AMI and its snapshot) with the action id,
    // its source and the source's required tags. (moto keeps no encryption state for AMIs.)
    let copy_image = by_kind("copy_image")
        .find(|a| a.target == world.image)
        .expect("a copy of the AMI");
    assert_eq!(copy_image.region, DR);
    let dr = aws_sdk_ec2::Client::new(&rt.block_on(snapguard_test_support::sdk(
        &moto.url,
        aws_credential_types::Credentials::new("testing", "testing", None, None, "t"),
        DR,
    )));
    let images = rt
        .block_on(
            dr.describe_images()
                .owners("self")
                .filters(
                    Filter::builder()
                        .name("tag:snapguard:action-id")
                        .values(&copy_image.id)
                        .build(),
                )
                .send(),
        )
        .unwrap()
        .images()
        .to_vec();
    assert_eq!(images.len(), 1, "{images:#?}");
    let image_tags: BTreeMap<&str, &str> = images[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(image_tags.get("Owner"), Some(&"dave"), "{image_tags:?}");
    assert_eq!(
        image_tags.get("snapguard:source-image"),
        Some(&world.image.as_str())
    );
    assert!(images[0]
        .name()
        .unwrap()
        .starts_with("web golden (copy of "));
    let image_snapshots = rt.block_on(tagged(&moto.url, SOURCE, DR, &copy_image.id));
    assert_eq!(image_snapshots.len(), 1, "{image_snapshots:#?}");

    // Sharing: the outsider and the public are gone, the trusted partner stays, and no
    // temporary archive share is left on any source.
    let ec2 = aws_sdk_ec2::Client::new(&rt.block_on(management(&moto.url)));
    let permissions = rt
        .block_on(
            ec2.describe_snapshot_attribute()
                .snapshot_id(&world.old_snapshot)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .send(),
        )
        .unwrap();
    let shared_with = grantees(
        permissions
            .create_volume_permissions()
            .iter()
            .map(|p| (p.user_id(), p.group().map(|g| g.as_str()))),
    );
    assert_eq!(shared_with, BTreeSet::from([TRUSTED.to_owned()]));
    let launch = rt
        .block_on(
            ec2.describe_image_attribute()
                .image_id(&world.image)
                .attribute(aws_sdk_ec2::types::ImageAttributeName::LaunchPermission)
                .send(),
        )
        .unwrap();
    let shared_with = grantees(
        launch
            .launch_permissions()
            .iter()
            .map(|p| (p.user_id(), p.group().map(|g| g.as_str()))),
    );
    assert_eq!(shared_with, BTreeSet::from([TRUSTED.to_owned()]));
    for snapshot in solo.iter().chain(&set) {
        let permissions = rt
            .block_on(
                ec2.describe_snapshot_attribute()
                    .snapshot_id(snapshot.snapshot_id().unwrap())
                    .attribute(SnapshotAttributeName::CreateVolumePermission)
                    .send(),
            )
            .unwrap();
        assert!(permissions.create_volume_permissions().is_empty());
    }

    // Applying again changes nothing.
    moto.start_recording();
    let again = remediate::apply(&plan, &apply_options(&moto.url, Some(journal.clone())));
    moto.stop_recording();
    assert!(
        again
            .actions
            .iter()
            .all(|a| matches!(a.outcome, Outcome::AlreadyDone | Outcome::ManualReview)),
        "{:#?}",
        outcomes(&again)
    );
    assert_eq!(
        rt.block_on(tagged(&moto.url, SOURCE, HOME, &create.id))
            .len(),
        1
    );

    // What the executor sent, in the dry run, the killed runs and the last two: nothing that
    // deletes, deregisters, unlocks or disables; and, besides reads, exactly the calls the plan
    // lists for its actions (what the person reviewing the plan was shown).
    let sent = moto.recorded_operations();
    let changed = changes_sent(&sent);
    let listed: BTreeSet<&str> = plan
        .actions
        .iter()
        .flat_map(|a| &a.calls)
        .map(String::as_str)
        .collect();
    assert!(
        listed.contains("ec2:CreateSnapshot") && listed.contains("sts:AssumeRole"),
        "{listed:?}"
    );
    assert_eq!(changed, listed, "sent (besides reads) / listed in the plan");

    // The rescan: every finding an action (not a review) resolved is gone.
    let inventory = snapguard_aws::collect(&scan_options(&moto.url)).expect("rescan");
    let findings = rules::evaluate(&inventory, &config).findings;
    let after: BTreeSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let resolved: Vec<(&str, &str)> = plan
        .actions
        .iter()
        .filter(|a| !matches!(a.step, Step::ManualReview(_)))
        .flat_map(|a| a.resolves.iter().map(move |f| (a.id.as_str(), f.as_str())))
        .collect();
    assert!(!resolved.is_empty());
    for (action, fingerprint) in resolved {
        assert!(
            !after.contains(fingerprint),
            "{action} should have resolved {fingerprint}"
        );
    }
    // And what snapguard created breaks no tag rule: every backup has Owner and Name.
    let created: BTreeSet<&str> = inventory
        .accounts
        .iter()
        .flat_map(|a| &a.regions)
        .flat_map(|r| {
            let snapshots = r
                .snapshots
                .iter()
                .flatten()
                .map(|s| (&*s.snapshot_id, &s.tags));
            let images = r.images.iter().flatten().map(|i| (&*i.image_id, &i.tags));
            snapshots.chain(images)
        })
        .filter(|(_, tags)| tags.iter().any(|t| &*t.key == TAG_ACTION_ID))
        .map(|(id, _)| id)
        .collect();
    assert!(created.len() >= 6, "{created:?}");
    let on_created: Vec<&rules::Finding> = findings
        .iter()
        .filter(|f| f.rule_id.starts_with("SG-TAG-") && created.contains(f.resource_id.as_str()))
        .collect();
    assert!(on_created.is_empty(), "{on_created:#?}");
}
