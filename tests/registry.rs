//! The rule registry is the single source of truth about rules: code names a rule by its static,
//! never by a string of its id, and what the registry says about a rule (`remediable`) is what
//! the code does.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rules::registry::Remediable;
use rules::remediation::{plan, PlanFilter, SafetyClass};
use rules::{Finding, Rule, RULES};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `"SG-` literal in the non-test code of each crate's `src/` (code after the first
/// `#[cfg(test)]` is a file's tests), except a rule file's own `id: "SG-..."`, as
/// `path:line: text`, relative to the workspace root.
fn rule_id_literals() -> Vec<String> {
    let root = root();
    let mut files = Vec::new();
    for krate in fs::read_dir(&root).unwrap() {
        let krate = krate.unwrap().path();
        if krate.join("Cargo.toml").is_file() {
            rust_files(&krate.join("src"), &mut files);
        }
    }
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let is_rule = text.contains("pub static RULE: Rule = Rule {");
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break;
            }
            if code.starts_with("//") || !code.contains("\"SG-") {
                continue;
            }
            let own_id = is_rule && code.starts_with("id: \"SG-") && code.ends_with("\",");
            if !own_id {
                found.push(format!("{relative}:{}: {code}", number + 1));
            }
        }
    }
    found
}

/// Code refers to a rule by its static (`prot::snapshot_without_cross_region_copy::RULE`), so
/// renaming, renumbering or removing a rule is a compile error, not a silent mismatch.
#[test]
fn no_rule_id_literals_outside_rule_files_and_tests() {
    let found = rule_id_literals();
    assert!(
        found.is_empty(),
        "rule ids spelled as strings outside the rule files and tests; refer to the rule's \
         static (`RULE.id`) instead:\n{}",
        found.join("\n")
    );
}

fn snapguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapguard"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run snapguard")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The rule's failing cases, `fixtures/cases/<id>/fail-*`.
fn fail_cases(rule: &Rule) -> Vec<PathBuf> {
    let dir = root().join("fixtures/cases").join(rule.id);
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{} has no cases in {}", rule.id, dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("fail-")
        })
        .collect();
    cases.sort();
    cases
}

