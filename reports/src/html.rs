//! `--format html`: one self-contained page (inline CSS, JavaScript and SVG; nothing fetched)
//! that a person opens from disk or an artifact store: what was and was not scanned, an
//! overview by account, region, family and severity, backup coverage, the trend against a
//! baseline when there is one, and the findings with filters.
//!
//! Everything from the report is HTML-escaped here; the page's script reads the same report
//! from an embedded JSON block (with `<` escaped, so no string can close the block) and draws
//! the charts and runs the filters.

use std::fmt::Write;

use rules::registry::{rule, Check, RULES};
use rules::Severity;
use serde_json::json;

use crate::report::Coverage;
use crate::Report;
use rules::coverage::{COPY_RULES, RECENT_SNAPSHOT_RULES, RECYCLE_BIN_RULES};
use rules::Rule;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// The report as one self-contained HTML document.
pub fn render(report: &Report) -> String {
    let mut page = String::with_capacity(64 * 1024 + report.findings.len() * 2048);
    let title = format!(
        "snapguard report: {} finding{}",
        report.summary.findings,
        plural(report.summary.findings)
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<main>\n",
        escape(&report.tool),
        escape(&title)
    );
    header(report, &mut page);
    not_scanned(report, &mut page);
    summary(report, &mut page);
    overview(report, &mut page);
    trend(report, &mut page);
    coverage(report, &mut page);
    waivers(report, &mut page);
    compliance(report, &mut page);
    findings(report, &mut page);
    let _ = write!(
        page,
        "</main>\n<script type=\"application/json\" id=\"report-data\">{}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        embedded_data(report)
    );
    page
}

fn header(report: &Report, page: &mut String) {
    let accounts = report.scope.accounts.len();
    let regions = report.scope.regions.len();
    let _ = write!(
        page,
        "<header>\n<h1>snapguard report</h1>\n<p class=\"scope\">{accounts} account{}, \
         {regions} region{} ({}) &middot; inventory collected <time>{}</time> &middot; \
         source <code>{}</code> &middot; {}</p>\n</header>\n",
        plural(accounts),
        plural(regions),
        escape(&report.scope.regions.join(", ")),
        escape(&report.collected_at),
        escape(&report.source),
        escape(&report.tool),
    );
}

