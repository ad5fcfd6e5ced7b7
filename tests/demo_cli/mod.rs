//! Running the snapguard binary over the demo org (`fixtures/demo-org`), for the end-to-end
//! tests that share it (`mod demo_cli;`): scans, their JSON reports, scratch copies to change.
#![allow(dead_code)]

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

pub fn demo() -> PathBuf {
    root().join("fixtures/demo-org")
}

pub fn demo_config() -> PathBuf {
    demo().join("snapguard.toml")
}

pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snapguard"));
    command.args(args).current_dir(root());
    for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command.output().expect("run snapguard")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit status")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn text(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `scan --inventory DIR --config CONFIG` with more arguments.
pub fn scan(dir: &Path, config: &Path, more: &[&str]) -> Output {
    let mut args = vec!["scan", "--inventory", text(dir), "--config", text(config)];
    args.extend(more);
    run(&args, &[])
}

/// The JSON report of a scan that must succeed (findings and gaps are fine).
pub fn scan_json(dir: &Path, config: &Path, more: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "--fail-on", "none"];
    args.extend(more);
    let out = scan(dir, config, &args);
    assert!(matches!(code(&out), 0 | 4), "scan failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A scratch copy of the demo org to change.
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("demo-org");
    copy_dir(&demo(), &dir);
    (scratch, dir)
}

pub fn write_json(path: &Path, value: &Value) {
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}
