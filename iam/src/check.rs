//! `iam check`: evaluating what the inputs grant, and what a change made worse or better.
//!
//! [`check`] reads the head files (and the base files, with `--base`) and evaluates every
//! policy, principal and guardrail in them; [`Evaluated::outcome`] applies the `--fail-on`
//! threshold. Printing is the caller's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::json;

use crate::inputs::{self, FoundPolicy, InputError, InputFile, InputSubject};
use crate::wildcard;
use crate::{
    evaluate_document, evaluate_principal, ActionVerdict, LabelledPolicy, Layer, PolicyDocument,
    PolicyLayers, Principal, ScpLevel, StatementEvidence, Verdict,
};

/// The identity a guardrail is tested against: it holds every permission and matches no
/// exemption, so an SCP stops it only by denying.
const HYPOTHETICAL_PRINCIPAL: &str =
    "arn:aws:iam::000000000000:role/snapguard-hypothetical-principal";
const FULL_IDENTITY_PERMISSIONS: &str = "full identity permissions";
/// The AWS-managed SCP attached by default, which a deny-list SCP sits beside.
const FULL_AWS_ACCESS: &str = "FullAWSAccess";

static ALLOW_EVERYTHING: LazyLock<PolicyDocument> = LazyLock::new(|| {
    PolicyDocument::from_value(
        &json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
    )
    .expect("a valid policy")
});

/// What one evaluated subject of an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A policy document, evaluated as the only policy of an unknown principal.
    Policy,
    /// A user or role with every policy that bears on it.
    Principal,
    /// A service control policy: what it still allows a principal that holds every permission.
    Guardrail,
}

impl SubjectKind {
    /// Where nothing is evaluated (the document is absent), the verdict that stands: nothing is
    /// granted, and no guardrail stops anything.
    fn absent_verdict(self) -> Verdict {
        match self {
            SubjectKind::Policy | SubjectKind::Principal => Verdict::NotAllowed,
            SubjectKind::Guardrail => Verdict::Allowed,
        }
    }
}

/// One evaluated policy, principal or guardrail.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The input file it was read from, as given on the command line.
    pub file: PathBuf,
    /// The file's name: base and head files are matched by it.
    pub file_key: String,
    /// Its address in the file: a Terraform resource address, a CloudFormation logical id and policy name, a principal ARN, or the file name for a bare document.
    pub address: String,
    /// Policy, principal or guardrail.
    pub kind: SubjectKind,
    /// The 1-based line where it starts in its file.
    pub line: usize,
    /// How each unknown value (a CloudFormation intrinsic, a Terraform value known only after apply) was read: as the worst case.
    pub unknowns: Vec<String>,
    /// A principal matching `iam.exempt_principals`: reported, never counted as granting.
    pub exempt: bool,
    /// One verdict per protected action, in the configured order.
    pub verdicts: Vec<ActionVerdict>,
    /// The evaluated policies, to find the line of a statement that evidence names.
    policies: Vec<FoundPolicy>,
}

impl Subject {
    /// The statement that decides `verdict`: the best grant of a policy or principal, the
    /// weakest deny of a guardrail.
    pub fn decisive_evidence<'v>(
        &self,
        verdict: &'v ActionVerdict,
    ) -> Option<&'v StatementEvidence> {
        match self.kind {
            SubjectKind::Guardrail => verdict
                .guardrails
                .iter()
                .filter(|g| matches!(g.layer, Layer::Scp { .. }))
                .max_by_key(|g| g.outcome),
            _ => verdict
                .grants
                .iter()
                .filter(|g| g.layer == Layer::Identity)
                .rev()
                .max_by_key(|g| g.outcome),
        }
    }

    /// The line of the decisive statement, or of the subject when there is none.
    pub fn decisive_line(&self, verdict: &ActionVerdict) -> usize {
        self.decisive_evidence(verdict)
            .and_then(|e| {
                self.policies
                    .iter()
                    .find(|p| p.address == e.policy)
                    .map(|p| p.policy.statement_line(e.statement_index))
            })
            .unwrap_or(self.line)
    }

    /// Whether the verdict counts as the subject granting the action.
    pub fn grants(&self, verdict: Verdict, threshold: Option<Verdict>) -> bool {
        self.kind != SubjectKind::Guardrail
            && !self.exempt
            && threshold.is_some_and(|t| verdict >= t)
    }
}

