//! `[[consistency]]`: the instances whose backups must be application-consistent, and how to
//! quiesce them for a backup. Read by SG-PROT-012 (is there evidence of a quiesced backup?)
//! and by the remediation plan (take one: pre-step, `CreateSnapshots`, post-step).
//!
//! ```toml
//! [[consistency]]
//! name = "postgres"
//! select = { Role = "db-*" }
//! pre = { document = "snapguard-FreezeFilesystems", parameters = { MaxFreezeSeconds = ["10"] } }
//! post = { document = "snapguard-ThawFilesystems" }
//! max_freeze_seconds = 10
//!
//! [[consistency]]
//! name = "sql-server"
//! select = { Role = "mssql" }
//! vss = true
//! ```
//!
//! AWS's guidance: <https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html>
//! (flush and freeze, snapshot, resume) and
//! <https://docs.aws.amazon.com/ebs/latest/userguide/application-consistent-snapshots.html>
//! (VSS with the `AWSEC2-CreateVssSnapshot` document).

use std::collections::BTreeMap;

use serde::{de, Deserialize, Deserializer, Serialize};

use super::checked::{self, Check, TagKey};
use crate::inventory::Tag;

/// The freeze limit when an entry sets none, in seconds.
pub const DEFAULT_MAX_FREEZE_SECONDS: u64 = 10;
/// The longest freeze an entry may allow, in seconds: snapshot creation is point-in-time, so
/// a pause longer than this only stalls the application.
pub const MAX_FREEZE_SECONDS: u64 = 60;

/// One `[[consistency]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyEntry {
    /// What the entry is called in findings and plans; `consistency[INDEX]` when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Tag key -> value pattern (`*` and `?`): an instance is selected when it carries every
    /// key with a matching value. At least one key.
    #[serde(deserialize_with = "selection")]
    pub select: BTreeMap<String, String>,
    /// The Systems Manager command that quiesces the instance (required unless `vss`).
    #[serde(default)]
    pub pre: Option<SsmCommand>,
    /// The command that resumes it; always run after the pre-step (required unless `vss`).
    #[serde(default)]
    pub post: Option<SsmCommand>,
    /// Windows: `AWSEC2-CreateVssSnapshot` quiesces, snapshots and resumes in one command.
    #[serde(default)]
    pub vss: bool,
    /// How long the instance may stay quiesced, 1 to 60 seconds (default 10): the pre-step
    /// must succeed within it, and the host's own undo fires after it.
    #[serde(default = "default_max_freeze", deserialize_with = "freeze_seconds")]
    pub max_freeze_seconds: u64,
}

/// A Systems Manager Run Command: a document and its parameters, as `SendCommand` takes them
/// (<https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html>).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SsmCommand {
    /// The document's name or ARN (`DocumentName`), e.g. `AWS-RunShellScript`.
    #[serde(deserialize_with = "document")]
    pub document: String,
    /// Its parameters, each a list of strings (`Parameters`).
    #[serde(default)]
    pub parameters: BTreeMap<String, Vec<String>>,
}

impl ConsistencyEntry {
    /// Whether an instance with these tags is selected.
    pub fn selects(&self, tags: &[Tag]) -> bool {
        self.select.iter().all(|(key, pattern)| {
            tags.iter()
                .any(|t| t.key.as_str() == key && crate::wildcard::matches(pattern, &t.value))
        })
    }

    /// Checks what the fields alone cannot: VSS or both steps, and a pre-step whose own freeze
    /// limit (the example documents' `MaxFreezeSeconds`) is `max_freeze_seconds`. Returns the
    /// key and the problem.
    pub fn validate(&self, index: usize) -> Result<(), (String, String)> {
        let place = format!("consistency[{index}]");
        let host_limit = self
            .pre
            .as_ref()
            .and_then(|p| p.parameters.get("MaxFreezeSeconds"));
        if let Some(limit) = host_limit.filter(|l| **l != [self.max_freeze_seconds.to_string()]) {
            return Err((
                format!("{place}.pre"),
                format!(
                    "the pre-step's MaxFreezeSeconds is {limit:?} but max_freeze_seconds is {}: \
                     the host would resume by itself before or after snapguard stops counting \
                     on the freeze; expected [\"{}\"]",
                    self.max_freeze_seconds, self.max_freeze_seconds
                ),
            ));
        }
        match (self.vss, &self.pre, &self.post) {
            (true, None, None) | (false, Some(_), Some(_)) => Ok(()),
            (true, _, _) => Err((
                place,
                "vss = true runs AWSEC2-CreateVssSnapshot, which quiesces and resumes the \
                 instance itself; expected no pre or post with it"
                    .into(),
            )),
            (false, pre, _) => Err((
                format!("{place}.{}", if pre.is_none() { "pre" } else { "post" }),
                "an entry needs both a pre-step that quiesces the instance and a post-step \
                 that resumes it (the post-step runs even when the snapshot fails), or vss = \
                 true for Windows; expected pre = { document = \"...\" } and post = { document \
                 = \"...\" }"
                    .into(),
            )),
        }
    }

