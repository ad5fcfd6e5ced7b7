//! Session tags: tags a caller passes when it assumes a role (`sts:TagSession`). For the
//! session, `aws:PrincipalTag/<key>` is the session tag when one was passed, overriding the
//! role's own tag of that key
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>). So a role's tag
//! decides a condition only when no caller can pass a session tag with that key: the role's
//! trust policy must allow `sts:TagSession`, possibly only for some keys (`aws:TagKeys`
//! conditions), and an SCP can deny it to callers in its accounts.

use serde::Serialize;
use serde_json::Value;

use crate::arn::Arn;
use crate::policy::{parse_policy_text, Effect, PolicyDocument, PrincipalValue, Statement};
use crate::{
    evaluate_principal, wildcard, PolicyLayers, Principal, PrincipalKind, RequestContext, Verdict,
};

const TAG_SESSION: &str = "sts:tagsession";

/// Which tag keys callers can set as session tags
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required>).
/// Patterns use `*` and `?`; tag keys compare case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "settable", rename_all = "snake_case")]
pub enum TagKeys {
    /// No session tag can be passed: the principal's own tags decide.
    #[default]
    None,
    /// Keys matching one of `keys` and none of `except`.
    Some {
        /// Patterns of the keys that can be set.
        keys: Vec<String>,
        /// Patterns of the keys that cannot, although `keys` match them.
        except: Vec<String>,
    },
    /// Every key but those matching one of `except`.
    All {
        /// Patterns of the keys that cannot be set.
        except: Vec<String>,
    },
}

impl TagKeys {
    /// Whether a session tag with this key can be passed.
    pub fn includes(&self, key: &str) -> bool {
        let key = key.to_lowercase();
        let any = |patterns: &[String]| {
            patterns
                .iter()
                .any(|p| wildcard::matches(&p.to_lowercase(), &key))
        };
        match self {
            TagKeys::None => false,
            TagKeys::Some { keys, except } => any(keys) && !any(except),
            TagKeys::All { except } => !any(except),
        }
    }

    fn union(self, other: TagKeys) -> TagKeys {
        match (self, other) {
            (TagKeys::None, keys) | (keys, TagKeys::None) => keys,
            (TagKeys::All { except }, TagKeys::All { except: other })
            | (TagKeys::All { except }, TagKeys::Some { except: other, .. })
            | (TagKeys::Some { except: other, .. }, TagKeys::All { except }) => TagKeys::All {
                // A key is settable when either statement lets it through.
                except: except.into_iter().filter(|e| other.contains(e)).collect(),
            },
            (
                TagKeys::Some { mut keys, except },
                TagKeys::Some {
                    keys: more,
                    except: other,
                },
            ) => {
                keys.extend(more);
                TagKeys::Some {
                    keys,
                    except: except.into_iter().filter(|e| other.contains(e)).collect(),
                }
            }
        }
    }

    fn without(self, denied: Vec<String>) -> TagKeys {
        match self {
            TagKeys::None => TagKeys::None,
            TagKeys::Some { keys, mut except } => {
                except.extend(denied);
                TagKeys::Some { keys, except }
            }
            TagKeys::All { mut except } => {
                except.extend(denied);
                TagKeys::All { except }
            }
        }
    }
}

/// The session tags callers can pass to a role, and who those callers are: the principals its
/// trust policy allows `sts:TagSession`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionTags {
    /// The keys callers can set.
    pub keys: TagKeys,
    /// The callers allowed `sts:TagSession`, as the trust policy names them (an account's
    /// root ARN, a role, a SAML or OIDC provider, a service, `*`), or why they are not known.
    pub set_by: Vec<String>,
}

impl SessionTags {
    /// What the trust policy of a role (`AssumeRolePolicyDocument`, an object or the API's
    /// URL-encoded JSON) lets callers pass. A trust policy that is not recorded, or cannot be
    /// read, lets anyone pass any key: the role's tags then decide nothing.
    pub fn from_trust_policy(trust_policy: Option<&Value>) -> SessionTags {
        let unknown = |why: &str| SessionTags {
            keys: TagKeys::All { except: Vec::new() },
            set_by: vec![why.to_owned()],
        };
        let Some(value) = trust_policy else {
            return unknown("anyone the role's trust policy allows (it was not recorded)");
        };
        let parsed = match value {
            Value::String(text) => parse_policy_text(text)
                .ok()
                .and_then(|v| PolicyDocument::from_trust_policy_value(&v).ok()),
            other => PolicyDocument::from_trust_policy_value(other).ok(),
        };
        match parsed {
            Some(document) => Self::of_document(&document),
            None => unknown("anyone the role's trust policy allows (it could not be read)"),
        }
    }

