//! `snapguard rules` and `snapguard explain`: the rule registry for people.

use rules::registry::{self, RULES};

use crate::print;

pub fn table() -> String {
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
            yes_no(r.remediable),
            r.summary,
        ]);
    }
    format!("{table}\n")
}

pub fn explain(id: &str) -> Result<u8, String> {
    let rule = registry::rule(id).ok_or_else(|| {
        format!("no rule has the id or name {id:?}; `snapguard rules` lists them")
    })?;
    let remediable = if rule.remediable {
        "yes (`snapguard remediate plan` plans the fix)"
    } else {
        "no (`snapguard remediate` does not fix it; see Remediation)"
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

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}
