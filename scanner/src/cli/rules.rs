//! `snapguard rules` and `snapguard explain`: the rule registry for people.

use rules::registry::{self, RULES};

use crate::print;

pub fn table() -> String {
    let mut table = reports::table::new_table(["id", "name", "family", "severity", "fires when"]);
    for r in RULES {
        table.add_row([
            r.id,
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            r.summary,
        ]);
    }
    format!("{table}\n")
}

pub fn explain(id: &str) -> Result<u8, String> {
    let rule = registry::rule(id).ok_or_else(|| {
        format!("no rule has the id or name {id:?}; `snapguard rules` lists them")
    })?;
    let text = format!(
        "# {} {}\n\nFamily: {}. Default severity: {}.\n\n{}",
        rule.id,
        rule.name,
        rule.family.title(),
        rule.severity,
        rule.doc()
    );
    print(&text)?;
    Ok(0)
}