/// What could not be read, grouped by operation and reason ([`crate::gaps`]): the first
/// places by name, the rest collapsed, so that the page opens on one row per reason rather
/// than on every account.
fn not_scanned(report: &Report, page: &mut String) {
    if report.complete {
        return;
    }
    let gaps = report.not_scanned.len();
    let _ = write!(
        page,
        "<section id=\"not-scanned\" class=\"incomplete\" role=\"alert\">\n\
         <h2>Not scanned: {gaps} place{} could not be read</h2>\n\
         <p>The findings below are a lower bound: nothing is known about what follows.</p>\n\
         <table>\n<thead><tr><th>Operation</th><th>Why</th><th>Places</th><th>Where</th>\
         </tr></thead>\n<tbody>\n",
        plural(gaps)
    );
    for group in crate::gaps::grouped(report) {
        let places = group.places(report);
        let shown = places.len().min(NOT_SCANNED_NAMED);
        let mut cell = escape(&places[..shown].join(", "));
        if places.len() > shown {
            let _ = write!(
                cell,
                " <details><summary>and {} more</summary>{}</details>",
                places.len() - shown,
                escape(&places[shown..].join(", "))
            );
        }
        let _ = writeln!(
            page,
            "<tr><td><code class=\"id\">{}</code></td><td>{}</td><td class=\"num\">{}</td>\
             <td>{cell}</td></tr>",
            escape(group.operation),
            escape(&group.reason),
            group.gaps.len()
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// The places of one not-scanned group named before the rest are collapsed.
const NOT_SCANNED_NAMED: usize = 5;

fn summary(report: &Report, page: &mut String) {
    let s = &report.summary;
    page.push_str("<section id=\"summary\" class=\"cards\">\n");
    let _ = writeln!(
        page,
        "<div class=\"card total\"><span class=\"count\">{}</span>open finding{}</div>",
        s.findings,
        plural(s.findings)
    );
    for severity in Severity::ALL {
        let _ = writeln!(
            page,
            "<div class=\"card sev-{severity}\"><span class=\"count\">{}</span>{severity}</div>",
            s.by_severity.get(&severity).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(
        page,
        "<div class=\"card waived\"><span class=\"count\">{}</span>waived</div>",
        s.waived
    );
    page.push_str("</section>\n");
}

/// The heat map and per-account bars are drawn by the script from the embedded report, a
/// page of accounts at a time, grouped by organizational unit when the report knows them, the
/// worst first.
fn overview(report: &Report, page: &mut String) {
    let mut units: Vec<&str> = report
        .scope
        .accounts
        .iter()
        .filter_map(|a| a.organizational_unit.as_deref())
        .collect();
    units.sort_unstable();
    units.dedup();
    let unit_filter = if units.is_empty() {
        String::new()
    } else {
        select(
            "ou",
            "Organizational unit",
            units.into_iter().map(|u| (u.to_owned(), u.to_owned())),
        )
    };
    let _ = write!(
        page,
        "<section id=\"overview\">\n<h2>Findings by account, region and family</h2>\n\
         <p class=\"hint\">Each cell counts the open findings of one rule family in one \
         account-region, coloured by the most severe of them; hatched cells could not be fully \
         read. The bars split each account's open findings by severity. Accounts are grouped by \
         organizational unit, the worst units and accounts first, {ACCOUNTS_PER_PAGE} to a \
         page. Click a cell to filter the findings.</p>\n<form class=\"filters\" \
         id=\"overview-controls\" onsubmit=\"return false\">\n{unit_filter}{}</form>\n\
         <div class=\"chart\"><svg id=\"heatmap\" role=\"img\" \
         aria-label=\"Open findings by account, region and rule family\"></svg></div>\n\
         <div class=\"legend\" id=\"severity-legend\"></div>\n</section>\n",
        pager("overview-pager", "Pages of accounts"),
    );
}

/// Accounts drawn in the heat map at once: a screenful, and cheap to draw at 1,000 accounts.
const ACCOUNTS_PER_PAGE: usize = 50;
/// Findings listed at once; the filters count and page through all of them.
const FINDINGS_PER_PAGE: usize = 100;

/// Previous and next buttons around a status the script fills in (`accounts 1-50 of 1,000`).
fn pager(id: &str, label: &str) -> String {
    format!(
        "<span class=\"pager\" id=\"{id}\" role=\"navigation\" aria-label=\"{label}\">\
         <button type=\"button\" data-step=\"-1\">Previous</button> <span \
         class=\"page-status\"></span> <button type=\"button\" data-step=\"1\">Next</button>\
         </span>\n"
    )
}

/// New against resolved by severity (drawn by the script), when compared with a baseline.
fn trend(report: &Report, page: &mut String) {
    let Some(baseline) = &report.baseline else {
        return;
    };
    let b = &baseline.summary;
    let _ = write!(
        page,
        "<section id=\"trend\">\n<h2>Since the baseline</h2>\n<p class=\"hint\">Against \
         <code>{}</code>, collected <time>{}</time>: <strong>{} new</strong>, <strong>{} \
         resolved</strong>, {} unchanged; {} not rescanned (their place was not read tonight, \
         so they are not called resolved).</p>\n<div class=\"chart\"><svg id=\"trend-chart\" \
         role=\"img\" aria-label=\"New and resolved findings by severity\"></svg></div>\n",
        escape(&baseline.file),
        escape(&baseline.collected_at),
        b.new,
        b.resolved,
        b.unchanged,
        b.not_rescanned
    );
    if !baseline.resolved.is_empty() {
        page.push_str(
            "<h3>Resolved</h3>\n<table class=\"resolved\">\n<thead><tr><th>Severity</th>\
             <th>Rule</th><th>Account</th><th>Region</th><th>Resource</th><th>Finding</th></tr>\
             </thead>\n<tbody>\n",
        );
        for f in &baseline.resolved {
            let _ = writeln!(
                page,
                "<tr><td><span class=\"sev sev-{}\">{}</span></td><td><code class=\"id\">{}\
                 </code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                f.severity,
                f.severity,
                escape(&f.rule_id),
                escape(&report.account_label(&f.account_id)),
                escape(&f.region),
                escape(&f.resource_id),
                escape(&f.message)
            );
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("</section>\n");
}

fn coverage(report: &Report, page: &mut String) {
    let ids = |rules: &[&Rule]| rules.iter().map(|r| r.id).collect::<Vec<_>>().join(" and ");
    let _ = writeln!(
        page,
        "<section id=\"coverage\">\n<h2>Backup coverage</h2>\n<p class=\"hint\">Counted from the \
         inventory with the checks of {} (recent snapshot), {} (copied to the DR region and the \
         archive account) and {} (retained by a Recycle Bin rule); a waiver does not close a \
         gap, volumes skipped by configuration count as protected, and a figure whose rules are \
         turned off or could not be checked is unknown.</p>",
        ids(&RECENT_SNAPSHOT_RULES),
        ids(&COPY_RULES),
        ids(&RECYCLE_BIN_RULES)
    );
    // Each measure summed over the account-regions where it is known.
    let mut totals = [(0, 0, 0); 3];
    for c in &report.coverage {
        for (i, (_, measure)) in coverage_measures(c).into_iter().enumerate() {
            match measure {
                Some((part, whole)) => {
                    totals[i].0 += part;
                    totals[i].1 += whole;
                }
                None => totals[i].2 += 1,
            }
        }
    }
    let labels = coverage_measures(&Coverage::default()).map(|(label, _)| label);
    page.push_str("<div class=\"cards coverage-totals\">\n");
    for (label, (part, whole, unknown)) in labels.into_iter().zip(totals) {
        let unknown = match unknown {
            0 => String::new(),
            n => format!(
                "<br><span class=\"muted\">unknown in {n} account-region{}</span>",
                plural(n)
            ),
        };
        let _ = writeln!(
            page,
            "<div class=\"card\"><span class=\"count\">{}</span>{label}<br>\
             <span class=\"muted\">{part} of {whole}</span>{unknown}</div>",
            percent(part, whole)
        );
    }
    page.push_str("</div>\n");
    let coverage_of: std::collections::BTreeMap<(&str, &str), &Coverage> = report
        .coverage
        .iter()
        .map(|c| ((c.account_id.as_str(), c.region.as_str()), c))
        .collect();
    // (how well covered, its row): the unknown first, then the least covered.
    let mut rows: Vec<(f64, String)> = Vec::new();
    let mut empty = 0;
    for account in &report.scope.accounts {
        let label = escape(&report.account_label(&account.account_id));
        for region in &account.regions {
            let (covered, cells) = match coverage_of.get(&(&account.account_id, region)) {
                Some(c) if c.volumes == 0 && c.snapshots == 0 => {
                    empty += 1;
                    continue;
                }
                Some(c) => {
                    let measures = coverage_measures(c).map(|(_, measure)| measure);
                    // Unknown first, like a place not fully read; then the least covered.
                    let covered = if measures.iter().any(Option::is_none) {
                        -1.0
                    } else {
                        measures
                            .iter()
                            .flatten()
                            .filter(|(_, whole)| *whole > 0)
                            .map(|(part, whole)| *part as f64 / *whole as f64)
                            .fold(1.0, f64::min)
                    };
                    let [recent, copied, retained] = measures.map(|measure| match measure {
                        Some((part, whole)) => format!("<td>{}</td>", meter(part, whole)),
                        None => "<td class=\"unknown\">unknown</td>".to_owned(),
                    });
                    (
                        covered,
                        format!(
                            "<td class=\"num\">{}</td>{recent}{copied}\
                             <td class=\"num\">{}</td>{retained}</tr>",
                            c.volumes, c.snapshots
                        ),
                    )
                }
                None => (
                    -1.0,
                    "<td colspan=\"5\" class=\"unknown\">not fully read: see Not scanned\
                     </td></tr>"
                        .to_owned(),
                ),
            };
            rows.push((
                covered,
                format!("<tr><td>{label}</td><td>{}</td>{cells}", escape(region)),
            ));
        }
    }
    // Stable: equally covered places keep the report's account and region order.
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let table = |rows: &[(f64, String)]| {
        let mut html = String::from(
            "<table class=\"coverage\">\n<thead><tr><th>Account</th><th>Region</th>\
             <th>Volumes</th><th>Recent snapshot</th><th>Copied</th><th>Snapshots</th>\
             <th>In Recycle Bin</th></tr></thead>\n<tbody>\n",
        );
        for (_, row) in rows {
            html.push_str(row);
            html.push('\n');
        }
        html.push_str("</tbody>\n</table>\n");
        html
    };
    let listed = rows.len().min(COVERAGE_LISTED);
    page.push_str(&table(&rows[..listed]));
    if rows.len() > listed {
        let _ = writeln!(
            page,
            "<details><summary>{} more account-region{}, better covered</summary>\n{}</details>",
            rows.len() - listed,
            plural(rows.len() - listed),
            table(&rows[listed..])
        );
    }
    if empty > 0 {
        let _ = writeln!(
            page,
            "<p class=\"hint\">{empty} account-region{} without volumes or snapshots not listed.</p>",
            plural(empty)
        );
    }
    page.push_str("</section>\n");
}

/// Account-regions of the coverage table shown before the rest is collapsed, the least
/// covered first.
const COVERAGE_LISTED: usize = 25;

/// (label, (covered, of how many) when known) for each coverage measure, in column order.
fn coverage_measures(c: &Coverage) -> [(&'static str, Option<(usize, usize)>); 3] {
    [
        (
            "volumes with a recent snapshot",
            c.volumes_with_recent_snapshot.map(|n| (n, c.volumes)),
        ),
        ("volumes copied", c.volumes_copied.map(|n| (n, c.volumes))),
        (
            "snapshots in Recycle Bin scope",
            c.snapshots_in_recycle_bin_scope.map(|n| (n, c.snapshots)),
        ),
    ]
}

/// A bar for `part` of `whole`, coloured by how close it is to all; a dash when there is
/// nothing to cover.
fn meter(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "<span class=\"muted\">&mdash;</span>".to_owned();
    }
    let share = part * 100 / whole;
    let level = match share {
        100 => "full",
        90..=99 => "most",
        _ => "low",
    };
    format!(
        "<div class=\"meter {level}\"><span style=\"width:{share}%\"></span></div>\
         <span class=\"meter-text\">{part} of {whole}</span>"
    )
}

fn percent(part: usize, whole: usize) -> String {
    (part * 100)
        .checked_div(whole)
        .map_or_else(|| "n/a".to_owned(), |share| format!("{share}%"))
}

fn waivers(report: &Report, page: &mut String) {
    if report.waivers.is_empty() {
        return;
    }
    page.push_str(
        "<section id=\"waivers\">\n<h2>Waivers</h2>\n<table>\n<thead><tr><th>Rule</th>\
         <th>Resource</th><th>Reason</th><th>Expires</th><th>Matched</th></tr></thead>\n<tbody>\n",
    );
    for w in &report.waivers {
        let expires = if w.expired {
            format!(
                "<span class=\"badge expired\">expired {}</span>",
                escape(&w.expires)
            )
        } else {
            escape(&w.expires)
        };
        let _ = writeln!(
            page,
            "<tr><td><code class=\"id\">{}</code></td><td><code>{}</code></td><td>{}</td><td>{expires}</td>\
             <td class=\"num\">{}</td></tr>",
            escape(&w.rule),
            escape(&w.resource),
            escape(&w.reason),
            w.matched
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// Each mapped control's outcome per account-region ([`crate::compliance`]), the places where
/// it failed named (the first few, the rest collapsed).
fn compliance(report: &Report, page: &mut String) {
    let outcomes = crate::compliance::outcomes(report);
    let _ = write!(
        page,
        "<section id=\"compliance\">\n<h2>Compliance</h2>\n<p class=\"hint\">{}.</p>\n\
         <table>\n<thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Passed</th>\
         <th>Failed</th><th>Not evaluated</th><th>Rules</th></tr></thead>\n<tbody>\n",
        escape(&crate::compliance::headline(&outcomes))
    );
    for o in &outcomes {
        let status = o.status().as_str();
        let mut failed = o.failed.len().to_string();
        if !o.failed.is_empty() {
            let _ = write!(
                failed,
                " <details><summary>where</summary>{}</details>",
                escape(&o.failed.join(", "))
            );
        }
        let _ = writeln!(
            page,
            "<tr data-control=\"{tag}\" data-status=\"{status}\"><td><code class=\"id\">{tag}\
             </code></td><td>{title}</td><td><span class=\"status status-{class}\">{status}</span>\
             </td><td class=\"num\">{}</td><td class=\"num\">{failed}</td><td class=\"num\">{}\
             </td><td>{rules}</td></tr>",
            o.passed,
            o.not_evaluated,
            tag = escape(&o.control.tag()),
            title = escape(o.control.title),
            class = status.replace(' ', "-"),
            rules = escape(&crate::compliance::rule_ids(o.control)),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn findings(report: &Report, page: &mut String) {
    let total = report.findings.len();
    let mut regions = report.scope.regions.clone();
    regions.extend(report.findings.iter().map(|f| f.region.clone()));
    regions.sort();
    regions.dedup();
    let _ = write!(
        page,
        "<section id=\"findings\">\n<h2>Findings</h2>\n<form class=\"filters\" id=\"filters\" \
         role=\"search\" onsubmit=\"return false\">\n<label>Search <input type=\"search\" \
         name=\"q\" placeholder=\"rule, resource, message, &hellip;\"></label>\n{}{}{}{}\
         <button type=\"reset\">Clear</button>\n</form>\n<p class=\"shown\"><span \
         id=\"shown-count\">{total} of {total} findings shown</span> <span \
         id=\"shown-severities\"></span></p>\n",
        select(
            "severity",
            "Severity",
            Severity::ALL.map(|s| (s.as_str().to_owned(), s.as_str().to_owned()))
        ),
        select(
            "family",
            "Family",
            families(report).into_iter().map(|f| (f.key, f.title))
        ),
        select(
            "account",
            "Account",
            report
                .scope
                .accounts
                .iter()
                .map(|a| (a.account_id.clone(), report.account_label(&a.account_id)))
        ),
        select(
            "region",
            "Region",
            regions.into_iter().map(|r| (r.clone(), r))
        ),
    );
    if total == 0 {
        page.push_str("<p class=\"empty\">No findings.</p>\n</section>\n");
        return;
    }
    // The rows are drawn by the script from the embedded report, a page at a time: 50,000
    // rows of markup would make the page too heavy to open.
    let _ = write!(
        page,
        "<table class=\"findings\" id=\"findings-table\">\n<thead><tr><th>Severity</th>\
         <th>Rule</th><th>Account</th><th>Region</th><th>Resource</th><th>Finding</th></tr>\
         </thead>\n<tbody id=\"findings-body\"></tbody>\n</table>\n{}<p class=\"empty\" \
         id=\"no-match\" hidden>No finding matches the filters.</p>\n<noscript><p \
         class=\"empty\">The findings are listed by the page's script; the JSON and CSV \
         reports hold them too.</p></noscript>\n</section>\n",
        pager("findings-pager", "Pages of findings")
    );
}

fn select(name: &str, label: &str, options: impl IntoIterator<Item = (String, String)>) -> String {
    let mut html =
        format!("<label>{label} <select name=\"{name}\"><option value=\"\">all</option>");
    for (value, text) in options {
        let _ = write!(
            html,
            "<option value=\"{}\">{}</option>",
            escape(&value),
            escape(&text)
        );
    }
    html.push_str("</select></label>\n");
    html
}

/// A rule family as the page shows it.
#[derive(PartialEq)]
struct FamilyColumn {
    key: String,
    title: String,
    /// Its rules look at whole accounts (findings in region `global`), not account-regions.
    account_wide: bool,
}

/// Every family in the registry, in registry order, then any other a finding belongs to.
fn families(report: &Report) -> Vec<FamilyColumn> {
    let mut families: Vec<FamilyColumn> = Vec::new();
    let known = RULES.iter().map(|r| r.family).map(|family| FamilyColumn {
        key: family.as_str().to_owned(),
        title: family.title().to_owned(),
        account_wide: RULES
            .iter()
            .filter(|r| r.family == family)
            .all(|r| matches!(r.check, Check::Account(_))),
    });
    let found = report.findings.iter().map(|f| family_of(&f.rule_id));
    for family in known.chain(found) {
        if !families.iter().any(|f| f.key == family.key) {
            families.push(family);
        }
    }
    families
}

/// The family of a finding's rule; for a rule the registry does not know, the id's middle part
/// (`SG-XYZ-001` -> `xyz`).
fn family_of(rule_id: &str) -> FamilyColumn {
    match rule(rule_id) {
        Some(r) => FamilyColumn {
            key: r.family.as_str().to_owned(),
            title: r.family.title().to_owned(),
            account_wide: matches!(r.check, Check::Account(_)),
        },
        None => {
            let part = rule_id.split('-').nth(1).unwrap_or(rule_id);
            FamilyColumn {
                key: part.to_ascii_lowercase(),
                title: part.to_owned(),
                account_wide: false,
            }
        }
    }
}

/// What the script draws from: the whole report, each finding's family, and the families and
/// severities in display order.
fn embedded_data(report: &Report) -> String {
    let data = json!({
        "report": report,
        "finding_families": report.findings.iter().map(|f| family_of(&f.rule_id).key).collect::<Vec<_>>(),
        "families": families(report)
            .into_iter()
            .map(|f| json!({ "key": f.key, "title": f.title, "account_wide": f.account_wide }))
            .collect::<Vec<_>>(),
        "severities": Severity::ALL,
        "accounts_per_page": ACCOUNTS_PER_PAGE,
        "findings_per_page": FINDINGS_PER_PAGE,
    });
    script_safe_json(&data)
}

/// JSON that can sit inside a `<script>` element: `<` never appears outside a string in JSON,
/// and inside one `\u003c` means the same, so no `</script>` or `<!--` can end the block.
fn script_safe_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// HTML-escapes text for element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror='a'>&"#),
            "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;"
        );
        assert_eq!(escape("\"q\""), "&quot;q&quot;");
    }

    #[test]
    fn report_strings_cannot_inject_markup() {
        let hostile = "</script><img src=x onerror=alert(1)>\"'&";
        let report: Report = serde_json::from_value(json!({
            "schema_version": 1, "tool": hostile, "collected_at": hostile, "source": hostile,
            "scope": { "accounts": [{ "account_id": hostile, "name": hostile,
                                      "organizational_unit": hostile, "regions": [hostile] }],
                       "regions": [hostile] },
            "complete": false,
            "not_scanned": [{ "account_id": hostile, "region": hostile, "operation": hostile,
                              "error": hostile }],
            "api_calls": {}, "throttle_retries": {},
            "summary": { "findings": 1, "waived": 0, "by_severity": {}, "by_rule": [] },
            "waivers": [{ "rule": hostile, "resource": hostile, "reason": hostile,
                          "expires": hostile, "expired": true, "matched": 1 }],
            "findings": [{
                "rule_id": hostile, "rule_name": hostile, "severity": "high",
                "account_id": hostile, "region": hostile, "resource_type": hostile,
                "resource_id": hostile, "resource_arn": hostile, "message": hostile,
                "evidence": { "value": hostile },
                "waiver": { "active": true, "reason": hostile, "expires": hostile, "owner": hostile },
                "fingerprint": hostile
            }],
        }))
        .unwrap();
        let page = render(&report);
        assert!(!page.contains("<img"), "unescaped markup in the page");
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the page's own scripts close"
        );
        let markup = &page[..page.find("<script type=\"application/json\"").unwrap()];
        assert!(
            !markup.contains("\"'&"),
            "an unescaped quote could end an attribute"
        );
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let value = json!({ "message": "</script><script>alert(1)</script><!--" });
        let text = script_safe_json(&value);
        assert!(!text.contains('<'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