/// A case's findings, as `snapguard scan --format json` reports them.
fn findings_of(case: &Path) -> Vec<Finding> {
    let out = snapguard(&[
        "scan",
        "--inventory",
        case.join("inventory").to_str().unwrap(),
        "--config",
        case.join("snapguard.toml").to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: no JSON report ({e})", case.display()));
    serde_json::from_value(report["findings"].clone()).unwrap()
}

/// `remediable` is what the planner does: for every failing case of a rule marked remediable,
/// `remediate plan` resolves each of the rule's findings with an action that changes AWS;
/// for a rule not marked, it resolves none of them that way (a manual review at most).
/// Tag values come from `[remediation] tag_defaults` when the case's volumes give none.
#[test]
fn remediable_is_what_the_planner_does() {
    let mut wrong = Vec::new();
    for rule in RULES {
        for case in fail_cases(rule) {
            let mut config = rules::config::file::load(Some(&case.join("snapguard.toml")))
                .unwrap_or_else(|e| panic!("{e}"));
            for key in config.tags.required.clone() {
                config
                    .remediation
                    .tag_defaults
                    .entry(key)
                    .or_insert_with(|| "set-by-the-test".to_owned());
            }
            let findings = findings_of(&case);
            let filter = PlanFilter {
                rules: vec![rule.id.to_owned()],
                accounts: Vec::new(),
                ..PlanFilter::default()
            };
            let plan = plan(&findings, None, &config, &filter);
            let fixed = |f: &Finding| {
                plan.actions.iter().any(|a| {
                    a.safety != SafetyClass::ManualReview && a.resolves.contains(&f.fingerprint)
                })
            };
            // Remediation leaves what a waiver accepts alone.
            let of_rule: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.rule_id == rule.id && !f.is_waived())
                .collect();
            assert!(!of_rule.is_empty(), "{}: no finding", case.display());
            let fixed_count = of_rule.iter().filter(|f| fixed(f)).count();
            // The cases' configs set none of the conditions of `Remediable::With`.
            let expected = if rule.remediable == Remediable::Always {
                of_rule.len()
            } else {
                0
            };
            if fixed_count != expected {
                wrong.push(format!(
                    "{} (remediable: {}): {}: remediate fixes {fixed_count} of {} findings",
                    rule.id,
                    rule.remediable.label(),
                    case.strip_prefix(root()).unwrap().display(),
                    of_rule.len()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `snapguard rules` has a remediable column and `snapguard explain` a line.
#[test]
fn rules_and_explain_say_whether_remediate_fixes_a_rule() {
    let table = stdout(&snapguard(&["rules"]));
    assert!(table.contains("remediable"), "{table}");
    for rule in RULES {
        let row = table
            .lines()
            .find(|l| l.contains(&format!(" {} ", rule.id)))
            .unwrap_or_else(|| panic!("rules lacks {}", rule.id));
        let cells: Vec<&str> = row.split('┆').map(str::trim).collect();
        let expected = rule.remediable.label();
        assert_eq!(cells[4], expected, "{row}");
        let explained = stdout(&snapguard(&["explain", rule.id]));
        let line = format!("Remediable: {expected} (");
        assert!(explained.contains(&line), "{}: {explained}", rule.id);
    }
}

const README_TABLE_BEGIN: &str = "<!-- rules table: generated";
const README_TABLE_END: &str = "<!-- rules table: end -->";

/// The README's rules table is `snapguard rules --format markdown`, between its markers.
/// `SNAPGUARD_UPDATE_README=1` rewrites it instead of failing.
#[test]
fn readme_rules_table_is_generated_from_the_registry() {
    let out = snapguard(&["rules", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let table = stdout(&out);
    assert_eq!(table.lines().count(), RULES.len() + 2, "{table}");
    for rule in RULES {
        assert!(table.contains(&format!("| {} | {} |", rule.id, rule.name)));
    }

    let path = root().join("README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let begin = readme
        .find(README_TABLE_BEGIN)
        .and_then(|at| Some(at + readme[at..].find("-->\n")? + "-->\n".len()))
        .unwrap_or_else(|| panic!("README.md lacks the marker `{README_TABLE_BEGIN} ... -->`"));
    let end = begin
        + readme[begin..]
            .find(README_TABLE_END)
            .unwrap_or_else(|| panic!("README.md lacks the marker `{README_TABLE_END}`"));
    // Blank lines around the table keep Markdown from reading the markers into it.
    let section = format!("\n{table}\n");
    if readme[begin..end] == section {
        return;
    }
    if std::env::var("SNAPGUARD_UPDATE_README").as_deref() == Ok("1") {
        let updated = format!("{}{section}{}", &readme[..begin], &readme[end..]);
        fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's rules table differs from the registry; rewrite it with \
         `SNAPGUARD_UPDATE_README=1 cargo test -p snapguard --test registry`, or paste:\n{table}"
    );
}

/// The published controls, as Prowler 5.14.0 transcribes them (`./test.sh` extracts its
/// compliance files and sets SNAPGUARD_PUBLISHED_CONTROLS): id to title.
fn published_controls(
    framework: rules::compliance::Framework,
) -> std::collections::BTreeMap<String, String> {
    use rules::compliance::Framework;
    let dir = std::env::var("SNAPGUARD_PUBLISHED_CONTROLS").unwrap_or_else(|_| {
        panic!(
            "SNAPGUARD_PUBLISHED_CONTROLS is not set: run ./test.sh, which extracts the \
             compliance files of the prowler wheel (PyPI) into target/test-venv"
        )
    });
    let file = match framework {
        Framework::Fsbp => "aws_foundational_security_best_practices_aws.json",
        Framework::Cis3 => "cis_3.0_aws.json",
        Framework::Cis5 => "cis_5.0_aws.json",
        Framework::Nist80053R5 => "nist_800_53_revision_5_aws.json",
    };
    let path = Path::new(&dir).join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut controls = std::collections::BTreeMap::new();
    let nist_name = regex::Regex::new(r"^([A-Z]{2}-\d+\(\d+\)) (.+)$").unwrap();
    let nist_section = regex::Regex::new(r"^(.+) \(([A-Z]{2}-\d+)\)$").unwrap();
    for requirement in document["Requirements"].as_array().unwrap() {
        let text = |key: &str| requirement[key].as_str().unwrap_or_default().to_owned();
        match framework {
            Framework::Fsbp => {
                controls.insert(text("Id"), text("Name"));
            }
            Framework::Cis3 | Framework::Cis5 => {
                controls.insert(text("Id"), text("Description"));
            }
            // NIST requirements are parts (`cp_9_a`): the control is named in the part's
            // `SubSection` (`System Backup (CP-9)`), an enhancement in its `Name`
            // (`CP-6(1) Separation From Primary Site`).
            Framework::Nist80053R5 => {
                if let Some(c) = nist_name.captures(&text("Name")) {
                    controls.insert(c[1].to_owned(), c[2].to_owned());
                }
                let section = requirement["Attributes"][0]["SubSection"].as_str();
                if let Some(c) = section.and_then(|s| nist_section.captures(s)) {
                    controls.insert(c[2].to_owned(), c[1].to_owned());
                }
                if let Some(c) = nist_section.captures(&text("Name")) {
                    controls.insert(c[2].to_owned(), c[1].to_owned());
                }
            }
        }
    }
    controls
}

#[test]
fn every_mapped_control_is_in_its_published_standard() {
    use rules::compliance::{Framework, CONTROLS};
    // Prowler's transcription misspells one NIST title; the standard says "Site".
    let transcribed_otherwise = [("CP-6", "Alternate Storage Sites")];
    for framework in Framework::ALL {
        let published = published_controls(framework);
        assert!(published.len() > 10, "{framework:?}: too few controls read");
        for control in CONTROLS.iter().filter(|c| c.framework == framework) {
            let title = published.get(control.id).unwrap_or_else(|| {
                panic!("{} is not a control of {}", control.id, framework.title())
            });
            let expected = transcribed_otherwise
                .iter()
                .find(|(id, _)| *id == control.id)
                .map_or(control.title, |(_, spelt)| spelt);
            assert!(
                title.eq_ignore_ascii_case(expected),
                "{}: the standard titles it {title:?}, snapguard {:?}",
                control.tag(),
                control.title
            );
        }
    }
}
