//! Which resources a protected action acts on, and how much of them a statement's
//! `Resource`/`NotResource` patterns reach.
//!
//! Both sides are regular languages over ASCII: a target shape such as
//! `arn:aws:ec2:<region>::snapshot/<id>` and a policy's ARN patterns. We decide overlap
//! ("matches some target") and coverage ("matches every target") exactly by exploring the
//! shape's automaton in lock-step with the subset construction of the patterns' automaton.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Serialize;

/// The kind of resource a protected action acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// `arn:aws:ec2:<region>::snapshot/<id>`
    Snapshot,
    /// `arn:aws:ec2:<region>::image/<id>`
    Image,
    /// `arn:aws:rbin:<region>:<account>:rule/<id>`
    RecycleBinRule,
    /// An action we have no resource shape for: any non-empty resource string.
    AnyResource,
}

impl TargetKind {
    pub(crate) const COUNT: usize = 4;

    /// The target kind of a lower-cased action name.
    pub(crate) fn of_action(action_lowercase: &str) -> Self {
        match action_lowercase {
            "ec2:deletesnapshot" | "ec2:modifysnapshotattribute" => TargetKind::Snapshot,
            "ec2:deregisterimage" | "ec2:modifyimageattribute" => TargetKind::Image,
            "rbin:deleterule" | "rbin:updaterule" | "rbin:unlockrule" => TargetKind::RecycleBinRule,
            _ => TargetKind::AnyResource,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// A plural noun for messages ("... covers only some snapshots").
    pub fn plural_noun(self) -> &'static str {
        match self {
            TargetKind::Snapshot => "snapshots",
            TargetKind::Image => "images",
            TargetKind::RecycleBinRule => "Recycle Bin rules",
            TargetKind::AnyResource => "resources",
        }
    }

    fn shape(self) -> &'static [Symbol] {
        static SHAPES: LazyLock<[Vec<Symbol>; TargetKind::COUNT]> = LazyLock::new(|| {
            let region = || one_or_more(charset("abcdefghijklmnopqrstuvwxyz0123456789-"));
            let id = || one_or_more(ALPHANUMERIC.union(charset("-")));
            let account = || vec![Symbol::One(charset("0123456789")); 12];
            let any = one_or_more(CharSet::ALL);
            [
                [
                    literal("arn:aws:ec2:"),
                    region(),
                    literal("::snapshot/"),
                    id(),
                ]
                .concat(),
                [literal("arn:aws:ec2:"), region(), literal("::image/"), id()].concat(),
                [
                    literal("arn:aws:rbin:"),
                    region(),
                    literal(":"),
                    account(),
                    literal(":rule/"),
                    id(),
                ]
                .concat(),
                any,
            ]
        });
        &SHAPES[self.index()]
    }
}

/// How much of an action's targets a statement's resource element reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    None,
    Some,
    All,
}

/// A set of ASCII characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CharSet(u128);

const ALPHANUMERIC: CharSet = CharSet(
    // 0-9, A-Z, a-z
    (((1u128 << 10) - 1) << b'0') | (((1u128 << 26) - 1) << b'A') | (((1u128 << 26) - 1) << b'a'),
);

impl CharSet {
    const EMPTY: CharSet = CharSet(0);
    const ALL: CharSet = CharSet(u128::MAX);

    fn of(c: char) -> CharSet {
        if c.is_ascii() {
            CharSet(1 << (c as u32))
        } else {
            // Targets are ASCII, so a non-ASCII literal can never match one.
            CharSet::EMPTY
        }
    }
    fn union(self, other: CharSet) -> CharSet {
        CharSet(self.0 | other.0)
    }
    fn intersect(self, other: CharSet) -> CharSet {
        CharSet(self.0 & other.0)
    }
    fn without(self, other: CharSet) -> CharSet {
        CharSet(self.0 & !other.0)
    }
    fn contains(self, byte: u8) -> bool {
        self.0 >> byte & 1 == 1
    }
    fn lowest(self) -> Option<u8> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as u8)
    }
}

fn charset(chars: &str) -> CharSet {
    chars
        .chars()
        .map(CharSet::of)
        .fold(CharSet::EMPTY, CharSet::union)
}

/// One step of a pattern or shape: exactly one character of a set, or any run of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    One(CharSet),
    Run(CharSet),
}

fn literal(text: &str) -> Vec<Symbol> {
    text.chars().map(|c| Symbol::One(CharSet::of(c))).collect()
}

