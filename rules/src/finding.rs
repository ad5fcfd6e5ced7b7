//! What a rule produces: a finding about one resource, with evidence and a stable fingerprint.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

use crate::remediation::Remediation;

/// How serious a finding is; ordered from `Info` (least) to `Critical`. Serialized lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `info`, the least severe.
    Info,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`, the most severe.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name, e.g. `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step less severe, floored at info (conditional grants, for example).
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no severity, from [`Severity`]'s `FromStr`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected one of critical, high, medium, low, info; found {found:?}")]
pub struct SeverityError {
    /// The text as given.
    pub found: String,
}

impl FromStr for Severity {
    type Err = SeverityError;
    /// Parses a severity name, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Severity, SeverityError> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| SeverityError {
                found: s.to_owned(),
            })
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// `snapshot`, `image`, `volume`, `instance`, `recycle-bin`, `account-region`, ...
    pub kind: String,
    /// The resource id, e.g. `snap-...`; `ACCOUNT/REGION/...` for account-region settings and
    /// Recycle Bins.
    pub id: String,
    /// The resource's ARN.
    pub arn: String,
}

/// What a rule found wrong with one resource: the `--format json` contract's finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id, e.g. `SG-SHARE-003`.
    pub rule_id: String,
    /// The rule's name, e.g. `public-snapshot`.
    pub rule_name: String,
    /// The severity after config overrides (and lowering for conditional grants).
    pub severity: Severity,
    /// The 12-digit id of the account the resource is in.
    pub account_id: String,
    /// The region, or `global` for account-wide findings (IAM).
    pub region: String,
    /// The resource's kind ([`Resource::kind`]).
    pub resource_type: String,
    /// The resource's id ([`Resource::id`]).
    pub resource_id: String,
    /// The resource's ARN ([`Resource::arn`]).
    pub resource_arn: String,
    /// One line: what is wrong.
    pub message: String,
    /// Structured facts behind the message (which tags are missing, which grantee, ...).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub evidence: serde_json::Value,
    /// What would fix it, when the rule knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// The configured waiver that matches it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverStatus>,
    /// Stable across runs and sources: rule id + resource ARN + discriminator, hashed.
    pub fingerprint: String,
    /// How the finding compares with a baseline report (`scan --baseline`), when given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineStatus>,
    /// When it was first seen, UTC `YYYY-MM-DDTHH:MM:SSZ`: set by a baseline comparison, to
    /// tonight's collection time for a new finding and carried over from the baseline for an
    /// unchanged one (the baseline's collection time when the baseline had none). Absent
    /// without a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
}

/// A finding's place in a night-over-night comparison, matched by fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// Found tonight, not in the baseline.
    New,
    /// Found tonight and in the baseline.
    Unchanged,
    /// In the baseline, not found tonight although its place was scanned again.
    Resolved,
    /// In the baseline, and its account, region or operation was not read tonight: whether it
    /// is still there is unknown, so it is not called resolved.
    NotRescanned,
}

impl BaselineStatus {
    /// A stable name: `new`, `unchanged`, `resolved` or `not rescanned`.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineStatus::New => "new",
            BaselineStatus::Unchanged => "unchanged",
            BaselineStatus::Resolved => "resolved",
            BaselineStatus::NotRescanned => "not rescanned",
        }
    }
}

/// How a configured waiver applies to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverStatus {
    /// False when the waiver matched but has expired: the finding counts again.
    pub active: bool,
    /// The waiver's reason.
    pub reason: String,
    /// The waiver's expiry date, `YYYY-MM-DD`.
    pub expires: String,
    /// Who owns the waiver, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl Finding {
    /// Whether an active (unexpired) waiver covers it.
    pub fn is_waived(&self) -> bool {
        self.waiver.as_ref().is_some_and(|w| w.active)
    }
}

/// sha256 of `rule_id|resource_arn|discriminator`, first 32 hex digits.
pub fn fingerprint(rule_id: &str, resource_arn: &str, discriminator: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update(b"|");
    h.update(resource_arn.as_bytes());
    h.update(b"|");
    h.update(discriminator.as_bytes());
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}
