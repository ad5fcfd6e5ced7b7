//! Which backup schedules cover a volume: the enabled Data Lifecycle Manager policies and the
//! AWS Backup plans (through their selections) of its account-region, each with where it
//! copies to and how long it keeps what it takes, and for every schedule considered, why it
//! does or does not cover the volume. SG-PROT-008, SG-PROT-009 and SG-BACKUP-003 read it.
//!
//! How AWS selects:
//! - DLM (<https://docs.aws.amazon.com/ebs/latest/userguide/snapshot-lifecycle.html>): a custom
//!   policy targets volumes (`ResourceTypes` `VOLUME`) or instances (`INSTANCE`, every volume
//!   attached) carrying any of its `TargetTags`; an `IMAGE_MANAGEMENT` policy makes AMIs of the
//!   instances it targets, which hold their volumes' snapshots, minus what its `Parameters`
//!   leave out (the boot volume, data volumes with given tags). A default policy covers every
//!   volume (or instance) of the region but those its `Exclusions` leave out. Only `ENABLED`
//!   policies run; event-based policies copy shared snapshots and take none.
//! - AWS Backup (<https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html>,
//!   `API_BackupSelection`): a selection takes the resources that match its `Resources` ARNs
//!   (`*` wildcards) or any of its `ListOfTags`, then keeps those that meet every `Conditions`
//!   entry, minus `NotResources`; with neither `Resources` nor `ListOfTags` it starts from every
//!   resource. An EC2 instance's backup is an AMI of all its volumes. Each plan rule with a
//!   `ScheduleExpression` is a schedule; one without runs only on demand.
//!
//! What was not recorded (a region read without the backup layer, a policy without its
//! details, a plan without its selections) covers nothing, and the list of considered
//! schedules says so: the rules that read this then fire rather than pass.

use crate::inventory::{
    BackupPlan, BackupRule, CopyAction, DlmRetainRule, DlmSchedule, Instance, LifecyclePolicy,
    Region, SelectionDetails, Tag, Tagged, Volume,
};
use crate::wildcard;

/// How long a schedule keeps each backup it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Retention {
    /// A fixed age, in days.
    Days(u64),
    /// The newest `count` backups, taken every `every_days` days: kept about
    /// `count × every_days` days.
    Count {
        /// How many backups are kept.
        count: u64,
        /// Days between two backups.
        every_days: f64,
    },
    /// The newest `count` backups, at an interval snapguard cannot tell (a cron expression).
    CountUnknownInterval {
        /// How many backups are kept.
        count: u64,
    },
    /// Until someone deletes it.
    Forever,
    /// Not stated in what was recorded.
    Unknown,
}

impl Retention {
    /// The days each backup is kept, when that can be told (a count-based rule, roughly);
    /// `None` for forever or unknown.
    pub fn days(self) -> Option<f64> {
        match self {
            Retention::Days(days) => Some(days as f64),
            Retention::Count { count, every_days } => Some(count as f64 * every_days),
            _ => None,
        }
    }

    /// Says it in words: "35 days", "the newest 7 (about 7 days)", "until deleted".
    pub fn describe(self) -> String {
        match self {
            Retention::Days(days) => format!("{days} days"),
            Retention::Count { count, every_days } => format!(
                "the newest {count} (about {} days)",
                (count as f64 * every_days * 10.0).round() / 10.0
            ),
            Retention::CountUnknownInterval { count } => format!("the newest {count}"),
            Retention::Forever => "until deleted".into(),
            Retention::Unknown => "unknown".into(),
        }
    }
}

/// What a schedule is, for messages and evidence, and the ARN of the policy or plan.
#[derive(Debug, Clone)]
pub struct ScheduleId {
    /// "DLM policy policy-0abc schedule daily" or "AWS Backup plan prod rule daily".
    pub label: String,
    /// The policy's or plan's id, then `/` and the schedule's or rule's name:
    /// `policy-0abc/daily`, `<plan id>/daily`.
    pub id: String,
    /// The policy's or plan's ARN, when recorded.
    pub arn: Option<String>,
    /// `dlm-policy` or `backup-plan`.
    pub kind: &'static str,
    /// For an AWS Backup plan that AWS Organizations created from a backup policy
    /// (`CreatorRequestId` `OrgPolicy-...`): the plan's name, the key under the policy's
    /// `plans`.
    pub org_plan_name: Option<String>,
}

