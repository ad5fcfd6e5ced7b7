//! The report document: everything every format shows, built once from an evaluation. Its
//! JSON form is the `--format json` contract (`schema_version` 1).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use rules::evaluate::{sort_findings, Evaluation, WaiverUse};
use rules::finding::BaselineStatus;
use rules::inventory::{Gap, Inventory};
use rules::registry::RULES;
use rules::{Finding, Severity};

use crate::gaps::Unknowns;

pub use rules::coverage::Coverage;

/// The `schema_version` of the JSON report this snapguard writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The report of one scan (or of merged shards): what was scanned and not, the findings, their
/// summary, waivers, coverage, and the comparison with a baseline. Serialized, it is the
/// `--format json` document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] when written by this snapguard.
    pub schema_version: u32,
    /// `snapguard <version>`.
    pub tool: String,
    /// When the inventory was read, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub collected_at: String,
    /// Where the inventory came from: `aws` or `recorded:<dir>`.
    pub source: String,
    /// The accounts and regions that were read.
    pub scope: Scope,
    /// False when some account, region or operation could not be read: the findings are then
    /// a lower bound.
    pub complete: bool,
    /// What could not be read or evaluated, sorted and without duplicates.
    pub not_scanned: Vec<Gap>,
    /// API calls made per operation (e.g. `ec2:DescribeSnapshots`); empty for recorded scans.
    pub api_calls: BTreeMap<String, u64>,
    /// Throttling retries per operation; empty for recorded scans.
    pub throttle_retries: BTreeMap<String, u64>,
    /// Counts of the findings.
    pub summary: Summary,
    /// Each configured waiver and what it matched.
    #[serde(default)]
    pub waivers: Vec<WaiverUse>,
    /// Every finding, waived ones included.
    pub findings: Vec<Finding>,
    /// Backup coverage per account-region, for those whose volumes, snapshots and snapshot
    /// retention rules were all read. A figure left out is unknown: its rules were turned off
    /// or could not be checked there (see [`Coverage`]).
    #[serde(default)]
    pub coverage: Vec<Coverage>,
    /// The ids of the rules that were in force, in registry order: not turned off by config,
    /// and given something to check (a tag rule needs `tags.required`, ...). A rule not listed
    /// checked nothing: its findings are unknown, not absent. Empty in reports of snapguard
    /// versions that did not record it, which then count as evaluating no rule.
    #[serde(default)]
    pub rules_in_force: Vec<String>,
    /// Which part of the organization this report covers, when made with `scan --shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    /// A shard report's config: the sha256 of its `snapguard.toml` (absent with no file), so
    /// that `merge` refuses shards made with different configs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_sha256: Option<String>,
    /// The comparison with a former report, when made with `--baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineComparison>,
}

/// Shard `index` (0-based) of `count`: the accounts whose id hashes to `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShardOf {
    /// This shard's index, `0..count`.
    pub index: u32,
    /// How many shards the scan was split into.
    pub count: u32,
}

/// Tonight's findings against a former report's, by fingerprint. Each finding of this report
/// carries its own status (`new` or `unchanged`); the baseline's findings that are gone are
/// listed here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BaselineComparison {
    /// The baseline report's file, as given.
    pub file: String,
    /// When the baseline's inventory was collected.
    pub collected_at: String,
    /// How many findings are new, unchanged, resolved and not rescanned.
    pub summary: BaselineSummary,
    /// Findings of the baseline not found tonight in places that were scanned again.
    pub resolved: Vec<Finding>,
    /// Findings of the baseline whose account, region or operation was not read tonight: not
    /// resolved, just unknown.
    pub not_rescanned: Vec<Finding>,
    /// Places the baseline could not read and tonight's scan read (the account scanned, no
    /// gap of the same operation there): what closes their not-scanned findings in Security
    /// Hub.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_again: Vec<Gap>,
}

/// The counts of a [`BaselineComparison`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// Findings of this report not in the baseline.
    pub new: usize,
    /// Findings of this report also in the baseline.
    pub unchanged: usize,
    /// Baseline findings gone from places scanned again.
    pub resolved: usize,
    /// Baseline findings in places not read this time.
    pub not_rescanned: usize,
}

/// What a report covers: the accounts read, and every region read in any of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scope {
    /// The accounts read, each with its own regions.
    pub accounts: Vec<AccountScope>,
    /// The union of the accounts' regions, sorted.
    pub regions: Vec<String>,
}

