//! Every rule, with its stable id. Ids are a contract: never reuse or renumber one.

use serde::Serialize;

use crate::finding::Severity;
use crate::scope::{AccountScope, Emitter, RegionScope};
use crate::Config;
use crate::{backup, iam, prot, rbin, share, tag};

/// A rule family: the `FAMILY` of `SG-FAMILY-NNN`. Serialized lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `SG-TAG-*`: required tags and allowed tag values.
    Tag,
    /// `SG-PROT-*`: backups of volumes and AMIs: their age, copies, consistency, encryption, tier.
    Prot,
    /// `SG-RBIN-*`: Recycle Bin retention rules.
    Rbin,
    /// `SG-SHARE-*`: public and outside-the-organization sharing, block public access.
    Share,
    /// `SG-IAM-*`: who may destroy or expose backups, and the SCP guardrail.
    Iam,
    /// `SG-BACKUP-*`: the schedules, vaults and guardrails of AWS Backup and Data Lifecycle
    /// Manager.
    Backup,
}

impl Family {
    /// The lowercase name, e.g. `prot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Tag => "tag",
            Family::Prot => "prot",
            Family::Rbin => "rbin",
            Family::Share => "share",
            Family::Iam => "iam",
            Family::Backup => "backup",
        }
    }

    /// The title reports group rules under, e.g. `Recycle Bin`.
    pub fn title(self) -> &'static str {
        match self {
            Family::Tag => "Tagging",
            Family::Prot => "Protection",
            Family::Rbin => "Recycle Bin",
            Family::Share => "Sharing",
            Family::Iam => "IAM",
            Family::Backup => "AWS Backup and DLM",
        }
    }
}

/// How a rule looks at the inventory.
#[derive(Clone, Copy)]
pub enum Check {
    /// Once per account-region.
    Region(fn(&RegionScope, &mut Emitter)),
    /// Once per account.
    Account(fn(&AccountScope, &mut Emitter)),
}

/// Whether `snapguard remediate` fixes a rule's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remediable {
    /// Always: each finding gets an action that changes AWS.
    Always,
    /// Only with this config key or flag, named briefly (`schedule_tags`, `--opt-in`; the
    /// rule's Remediation section says more); without it, a manual review at most.
    With(&'static str),
    /// Never: a manual review at most.
    Never,
}

impl Remediable {
    /// `yes`, `no`, or `with` and the condition: the `remediable` column of `snapguard rules`.
    pub fn label(self) -> String {
        match self {
            Remediable::Always => "yes".to_owned(),
            Remediable::With(condition) => format!("with {condition}"),
            Remediable::Never => "no".to_owned(),
        }
    }
}

/// One rule of the registry, with its metadata and its check.
pub struct Rule {
    /// The stable id, `SG-FAMILY-NNN`; never reused.
    pub id: &'static str,
    /// The kebab-case name, e.g. `public-snapshot`.
    pub name: &'static str,
    /// The family the id names.
    pub family: Family,
    /// The default severity; config can override it.
    pub severity: Severity,
    /// Whether `snapguard remediate` fixes its findings: the plan has an action that changes
    /// AWS for each of them, not only a manual review. tests/registry.rs holds it to the
    /// planner.
    pub remediable: Remediable,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// The rule's own source file; its `//!` lines are its documentation.
    pub source: &'static str,
    /// Whether the config gives the rule something to check: a rule that needs configuration
    /// (`tags.required`, `protection.copy_regions`, ...) and has none checks nothing, which
    /// must not read as "checked and found nothing" ([`always`] for the others).
    pub configured: fn(&Config) -> bool,
    /// What the rule looks at, and the function that checks it.
    pub check: Check,
}

/// [`Rule::configured`] of a rule that needs no configuration.
pub fn always(_: &Config) -> bool {
    true
}

impl Rule {
    /// The rule's documentation: the `//!` comment at the top of its file, as Markdown.
    pub fn doc(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines() {
            let Some(text) = line.trim_start().strip_prefix("//!") else {
                break;
            };
            doc.push_str(text.strip_prefix(' ').unwrap_or(text));
            doc.push('\n');
        }
        doc
    }