/// One schedule that takes backups: where it copies them and how long it keeps them.
#[derive(Debug, Clone)]
pub struct Schedule<'a> {
    /// What it is.
    pub id: ScheduleId,
    /// The regions it copies to.
    pub copy_regions: Vec<&'a str>,
    /// The accounts it copies or shares to (an AWS Backup copy to another account's vault; a
    /// DLM share rule, from which that account's event-based policy makes its copy).
    pub copy_accounts: Vec<&'a str>,
    /// How long it keeps the backups it takes.
    pub retention: Retention,
    /// How long each of its copies is kept: (destination, retention).
    pub copy_retention: Vec<(String, Retention)>,
    /// For an AWS Backup plan rule whose selection names its IAM role: how to take a backup
    /// like the rule's on demand. `None` for DLM schedules.
    pub backup_job: Option<BackupJobTarget<'a>>,
}

/// What an on-demand AWS Backup job like a plan rule's needs (`StartBackupJob`,
/// <https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartBackupJob.html>), and the
/// rule's copy actions for `StartCopyJob`.
#[derive(Debug, Clone)]
pub struct BackupJobTarget<'a> {
    /// The volume's or instance's ARN, whichever the selection takes.
    pub resource_arn: String,
    /// The rule's vault (`TargetBackupVaultName`).
    pub backup_vault_name: &'a str,
    /// The selection's role (`IamRoleArn`).
    pub iam_role_arn: &'a str,
    /// The rule's lifecycle.
    pub lifecycle: Option<&'a crate::inventory::BackupLifecycle>,
    /// The rule's copy actions.
    pub copy_actions: &'a [CopyAction],
}

/// A schedule or source of schedules that was looked at for a volume, and why it does or
/// does not cover it: the evidence of SG-PROT-008 and SG-PROT-009.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Considered {
    /// What was considered.
    pub schedule: String,
    /// Whether it covers the volume.
    pub covers: bool,
    /// Why, or why not.
    pub why: String,
}

/// The schedules that cover one volume, and everything considered.
#[derive(Debug, Default)]
pub struct VolumeSchedules<'a> {
    /// The schedules that back the volume up.
    pub covering: Vec<Schedule<'a>>,
    /// Every schedule (or unknown part) considered, covering or not.
    pub considered: Vec<Considered>,
}

/// The instance the volume is attached to, when recorded.
fn instance_of<'a>(region: &'a Region, volume: &Volume) -> Option<&'a Instance> {
    let id = volume
        .attachments
        .iter()
        .find_map(|a| a.instance_id.as_deref())?;
    region
        .instances
        .as_ref()?
        .iter()
        .find(|i| i.instance_id == id)
}

/// Whether `tags` holds one of `wanted`, key and value.
fn has_any_tag(tags: &[Tag], wanted: &[Tag]) -> bool {
    wanted
        .iter()
        .any(|w| tags.tag(&w.key) == Some(w.value.as_str()))
}

/// The device names an instance's root volume is attached at on the common AMIs: snapguard does
/// not record the instance's `RootDeviceName`, so a default policy that excludes boot volumes
/// is taken to exclude a volume attached at one of these.
const ROOT_DEVICES: [&str; 4] = ["/dev/sda1", "/dev/xvda", "/dev/sda", "/dev/nvme0n1"];

fn is_maybe_boot_volume(volume: &Volume) -> bool {
    volume.attachments.iter().any(|a| {
        a.device
            .as_deref()
            .is_some_and(|d| ROOT_DEVICES.contains(&d))
    })
}

/// Days between two runs of a DLM create rule, when it says (an interval in hours, or times
/// of day, which run daily).
fn dlm_interval_days(schedule: &DlmSchedule) -> Option<f64> {
    let rule = schedule.create_rule.as_ref()?;
    match (rule.interval, rule.interval_unit.as_deref()) {
        (Some(hours), Some("HOURS")) => Some(hours as f64 / 24.0),
        _ if !rule.times.is_empty() && rule.cron_expression.is_none() => Some(1.0),
        _ => None,
    }
}

