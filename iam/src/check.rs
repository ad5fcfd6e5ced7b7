//! `iam check`: evaluating what the inputs grant, and what a change made worse or better.
//!
//! [`check`] reads the head files (and the base files, with `--base`) and evaluates every
//! policy, principal and guardrail in them; [`Evaluated::outcome`] applies the `--fail-on`
//! threshold. Printing is the caller's.
//!
//! With a base, each head file is compared with its own base file ([`pair_files`]): by the
//! path relative to each side's root, the deepest folder that holds all of that side's files
//! (`head/prod/plan.json` with `base/prod/plan.json`, `infra/plan.json` with
//! `../base/infra/plan.json`), whatever the order of the arguments. When that pairs no file at
//! all, the two sides are laid out differently (`terraform/head/plan.json` against
//! `terraform/base/plan.json`), and files are paired by the longest common end of their paths
//! (at least the file name), where that is unambiguous. A head file without a base file is new:
//! everything it grants is a regression.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::json;

use crate::inputs::{self, FoundPolicy, InputError, InputFile, InputSubject};

mod scp_stack;
use crate::wildcard;
use crate::{
    evaluate_document, evaluate_principal, ActionVerdict, LabelledPolicy, Layer, PolicyDocument,
    PolicyLayers, Principal, RequestContext, ScpLevel, StatementEvidence, Verdict,
};
pub use scp_stack::{ScpFile, DEFAULT_LEVEL};

/// The identity a guardrail is tested against: it holds every permission and matches no
/// exemption, so an SCP stops it only by denying.
const HYPOTHETICAL_PRINCIPAL: &str =
    "arn:aws:iam::000000000000:role/snapguard-hypothetical-principal";
const FULL_IDENTITY_PERMISSIONS: &str = "full identity permissions";
/// The AWS-managed SCP attached by default, which a deny-list SCP sits beside.
const FULL_AWS_ACCESS: &str = "FullAWSAccess";
/// How an SCP found in an input is evaluated, its attachments being unknown.
const LONE_SCP: &str = "its attachments are not known: evaluated as the only SCP beside FullAWSAccess at one level (give SCP files with --scp LEVEL=FILE to check them at their levels)";

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
    /// The file as the comparison knows it ([`file_key`]): for a base subject, the head file its
    /// file is paired with, or its own path marked as base when it has none.
    pub file_key: String,
    /// Its address in the file: a Terraform resource address, a CloudFormation logical id and policy name, a principal ARN, or the file name for a bare document.
    pub address: String,
    /// Policy, principal or guardrail.
    pub kind: SubjectKind,
    /// The 1-based line where it starts in its file.
    pub line: usize,
    /// How each unknown value (a CloudFormation intrinsic, a Terraform value known only after apply) was read: as the worst case.
    pub unknowns: Vec<String>,
    /// What had to be assumed to evaluate it, such as where a guardrail is attached.
    pub assumptions: Vec<String>,
    /// Statements AWS would reject, each named, with how it was read.
    pub warnings: Vec<String>,
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

