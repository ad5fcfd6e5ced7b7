//! `snapguard rules` and `snapguard explain`: the rule registry for people.

use std::fmt::Write;

use clap::{Args, ValueEnum};
use rules::registry::{self, Remediable, RULES};

use crate::print;

#[derive(Args)]
pub struct RulesArgs {
    /// `table` for a terminal, `markdown` for documents (the README's rules table is this).
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Markdown,
}

pub fn run(args: RulesArgs) -> Result<u8, String> {
    let text = match args.format {
        RulesFormat::Table => table(),
        RulesFormat::Markdown => markdown(),
    };
    print(&text)?;
    Ok(0)
}

fn table() -> String {
    let mut table = reports::table::new_table([
        "id",
        "name",
        "family",
        "severity",
        "remediable",
        "fires when",
    ]);
    for r in RULES {
        table.add_row([
            r.id,
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            r.remediable.label().as_str(),
            r.summary,
        ]);
    }
    format!("{table}\n")
}

/// A Markdown table of every rule, one row each in registry order.
fn markdown() -> String {
    let mut text = String::from(
        "| id | name | family | severity | remediable | fires when |\n|---|---|---|---|---|---|\n",
    );
    for r in RULES {
        let remediable = r.remediable.label();
        let cells = [
            r.id,
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            remediable.as_str(),
            r.summary,
        ];
        let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(text, "| {} |", cells.join(" | "));
    }
    text
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
        "# {} {}\n\nFamily: {}. Default severity: {}.\nRemediable: {remediable}.\n\n{}",
        rule.id,
        rule.name,
        rule.family.title(),
        rule.severity,
        rule.doc()
    );
    print(&text)?;
    Ok(0)
}