    fn of_document(trust: &PolicyDocument) -> SessionTags {
        let mut keys = TagKeys::None;
        let mut set_by: Vec<String> = Vec::new();
        for statement in trust
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            if !allows_tag_session(statement) {
                continue;
            }
            keys = keys.union(allowed_keys(statement));
            for caller in callers(statement) {
                if !set_by.contains(&caller) {
                    set_by.push(caller);
                }
            }
        }
        for statement in trust.statements.iter().filter(|s| s.effect == Effect::Deny) {
            if !allows_tag_session(statement) || !names_everyone(statement) {
                continue;
            }
            match denied_keys(statement) {
                Some(denied) if denied.is_empty() => keys = TagKeys::None,
                Some(denied) => keys = keys.without(denied),
                None => {}
            }
        }
        if keys == TagKeys::None {
            set_by.clear();
        }
        SessionTags { keys, set_by }
    }

    /// Without the callers in `account`: an SCP there denies them `sts:TagSession`.
    pub fn without_callers_in(mut self, account: &str) -> SessionTags {
        self.set_by
            .retain(|caller| caller_account(caller) != Some(account));
        if self.set_by.is_empty() {
            self.keys = TagKeys::None;
        }
        self
    }
}

impl SessionTags {
    /// With the keys the principal can set on itself as well (see [`self_tagging`]).
    pub fn with_self_tagging(mut self, ways: &[SelfTagging]) -> SessionTags {
        if ways.is_empty() {
            return self;
        }
        let keys: Vec<String> = ways.iter().map(|w| w.key.clone()).collect();
        self.keys = std::mem::take(&mut self.keys).union(TagKeys::Some {
            keys,
            except: Vec::new(),
        });
        for way in ways {
            let by = format!("the principal itself, with {}", way.action);
            if !self.set_by.contains(&by) {
                self.set_by.push(by);
            }
        }
        self
    }
}

/// A way for a principal to give itself a tag: a tagging action its policies allow it (at
/// least conditionally, or on some resources) for that key
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html>).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SelfTagging {
    /// The tag key, as an `aws:PrincipalTag/<key>` condition names it.
    pub key: String,
    /// `iam:TagRole`, `iam:TagUser` or `sts:TagSession`.
    pub action: String,
    /// How far the principal's policies allow that tagging request.
    pub verdict: Verdict,
    /// The engine's one-line account of that verdict.
    pub summary: String,
}

/// The tag keys that `aws:PrincipalTag/<key>` conditions of the policies bearing on a principal
/// test, in the order first found
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag>).
pub fn principal_tag_keys(layers: &PolicyLayers) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let levels = layers.scp_levels.iter().flat_map(|l| &l.policies);
    let policies = layers
        .identity
        .iter()
        .chain(&layers.permissions_boundary)
        .chain(levels);
    for policy in policies {
        for clause in policy
            .document
            .statements
            .iter()
            .flat_map(|s| &s.conditions)
        {
            let Some(key) = clause
                .key
                .get(..PRINCIPAL_TAG.len())
                .filter(|prefix| prefix.eq_ignore_ascii_case(PRINCIPAL_TAG))
                .map(|_| &clause.key[PRINCIPAL_TAG.len()..])
            else {
                continue;
            };
            if !key.is_empty() && !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                keys.push(key.to_owned());
            }
        }
    }
    keys
}

const PRINCIPAL_TAG: &str = "aws:PrincipalTag/";

impl Principal {
    /// The principal, with the `aws:PrincipalTag` keys its policies test and that it can set on
    /// itself (`iam:TagRole` for a role, `iam:TagUser` for a user) counted as settable: its
    /// tags then decide nothing about them
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html>).
    pub fn with_self_tagging(mut self, layers: &PolicyLayers, context: &RequestContext) -> Self {
        let keys = principal_tag_keys(layers);
        if keys.is_empty() {
            return self;
        }
        let action = match self.kind {
            PrincipalKind::Role => "iam:TagRole",
            PrincipalKind::User => "iam:TagUser",
        };
        let ways = self_tagging(&self, layers, context, &keys, &[action]);
        self.session_tags = std::mem::take(&mut self.session_tags).with_self_tagging(&ways);
        self
    }
}