/// One account that was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountScope {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account's name in the organization, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The organizational unit the account is in, as the path of OU names below the root
    /// (`Workloads / Prod`), or `Root` for an account directly under it; absent when the
    /// organization's structure was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    /// Regions read in this account.
    pub regions: Vec<String>,
}

/// Counts of a report's findings; waived findings count only in `waived`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Unwaived findings.
    pub findings: usize,
    /// Waived findings.
    pub waived: usize,
    /// Unwaived findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Unwaived findings per rule, in registry order; rules without findings left out.
    pub by_rule: Vec<RuleCount>,
}

/// The unwaived findings of one rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleCount {
    /// The rule's id, `SG-<FAMILY>-NNN`.
    pub rule_id: String,
    /// The rule's name, e.g. `public-snapshot`.
    pub rule_name: String,
    /// The highest severity among its findings.
    pub severity: Severity,
    /// How many there are.
    pub count: usize,
}

impl Report {
    /// The report of `evaluation` over `inventory`; `source` says where the inventory came
    /// from (`aws` or `recorded:<dir>`). Gaps of the inventory and of the evaluation are merged.
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
                organizational_unit: inventory
                    .organization
                    .as_ref()
                    .and_then(|org| organizational_unit(org, &a.id)),
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
            coverage: evaluation.coverage,
            rules_in_force: evaluation
                .rules_in_force
                .iter()
                .map(|id| id.to_string())
                .collect(),
            shard: None,
            config_sha256: None,
            baseline: None,
        }
    }

    /// The accounts with unwaived findings, the worst first (by their counts per severity,
    /// most severe first, then by id): each with those counts, in [`Severity::ALL`] order, and
    /// its findings in report order. What a person reading about 1,000 accounts looks at first.
    pub(crate) fn accounts_worst_first(&self) -> Vec<(&str, [usize; 5], Vec<&Finding>)> {
        let mut by_account: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in self.findings.iter().filter(|f| !f.is_waived()) {
            by_account.entry(&f.account_id).or_default().push(f);
        }
        let mut ranked: Vec<(&str, [usize; 5], Vec<&Finding>)> = by_account
            .into_iter()
            .map(|(account, findings)| {
                let counts = Severity::ALL
                    .map(|severity| findings.iter().filter(|f| f.severity == severity).count());
                (account, counts, findings)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        ranked
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

/// Why [`Report::from_json`] refused a text. Each message is a sentence to follow the file's
/// name (`<file> is not JSON ...`).
#[derive(Debug, thiserror::Error)]
pub enum ReadReportError {
    /// The text is not JSON.
    #[error("is not JSON ({0}); expected a `snapguard scan --format json` report")]
    NotJson(serde_json::Error),
    /// JSON without `"tool": "snapguard ..."` and a numeric `schema_version`.
    #[error(
        "is not a snapguard JSON report (it lacks `\"tool\": \"snapguard ...\"` and \
         `schema_version`); expected the output of `snapguard scan --format json`"
    )]
    NotSnapguard,
    /// A snapguard report of a `schema_version` other than [`SCHEMA_VERSION`].
    #[error(
        "is a snapguard report of schema_version {found}, and this snapguard reads \
         schema_version {SCHEMA_VERSION}; rescan with this version to make a new one",
        SCHEMA_VERSION = SCHEMA_VERSION
    )]
    SchemaVersion {
        /// The report's `schema_version`.
        found: u64,
    },
    /// A snapguard report of this schema version that does not deserialize.
    #[error("is not a well-formed snapguard report: {0}")]
    Malformed(serde_json::Error),
}

/// The earliest shard's `collected_at`, which the merged report gives: shards of a live scan
/// finish at different times, and each measured ages from its own. Refuses shards whose
/// collection times are further apart than `max_skew_seconds`, or are not times.
fn earliest_collection(
    parts: &[(String, Report)],
    max_skew_seconds: i64,
) -> Result<String, MergeError> {
    let mut times = Vec::new();
    for (file, report) in parts {
        let at = rules::time::Timestamp::parse(&report.collected_at).map_err(|_| {
            MergeError::CollectedAt {
                file: file.clone(),
                found: report.collected_at.clone(),
            }
        })?;
        times.push((at, file, &report.collected_at));
    }
    times.sort();
    let (Some((earliest, earliest_file, text)), Some((latest, latest_file, _))) =
        (times.first(), times.last())
    else {
        return Ok(String::new());
    };
    let apart = latest.seconds_since(*earliest);
    if apart > max_skew_seconds {
        return Err(MergeError::CollectionSkew {
            earliest_file: (*earliest_file).clone(),
            latest_file: (*latest_file).clone(),
            apart_hours: apart as f64 / 3600.0,
            max_hours: max_skew_seconds as f64 / 3600.0,
        });
    }
    Ok((*text).clone())
}

