//! End-to-end: `snapguard remediate plan` of the emulator (moto), then `snapguard remediate
//! apply` as a person runs it: refused without a terminal or `--yes`, asked on a terminal (a
//! pseudo-terminal made by python3's `pty`), a dry run, a run killed after its first call and
//! finished by the next, a failing action, and a plan that is not one; each with its exit
//! status, and with what exists in the emulator afterwards.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use aws_sdk_ec2::types::Filter;
use serde_json::Value;
use snapguard_test_support::{management, new_volume, runtime, start_moto_with_shim};

const REGION: &str = "us-east-1";
const ZONE: &str = "us-east-1a";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `command` against the emulator with `stdin` as its standard input.
fn run(command: &mut Command, url: &str, stdin: &str) -> Run {
    let mut child = command
        .env("AWS_ENDPOINT_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code(),
        // A terminal ends its lines with \r\n.
        stdout: String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `snapguard ARGS`, its standard input not a terminal.
fn snapguard(url: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapguard"));
    command.args(args).envs(env.iter().copied());
    run(&mut command, url, stdin)
}

/// `snapguard remediate apply PLAN` on a pseudo-terminal (python3's `pty`) that types
/// `answer`; everything it printed comes back as `stdout`.
fn on_terminal(url: &str, plan: &Path, answer: &str) -> Run {
    let script = "import os, pty, sys\n\
                  sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))";
    let mut command = Command::new("python3");
    command.args([
        "-c",
        script,
        env!("CARGO_BIN_EXE_snapguard"),
        "remediate",
        "apply",
        plan.to_str().unwrap(),
    ]);
    run(&mut command, url, answer)
}

/// Snapshots of `volume` that snapguard made (they carry an action id).
async fn snapguard_snapshots(ec2: &aws_sdk_ec2::Client, volume: &str) -> usize {
    ec2.describe_snapshots()
        .owner_ids("self")
        .filters(Filter::builder().name("volume-id").values(volume).build())
        .filters(
            Filter::builder()
                .name("tag-key")
                .values("snapguard:action-id")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .snapshots()
        .len()
}

fn write_config(dir: &Path) -> String {
    let path = dir.join("snapguard.toml");
    std::fs::write(
        &path,
        "[tags]\nrequired = [\"Owner\"]\n\n[remediation]\ntag_defaults = { Owner = \"backup-team\" }\n",
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

/// Plans SG-PROT-001 for the emulator's us-east-1 into `plan`.
fn plan(url: &str, config: &str, plan: &Path) {
    let run = snapguard(
        url,
        &[
            "remediate",
            "plan",
            "--regions",
            REGION,
            "--config",
            config,
            "--rules",
            "SG-PROT-001",
            "--out",
            plan.to_str().unwrap(),
        ],
        "",
        &[],
    );
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn apply_asks_refuses_dry_runs_resumes_and_says_how_it_went() {
    let moto = start_moto_with_shim(false);
    let rt = runtime();
    let ec2 = aws_sdk_ec2::Client::new(&rt.block_on(management(&moto.url)));
    let volume = rt.block_on(new_volume(&ec2, ZONE, &[("Name", "orders-db")]));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let plan_path = dir.path().join("plan.json");
    plan(&moto.url, &config, &plan_path);
    let plan_arg = plan_path.to_str().unwrap();
    let plan_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    assert_eq!(plan_json["actions"][0]["target"], volume.as_str());
    let taken = || rt.block_on(snapguard_snapshots(&ec2, &volume));

    // Not a terminal, no --yes: refused, exit 2, nothing done.
    let refused = snapguard(&moto.url, &["remediate", "apply", plan_arg], "y\n", &[]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains("without confirmation") && refused.stderr.contains("--yes"),
        "{refused:?}"
    );
    assert_eq!(taken(), 0);

    // On a terminal, answering no: exit 0, nothing done.
    let declined = on_terminal(&moto.url, &plan_path, "n\n");
    assert_eq!(declined.code, Some(0), "{declined:?}");
    assert!(
        declined
            .stdout
            .contains("Apply 1 actions to 1 accounts? [y/N]"),
        "{declined:?}"
    );
    assert!(
        declined.stdout.contains("nothing was changed"),
        "{declined:?}"
    );
    assert_eq!(taken(), 0);

    // A dry run asks nothing, changes nothing, and says the action would succeed.
    let dry = snapguard(
        &moto.url,
        &["remediate", "apply", plan_arg, "--dry-run"],
        "",
        &[],
    );
    assert_eq!(dry.code, Some(0), "{dry:?}");
    assert!(dry.stdout.contains("would succeed"), "{dry:?}");
    assert!(dry.stdout.contains("dry run, 1 action"), "{dry:?}");
    assert_eq!(taken(), 0);
    assert!(!Path::new(&format!("{plan_arg}.journal")).exists());

    // Killed after its first call (the snapshot), before recording it: exit 1, and it says
    // to run again.
    let killed = snapguard(
        &moto.url,
        &["remediate", "apply", plan_arg, "--yes"],
        "",
        &[("SNAPGUARD_APPLY_INTERRUPT_AFTER", "1")],
    );
    assert_eq!(killed.code, Some(1), "{killed:?}");
    assert!(
        killed
            .stdout
            .contains("interrupted: run the same command again"),
        "{killed:?}"
    );
    assert_eq!(taken(), 1);

    // On a terminal, answering yes: the run finds the snapshot and creates no second one.
    let confirmed = on_terminal(&moto.url, &plan_path, "y\n");
    assert_eq!(confirmed.code, Some(0), "{confirmed:?}");
    assert!(confirmed.stdout.contains("already done"), "{confirmed:?}");
    // The table is readable on a terminal that reports no size: the action id is not wrapped.
    let action_id = plan_json["actions"][0]["id"].as_str().unwrap();
    assert!(confirmed.stdout.contains(action_id), "{confirmed:?}");
    assert!(
        confirmed
            .stdout
            .contains(&format!("journal: {plan_arg}.journal")),
        "{confirmed:?}"
    );
    assert_eq!(taken(), 1);

    // A rescan plans nothing more for that volume.
    let again = dir.path().join("again.json");
    plan(&moto.url, &config, &again);
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert_eq!(again["actions"], serde_json::json!([]), "{again:#}");

    // A volume deleted between plan and apply: its action fails, the exit status is 1, and
    // the JSON outcome says why.
    let doomed = rt.block_on(new_volume(&ec2, ZONE, &[("Name", "scratch")]));
    let doomed_plan = dir.path().join("doomed.json");
    plan(&moto.url, &config, &doomed_plan);
    rt.block_on(ec2.delete_volume().volume_id(&doomed).send())
        .unwrap();
    let failed = snapguard(
        &moto.url,
        &[
            "remediate",
            "apply",
            doomed_plan.to_str().unwrap(),
            "--yes",
            "--format",
            "json",
        ],
        "",
        &[],
    );
    assert_eq!(failed.code, Some(1), "{failed:?}");
    let report: Value = serde_json::from_str(&failed.stdout).expect("a JSON outcome");
    let action = &report["actions"][0];
    assert_eq!(action["target"], doomed.as_str(), "{report:#}");
    assert_eq!(action["outcome"]["status"], "failed", "{report:#}");
    assert!(
        action["outcome"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("ec2:CreateSnapshot")),
        "{report:#}"
    );

    // Not a plan: exit 2, naming the file.
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"actions\": []}").unwrap();
    let bad = snapguard(
        &moto.url,
        &["remediate", "apply", bogus.to_str().unwrap(), "--yes"],
        "",
        &[],
    );
    assert_eq!(bad.code, Some(2), "{bad:?}");
    assert!(
        bad.stderr.contains("bogus.json") && bad.stderr.contains("schema_version"),
        "{bad:?}"
    );
}
