//! Compliance frameworks: which controls of the AWS Foundational Security Best Practices, the
//! CIS AWS Foundations Benchmark and NIST SP 800-53 each rule checks part of.
//!
//! A mapping says that a rule's finding is evidence against the control; it does not say that
//! the rule checks everything the control asks. SG-PROT-008 accepts a volume covered by a DLM
//! policy, where FSBP EC2.28 asks for an AWS Backup plan; NIST CP-9 asks for more than EBS.
//! So a control that "passes" in a report passed snapguard's checks for it, no more.
//!
//! Each id is checked against the published standards in `tests/registry.rs`: FSBP and CIS ids
//! with their titles, NIST ids by the control or enhancement they name. Only ids that check can
//! confirm are mapped.

use serde::Serialize;
use std::str::FromStr;

use crate::registry::Rule;
use crate::{backup, iam, prot, rbin, share, tag};

/// A published standard snapguard maps its rules to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Framework {
    /// AWS Foundational Security Best Practices v1.0.0, the Security Hub standard
    /// (<https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html>).
    Fsbp,
    /// CIS Amazon Web Services Foundations Benchmark v3.0.0.
    Cis3,
    /// CIS Amazon Web Services Foundations Benchmark v5.0.0.
    Cis5,
    /// NIST SP 800-53 Revision 5, the security and privacy controls catalogue.
    Nist80053R5,
}

impl Framework {
    /// Every framework, in report order.
    pub const ALL: [Framework; 4] = [
        Framework::Fsbp,
        Framework::Cis3,
        Framework::Cis5,
        Framework::Nist80053R5,
    ];

    /// The short name `--framework` takes and tags carry, e.g. `nist-800-53-r5`.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Fsbp => "fsbp",
            Framework::Cis3 => "cis-3.0",
            Framework::Cis5 => "cis-5.0",
            Framework::Nist80053R5 => "nist-800-53-r5",
        }
    }

    /// The standard's name as Security Hub spells it in `Compliance.RelatedRequirements`, e.g.
    /// `CIS AWS Foundations Benchmark v3.0.0`.
    pub fn title(self) -> &'static str {
        match self {
            Framework::Fsbp => "AWS Foundational Security Best Practices v1.0.0",
            Framework::Cis3 => "CIS AWS Foundations Benchmark v3.0.0",
            Framework::Cis5 => "CIS AWS Foundations Benchmark v5.0.0",
            Framework::Nist80053R5 => "NIST.800-53.r5",
        }
    }
}

/// A `--framework` name that is none of [`Framework::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no framework is named {found:?}; expected one of {}",
    Framework::ALL.map(Framework::name).join(", ")
)]
pub struct ParseFrameworkError {
    /// The name given.
    pub found: String,
}

impl FromStr for Framework {
    type Err = ParseFrameworkError;
    /// The framework of this [`Framework::name`], ASCII case ignored.
    fn from_str(s: &str) -> Result<Framework, ParseFrameworkError> {
        Framework::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseFrameworkError {
                found: s.to_owned(),
            })
    }
}

/// One control of a framework and the rules that check part of it.
pub struct Control {
    /// The framework.
    pub framework: Framework,
    /// The control's id in it: `EC2.1`, `2.2.1`, `CP-9(8)`.
    pub id: &'static str,
    /// The control's title as the standard words it.
    pub title: &'static str,
    /// The rules whose findings count against it, in registry order.
    pub rules: &'static [&'static Rule],
}

impl Control {
    /// The requirement as Security Hub writes it in `Compliance.RelatedRequirements`:
    /// `CIS AWS Foundations Benchmark v3.0.0/2.2.1`, `NIST.800-53.r5 CP-9`.
    pub fn requirement(&self) -> String {
        match self.framework {
            Framework::Nist80053R5 => format!("{} {}", self.framework.title(), self.id),
            _ => format!("{}/{}", self.framework.title(), self.id),
        }
    }

