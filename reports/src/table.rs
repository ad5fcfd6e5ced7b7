//! `--format table`: what a person reads, at any size. A header that says what was scanned and
//! whether the scan was complete; a summary by rule and severity; the accounts, worst first;
//! the most severe findings, up to `--details` (the rest are in the JSON and CSV reports,
//! and `--details all` lists them); the waived findings with each waiver's reason and expiry;
//! each compliance control's outcome per account-region; and what could not be scanned,
//! grouped by operation and reason with counts.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use std::fmt::Write;

use rules::finding::BaselineStatus;
use rules::{Finding, Severity};

use crate::{Details, Report};

/// Wide enough for ARNs and messages; a terminal narrower than this wraps cells.
const DEFAULT_WIDTH: u16 = 160;
/// Narrower terminals are treated as having no width.
const MIN_TERMINAL_WIDTH: u16 = 40;

/// The report as text with the default [`Details`].
pub fn render(report: &Report) -> String {
    render_with(report, Details::default())
}

/// The report as text: a header, then tables that wrap to the terminal (or 160 columns; see
/// [`new_table`]), each list cut at `details`.
pub fn render_with(report: &Report, details: Details) -> String {
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
    since_baseline(report, details, &mut out);
    summary(report, &mut out);
    accounts_worst_first(report, details, &mut out);
    findings(report, details, &mut out);
    waived(report, details, &mut out);
    resolved(report, details, &mut out);
    waivers(report, details, &mut out);
    compliance(report, &mut out);
    not_scanned(report, &mut out);
    out
}