fn one_or_more(set: CharSet) -> Vec<Symbol> {
    vec![Symbol::One(set), Symbol::Run(set)]
}

/// One element of a `Resource` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ArnItem {
    Literal(char),
    /// `?` or `*`; `crosses_colons` is false inside an ARN segment.
    Wildcard {
        run: bool,
        crosses_colons: bool,
    },
    /// A policy variable such as `${aws:username}`: its value is not known here.
    Variable,
}

/// A compiled `Resource`/`NotResource` pattern.
///
/// AWS: wildcards apply within one colon-separated ARN segment, except that a `*` which is the
/// last character of a segment "can expand to match beyond the colon boundaries".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    items: Vec<ArnItem>,
}

impl ArnPattern {
    /// Compiles `pattern`; `with_variables` enables `${...}` policy variables (policy
    /// version 2012-10-17 only), including the escapes `${*}`, `${?}` and `${$}`.
    pub(crate) fn new(pattern: &str, with_variables: bool) -> Self {
        let mut items = Vec::new();
        let mut rest = pattern;
        while let Some(c) = rest.chars().next() {
            if with_variables && rest.starts_with("${") {
                if let Some(end) = rest.find('}') {
                    items.push(match &rest[2..end] {
                        escaped @ ("*" | "?" | "$") => {
                            ArnItem::Literal(escaped.chars().next().expect("one char"))
                        }
                        _ => ArnItem::Variable,
                    });
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            rest = &rest[c.len_utf8()..];
            items.push(match c {
                '*' | '?' => ArnItem::Wildcard {
                    run: c == '*',
                    crosses_colons: c == '*' && (rest.is_empty() || rest.starts_with(':')),
                },
                c => ArnItem::Literal(c),
            });
        }
        ArnPattern { items }
    }

    /// Whether the pattern matches every string (`*`, `**`, ...).
    pub(crate) fn is_match_all(&self) -> bool {
        self.items.iter().all(|i| {
            matches!(
                i,
                ArnItem::Wildcard {
                    run: true,
                    crosses_colons: true
                }
            )
        })
    }

    fn has_variables(&self) -> bool {
        self.items.contains(&ArnItem::Variable)
    }

    /// The pattern as symbols. An unknown variable reads as "anything" when asking whether
    /// the pattern can match at all, and as "nothing" when asking whether it surely matches.
    fn symbols(&self, variable: Symbol) -> impl Iterator<Item = Symbol> + '_ {
        let within_segment = CharSet::ALL.without(CharSet::of(':'));
        self.items.iter().map(move |item| match *item {
            ArnItem::Literal(c) => Symbol::One(CharSet::of(c)),
            ArnItem::Wildcard {
                run,
                crosses_colons,
            } => {
                let set = if crosses_colons {
                    CharSet::ALL
                } else {
                    within_segment
                };
                if run {
                    Symbol::Run(set)
                } else {
                    Symbol::One(set)
                }
            }
            ArnItem::Variable => variable,
        })
    }
}

/// How a `Resource` (or, with `negated`, a `NotResource`) list reaches the targets.
pub(crate) fn reach(patterns: &[ArnPattern], negated: bool, target: TargetKind) -> Reach {
    let (overlaps, covers) = if patterns.iter().any(ArnPattern::is_match_all) {
        (true, true)
    } else if patterns.iter().any(ArnPattern::has_variables) {
        let optimistic = Explorer::new(patterns, Symbol::Run(CharSet::ALL), target).run();
        let pessimistic = Explorer::new(patterns, Symbol::One(CharSet::EMPTY), target).run();
        (optimistic.overlaps, pessimistic.covers)
    } else {
        let exact = Explorer::new(patterns, Symbol::One(CharSet::EMPTY), target).run();
        (exact.overlaps, exact.covers)
    };
    match (negated, overlaps, covers) {
        (false, _, true) | (true, false, _) => Reach::All,
        (false, false, _) | (true, _, true) => Reach::None,
        _ => Reach::Some,
    }
}

struct Outcome {
    overlaps: bool,
    covers: bool,
}

/// Product of the target shape's automaton with the determinised union of the patterns.
struct Explorer {
    /// Every pattern's symbols back to back; `None` marks the end (accepting) position of one.
    positions: Vec<Option<Symbol>>,
    starts: Vec<usize>,
    shape: &'static [Symbol],
    /// Characters no pattern symbol tells apart; one representative of each is enough.
    classes: Vec<CharSet>,
}

type PatternStates = Vec<u64>;

impl Explorer {
    fn new(patterns: &[ArnPattern], variable: Symbol, target: TargetKind) -> Self {
        let mut positions = Vec::new();
        let mut starts = Vec::new();
        for pattern in patterns {
            starts.push(positions.len());
            positions.extend(pattern.symbols(variable).map(Some));
            positions.push(None);
        }
        let mut classes = vec![CharSet::ALL];
        let mut seen = HashSet::new();
        for symbol in positions.iter().flatten() {
            let (Symbol::One(set) | Symbol::Run(set)) = *symbol;
            if seen.insert(set) {
                classes = classes
                    .into_iter()
                    .flat_map(|class| [class.intersect(set), class.without(set)])
                    .filter(|class| *class != CharSet::EMPTY)
                    .collect();
            }
        }
        Explorer {
            positions,
            starts,
            shape: target.shape(),
            classes,
        }
    }

