//! Every AWS managed policy shipped with the `moto` package (PyPI), through the engine: the
//! well-known ones must get the verdicts a careful reading of their documents gives, and none
//! may fail to parse. `./test.sh` installs moto and sets SNAPGUARD_MOTO_MANAGED_POLICIES.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use iam::{default_protected_actions, evaluate_document, PolicyDocument, RequestContext, Verdict};

/// moto's `moto/iam/aws_managed_policies.py`: from the environment, or asked of python3.
fn managed_policies_file() -> PathBuf {
    if let Ok(path) = std::env::var("SNAPGUARD_MOTO_MANAGED_POLICIES") {
        return PathBuf::from(path);
    }
    let located = Command::new("python3")
        .args([
            "-c",
            "import moto.iam.aws_managed_policies as m; print(m.__file__)",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    located.unwrap_or_else(|| {
        panic!(
            "moto is not installed: run ./test.sh (it installs moto), or `pip install moto`, \
             or set SNAPGUARD_MOTO_MANAGED_POLICIES to moto/iam/aws_managed_policies.py"
        )
    })
}

/// The file is Python: `aws_managed_policies_data = """{...}"""`.
fn load() -> BTreeMap<String, serde_json::Value> {
    let path = managed_policies_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text.find("\"\"\"").expect("the opening triple quote") + 3;
    let end = text.rfind("\"\"\"").expect("the closing triple quote");
    serde_json::from_str(&text[start..end]).expect("moto's managed policies are JSON")
}

#[test]
fn well_known_managed_policies_get_the_expected_verdicts() {
    let policies = load();
    assert!(
        policies.len() > 1000,
        "only {} managed policies in moto's file",
        policies.len()
    );
    let actions = default_protected_actions();

    let started = Instant::now();
    let mut verdicts = BTreeMap::new();
    for (name, policy) in &policies {
        let document = PolicyDocument::from_value(&policy["Document"])
            .unwrap_or_else(|e| panic!("managed policy {name} does not parse: {e}"));
        let result = evaluate_document(&document, name, &actions, &RequestContext::default());
        verdicts.insert(name.as_str(), result);
    }
    eprintln!(
        "{} managed policies evaluated in {:?}",
        policies.len(),
        started.elapsed()
    );

    let granted = |name: &str| -> Vec<String> {
        verdicts[name]
            .iter()
            .filter(|v| v.verdict == Verdict::Allowed)
            .map(|v| v.action.clone())
            .collect()
    };
    assert_eq!(
        granted("AdministratorAccess"),
        actions,
        "AdministratorAccess grants all seven"
    );
    // PowerUserAccess is NotAction iam/organizations/account: EC2 and Recycle Bin stay granted.
    assert_eq!(
        granted("PowerUserAccess"),
        actions,
        "PowerUserAccess grants all seven"
    );
    let ec2: Vec<String> = actions
        .iter()
        .filter(|a| a.starts_with("ec2:"))
        .cloned()
        .collect();
    assert_eq!(
        granted("AmazonEC2FullAccess"),
        ec2,
        "AmazonEC2FullAccess grants the four ec2 actions"
    );
    for read_only in [
        "ReadOnlyAccess",
        "AmazonEC2ReadOnlyAccess",
        "ViewOnlyAccess",
    ] {
        let any: Vec<_> = verdicts[read_only]
            .iter()
            .filter(|v| v.verdict != Verdict::NotAllowed)
            .collect();
        assert!(any.is_empty(), "{read_only} grants {any:?}");
    }
}
