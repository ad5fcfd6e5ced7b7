//! `Condition` blocks
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>).
//!
//! Decided statically: keys about a known principal (`aws:PrincipalArn`, `aws:PrincipalTag/*`,
//! ...), keys about the request that the [`RequestContext`] settles (`aws:CurrentTime`,
//! `aws:EpochTime`, `aws:TokenIssueTime`, `aws:PrincipalOrgID`, `aws:ResourceOrgID`), and
//! `aws:ResourceAccount` (the principal's own account). `aws:RequestedRegion` is the Region of
//! the resource for the protected actions, so it restricts resources rather than deciding the
//! statement, unless every Region of the context reads alike. Everything else (network, MFA,
//! resource tags, ...) stays unknown.

use std::cmp::Ordering;
use std::fmt::Write;

use crate::arn::Arn;
use crate::context::{parse_date, Iso8601, RequestContext};
use crate::policy::ConditionClause;
use crate::principal::{Principal, PrincipalKind};
use crate::targets::{ResourceSet, TargetKind};
use crate::wildcard::matches as wildcard_match;

/// The three-valued result of a statement's conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Truth {
    Holds,
    Fails,
    Unknown,
}

/// What the conditions are evaluated against.
#[derive(Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub principal: Option<&'a Principal>,
    pub context: &'a RequestContext,
    pub target: TargetKind,
}

/// The outcome of a statement's conditions: whether they hold, and the `aws:RequestedRegion`
/// clauses left to restrict the resources (Regions the statement applies in).
pub(crate) struct Decision<'c> {
    pub truth: Truth,
    pub regions: Vec<ResourceSet<'c>>,
}

/// Evaluates all clauses (they are AND-ed): one failing clause fails the block, otherwise one
/// unknown clause makes it unknown. Clauses that contradict each other fail the block. When
/// there are conditions, appends to `reason` which clauses decided, as evidence.
pub(crate) fn evaluate<'c>(
    conditions: &'c [ConditionClause],
    facts: &Facts,
    policy_variables: bool,
    reason: &mut String,
) -> Decision<'c> {
    let mut decision = Decision {
        truth: Truth::Holds,
        regions: Vec::new(),
    };
    if conditions.is_empty() {
        return decision;
    }
    if let Some((first, second)) = contradiction(conditions, policy_variables) {
        reason.push_str("; condition never holds: ");
        write_clause(reason, first);
        reason.push_str(" contradicts ");
        write_clause(reason, second);
        decision.truth = Truth::Fails;
        return decision;
    }
    let outcomes: Vec<Outcome> = conditions
        .iter()
        .map(|clause| clause_outcome(clause, facts, policy_variables))
        .collect();
    if let Some((clause, outcome)) = conditions
        .iter()
        .zip(&outcomes)
        .find(|(_, o)| matches!(o, Outcome::Fails(_)))
    {
        match outcome {
            Outcome::Fails(None) => reason.push_str("; condition excludes this principal: "),
            _ => reason.push_str("; condition does not hold: "),
        }
        write_clause(reason, clause);
        write_why(reason, outcome);
        decision.truth = Truth::Fails;
        return decision;
    }
    let unknown = outcomes.iter().any(|o| matches!(o, Outcome::Unknown(_)));
    let (truth, heading) = if unknown {
        (Truth::Unknown, "; condition not evaluated: ")
    } else {
        (Truth::Holds, "; condition holds for this principal: ")
    };
    decision.truth = truth;
    // When unknown, list the undecided clauses; when it holds, the decided ones.
    let listed: Vec<(&ConditionClause, &Outcome)> = conditions
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| match o {
            Outcome::Unknown(_) => unknown,
            Outcome::Holds(_) => !unknown,
            _ => false,
        })
        .collect();
    if !listed.is_empty() {
        reason.push_str(heading);
        for (i, (clause, outcome)) in listed.into_iter().enumerate() {
            if i > 0 {
                reason.push_str("; ");
            }
            write_clause(reason, clause);
            write_why(reason, outcome);
        }
    }
    for (clause, outcome) in conditions.iter().zip(outcomes) {
        if let Outcome::Regions(set) = outcome {
            reason.push_str("; condition limits the Region of the resource: ");
            write_clause(reason, clause);
            decision.regions.push(set);
        }
    }
    decision
}