    fn run(&self) -> Outcome {
        let mut outcome = Outcome {
            overlaps: false,
            covers: true,
        };
        let mut initial = vec![0; self.positions.len().div_ceil(64)];
        for &start in &self.starts {
            set_bit(&mut initial, start);
        }
        self.close(&mut initial);
        let mut seen = HashSet::new();
        let mut pending = vec![(initial, 0usize)];
        while let Some((states, at)) = pending.pop() {
            if !seen.insert((states.clone(), at)) {
                continue;
            }
            let Some(&symbol) = self.shape.get(at) else {
                if self.accepts(&states) {
                    outcome.overlaps = true;
                } else {
                    outcome.covers = false;
                }
                if outcome.overlaps && !outcome.covers {
                    break;
                }
                continue;
            };
            let (Symbol::One(set) | Symbol::Run(set)) = symbol;
            let next_at = match symbol {
                Symbol::One(_) => at + 1,
                Symbol::Run(_) => {
                    pending.push((states.clone(), at + 1));
                    at
                }
            };
            for class in &self.classes {
                if let Some(byte) = class.intersect(set).lowest() {
                    let next = self.step(&states, byte);
                    if next.iter().all(|w| *w == 0) {
                        // Every shape position can still reach acceptance, and no pattern
                        // can any more: some target is not matched.
                        outcome.covers = false;
                    } else {
                        pending.push((next, next_at));
                    }
                }
            }
        }
        outcome
    }

    fn accepts(&self, states: &PatternStates) -> bool {
        self.positions
            .iter()
            .enumerate()
            .any(|(p, symbol)| symbol.is_none() && bit(states, p))
    }

    fn step(&self, states: &PatternStates, byte: u8) -> PatternStates {
        let mut next = vec![0; states.len()];
        for (p, symbol) in self.positions.iter().enumerate() {
            if !bit(states, p) {
                continue;
            }
            match symbol {
                Some(Symbol::One(set)) if set.contains(byte) => set_bit(&mut next, p + 1),
                Some(Symbol::Run(set)) if set.contains(byte) => set_bit(&mut next, p),
                _ => {}
            }
        }
        self.close(&mut next);
        next
    }

