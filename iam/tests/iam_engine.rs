//! Table tests of the IAM engine through its public API (test names start with `iam_` so
//! that `cargo test -p iam` selects them).

use iam::{
    evaluate_document, evaluate_principal, scp_exemption, LabelledPolicy, Layer, PolicyDocument,
    PolicyLayers, Principal, RequestContext, ScpExemption, ScpLevel, Verdict,
};
use serde_json::{json, Value};

use Verdict::{Allowed, AllowedConditional, AllowedRestrictedResource, NotAllowed};

const DELETE_SNAPSHOT: &str = "ec2:DeleteSnapshot";
const DEREGISTER_IMAGE: &str = "ec2:DeregisterImage";
const DELETE_RULE: &str = "rbin:DeleteRule";

fn document(statements: Value) -> PolicyDocument {
    PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": statements}))
        .expect("the test policy is valid")
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn full_aws_access() -> PolicyDocument {
    document(json!([allow("*", "*")]))
}

/// The common guardrail: nobody but BackupAdmin may delete snapshots.
fn deny_delete_unless_backup_admin(operator: &str) -> PolicyDocument {
    document(json!({
        "Sid": "ProtectSnapshots",
        "Effect": "Deny",
        "Action": ["ec2:DeleteSnapshot", "ec2:DeregisterImage"],
        "Resource": "*",
        "Condition": {operator: {"aws:PrincipalArn": "arn:aws:iam::*:role/BackupAdmin"}}
    }))
}

fn role(name: &str) -> Principal {
    Principal::from_arn(&format!("arn:aws:iam::111122223333:role/{name}")).expect("valid ARN")
}

/// A context that knows no request facts, as `iam check` without config.
fn unknown() -> RequestContext {
    RequestContext::default()
}

fn verdict_of(document: &PolicyDocument, action: &str) -> Verdict {
    evaluate_document(
        document,
        "policy under test",
        &[action.to_owned()],
        &unknown(),
    )[0]
    .verdict
}

fn principal_verdict(principal: &Principal, layers: &PolicyLayers, action: &str) -> Verdict {
    evaluate_principal(principal, layers, &[action.to_owned()], &unknown())[0].verdict
}

#[test]
fn iam_single_documents() {
    let cases: Vec<(&str, Value, &str, Verdict)> = vec![
        (
            "exact action",
            json!(allow("ec2:DeleteSnapshot", "*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "service wildcard",
            json!(allow("ec2:*", "*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "prefix wildcard",
            json!(allow("ec2:Delete*", "*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "other prefix",
            json!(allow("ec2:Describe*", "*")),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "question mark",
            json!(allow("ec2:DeleteSnaps?ot", "*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "question mark is one char",
            json!(allow("ec2:Delete?", "*")),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "case-insensitive action",
            json!(allow("EC2:deletesnapshot", "*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "other service",
            json!(allow("ec2:*", "*")),
            DELETE_RULE,
            NotAllowed,
        ),
        ("star", json!(allow("*", "*")), DELETE_RULE, Allowed),
        (
            "NotAction other service",
            json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "NotAction excludes it",
            json!({"Effect": "Allow", "NotAction": ["ec2:Delete*", "iam:*"], "Resource": "*"}),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "resource all snapshots",
            json!(allow("ec2:DeleteSnapshot", "arn:aws:ec2:*::snapshot/*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "resource all snapshots with account wildcard",
            json!(allow("ec2:DeleteSnapshot", "arn:aws:ec2:*:*:snapshot/*")),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "resource one region",
            json!(allow(
                "ec2:DeleteSnapshot",
                "arn:aws:ec2:us-east-1::snapshot/*"
            )),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "resource one snapshot",
            json!(allow(
                "ec2:*",
                "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0"
            )),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "resource of another type",
            json!(allow("ec2:*", "arn:aws:ec2:*:*:instance/*")),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "snapshot resource for an image action",
            json!(allow("ec2:*", "arn:aws:ec2:*::snapshot/*")),
            DEREGISTER_IMAGE,
            NotAllowed,
        ),
        (
            "resource of another service",
            json!(allow("*", "arn:aws:s3:::bucket")),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "rbin rules of any account",
            json!(allow("rbin:*", "arn:aws:rbin:*:*:rule/*")),
            DELETE_RULE,
            Allowed,
        ),
        (
            "rbin rules of one account",
            json!(allow("rbin:*", "arn:aws:rbin:*:111122223333:rule/*")),
            DELETE_RULE,
            AllowedRestrictedResource,
        ),
        (
            "NotResource excluding another service",
            json!({"Effect": "Allow", "Action": "ec2:*", "NotResource": "arn:aws:s3:::HRBucket"}),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "NotResource excluding one region",
            json!({"Effect": "Allow", "Action": "ec2:*", "NotResource": "arn:aws:ec2:us-east-1::snapshot/*"}),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "NotResource excluding every snapshot",
            json!({"Effect": "Allow", "Action": "ec2:*", "NotResource": "arn:aws:ec2:*::snapshot/*"}),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "conditional allow",
            json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
            DELETE_SNAPSHOT,
            AllowedConditional,
        ),
        (
            "principal condition of an unknown principal",
            json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:PrincipalTag/team": "backup"}}}),
            DELETE_SNAPSHOT,
            AllowedConditional,
        ),
        (
            "restricted and conditional allows: the restricted one is surer",
            json!([
                {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
                allow("ec2:DeleteSnapshot", "arn:aws:ec2:us-east-1::snapshot/*")
            ]),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "most permissive of several allows",
            json!([
                allow("ec2:DeleteSnapshot", "arn:aws:ec2:us-east-1::snapshot/*"),
                allow("ec2:*", "*")
            ]),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "unconditional deny of all targets wins",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "*"}]),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
        (
            "conditional deny weakens",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]),
            DELETE_SNAPSHOT,
            AllowedConditional,
        ),
        (
            "a deny outside one Region leaves that Region's snapshots allowed",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "deny of some resources weakens",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "ec2:DeleteSnapshot",
                   "Resource": "arn:aws:ec2:us-east-1::snapshot/*"}]),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "deny of another resource type does not weaken",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:instance/*"}]),
            DELETE_SNAPSHOT,
            Allowed,
        ),
        (
            "deny only grants nothing",
            json!({"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}),
            DELETE_SNAPSHOT,
            NotAllowed,
        ),
    ];
    for (name, statements, action, expected) in cases {
        assert_eq!(
            verdict_of(&document(statements), action),
            expected,
            "{name}"
        );
    }
}

#[test]
fn iam_statement_object_and_list_evaluate_alike() {
    let object =
        PolicyDocument::from_value(&json!({"Statement": allow("ec2:*", "*")})).expect("valid");
    let list =
        PolicyDocument::from_value(&json!({"Statement": [allow("ec2:*", "*")]})).expect("valid");
    assert_eq!(verdict_of(&object, DELETE_SNAPSHOT), Allowed);
    assert_eq!(verdict_of(&list, DELETE_SNAPSHOT), Allowed);
}

#[test]
fn iam_principal_condition_scp_denies_everyone_but_backup_admin() {
    let admin_policy = full_aws_access();
    let full_access = full_aws_access();
    for operator in ["ArnNotLike", "StringNotLike"] {
        let guardrail = deny_delete_unless_backup_admin(operator);
        let layers = PolicyLayers {
            identity: vec![LabelledPolicy::new(
                "managed policy AdministratorAccess",
                &admin_policy,
            )],
            scp_levels: vec![ScpLevel {
                label: "root".into(),
                policies: vec![
                    LabelledPolicy::new("SCP FullAWSAccess", &full_access),
                    LabelledPolicy::new("SCP ProtectBackups", &guardrail),
                ],
            }],
            ..PolicyLayers::default()
        };
        let other = principal_verdict(&role("Developer"), &layers, DELETE_SNAPSHOT);
        assert_eq!(other, NotAllowed, "{operator}: other roles are denied");
        let admin = principal_verdict(&role("BackupAdmin"), &layers, DELETE_SNAPSHOT);
        assert_eq!(admin, Allowed, "{operator}: BackupAdmin is not denied");
        let pathed =
            Principal::from_arn("arn:aws:iam::111122223333:role/ops/BackupAdmin").expect("valid");
        assert_eq!(
            principal_verdict(&pathed, &layers, DELETE_SNAPSHOT),
            NotAllowed
        );
        // Unrelated actions are untouched.
        assert_eq!(
            principal_verdict(&role("Developer"), &layers, DELETE_RULE),
            Allowed
        );

        let verdict = &evaluate_principal(
            &role("Developer"),
            &layers,
            &[DELETE_SNAPSHOT.into()],
            &unknown(),
        )[0];
        assert_eq!(
            verdict.decisive_layer,
            Layer::Scp {
                level: "root".into()
            }
        );
        assert_eq!(
            verdict.guardrails[0].sid.as_deref(),
            Some("ProtectSnapshots")
        );
        let spared = &evaluate_principal(
            &role("BackupAdmin"),
            &layers,
            &[DELETE_SNAPSHOT.into()],
            &unknown(),
        )[0];
        assert_eq!(
            spared.guardrails[0].outcome, Allowed,
            "the deny is recorded as not applying"
        );
        assert!(spared.guardrails[0]
            .reason
            .contains("condition excludes this principal"));
    }
    // With no principal known, the guardrail is only a conditional deny.
    let mut combined = full_aws_access();
    combined
        .statements
        .extend(deny_delete_unless_backup_admin("ArnNotLike").statements);
    assert_eq!(verdict_of(&combined, DELETE_SNAPSHOT), AllowedConditional);
}

#[test]
fn iam_principal_conditions_decide_allows_too() {
    let tagged = document(
        json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "backup"}}}),
    );
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(
            "role inline policy \"tagged\"",
            &tagged,
        )],
        ..PolicyLayers::default()
    };
    let mut member = role("Operator");
    assert_eq!(
        principal_verdict(&member, &layers, DELETE_SNAPSHOT),
        NotAllowed
    );
    member.tags.insert("team".into(), "backup".into());
    assert_eq!(
        principal_verdict(&member, &layers, DELETE_SNAPSHOT),
        Allowed
    );
}

#[test]
fn iam_permissions_boundary_intersects() {
    let admin = full_aws_access();
    let read_only = document(json!(allow("ec2:Describe*", "*")));
    let boundary_with_deny = document(json!([
        allow("*", "*"),
        {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "*"}
    ]));
    let region_boundary = document(json!(allow("ec2:*", "arn:aws:ec2:eu-west-1::snapshot/*")));
    let principal = role("App");
    let cases = [
        (
            &read_only,
            NotAllowed,
            "a boundary without the action removes it",
        ),
        (&boundary_with_deny, NotAllowed, "a boundary's deny denies"),
        (
            &region_boundary,
            AllowedRestrictedResource,
            "a narrower boundary restricts",
        ),
        (&admin, Allowed, "a broad boundary keeps the grant"),
    ];
    for (boundary, expected, name) in cases {
        let layers = PolicyLayers {
            identity: vec![LabelledPolicy::new(
                "managed policy AdministratorAccess",
                &admin,
            )],
            permissions_boundary: Some(LabelledPolicy::new("permissions boundary", boundary)),
            ..PolicyLayers::default()
        };
        let verdict =
            &evaluate_principal(&principal, &layers, &[DELETE_SNAPSHOT.into()], &unknown())[0];
        assert_eq!(verdict.verdict, expected, "{name}");
        if expected != Allowed {
            assert_eq!(verdict.decisive_layer, Layer::PermissionsBoundary, "{name}");
        }
    }
    // The boundary grants nothing by itself.
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new("role inline policy \"ro\"", &read_only)],
        permissions_boundary: Some(LabelledPolicy::new("permissions boundary", &admin)),
        ..PolicyLayers::default()
    };
    assert_eq!(
        principal_verdict(&principal, &layers, DELETE_SNAPSHOT),
        NotAllowed
    );
}

#[test]
fn iam_every_scp_level_must_allow() {
    let admin = full_aws_access();
    let full_access = full_aws_access();
    let rbin_only = document(json!(allow("rbin:*", "*")));
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new(
            "managed policy AdministratorAccess",
            &admin,
        )],
        scp_levels: vec![
            ScpLevel {
                label: "root".into(),
                policies: vec![LabelledPolicy::new("FullAWSAccess", &full_access)],
            },
            ScpLevel {
                label: "OU Prod".into(),
                policies: vec![LabelledPolicy::new("RbinOnly", &rbin_only)],
            },
            ScpLevel {
                label: "account 111122223333".into(),
                policies: vec![LabelledPolicy::new("FullAWSAccess", &full_access)],
            },
        ],
        ..PolicyLayers::default()
    };
    let principal = role("Admin");
    let verdict =
        &evaluate_principal(&principal, &layers, &[DELETE_SNAPSHOT.into()], &unknown())[0];
    assert_eq!(verdict.verdict, NotAllowed);
    assert_eq!(
        verdict.decisive_layer,
        Layer::Scp {
            level: "OU Prod".into()
        }
    );
    assert_eq!(verdict.layer_allowances.len(), 4);
    assert!(
        verdict.summary.contains("SCPs at OU Prod do not allow it"),
        "{}",
        verdict.summary
    );
    assert_eq!(principal_verdict(&principal, &layers, DELETE_RULE), Allowed);

    // A level with no policies at all allows nothing either.
    let empty_level = PolicyLayers {
        identity: vec![LabelledPolicy::new(
            "managed policy AdministratorAccess",
            &admin,
        )],
        scp_levels: vec![ScpLevel {
            label: "root".into(),
            policies: vec![],
        }],
        ..PolicyLayers::default()
    };
    assert_eq!(
        principal_verdict(&principal, &empty_level, DELETE_RULE),
        NotAllowed
    );
}

#[test]
fn iam_management_account_and_service_linked_roles_skip_scps() {
    let admin = full_aws_access();
    let deny_all =
        document(json!([allow("*", "*"), {"Effect": "Deny", "Action": "*", "Resource": "*"}]));
    let management_account = "111122223333";
    let linked = Principal::from_arn(
        "arn:aws:iam::444455556666:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
    )
    .expect("valid");
    let member = Principal::from_arn("arn:aws:iam::444455556666:role/Admin").expect("valid");
    let cases = [
        (
            role("Admin"),
            Some(ScpExemption::ManagementAccount),
            Allowed,
        ),
        (linked, Some(ScpExemption::ServiceLinkedRole), Allowed),
        (member, None, NotAllowed),
    ];
    for (principal, exemption, expected) in cases {
        assert_eq!(
            scp_exemption(&principal, Some(management_account)),
            exemption
        );
        let layers = PolicyLayers {
            identity: vec![LabelledPolicy::new(
                "managed policy AdministratorAccess",
                &admin,
            )],
            scp_levels: vec![ScpLevel {
                label: "root".into(),
                policies: vec![LabelledPolicy::new("DenyAll", &deny_all)],
            }],
            scp_exemption: exemption,
            ..PolicyLayers::default()
        };
        assert_eq!(
            principal_verdict(&principal, &layers, DELETE_SNAPSHOT),
            expected,
            "{}",
            principal.arn
        );
    }
}

#[test]
fn iam_evidence_is_serialisable_and_explains_the_verdict() {
    let policy = document(json!([
        {"Sid": "Everything", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    ]));
    let verdict = &evaluate_document(
        &policy,
        "user inline policy \"ops\"",
        &[DELETE_SNAPSHOT.into()],
        &unknown(),
    )[0];
    let value = serde_json::to_value(verdict).expect("serialisable");
    assert_eq!(value["verdict"], "allowed_conditional");
    assert_eq!(value["target"], "snapshot");
    assert_eq!(value["decisive_layer"], json!({"kind": "identity"}));
    assert_eq!(value["grants"][0]["sid"], "Everything");
    assert_eq!(value["grants"][0]["outcome"], "allowed");
    assert_eq!(
        value["grants"][0]["reason"],
        "Action \"ec2:*\" matches; Resource \"*\" covers all snapshots"
    );
    assert_eq!(value["guardrails"][0]["statement_index"], 1);
    assert_eq!(value["guardrails"][0]["effect"], "Deny");
    assert_eq!(value["guardrails"][0]["outcome"], "allowed_conditional");
    assert_eq!(
        verdict.summary,
        "ec2:DeleteSnapshot: allowed_conditional (granted by user inline policy \"ops\" statement 0 \
         (Sid \"Everything\"), but limited by user inline policy \"ops\" statement 1 in identity policies)"
    );
    let not_granted = &evaluate_document(&policy, "p", &[DELETE_RULE.into()], &unknown())[0];
    assert_eq!(
        not_granted.summary,
        "rbin:DeleteRule: not_allowed (no identity policy allows it)"
    );
}

#[test]
fn iam_default_actions_are_the_harm_table() {
    let actions = iam::default_protected_actions();
    let table: usize = iam::Harm::ALL.iter().map(|h| h.actions().len()).sum();
    assert_eq!(actions.len(), table);
    assert!(actions.iter().any(|a| a == "backup:DeleteRecoveryPoint"));
    let verdicts = evaluate_document(&full_aws_access(), "p", &actions, &unknown());
    assert!(verdicts.iter().all(|v| v.verdict == Allowed));
    // A recovery point is named by a backup ARN or, for EBS and EC2, by its snapshot or image
    // ARN: a grant on one kind reaches only some recovery points; on all three, every one.
    let verdict = |resources: serde_json::Value, action: &str| {
        let statement = json!({"Effect": "Allow", "Action": "backup:*", "Resource": resources});
        verdict_of(&document(json!([statement])), action)
    };
    assert_eq!(
        verdict(
            json!("arn:aws:backup:*:*:recovery-point:*"),
            "backup:DeleteRecoveryPoint"
        ),
        AllowedRestrictedResource
    );
    assert_eq!(
        verdict(
            json!("arn:aws:ec2:*::snapshot/*"),
            "backup:UpdateRecoveryPointLifecycle"
        ),
        AllowedRestrictedResource
    );
    assert_eq!(
        verdict(
            json!([
                "arn:aws:backup:*:*:recovery-point:*",
                "arn:aws:ec2:*::snapshot/*",
                "arn:aws:ec2:*::image/*"
            ]),
            "backup:DeleteRecoveryPoint"
        ),
        Allowed
    );
    // A vault's ARN is no recovery point, and a recovery point's is no vault.
    assert_eq!(
        verdict(
            json!("arn:aws:backup:*:*:backup-vault:*"),
            "backup:DeleteRecoveryPoint"
        ),
        NotAllowed
    );
    assert_eq!(
        verdict(
            json!("arn:aws:backup:*:*:backup-vault:*"),
            "backup:PutBackupVaultLockConfiguration"
        ),
        Allowed
    );
    assert_eq!(
        verdict(
            json!("arn:aws:backup:us-east-1:*:backup-vault:prod_*"),
            "backup:DeleteBackupVault"
        ),
        AllowedRestrictedResource
    );
    assert_eq!(
        verdict(
            json!("arn:aws:backup:*:*:recovery-point:*"),
            "backup:DeleteBackupPlan"
        ),
        NotAllowed
    );
    // An action with no resource type is granted only by "*".
    assert_eq!(
        verdict(
            json!("arn:aws:backup:*:*:backup-vault:*"),
            "backup:UpdateRegionSettings"
        ),
        AllowedRestrictedResource
    );
    let dlm = document(json!([allow("dlm:*", "arn:aws:dlm:*:*:policy/*")]));
    assert_eq!(verdict_of(&dlm, "dlm:DeleteLifecyclePolicy"), Allowed);
}

#[test]
fn iam_layers_intersect_on_resources() {
    const UPDATE_RULE: &str = "rbin:UpdateRule";
    let in_region = |action: &str, region: &str| {
        let arn = match action {
            UPDATE_RULE => format!("arn:aws:rbin:{region}:*:rule/*"),
            _ => format!("arn:aws:ec2:{region}::snapshot/*"),
        };
        document(json!(allow(action, &arn)))
    };
    let everything = full_aws_access();
    let eu_rules = in_region(UPDATE_RULE, "eu-west-1");
    let us_rules = in_region(UPDATE_RULE, "us-east-1");
    let us_snapshots = in_region(DELETE_SNAPSHOT, "us-east-1");
    let us_star_snapshots = in_region(DELETE_SNAPSHOT, "us-*");
    let principal = role("svc");
    // (name, identity, boundary, SCP allow-list at one level, action, expected)
    type Case<'d> = (
        &'static str,
        &'d PolicyDocument,
        Option<&'d PolicyDocument>,
        Option<&'d PolicyDocument>,
        &'static str,
        Verdict,
    );
    let cases: Vec<Case> = vec![
        (
            "identity and boundary on disjoint Regions",
            &eu_rules,
            Some(&us_rules),
            None,
            UPDATE_RULE,
            NotAllowed,
        ),
        (
            "identity and boundary on the same Region",
            &us_rules,
            Some(&us_rules),
            None,
            UPDATE_RULE,
            AllowedRestrictedResource,
        ),
        (
            "boundary narrower than identity",
            &everything,
            Some(&us_snapshots),
            None,
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "SCP allow-list on another Region",
            &eu_rules,
            None,
            Some(&us_rules),
            UPDATE_RULE,
            NotAllowed,
        ),
        (
            "SCP allow-list wider than identity",
            &us_snapshots,
            None,
            Some(&us_star_snapshots),
            DELETE_SNAPSHOT,
            AllowedRestrictedResource,
        ),
        (
            "boundary and SCP each cover a part, no common part",
            &everything,
            Some(&eu_rules),
            Some(&us_rules),
            UPDATE_RULE,
            NotAllowed,
        ),
    ];
    for (name, identity, boundary, scp, action, expected) in cases {
        let layers = PolicyLayers {
            identity: vec![LabelledPolicy::new("identity", identity)],
            permissions_boundary: boundary.map(|b| LabelledPolicy::new("boundary", b)),
            scp_levels: scp
                .map(|scp| ScpLevel {
                    label: "OU Workloads".into(),
                    policies: vec![LabelledPolicy::new("allow-list", scp)],
                })
                .into_iter()
                .collect(),
            ..PolicyLayers::default()
        };
        let verdict = &evaluate_principal(&principal, &layers, &[action.into()], &unknown())[0];
        assert_eq!(verdict.verdict, expected, "{name}: {}", verdict.summary);
    }

    // The summary says that it is the intersection that allows nothing.
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new("role inline policy svc", &eu_rules)],
        permissions_boundary: Some(LabelledPolicy::new("SvcBoundary", &us_rules)),
        ..PolicyLayers::default()
    };
    let verdict = &evaluate_principal(&principal, &layers, &[UPDATE_RULE.into()], &unknown())[0];
    assert_eq!(verdict.decisive_layer, Layer::PermissionsBoundary);
    assert_eq!(
        verdict.summary,
        "rbin:UpdateRule: not_allowed (granted by role inline policy svc statement 0, but the \
         permissions boundary's statements allow it on none of the Recycle Bin rules that the \
         layers before them allow)"
    );
}

#[test]
fn iam_statements_unite_and_denies_subtract_exactly() {
    let cases: Vec<(&str, Value, Verdict)> = vec![
        (
            "complementary allows together cover every snapshot",
            json!([
                allow("ec2:DeleteSnapshot", "arn:aws:ec2:us-*::snapshot/*"),
                {"Effect": "Allow", "Action": "ec2:DeleteSnapshot", "NotResource": "arn:aws:ec2:us-*::snapshot/*"}
            ]),
            Allowed,
        ),
        (
            "two partial denies together deny every snapshot",
            json!([
                allow("*", "*"),
                {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "arn:aws:ec2:us-*::snapshot/*"},
                {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "NotResource": "arn:aws:ec2:us-*::snapshot/*"}
            ]),
            NotAllowed,
        ),
        (
            "a conditional deny of one Region leaves the others surely allowed",
            json!([
                allow("*", "*"),
                {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "arn:aws:ec2:us-east-1::snapshot/*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
            ]),
            AllowedRestrictedResource,
        ),
        (
            "an unconditional deny of what a conditional allow grants",
            json!([
                {"Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:us-east-1::snapshot/*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
                {"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "arn:aws:ec2:us-*::snapshot/*"}
            ]),
            NotAllowed,
        ),
    ];
    for (name, statements, expected) in cases {
        assert_eq!(
            verdict_of(&document(statements), DELETE_SNAPSHOT),
            expected,
            "{name}"
        );
    }
}

/// What a scan knows: it collected in us-east-1 on 2026-11-25, in organization o-a1b2c3d4e5.
fn scanned_in(regions: &[&str]) -> RequestContext {
    RequestContext {
        regions: Some(regions.iter().map(|r| r.to_string()).collect()),
        now: Some(1_795_586_400), // 2026-11-25T06:00:00Z
        organization: iam::OrgMembership::Member("o-a1b2c3d4e5".into()),
        tag_keys: None,
    }
}

#[test]
fn iam_the_request_context_decides_conditions() {
    let admin = full_aws_access();
    // The IAM console's "Revoke active sessions" inline policy.
    let revoke_older_sessions =
        document(json!({"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-11-20T09:00:00.000Z"}}}));
    // The Organizations user guide's region allow-list SCP, shortened.
    let region_allow_list = document(json!({"Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"], "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}));
    let deny_outside_org = document(json!({"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}));
    let deny_other_accounts = document(json!({"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}));
    let contradictory_deny = document(json!({"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ops"},
                      "StringNotEquals": {"aws:PrincipalTag/team": "ops"}}}));
    let expired_grant = document(json!({"Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}));
    let home_region_grant = document(
        json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}),
    );
    let own_rules = document(json!(allow("rbin:*", "arn:aws:rbin:*:111122223333:rule/*")));
    let standalone = RequestContext {
        organization: iam::OrgMembership::Standalone,
        ..unknown()
    };
    let principal = role("ops-admin");
    // (name, identity policies, SCP at the root, action, context, expected)
    type Case<'d> = (
        &'static str,
        Vec<&'d PolicyDocument>,
        Option<&'d PolicyDocument>,
        &'static str,
        RequestContext,
        Verdict,
    );
    let cases: Vec<Case> = vec![
        (
            "sessions revoked before a past instant: new ones are not",
            vec![&admin, &revoke_older_sessions],
            None,
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1"]),
            Allowed,
        ),
        (
            "sessions revoked, time unknown",
            vec![&admin, &revoke_older_sessions],
            None,
            DELETE_SNAPSHOT,
            unknown(),
            AllowedConditional,
        ),
        (
            "region allow-list, backups in allowed Regions",
            vec![&admin],
            Some(&region_allow_list),
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1"]),
            Allowed,
        ),
        (
            "region allow-list, Recycle Bin rules in allowed Regions",
            vec![&admin],
            Some(&region_allow_list),
            DELETE_RULE,
            scanned_in(&["us-east-1", "eu-west-1"]),
            Allowed,
        ),
        (
            "region allow-list, some backups outside",
            vec![&admin],
            Some(&region_allow_list),
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1", "ap-south-1"]),
            AllowedRestrictedResource,
        ),
        (
            "region allow-list, all backups outside",
            vec![&admin],
            Some(&region_allow_list),
            DELETE_SNAPSHOT,
            scanned_in(&["ap-south-1"]),
            NotAllowed,
        ),
        (
            "region allow-list, Regions unknown: the allowed Regions stay open",
            vec![&admin],
            Some(&region_allow_list),
            DELETE_SNAPSHOT,
            unknown(),
            AllowedRestrictedResource,
        ),
        (
            "grant in the Region of the backups",
            vec![&home_region_grant],
            None,
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1"]),
            Allowed,
        ),
        (
            "grant in another Region",
            vec![&home_region_grant],
            None,
            DELETE_SNAPSHOT,
            scanned_in(&["eu-west-1"]),
            NotAllowed,
        ),
        (
            "deny outside the organization, inside it",
            vec![&admin],
            Some(&deny_outside_org),
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1"]),
            Allowed,
        ),
        (
            "deny outside the organization, standalone account",
            vec![&admin],
            Some(&deny_outside_org),
            DELETE_SNAPSHOT,
            standalone,
            NotAllowed,
        ),
        (
            "deny outside the organization, organization unknown",
            vec![&admin],
            Some(&deny_outside_org),
            DELETE_SNAPSHOT,
            unknown(),
            AllowedConditional,
        ),
        (
            "deny on other accounts' resources",
            vec![&admin],
            Some(&deny_other_accounts),
            DELETE_SNAPSHOT,
            unknown(),
            Allowed,
        ),
        (
            "contradictory deny never applies",
            vec![&admin, &contradictory_deny],
            None,
            DELETE_SNAPSHOT,
            unknown(),
            Allowed,
        ),
        (
            "grant that expired",
            vec![&expired_grant],
            None,
            DELETE_SNAPSHOT,
            scanned_in(&["us-east-1"]),
            NotAllowed,
        ),
        (
            "rules of the principal's own account are all its rules",
            vec![&own_rules],
            None,
            DELETE_RULE,
            unknown(),
            Allowed,
        ),
    ];
    let full_access = full_aws_access();
    for (name, identity, scp, action, context, expected) in cases {
        let layers = PolicyLayers {
            identity: identity
                .into_iter()
                .map(|d| LabelledPolicy::new("identity", d))
                .collect(),
            scp_levels: scp
                .map(|scp| ScpLevel {
                    label: "root".into(),
                    policies: vec![
                        LabelledPolicy::new("FullAWSAccess", &full_access),
                        LabelledPolicy::new("guardrail", scp),
                    ],
                })
                .into_iter()
                .collect(),
            ..PolicyLayers::default()
        };
        let verdict = &evaluate_principal(&principal, &layers, &[action.into()], &context)[0];
        assert_eq!(verdict.verdict, expected, "{name}: {}", verdict.summary);
    }

    // The evidence says which fact decided.
    let layers = PolicyLayers {
        identity: vec![
            LabelledPolicy::new("AdministratorAccess", &admin),
            LabelledPolicy::new("AWSRevokeOlderSessions", &revoke_older_sessions),
        ],
        ..PolicyLayers::default()
    };
    let verdict = &evaluate_principal(
        &principal,
        &layers,
        &[DELETE_SNAPSHOT.into()],
        &scanned_in(&["us-east-1"]),
    )[0];
    assert_eq!(
        verdict.guardrails[0].reason,
        "Action \"*\" matches; Resource \"*\" covers all snapshots; condition does not hold: \
         aws:TokenIssueTime DateLessThan [\"2026-11-20T09:00:00.000Z\"] (a session started at \
         2026-11-25T06:00:00Z)"
    );
}

#[test]
fn iam_session_tags_override_role_tags() {
    let tagged = document(
        json!({"Effect": "Allow", "Action": "ec2:DeleteSnapshot", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "backup"}}}),
    );
    let layers = PolicyLayers {
        identity: vec![LabelledPolicy::new("role inline policy tagged", &tagged)],
        ..PolicyLayers::default()
    };
    let trust = |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]});
    let partner = "arn:aws:iam::444455556666:root";
    // (name, trust policy, expected for a role tagged Team=dev)
    let cases: Vec<(&str, Option<Value>, Verdict)> = vec![
        (
            "no sts:TagSession: the role's tag decides",
            Some(trust(
                json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            )),
            NotAllowed,
        ),
        (
            "a caller may pass any session tag",
            Some(trust(
                json!({"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"]}),
            )),
            AllowedConditional,
        ),
        (
            "a caller may pass other keys only",
            Some(trust(
                json!({"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"],
                              "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "Project*"}}}),
            )),
            NotAllowed,
        ),
        (
            "a caller may pass Team among others",
            Some(trust(
                json!({"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"],
                              "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["Project", "team"]}}}),
            )),
            AllowedConditional,
        ),
        (
            "the trust policy was not recorded",
            None,
            AllowedConditional,
        ),
    ];
    for (name, trust_policy, expected) in cases {
        let mut deployer = role("deployer");
        deployer.tags.insert("Team".into(), "dev".into());
        deployer.session_tags = iam::SessionTags::from_trust_policy(trust_policy.as_ref());
        assert_eq!(
            principal_verdict(&deployer, &layers, DELETE_SNAPSHOT),
            expected,
            "{name}"
        );
    }

    // The evidence names who can set the tag.
    let mut deployer = role("deployer");
    deployer.session_tags = iam::SessionTags::from_trust_policy(Some(&trust(
        json!({"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"]}),
    )));
    let verdict = &evaluate_principal(&deployer, &layers, &[DELETE_SNAPSHOT.into()], &unknown())[0];
    assert!(
        verdict.grants[0].reason.ends_with(
            "condition not evaluated: aws:PrincipalTag/Team StringEquals [\"backup\"] (callers can \
             set it as a session tag when they assume the role: arn:aws:iam::444455556666:root)"
        ),
        "{}",
        verdict.grants[0].reason
    );
}

#[test]
fn iam_principals_that_can_tag_themselves_decide_their_tags() {
    // The SCP spares principals tagged BackupTeam=true.
    let guardrail = document(
        json!({"Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/BackupTeam": "true"}}}),
    );
    let deny_tagging = document(
        json!({"Effect": "Deny", "Action": ["iam:TagRole", "iam:TagUser", "sts:TagSession"],
        "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "BackupTeam"}}}),
    );
    let deny_other_key = document(json!({"Effect": "Deny", "Action": "iam:TagRole",
        "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "Owner"}}}));
    let admin = full_aws_access();
    let full_access = full_aws_access();
    let no_tagging = document(json!(allow("ec2:*", "*")));
    // (name, identity, SCPs beside FullAWSAccess at the root, expected)
    type Case<'d> = (
        &'static str,
        &'d PolicyDocument,
        Vec<&'d PolicyDocument>,
        Verdict,
    );
    let cases: Vec<Case> = vec![
        (
            "an admin may tag itself past the exception",
            &admin,
            vec![&guardrail],
            AllowedConditional,
        ),
        (
            "the SCPs deny tagging that key",
            &admin,
            vec![&guardrail, &deny_tagging],
            NotAllowed,
        ),
        (
            "the SCPs deny tagging another key only",
            &admin,
            vec![&guardrail, &deny_other_key],
            AllowedConditional,
        ),
        (
            "no permission to tag itself",
            &no_tagging,
            vec![&guardrail],
            NotAllowed,
        ),
    ];
    for (name, identity, scps, expected) in cases {
        let mut policies = vec![LabelledPolicy::new("FullAWSAccess", &full_access)];
        policies.extend(
            scps.into_iter()
                .map(|d| LabelledPolicy::new("guardrail", d)),
        );
        let layers = PolicyLayers {
            identity: vec![LabelledPolicy::new("identity", identity)],
            scp_levels: vec![ScpLevel {
                label: "root".into(),
                policies,
            }],
            ..PolicyLayers::default()
        };
        let principal = role("ops-admin").with_self_tagging(&layers, &unknown());
        assert_eq!(
            principal_verdict(&principal, &layers, DELETE_SNAPSHOT),
            expected,
            "{name}: {:?}",
            principal.session_tags
        );
    }
}

#[test]
fn iam_documents_aws_would_reject_are_read_on_the_worst_case() {
    let cases: Vec<(&str, Value, &str, Verdict)> = vec![
        (
            "a deny naming one principal is not relied upon",
            json!([allow("*", "*"), {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:role/x"},
                   "Action": "ec2:*", "Resource": "*"}]),
            "\"Principal\" is not allowed",
            Allowed,
        ),
        (
            "a deny with NotPrincipal is not relied upon",
            json!([allow("*", "*"), {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"},
                   "Action": "ec2:*", "Resource": "*"}]),
            "\"NotPrincipal\" is not allowed",
            Allowed,
        ),
        (
            "a deny with Principal \"*\" names everyone",
            json!([allow("*", "*"), {"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"}]),
            "\"*\" names everyone",
            NotAllowed,
        ),
        (
            "an allow naming a principal still grants",
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "ec2:*", "Resource": "*"}),
            "read as granting",
            Allowed,
        ),
        (
            "a deny sharing its Sid is not relied upon",
            json!([{"Sid": "Same", "Effect": "Allow", "Action": "*", "Resource": "*"},
                   {"Sid": "Same", "Effect": "Deny", "Action": "ec2:DeleteSnapshot", "Resource": "*"}]),
            "Sids must be unique",
            Allowed,
        ),
        (
            "a deny with a wildcard service prefix is not relied upon",
            json!([allow("*", "*"), {"Effect": "Deny", "Action": "*:DeleteSnapshot", "Resource": "*"}]),
            "wildcard in its service prefix",
            Allowed,
        ),
        (
            "an allow with a wildcard service prefix matches every service it can",
            json!({"Effect": "Allow", "Action": "e*:Delete*", "Resource": "*"}),
            "wildcard in its service prefix",
            Allowed,
        ),
    ];
    for (name, statements, warning, expected) in cases {
        let document = document(statements);
        assert_eq!(verdict_of(&document, DELETE_SNAPSHOT), expected, "{name}");
        assert_eq!(
            document.warnings.len(),
            1 + usize::from(name.contains("Sid")),
            "{name}: {:?}",
            document.warnings
        );
        assert!(
            document.warnings[0].contains(warning),
            "{name}: {:?}",
            document.warnings
        );
        assert!(
            document.warnings[0].starts_with("Statement["),
            "{name}: {:?}",
            document.warnings
        );
    }
    let clean = document(
        json!([allow("*", "*"), {"Sid": "A", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]),
    );
    assert!(clean.warnings.is_empty());
    // A trust policy names its principals, as it must.
    let trust = PolicyDocument::from_trust_policy_value(&json!({"Statement": {"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}))
    .expect("valid");
    assert!(trust.warnings.is_empty());
}
