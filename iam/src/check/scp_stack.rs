//! `iam check --scp [LEVEL=]FILE`: service control policies given as files, each at a level of
//! the organization (the root, an OU, an account), checked as guardrails together.
//!
//! Every level must allow a request and no SCP may deny it
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>).
//! The files at one level are read as all of that level's SCPs, except that a level whose files
//! allow nothing (deny-list SCPs only) is read beside `FullAWSAccess`, which AWS attaches by
//! default and without which the level would deny everything: such a level's denies decide. A
//! level with an Allow statement but none allowing every action on every resource is an
//! allow-list: only what its Allow statements allow passes. Each reading is reported.

use std::path::{Path, PathBuf};

use crate::inputs::{self, FoundPolicy, InputError, InputFile, InputKind, InputSubject};
use crate::policy::{Effect, PolicyDocument};
use crate::targets::{Reach, TargetKind};
use crate::{
    evaluate_principal, LabelledPolicy, PolicyLayers, Principal, RequestContext, ScpLevel,
};

use super::{
    file_key, labelled, Subject, SubjectKind, ALLOW_EVERYTHING, FULL_AWS_ACCESS,
    FULL_IDENTITY_PERMISSIONS, HYPOTHETICAL_PRINCIPAL,
};

/// The level an SCP file sits at when `--scp` names none.
pub const DEFAULT_LEVEL: &str = "root";

/// One `--scp [LEVEL=]FILE`: an SCP attached at a level of the organization
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_attach.html>).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScpFile {
    /// The level's name as given, such as `root`, `ou-Workloads` or `111122223333`.
    pub level: String,
    /// The SCP document (or a plan or template holding SCPs).
    pub path: PathBuf,
}

impl ScpFile {
    /// `LEVEL=FILE`, or a plain `FILE` at the root. A `=` after a path separator is part of the
    /// file name.
    pub fn parse(argument: &str) -> ScpFile {
        match argument.split_once('=') {
            Some((level, path))
                if !level.is_empty() && !path.is_empty() && !level.contains(['/', '\\']) =>
            {
                ScpFile {
                    level: level.to_owned(),
                    path: PathBuf::from(path),
                }
            }
            _ => ScpFile {
                level: DEFAULT_LEVEL.to_owned(),
                path: PathBuf::from(argument),
            },
        }
    }
}

/// How a level's SCPs are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LevelReading {
    /// Some statement allows every action on every resource: the denies decide.
    FullAccess,
    /// Allow statements, none of them for everything: only what they allow passes.
    AllowList,
    /// No Allow statement: read beside an assumed `FullAWSAccess`.
    DenyListOnly,
}

fn reading_of(documents: &[&PolicyDocument]) -> LevelReading {
    let allows = documents
        .iter()
        .flat_map(|d| &d.statements)
        .filter(|s| s.effect == Effect::Allow);
    let mut any_allow = false;
    for statement in allows {
        any_allow = true;
        let every_action =
            !statement.actions.negated && statement.actions.patterns.iter().any(|p| p == "*");
        let every_resource = statement.reach(TargetKind::AnyResource) == Reach::All;
        if every_action && every_resource && statement.conditions.is_empty() {
            return LevelReading::FullAccess;
        }
    }
    if any_allow {
        LevelReading::AllowList
    } else {
        LevelReading::DenyListOnly
    }
}

/// What `--scp` read: the files, the errors, and one guardrail subject per SCP, each evaluated
/// within the whole stack.
pub(super) struct Stack {
    pub files: Vec<InputFile>,
    pub errors: Vec<InputError>,
    pub subjects: Vec<Subject>,
}

