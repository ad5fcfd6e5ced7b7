//! Throughput at organization scale: 5,000 roles, 20,000 managed policies, 7 actions.
//! Run with `cargo test -p iam --release --test iam_perf -- --ignored --nocapture`.

use std::time::Instant;

use iam::{
    default_protected_actions, evaluate_principal, LabelledPolicy, PolicyDocument, PolicyLayers,
    Principal, ScpLevel,
};
use rayon::prelude::*;
use serde_json::json;

const ROLES: usize = 5_000;
const POLICIES: usize = 20_000;

/// A mix of shapes seen in real accounts: long read-only action lists, service-wide grants on
/// scoped resources, conditional grants and plain admin.
fn managed_policy(n: usize) -> PolicyDocument {
    let services = [
        "s3", "ec2", "rds", "lambda", "dynamodb", "sqs", "sns", "kms", "iam", "rbin",
    ];
    let verbs = ["Get", "List", "Describe", "Put", "Create", "Update", "Tag"];
    let read_actions: Vec<String> = (0..150)
        .map(|i| {
            format!(
                "{}:{}{}*",
                services[i % services.len()],
                verbs[i % verbs.len()],
                i
            )
        })
        .collect();
    let document = match n % 5 {
        0 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": read_actions, "Resource": "*"}]}),
        1 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:*", "rbin:*"],
             "Resource": format!("arn:aws:ec2:us-east-{}::snapshot/*", n % 3)},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket-{n}/*")}]}),
        2 => json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "ec2:Delete*", "Resource": "*",
            "Condition": {"StringEquals": {"ec2:ResourceTag/Owner": "${aws:username}"}}}}),
        3 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:ModifySnapshotAttribute",
             "Resource": format!("arn:aws:ec2:*::snapshot/snap-{n:08x}")}]}),
        _ => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    };
    PolicyDocument::from_value(&document).expect("valid policy")
}

#[test]
#[ignore = "benchmark; run in release"]
fn iam_five_thousand_roles_under_a_second() {
    let started = Instant::now();
    let policies: Vec<PolicyDocument> = (0..POLICIES).into_par_iter().map(managed_policy).collect();
    let labels: Vec<String> = (0..POLICIES)
        .map(|n| format!("managed policy arn:aws:iam::111122223333:policy/p{n}"))
        .collect();
    let full_access = PolicyDocument::from_value(
        &json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
    )
    .expect("valid");
    let guardrail = PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Deny", "Action": ["ec2:DeleteSnapshot", "rbin:*"], "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BackupAdmin"}}}}))
    .expect("valid");
    let principals: Vec<Principal> = (0..ROLES)
        .map(|n| {
            let name = if n % 100 == 0 {
                "BackupAdmin".to_owned()
            } else {
                format!("role-{n}")
            };
            Principal::from_arn(&format!("arn:aws:iam::{:012}:role/{name}", n % 50)).expect("valid")
        })
        .collect();
    let parsed = started.elapsed();

    let actions = default_protected_actions();
    let started = Instant::now();
    let verdicts: usize = principals
        .par_iter()
        .enumerate()
        .map(|(n, principal)| {
            let attached = (0..4).map(|k| (n * 7 + k * 4_999) % POLICIES);
            let layers = PolicyLayers {
                identity: attached
                    .map(|p| LabelledPolicy::new(labels[p].as_str(), &policies[p]))
                    .collect(),
                permissions_boundary: (n % 10 == 0)
                    .then(|| LabelledPolicy::new("boundary", &policies[4])),
                scp_levels: ["root", "OU Workloads", "account"]
                    .into_iter()
                    .map(|level| ScpLevel {
                        label: level.into(),
                        policies: vec![
                            LabelledPolicy::new("FullAWSAccess", &full_access),
                            LabelledPolicy::new("ProtectBackups", &guardrail),
                        ],
                    })
                    .collect(),
                scp_exemption: None,
            };
            evaluate_principal(principal, &layers, &actions).len()
        })
        .sum();
    let evaluated = started.elapsed();
    println!(
        "parsed {POLICIES} policies in {parsed:?}; evaluated {verdicts} verdicts in {evaluated:?}"
    );
    assert_eq!(verdicts, ROLES * actions.len());
    assert!(
        evaluated.as_secs_f64() < 1.0,
        "evaluation took {evaluated:?}"
    );
}
