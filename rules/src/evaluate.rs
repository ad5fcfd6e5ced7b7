//! Runs every enabled rule over an inventory: account-regions in parallel, then applies
//! waivers and sorts the findings into a stable order.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Waiver};
use crate::finding::{Finding, Severity, WaiverStatus};
use crate::inventory::{Gap, Inventory};
use crate::registry::{Check, Rule, RULES};
use crate::scope::{AccountScope, Context, Emitter, RegionScope};
use crate::wildcard;

/// What an evaluation found.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// What the rules could not check because the inventory lacks it (beyond the inventory's
    /// own `not_scanned`), e.g. a configured archive account that was not scanned.
    pub not_evaluated: Vec<Gap>,
    /// Each configured waiver and how many findings it matched.
    pub waivers: Vec<WaiverUse>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaiverUse {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    pub expires: String,
    pub expired: bool,
    pub matched: usize,
}

/// The rules in force with their severities after config overrides.
pub fn active_rules(config: &Config) -> Vec<(&'static Rule, Severity)> {
    RULES
        .iter()
        .filter_map(|&rule| {
            let over = config.rules.get(rule.id);
            if over.and_then(|o| o.enabled) == Some(false) {
                return None;
            }
            Some((rule, over.and_then(|o| o.severity).unwrap_or(rule.severity)))
        })
        .collect()
}

pub fn evaluate(inventory: &Inventory, config: &Config) -> Evaluation {
    let ctx = Context::new(inventory, config);
    let rules = active_rules(config);

    let places: Vec<_> = inventory
        .accounts
        .iter()
        .flat_map(|a| {
            a.regions
                .iter()
                .map(move |r| (a, Some(r)))
                .chain([(a, None)])
        })
        .collect();
    let mut findings: Vec<Finding> = places
        .par_iter()
        .flat_map_iter(|&(account, region)| {
            let mut out = Vec::new();
            match region {
                Some(region) => {
                    let scope = RegionScope::new(&ctx, account, region);
                    for &(rule, severity) in &rules {
                        if let Check::Region(check) = rule.check {
                            let mut emitter = Emitter {
                                rule,
                                severity,
                                account_id: &account.id,
                                region: &region.name,
                                findings: &mut out,
                            };
                            check(&scope, &mut emitter);
                        }
                    }
                }
                None => {
                    let scope = AccountScope { ctx: &ctx, account };
                    for &(rule, severity) in &rules {
                        if let Check::Account(check) = rule.check {
                            let mut emitter = Emitter {
                                rule,
                                severity,
                                account_id: &account.id,
                                region: "global",
                                findings: &mut out,
                            };
                            check(&scope, &mut emitter);
                        }
                    }
                }
            }
            out
        })
        .collect();

    let waivers = apply_waivers(&mut findings, &config.waivers, inventory);
    findings.par_sort_unstable_by(|a, b| {
        (
            b.severity,
            &a.rule_id,
            &a.account_id,
            &a.region,
            &a.resource_id,
            &a.fingerprint,
        )
            .cmp(&(
                a.severity,
                &b.rule_id,
                &b.account_id,
                &b.region,
                &b.resource_id,
                &b.fingerprint,
            ))
    });
    Evaluation {
        findings,
        not_evaluated: not_evaluated(&ctx, &rules),
        waivers,
    }
}

/// Marks waived findings. A waiver past its expiry date (measured at `collected_at`) still
/// marks the finding, as expired, so reports can say that it stopped waiving.
fn apply_waivers(findings: &mut [Finding], waivers: &[Waiver], inv: &Inventory) -> Vec<WaiverUse> {
    let mut uses: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| WaiverUse {
            rule: w.rule.clone(),
            resource: w.resource.clone(),
            reason: w.reason.0.clone(),
            expires: w.expires.to_string(),
            expired: w.expires.end < inv.collected_at,
            matched: 0,
        })
        .collect();
    if waivers.is_empty() {
        return uses;
    }
    for finding in findings.iter_mut() {
        let hit = waivers.iter().position(|w| {
            w.rule.eq_ignore_ascii_case(&finding.rule_id)
                && w.account.as_ref().is_none_or(|a| a.0 == finding.account_id)
                && (wildcard::matches(&w.resource, &finding.resource_arn)
                    || w.resource == finding.resource_id)
        });
        if let Some(i) = hit {
            let w = &waivers[i];
            uses[i].matched += 1;
            finding.waiver = Some(WaiverStatus {
                active: !uses[i].expired,
                reason: w.reason.0.clone(),
                expires: w.expires.to_string(),
                owner: w.owner.clone(),
            });
        }
    }
    uses
}

/// Checks a configured target that the inventory does not hold cannot be made; say so.
fn not_evaluated(ctx: &Context, rules: &[(&'static Rule, Severity)]) -> Vec<Gap> {
    let active = |id: &str| rules.iter().any(|(r, _)| r.id == id);
    let protection = &ctx.config.protection;
    let mut gaps = Vec::new();
    if let Some(archive) = &protection.archive_account {
        let scanned = ctx.inventory.accounts.iter().any(|a| a.id == archive.0);
        if active("SG-PROT-003") && !scanned {
            gaps.push(Gap {
                account_id: archive.0.clone(),
                region: None,
                operation: "SG-PROT-003".into(),
                error: "the archive account (protection.archive_account) was not scanned, so \
                        copies into it cannot be checked"
                    .into(),
            });
        }
    }
    if active("SG-PROT-002") {
        for account in &ctx.inventory.accounts {
            for region in &protection.copy_regions {
                if !account.regions.iter().any(|r| r.name == *region) {
                    gaps.push(Gap {
                        account_id: account.id.to_string(),
                        region: Some(region.clone()),
                        operation: "SG-PROT-002".into(),
                        error: format!(
                            "copy region {region} (protection.copy_regions) was not scanned in \
                             this account, so copies into it cannot be checked"
                        ),
                    });
                }
            }
        }
    }
    gaps
}
