//! Throughput at organization scale: 5,000 roles, 20,000 managed policies, the seven protected
//! actions, three SCP levels each. Target: evaluation under 1 s.
//!
//! ```sh
//! cargo bench -p iam --bench principals
//! ```
//!
//! Prints the time to parse the policies and, for each of `RUNS` runs, the time to evaluate
//! every role. The first run is the one a scan makes: each statement's resource analysis is
//! computed then and cached in the parsed policy, so later runs are faster. The target is
//! for the first run.

use std::time::{Duration, Instant};

use iam::{
    default_protected_actions, evaluate_principal, LabelledPolicy, OrgMembership, PolicyDocument,
    PolicyLayers, Principal, RequestContext, ScpLevel,
};
use rayon::prelude::*;
use serde_json::json;

const ROLES: usize = 5_000;
const POLICIES: usize = 20_000;
const RUNS: usize = 5;
const TARGET: Duration = Duration::from_secs(1);

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

fn main() {
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
    println!("parsed {POLICIES} policies and {ROLES} roles in {parsed:.2?}");

    let actions = default_protected_actions();
    // As iam check without config knows it, then as a scan knows it: three Regions, the time,
    // the organization (Region conditions then read against the Regions, rbin rules against the
    // account).
    let unknown = RequestContext::default();
    let scan = RequestContext {
        regions: Some(vec![
            "us-east-1".into(),
            "us-east-2".into(),
            "eu-west-1".into(),
        ]),
        now: Some(1_795_586_400),
        organization: OrgMembership::Member("o-a1b2c3d4e5".into()),
        tag_keys: None,
    };
    for (name, context) in [
        ("no request context", &unknown),
        ("a scan's context", &scan),
    ] {
        println!("{name}:");
        // Freshly parsed for the second, so that its first run is cold too.
        let policies: Vec<PolicyDocument> = if name == "no request context" {
            policies.clone()
        } else {
            (0..POLICIES).into_par_iter().map(managed_policy).collect()
        };
        measure(
            &principals,
            &policies,
            &labels,
            &full_access,
            &guardrail,
            &actions,
            context,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn measure(
    principals: &[Principal],
    policies: &[PolicyDocument],
    labels: &[String],
    full_access: &PolicyDocument,
    guardrail: &PolicyDocument,
    actions: &[String],
    context: &RequestContext,
) {
    let mut runs = Vec::new();
    for run in 1..=RUNS {
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
                                LabelledPolicy::new("FullAWSAccess", full_access),
                                LabelledPolicy::new("ProtectBackups", guardrail),
                            ],
                        })
                        .collect(),
                    scp_exemption: None,
                };
                evaluate_principal(principal, &layers, actions, context).len()
            })
            .sum();
        let evaluated = started.elapsed();
        assert_eq!(verdicts, ROLES * actions.len());
        println!(
            "run {run}: evaluated {ROLES} roles x {} actions in {evaluated:.2?}",
            actions.len()
        );
        runs.push(evaluated);
    }
    let first = runs[0];
    let mut warm = runs[1..].to_vec();
    warm.sort();
    println!(
        "first run {first:.2?} (target < {TARGET:?}: {}); later runs: best {:.2?}, median {:.2?}",
        if first < TARGET { "met" } else { "NOT met" },
        warm[0],
        warm[warm.len() / 2]
    );
}
