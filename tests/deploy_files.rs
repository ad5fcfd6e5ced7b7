//! The deployment files in deploy/: the Kubernetes indexed job and the AWS Batch array job run
//! one shard per index, the CloudFormation roles grant what snapguard calls and no more, and
//! the example `[[consistency]]` documents thaw the host by themselves.

use rules::remediation::plan::LockSnapshot;
use rules::remediation::Step;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn yaml(path: &str) -> yaml_rust2::Yaml {
    let source = fs::read_to_string(root().join(path)).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&source)
        .unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
    assert_eq!(docs.len(), 1, "{path} holds one document");
    docs.remove(0)
}

fn json(path: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(root().join(path)).unwrap())
        .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// N of the `--shard auto/N` in a container's command line.
fn auto_shard_count(command: &str) -> u64 {
    let words: Vec<&str> = command.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "--shard").expect("--shard");
    words[at + 1]
        .strip_prefix("auto/")
        .expect("--shard auto/N")
        .parse()
        .unwrap()
}

#[test]
fn the_kubernetes_indexed_job_runs_one_shard_per_index() {
    let job = yaml("deploy/kubernetes/indexed-job.yaml");
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().unwrap();
    assert_eq!(spec["parallelism"].as_i64(), Some(completions));
    let container = &spec["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(auto_shard_count(&args.join(" ")) as i64, completions);
}

/// Runs a Python `script` with `args` in the test venv (`test.sh` installs its packages and
/// puts it first on PATH); what it prints, trimmed.
fn python(script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .args(args)
        .current_dir(root())
        .output()
        .expect("python3 (the test venv of test.sh, on PATH) runs");
    assert!(
        out.status.success(),
        "the script did not run (test.sh installs its packages): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_kubernetes_job_validates_against_the_versions_it_says_it_needs() {
    let script = r#"
import sys, yaml, kubernetes_validate
from kubernetes_validate.utils import ValidationError, InvalidSchemaError
doc = yaml.safe_load(open(sys.argv[1]))
for version in sys.argv[2:]:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        print(f"{version}: valid")
    except ValidationError as e:
        print(f"{version}: {e.path} {e.message}".replace(chr(10), " "))
"#;
    let out = python(
        script,
        &[
            "deploy/kubernetes/indexed-job.yaml",
            "1.29.0",
            "1.30.0",
            "1.31.0",
            "1.27.0",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        &lines[..3],
        ["1.29.0: valid", "1.30.0: valid", "1.31.0: valid"],
        "{out}"
    );
    // The field is new: 1.27's schema does not know it (1.28 has it behind a feature gate
    // that is off by default, which no schema shows).
    assert!(
        lines[3].starts_with("1.27.0: ") && lines[3].contains("backoffLimitPerIndex"),
        "{out}"
    );
    let text = fs::read_to_string(root().join("deploy/kubernetes/indexed-job.yaml")).unwrap();
    assert!(text.contains("Needs Kubernetes 1.29 or later"));
}

#[test]
fn the_aws_batch_files_validate_against_botocores_batch_model() {
    let script = r#"
import json, sys, botocore.session
from botocore.validate import ParamValidator
model = botocore.session.get_session().get_service_model('batch')
for path, operation in [(sys.argv[1], 'RegisterJobDefinition'), (sys.argv[2], 'SubmitJob')]:
    report = ParamValidator().validate(json.load(open(path)), model.operation_model(operation).input_shape)
    print(f"{operation}: " + (report.generate_report().replace(chr(10), " ") if report.has_errors() else "valid"))
"#;
    let out = python(
        script,
        &[
            "deploy/aws-batch/job-definition.json",
            "deploy/aws-batch/submit-array-job.json",
        ],
    );
    assert_eq!(out, "RegisterJobDefinition: valid\nSubmitJob: valid");
}

#[test]
fn the_aws_batch_array_job_runs_one_shard_per_child() {
    let definition = json("deploy/aws-batch/job-definition.json");
    let command: Vec<&str> = definition["containerProperties"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let command = command.join(" ");
    assert!(command.contains("snapguard scan"));
    let submit = json("deploy/aws-batch/submit-array-job.json");
    assert_eq!(submit["jobDefinition"], definition["jobDefinitionName"]);
    let size = submit["arrayProperties"]["size"].as_u64().unwrap();
    assert_eq!(auto_shard_count(&command), size);
}

/// Runs `script` with `shell` (`sh` as a container would, `bash` for the README's loops) in
/// `dir`, the AWS CLI pointed at the emulator at `url`, with `env` besides; fails the test
/// unless it succeeds; its standard output, trimmed.
fn shell_with_aws(
    shell: &str,
    url: &str,
    script: &str,
    dir: &Path,
    env: &[(&str, String)],
) -> String {
    let out = std::process::Command::new(shell)
        .args(["-c", script])
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .output()
        .expect("the shell runs");
    assert!(
        out.status.success(),
        "{script}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The line of docs/nightly.md's Batch recipe that fetches the shards for the merge.
fn merge_step_copy_line() -> String {
    let doc = fs::read_to_string(root().join("docs/nightly.md")).unwrap();
    doc.lines()
        .find(|l| l.starts_with("aws s3 cp --recursive") && l.contains("$JOB"))
        .expect("docs/nightly.md copies the shards from S3 before the merge")
        .to_owned()
}

#[test]
fn the_aws_batch_shards_reach_the_merge_step_through_s3() {
    // Each child runs the job definition's own command (with a snapguard that only writes its
    // shard), as AWS Batch sets its environment (`AWS_BATCH_JOB_ID` is `<parent>:<index>`),
    // and the real AWS CLI copies the report to moto's S3; then the documented merge step's
    // copy must find every shard under the parent's id.
    let moto = snapguard_test_support::moto::start_moto();
    let definition = json("deploy/aws-batch/job-definition.json");
    let command = definition["containerProperties"]["command"][2]
        .as_str()
        .unwrap()
        .to_owned();
    let scratch = tempfile::tempdir().unwrap();
    let bin = scratch.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("snapguard");
    fs::write(
        &stub,
        "#!/bin/sh\nfor a; do case $a in json=*) out=${a#json=};; esac; done\n\
         printf '{\"shard\": %s}' \"$AWS_BATCH_JOB_ARRAY_INDEX\" > \"$out\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&stub, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let sh = |script: &str, extra: &[(&str, String)], dir: &Path| {
        let mut env = vec![
            ("PATH", path.clone()),
            ("REPORT_BUCKET", "snapguard-reports".to_owned()),
        ];
        env.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        shell_with_aws("sh", &moto.url, script, dir, &env);
    };
    sh("aws s3 mb s3://$REPORT_BUCKET", &[], scratch.path());
    let parent = "9b1f8c2e-0d4a-4e43-a1b5-6f0c2d7e8a90";
    let size = json("deploy/aws-batch/submit-array-job.json")["arrayProperties"]["size"]
        .as_u64()
        .unwrap();
    for index in 0..size {
        let env = [
            ("AWS_BATCH_JOB_ID", format!("{parent}:{index}")),
            ("AWS_BATCH_JOB_ARRAY_INDEX", index.to_string()),
        ];
        sh(&command, &env, scratch.path());
    }
    let merge_dir = scratch.path().join("merge");
    fs::create_dir_all(&merge_dir).unwrap();
    sh(
        &merge_step_copy_line(),
        &[("JOB", parent.to_owned())],
        &merge_dir,
    );
    for index in 0..size {
        let shard = merge_dir.join(format!("shards/shard-{index}.json"));
        let text = fs::read_to_string(&shard)
            .unwrap_or_else(|e| panic!("{}: {e}; the merge step finds no shard", shard.display()));
        assert_eq!(text, format!("{{\"shard\": {index}}}"));
    }
}

#[test]
fn the_scan_role_grants_only_the_reads_the_scan_needs() {
    let template = yaml("deploy/cloudformation/scan-role.yaml");
    let role = &template["Resources"]["SnapguardScanRole"];
    assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"));
    let trust = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"].as_str(), Some("sts:AssumeRole"));
    assert!(
        !trust["Condition"].is_badvalue(),
        "an optional ExternalId condition"
    );

    let read = regex::Regex::new(r"^[a-z0-9]+:(Describe|List|Get)[A-Za-z]+$").unwrap();
    let mut actions = BTreeSet::new();
    for policy in role["Properties"]["Policies"].as_vec().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_vec().unwrap() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            for action in statement["Action"].as_vec().unwrap() {
                let action = action.as_str().unwrap();
                assert!(read.is_match(action), "{action} is not a read-only action");
                actions.insert(action.to_owned());
            }
        }
    }
    // What the scan calls inside an account it assumed this role in: every operation of the
    // live source's own list but the Organizations reads and the STS calls, which it makes with
    // the scanner's own credentials in the management (or delegated administrator) account.
    let needed: BTreeSet<String> = snapguard_aws::OPERATIONS
        .iter()
        .filter(|op| !op.starts_with("organizations:") && !op.starts_with("sts:"))
        .map(|op| op.to_string())
        .collect();
    assert!(
        needed.contains("ec2:DescribeSnapshots")
            && needed.contains("iam:GetAccountAuthorizationDetails"),
        "{needed:?}"
    );
    let missing: Vec<&String> = needed.difference(&actions).collect();
    assert!(missing.is_empty(), "the scan role lacks {missing:?}");
    let extra: Vec<&String> = actions.difference(&needed).collect();
    assert!(
        extra.is_empty(),
        "the scan role grants more than the scan calls: {extra:?}"
    );
}

/// Every operation the remediation executor may send (its guard's list) is granted by the
/// shipped roles, and the roles grant nothing else but the KMS use encrypted copies need, the
/// tagging of the Recycle Bin rules and recovery points they create, and passing the backup
/// selection's role to AWS Backup. The calls of the opt-in guardrails are
/// granted only by policies the stack creates when a parameter, `false` by default, says so.
#[test]
fn the_remediation_roles_grant_what_the_executor_calls_and_no_more() {
    let template = yaml("deploy/cloudformation/remediation-roles.yaml");
    let allowed_in = |document: &yaml_rust2::Yaml| -> BTreeSet<String> {
        let mut actions = BTreeSet::new();
        for statement in document["Statement"].as_vec().unwrap() {
            if statement["Effect"].as_str() != Some("Allow") {
                continue;
            }
            let listed = match statement["Action"].as_vec() {
                Some(list) => list.iter().map(|a| a.as_str().unwrap()).collect(),
                None => vec![statement["Action"].as_str().unwrap()],
            };
            actions.extend(listed.into_iter().map(str::to_owned));
        }
        actions
    };
    let actions_of = |role: &str| -> BTreeSet<String> {
        let resource = &template["Resources"][role];
        assert_eq!(resource["Type"].as_str(), Some("AWS::IAM::Role"));
        resource["Properties"]["Policies"]
            .as_vec()
            .unwrap()
            .iter()
            .flat_map(|policy| allowed_in(&policy["PolicyDocument"]))
            .collect()
    };
    // Opt-in: the role policies attached to the remediation role, each created only when its
    // parameter is "true" (default "false").
    let mut opt_in_grants = BTreeSet::new();
    for (_, resource) in template["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::IAM::RolePolicy") {
            continue;
        }
        let properties = &resource["Properties"];
        assert_eq!(
            properties["RoleName"]["Ref"].as_str(),
            Some("SnapguardRemediationRole")
        );
        let condition = resource["Condition"]
            .as_str()
            .expect("a conditional policy");
        let equals = template["Conditions"][condition]["Fn::Equals"]
            .as_vec()
            .unwrap();
        let parameter = equals[0]["Ref"].as_str().unwrap();
        assert_eq!(equals[1].as_str(), Some("true"), "{condition}");
        assert_eq!(
            template["Parameters"][parameter]["Default"].as_str(),
            Some("false"),
            "{parameter}"
        );
        opt_in_grants.extend(allowed_in(&properties["PolicyDocument"]));
    }
    let opt_in_calls: BTreeSet<String> = [
        Step::EnableEbsEncryptionByDefault,
        Step::LockSnapshot(LockSnapshot {
            snapshot_id: "snap-1".into(),
            lock_duration_days: 1,
        }),
    ]
    .iter()
    .inspect(|step| assert!(step.opt_in().is_some()))
    .flat_map(|step| step.calls())
    .collect();
    assert_eq!(opt_in_grants, opt_in_calls);
    // Resource ARNs follow the partition the stack is deployed in (aws, aws-us-gov, aws-cn).
    let text =
        fs::read_to_string(root().join("deploy/cloudformation/remediation-roles.yaml")).unwrap();
    for line in text.lines().filter(|l| l.contains(":ec2:")) {
        assert!(line.contains("${AWS::Partition}"), "{line}");
    }
    let remediation = actions_of("SnapguardRemediationRole");
    let archive = actions_of("SnapguardArchiveRole");
    let service = |operation: &str| match operation {
        "ListRules" | "GetRule" | "ListTagsForResource" | "CreateRule" | "LockRule" => "rbin",
        "ListBackupJobs" | "ListCopyJobs" | "StartBackupJob" | "StartCopyJob" => "backup",
        "AssumeRole" | "GetCallerIdentity" => "sts",
        "SendCommand" | "GetCommandInvocation" | "ListCommands" => "ssm",
        _ => "ec2",
    };
    // The remediator's own sts calls need no grant in these roles; the Systems Manager calls
    // of [[consistency]] come from the policy `remediate consistency-policy` generates,
    // attached only when its name is given (tests/remediate_plan.rs checks that policy).
    let executor: BTreeSet<String> = snapguard_aws::remediate::guard::ALLOWED
        .iter()
        .filter(|op| !["sts", "ssm"].contains(&service(op)))
        .map(|op| format!("{}:{op}", service(op)))
        .collect();
    let role = &template["Resources"]["SnapguardRemediationRole"]["Properties"];
    let attached = role["ManagedPolicyArns"]["Fn::If"].as_vec().unwrap();
    assert_eq!(attached[0].as_str(), Some("HasConsistencyPolicy"));
    assert_eq!(
        attached[1][0]["Fn::Sub"].as_str(),
        Some("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${ConsistencyPolicyName}")
    );
    assert_eq!(attached[2]["Ref"].as_str(), Some("AWS::NoValue"));
    assert_eq!(
        template["Parameters"]["ConsistencyPolicyName"]["Default"].as_str(),
        Some("")
    );
    assert!(remediation.iter().all(|a| !a.starts_with("ssm:")));
    assert!(
        remediation.is_disjoint(&opt_in_calls),
        "the remediation role grants an opt-in call without its parameter"
    );
    let granted: BTreeSet<String> = remediation.union(&opt_in_grants).cloned().collect();
    let missing: Vec<&String> = executor.difference(&granted).collect();
    assert!(missing.is_empty(), "the remediation role lacks {missing:?}");
    let extra: Vec<&String> = remediation
        .iter()
        .filter(|a| {
            !executor.contains(*a)
                && !a.starts_with("kms:")
                && !["rbin:TagResource", "backup:TagResource", "iam:PassRole"].contains(&a.as_str())
        })
        .collect();
    assert!(
        extra.is_empty(),
        "the remediation role grants more: {extra:?}"
    );
    // In the archive account the executor only finds and makes copies.
    let archive_calls: BTreeSet<String> = [
        "ec2:DescribeSnapshots",
        "ec2:CopySnapshot",
        "ec2:CreateTags",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let archive_ec2: BTreeSet<String> = archive
        .iter()
        .filter(|a| !a.starts_with("kms:"))
        .cloned()
        .collect();
    assert_eq!(archive_ec2, archive_calls);
}

/// The shell script of an SSM Command document's `aws:runShellScript` step, with its
/// `{{ Parameter }}`s replaced and its state directory moved to `state`.
fn ssm_script(path: &str, parameters: &[(&str, &str)], state: &Path) -> String {
    let document = yaml(path);
    assert_eq!(document["schemaVersion"].as_str(), Some("2.2"), "{path}");
    let step = &document["mainSteps"][0];
    assert_eq!(
        step["action"].as_str(),
        Some("aws:runShellScript"),
        "{path}"
    );
    let mut script = step["inputs"]["runCommand"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    for (name, value) in parameters {
        assert!(
            document["parameters"][*name].as_hash().is_some(),
            "{path} declares {name}"
        );
        script = script.replace(&format!("{{{{ {name} }}}}"), value);
    }
    assert!(
        !script.contains("{{"),
        "{path}: a parameter is left: {script}"
    );
    script.replace("/run/snapguard-freeze", &state.display().to_string())
}

#[test]
fn the_example_freeze_thaws_by_itself_and_the_thaw_disarms_it() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    // fsfreeze, recording what it is asked instead of freezing anything.
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let log = dir.path().join("fsfreeze.log");
    let stub = bin.join("fsfreeze");
    // Thawing fails when told to (`fail-thaw`), and says "Invalid argument" for a file system
    // that is not frozen, as util-linux's fsfreeze does.
    let fail_thaw = dir.path().join("fail-thaw");
    fs::write(
        &stub,
        format!(
            "#!/bin/sh\necho \"$@\" >> {log}\n\
             if [ \"$1\" = -u ] && [ -f {fail} ]; then echo \"fsfreeze: $2: Operation not permitted\" >&2; exit 1; fi\n\
             if [ \"$1\" = -u ] && [ \"$2\" = /not-frozen ]; then echo \"fsfreeze: $2: thaw failed: Invalid argument\" >&2; exit 1; fi\n",
            log = log.display(),
            fail = fail_thaw.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&stub, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let state = dir.path().join("state");
    let parameters = [("Mountpoints", "/data /logs"), ("MaxFreezeSeconds", "1")];
    let freeze = ssm_script(
        "deploy/ssm-documents/snapguard-FreezeFilesystems.yaml",
        &parameters,
        &state,
    );
    let thaw = ssm_script(
        "deploy/ssm-documents/snapguard-ThawFilesystems.yaml",
        &parameters[..1],
        &state,
    );
    let try_run = |script: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let run = |script: &str| {
        let out = try_run(script);
        assert!(out.status.success(), "{out:?}");
    };
    let calls = || fs::read_to_string(&log).unwrap_or_default();

    // No post-step ever comes: the host thaws by itself after MaxFreezeSeconds.
    run(&freeze);
    assert_eq!(calls(), "-f /data\n-f /logs\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(calls(), "-f /data\n-f /logs\n-u /data\n-u /logs\n");

    // The post-step thaws at once (what the freeze recorded, whatever its own parameter
    // says) and disarms the timer; repeating it is harmless.
    fs::remove_file(&log).unwrap();
    run(&freeze);
    let thaw_other = ssm_script(
        "deploy/ssm-documents/snapguard-ThawFilesystems.yaml",
        &[("Mountpoints", "/not-frozen")],
        &state,
    );
    run(&thaw_other);
    run(&thaw);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        calls(),
        "-f /data\n-f /logs\n-u /data\n-u /logs\n-u /not-frozen\n-u /data\n-u /logs\n",
        "the timer fired after the thaw"
    );

    // A thaw that fails says so and leaves the timer armed: the host still resumes by itself.
    fs::remove_file(&log).unwrap();
    run(&freeze);
    fs::write(&fail_thaw, "").unwrap();
    let out = try_run(&thaw);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not thaw"),
        "{out:?}"
    );
    fs::remove_file(&fail_thaw).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        calls().matches("-u /data").count(),
        2,
        "the timer did not fire: {}",
        calls()
    );

    // Neither document freezes / itself.
    for path in [
        "deploy/ssm-documents/snapguard-FreezeFilesystems.yaml",
        "deploy/ssm-documents/snapguard-ThawFilesystems.yaml",
    ] {
        let pattern = yaml(path)["parameters"]["Mountpoints"]["allowedPattern"]
            .as_str()
            .unwrap()
            .to_owned();
        let pattern = regex::Regex::new(&pattern).unwrap();
        assert!(pattern.is_match("/var/lib/postgresql /data"), "{path}");
        assert!(!pattern.is_match("/"), "{path}");
        assert!(!pattern.is_match("/data /"), "{path}");
    }
}

/// The README's shell loop that gathers the per-snapshot outputs into one file.
fn readme_snapshot_attribute_loop() -> String {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("for s in $(aws ec2 describe-snapshots")
        .expect("the README's describe-snapshot-attribute loop");
    let end = start + readme[start..].find("```").unwrap();
    readme[start..end].to_owned()
}

#[test]
fn the_readme_recording_loop_writes_what_snapguard_reads() {
    // The real AWS CLI against moto: a public snapshot and a private one, recorded with the
    // README's commands, then scanned from the recorded layout.
    let moto = snapguard_test_support::moto::start_moto();
    let scratch = tempfile::tempdir().unwrap();
    let region = scratch.path().join("inventory/123456789012/us-east-1");
    fs::create_dir_all(&region).unwrap();
    let sh = |script: &str| shell_with_aws("bash", &moto.url, script, &region, &[]);
    let volume = sh(
        "aws ec2 create-volume --availability-zone us-east-1a --size 8 \
                     --query VolumeId --output text",
    );
    let public = sh(&format!(
        "aws ec2 create-snapshot --volume-id {volume} --query SnapshotId --output text"
    ));
    sh(&format!(
        "aws ec2 create-snapshot --volume-id {volume} --query SnapshotId --output text"
    ));
    sh(&format!(
        "aws ec2 modify-snapshot-attribute --snapshot-id {public} \
         --attribute createVolumePermission --operation-type add --group-names all"
    ));
    sh("aws ec2 describe-snapshots --owner-ids self > describe-snapshots.json");
    sh(&readme_snapshot_attribute_loop());
    // The rest of the region, empty, as the README's layout names it.
    for (file, text) in [
        ("describe-volumes.json", r#"{"Volumes": []}"#),
        ("describe-instances.json", r#"{"Reservations": []}"#),
        ("describe-images.json", r#"{"Images": []}"#),
        ("describe-image-attribute.json", ""),
        ("get-rule.json", ""),
        ("list-rules-EBS_SNAPSHOT.json", r#"{"Rules": []}"#),
        ("list-rules-EC2_IMAGE.json", r#"{"Rules": []}"#),
        (
            "get-snapshot-block-public-access-state.json",
            r#"{"State": "unblocked"}"#,
        ),
        (
            "get-image-block-public-access-state.json",
            r#"{"ImageBlockPublicAccessState": "block-new-sharing"}"#,
        ),
    ] {
        fs::write(region.join(file), text).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(["scan", "--inventory"])
        .arg(scratch.path().join("inventory"))
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let public_findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "SG-SHARE-003")
        .collect();
    assert_eq!(public_findings.len(), 1, "{report}");
    assert_eq!(public_findings[0]["resource_id"], public.as_str());
}
