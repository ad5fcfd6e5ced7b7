//! End-to-end tests of sharded scans: `--shard K/N` and `auto/N` (the index from the job
//! system), membership by account id, and `merge` of the shards' reports into one.

mod demo_cli;

use demo_cli::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The report minus what legitimately differs between one run and merged shards.
fn comparable(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("source");
    report
}

fn account_ids(report: &Value) -> BTreeSet<String> {
    report["scope"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn merged_shards_equal_one_full_run() {
    let full = scan_json(&demo(), &demo_config(), &[]);
    let scratch = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 5] {
        let mut files = Vec::new();
        let mut covered = BTreeSet::new();
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let report = scan_json(&demo(), &demo_config(), &["--shard", &shard]);
            assert_eq!(report["shard"], serde_json::json!({"index": k, "count": n}));
            let accounts = account_ids(&report);
            assert!(covered.is_disjoint(&accounts), "shards {shard} overlap");
            covered.extend(accounts);
            let file = scratch.path().join(format!("shard-{k}-of-{n}.json"));
            write_json(&file, &report);
            files.push(file);
        }
        assert_eq!(covered, account_ids(&full), "the {n} shards cover the org");
        let mut args = vec!["merge"];
        args.extend(files.iter().rev().map(|f| text(f)));
        args.extend(["--format", "json", "--fail-on", "none"]);
        let merged = run(&args, &[]);
        assert_eq!(code(&merged), 4, "{}", stderr(&merged));
        let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
        assert_eq!(comparable(merged), comparable(full.clone()), "{n} shards");
    }
}

#[test]
fn merge_renders_any_format_and_applies_fail_on_and_baseline() {
    let scratch = tempfile::tempdir().unwrap();
    let full = scratch.path().join("full.json");
    write_json(&full, &scan_json(&demo(), &demo_config(), &[]));
    let shards: Vec<PathBuf> = (0..2)
        .map(|k| {
            let file = scratch.path().join(format!("shard-{k}.json"));
            write_json(
                &file,
                &scan_json(&demo(), &demo_config(), &["--shard", &format!("{k}/2")]),
            );
            file
        })
        .collect();
    let csv = scratch.path().join("merged.csv");
    let out = run(
        &[
            "merge",
            text(&shards[0]),
            text(&shards[1]),
            "--baseline",
            text(&full),
            "--fail-on-new",
            "--output",
            &format!("csv={}", text(&csv)),
        ],
        &[],
    );
    assert_eq!(
        code(&out),
        4,
        "nothing new, scan incomplete: {}",
        stderr(&out)
    );
    let table = stdout(&run(&["merge", text(&shards[0]), text(&shards[1])], &[]));
    assert!(table.starts_with("snapguard scanned 8 accounts"), "{table}");
    assert!(fs::read_to_string(&csv).unwrap().lines().count() > 30);
}

#[test]
fn merge_refuses_an_incomplete_or_mixed_set_of_shards() {
    let scratch = tempfile::tempdir().unwrap();
    let shard = |spec: &str| {
        let file = scratch
            .path()
            .join(format!("shard-{}.json", spec.replace('/', "-of-")));
        write_json(
            &file,
            &scan_json(&demo(), &demo_config(), &["--shard", spec]),
        );
        file
    };
    let (a, b, other) = (shard("0/2"), shard("1/2"), shard("0/3"));
    let full = scratch.path().join("full.json");
    write_json(&full, &scan_json(&demo(), &demo_config(), &[]));
    // Shard 1 made with another config (a comment more), and shard 1 of the night before.
    let config = scratch.path().join("snapguard.toml");
    let edited = format!("# edited\n{}", fs::read_to_string(demo_config()).unwrap());
    fs::write(&config, edited).unwrap();
    let other_config = scratch.path().join("shard-1-other-config.json");
    write_json(
        &other_config,
        &scan_json(&demo(), &config, &["--shard", "1/2"]),
    );
    let mut earlier: Value = serde_json::from_slice(&fs::read(&b).unwrap()).unwrap();
    assert!(earlier["config_sha256"]
        .as_str()
        .is_some_and(|h| h.len() == 64));
    earlier["collected_at"] = "2026-11-24T05:00:00Z".into();
    let night_before = scratch.path().join("shard-1-night-before.json");
    write_json(&night_before, &earlier);
    let cases: [(Vec<&Path>, &str); 6] = [
        (vec![&a, &a], "are both shard 0/2"),
        (vec![&a], "shard 1/2 is missing"),
        (vec![&a, &other], "the shards of one scan share N"),
        (vec![&full], "is not a shard report"),
        (vec![&a, &other_config], "was made with another config than"),
        (vec![&a, &night_before], "more than --max-skew (6.0 hours)"),
    ];
    for (files, says) in cases {
        let mut args = vec!["merge"];
        args.extend(files.iter().map(|f| text(f)));
        let out = run(&args, &[]);
        assert_eq!(code(&out), 2, "{says}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
}

#[test]
fn shard_auto_takes_its_index_from_the_job_system() {
    let explicit = scan_json(&demo(), &demo_config(), &["--shard", "2/3"]);
    let (dir, config) = (demo(), demo_config());
    for variable in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
        let args = [
            "scan",
            "--inventory",
            text(&dir),
            "--config",
            text(&config),
            "--shard",
            "auto/3",
            "--format",
            "json",
            "--fail-on",
            "none",
        ];
        let out = run(&args, &[(variable, "2")]);
        let auto: Value = serde_json::from_slice(&out.stdout).expect(variable);
        assert_eq!(auto, explicit, "{variable}");
    }
    let cases = [
        ("auto/3", "neither is set"),
        ("3/3", "does not exist"),
        ("1/0", "positive"),
    ];
    for (spec, says) in cases {
        let out = scan(&demo(), &demo_config(), &["--shard", spec]);
        assert_eq!(code(&out), 2, "{spec}");
        assert!(stderr(&out).contains(says), "{spec}: {}", stderr(&out));
    }
}

#[test]
fn shard_membership_depends_only_on_the_account_id() {
    // Removing accounts from the inventory does not move the others between shards.
    let full_shard = account_ids(&scan_json(&demo(), &demo_config(), &["--shard", "1/3"]));
    let (_copy, fewer) = demo_copy();
    for gone in ["195037628840", "559302184477", "847261930418"] {
        fs::remove_dir_all(fewer.join(gone)).unwrap();
    }
    let fewer_shard = account_ids(&scan_json(&fewer, &demo_config(), &["--shard", "1/3"]));
    let remaining: BTreeSet<String> = full_shard
        .iter()
        .filter(|a| !["195037628840", "559302184477", "847261930418"].contains(&a.as_str()))
        .cloned()
        .collect();
    assert_eq!(fewer_shard, remaining);
}