    /// The short form tags and CSV cells carry: `fsbp/EC2.1`, `nist-800-53-r5/CP-9`.
    pub fn tag(&self) -> String {
        format!("{}/{}", self.framework.name(), self.id)
    }
}

/// The controls a rule checks part of, in [`CONTROLS`] order.
pub fn controls_of(rule_id: &str) -> impl Iterator<Item = &'static Control> + '_ {
    CONTROLS
        .iter()
        .filter(move |c| c.rules.iter().any(|r| r.id == rule_id))
}

/// The controls of one framework, in [`CONTROLS`] order.
pub fn controls_in(framework: Framework) -> impl Iterator<Item = &'static Control> {
    CONTROLS.iter().filter(move |c| c.framework == framework)
}

const TAG_RULES: &[&Rule] = &[
    &tag::snapshot_missing_required_tags::RULE,
    &tag::image_missing_required_tags::RULE,
    &tag::volume_missing_required_tags::RULE,
    &tag::tag_value_not_allowed::RULE,
];

const CROSS_REGION_OR_ACCOUNT_COPIES: &[&Rule] = &[
    &prot::snapshot_without_cross_region_copy::RULE,
    &prot::snapshot_without_cross_account_copy::RULE,
    &prot::image_without_cross_region_copy::RULE,
    &prot::backup_schedule_without_copy::RULE,
];

const ENCRYPTION_AT_REST: &[&Rule] = &[
    &prot::snapshot_unencrypted::RULE,
    &prot::ebs_encryption_by_default_off::RULE,
];

const RECOVERY: &[&Rule] = &[
    &prot::multi_volume_snapshots_not_crash_consistent::RULE,
    &prot::snapshot_not_application_consistent::RULE,
    &rbin::recycle_bin_off_for_snapshots::RULE,
    &rbin::recycle_bin_off_for_images::RULE,
    &rbin::recycle_bin_rule_unlocked::RULE,
    &rbin::recycle_bin_retention_too_short::RULE,
    &rbin::snapshot_not_covered_by_recycle_bin::RULE,
];

const SHARING: &[&Rule] = &[
    &share::public_image::RULE,
    &share::image_shared_outside_org::RULE,
    &share::public_snapshot::RULE,
    &share::snapshot_shared_outside_org::RULE,
    &share::snapshot_block_public_access_off::RULE,
    &share::image_block_public_access_off::RULE,
];

const WHO_MAY_DESTROY_OR_EXPOSE: &[&Rule] = &[
    &iam::principal_can_delete_snapshots::RULE,
    &iam::principal_can_deregister_images::RULE,
    &iam::principal_can_share_backups::RULE,
    &iam::principal_can_weaken_recycle_bin::RULE,
    &iam::no_scp_guardrail::RULE,
    &iam::principal_can_perform_protected_action::RULE,
    &iam::principal_can_delete_recovery_points::RULE,
    &iam::principal_can_weaken_backup_guardrails::RULE,
];