/// Why [`Report::merge`] refused its reports. File names are as given to it.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No report was given.
    #[error("merge needs at least one shard report")]
    NoShards,
    /// A report made without `--shard`.
    #[error(
        "{file} is not a shard report; merge combines the reports of \
         `snapguard scan --shard K/N --format json`"
    )]
    NotAShard {
        /// The report's file.
        file: String,
    },
    /// Two reports split the organization into different numbers of shards.
    #[error(
        "{file} is shard {}/{} but {first_file} is shard {}/{}: the shards of one scan share N",
        .shard.index, .shard.count, .first_shard.index, .first_shard.count
    )]
    ShardCounts {
        /// The report that disagrees with the first.
        file: String,
        /// Its shard.
        shard: ShardOf,
        /// The first report's file.
        first_file: String,
        /// The first report's shard.
        first_shard: ShardOf,
    },
    /// The same shard given twice.
    #[error("{other} and {file} are both shard {}/{}; give each shard once", .shard.index, .shard.count)]
    DuplicateShard {
        /// The file given first.
        other: String,
        /// The file given again.
        file: String,
        /// The shard both are.
        shard: ShardOf,
    },
    /// A shard made with other waivers than the first.
    #[error(
        "{file} was made with other waivers than {first_file}: the shards of one scan share \
         one config"
    )]
    OtherWaivers {
        /// The report that differs.
        file: String,
        /// The first report's file.
        first_file: String,
    },
    /// A shard made with another config file than the first.
    #[error(
        "{file} was made with another config than {first_file} (their snapguard.toml \
         differ): the shards of one scan share one config"
    )]
    OtherConfig {
        /// The report that differs.
        file: String,
        /// The first report's file.
        first_file: String,
    },
    /// A report whose `collected_at` is not a time.
    #[error("{file}: collected_at is {found:?}, not a time such as 2026-11-30T02:00:00Z")]
    CollectedAt {
        /// The report.
        file: String,
        /// What it says.
        found: String,
    },
    /// Shards collected too far apart to be one scan.
    #[error(
        "{earliest_file} and {latest_file} were collected {apart_hours:.1} hours apart, more \
         than --max-skew ({max_hours:.1} hours): they are not shards of one scan (a shard of \
         another night?)"
    )]
    CollectionSkew {
        /// The shard collected first.
        earliest_file: String,
        /// The shard collected last.
        latest_file: String,
        /// How far apart, in hours.
        apart_hours: f64,
        /// The limit, in hours.
        max_hours: f64,
    },
    /// A shard of `0..count` that no report is.
    #[error(
        "shard {}/{} is missing: merge needs every shard of the scan, or its accounts would \
         silently drop out of the report",
        .missing.index, .missing.count
    )]
    MissingShard {
        /// The missing shard.
        missing: ShardOf,
    },
}

/// Night over night and beyond one machine: reading a former report, comparing with it, and
/// merging shard reports.
impl Report {
    /// Reads a report written by `--format json`.
    ///
    /// # Errors
    ///
    /// [`ReadReportError`] when `text` is not JSON, not a snapguard report, of another
    /// `schema_version`, or not well-formed; its message is a sentence to follow the file name.
    pub fn from_json(text: &str) -> Result<Report, ReadReportError> {
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(ReadReportError::NotJson)?;
        let is_snapguard = document["tool"]
            .as_str()
            .is_some_and(|tool| tool.starts_with("snapguard"));
        let Some(version) = document["schema_version"].as_u64().filter(|_| is_snapguard) else {
            return Err(ReadReportError::NotSnapguard);
        };
        if version != u64::from(SCHEMA_VERSION) {
            return Err(ReadReportError::SchemaVersion { found: version });
        }
        serde_json::from_str(text).map_err(ReadReportError::Malformed)
    }

