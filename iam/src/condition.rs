//! `Condition` blocks. Only keys about the principal can be decided statically, and only when
//! the principal is known; everything else (request, resource, network, time) stays unknown.

use std::fmt::Write;

use crate::arn::Arn;
use crate::policy::ConditionClause;
use crate::principal::Principal;
use crate::wildcard::matches as wildcard_match;

/// The three-valued result of a statement's conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Truth {
    Holds,
    Fails,
    Unknown,
}

/// Evaluates all clauses (they are AND-ed): one failing clause fails the block, otherwise one
/// unknown clause makes it unknown. When there are conditions, appends to `reason` which
/// clauses decided, as evidence.
pub(crate) fn evaluate(
    conditions: &[ConditionClause],
    principal: Option<&Principal>,
    policy_variables: bool,
    reason: &mut String,
) -> Truth {
    if conditions.is_empty() {
        return Truth::Holds;
    }
    let decided: Vec<Option<bool>> = conditions
        .iter()
        .map(|clause| principal.and_then(|p| clause_holds(clause, p, policy_variables)))
        .collect();
    if let Some(failing) = decided.iter().position(|d| *d == Some(false)) {
        reason.push_str("; condition excludes this principal: ");
        write_clause(reason, &conditions[failing]);
        return Truth::Fails;
    }
    let truth = if decided.contains(&None) {
        Truth::Unknown
    } else {
        Truth::Holds
    };
    reason.push_str(match truth {
        Truth::Unknown => "; condition not evaluated: ",
        _ => "; condition holds for this principal: ",
    });
    // When unknown, list the undecided clauses; when it holds, all of them.
    let listed = conditions
        .iter()
        .zip(&decided)
        .filter(|(_, decision)| truth == Truth::Holds || decision.is_none());
    for (i, (clause, _)) in listed.enumerate() {
        if i > 0 {
            reason.push_str("; ");
        }
        write_clause(reason, clause);
    }
    truth
}

fn write_clause(out: &mut String, clause: &ConditionClause) {
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{} {} {:?}",
        clause.key, clause.operator, clause.values
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    /// `ArnEquals` and `ArnLike` behave alike: wildcards, per ARN segment.
    ArnLike,
    Bool,
}

enum Quantifier {
    /// A single-valued key.
    Single,
    ForAnyValue,
    ForAllValues,
}

struct Operator {
    comparison: Comparison,
    negated: bool,
    quantifier: Quantifier,
    if_exists: bool,
}

fn parse_operator(name: &str) -> Option<Operator> {
    let (quantifier, name) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Quantifier::ForAnyValue, rest)
    } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Quantifier::ForAllValues, rest)
    } else {
        (Quantifier::Single, name)
    };
    let (name, if_exists) = match name.strip_suffix("IfExists") {
        Some(rest) => (rest, true),
        None => (name, false),
    };
    let (comparison, negated) = match name {
        "StringEquals" => (Comparison::StringEquals, false),
        "StringNotEquals" => (Comparison::StringEquals, true),
        "StringEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Comparison::StringEqualsIgnoreCase, true),
        "StringLike" => (Comparison::StringLike, false),
        "StringNotLike" => (Comparison::StringLike, true),
        "ArnEquals" | "ArnLike" => (Comparison::ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (Comparison::ArnLike, true),
        "Bool" => (Comparison::Bool, false),
        _ => return None,
    };
    Some(Operator {
        comparison,
        negated,
        quantifier,
        if_exists,
    })
}

/// Whether one clause holds for `principal`; `None` when it cannot be decided statically.
fn clause_holds(
    clause: &ConditionClause,
    principal: &Principal,
    policy_variables: bool,
) -> Option<bool> {
    let present = principal.condition_value(&clause.key)?;
    if clause.operator == "Null" {
        // "true" asks for the key to be absent, "false" for it to be present.
        return Some(
            clause
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case("true") == present.is_none()),
        );
    }
    let operator = parse_operator(&clause.operator)?;
    let values = if policy_variables {
        clause
            .values
            .iter()
            .map(|v| substitute_variables(v, principal))
            .collect::<Option<Vec<_>>>()?
    } else {
        clause.values.clone()
    };
    let holds_for = |actual: &str| {
        values
            .iter()
            .any(|expected| compare(operator.comparison, expected, actual))
            != operator.negated
    };
    // AWS: with the key absent, a negated operator holds and a positive one does not, unless
    // `IfExists`; over an empty set, `ForAnyValue` fails and `ForAllValues` holds.
    Some(match (&operator.quantifier, present) {
        (_, Some(actual)) => holds_for(&actual),
        (Quantifier::Single, None) => operator.if_exists || operator.negated,
        (Quantifier::ForAnyValue, None) => operator.if_exists,
        (Quantifier::ForAllValues, None) => true,
    })
}

fn compare(comparison: Comparison, expected: &str, actual: &str) -> bool {
    match comparison {
        Comparison::StringEquals => expected == actual,
        Comparison::StringEqualsIgnoreCase => expected.to_lowercase() == actual.to_lowercase(),
        Comparison::StringLike => wildcard_match(expected, actual),
        // ArnLike compares part by part, so a wildcard never spans a colon of the first five.
        Comparison::ArnLike => match (Arn::parse(expected), Arn::parse(actual)) {
            (Ok(expected), Ok(actual)) => expected
                .parts()
                .iter()
                .zip(actual.parts())
                .all(|(e, a)| wildcard_match(e, a)),
            _ => false,
        },
        Comparison::Bool => expected.eq_ignore_ascii_case(actual),
    }
}