/// "N of M shown; ..." under a list cut at `details`; nothing when it is whole.
fn more(out: &mut String, shown: usize, total: usize, what: &str) {
    if shown < total {
        let _ = writeln!(
            out,
            "{shown} of {total} {what} shown, most severe first: `--details all` lists every \
             one, and the JSON and CSV reports hold them all.\n"
        );
    }
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

/// The unwaived findings, most severe first (the order they arrive in), cut at `details`.
fn findings(report: &Report, details: Details, out: &mut String) {
    let shown: Vec<&Finding> = report.findings.iter().filter(|f| !f.is_waived()).collect();
    if shown.is_empty() {
        return;
    }
    let listed = details.take(shown.len());
    let _ = writeln!(out, "Findings");
    let _ = writeln!(out, "{}", findings_table(report, &shown[..listed]));
    more(out, listed, shown.len(), "findings");
    out.push('\n');
}

/// The accounts with unwaived findings, worst first (by their counts per severity, most
/// severe first), cut at `details`: at 1,000 accounts, where to look first.
fn accounts_worst_first(report: &Report, details: Details, out: &mut String) {
    let ranked = report.accounts_worst_first();
    if ranked.len() < 2 {
        return;
    }
    let listed = details.take(ranked.len());
    let mut header = vec!["account"];
    header.extend(Severity::ALL.iter().map(|s| s.as_str()));
    header.push("total");
    let header: [&str; 7] = header.try_into().expect("account, five severities, total");
    let mut table = new_table(header);
    for (account, counts, _) in &ranked[..listed] {
        let mut row = vec![Cell::new(report.account_label(account))];
        row.extend(
            counts
                .iter()
                .map(|n| Cell::new(n).set_alignment(CellAlignment::Right)),
        );
        row.push(Cell::new(counts.iter().sum::<usize>()).set_alignment(CellAlignment::Right));
        table.add_row(row);
    }
    let _ = writeln!(out, "Accounts, worst first");
    let _ = writeln!(out, "{table}");
    more(out, listed, ranked.len(), "accounts");
    out.push('\n');
}

/// The waived findings, in their own section: a waived public AMI is still a public AMI, and
/// the reader sees what was accepted, why, until when and by whom.
fn waived(report: &Report, details: Details, out: &mut String) {
    let waived: Vec<&Finding> = report.findings.iter().filter(|f| f.is_waived()).collect();
    if waived.is_empty() {
        return;
    }
    let listed = details.take(waived.len());
    let _ = writeln!(
        out,
        "Waived: {} finding{} (not counted for --fail-on)",
        waived.len(),
        plural(waived.len())
    );
    let mut table = new_table([
        "severity", "rule", "account", "region", "resource", "message", "waiver",
    ]);
    for f in &waived[..listed] {
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
    let _ = writeln!(out, "{table}");
    more(out, listed, waived.len(), "waived findings");
    out.push('\n');
}

/// Night over night, what is new comes first: it is what the reader has to act on.
fn since_baseline(report: &Report, details: Details, out: &mut String) {
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
    let listed = details.take(new.len());
    let _ = writeln!(out, "New");
    let _ = writeln!(out, "{}", findings_table(report, &new[..listed]));
    more(out, listed, new.len(), "new findings");
    out.push('\n');
}

fn resolved(report: &Report, details: Details, out: &mut String) {
    let Some(baseline) = report.baseline.as_ref().filter(|b| !b.resolved.is_empty()) else {
        return;
    };
    let resolved: Vec<&Finding> = baseline.resolved.iter().collect();
    let listed = details.take(resolved.len());
    let _ = writeln!(out, "Resolved since the baseline");
    let _ = writeln!(out, "{}", findings_table(report, &resolved[..listed]));
    more(out, listed, resolved.len(), "resolved findings");
    out.push('\n');
}

/// Expired waivers and the findings they no longer cover, and waivers that matched nothing,
/// so the waiver list cannot rot silently.
fn waivers(report: &Report, details: Details, out: &mut String) {
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
            let listed = details.take(uncovered.len());
            let _ = writeln!(out, "{}", findings_table(report, &uncovered[..listed]));
            more(out, listed, uncovered.len(), "findings of the waiver");
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

/// Each mapped control's outcome ([`crate::compliance`]): what was checked and passed, not
/// only what failed.
fn compliance(report: &Report, out: &mut String) {
    let outcomes = crate::compliance::outcomes(report);
    let _ = writeln!(out, "{}", crate::compliance::headline(&outcomes));
    let mut table = new_table([
        "control",
        "title",
        "status",
        "passed",
        "failed",
        "not evaluated",
    ]);
    for o in &outcomes {
        let count = |n: usize| Cell::new(n).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(o.control.tag()),
            Cell::new(o.control.title),
            Cell::new(o.status().as_str()),
            count(o.passed),
            count(o.failed.len()),
            count(o.not_evaluated),
        ]);
    }
    let _ = writeln!(
        out,
        "{table}\n`snapguard rules --framework NAME` lists the rules of each control.\n"
    );
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

/// What could not be read, grouped by operation and reason ([`crate::gaps`]), with how many
/// places and the first few by name.
fn not_scanned(report: &Report, out: &mut String) {
    if report.not_scanned.is_empty() {
        return;
    }
    let _ = writeln!(out, "Not scanned");
    let mut table = new_table(["operation", "why", "places", "where"]);
    for group in crate::gaps::grouped(report) {
        let mut places = group.places(report);
        if places.len() > NOT_SCANNED_NAMED {
            let more = places.len() - NOT_SCANNED_NAMED;
            places.truncate(NOT_SCANNED_NAMED);
            places.push(format!("and {more} more"));
        }
        table.add_row(vec![
            Cell::new(group.operation),
            Cell::new(&group.reason),
            Cell::new(group.gaps.len()).set_alignment(CellAlignment::Right),
            Cell::new(places.join("; ")),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

/// The places of one not-scanned group the table names; the JSON report lists them all.
const NOT_SCANNED_NAMED: usize = 5;

/// snapguard's table look: long cells wrap to the terminal's width, or to 160 columns
/// (`DEFAULT_WIDTH`) when there is no terminal or it reports an unusable width (a
/// pseudo-terminal without a size says 0, which would wrap every cell to one character per
/// line).
pub fn new_table(header: impl Into<comfy_table::Row>) -> Table {
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