    /// Marks each finding `new` or `unchanged` against `baseline`, and lists the baseline's
    /// findings that are gone: `resolved` when their place was scanned again tonight,
    /// `not_rescanned` when it was not (an unread account must not look fixed).
    pub fn compare_with(&mut self, baseline: Report, file: String) {
        let before: BTreeMap<&str, &Finding> = baseline
            .findings
            .iter()
            .map(|f| (f.fingerprint.as_str(), f))
            .collect();
        let mut summary = BaselineSummary::default();
        for f in &mut self.findings {
            let (status, first_seen) = match before.get(f.fingerprint.as_str()) {
                Some(earlier) => {
                    summary.unchanged += 1;
                    let first = earlier
                        .first_seen
                        .clone()
                        .unwrap_or_else(|| baseline.collected_at.clone());
                    (BaselineStatus::Unchanged, first)
                }
                None => {
                    summary.new += 1;
                    (BaselineStatus::New, self.collected_at.clone())
                }
            };
            f.baseline = Some(status);
            f.first_seen = Some(first_seen);
        }
        let tonight: BTreeSet<String> = self
            .findings
            .iter()
            .map(|f| f.fingerprint.clone())
            .collect();
        let (mut resolved, mut not_rescanned) = (Vec::new(), Vec::new());
        let unknowns = Unknowns::of(self);
        for mut f in baseline.findings {
            if tonight.contains(&f.fingerprint) {
                continue;
            }
            if self.rescanned(&f, &unknowns) {
                f.baseline = Some(BaselineStatus::Resolved);
                resolved.push(f);
            } else {
                f.baseline = Some(BaselineStatus::NotRescanned);
                not_rescanned.push(f);
            }
        }
        summary.resolved = resolved.len();
        summary.not_rescanned = not_rescanned.len();
        let read_again = baseline
            .not_scanned
            .into_iter()
            .filter(|gap| {
                let scanned = self.scope.accounts.iter().any(|a| {
                    a.account_id == gap.account_id
                        && gap.region.as_ref().is_none_or(|r| a.regions.contains(r))
                });
                let still = self.not_scanned.iter().any(|g| {
                    (&g.account_id, &g.region, &g.operation)
                        == (&gap.account_id, &gap.region, &gap.operation)
                });
                scanned && !still
            })
            .collect();
        self.baseline = Some(BaselineComparison {
            file,
            collected_at: baseline.collected_at,
            summary,
            resolved,
            not_rescanned,
            read_again,
        });
    }

    /// Whether this report read the place a finding is about: its account and region were
    /// scanned, its rule was in force (a rule turned off since the baseline fixed nothing), and
    /// nothing that was not read may hide the finding ([`Unknowns::may_hide`]).
    fn rescanned(&self, f: &Finding, unknowns: &Unknowns) -> bool {
        let Some(account) = self
            .scope
            .accounts
            .iter()
            .find(|a| a.account_id == f.account_id)
        else {
            return false;
        };
        let region_read = f.region == "global" || account.regions.contains(&f.region);
        region_read
            && !unknowns.may_hide(&f.rule_id, &f.account_id, &f.region)
            && self.rules_in_force.contains(&f.rule_id)
    }