fn write_clause(out: &mut String, clause: &ConditionClause) {
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{} {} {:?}",
        clause.key, clause.operator, clause.values
    );
}

fn write_why(out: &mut String, outcome: &Outcome) {
    if let Outcome::Holds(Some(why)) | Outcome::Fails(Some(why)) | Outcome::Unknown(Some(why)) =
        outcome
    {
        let _ = write!(out, " ({why})");
    }
}

/// What one clause comes to. The text, when any, says which fact decided it (none for a
/// principal key).
enum Outcome<'c> {
    Holds(Option<String>),
    Fails(Option<String>),
    Unknown(Option<String>),
    /// An `aws:RequestedRegion` clause, read as the Regions of the resources it allows.
    Regions(ResourceSet<'c>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    /// `ArnEquals` and `ArnLike` behave alike: wildcards, per ARN segment.
    ArnLike,
    Bool,
    /// `Date*` operators: holds when the value compares to the condition's as one of these.
    Date(Ordering, Option<Ordering>),
    /// `Numeric*` operators, likewise.
    Numeric(Ordering, Option<Ordering>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    /// A single-valued key.
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Clone, Copy)]
struct Operator {
    comparison: Comparison,
    negated: bool,
    quantifier: Quantifier,
    if_exists: bool,
}

fn parse_operator(name: &str) -> Option<Operator> {
    use Ordering::{Equal, Greater, Less};
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
    let ordered = |kind: &str| -> Option<(Ordering, Option<Ordering>, bool)> {
        Some(match kind {
            "Equals" => (Equal, None, false),
            "NotEquals" => (Equal, None, true),
            "LessThan" => (Less, None, false),
            "LessThanEquals" => (Less, Some(Equal), false),
            "GreaterThan" => (Greater, None, false),
            "GreaterThanEquals" => (Greater, Some(Equal), false),
            _ => return None,
        })
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
        _ => {
            if let Some((first, second, negated)) = name.strip_prefix("Date").and_then(ordered) {
                (Comparison::Date(first, second), negated)
            } else if let Some((first, second, negated)) =
                name.strip_prefix("Numeric").and_then(ordered)
            {
                (Comparison::Numeric(first, second), negated)
            } else {
                return None;
            }
        }
    };
    Some(Operator {
        comparison,
        negated,
        quantifier,
        if_exists,
    })
}

/// The values a key can take in the requests that matter, each `None` when the request would
/// not carry the key, with the fact that says so (`None` for the principal's own keys); `None`
/// when nothing decides the key.
type Readings = (Vec<Option<String>>, Option<String>);

