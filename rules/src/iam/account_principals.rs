//! The IAM view of one account, computed once and shared by SG-IAM-001..008: every user and
//! role with its verdict for each protected action, after boundaries and the SCPs on the
//! account's path through the organization.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::finding::Resource;
use crate::inventory::{Account, Organization, Tag};
use crate::registry::Rule;
use crate::scope::{AccountScope, Context, Draft, Emitter};
use iam::authorization_details::{PolicySource, SourcedDocument};
use iam::{
    evaluate_principal, scp_exemption, ActionVerdict, Harm, LabelledPolicy, OrgMembership,
    PolicyDocument, PolicyLayers, Principal, PrincipalKind, RequestContext, ScpLevel, SessionTags,
    Verdict,
};

/// The rule that reports a grant of each harm of the protected-action table ([`Harm`]).
/// Actions outside the table, added in `iam.protected_actions`, are SG-IAM-006's.
pub fn rule_of(harm: Harm) -> &'static Rule {
    match harm {
        Harm::DeleteSnapshots => &super::principal_can_delete_snapshots::RULE,
        Harm::DeregisterImages => &super::principal_can_deregister_images::RULE,
        Harm::ShareBackups => &super::principal_can_share_backups::RULE,
        Harm::WeakenRecycleBin => &super::principal_can_weaken_recycle_bin::RULE,
        Harm::DeleteRecoveryPoints => &super::principal_can_delete_recovery_points::RULE,
        Harm::WeakenBackupGuardrails => &super::principal_can_weaken_backup_guardrails::RULE,
    }
}

/// The id of the rule that reports a grant of `action`.
pub fn rule_for_action(action: &str) -> &'static str {
    Harm::of_action(action).map_or(
        super::principal_can_perform_protected_action::RULE.id,
        |harm| rule_of(harm).id,
    )
}

/// The protected actions in force that `rule_id` reports.
pub fn actions_of_rule(ctx: &Context, rule_id: &str) -> Vec<String> {
    ctx.config
        .protected_actions()
        .into_iter()
        .filter(|a| rule_for_action(a) == rule_id)
        .collect()
}

/// A user or role and what it can do to backups.
pub struct PrincipalVerdicts {
    /// `user` or `role`.
    pub kind: &'static str,
    /// The user's or role's name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// One verdict per protected action.
    pub verdicts: Vec<ActionVerdict>,
}

impl PrincipalVerdicts {
    /// The most permissive verdict among `actions`, with the verdicts behind it.
    pub fn strongest(&self, actions: &[String]) -> Option<(Verdict, Vec<&ActionVerdict>)> {
        let relevant: Vec<&ActionVerdict> = self
            .verdicts
            .iter()
            .filter(|v| actions.iter().any(|a| a.eq_ignore_ascii_case(&v.action)))
            .collect();
        let strongest = relevant.iter().map(|v| v.verdict).max()?;
        Some((strongest, relevant))
    }
}

/// SCP documents parsed once per evaluation, by policy id.
pub type ParsedScps = HashMap<String, PolicyDocument>;

/// Parses each collected SCP's document, keyed by policy id (`p-...`); an SCP whose document
/// does not parse is left out.
pub fn parse_scps(org: Option<&Organization>) -> ParsedScps {
    org.and_then(|o| o.service_control_policies.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|scp| {
            Some((
                scp.id.to_string(),
                PolicyDocument::from_value(&scp.content).ok()?,
            ))
        })
        .collect()
}

/// The SCP levels from the root down to `account_id`, or `None` when the organization's SCPs
/// or the account's place in it are unknown. A level with no SCP recorded is left out: AWS
/// keeps at least one SCP on every node, so an empty level means the recording is partial,
/// and leaving it out reports more, not less.
pub fn scp_levels<'a>(ctx: &'a Context, account_id: &str) -> Option<Vec<ScpLevel<'a>>> {
    let org = ctx.inventory.organization.as_ref()?;
    let scps = org.service_control_policies.as_ref()?;
    let path = org.path_to(account_id);
    if path.is_empty() {
        return None;
    }
    let levels = path
        .into_iter()
        .map(|(id, name)| {
            let policies: Vec<LabelledPolicy> = scps
                .iter()
                .filter(|scp| scp.target_ids.contains(&id))
                .filter_map(|scp| {
                    let document = ctx.scps().get(scp.id.as_str())?;
                    Some(LabelledPolicy::new(
                        format!("SCP {} ({})", scp.name, scp.id),
                        document,
                    ))
                })
                .collect();
            ScpLevel {
                label: Cow::Owned(format!("{name} ({id})")),
                policies,
            }
        })
        .filter(|level| !level.policies.is_empty())
        .collect();
    Some(levels)
}