/// Evaluates every subject of the files, with the request facts of `context`.
pub fn evaluate(
    files: &[InputFile],
    actions: &[String],
    exempt: &[String],
    context: &RequestContext,
) -> Vec<Subject> {
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
                let warnings = policy_warnings(kind, &policies);
                Subject {
                    file: file.path.clone(),
                    file_key: file_key.clone(),
                    address: address.to_owned(),
                    kind,
                    line,
                    unknowns,
                    assumptions: Vec::new(),
                    warnings,
                    exempt: false,
                    verdicts,
                    policies,
                }
            };
            subjects.push(match input {
                InputSubject::Identity(found) => {
                    let verdicts =
                        evaluate_document(&found.policy.document, &found.address, actions, context);
                    subject(
                        SubjectKind::Policy,
                        &found.address,
                        found.policy.line,
                        vec![found.clone()],
                        verdicts,
                    )
                }
                InputSubject::Scp(found) => {
                    let mut guardrail = subject(
                        SubjectKind::Guardrail,
                        &found.address,
                        found.policy.line,
                        vec![found.clone()],
                        evaluate_guardrail(found, actions, context),
                    );
                    guardrail.assumptions.push(LONE_SCP.to_owned());
                    guardrail
                }
                InputSubject::Principal(found) => {
                    let layers = PolicyLayers {
                        identity: found.identity.iter().map(labelled).collect(),
                        permissions_boundary: found.boundary.as_ref().map(labelled),
                        ..PolicyLayers::default()
                    };
                    let principal = found.principal.clone().with_self_tagging(&layers, context);
                    let verdicts = evaluate_principal(&principal, &layers, actions, context);
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

/// The warnings of the evaluated policies, naming the policy within a principal.
fn policy_warnings(kind: SubjectKind, policies: &[FoundPolicy]) -> Vec<String> {
    policies
        .iter()
        .flat_map(|p| {
            p.policy.document.warnings.iter().map(move |w| match kind {
                SubjectKind::Principal => format!("{}: {w}", p.address),
                _ => w.clone(),
            })
        })
        .collect()
}

fn labelled(found: &FoundPolicy) -> LabelledPolicy<'_> {
    LabelledPolicy::new(found.address.as_str(), &found.policy.document)
}

/// What an SCP still allows a non-exempt principal that holds every identity permission, with
/// the SCP as the only one at its level beside `FullAWSAccess`: `not_allowed` where it denies.
fn evaluate_guardrail(
    scp: &FoundPolicy,
    actions: &[String],
    context: &RequestContext,
) -> Vec<ActionVerdict> {
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
    evaluate_principal(&principal, &layers, actions, context)
}

/// A head file's key in the comparison: its path as given.
pub fn file_key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The key of a base file that no head file is paired with.
fn unpaired_base_key(path: &Path) -> String {
    format!("base:{}", path.to_string_lossy())
}

/// A head file and the base file it is compared with; either may be absent (a new file, a
/// removed one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePair {
    /// The file after the change, as given; `None` when the change removed it.
    pub head: Option<PathBuf>,
    /// The file before the change, as given; `None` when the change added it.
    pub base: Option<PathBuf>,
}

/// The path made absolute (from the current folder) with `.` and `..` resolved as text, so
/// that `./a/../b/x.json` and `b/x.json` are one file.
fn normalized(path: &Path) -> Vec<String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut parts: Vec<String> = Vec::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts
}

/// The paths without repeats: a file given twice (however written) counts once.
pub fn distinct(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = Vec::new();
    let mut kept = Vec::new();
    for path in paths {
        let parts = normalized(path);
        if !seen.contains(&parts) {
            seen.push(parts);
            kept.push(path.clone());
        }
    }
    kept
}

/// The paths of one side relative to its root, the deepest folder holding all of them.
fn relative_to_root(paths: &[Vec<String>]) -> Vec<&[String]> {
    let folder = |p: &Vec<String>| p.len().saturating_sub(1);
    let mut root = paths.iter().map(folder).min().unwrap_or(0);
    if let Some(first) = paths.first() {
        for path in paths {
            root = root.min(first.iter().zip(path).take_while(|(a, b)| a == b).count());
        }
    }
    paths.iter().map(|p| &p[root..]).collect()
}

