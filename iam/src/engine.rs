//! Evaluation of protected actions across identity policies, a permissions boundary and SCPs.

use std::borrow::Cow;
use std::fmt::{self, Write};
use std::sync::OnceLock;

use serde::Serialize;

use crate::condition::{self, Decision, Facts, Truth};
use crate::context::RequestContext;
use crate::policy::{Effect, PolicyDocument, Statement};
use crate::principal::{Principal, ScpExemption};
use crate::targets::{extents_of, Bound, Domain, Extent, Reach, ResourceSet, TargetKind};

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

/// How far a principal (or a document) grants an action, most permissive last, so that `Ord`
/// ranks them. A grant behind an unevaluated condition ranks below a grant on some resources,
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

/// Evaluates `actions` for a known principal: principal condition keys are decided, and so are
/// the request keys that `context` settles.
pub fn evaluate_principal(
    principal: &Principal,
    layers: &PolicyLayers,
    actions: &[String],
    context: &RequestContext,
) -> Vec<ActionVerdict> {
    evaluate(Some(principal), layers, actions, context)
}

/// Evaluates one document as the only identity policy of an unknown principal.
pub fn evaluate_document(
    document: &PolicyDocument,
    label: &str,
    actions: &[String],
    context: &RequestContext,
) -> Vec<ActionVerdict> {
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(label, document)],
        ..PolicyLayers::default()
    };
    evaluate(None, &layers, actions, context)
}

fn evaluate(
    principal: Option<&Principal>,
    layers: &PolicyLayers,
    actions: &[String],
    context: &RequestContext,
) -> Vec<ActionVerdict> {
    // The resources in question, per kind: in the context's Regions, and in the principal's
    // account for resources whose ARN names it.
    let domains: [OnceLock<Domain>; TargetKind::COUNT] = Default::default();
    actions
        .iter()
        .map(|name| {
            let action = ProtectedAction::new(name);
            // Built only when a set must be explored.
            let domain = || {
                domains[action.target.index()].get_or_init(|| {
                    Domain::new(
                        action.target,
                        context.known_regions(),
                        principal.map(|p| p.account_id.as_str()),
                    )
                })
            };
            let facts = Facts {
                principal,
                context,
                target: action.target,
            };
            evaluate_action(&facts, layers, &action, &domain)
        })
        .collect()
}

