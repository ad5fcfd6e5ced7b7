//! ## What it checks
//! For each account, some service control policy on its path (the root, each OU, the account)
//! denies every protected action (`iam.protected_actions`, by default those of SG-IAM-001..004,
//! 007 and 008) to principals that are not exempt. snapguard checks this by evaluating a
//! hypothetical, non-exempt role with full permissions against the account's SCPs alone. SCPs
//! never apply to the management account, so it always fires there; an account with no
//! organization recorded fires too. A guardrail that denies only under a condition snapguard
//! cannot decide is reported one severity lower; one that denies only outside some Regions
//! denies nothing in the Regions the scan covers, where the backups are. A guardrail that spares
//! principals carrying a tag (`aws:PrincipalTag/<key>`) is no guardrail when the SCPs let
//! principals tag themselves with that key (`iam:TagRole`, `iam:TagUser`, `sts:TagSession`): it
//! fires at full severity, with each such escape path in the evidence.
//!
//! ## Why it matters
//! Identity policies drift: a new admin role, a broad managed policy, a break-glass user. An
//! SCP guardrail holds whatever the account's own IAM says, and it cannot be removed from
//! inside the account. It turns SG-IAM-001..004, 007 and 008 from a list to chase into a safety net.
//!
//! ## Example
//! An account under an OU whose only SCP is `FullAWSAccess` fires: `no SCP on the path of
//! account 111111111111 denies ec2:DeleteSnapshot, ... to non-exempt principals`. The finding's
//! evidence holds an SCP document that closes the gap, and lists the protected actions the
//! SCPs already deny (`guarded_actions`) next to those they do not (`unguarded_actions`); the
//! message counts the former.
//!
//! ## Remediation
//! Attach the suggested SCP (in the finding's evidence: deny the protected actions unless
//! `aws:PrincipalArn` is one of `iam.exempt_principals`) to the root or the OUs that hold the
//! accounts, after testing it on one OU. Keep workloads and backups out of the management
//! account. A guardrail that spares a tag must also deny setting that tag
//! (`iam:TagRole`, `iam:TagUser`, `sts:TagSession` with `aws:TagKeys`) to everyone but its
//! administrators.

use serde_json::json;

use super::account_principals::{
    full_permissions, management_account, principal, request_context, scp_levels,
};
use crate::finding::{Resource, Severity};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{AccountScope, Draft, Emitter};
use iam::{
    evaluate_principal, principal_tag_keys, scp_exemption, self_tagging, ActionVerdict,
    PolicyLayers, SessionTags, Verdict,
};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-IAM-005",
    name: "no-scp-guardrail",
    family: Family::Iam,
    severity: Severity::Medium,
    remediable: Remediable::Never,
    summary: "no SCP on an account's path (root, OUs, account) denies the protected actions to non-exempt principals",
    source: include_str!("no_scp_guardrail.rs"),
    configured: crate::registry::always,
    check: Check::Account(check),
};

/// The role snapguard imagines: full identity permissions, so only SCPs can stop it.
const PROBE_ROLE: &str = "snapguard-guardrail-probe";

