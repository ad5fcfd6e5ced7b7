//! `--format junit`: JUnit XML, for CI systems that chart test results (GitLab, Jenkins,
//! Azure Pipelines, GitHub test reporters).
//!
//! One `<testsuite>` per rule, one `<testcase>` per rule and scanned account: it fails when the
//! rule has unwaived findings in that account (the failure lists them), is skipped when the
//! rule may not have been evaluated there (it was not in force, or something it may read was
//! not scanned: the `<skipped message>` says what and why), and passes otherwise; findings
//! waived there are listed with their reasons in the case's `<system-out>`. A last suite, `not-scanned`, has one
//! errored case per place that could not be read, so an incomplete scan never shows as all
//! green.
//!
//! The document validates against the Jenkins xUnit plugin's JUnit schema
//! (`fixtures/schemas/junit-10.xsd`): no `skipped` on `<testsuites>`, which that schema does
//! not allow. GitLab shows a case's `name` and its failure's text, but not `classname` nor the
//! failure's `message` attribute
//! (<https://docs.gitlab.com/ci/testing/unit_test_reports/>), so the name carries the rule id
//! and name, and the failure text starts with the message.

use std::collections::BTreeMap;
use std::fmt::Write;

use rules::inventory::Gap;
use rules::registry::{Check, Rule, RULES};
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
        "<testsuites name=\"snapguard\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"0\">",
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
    /// Not evaluated: `message` says what was not read.
    Skipped {
        message: String,
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

    fn skipped(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
            .count()
    }

    fn write(&self, timestamp: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
            escape(&self.name),
            self.cases.len(),
            self.failures(),
            self.errors(),
            self.skipped(),
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
                Outcome::Skipped { message } => {
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(message));
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
    let mut rules: Vec<(&str, &str, Option<&Rule>)> =
        RULES.iter().map(|r| (r.id, r.name, Some(*r))).collect();
    for f in &report.findings {
        if !rules.iter().any(|(id, _, _)| *id == f.rule_id) {
            rules.push((&f.rule_id, &f.rule_name, None));
        }
    }
    rules
        .into_iter()
        .map(|(rule_id, rule_name, rule)| Suite {
            name: format!("{rule_id} {rule_name}"),
            cases: report
                .scope
                .accounts
                .iter()
                .map(|account| {
                    let account_id = account.account_id.as_str();
                    let findings = by_rule_and_account
                        .get(&(rule_id, account_id))
                        .map_or(&[][..], Vec::as_slice);
                    let gaps: Vec<&Gap> = report
                        .not_scanned
                        .iter()
                        .filter(|gap| gap.account_id == account_id && may_hide(gap, rule_id, rule))
                        .collect();
                    case(report, (rule_id, rule_name), account_id, findings, &gaps)
                })
                .collect(),
        })
        .collect()
}

/// Whether a place that was not read may have kept a rule from being evaluated in its account.
/// A gap names an AWS operation (or file), not the rules that use it, so this errs towards
/// "may": a gap of a whole account (`*`) hides every rule; a gap named after a rule hides that
/// rule only; another gap in a region hides the rules checked per account-region, and an
/// account-wide one (IAM, SCPs) the rules checked per account. A rule outside the registry
/// (from a merged report of another version) may be hidden by any gap of its account.
pub fn may_hide(gap: &Gap, rule_id: &str, rule: Option<&Rule>) -> bool {
    if gap.operation == "*" || gap.operation == rule_id {
        return true;
    }
    if RULES.iter().any(|r| r.id == gap.operation) {
        return false;
    }
    match rule.map(|r| r.check) {
        None => true,
        Some(Check::Region(_)) => gap.region.is_some(),
        Some(Check::Account(_)) => gap.region.is_none(),
    }
}

fn case(
    report: &Report,
    (rule_id, rule_name): (&str, &str),
    account_id: &str,
    findings: &[&Finding],
    gaps: &[&Gap],
) -> Case {
    let account = report.account_label(account_id);
    let (waived, failing): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.is_waived());
    let not_read = gaps
        .iter()
        .map(|gap| {
            format!(
                "{} {} was not read ({})",
                gap.region.as_deref().unwrap_or("account-wide"),
                gap.operation,
                gap.error
            )
        })
        .collect::<Vec<_>>();
    let in_force = report.rules_in_force.iter().any(|id| id == rule_id);
    let outcome = match failing.iter().map(|f| f.severity).max() {
        None if !in_force => Outcome::Skipped {
            message: format!(
                "{rule_id} {rule_name} was not evaluated: turned off in the config, or not \
                 given what it checks (e.g. tags.required, protection.copy_regions)"
            ),
        },
        None if !gaps.is_empty() => Outcome::Skipped {
            message: format!(
                "{rule_id} {rule_name} may not have been evaluated in account {account}: {}",
                not_read.join("; ")
            ),
        },
        None => Outcome::Passed,
        Some(worst) => {
            let message = format!(
                "{rule_id} {rule_name}: {} finding{} in account {account}",
                failing.len(),
                if failing.len() == 1 { "" } else { "s" },
            );
            let mut details = format!("{message}\n");
            for f in &failing {
                let _ = writeln!(
                    details,
                    "{} {} {}: {}",
                    f.severity, f.region, f.resource_arn, f.message
                );
            }
            if !not_read.is_empty() {
                let _ = writeln!(details, "There may be more: {}.", not_read.join("; "));
            }
            Outcome::Failed {
                message,
                kind: worst.to_string(),
                details,
            }
        }
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
        name: format!("{rule_id} {rule_name}: account {account}"),
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
