//! ## What it checks
//! Every AWS Backup vault's access policy (`GetBackupVaultAccessPolicy`) denies
//! `backup:DeleteRecoveryPoint`, `backup:UpdateRecoveryPointLifecycle` and
//! `backup:PutBackupVaultAccessPolicy` to every principal outside `iam.exempt_principals`. The
//! policy is evaluated with snapguard's IAM engine for a principal of the account that is not
//! exempt and is allowed everything by its own policies: an explicit deny in a vault's policy
//! stops a request whatever the identity policies say. A deny that names principals one by one
//! (rather than `"*"` with an `aws:PrincipalArn` condition) is not relied upon, and neither is
//! one behind a condition snapguard cannot decide; a vault without an access policy fires.
//! (<https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html>)
//!
//! ## Why it matters
//! A vault access policy is the guardrail that sits with the backups: it holds even when an
//! administrator role, a new automation or a compromised key is allowed everything in IAM.
//! Without it, the only thing between those principals and the recovery points is a lock.
//!
//! ## Example
//! A vault whose policy denies only `backup:DeleteBackupVault` fires: `backup vault prod-vault's
//! access policy does not deny backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle,
//! backup:PutBackupVaultAccessPolicy to non-exempt principals`.
//!
//! ## Remediation
//! `snapguard remediate plan` proposes the merged policy for review (a manual-review step; it
//! never applies it). Add a statement (merge it into the existing policy) such as `{"Effect": "Deny", "Principal":
//! "*", "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
//! "backup:PutBackupVaultAccessPolicy"], "Resource": "*", "Condition": {"ArnNotLike":
//! {"aws:PrincipalArn": [<exempt principals>]}}}` with `aws backup put-backup-vault-access-policy`.

use serde_json::json;

use super::backup_vault_not_locked::vault_resource;
use crate::finding::Severity;
use crate::iam::account_principals::{full_permissions, principal, request_context};
use crate::registry::{Check, Family, Remediable, Rule};
use crate::scope::{Draft, Emitter, RegionScope};
use iam::{
    evaluate_principal, parse_policy_text, LabelledPolicy, PolicyDocument, PolicyLayers, Verdict,
};

/// The rule's registry entry; its documentation is this module's.
pub static RULE: Rule = Rule {
    id: "SG-BACKUP-002",
    name: "backup-vault-allows-recovery-point-deletion",
    family: Family::Backup,
    severity: Severity::High,
    remediable: Remediable::Never,
    summary: "a vault's access policy does not deny recovery point deletion, lifecycle changes and policy changes to non-exempt principals",
    source: include_str!("backup_vault_allows_recovery_point_deletion.rs"),
    configured: crate::registry::always,
    check: Check::Region(check),
};

/// The actions a vault's access policy must deny.
pub(crate) const VAULT_DENIED_ACTIONS: [&str; 3] = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
];

/// The principal the vault's policy is tried against: non-exempt, allowed everything.
const PROBE_ROLE: &str = "snapguard-vault-probe";

fn check(scope: &RegionScope, out: &mut Emitter) {
    let Some(vaults) = &scope.region.backup.backup_vaults else {
        return;
    };
    let ctx = scope.ctx;
    let probe_arn = format!("arn:aws:iam::{}:role/{PROBE_ROLE}", scope.account.id);
    // Every principal of the account is exempt: nobody is left to stop.
    if ctx.config.iam.is_exempt(&probe_arn) {
        return;
    }
    let Some(probe) = principal(&probe_arn, &[]) else {
        return;
    };
    let context = request_context(ctx, scope.account);
    let actions: Vec<String> = VAULT_DENIED_ACTIONS.map(String::from).to_vec();
    for vault in vaults {
        // Not collected: the reader or the live source reported the gap.
        let Some(access) = &vault.access_policy else {
            continue;
        };
        let name = &vault.backup_vault_name;
        let parsed = access.policy.as_deref().map(|text| {
            parse_policy_text(text)
                .and_then(|v| PolicyDocument::from_value(&v).map_err(|e| e.to_string()))
        });
        let (open, evidence) = match parsed {
            None => (actions.clone(), json!({})),
            Some(Err(error)) => (actions.clone(), json!({ "error": error })),
            Some(Ok(document)) => {
                let label = format!("vault access policy of {name}");
                let layers = PolicyLayers {
                    identity: vec![full_permissions(), LabelledPolicy::new(label, &document)],
                    ..PolicyLayers::default()
                };
                let verdicts = evaluate_principal(&probe, &layers, &actions, &context);
                let open: Vec<String> = verdicts
                    .iter()
                    .filter(|v| v.verdict != Verdict::NotAllowed)
                    .map(|v| v.action.clone())
                    .collect();
                (open, json!({ "verdicts": verdicts }))
            }
        };
        if open.is_empty() {
            continue;
        }
        let message = match access.policy {
            None => format!(
                "backup vault {name} has no access policy, so nothing in it denies {}",
                open.join(", ")
            ),
            Some(_) => format!(
                "backup vault {name}'s access policy does not deny {} to non-exempt principals",
                open.join(", ")
            ),
        };
        let mut evidence = evidence;
        evidence["access_policy"] = json!(access.policy);
        evidence["not_denied"] = json!(open);
        evidence["probe_principal"] = json!(probe_arn);
        out.emit(Draft::new(vault_resource(scope, vault), message).evidence(evidence));
    }
}