fn dlm_retention(rule: Option<&DlmRetainRule>, interval_days: Option<f64>) -> Retention {
    let Some(rule) = rule else {
        return Retention::Unknown;
    };
    if let Some(days) = rule.retention_days() {
        return Retention::Days(days);
    }
    match (rule.count, interval_days) {
        (Some(count), Some(every_days)) => Retention::Count { count, every_days },
        (Some(count), None) => Retention::CountUnknownInterval { count },
        _ => Retention::Unknown,
    }
}

fn dlm_schedules<'a>(policy: &'a LifecyclePolicy, label: &str) -> Vec<Schedule<'a>> {
    let id = |name: String, part: &str| ScheduleId {
        label: name,
        id: format!("{}/{part}", policy.policy_id),
        arn: policy.policy_arn.as_ref().map(|a| a.to_string()),
        kind: "dlm-policy",
        org_plan_name: None,
    };
    let Some(details) = &policy.policy_details else {
        return Vec::new();
    };
    if policy.default_policy == Some(true) {
        return vec![Schedule {
            id: id(label.to_owned(), "default"),
            copy_regions: details
                .cross_region_copy_targets
                .iter()
                .map(|t| t.target_region.as_str())
                .collect(),
            copy_accounts: Vec::new(),
            retention: details
                .retain_interval
                .map_or(Retention::Unknown, Retention::Days),
            copy_retention: Vec::new(),
            backup_job: None,
        }];
    }
    details
        .schedules
        .iter()
        .map(|s| {
            let interval = dlm_interval_days(s);
            let name = s.name.as_deref().unwrap_or("(unnamed)");
            Schedule {
                id: id(format!("{label} schedule {name}"), name),
                copy_regions: s
                    .cross_region_copy_rules
                    .iter()
                    .filter_map(|c| c.destination_region())
                    .collect(),
                copy_accounts: s
                    .share_rules
                    .iter()
                    .flat_map(|r| r.target_accounts.iter().map(|a| a.as_str()))
                    .collect(),
                retention: dlm_retention(s.retain_rule.as_ref(), interval),
                copy_retention: s
                    .cross_region_copy_rules
                    .iter()
                    .map(|c| {
                        (
                            c.destination_region().unwrap_or("?").to_owned(),
                            dlm_retention(c.retain_rule.as_ref(), interval),
                        )
                    })
                    .collect(),
                backup_job: None,
            }
        })
        .collect()
}

/// Whether a DLM policy covers the volume, and why.
fn dlm_covers(
    policy: &LifecyclePolicy,
    volume: &Volume,
    instance: Option<&Instance>,
) -> (bool, String) {
    if !policy.is_enabled() {
        let state = policy.state.as_deref().unwrap_or("not recorded");
        return (false, format!("its state is {state}, not ENABLED"));
    }
    let Some(details) = &policy.policy_details else {
        return (
            false,
            "its details (get-lifecycle-policy) were not recorded".into(),
        );
    };
    let policy_type = details
        .policy_type
        .as_deref()
        .or(policy.policy_type.as_deref())
        .unwrap_or("");
    if policy_type == "EVENT_BASED_POLICY" {
        return (
            false,
            "it is event-based: it copies shared snapshots and takes none".into(),
        );
    }
    let makes_images = policy_type == "IMAGE_MANAGEMENT";
    if policy.default_policy == Some(true) {
        if makes_images && instance.is_none() {
            return (
                false,
                "it is the default policy for instances and the volume is not attached to a recorded instance".into(),
            );
        }
        if let Some(x) = &details.exclusions {
            if x.exclude_boot_volumes == Some(true) && is_maybe_boot_volume(volume) {
                return (
                    false,
                    "it excludes boot volumes, and the volume is attached as one".into(),
                );
            }
            if let Some(kind) = volume.volume_type.as_deref() {
                if x.exclude_volume_types.iter().any(|t| t == kind) {
                    return (false, format!("it excludes volumes of type {kind}"));
                }
            }
            let tags = match (makes_images, instance) {
                (true, Some(i)) => i.tags.as_slice(),
                _ => volume.tags.as_slice(),
            };
            if has_any_tag(tags, &x.exclude_tags) {
                return (false, "it excludes a tag the resource carries".into());
            }
        }
        return (true, "it is the region's default policy".into());
    }
    let targets_volumes = details.resource_types.iter().any(|t| t == "VOLUME") && !makes_images;
    let targets_instances = details.resource_types.iter().any(|t| t == "INSTANCE");
    if targets_volumes && has_any_tag(&volume.tags, &details.target_tags) {
        return (true, "the volume carries one of its target tags".into());
    }
    if targets_instances {
        if let Some(instance) = instance.filter(|i| has_any_tag(&i.tags, &details.target_tags)) {
            if let Some(x) = &details.parameters {
                if x.exclude_boot_volume == Some(true) && is_maybe_boot_volume(volume) {
                    return (
                        false,
                        format!(
                            "it targets the volume's instance {} but excludes its boot volume, \
                             and the volume is attached as one",
                            instance.instance_id
                        ),
                    );
                }
                if has_any_tag(&volume.tags, &x.exclude_data_volume_tags) {
                    return (
                        false,
                        format!(
                            "it targets the volume's instance {} but excludes data volumes with \
                             a tag the volume carries",
                            instance.instance_id
                        ),
                    );
                }
            }
            return (
                true,
                format!(
                    "the volume's instance {} carries one of its target tags",
                    instance.instance_id
                ),
            );
        }
    }
    let wanted: Vec<String> = details
        .target_tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect();
    let what = match (targets_volumes, targets_instances) {
        (true, true) => "neither the volume nor its instance",
        (false, true) => "the volume's instance does not",
        _ => "the volume does not",
    };
    (
        false,
        format!(
            "{what} carry any of its target tags ({})",
            wanted.join(", ")
        ),
    )
}

