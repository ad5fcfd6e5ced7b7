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

/// `snapguard scan` of the demo organization with `extra` arguments, run in `cwd`.
fn scan_demo(cwd: &Path, extra: &[&str]) -> std::process::Output {
    let demo = root().join("fixtures/demo-org");
    Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .arg("scan")
        .arg("--inventory")
        .arg(&demo)
        .arg("--config")
        .arg(demo.join("snapguard.toml"))
        .args(["--fail-on", "none"])
        .args(extra)
        .current_dir(cwd)
        .output()
        .expect("run snapguard")
}

#[test]
fn output_files_take_their_format_from_their_name_and_stderr_gets_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let run = scan_demo(
        out.path(),
        &[
            "--output",
            "findings.json",
            "--output",
            "findings.sarif",
            "--output",
            "findings.asff.json",
            "--output",
            "snapguard.xml",
            "--output",
            "summary.md",
            "--output",
            "report.txt",
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(4), "{stderr}");
    assert!(run.stdout.is_empty(), "every report went to a file");
    let report = read_json(&out.path().join("findings.json"));
    assert_eq!(report["schema_version"], 1);
    let findings = report["summary"]["findings"].as_u64().unwrap();
    assert_eq!(
        read_json(&out.path().join("findings.sarif"))["version"],
        "2.1.0"
    );
    assert!(read_json(&out.path().join("findings.asff.json"))[0]["SchemaVersion"].is_string());
    let junit = fs::read_to_string(out.path().join("snapguard.xml")).unwrap();
    assert!(junit.starts_with("<?xml"));
    let markdown = fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(markdown.contains("### Not scanned"));
    let table = fs::read_to_string(out.path().join("report.txt")).unwrap();
    assert!(table.starts_with("snapguard scanned"));

    // One line on standard error says what was found and where the reports are.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{findings} findings: "))
            && stderr.contains("INCOMPLETE")
            && stderr.contains("json findings.json")
            && stderr.contains("junit snapguard.xml"),
        "{stderr}"
    );
}

#[test]
fn an_explicit_format_wins_over_the_file_name() {
    let out = tempfile::tempdir().unwrap();
    let run = scan_demo(
        out.path(),
        &["--format", "asff", "--output", "findings.json"],
    );
    assert_eq!(run.status.code(), Some(4));
    assert!(read_json(&out.path().join("findings.json")).is_array());
}

#[test]
fn output_mistakes_are_usage_errors_and_write_nothing() {
    for (args, expected) in [
        (
            &["--output", "xml=foo.xml"][..],
            &["\"xml\" before \"=\" is no report format", "junit=foo.xml"][..],
        ),
        (
            &["--output", "report.bin"],
            &["report.bin", "cannot tell the report format"],
        ),
        (
            &["--output", "a.json", "--output", "json=./a.json"],
            &["same file twice", "a.json and ./a.json"],
        ),
        (
            &["--output", "json=a.json", "--output", "sarif=sub/../a.json"],
            &["same file twice"],
        ),
    ] {
        let out = tempfile::tempdir().unwrap();
        fs::create_dir(out.path().join("sub")).unwrap();
        let run = scan_demo(out.path(), args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: {stderr}");
        }
        let written: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != "sub")
            .collect();
        assert!(written.is_empty(), "{args:?} wrote {written:?}");
    }
}