    /// One section of the documentation (`What it checks`, `Why it matters`, ...).
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        let doc = self.doc();
        let marker = format!("## {heading}\n");
        let start = doc.find(&marker)? + marker.len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        Some(rest[..end].trim().to_owned())
    }
}

/// The sections every rule's documentation has, in order.
pub const DOC_SECTIONS: [&str; 4] = ["What it checks", "Why it matters", "Example", "Remediation"];

/// Every rule snapguard has, each once.
pub static RULES: &[&Rule] = &[
    &tag::snapshot_missing_required_tags::RULE,
    &tag::image_missing_required_tags::RULE,
    &tag::volume_missing_required_tags::RULE,
    &tag::tag_value_not_allowed::RULE,
    &prot::volume_without_recent_snapshot::RULE,
    &prot::snapshot_without_cross_region_copy::RULE,
    &prot::snapshot_without_cross_account_copy::RULE,
    &prot::multi_volume_snapshots_not_crash_consistent::RULE,
    &prot::snapshot_unencrypted::RULE,
    &prot::archive_candidate_snapshot::RULE,
    &prot::image_without_cross_region_copy::RULE,
    &prot::volume_without_backup_schedule::RULE,
    &prot::backup_schedule_without_copy::RULE,
    &prot::ebs_encryption_by_default_off::RULE,
    &prot::snapshot_not_locked::RULE,
    &prot::snapshot_not_application_consistent::RULE,
    &rbin::recycle_bin_off_for_snapshots::RULE,
    &rbin::recycle_bin_off_for_images::RULE,
    &rbin::recycle_bin_rule_unlocked::RULE,
    &rbin::recycle_bin_retention_too_short::RULE,
    &rbin::snapshot_not_covered_by_recycle_bin::RULE,
    &share::public_image::RULE,
    &share::image_shared_outside_org::RULE,
    &share::public_snapshot::RULE,
    &share::snapshot_shared_outside_org::RULE,
    &share::snapshot_block_public_access_off::RULE,
    &share::image_block_public_access_off::RULE,
    &iam::principal_can_delete_snapshots::RULE,
    &iam::principal_can_deregister_images::RULE,
    &iam::principal_can_share_backups::RULE,
    &iam::principal_can_weaken_recycle_bin::RULE,
    &iam::no_scp_guardrail::RULE,
    &iam::principal_can_perform_protected_action::RULE,
    &iam::principal_can_delete_recovery_points::RULE,
    &iam::principal_can_weaken_backup_guardrails::RULE,
    &backup::backup_vault_not_locked::RULE,
    &backup::backup_vault_allows_recovery_point_deletion::RULE,
    &backup::backup_retention_too_short::RULE,
];

/// The rules that read other account-regions than the one they judge (copies in other
/// regions or in the archive account, AWS Backup copy targets): what could not be read in any
/// region of the account, or in the archive account, may hide their findings anywhere in it.
pub static READS_OTHER_PLACES: [&Rule; 4] = [
    &prot::snapshot_without_cross_region_copy::RULE,
    &prot::snapshot_without_cross_account_copy::RULE,
    &prot::image_without_cross_region_copy::RULE,
    &prot::backup_schedule_without_copy::RULE,
];

/// The rule with this id (case-insensitive) or name.
pub fn rule(id_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for r in RULES {
            assert!(ids.insert(r.id), "duplicate id {}", r.id);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            let family = r.family.as_str().to_uppercase();
            let prefix = format!("SG-{family}-");
            assert!(
                r.id.starts_with(&prefix),
                "{} should start with {prefix}",
                r.id
            );
            let number = &r.id[prefix.len()..];
            assert!(
                number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                r.id
            );
            assert!(
                r.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{} is not kebab-case",
                r.name
            );
        }
    }

    #[test]
    fn every_rule_documents_every_section() {
        for r in RULES {
            let doc = r.doc();
            let mut last = 0;
            for heading in DOC_SECTIONS {
                let at = doc.find(&format!("## {heading}\n")).unwrap_or_else(|| {
                    panic!("{} ({}) lacks the doc section `## {heading}`", r.id, r.name)
                });
                assert!(at >= last, "{}: section `{heading}` is out of order", r.id);
                last = at;
                let body = r.doc_section(heading).unwrap();
                assert!(
                    body.len() > 20,
                    "{}: section `{heading}` says too little",
                    r.id
                );
            }
        }
    }
}