    /// Combines the reports of every shard of one scan into the report a single run makes.
    /// `parts` pairs each report with its file name, for errors; `max_skew_seconds` is how far
    /// apart the shards' collection times may be.
    ///
    /// # Errors
    ///
    /// [`MergeError`] when `parts` is empty, a report is not a shard report, the shards
    /// disagree on N, on waivers or on their config, a shard is given twice, one is missing,
    /// or their collection times are further apart than `max_skew_seconds` (a shard of the
    /// night before) or cannot be read.
    pub fn merge(
        parts: Vec<(String, Report)>,
        max_skew_seconds: i64,
    ) -> Result<Report, MergeError> {
        let Some((first_file, first)) = parts.first() else {
            return Err(MergeError::NoShards);
        };
        let shard_of = |file: &str, report: &Report| {
            report.shard.ok_or_else(|| MergeError::NotAShard {
                file: file.to_owned(),
            })
        };
        let first_shard = shard_of(first_file, first)?;
        let count = first_shard.count;
        let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
        for (file, report) in &parts {
            let shard = shard_of(file, report)?;
            if shard.count != count {
                return Err(MergeError::ShardCounts {
                    file: file.clone(),
                    shard,
                    first_file: first_file.clone(),
                    first_shard,
                });
            }
            if let Some(other) = seen.insert(shard.index, file) {
                return Err(MergeError::DuplicateShard {
                    other: other.to_owned(),
                    file: file.clone(),
                    shard,
                });
            }
            if !same_waivers(&report.waivers, &first.waivers) {
                return Err(MergeError::OtherWaivers {
                    file: file.clone(),
                    first_file: first_file.clone(),
                });
            }
            if report.config_sha256 != first.config_sha256 {
                return Err(MergeError::OtherConfig {
                    file: file.clone(),
                    first_file: first_file.clone(),
                });
            }
        }
        let collected_at = earliest_collection(&parts, max_skew_seconds)?;
        if let Some(missing) = (0..count).find(|i| !seen.contains_key(i)) {
            return Err(MergeError::MissingShard {
                missing: ShardOf {
                    index: missing,
                    count,
                },
            });
        }

        let mut sources: Vec<&str> = parts.iter().map(|(_, r)| r.source.as_str()).collect();
        sources.sort();
        sources.dedup();
        let mut merged = Report {
            schema_version: SCHEMA_VERSION,
            tool: first.tool.clone(),
            collected_at,
            source: sources.join(", "),
            scope: Scope {
                accounts: Vec::new(),
                regions: Vec::new(),
            },
            complete: true,
            not_scanned: Vec::new(),
            api_calls: BTreeMap::new(),
            throttle_retries: BTreeMap::new(),
            summary: Summary::default(),
            waivers: first.waivers.clone(),
            findings: Vec::new(),
            coverage: Vec::new(),
            // One config (checked above), so one set of rules.
            rules_in_force: first.rules_in_force.clone(),
            shard: None,
            config_sha256: None,
            baseline: None,
        };
        for w in &mut merged.waivers {
            w.matched = 0;
            w.expired = false;
            w.fingerprints.clear();
        }
        for (_, part) in parts {
            merged.scope.accounts.extend(part.scope.accounts);
            merged.scope.regions.extend(part.scope.regions);
            merged.not_scanned.extend(part.not_scanned);
            merged.coverage.extend(part.coverage);
            add_counts(&mut merged.api_calls, part.api_calls);
            add_counts(&mut merged.throttle_retries, part.throttle_retries);
            for (into, from) in merged.waivers.iter_mut().zip(part.waivers) {
                into.matched += from.matched;
                into.expired |= from.expired;
                into.fingerprints.extend(from.fingerprints);
            }
            // A shard's own baseline comparison saw only its accounts: compare the merged
            // report instead (`merge --baseline`).
            merged
                .findings
                .extend(part.findings.into_iter().map(|mut f| {
                    f.baseline = None;
                    f
                }));
        }
        merged
            .scope
            .accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        merged.scope.regions.sort();
        merged.scope.regions.dedup();
        // Stable: each account's regions keep the order its shard gave them.
        merged
            .coverage
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        merged.not_scanned.sort();
        merged.not_scanned.dedup();
        merged.complete = merged.not_scanned.is_empty();
        for w in &mut merged.waivers {
            w.fingerprints.sort();
        }
        sort_findings(&mut merged.findings);
        merged.summary = Summary::of(&merged.findings);
        Ok(merged)
    }
}

/// The path of OU names from below the root down to `account`'s parent (`Workloads / Prod`),
/// `Root` when its parent is the root, from `ListParents`-style `parents`; `None` when the
/// account's parent is unknown. An OU without a name shows its id.
fn organizational_unit(org: &rules::inventory::Organization, account: &str) -> Option<String> {
    let mut path = Vec::new();
    let mut at = org.parents.get(account)?;
    // Bounded by the number of parents, so a cycle in recorded data cannot loop forever.
    for _ in 0..=org.parents.len() {
        if org.roots.iter().any(|root| root.id == *at) {
            break;
        }
        let unit = org.units.iter().find(|unit| unit.id == *at);
        path.push(
            unit.and_then(|u| u.name.as_deref())
                .unwrap_or(at.as_str())
                .to_owned(),
        );
        match org.parents.get(at) {
            Some(parent) => at = parent,
            None => break,
        }
    }
    if path.is_empty() {
        return Some("Root".to_owned());
    }
    path.reverse();
    Some(path.join(" / "))
}