/// Evaluates every subject of the files.
pub fn evaluate(files: &[InputFile], actions: &[String], exempt: &[String]) -> Vec<Subject> {
    let mut subjects = Vec::new();
    for file in files {
        let file_key = file_key(&file.path);
        for input in &file.subjects {
            let subject = |kind, address: &str, line, policies: Vec<FoundPolicy>, verdicts| {
                let unknowns = policies
                    .iter()
                    .flat_map(|p: &FoundPolicy| {
                        p.policy.unknowns.iter().map(move |u| match kind {
                            SubjectKind::Principal => format!("{}: {u}", p.address),
                            _ => u.clone(),
                        })
                    })
                    .collect();
                Subject {
                    file: file.path.clone(),
                    file_key: file_key.clone(),
                    address: address.to_owned(),
                    kind,
                    line,
                    unknowns,
                    exempt: false,
                    verdicts,
                    policies,
                }
            };
            subjects.push(match input {
                InputSubject::Identity(found) => {
                    let verdicts =
                        evaluate_document(&found.policy.document, &found.address, actions);
                    subject(
                        SubjectKind::Policy,
                        &found.address,
                        found.policy.line,
                        vec![found.clone()],
                        verdicts,
                    )
                }
                InputSubject::Scp(found) => subject(
                    SubjectKind::Guardrail,
                    &found.address,
                    found.policy.line,
                    vec![found.clone()],
                    evaluate_guardrail(found, actions),
                ),
                InputSubject::Principal(found) => {
                    let layers = PolicyLayers {
                        identity: found.identity.iter().map(labelled).collect(),
                        permissions_boundary: found.boundary.as_ref().map(labelled),
                        ..PolicyLayers::default()
                    };
                    let verdicts = evaluate_principal(&found.principal, &layers, actions);
                    let policies = found
                        .identity
                        .iter()
                        .chain(&found.boundary)
                        .cloned()
                        .collect();
                    let arn = &found.principal.arn;
                    let mut evaluated =
                        subject(SubjectKind::Principal, arn, found.line, policies, verdicts);
                    evaluated.exempt = exempt.iter().any(|p| wildcard::matches(p, arn));
                    evaluated
                }
            });
        }
    }
    subjects
}

fn labelled(found: &FoundPolicy) -> LabelledPolicy<'_> {
    LabelledPolicy::new(found.address.as_str(), &found.policy.document)
}

/// What an SCP still allows a non-exempt principal that holds every identity permission, with
/// the SCP as the only one at its level beside `FullAWSAccess`: `not_allowed` where it denies.
fn evaluate_guardrail(scp: &FoundPolicy, actions: &[String]) -> Vec<ActionVerdict> {
    let principal = Principal::from_arn(HYPOTHETICAL_PRINCIPAL).expect("a valid role ARN");
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(
            FULL_IDENTITY_PERMISSIONS,
            &ALLOW_EVERYTHING,
        )],
        scp_levels: vec![ScpLevel {
            label: scp.address.as_str().into(),
            policies: vec![
                labelled(scp),
                LabelledPolicy::new(FULL_AWS_ACCESS, &ALLOW_EVERYTHING),
            ],
        }],
        ..PolicyLayers::default()
    };
    evaluate_principal(&principal, &layers, actions)
}

/// Base and head files are matched by name, so that the base may be checked out anywhere.
pub fn file_key(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Which way a change moved an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The action became more permissive: a new grant, a wider one, or a weaker guardrail.
    Regression,
    /// The action became less permissive.
    Fix,
}

/// One action of one subject whose verdict the change moved.
#[derive(Clone, Debug)]
pub struct Change<'s> {
    /// Regression or fix.
    pub kind: ChangeKind,
    /// The subject after the change, or before it when the change removed it.
    pub subject: &'s Subject,
    /// The verdict before the change (for an added subject: what stands where nothing is evaluated).
    pub before: Verdict,
    /// The verdict after the change (for a removed subject: what stands where nothing is evaluated).
    pub after: Verdict,
    /// The evaluation after the change, or before it when the change removed the subject.
    pub evidence: &'s ActionVerdict,
    /// Whether the subject is on both sides of the change.
    pub presence: Presence,
}

/// Whether the subject is on both sides of the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// On both sides.
    Changed,
    /// Only after the change.
    Added,
    /// Only before the change.
    Removed,
}