fn readings(key: &str, facts: &Facts) -> Option<Readings> {
    let key = key.to_ascii_lowercase();
    let context = facts.context;
    let time = |what: &str| {
        let now = context.now?;
        Some((
            vec![Some(now.to_string())],
            Some(format!("{what} {}", Iso8601(now))),
        ))
    };
    match key.as_str() {
        "aws:currenttime" | "aws:epochtime" => time("at"),
        "aws:tokenissuetime" => {
            // A principal can always start a new session; an IAM user can also sign with its
            // access keys, which carry no token.
            let now = context.now?;
            let session = Some(now.to_string());
            let why = format!("a session started at {}", Iso8601(now));
            match facts.principal.map(|p| p.kind) {
                Some(PrincipalKind::Role) => Some((vec![session], Some(why))),
                _ => Some((
                    vec![None, session],
                    Some(format!("{why}, or access keys without a token")),
                )),
            }
        }
        "aws:principalorgid" | "aws:resourceorgid" => {
            let value = context.organization.value()?;
            let why = match value {
                Some(id) => format!("the organization is {id}"),
                None => "the account is in no organization".to_owned(),
            };
            Some((vec![value.map(str::to_owned)], Some(why)))
        }
        // A multivalued key: decided for a request passing exactly one key, where the set
        // operators read as the single-valued ones.
        "aws:tagkeys" => match context.tag_keys.as_deref()? {
            [key] => Some((
                vec![Some(key.clone())],
                Some(format!("a request tagging {key}")),
            )),
            _ => None,
        },
        "aws:resourceaccount" => {
            let principal = facts.principal?;
            Some((
                vec![Some(principal.account_id.clone())],
                Some(format!(
                    "the backups are in the principal's account {}",
                    principal.account_id
                )),
            ))
        }
        _ => {
            let value = facts.principal?.condition_value(&key)?;
            Some((vec![value], None))
        }
    }
}

/// What one clause comes to for the facts.
fn clause_outcome<'c>(
    clause: &'c ConditionClause,
    facts: &Facts,
    policy_variables: bool,
) -> Outcome<'c> {
    if clause.key.eq_ignore_ascii_case("aws:RequestedRegion") {
        return region_outcome(clause, facts, policy_variables);
    }
    if let Some(setters) = facts
        .principal
        .and_then(|p| p.session_tag_setters(&clause.key))
    {
        return Outcome::Unknown(Some(format!(
            "callers can set it as a session tag when they assume the role: {}",
            setters.join(", ")
        )));
    }
    let Some((readings, why)) = readings(&clause.key, facts) else {
        return Outcome::Unknown(None);
    };
    let decided: Vec<Option<bool>> = readings
        .iter()
        .map(|value| clause_holds(clause, value.as_deref(), facts, policy_variables))
        .collect();
    match decided[..] {
        _ if decided.contains(&None) => Outcome::Unknown(None),
        _ if decided.iter().all(|d| *d == Some(true)) => Outcome::Holds(why),
        _ if decided.iter().all(|d| *d == Some(false)) => Outcome::Fails(why),
        _ => Outcome::Unknown(why),
    }
}

/// `aws:RequestedRegion`: decided when it reads alike in every Region of the context; for
/// actions whose resources name their Region, otherwise a restriction of those resources.
fn region_outcome<'c>(
    clause: &'c ConditionClause,
    facts: &Facts,
    policy_variables: bool,
) -> Outcome<'c> {
    let Some(operator) = parse_operator(&clause.operator) else {
        return Outcome::Unknown(None);
    };
    let has_variables = policy_variables && clause.values.iter().any(|v| v.contains("${"));
    if let Some(regions) = facts.context.known_regions() {
        let decided: Vec<Option<bool>> = regions
            .iter()
            .map(|region| clause_holds(clause, Some(region), facts, policy_variables))
            .collect();
        let listed = regions.join(", ");
        if decided.iter().all(|d| *d == Some(true)) {
            return Outcome::Holds(Some(format!("in every Region of the backups: {listed}")));
        }
        if decided.iter().all(|d| *d == Some(false)) {
            return Outcome::Fails(Some(format!("in no Region of the backups: {listed}")));
        }
    }
    let like = match operator.comparison {
        Comparison::StringEquals => false,
        Comparison::StringEqualsIgnoreCase
            if clause.values.iter().all(|v| *v == v.to_lowercase()) =>
        {
            false
        }
        Comparison::StringLike => true,
        _ => return Outcome::Unknown(None),
    };
    if has_variables || !facts.target.is_regional() {
        return Outcome::Unknown(None);
    }
    Outcome::Regions(ResourceSet::Regions {
        values: &clause.values,
        like,
        negated: operator.negated,
    })
}