fn evaluate_action<'d>(
    facts: &Facts,
    layers: &PolicyLayers,
    action: &ProtectedAction,
    domain: &dyn Fn() -> &'d Domain,
) -> ActionVerdict {
    // Identity first, then the boundary, then the SCP levels from the root down.
    let mut stack: Vec<(Layer, &[LabelledPolicy])> = vec![(Layer::Identity, &layers.identity)];
    if let Some(boundary) = &layers.permissions_boundary {
        stack.push((Layer::PermissionsBoundary, std::slice::from_ref(boundary)));
    }
    if layers.scp_exemption.is_none() {
        for level in &layers.scp_levels {
            let layer = Layer::Scp {
                level: level.label.to_string(),
            };
            stack.push((layer, &level.policies));
        }
    }

    let mut grants = Vec::new();
    let mut guardrails = Vec::new();
    // Per layer, the resources its allows grant surely and possibly; over all layers, what the
    // denies surely and possibly take away.
    let mut sure_by_layer = Vec::with_capacity(stack.len());
    let mut maybe_by_layer = Vec::with_capacity(stack.len());
    let mut sure_denied = Union::default();
    let mut maybe_denied = Union::default();
    for (layer, policies) in &stack {
        let mut sure = Union::default();
        let mut maybe = Union::default();
        for policy in policies.iter() {
            for statement in &policy.document.statements {
                let Some(Assessed {
                    truth,
                    outcome,
                    reason,
                    regions,
                }) = assess_statement(statement, action, facts)
                else {
                    continue;
                };
                // What a statement surely covers is its narrowest reading; what it may cover,
                // its widest.
                let (sure_set, maybe_set) = match statement.effect {
                    Effect::Allow => (&mut sure, &mut maybe),
                    Effect::Deny => (&mut sure_denied, &mut maybe_denied),
                };
                if truth != Truth::Fails {
                    // The resources it names, in the Regions its conditions allow.
                    let resources = |bound| {
                        let named = statement.resource_set(action.target, bound);
                        if regions.is_empty() {
                            return named;
                        }
                        let mut sets = vec![named];
                        sets.extend(regions.iter().cloned());
                        ResourceSet::all(sets)
                    };
                    if truth == Truth::Holds {
                        sure_set.add(resources(Bound::Lower));
                    }
                    maybe_set.add(resources(Bound::Upper));
                }
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
                    Effect::Allow => grants.push(evidence),
                    Effect::Deny => guardrails.push(evidence),
                }
            }
        }
        sure_by_layer.push(sure.into_set());
        maybe_by_layer.push(maybe.into_set());
    }

    // Each layer on its own, then the layers intersected one by one (a request is allowed only
    // when every layer allows that same request), then what the denies leave of that.
    let (sure_denied, maybe_denied) = (sure_denied.into_set(), maybe_denied.into_set());
    let constant = sure_by_layer
        .iter()
        .chain(&maybe_by_layer)
        .chain([&sure_denied, &maybe_denied])
        .all(|set| set.is_constant());
    let extents = if constant {
        // Every set is everything or nothing: no automaton is needed, nor any set built.
        let holds = |set: &ResourceSet| matches!(set, ResourceSet::Everything);
        let all = |sets: &[ResourceSet]| sets.iter().all(holds);
        let mut extents: Vec<Extent> = Vec::with_capacity(4 * stack.len());
        for (sure, maybe) in sure_by_layer.iter().zip(&maybe_by_layer) {
            extents.extend([Extent::of(holds(sure)), Extent::of(holds(maybe))]);
        }
        for k in 1..stack.len() {
            extents.push(Extent::of(all(&sure_by_layer[..=k])));
            extents.push(Extent::of(all(&maybe_by_layer[..=k])));
        }
        extents.push(Extent::of(all(&sure_by_layer) && !holds(&maybe_denied)));
        extents.push(Extent::of(all(&maybe_by_layer) && !holds(&sure_denied)));
        extents
    } else {
        let mut sets: Vec<ResourceSet> = Vec::with_capacity(4 * stack.len());
        for (sure, maybe) in sure_by_layer.iter().zip(&maybe_by_layer) {
            sets.push(sure.clone());
            sets.push(maybe.clone());
        }
        for k in 1..stack.len() {
            sets.push(ResourceSet::all(sure_by_layer[..=k].to_vec()));
            sets.push(ResourceSet::all(maybe_by_layer[..=k].to_vec()));
        }
        sets.push(ResourceSet::all(sure_by_layer).minus(maybe_denied));
        sets.push(ResourceSet::all(maybe_by_layer).minus(sure_denied));
        extents_of(domain(), &sets)
    };
    let verdict_at = |i: usize| verdict_of(extents[2 * i], extents[2 * i + 1]);

    let layer_allowances: Vec<LayerAllowance> = stack
        .iter()
        .enumerate()
        .map(|(i, (layer, _))| LayerAllowance {
            layer: layer.clone(),
            verdict: verdict_at(i),
        })
        .collect();
    // The verdict of layers 0..=k intersected, for each k.
    let mut running: Vec<Verdict> = vec![layer_allowances[0].verdict];
    running.extend((1..stack.len()).map(|k| verdict_at(stack.len() + k - 1)));
    let verdict = verdict_at(2 * stack.len() - 1);

    let identity = layer_allowances[0].verdict;
    let layers_verdict = running[running.len() - 1];
    let limit = if verdict == identity {
        None
    } else if verdict == layers_verdict {
        let k = running
            .iter()
            .position(|v| *v == verdict)
            .expect("the last layer's verdict is the verdict");
        Some(Limit::Layer {
            allowance: &layer_allowances[k],
            together: verdict < layer_allowances[k].verdict,
            noun: action.target.plural_noun(),
        })
    } else {
        // The denies took it lower than the layers did: the strongest of them says why.
        guardrails
            .iter()
            .filter(|g| g.outcome < layers_verdict)
            .min_by_key(|g| g.outcome)
            .map(Limit::Deny)
    };
    let decisive_layer = match &limit {
        None => Layer::Identity,
        Some(Limit::Deny(deny)) => deny.layer.clone(),
        Some(Limit::Layer { allowance, .. }) => allowance.layer.clone(),
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

/// A union of resource sets built one statement at a time, allocating only for sets that are
/// neither everything nor nothing.
#[derive(Default)]
struct Union<'s> {
    everything: bool,
    parts: Vec<ResourceSet<'s>>,
}