/// Builds a principal from its ARN and tags.
pub fn principal(arn: &str, tags: &[Tag]) -> Option<Principal> {
    let mut principal = Principal::from_arn(arn).ok()?;
    principal.tags = tags
        .iter()
        .map(|t| (t.key.to_string(), t.value.to_string()))
        .collect();
    Some(principal)
}

/// Whether the SCPs on the account's path deny `action` to every non-exempt principal of the
/// account (a role with full identity permissions): `false` in the management account, where
/// SCPs do not apply, and when a deny depends on something undecided.
pub fn scps_deny(
    ctx: &Context,
    account: &Account,
    levels: &[ScpLevel],
    context: &RequestContext,
    action: &str,
) -> bool {
    let Some(probe) = principal(
        &format!("arn:aws:iam::{}:role/snapguard-scp-probe", account.id),
        &[],
    ) else {
        return false;
    };
    if scp_exemption(&probe, management_account(ctx)).is_some() || levels.is_empty() {
        return false;
    }
    let layers = PolicyLayers {
        identity: vec![full_permissions()],
        permissions_boundary: None,
        scp_levels: levels.to_vec(),
        scp_exemption: None,
    };
    let verdicts = evaluate_principal(&probe, &layers, &[action.to_owned()], context);
    verdicts.iter().all(|v| v.verdict == Verdict::NotAllowed)
}

/// The identity policy of a hypothetical principal that only SCPs (or a resource policy's
/// denies) can stop: every action on every resource.
pub fn full_permissions() -> LabelledPolicy<'static> {
    LabelledPolicy::new("full permissions (hypothetical)", &ALLOW_ALL)
}

/// Every action on every resource.
static ALLOW_ALL: LazyLock<PolicyDocument> = LazyLock::new(|| {
    PolicyDocument::from_value(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }))
    .expect("a fixed, valid policy")
});

/// What the scan knows of the requests made in `account`: the Regions it set out to read there
/// (the backups are in them; those it could not read count too), the time it collected the
/// data, and the organization, when recorded.
pub fn request_context(ctx: &Context, account: &Account) -> RequestContext {
    let mut regions: Vec<String> = account.regions.iter().map(|r| r.name.to_string()).collect();
    regions.extend(
        ctx.inventory
            .not_scanned
            .iter()
            .filter(|gap| gap.account_id == account.id)
            .filter_map(|gap| gap.region.clone()),
    );
    regions.sort();
    regions.dedup();
    let organization = match ctx.inventory.organization.as_ref().and_then(|o| o.id()) {
        Some(id) => OrgMembership::Member(id.to_owned()),
        // Without a recorded organization, whether the account belongs to one is unknown.
        None => OrgMembership::Unknown,
    };
    RequestContext {
        regions: Some(regions),
        now: Some(ctx.inventory.collected_at.0),
        organization,
        tag_keys: None,
    }
}

/// The management account's 12-digit id, when the organization was read.
pub fn management_account<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    ctx.inventory
        .organization
        .as_ref()
        .and_then(|o| o.management_account_id())
}