fn same_waivers(a: &[WaiverUse], b: &[WaiverUse]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.same_waiver(b))
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (operation, n) in from {
        *into.entry(operation).or_default() += n;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: u32, count: u32) -> Report {
        let mut report = Report::from_json(
            r#"{"schema_version": 1, "tool": "snapguard 0.1.0", "collected_at": "2026-11-24T00:00:00Z",
                "source": "aws", "scope": {"accounts": [], "regions": []}, "complete": true,
                "not_scanned": [], "api_calls": {}, "throttle_retries": {},
                "summary": {"findings": 0, "waived": 0, "by_severity": {}, "by_rule": []},
                "findings": []}"#,
        )
        .unwrap();
        report.shard = Some(ShardOf { index, count });
        report
    }

    #[test]
    fn shards_of_another_night_or_config_are_refused() {
        let (a, mut b) = (shard(0, 2), shard(1, 2));
        b.collected_at = "2026-11-24T05:59:00Z".to_owned();
        let merge = |a: &Report, b: &Report, skew| {
            Report::merge(
                vec![("a.json".into(), a.clone()), ("b.json".into(), b.clone())],
                skew,
            )
        };
        assert!(merge(&a, &b, 6 * 3600).is_ok());
        b.collected_at = "2026-11-25T00:00:00Z".to_owned();
        assert_eq!(
            merge(&a, &b, 6 * 3600).unwrap_err().to_string(),
            "a.json and b.json were collected 24.0 hours apart, more than --max-skew (6.0 \
             hours): they are not shards of one scan (a shard of another night?)"
        );
        assert!(merge(&a, &b, 86_400).is_ok());
        b.collected_at = "yesterday".to_owned();
        assert_eq!(
            merge(&a, &b, 86_400).unwrap_err().to_string(),
            "b.json: collected_at is \"yesterday\", not a time such as 2026-11-30T02:00:00Z"
        );
        b.collected_at = a.collected_at.clone();
        b.config_sha256 = Some("0".repeat(64));
        assert_eq!(
            merge(&a, &b, 6 * 3600).unwrap_err().to_string(),
            "b.json was made with another config than a.json (their snapguard.toml differ): the \
             shards of one scan share one config"
        );
    }

    fn merge_error(parts: &[(&str, &Report)]) -> String {
        let parts = parts
            .iter()
            .map(|(file, report)| (file.to_string(), (*report).clone()))
            .collect();
        Report::merge(parts, 6 * 3600).unwrap_err().to_string()
    }

    #[test]
    fn errors_read_as_sentences() {
        let read = |text: &str| Report::from_json(text).unwrap_err().to_string();
        assert!(read("[").starts_with("is not JSON ("));
        assert!(read("[").ends_with("); expected a `snapguard scan --format json` report"));
        assert_eq!(
            read("{}"),
            "is not a snapguard JSON report (it lacks `\"tool\": \"snapguard ...\"` and \
             `schema_version`); expected the output of `snapguard scan --format json`"
        );
        assert_eq!(
            read(r#"{"tool": "snapguard 9", "schema_version": 2}"#),
            "is a snapguard report of schema_version 2, and this snapguard reads \
             schema_version 1; rescan with this version to make a new one"
        );
        assert!(read(r#"{"tool": "snapguard 9", "schema_version": 1}"#)
            .starts_with("is not a well-formed snapguard report: "));

        let (a, b, c, other) = (shard(0, 3), shard(1, 3), shard(2, 3), shard(0, 2));
        let mut full = shard(0, 1);
        full.shard = None;
        assert_eq!(merge_error(&[]), "merge needs at least one shard report");
        assert_eq!(
            merge_error(&[("full.json", &full)]),
            "full.json is not a shard report; merge combines the reports of \
             `snapguard scan --shard K/N --format json`"
        );
        assert_eq!(
            merge_error(&[("a.json", &a), ("o.json", &other)]),
            "o.json is shard 0/2 but a.json is shard 0/3: the shards of one scan share N"
        );
        assert_eq!(
            merge_error(&[("a.json", &a), ("b.json", &b), ("a2.json", &a)]),
            "a.json and a2.json are both shard 0/3; give each shard once"
        );
        assert_eq!(
            merge_error(&[("a.json", &a), ("c.json", &c)]),
            "shard 1/3 is missing: merge needs every shard of the scan, or its accounts would \
             silently drop out of the report"
        );
    }
}
