//! `--format markdown`: GitHub-flavoured Markdown for a pull-request comment or a CI job
//! summary (`>> $GITHUB_STEP_SUMMARY`).
//!
//! What could not be scanned comes first, then the counts by severity and by rule, then each
//! compliance control's outcome per account-region (collapsed), then the findings grouped by
//! account, the worst accounts first (collapsed when an account has many), then the waived findings
//! (collapsed). The text stays under GitHub's comment limit: past it, findings are left out
//! and a line says how many.

use std::fmt::Write;

use rules::finding::WaiverStatus;
use rules::{Finding, Severity};

use crate::Report;

/// GitHub rejects comments longer than 65,536 characters; stay under with room for the
/// closing lines.
pub const MAX_CHARS: usize = 65_536;
/// Kept free for what closes the document after the last row that fits.
const CLOSING_RESERVE: usize = 1_024;
/// What the "Not scanned" table may take, so that findings still have room.
const NOT_SCANNED_BUDGET: usize = MAX_CHARS / 4;
/// The places of one not-scanned reason named; the JSON report lists them all.
const NOT_SCANNED_NAMED: usize = 5;
/// An account with more findings than this is shown collapsed.
const COLLAPSE_ABOVE: usize = 10;

/// The report as GitHub-flavoured Markdown, at most [`MAX_CHARS`] characters.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    heading(report, &mut out);
    not_scanned(report, &mut out);
    summary(report, &mut out);
    let budget = MAX_CHARS - CLOSING_RESERVE;
    compliance(report, budget, &mut out);
    let omitted = findings(report, budget, &mut out) + waived(report, budget, &mut out);
    if omitted > 0 {
        let _ = writeln!(
            out,
            "**{omitted} more finding{} not shown** (GitHub's comment limit); the JSON, CSV or SARIF report has them all.",
            plural(omitted)
        );
    }
    out
}

fn heading(report: &Report, out: &mut String) {
    let accounts = report.scope.accounts.len();
    let regions = report.scope.regions.len();
    let _ = writeln!(out, "## snapguard scan\n");
    let _ = writeln!(
        out,
        "{accounts} account{}, {regions} region{}; inventory collected {}.\n",
        plural(accounts),
        plural(regions),
        cell(&report.collected_at)
    );
}

fn not_scanned(report: &Report, out: &mut String) {
    if report.not_scanned.is_empty() {
        return;
    }
    let gaps = report.not_scanned.len();
    let _ = writeln!(
        out,
        "> [!WARNING]\n> **Incomplete scan:** {gaps} place{} could not be read, so the findings below are a lower bound.\n",
        plural(gaps)
    );
    // One row per operation and reason ([`crate::gaps`]), naming the first places.
    let groups = crate::gaps::grouped(report);
    let rows = groups.iter().map(|group| {
        let places = group.places(report);
        let mut named = places[..places.len().min(NOT_SCANNED_NAMED)].join("; ");
        if places.len() > NOT_SCANNED_NAMED {
            let _ = write!(named, "; and {} more", places.len() - NOT_SCANNED_NAMED);
        }
        format!(
            "| {} | {} | {} | {} |\n",
            cell(group.operation),
            cell(&group.reason),
            group.gaps.len(),
            cell(&named)
        )
    });
    let omitted = section(
        "Not scanned",
        Layout::Heading("###"),
        "| operation | why | places | where |\n|---|---|--:|---|\n",
        rows,
        NOT_SCANNED_BUDGET,
        out,
    );
    if omitted > 0 {
        let _ = writeln!(
            out,
            "**{omitted} more reason{} not shown**; the JSON report lists every place.\n",
            plural(omitted)
        );
    }
}

fn summary(report: &Report, out: &mut String) {
    let s = &report.summary;
    let waived = if s.waived > 0 {
        format!(" ({} waived)", s.waived)
    } else {
        String::new()
    };
    if s.findings == 0 {
        let _ = writeln!(out, "**No findings**{waived}.\n");
        return;
    }
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| s.by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    let _ = writeln!(
        out,
        "**{} finding{}**: {}{waived}.\n",
        s.findings,
        plural(s.findings),
        by_severity.join(", ")
    );
    let _ = writeln!(
        out,
        "| rule | name | severity | findings |\n|---|---|---|--:|"
    );
    for r in &s.by_rule {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&r.rule_id),
            cell(&r.rule_name),
            r.severity,
            r.count
        );
    }
    out.push('\n');
}

