//! Findings and configs the planning tests share.

use serde_json::json;

use crate::config::Config;
use crate::finding::{fingerprint, Finding, Severity};
use crate::prot::{
    multi_volume_snapshots_not_crash_consistent, snapshot_without_cross_region_copy,
    volume_without_recent_snapshot,
};
use crate::remediation::{plan, Plan, PlanFilter, Remediation};

pub(crate) const ACCOUNT: &str = "111111111111";
pub(crate) const REGION: &str = "us-east-1";

pub(crate) fn finding(
    rule_id: &str,
    resource_id: &str,
    remediation: Option<Remediation>,
    evidence: serde_json::Value,
) -> Finding {
    let arn = format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{resource_id}");
    Finding {
        rule_id: rule_id.into(),
        rule_name: rule_id.to_lowercase(),
        severity: Severity::High,
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        resource_type: resource_id.split('-').next().unwrap_or_default().into(),
        resource_id: resource_id.into(),
        fingerprint: fingerprint(rule_id, &arn, ""),
        resource_arn: arn,
        message: format!("{rule_id} on {resource_id}"),
        evidence,
        remediation,
        waiver: None,
        baseline: None,
        first_seen: None,
    }
}

pub(crate) fn no_snapshot(volume: &str) -> Finding {
    let remediation = Remediation::CreateSnapshot {
        volume_id: volume.into(),
    };
    finding(
        volume_without_recent_snapshot::RULE.id,
        volume,
        Some(remediation),
        json!({}),
    )
}

pub(crate) fn not_crash_consistent(instance: &str, volumes: &[&str]) -> Finding {
    let snapshots: Vec<_> = volumes.iter().map(|v| json!({ "volume_id": v })).collect();
    let remediation = Remediation::CreateSnapshots {
        instance_id: instance.into(),
    };
    finding(
        multi_volume_snapshots_not_crash_consistent::RULE.id,
        instance,
        Some(remediation),
        json!({ "snapshots": snapshots }),
    )
}

pub(crate) fn no_copy(snapshot: &str, volume: &str, region: &str) -> Finding {
    let remediation = Remediation::CopySnapshotToRegions {
        snapshot_id: snapshot.into(),
        regions: vec![region.into()],
    };
    finding(
        snapshot_without_cross_region_copy::RULE.id,
        snapshot,
        Some(remediation),
        json!({ "volume_id": volume }),
    )
}

pub(crate) fn config() -> Config {
    let mut config = Config::default();
    config.tags.required = vec!["Owner".into(), "Retention".into()];
    config.tags.allowed.insert(
        "Retention".into(),
        crate::config::TagPattern(regex::Regex::new("^(7d|30d|1y)$").unwrap()),
    );
    for (key, value) in [("Owner", "backup-team"), ("Retention", "30d")] {
        config
            .remediation
            .tag_defaults
            .insert(key.into(), value.into());
    }
    config
}

pub(crate) fn plan_all(findings: &[Finding], config: &Config) -> Plan {
    plan(findings, None, config, &PlanFilter::default())
}