    /// The entry's name, or its place in the file.
    pub fn label(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("consistency[{index}]"))
    }
}

/// The IAM policy the remediation role needs for these entries, least privilege: JSON
/// `{"Version": "2012-10-17", "Statement": [...]}` granting `ssm:SendCommand` on the entries'
/// documents (`AWSEC2-CreateVssSnapshot` for `vss`) and, per entry, on the instances its
/// `select` matches (`aws:ResourceTag/KEY` `StringLike` the pattern, which uses `*` and `?` as
/// IAM does), and `ssm:GetCommandInvocation` and `ssm:ListCommands` (no resource-level
/// permissions). `partition` is
/// `aws`, `aws-cn` or `aws-us-gov`. A `SendCommand` request is allowed only when both its
/// document and its instance are
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html>).
pub fn role_policy(entries: &[ConsistencyEntry], partition: &str) -> serde_json::Value {
    use serde_json::json;
    let mut documents: Vec<String> = entries
        .iter()
        .flat_map(|e| {
            let named: Vec<&str> = match e.vss {
                true => vec![crate::remediation::plan::VSS_DOCUMENT],
                false => [&e.pre, &e.post]
                    .into_iter()
                    .flatten()
                    .map(|c| c.document.as_str())
                    .collect(),
            };
            named.into_iter().map(|d| match d.starts_with("arn:") {
                true => d.to_owned(),
                // Either the caller's own document or an AWS-owned one (no account in its ARN).
                false => format!("arn:{partition}:ssm:*:*:document/{d}"),
            })
        })
        .collect();
    documents.sort();
    documents.dedup();
    let mut statements = vec![json!({
        "Sid": "RunTheConsistencyDocuments",
        "Effect": "Allow",
        "Action": "ssm:SendCommand",
        "Resource": documents,
    })];
    for (i, entry) in entries.iter().enumerate() {
        let tags: serde_json::Map<String, serde_json::Value> = entry
            .select
            .iter()
            .map(|(key, pattern)| (format!("aws:ResourceTag/{key}"), json!(pattern)))
            .collect();
        statements.push(json!({
            "Sid": format!("OnTheInstancesOfConsistency{i}"),
            "Effect": "Allow",
            "Action": "ssm:SendCommand",
            "Resource": format!("arn:{partition}:ec2:*:*:instance/*"),
            "Condition": { "StringLike": tags },
        }));
    }
    // Reads of no resource type: how a command ended, and the instance's recent commands (a
    // pre-step some other run left running).
    statements.push(json!({
        "Sid": "ReadTheCommandsOutcome",
        "Effect": "Allow",
        "Action": ["ssm:GetCommandInvocation", "ssm:ListCommands"],
        "Resource": "*",
    }));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn default_max_freeze() -> u64 {
    DEFAULT_MAX_FREEZE_SECONDS
}

fn freeze_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let seconds = i64::deserialize(d)?;
    if (1..=MAX_FREEZE_SECONDS as i64).contains(&seconds) {
        Ok(seconds.unsigned_abs())
    } else {
        Err(de::Error::custom(format!(
            "max_freeze_seconds is {seconds}; expected 1 to {MAX_FREEZE_SECONDS} seconds (a \
             snapshot starts at once, so the application need not pause longer)"
        )))
    }
}

fn selection<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let select = checked::keys::<_, TagKey, String>(d)?;
    if select.is_empty() {
        return Err(de::Error::custom(
            "select is empty, which would select every instance; expected tag keys and value \
             patterns such as { Role = \"db-*\" }",
        ));
    }
    Ok(select)
}

fn document<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(checked::Checked::<DocumentName>::deserialize(d)?.0)
}