/// `ConditionKey` as a tag key: `aws:ResourceTag/KEY` or, in `ListOfTags`, the bare key.
fn tag_key(condition_key: &str) -> &str {
    condition_key
        .strip_prefix("aws:ResourceTag/")
        .unwrap_or(condition_key)
}

/// Whether an AWS Backup selection takes the resource with this ARN and these tags.
pub fn selects(selection: &SelectionDetails, arn: &str, tags: &[Tag]) -> bool {
    let by_arn = selection
        .resources
        .iter()
        .any(|pattern| wildcard::matches(pattern, arn));
    let by_tag = selection.list_of_tags.iter().any(|c| {
        c.condition_type.eq_ignore_ascii_case("STRINGEQUALS")
            && tags
                .tag(tag_key(&c.condition_key))
                .is_some_and(|v| wildcard::matches(&c.condition_value, v))
    });
    let starts_from_all = selection.resources.is_empty() && selection.list_of_tags.is_empty();
    if !(starts_from_all || by_arn || by_tag) {
        return false;
    }
    if let Some(c) = &selection.conditions {
        let value = |key: &str| tags.tag(tag_key(key));
        let all = c
            .string_equals
            .iter()
            .all(|p| value(&p.condition_key) == Some(p.condition_value.as_str()))
            && c.string_not_equals
                .iter()
                .all(|p| value(&p.condition_key) != Some(p.condition_value.as_str()))
            && c.string_like.iter().all(|p| {
                value(&p.condition_key).is_some_and(|v| wildcard::matches(&p.condition_value, v))
            })
            && c.string_not_like.iter().all(|p| {
                !value(&p.condition_key).is_some_and(|v| wildcard::matches(&p.condition_value, v))
            });
        if !all {
            return false;
        }
    }
    !selection
        .not_resources
        .iter()
        .any(|pattern| wildcard::matches(pattern, arn))
}

fn backup_retention(lifecycle: Option<&crate::inventory::BackupLifecycle>) -> Retention {
    match lifecycle.and_then(|l| l.delete_after_days) {
        Some(days) => Retention::Days(days),
        None => Retention::Forever,
    }
}