/// Replaces `${key}` policy variables that are principal condition keys the principal has;
/// `None` when any variable stays unknown (including the `${*}` escapes, which would otherwise
/// turn into wildcards).
fn substitute_variables(value: &str, principal: &Principal) -> Option<String> {
    let mut result = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}')?;
        result.push_str(&rest[..start]);
        result.push_str(&principal.condition_value(&rest[start + 2..end])??);
        rest = &rest[end + 1..];
    }
    result.push_str(rest);
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(operator: &str, key: &str, values: &[&str]) -> ConditionClause {
        ConditionClause {
            operator: operator.to_owned(),
            key: key.to_owned(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn truth_of(conditions: &[ConditionClause], principal: Option<&Principal>) -> Truth {
        evaluate(conditions, principal, true, &mut String::new())
    }

    fn backup_admin() -> Principal {
        let mut role =
            Principal::from_arn("arn:aws:iam::111122223333:role/BackupAdmin").expect("valid");
        role.tags.insert("team".to_owned(), "backup".to_owned());
        role.org_id = Some("o-abc".to_owned());
        role
    }

    #[test]
    fn principal_clauses_are_decided() {
        let admin = backup_admin();
        let cases = [
            (
                "ArnNotLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/BackupAdmin"][..],
                false,
            ),
            (
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/Backup*"],
                true,
            ),
            (
                "ArnEquals",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/*"],
                true,
            ),
            (
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role"],
                false,
            ),
            (
                "StringNotLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/BackupAdmin"],
                false,
            ),
            (
                "StringNotLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/Other"],
                true,
            ),
            (
                "StringEquals",
                "aws:PrincipalAccount",
                &["111122223333"],
                true,
            ),
            (
                "StringNotEquals",
                "aws:PrincipalAccount",
                &["111122223333", "444455556666"],
                false,
            ),
            ("StringEquals", "aws:PrincipalOrgID", &["o-ABC"], false),
            (
                "StringEqualsIgnoreCase",
                "aws:PrincipalOrgID",
                &["o-ABC"],
                true,
            ),
            ("StringEquals", "aws:PrincipalTag/Team", &["backup"], true),
            ("StringEquals", "aws:PrincipalTag/Missing", &["x"], false),
            (
                "StringEqualsIfExists",
                "aws:PrincipalTag/Missing",
                &["x"],
                true,
            ),
            ("StringNotEquals", "aws:PrincipalTag/Missing", &["x"], true),
            (
                "ForAnyValue:StringEquals",
                "aws:PrincipalTag/Missing",
                &["x"],
                false,
            ),
            (
                "ForAllValues:StringEquals",
                "aws:PrincipalTag/Missing",
                &["x"],
                true,
            ),
            (
                "ForAnyValue:StringLike",
                "aws:PrincipalTag/team",
                &["back*"],
                true,
            ),
            ("Null", "aws:PrincipalTag/Missing", &["true"], true),
            ("Null", "aws:PrincipalTag/team", &["true"], false),
            ("Null", "aws:PrincipalTag/team", &["false"], true),
            ("StringEquals", "aws:PrincipalType", &["AssumedRole"], true),
            (
                "StringLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::${aws:PrincipalAccount}:role/*"],
                true,
            ),
        ];
        for (operator, key, values, expected) in cases {
            let truth = truth_of(&[clause(operator, key, values)], Some(&admin));
            let expected = if expected { Truth::Holds } else { Truth::Fails };
            assert_eq!(truth, expected, "{key} {operator} {values:?}");
        }
    }

    #[test]
    fn other_keys_and_unknown_principals_stay_unknown() {
        let admin = backup_admin();
        let request_key = clause("StringEquals", "aws:RequestedRegion", &["eu-west-1"]);
        assert_eq!(truth_of(&[request_key], Some(&admin)), Truth::Unknown);
        let principal_key = clause("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/X"]);
        let mut reason = String::new();
        let truth = evaluate(&[principal_key], None, true, &mut reason);
        assert_eq!(truth, Truth::Unknown);
        assert_eq!(
            reason,
            "; condition not evaluated: aws:PrincipalArn ArnNotLike [\"arn:aws:iam::*:role/X\"]"
        );
        let numeric = clause("NumericLessThan", "aws:PrincipalTag/team", &["3"]);
        assert_eq!(truth_of(&[numeric], Some(&admin)), Truth::Unknown);
        let unresolved = clause("StringLike", "aws:PrincipalArn", &["${aws:SourceIp}"]);
        assert_eq!(truth_of(&[unresolved], Some(&admin)), Truth::Unknown);
    }

    #[test]
    fn one_failing_clause_fails_the_block() {
        let admin = backup_admin();
        let clauses = [
            clause("StringEquals", "aws:RequestedRegion", &["eu-west-1"]),
            clause("StringEquals", "aws:PrincipalAccount", &["999999999999"]),
        ];
        assert_eq!(truth_of(&clauses, Some(&admin)), Truth::Fails);
    }

    #[test]
    fn variables_are_literal_before_version_2012() {
        let admin = backup_admin();
        let literal = clause(
            "StringEquals",
            "aws:PrincipalAccount",
            &["${aws:PrincipalAccount}"],
        );
        assert_eq!(
            evaluate(&[literal], Some(&admin), false, &mut String::new()),
            Truth::Fails
        );
    }
}