/// Every user and role of the account (but exempt principals and service-linked roles) with
/// its verdict for each protected action. Policies whose document is unknown (a managed policy
/// without its default version, an undescribed group) are left out here; the source reported
/// them as gaps.
pub fn evaluate_account(ctx: &Context, account: &Account) -> Vec<PrincipalVerdicts> {
    let Some(iam) = &account.iam else {
        return Vec::new();
    };
    let actions = ctx.config.protected_actions();
    let levels = scp_levels(ctx, &account.id).unwrap_or_default();
    let context = request_context(ctx, account);
    // Session tags callers in this account could pass, unless its SCPs deny sts:TagSession.
    let scps_deny_tag_session = scps_deny(ctx, account, &levels, &context, "sts:TagSession");
    let mut out = Vec::new();
    for found in iam.principals() {
        if ctx.config.iam.is_exempt(found.arn) {
            continue;
        }
        let Some(mut principal) = principal(found.arn, found.tags) else {
            continue;
        };
        if found.kind == PrincipalKind::Role {
            let session_tags = SessionTags::from_trust_policy(found.trust_policy);
            principal.session_tags = if scps_deny_tag_session {
                session_tags.without_callers_in(&account.id)
            } else {
                session_tags
            };
        }
        if principal.is_service_linked_role() {
            continue;
        }
        let kind = match found.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        };
        // Inline policies first, then managed ones, as the evidence has always listed them.
        let mut sources: Vec<&PolicySource> = found.identity.iter().collect();
        sources.sort_by_key(|s| matches!(s.policy, SourcedDocument::Managed { .. }));
        let parsed: Vec<(String, PolicyDocument)> = sources
            .into_iter()
            .filter_map(|source| identity_policy(kind, source))
            .collect();
        let boundary = found
            .boundary
            .as_ref()
            .and_then(|source| match &source.policy {
                SourcedDocument::Managed {
                    arn,
                    default: Some((name, document, _)),
                    ..
                } => Some((
                    format!("permissions boundary {name} ({arn})"),
                    PolicyDocument::from_value(document).ok()?,
                )),
                _ => None,
            });
        let layers = PolicyLayers {
            identity: parsed
                .iter()
                .map(|(label, d)| LabelledPolicy::new(label.as_str(), d))
                .collect(),
            permissions_boundary: boundary
                .as_ref()
                .map(|(label, d)| LabelledPolicy::new(label.as_str(), d)),
            scp_levels: levels.clone(),
            scp_exemption: scp_exemption(&principal, management_account(ctx)),
        };
        // A principal that can tag itself decides its own aws:PrincipalTag values.
        let principal = principal.with_self_tagging(&layers, &context);
        out.push(PrincipalVerdicts {
            kind,
            name: found.name.to_owned(),
            arn: found.arn.to_owned(),
            verdicts: evaluate_principal(&principal, &layers, &actions, &context),
        });
    }
    out
}

/// An identity policy with the label the scan's evidence gives it; `None` when its document is
/// unknown or not a policy (the source reports both).
fn identity_policy(kind: &str, source: &PolicySource) -> Option<(String, PolicyDocument)> {
    let (label, document) = match (&source.policy, source.group) {
        (SourcedDocument::Inline { name, document, .. }, None) => {
            (format!("{kind} inline policy {name}"), *document)
        }
        (SourcedDocument::Inline { name, document, .. }, Some(group)) => {
            (format!("group {group} inline policy {name}"), *document)
        }
        (
            SourcedDocument::Managed {
                arn,
                default: Some((name, document, _)),
                ..
            },
            _,
        ) => (format!("managed policy {name} ({arn})"), *document),
        (SourcedDocument::Managed { default: None, .. }, _) => return None,
    };
    Some((label, PolicyDocument::from_value(document).ok()?))
}

/// SG-IAM-001..004 and 006..008: one finding per principal that can perform any of the rule's
/// protected actions; a grant that holds only under a condition is a finding one severity
/// lower. The message says what the grant makes possible, as the table's [`Harm`] phrases it.
pub fn report_principals(scope: &AccountScope, rule: &Rule, out: &mut Emitter) {
    let actions = actions_of_rule(scope.ctx, rule.id);
    let what = Harm::ALL
        .into_iter()
        .find(|harm| rule_of(*harm).id == rule.id)
        .map_or("perform a protected action", Harm::phrase);
    if actions.is_empty() {
        return;
    }
    for principal in scope.principals() {
        let Some((verdict, verdicts)) = principal.strongest(&actions) else {
            continue;
        };
        if verdict == Verdict::NotAllowed {
            continue;
        }
        let granted: Vec<&&ActionVerdict> = verdicts
            .iter()
            .filter(|v| v.verdict != Verdict::NotAllowed)
            .collect();
        let names: Vec<&str> = granted.iter().map(|v| v.action.as_str()).collect();
        let how = match verdict {
            Verdict::Allowed => "",
            Verdict::AllowedRestrictedResource => " on some resources",
            _ => " under a condition",
        };
        let message = format!(
            "{} {} can {what}{how} ({}): {}",
            principal.kind,
            principal.name,
            names.join(", "),
            granted[0].summary
        );
        let resource = Resource {
            kind: format!("iam-{}", principal.kind),
            id: principal.name.clone(),
            arn: principal.arn.clone(),
        };
        let mut draft = Draft::new(resource, message)
            .evidence(serde_json::json!({ "verdict": verdict, "actions": verdicts }));
        draft.lowered = verdict == Verdict::AllowedConditional;
        out.emit(draft);
    }
}