fn check(scope: &AccountScope, out: &mut Emitter) {
    let ctx = scope.ctx;
    let account = scope.account.id.as_str();
    let organization = ctx.inventory.organization.as_ref();
    // Unknown SCPs or an unknown place in the tree are reported as not evaluated, not guessed.
    if organization.is_some_and(|o| o.service_control_policies.is_none()) {
        return;
    }
    let levels = match organization {
        Some(_) => match scp_levels(ctx, account) {
            Some(levels) => levels,
            None => return,
        },
        None => Vec::new(),
    };
    let Some(probe) = principal(&format!("arn:aws:iam::{account}:role/{PROBE_ROLE}"), &[]) else {
        return;
    };
    let exemption = scp_exemption(&probe, management_account(ctx));
    let layers = PolicyLayers {
        identity: vec![full_permissions()],
        permissions_boundary: None,
        scp_levels: levels,
        scp_exemption: exemption,
    };
    let actions = ctx.config.protected_actions();
    let context = request_context(ctx, scope.account);
    // An exception on a principal tag holds only if principals cannot give themselves the tag:
    // the ways the SCPs leave open are escape paths, and the tag is then the principal's choice.
    let escapes = match exemption {
        Some(_) => Vec::new(),
        None => self_tagging(
            &probe,
            &layers,
            &context,
            &principal_tag_keys(&layers),
            &TAGGING_ACTIONS,
        ),
    };
    let probe = if escapes.is_empty() {
        probe
    } else {
        let mut probe = probe;
        probe.session_tags = SessionTags::default().with_self_tagging(&escapes);
        probe
    };
    let verdicts = evaluate_principal(&probe, &layers, &actions, &context);
    let (unguarded, guarded): (Vec<&ActionVerdict>, Vec<&ActionVerdict>) = verdicts
        .iter()
        .partition(|v| v.verdict != Verdict::NotAllowed);
    let unguarded: Vec<&str> = unguarded.iter().map(|v| v.action.as_str()).collect();
    let guarded: Vec<&str> = guarded.iter().map(|v| v.action.as_str()).collect();
    let Some(strongest) = verdicts
        .iter()
        .map(|v| v.verdict)
        .max()
        .filter(|v| *v != Verdict::NotAllowed)
    else {
        return;
    };
    let why = if exemption.is_some() {
        "it is the management account, where SCPs never apply".to_owned()
    } else if organization.is_none() {
        "no organization was recorded for it, so no SCP is known to apply".to_owned()
    } else if !escapes.is_empty() {
        let mut keys: Vec<&str> = escapes.iter().map(|e| e.key.as_str()).collect();
        keys.dedup();
        let mut ways: Vec<&str> = escapes.iter().map(|e| e.action.as_str()).collect();
        ways.sort_unstable();
        ways.dedup();
        format!(
            "the SCPs on its path deny {} only to principals without the tag {}, and principals \
             can give themselves that tag ({} not denied)",
            unguarded.join(", "),
            keys.join(", "),
            ways.join(", ")
        )
    } else {
        format!("no SCP on its path denies {}", unguarded.join(", "))
    };
    let mut message = format!("account {account} has no SCP guardrail for its backups: {why}");
    if !guarded.is_empty() {
        message.push_str(&format!(
            " (its SCPs already deny {} of the {} protected actions)",
            guarded.len(),
            verdicts.len()
        ));
    }
    let resource = Resource {
        kind: "account".into(),
        id: account.to_owned(),
        arn: format!("arn:aws:organizations::{account}:account"),
    };
    let mut evidence = json!({
        "unguarded_actions": unguarded,
        "guarded_actions": guarded,
        "verdicts": verdicts,
        "suggested_scp": suggested_scp(&unguarded, &ctx.config.iam.exempt_principals),
    });
    if !escapes.is_empty() {
        evidence["escape_paths"] = json!(escapes);
    }
    let mut draft = Draft::new(resource, message).evidence(evidence);
    // Tagging oneself is a sure way around the exception, not a condition that may not hold.
    draft.lowered = strongest == Verdict::AllowedConditional && escapes.is_empty();
    out.emit(draft);
}

/// The actions that set a principal's tags: on a role, on a user, and on a role session.
const TAGGING_ACTIONS: [&str; 3] = ["iam:TagRole", "iam:TagUser", "sts:TagSession"];

/// The SCP that closes the gap: deny the actions unless the caller is an exempt principal.
fn suggested_scp(actions: &[&str], exempt: &[String]) -> serde_json::Value {
    let mut statement = json!({
        "Sid": "SnapguardProtectBackups",
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
    });
    if !exempt.is_empty() {
        statement["Condition"] = json!({ "ArnNotLike": { "aws:PrincipalArn": exempt } });
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}
