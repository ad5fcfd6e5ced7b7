//! `--format table`: what a person reads. A header that says what was scanned and whether the
//! scan was complete, a summary by rule and severity, the findings grouped by account, the
//! waived findings with each waiver's reason and expiry, and what could not be scanned.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use std::fmt::Write;

use rules::finding::BaselineStatus;
use rules::{Finding, Severity};

use crate::Report;

/// Wide enough for ARNs and messages; a terminal narrower than this wraps cells.
const DEFAULT_WIDTH: u16 = 160;
/// Narrower terminals are treated as having no width.
const MIN_TERMINAL_WIDTH: u16 = 40;

/// The report as text: a header, then tables that wrap to the terminal (or 160 columns; see
/// [`new_table`]).
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let accounts = report.scope.accounts.len();
    let regions = report.scope.regions.len();
    let _ = writeln!(
        out,
        "snapguard scanned {accounts} account{}, {regions} region{}; inventory collected {}",
        plural(accounts),
        plural(regions),
        report.collected_at
    );
    if !report.complete {
        let _ = writeln!(
            out,
            "INCOMPLETE: {} place{} could not be read; see \"Not scanned\" at the end. Findings are a lower bound.",
            report.not_scanned.len(),
            plural(report.not_scanned.len())
        );
    }
    out.push('\n');
    since_baseline(report, &mut out);
    summary(report, &mut out);
    findings(report, &mut out);
    waived(report, &mut out);
    resolved(report, &mut out);
    waivers(report, &mut out);
    not_scanned(report, &mut out);
    out
}

/// One line for standard error when every report went to a file: what was scanned, the
/// findings by severity, waived and new ones, and whether the scan was complete. E.g.
/// `snapguard: 3 accounts, 2 regions: 7 findings: 2 critical, 5 high, 1 waived; INCOMPLETE: 2
/// places not scanned`.
pub fn summary_line(report: &Report) -> String {
    let accounts = report.scope.accounts.len();
    let regions = report.scope.regions.len();
    let mut line = format!(
        "snapguard: {accounts} account{}, {regions} region{}: {}",
        plural(accounts),
        plural(regions),
        findings_count(report)
            .trim_end_matches('.')
            .replacen("No findings", "no findings", 1)
    );
    if let Some(baseline) = &report.baseline {
        let s = &baseline.summary;
        let _ = write!(
            line,
            "; since the baseline {} new, {} resolved",
            s.new, s.resolved
        );
    }
    if !report.complete {
        let gaps = report.not_scanned.len();
        let _ = write!(
            line,
            "; INCOMPLETE: {gaps} place{} not scanned",
            plural(gaps)
        );
    }
    line
}

/// `7 findings: 2 critical, 5 high, 1 waived`, or `No findings.` (with the waived count).
fn findings_count(report: &Report) -> String {
    let s = &report.summary;
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| s.by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    let waived = if s.waived > 0 {
        format!(", {} waived", s.waived)
    } else {
        String::new()
    };
    if s.findings == 0 {
        return format!("No findings{waived}.");
    }
    format!(
        "{} finding{}: {}{waived}",
        s.findings,
        plural(s.findings),
        by_severity.join(", ")
    )
}

fn summary(report: &Report, out: &mut String) {
    let _ = writeln!(out, "{}", findings_count(report));
    if report.summary.findings == 0 {
        return;
    }
    let s = &report.summary;
    let mut table = new_table(["rule", "name", "severity", "findings"]);
    for r in &s.by_rule {
        table.add_row(vec![
            Cell::new(&r.rule_id),
            Cell::new(&r.rule_name),
            Cell::new(r.severity),
            Cell::new(r.count).set_alignment(CellAlignment::Right),
        ]);
    }
    let _ = writeln!(out, "{table}\n");
}

fn findings(report: &Report, out: &mut String) {
    let mut shown: Vec<&Finding> = report.findings.iter().filter(|f| !f.is_waived()).collect();
    if shown.is_empty() {
        return;
    }
    // Findings arrive most severe first; group by account keeping that order inside.
    shown.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut start = 0;
    while start < shown.len() {
        let account = &shown[start].account_id;
        let end = start
            + shown[start..]
                .iter()
                .take_while(|f| &f.account_id == account)
                .count();
        let _ = writeln!(out, "Account {}", report.account_label(account));
        let mut table = new_table(["severity", "rule", "region", "resource", "message"]);
        for f in &shown[start..end] {
            table.add_row(vec![
                Cell::new(f.severity),
                Cell::new(&f.rule_id),
                Cell::new(&f.region),
                Cell::new(&f.resource_id),
                Cell::new(&f.message),
            ]);
        }
        let _ = writeln!(out, "{table}\n");
        start = end;
    }
}

/// The waived findings, in their own section: a waived public AMI is still a public AMI, and
/// the reader sees what was accepted, why, until when and by whom.
fn waived(report: &Report, out: &mut String) {
    let waived: Vec<&Finding> = report.findings.iter().filter(|f| f.is_waived()).collect();
    if waived.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Waived: {} finding{} (not counted for --fail-on)",
        waived.len(),
        plural(waived.len())
    );
    let mut table = new_table([
        "severity", "rule", "account", "region", "resource", "message", "waiver",
    ]);
    for f in waived {
        let waiver = f.waiver.as_ref().map_or(String::new(), |w| {
            let owner = w
                .owner
                .as_ref()
                .map_or(String::new(), |o| format!(", owner {o}"));
            format!("until {}{owner}: {}", w.expires, w.reason)
        });
        let mut row = finding_cells(report, f);
        row.push(Cell::new(waiver));
        table.add_row(row);
    }
    let _ = writeln!(out, "{table}\n");
}

