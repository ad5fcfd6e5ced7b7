//! End to end: one scan of the demo organization writing every report format at once, each
//! saying the same thing about findings, waivers and what was not scanned.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn one_scan_writes_every_format() {
    let out = tempfile::tempdir().unwrap();
    let file = |name: &str| out.path().join(name);
    let outputs = [
        ("json", "a.json"),
        ("sarif", "b.sarif"),
        ("asff", "c.json"),
        ("junit", "d.xml"),
        ("markdown", "e.md"),
    ];
    let mut args: Vec<String> = [
        "scan",
        "--inventory",
        "fixtures/demo-org",
        "--config",
        "fixtures/demo-org/snapguard.toml",
        "--fail-on",
        "none",
    ]
    .map(str::to_owned)
    .to_vec();
    for (format, name) in outputs {
        args.push("--output".to_owned());
        args.push(format!("{format}={}", file(name).display()));
    }
    let run = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(&args)
        .current_dir(root())
        .output()
        .expect("run snapguard");
    assert!(
        run.stdout.is_empty(),
        "every report went to a file: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    // The demo organization has accounts whose IAM was not collected: incomplete, exit 4.
    assert_eq!(
        run.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let report = read_json(&file("a.json"));
    let findings = report["findings"].as_array().unwrap();
    let gaps = report["not_scanned"].as_array().unwrap().len();
    let waived = findings
        .iter()
        .filter(|f| f["waiver"]["active"] == true)
        .count();
    assert!(gaps > 0 && waived > 0 && !findings.is_empty());
    let fingerprints: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();

    let sarif = read_json(&file("b.sarif"));
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let sarif_fingerprints: BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["snapguardFingerprint/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(sarif_fingerprints, fingerprints);
    assert_eq!(
        results
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .count(),
        waived
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        gaps
    );

    let asff = read_json(&file("c.json"));
    let asff = asff.as_array().unwrap();
    assert_eq!(asff.len(), findings.len() + gaps);
    assert_eq!(
        asff.iter()
            .filter(|f| f["Workflow"]["Status"] == "SUPPRESSED")
            .count(),
        waived
    );
    assert!(asff
        .iter()
        .all(|f| f["CreatedAt"] == report["collected_at"]));

    let junit = fs::read_to_string(file("d.xml")).unwrap();
    assert!(junit.starts_with("<?xml"));
    assert_eq!(
        junit.matches("<error ").count(),
        gaps,
        "one errored case per place not scanned"
    );
    assert!(junit.trim_end().ends_with("</testsuites>"));

    let markdown = fs::read_to_string(file("e.md")).unwrap();
    assert!(markdown.contains("### Not scanned"));
    assert!(markdown.contains(&format!("Waived: {waived} finding")));
    assert!(markdown.len() < 65_536);
}

#[test]
fn an_unknown_output_format_is_a_usage_error() {
    let run = Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args([
            "scan",
            "--inventory",
            "fixtures/demo-org",
            "--format",
            "xlsx",
        ])
        .current_dir(root())
        .output()
        .expect("run snapguard");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("sarif") && stderr.contains("asff") && stderr.contains("junit"),
        "{stderr}"
    );
}
