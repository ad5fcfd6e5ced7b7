//! The fixed-seed sample of the mutation harness (`tests/mutate`, docs/robustness.md): 2,000
//! seeded mutations of the fixtures, each run through this build's snapguard binary, and not
//! one may crash, hang, or give a cleaner result than the undamaged input without an input
//! error or a gap. A failure names the seed and the mutation; its damaged input is kept under
//! the target folder with the command that reproduces it.

use std::path::PathBuf;
use std::time::Duration;

use snapguard_mutate::{describe, run_all, summary, Settings, Verdict};

/// The CI sample's seed; `snapguard-mutate --seed S --mutations N` runs others.
const SEED: u64 = 12;

#[test]
fn two_thousand_mutations_fail_closed() {
    let settings = Settings {
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        snapguard: PathBuf::from(env!("CARGO_BIN_EXE_snapguard")),
        seed: SEED,
        mutations: 2000,
        first: 0,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        timeout: Duration::from_secs(30),
        keep_dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mutate"),
        // A debug build scans the demo organization in about 0.4 s and a per-rule case in
        // 10 ms: one mutation in eight damages the demo, so the sample stays under 3 minutes.
        demo_share: 8,
    };
    let report = run_all(&settings);
    assert!(
        report.left_out.is_empty(),
        "scenarios left out: {:#?}",
        report.left_out
    );
    let failures: Vec<String> = report
        .records
        .iter()
        .filter(|r| r.verdict.is_failure())
        .map(|r| describe(SEED, r))
        .collect();
    assert!(
        failures.is_empty(),
        "{}\n{}",
        summary(&report.records),
        failures.join("\n")
    );
    // The sample exercises every way of failing closed and both kinds of input.
    let count = |f: fn(&Verdict) -> bool| report.records.iter().filter(|r| f(&r.verdict)).count();
    assert!(
        count(|v| matches!(v, Verdict::Error)) > 500,
        "{}",
        summary(&report.records)
    );
    assert!(
        count(|v| matches!(v, Verdict::Gap)) > 50,
        "{}",
        summary(&report.records)
    );
    assert!(
        count(|v| matches!(v, Verdict::NotCleaner)) > 100,
        "{}",
        summary(&report.records)
    );
    assert!(report
        .records
        .iter()
        .any(|r| r.scenario == "fixtures/demo-org"));
    assert!(report.records.iter().any(|r| r.args[0] == "iam"));
}
