//! `snapguard rules` and `snapguard explain`: the rule registry for people.

use std::fmt::Write;

use clap::{Args, ValueEnum};
use rules::compliance::{controls_of, Framework};
use rules::registry::{self, Remediable, Rule, RULES};

use crate::print;

#[derive(Args)]
pub struct RulesArgs {
    /// `table` for a terminal, `markdown` for documents (the README's rules table is this).
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
    /// Only the rules that check a control of this framework (fsbp, cis-3.0, cis-5.0,
    /// nist-800-53-r5), with that framework's controls only.
    #[arg(long, value_name = "NAME")]
    framework: Option<Framework>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Markdown,
}

pub fn run(args: RulesArgs) -> Result<u8, String> {
    let rows = rows(args.framework);
    let text = match args.format {
        RulesFormat::Table => table(&rows, args.framework),
        RulesFormat::Markdown => markdown(&rows),
    };
    print(&text)?;
    Ok(0)
}

const HEADER: [&str; 7] = [
    "id",
    "name",
    "family",
    "severity",
    "remediable",
    "controls",
    "fires when",
];

/// Each rule's cells, in registry order: every rule, or those that check a control of
/// `framework` (with only its controls named).
fn rows(framework: Option<Framework>) -> Vec<[String; 7]> {
    RULES
        .iter()
        .filter_map(|r| {
            let controls: Vec<String> = controls_of(r.id)
                .filter(|c| framework.is_none_or(|f| c.framework == f))
                .map(|c| c.tag())
                .collect();
            if framework.is_some() && controls.is_empty() {
                return None;
            }
            Some([
                r.id.to_owned(),
                r.name.to_owned(),
                r.family.as_str().to_owned(),
                r.severity.as_str().to_owned(),
                r.remediable.label(),
                controls.join(" "),
                r.summary.to_owned(),
            ])
        })
        .collect()
}

/// A terminal table; the controls column only with `--framework`, where it is short enough
/// not to squeeze the rest.
fn table(rows: &[[String; 7]], framework: Option<Framework>) -> String {
    const CONTROLS: usize = 5;
    let keep = |i: &usize| framework.is_some() || *i != CONTROLS;
    let header: Vec<&str> = (0..HEADER.len()).filter(keep).map(|i| HEADER[i]).collect();
    let mut table = reports::table::new_table(header);
    for row in rows {
        table.add_row((0..row.len()).filter(keep).map(|i| &row[i]));
    }
    format!("{table}\n")
}

/// A Markdown table of the rules, one row each.
fn markdown(rows: &[[String; 7]]) -> String {
    let mut text = format!(
        "| {} |\n|{}\n",
        HEADER.join(" | "),
        "---|".repeat(HEADER.len())
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(text, "| {} |", cells.join(" | "));
    }
    text
}

/// `Compliance controls it checks: ...` lines, or one saying there are none.
fn controls(rule: &Rule) -> String {
    let mut text = String::new();
    for c in controls_of(rule.id) {
        let _ = writeln!(text, "- {} {}: {}", c.framework.title(), c.id, c.title);
    }
    if text.is_empty() {
        return "Compliance controls it checks: none.\n".to_owned();
    }
    format!("Compliance controls it checks (part of each; see docs/formats.md):\n{text}")
}

pub fn explain(id: &str) -> Result<u8, String> {
    let rule = registry::rule(id).ok_or_else(|| {
        format!("no rule has the id or name {id:?}; `snapguard rules` lists them")
    })?;
    let remediable = match rule.remediable {
        Remediable::Always => "yes (`snapguard remediate plan` plans the fix)".to_owned(),
        Remediable::With(condition) => {
            format!(
                "with {condition} (see Remediation: `snapguard remediate plan` then plans the fix)"
            )
        }
        Remediable::Never => {
            "no (`snapguard remediate` does not fix it; see Remediation)".to_owned()
        }
    };
    let text = format!(
        "# {} {}\n\nFamily: {}. Default severity: {}.\nRemediable: {remediable}.\n{}\n{}",
        rule.id,
        rule.name,
        rule.family.title(),
        rule.severity,
        controls(rule),
        rule.doc()
    );
    print(&text)?;
    Ok(0)
}
