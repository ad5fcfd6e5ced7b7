//! Evaluation of protected actions across identity policies, a permissions boundary and SCPs.

use std::borrow::Cow;
use std::fmt::{self, Write};

use serde::Serialize;

use crate::condition::{self, Truth};
use crate::policy::{Effect, PolicyDocument, Statement};
use crate::principal::{Principal, ScpExemption};
use crate::targets::{Reach, TargetKind};

/// The actions that can destroy or expose backups, checked unless configured otherwise.
pub const DEFAULT_PROTECTED_ACTIONS: [&str; 7] = [
    "ec2:DeleteSnapshot",
    "ec2:DeregisterImage",
    "ec2:ModifySnapshotAttribute",
    "ec2:ModifyImageAttribute",
    "rbin:DeleteRule",
    "rbin:UpdateRule",
    "rbin:UnlockRule",
];

/// [`DEFAULT_PROTECTED_ACTIONS`] as owned strings, for a config that names none.
pub fn default_protected_actions() -> Vec<String> {
    DEFAULT_PROTECTED_ACTIONS.map(String::from).to_vec()
}

/// An action to check, with the kind of resource it acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectedAction {
    /// As configured, such as `ec2:DeleteSnapshot`.
    pub name: String,
    /// The kind of resource it acts on, which decides how `Resource` patterns are matched.
    pub target: TargetKind,
    /// Lower-cased, since action names compare case-insensitively.
    key: String,
}

impl ProtectedAction {
    /// An action by its IAM name (`service:Action`, compared case-insensitively).
    pub fn new(name: &str) -> Self {
        let key = name.to_lowercase();
        ProtectedAction {
            name: name.to_owned(),
            target: TargetKind::of_action(&key),
            key,
        }
    }
}

/// How far a principal (or a document) grants an action, most permissive last, so that
/// `Ord` ranks them: several grants combine with `max`, limits (denies, boundary, SCP levels)
/// with `min`. A grant behind an unevaluated condition ranks below a grant on some resources,
/// because the former may not be usable at all while the latter surely is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No statement grants it, or a deny or a limiting layer stops it on every resource.
    NotAllowed,
    /// Granted only under a condition that cannot be decided statically.
    AllowedConditional,
    /// Granted unconditionally, but only on some of the action's target resources.
    AllowedRestrictedResource,
    /// Granted unconditionally on every target resource.
    Allowed,
}

impl Verdict {
    /// The verdict as JSON and the CLI spell it: `allowed`, `allowed_restricted_resource`, `allowed_conditional`, `not_allowed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotAllowed => "not_allowed",
            Verdict::AllowedConditional => "allowed_conditional",
            Verdict::AllowedRestrictedResource => "allowed_restricted_resource",
            Verdict::Allowed => "allowed",
        }
    }
}

/// Where a statement or an allowance comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Layer {
    /// The principal's identity policies (user, group, role; inline and managed).
    Identity,
    /// The permissions boundary.
    PermissionsBoundary,
    /// One level of the organization: the root, an OU, or the account.
    Scp {
        /// The level's label, such as `root (r-ab12)` or `OU Prod (ou-ab12-cdef3456)`.
        level: String,
    },
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Identity => f.write_str("identity policies"),
            Layer::PermissionsBoundary => f.write_str("the permissions boundary"),
            Layer::Scp { level } => write!(f, "SCPs at {level}"),
        }
    }
}

/// A policy document with the label evidence shows for it, such as
/// `managed policy arn:aws:iam::aws:policy/AdministratorAccess`.
#[derive(Clone, Debug)]
pub struct LabelledPolicy<'a> {
    /// How evidence names the policy.
    pub label: Cow<'a, str>,
    /// The parsed document.
    pub document: &'a PolicyDocument,
}

impl<'a> LabelledPolicy<'a> {
    /// A document with its label.
    pub fn new(label: impl Into<Cow<'a, str>>, document: &'a PolicyDocument) -> Self {
        LabelledPolicy {
            label: label.into(),
            document,
        }
    }
}