/// A plan rule's schedule; `taken` is the ARN the selection takes and its role, when known.
fn backup_schedule<'a>(
    plan: &'a BackupPlan,
    rule: &'a BackupRule,
    taken: Option<&(String, &'a str)>,
) -> Schedule<'a> {
    // (region, account) of each copy action's destination vault.
    let destinations: Vec<(&str, &str)> = rule
        .copy_actions
        .iter()
        .filter_map(CopyAction::destination)
        .collect();
    Schedule {
        id: ScheduleId {
            label: format!(
                "AWS Backup plan {} rule {}",
                plan.display_name(),
                rule.rule_name
            ),
            id: format!("{}/{}", plan.backup_plan_id, rule.rule_name),
            arn: plan.backup_plan_arn.as_ref().map(|a| a.to_string()),
            kind: "backup-plan",
            org_plan_name: plan
                .creator_request_id
                .as_deref()
                .filter(|c| c.starts_with("OrgPolicy-"))
                .and(plan.backup_plan_name.as_ref())
                .map(|n| n.to_string()),
        },
        copy_regions: destinations.iter().map(|(region, _)| *region).collect(),
        copy_accounts: destinations.iter().map(|(_, account)| *account).collect(),
        retention: backup_retention(rule.lifecycle.as_ref()),
        copy_retention: rule
            .copy_actions
            .iter()
            .map(|c| {
                (
                    c.destination_backup_vault_arn.to_string(),
                    backup_retention(c.lifecycle.as_ref()),
                )
            })
            .collect(),
        backup_job: taken.map(|(resource_arn, role)| BackupJobTarget {
            resource_arn: resource_arn.clone(),
            backup_vault_name: &rule.target_backup_vault_name,
            iam_role_arn: role,
            lifecycle: rule.lifecycle.as_ref(),
            copy_actions: &rule.copy_actions,
        }),
    }
}

/// The schedules of the region that cover `volume` of `account`, and why each schedule does
/// or does not.
pub fn for_volume<'a>(region: &'a Region, account: &str, volume: &Volume) -> VolumeSchedules<'a> {
    let mut out = VolumeSchedules::default();
    let instance = instance_of(region, volume);
    let backup = &region.backup;
    match &backup.lifecycle_policies {
        None => out.considered.push(Considered {
            schedule: "Data Lifecycle Manager policies".into(),
            covers: false,
            why: "not recorded for this region".into(),
        }),
        Some(policies) => {
            for policy in policies {
                let label = format!("DLM policy {}", policy.policy_id);
                let (covers, why) = dlm_covers(policy, volume, instance);
                out.considered.push(Considered {
                    schedule: label.clone(),
                    covers,
                    why,
                });
                if covers {
                    out.covering.extend(dlm_schedules(policy, &label));
                }
            }
        }
    }
    let Some(plans) = &backup.backup_plans else {
        out.considered.push(Considered {
            schedule: "AWS Backup plans".into(),
            covers: false,
            why: "not recorded for this region".into(),
        });
        return out;
    };
    let volume_arn = format!(
        "arn:aws:ec2:{}:{account}:volume/{}",
        region.name, volume.volume_id
    );
    let instance_arn = instance.map(|i| {
        format!(
            "arn:aws:ec2:{}:{account}:instance/{}",
            region.name, i.instance_id
        )
    });
    for plan in plans {
        let label = format!("AWS Backup plan {}", plan.display_name());
        let Some(selections) = &plan.selections else {
            out.considered.push(Considered {
                schedule: label,
                covers: false,
                why: "its selections were not recorded".into(),
            });
            continue;
        };
        let mut how = None;
        // The ARN the selection takes, and its role when recorded.
        let mut taken: Option<(String, &str)> = None;
        let mut unknown = 0;
        for selection in selections {
            let name = selection
                .selection_name
                .as_deref()
                .unwrap_or(&selection.selection_id);
            let Some(details) = &selection.backup_selection else {
                unknown += 1;
                continue;
            };
            let role = details
                .iam_role_arn
                .as_deref()
                .or(selection.iam_role_arn.as_deref());
            if selects(details, &volume_arn, &volume.tags) {
                how = Some(format!("its selection {name} takes the volume"));
                taken = role.map(|r| (volume_arn.clone(), r));
            } else if let (Some(arn), Some(instance)) = (&instance_arn, instance) {
                if selects(details, arn, &instance.tags) {
                    how = Some(format!(
                        "its selection {name} takes the volume's instance {}",
                        instance.instance_id
                    ));
                    taken = role.map(|r| (arn.clone(), r));
                }
            }
            if how.is_some() {
                break;
            }
        }
        let Some(how) = how else {
            let why = match unknown {
                0 if selections.is_empty() => "it has no selection".to_owned(),
                0 => "none of its selections takes the volume or its instance".to_owned(),
                n => format!("none of its recorded selections takes the volume ({n} not recorded)"),
            };
            out.considered.push(Considered {
                schedule: label,
                covers: false,
                why,
            });
            continue;
        };
        let Some(rules) = &plan.rules else {
            out.considered.push(Considered {
                schedule: label,
                covers: false,
                why: format!("{how}, but its rules were not recorded"),
            });
            continue;
        };
        let scheduled: Vec<&BackupRule> = rules
            .iter()
            .filter(|r| r.schedule_expression.is_some())
            .collect();
        if scheduled.is_empty() {
            out.considered.push(Considered {
                schedule: label,
                covers: false,
                why: format!("{how}, but no rule has a schedule (on demand only)"),
            });
            continue;
        }
        out.considered.push(Considered {
            schedule: label,
            covers: true,
            why: how,
        });
        out.covering.extend(
            scheduled
                .into_iter()
                .map(|r| backup_schedule(plan, r, taken.as_ref())),
        );
    }
    out
}