/// Every mapped control, by framework then id. A rule may serve several; SG-PROT-006 (archive
/// candidates, a cost rule) serves none.
pub static CONTROLS: &[Control] = &[
    Control {
        framework: Framework::Fsbp,
        id: "EC2.1",
        title: "Amazon EBS snapshots should not be public, determined by the ability to be restorable by anyone",
        rules: &[&share::public_snapshot::RULE],
    },
    Control {
        framework: Framework::Fsbp,
        id: "EC2.7",
        title: "EBS default encryption should be enabled",
        rules: &[&prot::ebs_encryption_by_default_off::RULE],
    },
    Control {
        framework: Framework::Fsbp,
        id: "EC2.28",
        title: "EBS volumes should be covered by a backup plan",
        rules: &[&prot::volume_without_backup_schedule::RULE],
    },
    Control {
        framework: Framework::Cis3,
        id: "2.2.1",
        title: "Ensure EBS Volume Encryption is Enabled in all Regions",
        rules: &[&prot::ebs_encryption_by_default_off::RULE],
    },
    Control {
        framework: Framework::Cis5,
        id: "5.1.1",
        title: "Ensure EBS volume encryption is enabled in all regions",
        rules: &[&prot::ebs_encryption_by_default_off::RULE],
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "AC-3",
        title: "Access Enforcement",
        rules: SHARING,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "AC-4",
        title: "Information Flow Enforcement",
        rules: &[
            &share::image_shared_outside_org::RULE,
            &share::snapshot_shared_outside_org::RULE,
        ],
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "AC-6",
        title: "Least Privilege",
        rules: WHO_MAY_DESTROY_OR_EXPOSE,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CM-8",
        title: "System Component Inventory",
        rules: TAG_RULES,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CP-6",
        title: "Alternate Storage Site",
        rules: CROSS_REGION_OR_ACCOUNT_COPIES,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CP-6(1)",
        title: "Separation from Primary Site",
        rules: CROSS_REGION_OR_ACCOUNT_COPIES,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CP-9",
        title: "System Backup",
        rules: &[
            &prot::volume_without_recent_snapshot::RULE,
            &prot::volume_without_backup_schedule::RULE,
            &prot::snapshot_not_locked::RULE,
            &backup::backup_vault_not_locked::RULE,
            &backup::backup_vault_allows_recovery_point_deletion::RULE,
            &backup::backup_retention_too_short::RULE,
        ],
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CP-9(8)",
        title: "Cryptographic Protection",
        rules: ENCRYPTION_AT_REST,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "CP-10",
        title: "System Recovery and Reconstitution",
        rules: RECOVERY,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "SC-28",
        title: "Protection of Information at Rest",
        rules: ENCRYPTION_AT_REST,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "SC-28(1)",
        title: "Cryptographic Protection",
        rules: ENCRYPTION_AT_REST,
    },
    Control {
        framework: Framework::Nist80053R5,
        id: "SI-12",
        title: "Information Management and Retention",
        rules: &[
            &rbin::recycle_bin_retention_too_short::RULE,
            &backup::backup_retention_too_short::RULE,
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RULES;

    #[test]
    fn every_control_is_mapped_once_to_registered_rules() {
        let mut seen = std::collections::HashSet::new();
        for c in CONTROLS {
            assert!(seen.insert(c.tag()), "{} is listed twice", c.tag());
            assert!(!c.rules.is_empty(), "{} has no rules", c.tag());
            for r in c.rules {
                assert!(
                    RULES.iter().any(|registered| registered.id == r.id),
                    "{} maps to {}, which is not in the registry",
                    c.tag(),
                    r.id
                );
            }
        }
        let unmapped: Vec<&str> = RULES
            .iter()
            .filter(|r| controls_of(r.id).next().is_none())
            .map(|r| r.id)
            .collect();
        assert_eq!(
            unmapped,
            ["SG-PROT-006"],
            "only the cost rule maps to nothing"
        );
    }

    #[test]
    fn requirements_are_spelt_as_security_hub_spells_them() {
        let cis = CONTROLS.iter().find(|c| c.id == "2.2.1").unwrap();
        assert_eq!(
            cis.requirement(),
            "CIS AWS Foundations Benchmark v3.0.0/2.2.1"
        );
        let nist = CONTROLS.iter().find(|c| c.id == "CP-9(8)").unwrap();
        assert_eq!(nist.requirement(), "NIST.800-53.r5 CP-9(8)");
        assert_eq!(nist.tag(), "nist-800-53-r5/CP-9(8)");
        assert_eq!("NIST-800-53-R5".parse(), Ok(Framework::Nist80053R5));
        assert_eq!(
            "pci".parse::<Framework>().unwrap_err().to_string(),
            "no framework is named \"pci\"; expected one of fsbp, cis-3.0, cis-5.0, nist-800-53-r5"
        );
    }
}