/// Which of `keys` the principal can set on itself with one of `actions` (a tagging request
/// for that key, evaluated with its own policies): each way that is not `not_allowed`. A
/// principal that can tag itself decides its own `aws:PrincipalTag` values
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html>).
pub fn self_tagging(
    principal: &Principal,
    layers: &PolicyLayers,
    context: &RequestContext,
    keys: &[String],
    actions: &[&str],
) -> Vec<SelfTagging> {
    let actions: Vec<String> = actions.iter().map(|a| (*a).to_owned()).collect();
    let mut ways = Vec::new();
    for key in keys {
        let tagging = RequestContext {
            tag_keys: Some(vec![key.clone()]),
            ..context.clone()
        };
        for verdict in evaluate_principal(principal, layers, &actions, &tagging) {
            if verdict.verdict != Verdict::NotAllowed {
                ways.push(SelfTagging {
                    key: key.clone(),
                    action: verdict.action,
                    verdict: verdict.verdict,
                    summary: verdict.summary,
                });
            }
        }
    }
    ways
}

/// The account of an AWS principal as a trust policy names it (`123456789012`, or an ARN).
fn caller_account(caller: &str) -> Option<&str> {
    if caller.len() == 12 && caller.bytes().all(|b| b.is_ascii_digit()) {
        return Some(caller);
    }
    Arn::parse(caller)
        .ok()
        .filter(|arn| arn.service == "iam" || arn.service == "sts")
        .map(|arn| arn.account)
}

/// Whether the statement's `Action`/`NotAction` covers `sts:TagSession`.
fn allows_tag_session(statement: &Statement) -> bool {
    statement.actions.matching_pattern(TAG_SESSION).is_some() != statement.actions.negated
}

/// The statement's principals, for evidence.
fn callers(statement: &Statement) -> Vec<String> {
    match &statement.principal {
        None => vec!["anyone (the statement names no Principal)".to_owned()],
        Some(element) if element.negated => vec!["anyone but its NotPrincipal".to_owned()],
        Some(element) => match &element.value {
            PrincipalValue::Anyone => vec!["*".to_owned()],
            PrincipalValue::Named(kinds) => kinds.values().flatten().cloned().collect(),
        },
    }
}

/// Whether a deny applies to every caller (`"*"`, or no principal element at all).
fn names_everyone(statement: &Statement) -> bool {
    match &statement.principal {
        None => true,
        Some(element) => !element.negated && element.value == PrincipalValue::Anyone,
    }
}

/// The keys an allow of `sts:TagSession` lets through. Only `ForAllValues` string conditions on
/// `aws:TagKeys` limit them (every key passed must match); any other condition may be met.
fn allowed_keys(statement: &Statement) -> TagKeys {
    let mut keys = TagKeys::All { except: Vec::new() };
    for clause in &statement.conditions {
        if !clause.key.eq_ignore_ascii_case("aws:TagKeys") {
            continue;
        }
        let values = clause.values.clone();
        match clause.operator.as_str() {
            "ForAllValues:StringEquals"
            | "ForAllValues:StringEqualsIgnoreCase"
            | "ForAllValues:StringLike" => {
                keys = match keys {
                    // The first list found is kept: any further one only narrows it.
                    TagKeys::All { except } => TagKeys::Some {
                        keys: escape_if_exact(&clause.operator, values),
                        except,
                    },
                    narrowed => narrowed,
                }
            }
            "ForAllValues:StringNotEquals"
            | "ForAllValues:StringNotEqualsIgnoreCase"
            | "ForAllValues:StringNotLike" => {
                keys = keys.without(escape_if_exact(&clause.operator, values));
            }
            _ => {}
        }
    }
    keys
}

