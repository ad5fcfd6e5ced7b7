//! `snapguard-mutate`: runs seeded mutations of snapguard's fixtures against a snapguard binary
//! and reports crashes, hangs and cleaner-than-original results (docs/robustness.md).
//!
//! ```sh
//! cargo build --release -p snapguard -p snapguard-mutate
//! target/release/snapguard-mutate --seed 20261130 --mutations 20000
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use snapguard_mutate::{describe, run_all, summary, Settings};

/// Damages copies of snapguard's fixtures with seeded random mutations and checks that every
/// damaged input is refused (exit 2), reported as a gap, or gives a result no cleaner than the
/// undamaged one, without a crash or a hang. Exits 0 when all hold, 1 when one does not.
#[derive(Parser)]
#[command(name = "snapguard-mutate")]
struct Args {
    /// The seed: the same seed gives the same mutations on every machine.
    #[arg(long, default_value_t = 12)]
    seed: u64,
    /// How many mutations to run.
    #[arg(long, default_value_t = 2000)]
    mutations: u64,
    /// The first mutation index: `--first I --mutations 1` redoes mutation I.
    #[arg(long, default_value_t = 0)]
    first: u64,
    /// snapguard runs at once (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// A run longer than this many seconds is a hang.
    #[arg(long, default_value_t = 20)]
    timeout_secs: u64,
    /// One mutation in this many damages the demo organization (0: never); the others damage
    /// a per-rule case or an `iam check` input.
    #[arg(long, default_value_t = 3)]
    demo_share: u64,
    /// The binary under test (default: `snapguard` beside this program).
    #[arg(long)]
    snapguard: Option<PathBuf>,
    /// The repository whose `fixtures/` are damaged (default: this source tree).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Where the damaged inputs of failures are kept (default: `mutate/` in the target folder).
    #[arg(long)]
    keep: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let settings = Settings {
        snapguard: args.snapguard.unwrap_or_else(|| exe_dir.join("snapguard")),
        keep_dir: args.keep.unwrap_or_else(|| exe_dir.join("../mutate")),
        root: args
            .root
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")),
        seed: args.seed,
        mutations: args.mutations,
        first: args.first,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        timeout: Duration::from_secs(args.timeout_secs),
        demo_share: args.demo_share,
    };
    if !settings.snapguard.is_file() {
        eprintln!(
            "{} is not a file: build snapguard first (cargo build --release -p snapguard) or pass --snapguard",
            settings.snapguard.display()
        );
        return ExitCode::from(2);
    }
    let start = Instant::now();
    let report = run_all(&settings);
    for reason in &report.left_out {
        println!("left out (its undamaged run is not a report): {reason}");
    }
    let failures: Vec<_> = report
        .records
        .iter()
        .filter(|r| r.verdict.is_failure())
        .collect();
    for record in &failures {
        println!("{}", describe(settings.seed, record));
    }
    println!(
        "{} (seed {}, {:.1} s)",
        summary(&report.records),
        settings.seed,
        start.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