/// The SCPs attached at one level of the organization, such as `root` or `OU Prod`.
#[derive(Clone, Debug)]
pub struct ScpLevel<'a> {
    /// How evidence names the level, such as `root (r-ab12)`.
    pub label: Cow<'a, str>,
    /// Every SCP attached at this level; the level allows an action only if one of them does.
    pub policies: Vec<LabelledPolicy<'a>>,
}

/// Every policy that bears on a principal's requests.
#[derive(Clone, Debug, Default)]
pub struct PolicyLayers<'a> {
    /// User, group and role policies, inline and managed (default version), flattened.
    pub identity: Vec<LabelledPolicy<'a>>,
    /// The permissions boundary, when the principal has one; it must also allow.
    pub permissions_boundary: Option<LabelledPolicy<'a>>,
    /// From the root down to the account; each level must allow. Empty outside an organization.
    pub scp_levels: Vec<ScpLevel<'a>>,
    /// When set, `scp_levels` are ignored (see [`crate::scp_exemption`]).
    pub scp_exemption: Option<ScpExemption>,
}

/// One statement that grants, limits or (for a deny whose condition excludes the principal)
/// explicitly spares the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementEvidence {
    /// The layer the statement is in.
    pub layer: Layer,
    /// The policy's label.
    pub policy: String,
    /// The statement's position in its policy, from 0.
    pub statement_index: usize,
    /// The statement's `Sid`, when it has one.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// For an allow, what the statement grants by itself; for a deny, the most the action can
    /// still be (`not_allowed` blocks it, `allowed` means the deny does not apply).
    pub outcome: Verdict,
    /// Why the statement applies, such as `Action "ec2:*" matches; Resource "*" covers all
    /// snapshots`.
    pub reason: String,
}

impl fmt::Display for StatementEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} statement {}", self.policy, self.statement_index)?;
        match &self.sid {
            Some(sid) => write!(f, " (Sid {sid:?})"),
            None => Ok(()),
        }
    }
}

/// How far one layer's allow statements go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerAllowance {
    /// Identity, boundary, or one SCP level.
    pub layer: Layer,
    /// How far the layer's allow statements go for the action.
    pub verdict: Verdict,
}

/// The verdict for one action, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionVerdict {
    /// The action as configured, such as `ec2:DeleteSnapshot`.
    pub action: String,
    /// The kind of resource it acts on.
    pub target: TargetKind,
    /// The verdict after every layer and deny.
    pub verdict: Verdict,
    /// The layer that set the verdict: the grant's own (identity) limit, a deny's layer, or a
    /// boundary or SCP level that allows less.
    pub decisive_layer: Layer,
    /// Every allow statement that bears on the action, in every layer.
    pub grants: Vec<StatementEvidence>,
    /// Every deny statement that bears on the action, in every layer.
    pub guardrails: Vec<StatementEvidence>,
    /// Identity first, then the boundary and the SCP levels that apply.
    pub layer_allowances: Vec<LayerAllowance>,
    /// Why SCPs were not applied, when they were not.
    pub scp_exemption: Option<ScpExemption>,
    /// One line for humans.
    pub summary: String,
}

/// Evaluates `actions` for a known principal: principal condition keys are decided.
pub fn evaluate_principal(
    principal: &Principal,
    layers: &PolicyLayers,
    actions: &[String],
) -> Vec<ActionVerdict> {
    evaluate(Some(principal), layers, actions)
}

/// Evaluates one document as the only identity policy of an unknown principal.
pub fn evaluate_document(
    document: &PolicyDocument,
    label: &str,
    actions: &[String],
) -> Vec<ActionVerdict> {
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(label, document)],
        ..PolicyLayers::default()
    };
    evaluate(None, &layers, actions)
}

