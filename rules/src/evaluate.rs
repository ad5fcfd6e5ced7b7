//! Runs every enabled rule over an inventory: account-regions in parallel, then applies
//! waivers and sorts the findings into a stable order.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Waiver};
use crate::coverage::Coverage;
use crate::finding::{Finding, Severity, WaiverStatus};
use crate::inventory::{Gap, Inventory};
use crate::registry::{Check, Rule, RULES};
use crate::scope::{AccountScope, Context, Emitter, RegionScope};
use crate::{iam, prot, share, wildcard};

/// What an evaluation found.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// The findings, waived ones included, in a stable order.
    pub findings: Vec<Finding>,
    /// What the rules could not check because the inventory lacks it (beyond the inventory's
    /// own `not_scanned`), e.g. a configured archive account that was not scanned.
    pub not_evaluated: Vec<Gap>,
    /// Each configured waiver and how many findings it matched.
    pub waivers: Vec<WaiverUse>,
    /// Backup coverage per account-region, for those whose volumes, snapshots and snapshot
    /// retention rules were all read, counted with the rules in force.
    pub coverage: Vec<Coverage>,
    /// The ids of the rules in force, in registry order: not turned off, and given what they
    /// need by the config ([`Rule::configured`]); the others checked nothing.
    pub rules_in_force: Vec<&'static str>,
}

/// A configured waiver and what it did in this run. An expired waiver that still matches lists
/// the findings it no longer covers; one that matches nothing (`matched: 0`) is reported so
/// the waiver list cannot rot silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverUse {
    /// The waiver's rule id.
    pub rule: String,
    /// The waiver's resource ARN pattern.
    pub resource: String,
    /// The waiver's account, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The grantee the waiver accepts, for the per-grantee sharing rules (SG-SHARE-002,
    /// SG-SHARE-004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantee: Option<String>,
    /// The waiver's reason.
    pub reason: String,
    /// The waiver's expiry date, `YYYY-MM-DD`.
    pub expires: String,
    /// Who owns the waiver, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Past its expiry date at `collected_at`: it no longer waives what it matches.
    pub expired: bool,
    /// How many findings it matched.
    pub matched: usize,
    /// The fingerprints of the findings it matched (waived, or no longer covered if expired).
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

impl WaiverUse {
    /// Whether two reports describe the same configured waiver (merging shard reports).
    pub fn same_waiver(&self, other: &WaiverUse) -> bool {
        (
            &self.rule,
            &self.resource,
            &self.account,
            &self.reason,
            &self.expires,
            &self.owner,
        ) == (
            &other.rule,
            &other.resource,
            &other.account,
            &other.reason,
            &other.expires,
            &other.owner,
        )
    }
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

/// Runs every enabled rule over `inventory` with `config`, then applies the waivers. Pure: ages
/// are measured against `inventory.collected_at`.
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
    let results: Vec<(Vec<Finding>, Option<Coverage>)> = places
        .par_iter()
        .map(|&(account, region)| {
            let mut out = Vec::new();
            let mut coverage = None;
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
                    scope.add_image_state(&mut out);
                    coverage = Coverage::of(&scope, |rule| {
                        rules.iter().any(|(active, _)| active.id == rule.id)
                    });
                }
                None => {
                    let scope = AccountScope::new(&ctx, account);
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
            (out, coverage)
        })
        .collect();
    let mut findings = Vec::with_capacity(results.iter().map(|(f, _)| f.len()).sum());
    let mut coverage = Vec::new();
    for (found, covered) in results {
        findings.extend(found);
        coverage.extend(covered);
    }

    let waivers = apply_waivers(&mut findings, &config.waivers, inventory);
    sort_findings(&mut findings);
    Evaluation {
        findings,
        not_evaluated: not_evaluated(&ctx, &rules),
        waivers,
        coverage,
        rules_in_force: rules
            .iter()
            .filter(|(rule, _)| (rule.configured)(config))
            .map(|(rule, _)| rule.id)
            .collect(),
    }
}

/// The order of findings in every report: most severe first, then by rule, account, region and
/// resource; the fingerprint makes it total, so merged shard reports sort exactly as one run.
pub fn sort_findings(findings: &mut [Finding]) {
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
}

