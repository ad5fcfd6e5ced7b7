//! Loads and evaluates a recorded inventory, and compares that with the floor: serde_json
//! alone parsing the same files with the same parallelism.
//!
//! ```sh
//! cargo run --release --example synth_inventory -- target/bench-data/org --accounts 1000 \
//!     --regions 4 --snapshots 1000000 --images 100000 --volumes 200000
//! SNAPGUARD_BENCH_DIR=target/bench-data/org cargo bench --bench load_and_evaluate
//! ```
//!
//! Peak memory is the process's high-water mark (VmHWM) after load and evaluation, measured
//! before the floor runs.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rules::config::file as config_file;
use rules::recorded;

const CONFIG: &str = r#"
[tags]
required = ["Name", "Owner", "Retention"]
[tags.allowed]
Retention = "^(7d|30d|90d|1y|7y)$"
"#;

fn main() {
    // `cargo bench` runs this in scanner/: a relative path is the workspace's, as documented.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(
        std::env::var("SNAPGUARD_BENCH_DIR").unwrap_or_else(|_| "target/bench-data/org".into()),
    );
    if !dir.join(recorded::MANIFEST).exists() {
        eprintln!(
            "no inventory at {}: generate one with `cargo run --release --example synth_inventory -- {} --accounts 1000 --regions 4 --snapshots 1000000 --images 100000 --volumes 200000`",
            dir.display(),
            dir.display()
        );
        std::process::exit(2);
    }
    let config = config_file::parse(CONFIG, Path::new("bench.toml")).expect("bench config");

    let start = Instant::now();
    let inventory = recorded::load(&dir).unwrap_or_else(|e| panic!("{}", e[0]));
    let loaded = start.elapsed();
    let evaluation = rules::evaluate(&inventory, &config);
    let total = start.elapsed();
    let peak = peak_rss_mib();

    let snapshots: usize = inventory
        .accounts
        .iter()
        .flat_map(|a| &a.regions)
        .map(|r| r.snapshots.as_ref().map_or(0, Vec::len))
        .sum();
    println!(
        "inventory: {} accounts, {} snapshots; {} findings",
        inventory.accounts.len(),
        snapshots,
        evaluation.findings.len()
    );
    drop(evaluation);
    drop(inventory);

    let files = json_files(&dir);
    let bytes: u64 = files
        .iter()
        .map(|f| f.metadata().map_or(0, |m| m.len()))
        .sum();
    let floor_value = time(|| {
        files.par_iter().for_each(|f| {
            let data = std::fs::read(f).unwrap();
            parse_all::<serde_json::Value>(&data);
        })
    });
    let floor_ignored = time(|| {
        files.par_iter().for_each(|f| {
            let data = std::fs::read(f).unwrap();
            parse_all::<serde::de::IgnoredAny>(&data);
        })
    });

    println!(
        "files: {} ({:.0} MiB of JSON), threads: {}",
        files.len(),
        bytes as f64 / 1048576.0,
        rayon::current_num_threads()
    );
    println!("load:                {:>8.2} s", loaded.as_secs_f64());
    println!(
        "evaluate:            {:>8.2} s",
        (total - loaded).as_secs_f64()
    );
    println!("load + evaluate:     {:>8.2} s", total.as_secs_f64());
    println!("peak memory:         {:>8.0} MiB", peak);
    println!(
        "floor, serde_json::Value:   {:>8.2} s  (load+evaluate is {:.2}x)",
        floor_value,
        total.as_secs_f64() / floor_value
    );
    println!(
        "floor, serde IgnoredAny:    {:>8.2} s  (load+evaluate is {:.2}x)",
        floor_ignored,
        total.as_secs_f64() / floor_ignored
    );
}

/// Parses a file as one document or, for gathered per-resource outputs, a stream of them.
fn parse_all<T: serde::de::DeserializeOwned>(data: &[u8]) {
    for item in serde_json::Deserializer::from_slice(data).into_iter::<T>() {
        std::hint::black_box(item.unwrap());
    }
}

fn time(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