/// Whether one clause holds when the key's value is `present` (`None`: absent); `None` when
/// its operator or values cannot be evaluated statically.
fn clause_holds(
    clause: &ConditionClause,
    present: Option<&str>,
    facts: &Facts,
    policy_variables: bool,
) -> Option<bool> {
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
            .map(|v| substitute_variables(v, facts))
            .collect::<Option<Vec<_>>>()?
    } else {
        clause.values.clone()
    };
    let mut undecidable = false;
    let mut holds_for = |actual: &str| {
        let mut matched = false;
        for expected in &values {
            match compare(operator.comparison, expected, actual) {
                Some(true) => matched = true,
                Some(false) => {}
                None => undecidable = true,
            }
        }
        matched != operator.negated
    };
    // AWS: with the key absent, a negated operator holds and a positive one does not, unless
    // `IfExists`; over an empty set, `ForAnyValue` fails and `ForAllValues` holds.
    let holds = match (operator.quantifier, present) {
        (_, Some(actual)) => holds_for(actual),
        (Quantifier::Single, None) => operator.if_exists || operator.negated,
        (Quantifier::ForAnyValue, None) => operator.if_exists,
        (Quantifier::ForAllValues, None) => true,
    };
    (!undecidable).then_some(holds)
}

/// Whether `actual` compares to `expected` as the comparison asks; `None` when a date or
/// number cannot be read.
fn compare(comparison: Comparison, expected: &str, actual: &str) -> Option<bool> {
    let ordered = |ordering: Ordering, first: Ordering, second: Option<Ordering>| {
        ordering == first || Some(ordering) == second
    };
    Some(match comparison {
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
        Comparison::Date(first, second) => {
            let ordering = parse_date(actual)?.cmp(&parse_date(expected)?);
            ordered(ordering, first, second)
        }
        Comparison::Numeric(first, second) => {
            let (actual, expected): (f64, f64) =
                (actual.trim().parse().ok()?, expected.trim().parse().ok()?);
            ordered(actual.partial_cmp(&expected)?, first, second)
        }
    })
}

/// Replaces `${key}` policy variables whose value the facts give; `None` when any variable
/// stays unknown (including the `${*}` escapes, which would otherwise turn into wildcards).
fn substitute_variables(value: &str, facts: &Facts) -> Option<String> {
    let mut result = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}')?;
        result.push_str(&rest[..start]);
        let (readings, _) = readings(&rest[start + 2..end], facts)?;
        match &readings[..] {
            [Some(value)] => result.push_str(value),
            _ => return None,
        }
        rest = &rest[end + 1..];
    }
    result.push_str(rest);
    Some(result)
}