fn evaluate(
    principal: Option<&Principal>,
    layers: &PolicyLayers,
    actions: &[String],
) -> Vec<ActionVerdict> {
    actions
        .iter()
        .map(|name| evaluate_action(principal, layers, &ProtectedAction::new(name)))
        .collect()
}

fn evaluate_action(
    principal: Option<&Principal>,
    layers: &PolicyLayers,
    action: &ProtectedAction,
) -> ActionVerdict {
    let mut evidence = Evidence::default();
    let mut assess = |layer: Layer, policies: &[LabelledPolicy]| {
        let verdict = evidence.collect(&layer, policies, action, principal);
        LayerAllowance { layer, verdict }
    };
    let mut layer_allowances = vec![assess(Layer::Identity, &layers.identity)];
    if let Some(boundary) = &layers.permissions_boundary {
        layer_allowances.push(assess(
            Layer::PermissionsBoundary,
            std::slice::from_ref(boundary),
        ));
    }
    if layers.scp_exemption.is_none() {
        for level in &layers.scp_levels {
            let layer = Layer::Scp {
                level: level.label.to_string(),
            };
            layer_allowances.push(assess(layer, &level.policies));
        }
    }
    let Evidence { grants, guardrails } = evidence;

    let identity = layer_allowances[0].verdict;
    let verdict = layer_allowances
        .iter()
        .map(|a| a.verdict)
        .chain(guardrails.iter().map(|g| g.outcome))
        .fold(identity, Verdict::min);
    let limiting_deny = guardrails.iter().find(|g| g.outcome == verdict);
    let limiting_layer = layer_allowances.iter().find(|a| a.verdict == verdict);
    let (decisive_layer, limit) = match (identity == verdict, limiting_deny, limiting_layer) {
        (true, _, _) => (Layer::Identity, None),
        (false, Some(deny), _) => (deny.layer.clone(), Some(Limit::Deny(deny))),
        (false, None, Some(allowance)) => (allowance.layer.clone(), Some(Limit::Layer(allowance))),
        (false, None, None) => unreachable!("the verdict is the minimum of these"),
    };
    // The first of the most permissive identity grants (`max_by_key` keeps the last).
    let best_grant = grants
        .iter()
        .filter(|g| g.layer == Layer::Identity)
        .rev()
        .max_by_key(|g| g.outcome);
    let summary = summarise(action, verdict, best_grant, limit, layers.scp_exemption);
    ActionVerdict {
        action: action.name.clone(),
        target: action.target,
        verdict,
        decisive_layer,
        grants,
        guardrails,
        layer_allowances,
        scp_exemption: layers.scp_exemption,
        summary,
    }
}

#[derive(Default)]
struct Evidence {
    grants: Vec<StatementEvidence>,
    guardrails: Vec<StatementEvidence>,
}

impl Evidence {
    /// Records the layer's applicable statements; returns how far its allows go.
    fn collect(
        &mut self,
        layer: &Layer,
        policies: &[LabelledPolicy],
        action: &ProtectedAction,
        principal: Option<&Principal>,
    ) -> Verdict {
        let mut allowance = Verdict::NotAllowed;
        for policy in policies {
            for statement in &policy.document.statements {
                let Some((outcome, reason)) = assess_statement(statement, action, principal) else {
                    continue;
                };
                let evidence = StatementEvidence {
                    layer: layer.clone(),
                    policy: policy.label.to_string(),
                    statement_index: statement.index,
                    sid: statement.sid.clone(),
                    effect: statement.effect,
                    outcome,
                    reason,
                };
                match statement.effect {
                    Effect::Allow => {
                        allowance = allowance.max(outcome);
                        self.grants.push(evidence);
                    }
                    Effect::Deny => self.guardrails.push(evidence),
                }
            }
        }
        allowance
    }
}