impl<'s> Union<'s> {
    fn add(&mut self, set: ResourceSet<'s>) {
        match set {
            ResourceSet::Everything => self.everything = true,
            ResourceSet::Nothing => {}
            _ if self.everything => {}
            other => self.parts.push(other),
        }
    }

    fn into_set(self) -> ResourceSet<'s> {
        if self.everything {
            ResourceSet::Everything
        } else {
            ResourceSet::any(self.parts)
        }
    }
}

/// The verdict for what is surely allowed (`sure`) and possibly allowed (`maybe`).
fn verdict_of(sure: Extent, maybe: Extent) -> Verdict {
    if sure.covers {
        Verdict::Allowed
    } else if sure.overlaps {
        Verdict::AllowedRestrictedResource
    } else if maybe.overlaps {
        Verdict::AllowedConditional
    } else {
        Verdict::NotAllowed
    }
}

/// One statement that bears on the action: what it does by itself, and why.
struct Assessed<'s> {
    truth: Truth,
    outcome: Verdict,
    reason: String,
    /// The Regions its `aws:RequestedRegion` conditions allow, when they restrict them.
    regions: Vec<ResourceSet<'s>>,
}

/// What one statement does to the action, and why; `None` when it does not bear on it.
fn assess_statement<'s>(
    statement: &'s Statement,
    action: &ProtectedAction,
    facts: &Facts,
) -> Option<Assessed<'s>> {
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
    let Decision {
        mut truth,
        mut regions,
    } = condition::evaluate(
        &statement.conditions,
        facts,
        statement.policy_variables,
        &mut reason,
    );
    // A statement AWS would reject: read on the worst case for backups.
    if let Some(rejection) = &statement.rejection {
        let _ = write!(reason, "; {}", rejection.reason);
        if statement.effect == Effect::Deny && rejection.deny_not_relied_upon {
            truth = Truth::Fails;
            regions.clear();
        }
    }
    // A statement limited to some Regions reaches only some of the resources.
    let reach = match reach {
        Reach::All if !regions.is_empty() => Reach::Some,
        reach => reach,
    };
    let outcome = match (statement.effect, truth, reach) {
        (Effect::Allow, Truth::Fails, _) => return None,
        (Effect::Deny, Truth::Fails, _) => Verdict::Allowed,
        (_, Truth::Unknown, _) => Verdict::AllowedConditional,
        (_, Truth::Holds, Reach::Some) => Verdict::AllowedRestrictedResource,
        (Effect::Allow, Truth::Holds, _) => Verdict::Allowed,
        (Effect::Deny, Truth::Holds, _) => Verdict::NotAllowed,
    };
    Some(Assessed {
        truth,
        outcome,
        reason,
        regions,
    })
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
    /// A boundary or SCP level: by itself (`together` false), or because what it allows and
    /// what the layers before it allow have too little in common.
    Layer {
        allowance: &'e LayerAllowance,
        together: bool,
        noun: &'static str,
    },
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
        Some(Limit::Layer {
            allowance,
            together,
            noun,
        }) => {
            let subject = match &allowance.layer {
                Layer::PermissionsBoundary => "the permissions boundary's statements".to_owned(),
                layer => layer.to_string(),
            };
            if together {
                let how = match verdict {
                    Verdict::NotAllowed => format!("allow it on none of the {noun}"),
                    Verdict::AllowedConditional => {
                        format!("allow it only conditionally on the {noun}")
                    }
                    _ => format!("allow it only on some of the {noun}"),
                };
                format!(", but {subject} {how} that the layers before them allow")
            } else {
                let how = match allowance.verdict {
                    Verdict::NotAllowed => "do not allow it",
                    Verdict::AllowedConditional => "allow it only conditionally",
                    Verdict::AllowedRestrictedResource => "allow it only on some resources",
                    Verdict::Allowed => unreachable!("an allowing layer does not limit"),
                };
                format!(", but {subject} {how}")
            }
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