/// Pairs head files with base files (see the module's documentation). Returns every head file
/// with its base file or none, then every base file no head file is paired with; and an error
/// for each head file that two base files (or base file that two head files) match equally.
/// A path given twice on one side counts once.
pub fn pair_files(head: &[PathBuf], base: &[PathBuf]) -> (Vec<FilePair>, Vec<InputError>) {
    let with_parts = |paths: &[PathBuf]| -> Vec<(PathBuf, Vec<String>)> {
        distinct(paths)
            .into_iter()
            .map(|p| {
                let parts = normalized(&p);
                (p, parts)
            })
            .collect()
    };
    let (head, base) = (with_parts(head), with_parts(base));
    let mut base_of: Vec<Option<usize>> = vec![None; head.len()];
    let mut errors = Vec::new();

    let head_parts: Vec<Vec<String>> = head.iter().map(|(_, p)| p.clone()).collect();
    let base_parts: Vec<Vec<String>> = base.iter().map(|(_, p)| p.clone()).collect();
    let head_relative = relative_to_root(&head_parts);
    let base_relative = relative_to_root(&base_parts);
    let by_relative: HashMap<&[String], usize> = base_relative
        .iter()
        .enumerate()
        .map(|(j, r)| (*r, j))
        .collect();
    for (i, relative) in head_relative.iter().enumerate() {
        base_of[i] = by_relative.get(relative).copied();
    }

    if base_of.iter().all(Option::is_none) {
        // Laid out differently: the longest common end of the paths, longest first.
        let common_end = |a: &[String], b: &[String]| {
            a.iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| x == y)
                .count()
        };
        let mut levels: BTreeMap<std::cmp::Reverse<usize>, Vec<(usize, usize)>> = BTreeMap::new();
        for (i, h) in head_parts.iter().enumerate() {
            for (j, b) in base_parts.iter().enumerate() {
                let length = common_end(h, b);
                if length > 0 {
                    levels
                        .entry(std::cmp::Reverse(length))
                        .or_default()
                        .push((i, j));
                }
            }
        }
        let mut base_taken = vec![false; base.len()];
        let mut head_done = vec![false; head.len()];
        for candidates in levels.values() {
            let open: Vec<(usize, usize)> = candidates
                .iter()
                .copied()
                .filter(|&(i, j)| !head_done[i] && !base_taken[j])
                .collect();
            for &(i, j) in &open {
                let rivals: Vec<usize> = open.iter().filter(|c| c.0 == i).map(|c| c.1).collect();
                let contenders: Vec<usize> =
                    open.iter().filter(|c| c.1 == j).map(|c| c.0).collect();
                if rivals.len() == 1 && contenders.len() == 1 {
                    base_of[i] = Some(j);
                    base_taken[j] = true;
                } else if !head_done[i] {
                    let (matched, what) = if rivals.len() > 1 {
                        (
                            rivals.iter().map(|&r| &base[r].0).collect::<Vec<_>>(),
                            "base files",
                        )
                    } else {
                        (
                            contenders.iter().map(|&c| &head[c].0).collect::<Vec<_>>(),
                            "head files",
                        )
                    };
                    let listed: Vec<String> =
                        matched.iter().map(|p| p.display().to_string()).collect();
                    errors.push(InputError {
                        path: head[i].0.clone(),
                        line: None,
                        column: None,
                        message: format!(
                            "cannot tell which --base file this file is compared with: the {what} \
                             {} match equally well; expected the base files in the same folder \
                             layout as the head files, so that their paths relative to each \
                             side's root are the same",
                            listed.join(" and ")
                        ),
                    });
                }
                head_done[i] = true;
            }
        }
    }

    let mut pairs: Vec<FilePair> = head
        .iter()
        .zip(&base_of)
        .map(|((path, _), b)| FilePair {
            head: Some(path.clone()),
            base: b.map(|j| base[j].0.clone()),
        })
        .collect();
    for (j, (path, _)) in base.iter().enumerate() {
        if !base_of.contains(&Some(j)) {
            pairs.push(FilePair {
                head: None,
                base: Some(path.clone()),
            });
        }
    }
    (pairs, errors)
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

/// Compares head with base subject by subject (paired file, address, kind) and action.
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
    /// With a base: which head file is compared with which base file.
    pub pairs: Vec<FilePair>,
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
    /// With a base: which head file was compared with which base file.
    pub pairs: &'s [FilePair],
    /// Whether the check fails: a grant (or, with a base, a regression) at or above the
    /// threshold.
    pub failing: bool,
}