/// An SSM document name (`AWS-RunShellScript`) or ARN: 3 to 200 letters, digits and `_-.:/`.
struct DocumentName;

impl Check for DocumentName {
    fn check(text: &str) -> Result<(), String> {
        let ok = (3..=200).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:/".contains(&b));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected a Systems Manager document name such as \"AWS-RunShellScript\" or a \
                 document ARN (3 to 200 letters, digits and _-.:/), found {text:?}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Result<ConsistencyEntry, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs.iter().map(|(k, v)| Tag::new(k, v)).collect()
    }

    #[test]
    fn selects_by_every_key_with_wildcards() {
        let e = entry(
            "select = { Role = \"db-*\", Env = \"prod\" }\npre = { document = \"AWS-RunShellScript\" }\n\
             post = { document = \"AWS-RunShellScript\" }",
        )
        .unwrap();
        assert_eq!(e.max_freeze_seconds, DEFAULT_MAX_FREEZE_SECONDS);
        assert!(e.selects(&tags(&[("Role", "db-orders"), ("Env", "prod")])));
        assert!(!e.selects(&tags(&[("Role", "db-orders")])));
        assert!(!e.selects(&tags(&[("Role", "web"), ("Env", "prod")])));
        assert!(e.validate(0).is_ok());
    }

    #[test]
    fn the_role_policy_names_each_document_once_and_each_selection() {
        let entries = [
            entry(
                "select = { Role = \"db-*\", Env = \"prod\" }\npre = { document = \"Freeze\" }\n\
                 post = { document = \"arn:aws:ssm:us-east-1:111122223333:document/Thaw\" }",
            )
            .unwrap(),
            entry("select = { Role = \"mssql\" }\nvss = true").unwrap(),
        ];
        let policy = role_policy(&entries, "aws");
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(
            statements[0]["Resource"],
            serde_json::json!([
                "arn:aws:ssm:*:*:document/AWSEC2-CreateVssSnapshot",
                "arn:aws:ssm:*:*:document/Freeze",
                "arn:aws:ssm:us-east-1:111122223333:document/Thaw",
            ])
        );
        assert_eq!(
            statements[1]["Condition"]["StringLike"],
            serde_json::json!({ "aws:ResourceTag/Env": "prod", "aws:ResourceTag/Role": "db-*" })
        );
        assert_eq!(
            statements[2]["Condition"]["StringLike"],
            serde_json::json!({ "aws:ResourceTag/Role": "mssql" })
        );
        assert_eq!(
            statements[3]["Action"],
            serde_json::json!(["ssm:GetCommandInvocation", "ssm:ListCommands"])
        );
        // The policy is one the IAM engine reads.
        assert!(iam::PolicyDocument::parse(&policy.to_string()).is_ok());
    }

    #[test]
    fn refuses_what_would_quiesce_wrongly() {
        let err = entry("select = {}\nvss = true").unwrap_err();
        assert!(err.contains("select is empty"), "{err}");
        let err =
            entry("select = { Role = \"db\" }\nvss = true\nmax_freeze_seconds = 61").unwrap_err();
        assert!(err.contains("expected 1 to 60 seconds"), "{err}");
        let err = entry("select = { Role = \"db\" }\npre = { document = \"x\" }").unwrap_err();
        assert!(err.contains("document name"), "{err}");
        let e = entry("select = { Role = \"db\" }\npre = { document = \"AWS-RunShellScript\" }")
            .unwrap();
        let (place, problem) = e.validate(2).unwrap_err();
        assert_eq!(place, "consistency[2].post");
        assert!(problem.contains("both a pre-step"), "{problem}");
        let e = entry(
            "select = { Role = \"db\" }\nvss = true\npost = { document = \"AWS-RunShellScript\" }",
        )
        .unwrap();
        assert!(e
            .validate(0)
            .unwrap_err()
            .1
            .contains("expected no pre or post"));
        let e = entry(
            "select = { Role = \"db\" }\nmax_freeze_seconds = 20\npre = { document = \"Freeze\", \
             parameters = { MaxFreezeSeconds = [\"10\"] } }\npost = { document = \"Thaw\" }",
        )
        .unwrap();
        let (place, problem) = e.validate(0).unwrap_err();
        assert_eq!(place, "consistency[0].pre");
        assert!(problem.contains("expected [\"20\"]"), "{problem}");
        let err = entry("select = { Role = \"db\" }\nvss = true\nfreeze = 3").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