/// Every schedule that covers some of `volumes`, with the ids of the volumes it covers: what
/// SG-BACKUP-003 judges.
pub fn covering_schedules<'s, 'a>(
    volumes: &'s [crate::scope::VolumeAndSchedules<'a>],
) -> Vec<(&'s Schedule<'a>, Vec<&'a str>)> {
    let mut out: Vec<(&'s Schedule<'a>, Vec<&'a str>)> = Vec::new();
    for (volume, found) in volumes {
        for schedule in &found.covering {
            match out.iter_mut().find(|(s, _)| s.id.id == schedule.id.id) {
                Some((_, covered)) => covered.push(volume.volume_id.as_str()),
                None => out.push((schedule, vec![volume.volume_id.as_str()])),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{BackupCondition, BackupConditions, ConditionParameter};

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs.iter().map(|(k, v)| Tag::new(k, v)).collect()
    }

    const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";

    #[test]
    fn selections_follow_aws_and_or_semantics() {
        let mut s = SelectionDetails {
            selection_name: "s".into(),
            resources: vec!["arn:aws:ec2:*:*:volume/*".into()],
            ..SelectionDetails::default()
        };
        // Resources alone: every volume.
        assert!(selects(&s, VOLUME, &[]));
        // Resources AND Conditions.
        s.conditions = Some(BackupConditions {
            string_equals: vec![ConditionParameter {
                condition_key: "aws:ResourceTag/Backup".into(),
                condition_value: "daily".into(),
            }],
            ..BackupConditions::default()
        });
        assert!(!selects(&s, VOLUME, &tags(&[("Backup", "weekly")])));
        assert!(selects(&s, VOLUME, &tags(&[("Backup", "daily")])));
        // Minus NotResources.
        s.not_resources = vec!["arn:aws:ec2:*:*:volume/vol-1".into()];
        assert!(!selects(&s, VOLUME, &tags(&[("Backup", "daily")])));
        // ListOfTags: any of them, alone (no Resources) or beside Resources (OR).
        let by_tags = SelectionDetails {
            selection_name: "t".into(),
            list_of_tags: vec![
                BackupCondition {
                    condition_type: "STRINGEQUALS".into(),
                    condition_key: "Backup".into(),
                    condition_value: "daily".into(),
                },
                BackupCondition {
                    condition_type: "STRINGEQUALS".into(),
                    condition_key: "aws:ResourceTag/Tier".into(),
                    condition_value: "gold*".into(),
                },
            ],
            ..SelectionDetails::default()
        };
        assert!(selects(&by_tags, VOLUME, &tags(&[("Tier", "gold-1")])));
        assert!(!selects(&by_tags, VOLUME, &tags(&[("Tier", "silver")])));
        let both = SelectionDetails {
            resources: vec!["arn:aws:ec2:*:*:volume/vol-9".into()],
            ..by_tags.clone()
        };
        assert!(selects(&both, VOLUME, &tags(&[("Backup", "daily")])));
        // Neither Resources nor ListOfTags: everything, then the conditions.
        let all = SelectionDetails {
            selection_name: "all".into(),
            ..SelectionDetails::default()
        };
        assert!(selects(&all, VOLUME, &[]));
    }

    #[test]
    fn retention_says_days_counts_and_forever() {
        assert_eq!(Retention::Days(35).days(), Some(35.0));
        let count = Retention::Count {
            count: 7,
            every_days: 0.5,
        };
        assert_eq!(count.days(), Some(3.5));
        assert_eq!(count.describe(), "the newest 7 (about 3.5 days)");
        assert_eq!(Retention::Forever.days(), None);
    }
}