/// Night over night, what is new comes first: it is what the reader has to act on.
fn since_baseline(report: &Report, out: &mut String) {
    let Some(baseline) = &report.baseline else {
        return;
    };
    let s = &baseline.summary;
    let _ = writeln!(
        out,
        "Since the baseline {} (collected {}): {} new, {} unchanged, {} resolved, {} not rescanned",
        baseline.file, baseline.collected_at, s.new, s.unchanged, s.resolved, s.not_rescanned
    );
    if s.not_rescanned > 0 {
        let _ = writeln!(
            out,
            "{} finding{} of the baseline {} in places not read tonight (see \"Not scanned\"): \
             unknown, not counted as resolved.",
            s.not_rescanned,
            plural(s.not_rescanned),
            if s.not_rescanned == 1 { "is" } else { "are" }
        );
    }
    let new: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.baseline == Some(BaselineStatus::New) && !f.is_waived())
        .collect();
    if new.is_empty() {
        let _ = writeln!(out, "Nothing new.\n");
        return;
    }
    let _ = writeln!(out, "New");
    let _ = writeln!(out, "{}\n", findings_table(report, &new));
}

fn resolved(report: &Report, out: &mut String) {
    let Some(baseline) = report.baseline.as_ref().filter(|b| !b.resolved.is_empty()) else {
        return;
    };
    let resolved: Vec<&Finding> = baseline.resolved.iter().collect();
    let _ = writeln!(out, "Resolved since the baseline");
    let _ = writeln!(out, "{}\n", findings_table(report, &resolved));
}

/// Expired waivers and the findings they no longer cover, and waivers that matched nothing,
/// so the waiver list cannot rot silently.
fn waivers(report: &Report, out: &mut String) {
    let expired = report.waivers.iter().filter(|w| w.expired).count();
    let unmatched = report.waivers.iter().filter(|w| w.matched == 0).count();
    if expired + unmatched == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "Waivers: {} configured, {expired} expired, {unmatched} matching nothing",
        report.waivers.len()
    );
    for w in &report.waivers {
        let owner = w
            .owner
            .as_ref()
            .map_or(String::new(), |o| format!(", owner {o}"));
        let grantee = w
            .grantee
            .as_ref()
            .map_or(String::new(), |g| format!(" for grantee {g}"));
        let waiver = format!("{} on {}{grantee}", w.rule, w.resource);
        if w.matched == 0 {
            let _ = writeln!(
                out,
                "UNMATCHED: the waiver {waiver} (expires {}{owner}) matched no finding; remove it \
                 or correct its rule, resource, account or grantee.",
                w.expires
            );
        }
        if w.expired && w.matched > 0 {
            let _ = writeln!(
                out,
                "EXPIRED: the waiver {waiver} expired {}{owner}; it no longer covers {} \
                 finding{}, which count again:",
                w.expires,
                w.matched,
                plural(w.matched)
            );
            let uncovered: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| w.fingerprints.contains(&f.fingerprint))
                .collect();
            let _ = writeln!(out, "{}", findings_table(report, &uncovered));
        } else if w.expired {
            let _ = writeln!(
                out,
                "EXPIRED: the waiver {waiver} expired {}{owner}.",
                w.expires
            );
        }
    }
    out.push('\n');
}

/// Findings across accounts, one a row.
fn findings_table(report: &Report, findings: &[&Finding]) -> Table {
    let mut table = new_table([
        "severity", "rule", "account", "region", "resource", "message",
    ]);
    for f in findings {
        table.add_row(finding_cells(report, f));
    }
    table
}

/// A finding's cells: severity, rule, account, region, resource, message.
fn finding_cells(report: &Report, f: &Finding) -> Vec<Cell> {
    vec![
        Cell::new(f.severity),
        Cell::new(&f.rule_id),
        Cell::new(report.account_label(&f.account_id)),
        Cell::new(&f.region),
        Cell::new(&f.resource_id),
        Cell::new(&f.message),
    ]
}

fn not_scanned(report: &Report, out: &mut String) {
    if report.not_scanned.is_empty() {
        return;
    }
    let _ = writeln!(out, "Not scanned");
    let mut table = new_table(["account", "region", "operation", "why"]);
    for gap in &report.not_scanned {
        table.add_row(vec![
            Cell::new(report.account_label(&gap.account_id)),
            Cell::new(gap.region.as_deref().unwrap_or("all")),
            Cell::new(&gap.operation),
            Cell::new(&gap.error),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

/// snapguard's table look: long cells wrap to the terminal's width, or to 160 columns
/// (`DEFAULT_WIDTH`) when there is no terminal or it reports an unusable width (a
/// pseudo-terminal without a size says 0, which would wrap every cell to one character per
/// line).
pub fn new_table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    if table.width().is_none_or(|w| w < MIN_TERMINAL_WIDTH) {
        table.set_width(DEFAULT_WIDTH);
    }
    table
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