    /// Adds the positions reachable without reading: past any `Run`, which may be empty.
    fn close(&self, states: &mut PatternStates) {
        for (p, symbol) in self.positions.iter().enumerate() {
            if matches!(symbol, Some(Symbol::Run(_))) && bit(states, p) {
                set_bit(states, p + 1);
            }
        }
    }
}

fn bit(states: &PatternStates, p: usize) -> bool {
    states[p / 64] >> (p % 64) & 1 == 1
}

fn set_bit(states: &mut PatternStates, p: usize) {
    states[p / 64] |= 1 << (p % 64);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach_of(patterns: &[&str], negated: bool, target: TargetKind) -> Reach {
        let compiled: Vec<_> = patterns.iter().map(|p| ArnPattern::new(p, true)).collect();
        reach(&compiled, negated, target)
    }

    #[test]
    fn resource_patterns_reach_snapshots() {
        use Reach::*;
        let cases: &[(&[&str], Reach)] = &[
            (&["*"], All),
            (&["arn:aws:ec2:*::snapshot/*"], All),
            (&["arn:aws:ec2:*:*:snapshot/*"], All),
            (&["arn:aws:ec2:*"], All),
            (&["arn:*:ec2:*::snapshot/*"], All),
            (&["arn:aws:ec2:*::snapshot/?*"], All),
            (&["arn:aws:ec2:*::*"], All),
            (&["arn:aws:ec2:us-east-1::snapshot/*"], Some),
            (&["arn:aws:ec2:*::snapshot/snap-0123"], Some),
            (&["arn:aws:ec2:*::snapshot/??*"], Some),
            (&["arn:aws:ec2:?::snapshot/*"], Some),
            (&["arn:aws:ec2:*::snapshot/${aws:username}"], Some),
            (&["arn:aws:ec2:*::snapshot/*${aws:username}"], Some),
            (&["arn:aws:ec2:*:*:instance/*"], None),
            (&["arn:aws:s3:::bucket"], None),
            (&["arn:aws:s3:::*"], None),
            (&["arn:aws:ec2:*::snapshot${*}"], None),
            (&["arn:aws:ec2:us-*::snapshot/*"], Some),
            // A `*` inside a segment does not cross colons; one ending a segment does.
            (&["arn:aws:ec2:u*t/*"], None),
            (&["arn:aws:ec2:u*"], Some),
            (
                &["arn:aws:ec2:*::snapshot/a*", "arn:aws:ec2:*::snapshot/*"],
                All,
            ),
        ];
        for (patterns, expected) in cases {
            assert_eq!(
                reach_of(patterns, false, TargetKind::Snapshot),
                *expected,
                "{patterns:?}"
            );
        }
    }

    #[test]
    fn union_of_partial_patterns_can_cover() {
        // Region "a..." or region not starting with "a": together every region.
        let patterns = ["arn:aws:ec2:a*::image/*", "arn:aws:ec2:*::image/*"];
        assert_eq!(reach_of(&patterns, false, TargetKind::Image), Reach::All);
        let digits_and_rest = [
            "arn:aws:rbin:*:0*:rule/*",
            "arn:aws:rbin:*:1*:rule/*",
            "arn:aws:rbin:*:2*:rule/*",
            "arn:aws:rbin:*:3*:rule/*",
            "arn:aws:rbin:*:4*:rule/*",
            "arn:aws:rbin:*:5*:rule/*",
            "arn:aws:rbin:*:6*:rule/*",
            "arn:aws:rbin:*:7*:rule/*",
            "arn:aws:rbin:*:8*:rule/*",
        ];
        assert_eq!(
            reach_of(&digits_and_rest, false, TargetKind::RecycleBinRule),
            Reach::Some
        );
        let mut all_digits = digits_and_rest.to_vec();
        all_digits.push("arn:aws:rbin:*:9*:rule/*");
        assert_eq!(
            reach_of(&all_digits, false, TargetKind::RecycleBinRule),
            Reach::All
        );
    }

    #[test]
    fn account_segment_is_twelve_digits() {
        let twelve = "arn:aws:rbin:*:????????????:rule/*";
        assert_eq!(
            reach_of(&[twelve], false, TargetKind::RecycleBinRule),
            Reach::All
        );
        let eleven = "arn:aws:rbin:*:???????????:rule/*";
        assert_eq!(
            reach_of(&[eleven], false, TargetKind::RecycleBinRule),
            Reach::None
        );
    }

    #[test]
    fn not_resource_is_the_complement() {
        use Reach::*;
        let cases: &[(&[&str], Reach)] = &[
            (&["arn:aws:s3:::HRBucket"], All),
            (&["arn:aws:ec2:us-east-1::snapshot/*"], Some),
            (&["arn:aws:ec2:*::snapshot/*"], None),
            (&["*"], None),
        ];
        for (patterns, expected) in cases {
            assert_eq!(
                reach_of(patterns, true, TargetKind::Snapshot),
                *expected,
                "{patterns:?}"
            );
        }
    }

    #[test]
    fn unknown_actions_reach_any_resource() {
        assert_eq!(reach_of(&["*"], false, TargetKind::AnyResource), Reach::All);
        assert_eq!(
            reach_of(&["arn:aws:s3:::x"], false, TargetKind::AnyResource),
            Reach::Some
        );
        assert_eq!(
            reach_of(&["arn:aws:s3:::x"], true, TargetKind::AnyResource),
            Reach::Some
        );
    }

    #[test]
    fn variables_are_literal_before_version_2012() {
        let pattern = ArnPattern::new("arn:aws:ec2:*::snapshot/${x}", false);
        assert_eq!(reach(&[pattern], false, TargetKind::Snapshot), Reach::None);
    }
}