pub(super) fn evaluate(scps: &[ScpFile], actions: &[String], context: &RequestContext) -> Stack {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    // (level, file, the SCPs found in it), in the order given.
    let mut found: Vec<(&str, PathBuf, Vec<FoundPolicy>)> = Vec::new();
    for scp in scps {
        match inputs::load(&scp.path) {
            Ok(file) => {
                let policies = scp_policies(&file);
                if policies.is_empty() {
                    errors.push(not_an_scp(&scp.path, file.kind));
                    continue;
                }
                found.push((&scp.level, file.path.clone(), policies));
                files.push(file);
            }
            Err(e) => errors.push(e),
        }
    }
    let mut level_names: Vec<&str> = Vec::new();
    for (level, _, _) in &found {
        if !level_names.contains(level) {
            level_names.push(level);
        }
    }
    let mut assumptions = Vec::new();
    let mut levels = Vec::new();
    for name in &level_names {
        let at_level: Vec<&FoundPolicy> = found
            .iter()
            .filter(|(level, _, _)| level == name)
            .flat_map(|(_, _, policies)| policies)
            .collect();
        let documents: Vec<&PolicyDocument> = at_level.iter().map(|p| &p.policy.document).collect();
        let addresses: Vec<&str> = at_level.iter().map(|p| p.address.as_str()).collect();
        let mut policies: Vec<LabelledPolicy> = at_level.iter().map(|p| labelled(p)).collect();
        let reading = reading_of(&documents);
        let note = match reading {
            LevelReading::FullAccess => "one of them allows every action on every resource, so \
                 their denies decide"
                .to_owned(),
            LevelReading::AllowList => "an allow-list: no statement allows every action on every \
                 resource, so only what their Allow statements allow passes (FullAWSAccess is \
                 taken as detached)"
                .to_owned(),
            LevelReading::DenyListOnly => {
                policies.push(LabelledPolicy::new(
                    format!("{FULL_AWS_ACCESS} (assumed)"),
                    &ALLOW_EVERYTHING,
                ));
                format!(
                    "they allow nothing, so {FULL_AWS_ACCESS} is assumed attached beside them (AWS \
                     attaches it by default; without any allow the level would deny everything)"
                )
            }
        };
        assumptions.push(format!(
            "SCPs at level {name} ({}): {note}",
            addresses.join(", ")
        ));
        levels.push(ScpLevel {
            label: (*name).into(),
            policies,
        });
    }
    let principal = Principal::from_arn(HYPOTHETICAL_PRINCIPAL).expect("a valid role ARN");
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(
            FULL_IDENTITY_PERMISSIONS,
            &ALLOW_EVERYTHING,
        )],
        scp_levels: levels,
        ..PolicyLayers::default()
    };
    let verdicts = evaluate_principal(&principal, &layers, actions, context);
    let mut subjects = Vec::new();
    for (_, path, policies) in &found {
        for policy in policies {
            subjects.push(Subject {
                file: path.clone(),
                file_key: file_key(path),
                address: policy.address.clone(),
                kind: SubjectKind::Guardrail,
                line: policy.policy.line,
                unknowns: policy.policy.unknowns.clone(),
                assumptions: assumptions.clone(),
                warnings: policy.policy.document.warnings.clone(),
                exempt: false,
                verdicts: verdicts.clone(),
                policies: vec![policy.clone()],
            });
        }
    }
    Stack {
        files,
        errors,
        subjects,
    }
}

/// The SCPs of a file: a policy document is one; a Terraform plan or a CloudFormation template
/// holds its `SERVICE_CONTROL_POLICY` resources.
fn scp_policies(file: &InputFile) -> Vec<FoundPolicy> {
    file.subjects
        .iter()
        .filter_map(|subject| match (file.kind, subject) {
            (InputKind::PolicyDocument, InputSubject::Identity(policy)) => Some(policy.clone()),
            (_, InputSubject::Scp(policy)) => Some(policy.clone()),
            _ => None,
        })
        .collect()
}

fn not_an_scp(path: &Path, kind: InputKind) -> InputError {
    InputError {
        path: path.to_owned(),
        line: None,
        column: None,
        message: format!(
            "--scp: expected a service control policy (a policy document, or a Terraform plan or \
             CloudFormation template with one), found a {} without one",
            kind.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_named_before_an_equals_sign() {
        let cases = [
            ("deny.json", "root", "deny.json"),
            (
                "ou-Workloads=allow-list.json",
                "ou-Workloads",
                "allow-list.json",
            ),
            (
                "111122223333=scps/account.json",
                "111122223333",
                "scps/account.json",
            ),
            ("scps/a=b.json", "root", "scps/a=b.json"),
            ("=x.json", "root", "=x.json"),
        ];
        for (argument, level, path) in cases {
            assert_eq!(
                ScpFile::parse(argument),
                ScpFile {
                    level: level.to_owned(),
                    path: PathBuf::from(path)
                },
                "{argument}"
            );
        }
    }
}
