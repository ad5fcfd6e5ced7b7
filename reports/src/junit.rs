//! `--format junit`: JUnit XML, for CI systems that chart test results (GitLab, Jenkins,
//! Azure Pipelines, GitHub test reporters).
//!
//! One `<testsuite>` per rule, one `<testcase>` per rule and scanned account: it fails when the
//! rule has unwaived findings in that account (the failure lists them) and passes otherwise;
//! findings waived there are listed with their reasons in the passing case's `<system-out>`.
//! A last suite, `not-scanned`, has one errored case per place that could not be read, so an
//! incomplete scan never shows as all green.

use std::collections::BTreeMap;
use std::fmt::Write;

use rules::registry::RULES;
use rules::Finding;

use crate::Report;

/// The name of the suite that lists what could not be scanned.
pub const NOT_SCANNED_SUITE: &str = "not-scanned";

/// The report as a JUnit XML document: one `<testsuite>` per rule, then the `not-scanned`
/// suite.
pub fn render(report: &Report) -> String {
    let suites: Vec<Suite> = rule_suites(report)
        .into_iter()
        .chain(not_scanned_suite(report))
        .collect();
    let total = |count: fn(&Suite) -> usize| suites.iter().map(count).sum::<usize>();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"snapguard\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"0\">",
        total(|s| s.cases.len()),
        total(Suite::failures),
        total(Suite::errors),
    );
    for suite in &suites {
        suite.write(&report.collected_at, &mut out);
    }
    out.push_str("</testsuites>\n");
    out
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
    /// Shown in `<system-out>`: waived findings and their reasons.
    output: Option<String>,
}

enum Outcome {
    Passed,
    Failed {
        message: String,
        kind: String,
        details: String,
    },
    Errored {
        message: String,
        details: String,
    },
}

impl Suite {
    fn failures(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .count()
    }

    fn errors(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Errored { .. }))
            .count()
    }

    fn write(&self, timestamp: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"0\" timestamp=\"{}\">",
            escape(&self.name),
            self.cases.len(),
            self.failures(),
            self.errors(),
            escape(timestamp),
        );
        for case in &self.cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(&case.classname),
                escape(&case.name)
            );
            if matches!(case.outcome, Outcome::Passed) && case.output.is_none() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            match &case.outcome {
                Outcome::Passed => {}
                Outcome::Failed {
                    message,
                    kind,
                    details,
                } => {
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(message),
                        escape(kind),
                        escape(details)
                    );
                }
                Outcome::Errored { message, details } => {
                    let _ = writeln!(
                        out,
                        "      <error message=\"{}\" type=\"not-scanned\">{}</error>",
                        escape(message),
                        escape(details)
                    );
                }
            }
            if let Some(output) = &case.output {
                let _ = writeln!(out, "      <system-out>{}</system-out>", escape(output));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
}

/// Every rule of the registry, then any rule that reported findings but is not in it.
fn rule_suites(report: &Report) -> Vec<Suite> {
    let mut by_rule_and_account: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_rule_and_account
            .entry((f.rule_id.as_str(), f.account_id.as_str()))
            .or_default()
            .push(f);
    }
    let mut rules: Vec<(&str, &str)> = RULES.iter().map(|r| (r.id, r.name)).collect();
    for f in &report.findings {
        if !rules.iter().any(|(id, _)| *id == f.rule_id) {
            rules.push((&f.rule_id, &f.rule_name));
        }
    }
    rules
        .into_iter()
        .map(|(rule_id, rule_name)| Suite {
            name: format!("{rule_id} {rule_name}"),
            cases: report
                .scope
                .accounts
                .iter()
                .map(|account| {
                    let findings = by_rule_and_account
                        .get(&(rule_id, account.account_id.as_str()))
                        .map_or(&[][..], Vec::as_slice);
                    case(report, rule_id, &account.account_id, findings)
                })
                .collect(),
        })
        .collect()
}

fn case(report: &Report, rule_id: &str, account_id: &str, findings: &[&Finding]) -> Case {
    let (waived, failing): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.is_waived());
    let outcome = match failing.iter().map(|f| f.severity).max() {
        None => Outcome::Passed,
        Some(worst) => Outcome::Failed {
            message: format!(
                "{} finding{} in account {}",
                failing.len(),
                if failing.len() == 1 { "" } else { "s" },
                report.account_label(account_id)
            ),
            kind: worst.to_string(),
            details: failing
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {}: {}\n",
                        f.severity, f.region, f.resource_arn, f.message
                    )
                })
                .collect(),
        },
    };
    let output = (!waived.is_empty()).then(|| {
        waived
            .iter()
            .filter_map(|f| {
                let waiver = f.waiver.as_ref()?;
                Some(format!(
                    "waived until {}: {} {}: {} (reason: {})\n",
                    waiver.expires, f.region, f.resource_arn, f.message, waiver.reason
                ))
            })
            .collect()
    });
    Case {
        classname: rule_id.to_owned(),
        name: format!("account {}", report.account_label(account_id)),
        outcome,
        output,
    }
}

fn not_scanned_suite(report: &Report) -> Option<Suite> {
    if report.not_scanned.is_empty() {
        return None;
    }
    let cases = report
        .not_scanned
        .iter()
        .map(|gap| {
            let region = gap.region.as_deref().unwrap_or("account-wide");
            let account = report.account_label(&gap.account_id);
            Case {
                classname: NOT_SCANNED_SUITE.to_owned(),
                name: format!("account {account} {region} {}", gap.operation),
                outcome: Outcome::Errored {
                    message: format!(
                        "could not read {} in account {account} ({region})",
                        gap.operation
                    ),
                    details: format!(
                        "{}\nThe rules that need it were not evaluated there, so findings may be missing.",
                        gap.error
                    ),
                },
                output: None,
            }
        })
        .collect();
    Some(Suite {
        name: NOT_SCANNED_SUITE.to_owned(),
        cases,
    })
}

/// Text fit for an XML attribute or element. Characters XML 1.0 cannot carry at all (most
/// control characters) become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