/// Marks waived findings: a waiver matches a finding of its rule on a resource its pattern
/// matches, in its account when it names one, and of its grantee when it names one (the
/// per-grantee sharing rules require one, so a new grantee is a new, unwaived finding). A
/// waiver past its expiry date (measured at `collected_at`) still marks the finding, as
/// expired, so reports can say that it stopped waiving.
fn apply_waivers(findings: &mut [Finding], waivers: &[Waiver], inv: &Inventory) -> Vec<WaiverUse> {
    let mut uses: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| WaiverUse {
            rule: w.rule.clone(),
            resource: w.resource.clone(),
            account: w.account.as_ref().map(|a| a.0.clone()),
            grantee: w.grantee.clone(),
            reason: w.reason.0.clone(),
            expires: w.expires.to_string(),
            owner: w.owner.clone(),
            expired: w.expires.end < inv.collected_at,
            matched: 0,
            fingerprints: Vec::new(),
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
                && w.grantee
                    .as_deref()
                    .is_none_or(|g| share::waiver_covers_grantee(g, finding))
        });
        if let Some(i) = hit {
            let w = &waivers[i];
            uses[i].matched += 1;
            uses[i].fingerprints.push(finding.fingerprint.clone());
            finding.waiver = Some(WaiverStatus {
                active: !uses[i].expired,
                reason: w.reason.0.clone(),
                expires: w.expires.to_string(),
                owner: w.owner.clone(),
            });
        }
    }
    // Findings arrive in parallel order; sorted, the list is the same on every run.
    for u in &mut uses {
        u.fingerprints.sort();
    }
    uses
}

/// Checks a configured target that the inventory does not hold cannot be made; say so.
fn not_evaluated(ctx: &Context, rules: &[(&'static Rule, Severity)]) -> Vec<Gap> {
    let active = |rule: &Rule| rules.iter().any(|(r, _)| r.id == rule.id);
    let protection = &ctx.config.protection;
    let mut gaps = Vec::new();
    if let Some(archive) = &protection.archive_account {
        let scanned = ctx.inventory.accounts.iter().any(|a| a.id == archive.0);
        let rule = &prot::snapshot_without_cross_account_copy::RULE;
        if active(rule) && !scanned {
            gaps.push(Gap {
                account_id: archive.0.clone(),
                region: None,
                operation: rule.id.into(),
                error: "the archive account (protection.archive_account) was not scanned, so \
                        copies into it cannot be checked"
                    .into(),
            });
        }
    }
    let iam_rules = rules
        .iter()
        .any(|(r, _)| r.family == crate::registry::Family::Iam);
    if let Some(org) = ctx.inventory.organization.as_ref().filter(|_| iam_rules) {
        if org.service_control_policies.is_some() {
            for account in &ctx.inventory.accounts {
                if org.path_to(&account.id).is_empty() {
                    gaps.push(Gap {
                        account_id: account.id.to_string(),
                        region: None,
                        operation: "SCPs".into(),
                        error: format!(
                            "the account's place in the organization tree \
                             (accounts-for-parent) was not recorded, so no SCP was applied to \
                             its principals and {} was not evaluated",
                            iam::no_scp_guardrail::RULE.id
                        ),
                    });
                }
            }
        }
    }
    for (rule, key, copy_regions) in [
        (
            &prot::snapshot_without_cross_region_copy::RULE,
            "copy_regions",
            &protection.copy_regions,
        ),
        (
            &prot::image_without_cross_region_copy::RULE,
            "image_copy_regions",
            &protection.image_copy_regions,
        ),
    ] {
        if !active(rule) {
            continue;
        }
        for account in &ctx.inventory.accounts {
            for region in copy_regions {
                if !account.regions.iter().any(|r| r.name == *region) {
                    gaps.push(Gap {
                        account_id: account.id.to_string(),
                        region: Some(region.clone()),
                        operation: rule.id.into(),
                        error: format!(
                            "copy region {region} (protection.{key}) was not scanned in this \
                             account, so copies into it cannot be checked"
                        ),
                    });
                }
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_the_config_gives_nothing_to_check_is_not_in_force() {
        let in_force = |config: &Config| evaluate(&Inventory::default(), config).rules_in_force;
        let mut config = Config::default();
        let by_default = in_force(&config);
        // Without required tags, copy regions or an archive account, those rules check
        // nothing: they are not reported as having checked and found nothing.
        for inert in [
            &crate::tag::snapshot_missing_required_tags::RULE,
            &prot::snapshot_without_cross_region_copy::RULE,
            &prot::snapshot_without_cross_account_copy::RULE,
            &prot::image_without_cross_region_copy::RULE,
        ] {
            assert!(!by_default.contains(&inert.id), "{}", inert.id);
        }
        assert!(by_default.contains(&share::public_snapshot::RULE.id));
        config.tags.required = vec!["Owner".to_owned()];
        config.protection.copy_regions = vec!["us-west-2".to_owned()];
        let configured = in_force(&config);
        assert!(configured.contains(&crate::tag::snapshot_missing_required_tags::RULE.id));
        assert!(configured.contains(&prot::snapshot_without_cross_region_copy::RULE.id));
    }
}