/// What one statement does to the action, and why; `None` when it does not bear on it.
fn assess_statement(
    statement: &Statement,
    action: &ProtectedAction,
    principal: Option<&Principal>,
) -> Option<(Verdict, String)> {
    let actions = &statement.actions;
    let matching_pattern = actions.matching_pattern(&action.key);
    if actions.negated == matching_pattern.is_some() {
        return None;
    }
    let reach = statement.reach(action.target);
    let resources = &statement.resources;
    let extent = match (reach, resources.negated) {
        (Reach::None, _) => return None,
        (Reach::All, false) => "covers all",
        (Reach::Some, false) => "covers only some",
        (Reach::All, true) => "excludes none of the",
        (Reach::Some, true) => "excludes some",
    };
    // Writing to a String cannot fail; one buffer keeps evidence cheap at organization scale.
    let mut reason = String::with_capacity(160);
    let _ = match matching_pattern {
        Some(index) => write!(reason, "Action {:?} matches", actions.patterns[index]),
        None => write!(
            reason,
            "NotAction {} does not exclude {}",
            Quoted(&actions.patterns),
            action.name
        ),
    };
    let element = if resources.negated {
        "NotResource"
    } else {
        "Resource"
    };
    let _ = write!(
        reason,
        "; {element} {} {extent} {}",
        Quoted(&resources.patterns),
        action.target.plural_noun()
    );
    let truth = condition::evaluate(
        &statement.conditions,
        principal,
        statement.policy_variables,
        &mut reason,
    );
    let outcome = match (statement.effect, truth, reach) {
        (Effect::Allow, Truth::Fails, _) => return None,
        (Effect::Deny, Truth::Fails, _) => Verdict::Allowed,
        (_, Truth::Unknown, _) => Verdict::AllowedConditional,
        (_, Truth::Holds, Reach::Some) => Verdict::AllowedRestrictedResource,
        (Effect::Allow, Truth::Holds, _) => Verdict::Allowed,
        (Effect::Deny, Truth::Holds, _) => Verdict::NotAllowed,
    };
    Some((outcome, reason))
}

/// Patterns as evidence shows them: a single one as `"x"`, several as `["x", "y"]`.
struct Quoted<'p>(&'p [String]);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [single] => write!(f, "{single:?}"),
            several => write!(f, "{several:?}"),
        }
    }
}

/// What held the verdict below the identity grant.
enum Limit<'e> {
    Deny(&'e StatementEvidence),
    Layer(&'e LayerAllowance),
}

fn summarise(
    action: &ProtectedAction,
    verdict: Verdict,
    best_grant: Option<&StatementEvidence>,
    limit: Option<Limit>,
    scp_exemption: Option<ScpExemption>,
) -> String {
    let grant = match best_grant {
        Some(grant) => format!("granted by {grant}"),
        None => "no identity policy allows it".to_owned(),
    };
    let limit = match limit {
        None => String::new(),
        Some(Limit::Deny(deny)) => {
            let how = if deny.outcome == Verdict::NotAllowed {
                "denied"
            } else {
                "limited"
            };
            format!(", but {how} by {deny} in {}", deny.layer)
        }
        Some(Limit::Layer(allowance)) => {
            let how = match allowance.verdict {
                Verdict::NotAllowed => "do not allow it",
                Verdict::AllowedConditional => "allow it only conditionally",
                Verdict::AllowedRestrictedResource => "allow it only on some resources",
                Verdict::Allowed => unreachable!("an allowing layer does not limit"),
            };
            let subject = match &allowance.layer {
                Layer::PermissionsBoundary => "the permissions boundary's statements".to_owned(),
                layer => layer.to_string(),
            };
            format!(", but {subject} {how}")
        }
    };
    let exemption = match scp_exemption {
        Some(ScpExemption::ManagementAccount) => "; SCPs do not apply to the management account",
        Some(ScpExemption::ServiceLinkedRole) => "; SCPs do not apply to service-linked roles",
        None => "",
    };
    format!(
        "{}: {} ({grant}{limit}{exemption})",
        action.name,
        verdict.as_str()
    )
}