/// Each mapped control's outcome per account-region ([`crate::compliance`]), collapsed.
fn compliance(report: &Report, budget: usize, out: &mut String) {
    let outcomes = crate::compliance::outcomes(report);
    let rows = outcomes.iter().map(|o| {
        format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&o.control.tag()),
            cell(o.control.title),
            o.status().as_str(),
            o.passed,
            o.failed.len(),
            o.not_evaluated,
            cell(&crate::compliance::rule_ids(o.control))
        )
    });
    section(
        &cell(&crate::compliance::headline(&outcomes)),
        Layout::Collapsed,
        "| control | title | status | passed | failed | not evaluated | rules |\n|---|---|---|--:|--:|--:|---|\n",
        rows,
        budget,
        out,
    );
}

/// The unwaived findings by account; returns how many did not fit in `budget`.
fn findings(report: &Report, budget: usize, out: &mut String) -> usize {
    // The worst accounts first: past the comment limit, what is left out is the least severe.
    let by_account = report.accounts_worst_first();
    if by_account.is_empty() {
        return 0;
    }
    let _ = writeln!(out, "### Findings by account, worst first\n");
    let mut omitted = 0;
    for (account, counts, findings) in by_account {
        if omitted > 0 {
            omitted += findings.len();
            continue;
        }
        let title = format!(
            "{}: {} finding{} ({})",
            cell(&report.account_label(account)),
            findings.len(),
            plural(findings.len()),
            severity_counts(&counts)
        );
        let rows = findings.iter().map(|f| {
            format!(
                "| {} | {} | {} | {} | {} |\n",
                f.severity,
                cell(&f.rule_id),
                cell(&f.region),
                cell(&f.resource_id),
                cell(&f.message)
            )
        });
        omitted += section(
            &title,
            if findings.len() > COLLAPSE_ABOVE {
                Layout::Collapsed
            } else {
                Layout::Heading("####")
            },
            "| severity | rule | region | resource | message |\n|---|---|---|---|---|\n",
            rows,
            budget,
            out,
        );
    }
    omitted
}

/// The waived findings, collapsed; returns how many did not fit in `budget`.
fn waived(report: &Report, budget: usize, out: &mut String) -> usize {
    let waived: Vec<(&Finding, &WaiverStatus)> = report
        .findings
        .iter()
        .filter_map(|f| Some((f, f.waiver.as_ref().filter(|w| w.active)?)))
        .collect();
    if waived.is_empty() {
        return 0;
    }
    let rows = waived.iter().map(|(f, waiver)| {
        format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&f.rule_id),
            cell(&report.account_label(&f.account_id)),
            cell(&f.resource_id),
            cell(&waiver.reason),
            cell(&waiver.expires)
        )
    });
    section(
        &format!("Waived: {} finding{}", waived.len(), plural(waived.len())),
        Layout::Collapsed,
        "| rule | account | resource | reason | expires |\n|---|---|---|---|---|\n",
        rows,
        budget,
        out,
    )
}

/// How a section shows its title.
enum Layout {
    /// A Markdown heading of this level (`###`).
    Heading(&'static str),
    /// A `<details>` element whose summary is the title.
    Collapsed,
}

/// A table under a title, inside `<details>` when collapsed. Rows that would take the text
/// past `budget` are left out, and the whole section when none fits; returns how many rows
/// were left out.
fn section(
    title: &str,
    layout: Layout,
    header: &str,
    rows: impl ExactSizeIterator<Item = String>,
    budget: usize,
    out: &mut String,
) -> usize {
    let start = out.len();
    let total = rows.len();
    match layout {
        Layout::Heading(level) => {
            let _ = writeln!(out, "{level} {title}\n");
        }
        Layout::Collapsed => {
            let _ = writeln!(out, "<details><summary>{title}</summary>\n");
        }
    }
    out.push_str(header);
    let mut shown = 0;
    for row in rows {
        if out.len() + row.len() > budget {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown == 0 {
        out.truncate(start);
        return total;
    }
    out.push('\n');
    if let Layout::Collapsed = layout {
        out.push_str("</details>\n\n");
    }
    total - shown
}

/// `1 critical, 2 high`: counts in [`Severity::ALL`] order, those at zero left out.
fn severity_counts(counts: &[usize; 5]) -> String {
    Severity::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(sev, n)| format!("{n} {sev}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text safe in a table cell: no line breaks, no column separators, no code spans or HTML
/// from resource names and tag values.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '`' | '\\' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