/// Two clauses no request can meet together: a key that must equal values that another clause
/// excludes, or that must be both present and absent. Only plain single-valued string, `Bool`
/// and `Null` clauses are compared.
fn contradiction(
    conditions: &[ConditionClause],
    policy_variables: bool,
) -> Option<(&ConditionClause, &ConditionClause)> {
    let plain = |clause: &&ConditionClause| {
        !(policy_variables && clause.values.iter().any(|v| v.contains("${")))
    };
    for required in conditions.iter().filter(plain) {
        let key = &required.key;
        let same_key = |other: &&ConditionClause| {
            !std::ptr::eq(*other, required) && other.key.eq_ignore_ascii_case(key)
        };
        if required.operator == "Null" {
            let absent = required
                .values
                .iter()
                .all(|v| v.eq_ignore_ascii_case("true"));
            let present = required
                .values
                .iter()
                .all(|v| v.eq_ignore_ascii_case("false"));
            for other in conditions.iter().filter(same_key).filter(plain) {
                let null_of = |value: &str| {
                    other.operator == "Null"
                        && other.values.iter().all(|v| v.eq_ignore_ascii_case(value))
                };
                // A positive single-valued clause without IfExists needs the key present.
                let other_present = null_of("false")
                    || parse_operator(&other.operator).is_some_and(|op| {
                        op.quantifier == Quantifier::Single && !op.if_exists && !op.negated
                    });
                let other_absent = null_of("true");
                if (absent && other_present) || (present && other_absent) {
                    return Some((required, other));
                }
            }
            continue;
        }
        let Some(operator) = parse_operator(&required.operator) else {
            continue;
        };
        // A positive, single-valued clause without IfExists: the key is present and one of
        // these values.
        let exact = matches!(
            operator.comparison,
            Comparison::StringEquals | Comparison::StringEqualsIgnoreCase | Comparison::Bool
        );
        if !exact
            || operator.negated
            || operator.if_exists
            || operator.quantifier != Quantifier::Single
        {
            continue;
        }
        let ignore_case = operator.comparison != Comparison::StringEquals;
        for other in conditions.iter().filter(same_key).filter(plain) {
            let Some(other_op) = parse_operator(&other.operator) else {
                continue;
            };
            if other_op.quantifier != Quantifier::Single {
                continue;
            }
            let comparable = matches!(
                (operator.comparison, other_op.comparison),
                (Comparison::Bool, Comparison::Bool)
                    | (Comparison::StringEquals, Comparison::StringEquals)
                    | (_, Comparison::StringEqualsIgnoreCase)
            );
            if !comparable || (ignore_case && other_op.comparison == Comparison::StringEquals) {
                continue;
            }
            let meets = |value: &str| {
                let matched = other
                    .values
                    .iter()
                    .any(|v| compare(other_op.comparison, v, value).unwrap_or(true));
                matched != other_op.negated
            };
            if required.values.iter().all(|value| !meets(value)) {
                return Some((required, other));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::OrgMembership;

    fn clause(operator: &str, key: &str, values: &[&str]) -> ConditionClause {
        ConditionClause {
            operator: operator.to_owned(),
            key: key.to_owned(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn truth_in(
        conditions: &[ConditionClause],
        principal: Option<&Principal>,
        context: &RequestContext,
    ) -> Truth {
        let facts = Facts {
            principal,
            context,
            target: TargetKind::Snapshot,
        };
        evaluate(conditions, &facts, true, &mut String::new()).truth
    }

    fn truth_of(conditions: &[ConditionClause], principal: Option<&Principal>) -> Truth {
        let context = RequestContext {
            organization: OrgMembership::Member("o-abc".to_owned()),
            ..RequestContext::default()
        };
        truth_in(conditions, principal, &context)
    }

    fn backup_admin() -> Principal {
        let mut role =
            Principal::from_arn("arn:aws:iam::111122223333:role/BackupAdmin").expect("valid");
        role.tags.insert("team".to_owned(), "backup".to_owned());
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
            (
                "StringEquals",
                "aws:ResourceAccount",
                &["${aws:PrincipalAccount}"],
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
        let request_key = clause("Bool", "aws:MultiFactorAuthPresent", &["true"]);
        assert_eq!(truth_of(&[request_key], Some(&admin)), Truth::Unknown);
        let principal_key = clause("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/X"]);
        let mut reason = String::new();
        let facts = Facts {
            principal: None,
            context: &RequestContext::default(),
            target: TargetKind::Snapshot,
        };
        let truth = evaluate(&[principal_key], &facts, true, &mut reason).truth;
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
            clause("Bool", "aws:MultiFactorAuthPresent", &["true"]),
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
        let context = RequestContext::default();
        let facts = Facts {
            principal: Some(&admin),
            context: &context,
            target: TargetKind::Snapshot,
        };
        assert_eq!(
            evaluate(&[literal], &facts, false, &mut String::new()).truth,
            Truth::Fails
        );
    }

    #[test]
    fn the_context_decides_time_and_organization_keys() {
        let admin = backup_admin();
        let user = Principal::from_arn("arn:aws:iam::111122223333:user/alice").expect("valid");
        let collected = RequestContext {
            now: parse_date("2026-11-25T06:00:00Z"),
            organization: OrgMembership::Member("o-abc".to_owned()),
            ..RequestContext::default()
        };
        let standalone = RequestContext {
            organization: OrgMembership::Standalone,
            ..RequestContext::default()
        };
        let unknown = RequestContext::default();
        use Truth::*;
        let cases: Vec<(ConditionClause, &Principal, &RequestContext, Truth)> = vec![
            // The console's "revoke older sessions": new sessions are not before the instant.
            (
                clause(
                    "DateLessThan",
                    "aws:TokenIssueTime",
                    &["2026-11-20T09:00:00.000Z"],
                ),
                &admin,
                &collected,
                Fails,
            ),
            (
                clause(
                    "DateLessThan",
                    "aws:TokenIssueTime",
                    &["2027-01-01T00:00:00Z"],
                ),
                &admin,
                &collected,
                Holds,
            ),
            (
                clause(
                    "DateLessThan",
                    "aws:TokenIssueTime",
                    &["2026-11-20T09:00:00Z"],
                ),
                &admin,
                &unknown,
                Unknown,
            ),
            // A user may sign with access keys (no token) or with a session token.
            (
                clause(
                    "DateLessThan",
                    "aws:TokenIssueTime",
                    &["2026-11-20T09:00:00Z"],
                ),
                &user,
                &collected,
                Fails,
            ),
            (
                clause(
                    "DateGreaterThan",
                    "aws:TokenIssueTime",
                    &["2026-11-20T09:00:00Z"],
                ),
                &user,
                &collected,
                Unknown,
            ),
            (
                clause("DateGreaterThan", "aws:CurrentTime", &["2026-01-01"]),
                &admin,
                &collected,
                Holds,
            ),
            (
                clause(
                    "DateLessThanEquals",
                    "aws:CurrentTime",
                    &["2026-11-25T06:00:00Z"],
                ),
                &admin,
                &collected,
                Holds,
            ),
            (
                clause("DateLessThan", "aws:CurrentTime", &["not a date"]),
                &admin,
                &collected,
                Unknown,
            ),
            (
                clause("NumericLessThan", "aws:EpochTime", &["1700000000"]),
                &admin,
                &collected,
                Fails,
            ),
            (
                clause("DateGreaterThan", "aws:EpochTime", &["1700000000"]),
                &admin,
                &collected,
                Holds,
            ),
            (
                clause("StringEquals", "aws:ResourceOrgID", &["o-abc"]),
                &admin,
                &collected,
                Holds,
            ),
            (
                clause("StringNotEquals", "aws:PrincipalOrgID", &["o-abc"]),
                &admin,
                &collected,
                Fails,
            ),
            (
                clause("StringEquals", "aws:PrincipalOrgID", &["o-abc"]),
                &admin,
                &standalone,
                Fails,
            ),
            (
                clause("StringEquals", "aws:PrincipalOrgID", &["o-abc"]),
                &admin,
                &unknown,
                Unknown,
            ),
            (
                clause("StringEquals", "aws:ResourceAccount", &["111122223333"]),
                &admin,
                &unknown,
                Holds,
            ),
            (
                clause("StringNotEquals", "aws:ResourceAccount", &["111122223333"]),
                &admin,
                &unknown,
                Fails,
            ),
        ];
        for (clause, principal, context, expected) in cases {
            assert_eq!(
                truth_in(std::slice::from_ref(&clause), Some(principal), context),
                expected,
                "{} {} {:?} for {}",
                clause.key,
                clause.operator,
                clause.values,
                principal.arn
            );
        }
    }

    #[test]
    fn requested_region_is_decided_in_the_regions_of_the_backups() {
        let admin = backup_admin();
        let regions = |names: &[&str]| RequestContext {
            regions: Some(names.iter().map(|n| n.to_string()).collect()),
            ..RequestContext::default()
        };
        let outside = clause(
            "StringNotEquals",
            "aws:RequestedRegion",
            &["us-east-1", "eu-west-1"],
        );
        let only = regions(&["us-east-1"]);
        assert_eq!(
            truth_in(std::slice::from_ref(&outside), Some(&admin), &only),
            Truth::Fails
        );
        let both = regions(&["us-east-1", "ap-south-1"]);
        let facts = Facts {
            principal: Some(&admin),
            context: &both,
            target: TargetKind::Snapshot,
        };
        let mut reason = String::new();
        let decision = evaluate(std::slice::from_ref(&outside), &facts, true, &mut reason);
        assert_eq!(decision.truth, Truth::Holds);
        assert_eq!(decision.regions.len(), 1, "{reason}");
        // Resources without a Region in their ARN: undecided when the Regions differ.
        let any = Facts {
            target: TargetKind::AnyResource,
            ..facts
        };
        let decision = evaluate(
            std::slice::from_ref(&outside),
            &any,
            true,
            &mut String::new(),
        );
        assert_eq!(
            (decision.truth, decision.regions.len()),
            (Truth::Unknown, 0)
        );
        let in_list = clause("StringLike", "aws:RequestedRegion", &["us-*"]);
        assert_eq!(truth_in(&[in_list], Some(&admin), &only), Truth::Holds);
    }

    #[test]
    fn contradictory_clauses_never_hold() {
        let admin = backup_admin();
        let contradictions = [
            vec![
                clause("StringEquals", "aws:PrincipalTag/team", &["backup"]),
                clause("StringNotEquals", "aws:PrincipalTag/team", &["backup"]),
            ],
            vec![
                clause("StringEquals", "ec2:ResourceTag/Owner", &["a"]),
                clause("StringEquals", "ec2:resourcetag/Owner", &["b"]),
            ],
            vec![
                clause("StringEquals", "ec2:ResourceTag/Owner", &["a", "b"]),
                clause(
                    "StringNotEqualsIfExists",
                    "ec2:ResourceTag/Owner",
                    &["a", "b", "c"],
                ),
            ],
            vec![
                clause("Bool", "aws:MultiFactorAuthPresent", &["true"]),
                clause("Bool", "aws:MultiFactorAuthPresent", &["false"]),
            ],
            vec![
                clause("Null", "ec2:ResourceTag/Owner", &["true"]),
                clause("StringEquals", "ec2:ResourceTag/Owner", &["a"]),
            ],
            vec![
                clause("StringEqualsIgnoreCase", "ec2:ResourceTag/Owner", &["A"]),
                clause("StringNotEqualsIgnoreCase", "ec2:ResourceTag/Owner", &["a"]),
            ],
        ];
        for clauses in contradictions {
            let mut reason = String::new();
            let facts = Facts {
                principal: Some(&admin),
                context: &RequestContext::default(),
                target: TargetKind::Snapshot,
            };
            let truth = evaluate(&clauses, &facts, true, &mut reason).truth;
            assert_eq!(truth, Truth::Fails, "{clauses:?}");
            assert!(reason.contains("never holds"), "{reason}");
        }
        let compatible = [
            vec![
                clause("StringEquals", "ec2:ResourceTag/Owner", &["a", "b"]),
                clause("StringNotEquals", "ec2:ResourceTag/Owner", &["a"]),
            ],
            vec![
                clause("StringEqualsIfExists", "ec2:ResourceTag/Owner", &["a"]),
                clause("StringNotEqualsIfExists", "ec2:ResourceTag/Owner", &["a"]),
            ],
            vec![
                clause("StringEquals", "ec2:ResourceTag/Owner", &["a"]),
                clause("StringNotEqualsIgnoreCase", "ec2:ResourceTag/Owner", &["b"]),
            ],
        ];
        for clauses in compatible {
            assert_eq!(
                truth_of(&clauses, Some(&admin)),
                Truth::Unknown,
                "{clauses:?}"
            );
        }
    }
}
