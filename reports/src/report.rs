//! The report document: everything every format shows, built once from an evaluation. Its
//! JSON form is the `--format json` contract (`schema_version` 1).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use rules::evaluate::{Evaluation, WaiverUse};
use rules::inventory::{Gap, Inventory};
use rules::registry::RULES;
use rules::{Finding, Severity};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: String,
    pub collected_at: String,
    /// Where the inventory came from: `aws` or `recorded:<dir>`.
    pub source: String,
    pub scope: Scope,
    /// False when some account, region or operation could not be read: the findings are then
    /// a lower bound.
    pub complete: bool,
    pub not_scanned: Vec<Gap>,
    pub api_calls: BTreeMap<String, u64>,
    pub throttle_retries: BTreeMap<String, u64>,
    pub summary: Summary,
    #[serde(default)]
    pub waivers: Vec<WaiverUse>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scope {
    pub accounts: Vec<AccountScope>,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountScope {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Regions read in this account.
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub findings: usize,
    pub waived: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_rule: Vec<RuleCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleCount {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub count: usize,
}

impl Report {
    pub fn new(inventory: &Inventory, evaluation: Evaluation, source: String) -> Report {
        let names: BTreeMap<&str, &str> = inventory
            .organization
            .iter()
            .flat_map(|o| &o.accounts)
            .filter_map(|a| Some((a.id.as_str(), a.name.as_deref()?)))
            .collect();
        let accounts: Vec<AccountScope> = inventory
            .accounts
            .iter()
            .map(|a| AccountScope {
                account_id: a.id.to_string(),
                name: names.get(a.id.as_str()).map(|n| n.to_string()),
                regions: a.regions.iter().map(|r| r.name.to_string()).collect(),
            })
            .collect();
        let mut regions: Vec<String> = accounts.iter().flat_map(|a| a.regions.clone()).collect();
        regions.sort();
        regions.dedup();

        let mut not_scanned = inventory.not_scanned.clone();
        not_scanned.extend(evaluation.not_evaluated);
        not_scanned.sort();
        not_scanned.dedup();

        Report {
            schema_version: SCHEMA_VERSION,
            tool: format!("snapguard {}", env!("CARGO_PKG_VERSION")),
            collected_at: inventory.collected_at.to_string(),
            source,
            scope: Scope { accounts, regions },
            complete: not_scanned.is_empty(),
            not_scanned,
            api_calls: inventory.api_calls.clone(),
            throttle_retries: inventory.throttle_retries.clone(),
            summary: Summary::of(&evaluation.findings),
            waivers: evaluation.waivers,
            findings: evaluation.findings,
        }
    }

    /// The account's name from the organization, when known.
    pub fn account_label(&self, account_id: &str) -> String {
        match self
            .scope
            .accounts
            .iter()
            .find(|a| a.account_id == account_id)
        {
            Some(AccountScope {
                name: Some(name), ..
            }) => format!("{account_id} ({name})"),
            _ => account_id.to_owned(),
        }
    }
}

impl Summary {
    /// Counts unwaived findings by severity and by rule (in registry order).
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        let mut by_rule: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
        for f in findings {
            if f.is_waived() {
                summary.waived += 1;
                continue;
            }
            summary.findings += 1;
            *summary.by_severity.entry(f.severity).or_default() += 1;
            let entry = by_rule.entry(f.rule_id.as_str()).or_insert((0, f.severity));
            entry.0 += 1;
            entry.1 = entry.1.max(f.severity);
        }
        summary.by_rule = RULES
            .iter()
            .filter_map(|r| {
                let (count, severity) = by_rule.get(r.id)?;
                Some(RuleCount {
                    rule_id: r.id.to_owned(),
                    rule_name: r.name.to_owned(),
                    severity: *severity,
                    count: *count,
                })
            })
            .collect();
        summary
    }
}