/// Reads and evaluates `paths` and, when `base_paths` is not empty, the base they are compared
/// with. `actions` are the protected actions; principals matching a pattern of `exempt` are
/// reported but never count as granting; `context` holds the request facts the caller knows;
/// `scps` are SCP files checked as guardrails at their levels (see [`ScpFile`]).
pub fn check(
    paths: &[PathBuf],
    base_paths: &[PathBuf],
    actions: &[String],
    exempt: &[String],
    context: &RequestContext,
    scps: &[ScpFile],
) -> Evaluated {
    let (paths, base_paths) = (&distinct(paths), &distinct(base_paths));
    let (mut files, mut errors) = load_all(paths);
    let mut head = evaluate(&files, actions, exempt, context);
    let mut pairs = Vec::new();
    // SCP files are guardrails on both sides of a change: they are not what it changes.
    let stack = (!scps.is_empty()).then(|| scp_stack::evaluate(scps, actions, context));
    let base = (!base_paths.is_empty()).then(|| {
        let (paired, pairing_errors) = pair_files(paths, base_paths);
        errors.extend(pairing_errors);
        let (base_files, base_errors) = load_all(base_paths);
        errors.extend(base_errors);
        let mut base = evaluate(&base_files, actions, exempt, context);
        for subject in &mut base {
            let head = paired
                .iter()
                .find(|p| p.base.as_deref() == Some(subject.file.as_path()))
                .and_then(|p| p.head.as_deref());
            subject.file_key = head.map_or_else(|| unpaired_base_key(&subject.file), file_key);
        }
        pairs = paired;
        // Paired with themselves: the same files on both sides.
        base.extend(stack.iter().flat_map(|s| s.subjects.iter().cloned()));
        base
    });
    if let Some(stack) = stack {
        files.extend(stack.files);
        errors.extend(stack.errors);
        head.extend(stack.subjects);
    }
    Evaluated {
        files,
        errors,
        head,
        base,
        pairs,
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
            pairs: &self.pairs,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    /// head -> base, as text; `-` for none.
    fn pairs(head: &[&str], base: &[&str]) -> Vec<(String, String)> {
        let (pairs, errors) = pair_files(&paths(head), &paths(base));
        assert!(errors.is_empty(), "{errors:?}");
        let text = |p: &Option<PathBuf>| p.as_ref().map_or("-".into(), |p| p.display().to_string());
        pairs
            .iter()
            .map(|p| (text(&p.head), text(&p.base)))
            .collect()
    }

    fn pair(head: &str, base: &str) -> (String, String) {
        (head.to_owned(), base.to_owned())
    }

    #[test]
    fn files_pair_by_their_path_relative_to_each_sides_root() {
        let head = ["head/prod/plan.json", "head/staging/plan.json"];
        let expected = [
            pair("head/prod/plan.json", "base/prod/plan.json"),
            pair("head/staging/plan.json", "base/staging/plan.json"),
        ];
        for base in [
            ["base/prod/plan.json", "base/staging/plan.json"],
            ["base/staging/plan.json", "base/prod/plan.json"],
        ] {
            let mut got = pairs(&head, &base);
            got.sort();
            assert_eq!(got, expected);
            let mut reversed = pairs(&[head[1], head[0]], &base);
            reversed.sort();
            assert_eq!(reversed, expected);
        }
        // A worktree of the base branch beside the checkout, and `.`/`..` in the paths.
        assert_eq!(
            pairs(
                &["infra/plan.json", "./cf/a.yaml"],
                &["../base/cf/a.yaml", "../base/x/../infra/plan.json"]
            ),
            [
                pair("infra/plan.json", "../base/x/../infra/plan.json"),
                pair("./cf/a.yaml", "../base/cf/a.yaml"),
            ]
        );
        // One file on each side: the file names.
        assert_eq!(
            pairs(&["policies/ci.json"], &["base/ci.json"]),
            [pair("policies/ci.json", "base/ci.json")]
        );
        assert_eq!(
            pairs(&["new.json"], &["old.json"]),
            [pair("new.json", "-"), pair("-", "old.json")]
        );
    }

    #[test]
    fn a_head_file_without_a_base_file_is_new() {
        assert_eq!(
            pairs(
                &[
                    "head/prod/plan.json",
                    "head/qa/plan.json",
                    "head/staging/plan.json"
                ],
                &[
                    "base/prod/plan.json",
                    "base/staging/plan.json",
                    "base/old/plan.json"
                ]
            ),
            [
                pair("head/prod/plan.json", "base/prod/plan.json"),
                pair("head/qa/plan.json", "-"),
                pair("head/staging/plan.json", "base/staging/plan.json"),
                pair("-", "base/old/plan.json"),
            ]
        );
        // The same with the new environment's folder making the roots differ in depth.
        assert_eq!(
            pairs(
                &["head/plan.json", "head/env/plan.json"],
                &["base/plan.json"]
            ),
            [
                pair("head/plan.json", "base/plan.json"),
                pair("head/env/plan.json", "-"),
            ]
        );
    }

    #[test]
    fn sides_laid_out_differently_pair_by_the_end_of_their_paths() {
        // Nothing pairs relative to the roots: the longest common end decides.
        assert_eq!(
            pairs(
                &["terraform/head/plan.json", "cloudformation/head/stack.yaml"],
                &["cloudformation/base/stack.yaml", "terraform/base/plan.json"]
            ),
            [
                pair("terraform/head/plan.json", "terraform/base/plan.json"),
                pair(
                    "cloudformation/head/stack.yaml",
                    "cloudformation/base/stack.yaml"
                ),
            ]
        );
        // A base that lacks a whole folder of the head.
        assert_eq!(
            pairs(
                &[
                    "infra/prod/plan.json",
                    "infra/staging/plan.json",
                    "cf/a.yaml"
                ],
                &[
                    "../base/infra/staging/plan.json",
                    "../base/infra/prod/plan.json"
                ]
            ),
            [
                pair("infra/prod/plan.json", "../base/infra/prod/plan.json"),
                pair("infra/staging/plan.json", "../base/infra/staging/plan.json"),
                pair("cf/a.yaml", "-"),
            ]
        );
        // Ambiguous: an error rather than a guess.
        let (_, errors) = pair_files(
            &paths(&["a/prod/plan.json", "a/staging/plan.json"]),
            &paths(&["b/x/plan.json", "b/y/z/plan.json"]),
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].to_string().starts_with(
                "a/prod/plan.json: cannot tell which --base file this file is compared with: the \
                 base files b/x/plan.json and b/y/z/plan.json match equally well"
            ),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn a_file_given_twice_counts_once() {
        assert_eq!(
            pairs(&["a/p.json", "./a/p.json"], &["b/p.json"]),
            [pair("a/p.json", "b/p.json")]
        );
    }
}