/// The keys a deny of `sts:TagSession` keeps out: every key (an empty list) when it has no
/// condition, those of a `ForAnyValue` string condition on `aws:TagKeys` when that is its only
/// condition; `None` when it may not apply at all.
fn denied_keys(statement: &Statement) -> Option<Vec<String>> {
    match &statement.conditions[..] {
        [] => Some(Vec::new()),
        [clause] if clause.key.eq_ignore_ascii_case("aws:TagKeys") => {
            match clause.operator.as_str() {
                "ForAnyValue:StringEquals"
                | "ForAnyValue:StringEqualsIgnoreCase"
                | "ForAnyValue:StringLike" => {
                    Some(escape_if_exact(&clause.operator, clause.values.clone()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Exact values hold no wildcard; a `*` or `?` in them stands for itself, which a pattern cannot
/// say, so such a value is kept out (a key with it is read as settable).
fn escape_if_exact(operator: &str, values: Vec<String>) -> Vec<String> {
    if operator.ends_with("Like") {
        values
    } else {
        values
            .into_iter()
            .filter(|v| !v.contains(['*', '?']))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(trust: Value) -> SessionTags {
        SessionTags::from_trust_policy(Some(&trust))
    }

    fn trust(statements: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    #[test]
    fn trust_policies_say_which_keys_callers_can_set() {
        let partner = "arn:aws:iam::444455556666:root";
        let cases: Vec<(&str, Value, &[&str], &[&str])> = vec![
            (
                "AssumeRole only",
                trust(
                    json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                              "Action": "sts:AssumeRole"}]),
                ),
                &[],
                &["Team"],
            ),
            (
                "TagSession for a partner",
                trust(json!([{"Effect": "Allow", "Principal": {"AWS": partner},
                              "Action": ["sts:AssumeRole", "sts:TagSession"]}])),
                &["Team", "anything"],
                &[],
            ),
            (
                "sts:* includes TagSession",
                trust(
                    json!([{"Effect": "Allow", "Principal": {"AWS": partner}, "Action": "sts:*"}]),
                ),
                &["Team"],
                &[],
            ),
            (
                "only some keys",
                trust(json!([{"Effect": "Allow", "Principal": {"AWS": partner},
                              "Action": "sts:TagSession",
                              "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["Project", "CostCenter"]}}}])),
                &["project", "CostCenter"],
                &["Team"],
            ),
            (
                "every key but one",
                trust(json!([{"Effect": "Allow", "Principal": {"AWS": partner},
                              "Action": "sts:TagSession",
                              "Condition": {"ForAllValues:StringNotEquals": {"aws:TagKeys": "Team"}}}])),
                &["Project"],
                &["Team"],
            ),
            (
                "a deny of one key",
                trust(json!([
                    {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
                    {"Effect": "Deny", "Principal": "*", "Action": "sts:TagSession",
                     "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "Te*"}}}
                ])),
                &["Project"],
                &["Team"],
            ),
            (
                "an unconditional deny",
                trust(json!([
                    {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
                    {"Effect": "Deny", "Principal": "*", "Action": "sts:TagSession"}
                ])),
                &[],
                &["Team"],
            ),
            (
                "a deny of some callers may not apply",
                trust(json!([
                    {"Effect": "Allow", "Principal": {"AWS": partner}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
                    {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:TagSession"}
                ])),
                &["Team"],
                &[],
            ),
            (
                "a value condition leaves the key settable",
                trust(
                    json!([{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/idp"},
                              "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                              "Condition": {"StringEquals": {"aws:RequestTag/Team": "dev"}}}]),
                ),
                &["Team"],
                &[],
            ),
        ];
        for (name, trust, settable, fixed) in cases {
            let tags = of(trust);
            for key in settable {
                assert!(
                    tags.keys.includes(key),
                    "{name}: {key} is settable ({tags:?})"
                );
            }
            for key in fixed {
                assert!(
                    !tags.keys.includes(key),
                    "{name}: {key} is not settable ({tags:?})"
                );
            }
        }
    }

    #[test]
    fn callers_are_named_and_an_unknown_trust_policy_decides_nothing() {
        let tags = of(trust(json!([{"Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "111122223333"]},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}])));
        assert_eq!(
            tags.set_by,
            ["arn:aws:iam::444455556666:root", "111122223333"]
        );
        let partner_only = tags.clone().without_callers_in("111122223333");
        assert_eq!(partner_only.set_by, ["arn:aws:iam::444455556666:root"]);
        let none = partner_only.without_callers_in("444455556666");
        assert_eq!(none.keys, TagKeys::None);

        let unrecorded = SessionTags::from_trust_policy(None);
        assert!(unrecorded.keys.includes("Team"));
        assert!(
            unrecorded.set_by[0].contains("not recorded"),
            "{unrecorded:?}"
        );
        let encoded = Value::String(
            "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D".to_owned(),
        );
        assert_eq!(
            SessionTags::from_trust_policy(Some(&encoded)).keys,
            TagKeys::None
        );
    }
}