/// Compares head with base subject by subject (file name, address, kind) and action.
pub fn compare<'s>(base: &'s [Subject], head: &'s [Subject]) -> Vec<Change<'s>> {
    type Key<'k> = (&'k str, &'k str, SubjectKind);
    let key = |s: &'s Subject| -> Key<'s> { (&s.file_key, &s.address, s.kind) };
    let base_by_key: BTreeMap<Key, &Subject> = base.iter().map(|s| (key(s), s)).collect();
    let head_by_key: BTreeMap<Key, &Subject> = head.iter().map(|s| (key(s), s)).collect();
    let mut changes = Vec::new();
    for (k, after) in &head_by_key {
        let before = base_by_key.get(k).copied();
        let presence = match before {
            Some(_) => Presence::Changed,
            None => Presence::Added,
        };
        for verdict in &after.verdicts {
            let before_verdict = before
                .and_then(|b| b.verdicts.iter().find(|v| v.action == verdict.action))
                .map_or(after.kind.absent_verdict(), |v| v.verdict);
            let verdicts = (before_verdict, verdict.verdict);
            push_change(&mut changes, after, presence, verdicts, verdict);
        }
    }
    for (k, removed) in &base_by_key {
        if head_by_key.contains_key(k) {
            continue;
        }
        for verdict in &removed.verdicts {
            let verdicts = (verdict.verdict, removed.kind.absent_verdict());
            push_change(&mut changes, removed, Presence::Removed, verdicts, verdict);
        }
    }
    changes
}

impl Change<'_> {
    /// A regression fails the check when the action ends at or above the threshold; a guardrail
    /// that no longer denies always does, since the deny is what the organization relied on.
    pub fn fails(&self, threshold: Option<Verdict>) -> bool {
        self.kind == ChangeKind::Regression
            && threshold
                .is_some_and(|t| self.after >= t || self.subject.kind == SubjectKind::Guardrail)
    }
}

fn push_change<'s>(
    changes: &mut Vec<Change<'s>>,
    subject: &'s Subject,
    presence: Presence,
    (before, after): (Verdict, Verdict),
    evidence: &'s ActionVerdict,
) {
    if subject.exempt || before == after {
        return;
    }
    let kind = if after > before {
        ChangeKind::Regression
    } else {
        ChangeKind::Fix
    };
    changes.push(Change {
        kind,
        subject,
        before,
        after,
        evidence,
        presence,
    });
}

/// Every input of one `iam check` run, read and evaluated.
pub struct Evaluated {
    /// The head files that could be read.
    pub files: Vec<InputFile>,
    /// Files that could not be read, head and base alike; each is reported on its own.
    pub errors: Vec<InputError>,
    /// Every subject of the head files, evaluated.
    pub head: Vec<Subject>,
    /// The evaluated base files, when the check compares a change with its base.
    pub base: Option<Vec<Subject>>,
}

/// What `check` found under a threshold, for the renderers.
pub struct Outcome<'s> {
    /// The least permissive verdict that fails the check (`--fail-on`); `None` never fails.
    pub threshold: Option<Verdict>,
    /// The head files that could be read.
    pub files: &'s [InputFile],
    /// Files that could not be read, head and base alike.
    pub errors: &'s [InputError],
    /// Without a base: every subject of the inputs.
    pub subjects: &'s [Subject],
    /// With a base: what the change made worse or better.
    pub changes: Option<Vec<Change<'s>>>,
    /// Whether the check fails: a grant (or, with a base, a regression) at or above the
    /// threshold.
    pub failing: bool,
}

/// Reads and evaluates `paths` and, when `base_paths` is not empty, the base they are compared
/// with. `actions` are the protected actions; principals matching a pattern of `exempt` are
/// reported but never count as granting.
pub fn check(
    paths: &[PathBuf],
    base_paths: &[PathBuf],
    actions: &[String],
    exempt: &[String],
) -> Evaluated {
    let (files, mut errors) = load_all(paths);
    let head = evaluate(&files, actions, exempt);
    let base = (!base_paths.is_empty()).then(|| {
        let (base_files, base_errors) = load_all(base_paths);
        errors.extend(base_errors);
        evaluate(&base_files, actions, exempt)
    });
    Evaluated {
        files,
        errors,
        head,
        base,
    }
}

impl Evaluated {
    /// The outcome under `threshold` (`None`: nothing fails).
    pub fn outcome(&self, threshold: Option<Verdict>) -> Outcome<'_> {
        let changes = self.base.as_ref().map(|base| compare(base, &self.head));
        let failing = match &changes {
            Some(changes) => changes.iter().any(|c| c.fails(threshold)),
            None => self
                .head
                .iter()
                .any(|s| s.verdicts.iter().any(|v| s.grants(v.verdict, threshold))),
        };
        Outcome {
            threshold,
            files: &self.files,
            errors: &self.errors,
            subjects: &self.head,
            changes,
            failing,
        }
    }
}

/// Reads every file; a bad file is an error of its own and does not stop the others.
fn load_all(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match inputs::load(path) {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    (files, errors)
}
