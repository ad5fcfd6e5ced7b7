//! Which resources a protected action acts on, and how much of them a statement's
//! `Resource`/`NotResource` patterns reach.
//!
//! Both sides are regular languages over ASCII: a target shape such as
//! `arn:aws:ec2:<region>::snapshot/<id>` and a policy's ARN patterns. We decide overlap
//! ("matches some target") and coverage ("matches every target") exactly by exploring the
//! shape's automaton in lock-step with the subset construction of the patterns' automaton.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{LazyLock, Mutex};

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
    /// An AWS Backup recovery point: `arn:aws:backup:<region>:<account>:recovery-point:<id>`,
    /// or the snapshot or image ARN that names an EBS or EC2 recovery point (AWS Backup's
    /// `RecoveryPointArn` is the resource's own ARN for those types).
    RecoveryPoint,
    /// `arn:aws:backup:<region>:<account>:backup-vault:<name>`
    BackupVault,
    /// `arn:aws:backup:<region>:<account>:backup-plan:<id>`
    BackupPlan,
    /// `arn:aws:backup:<region>:<account>:legal-hold:<id>`
    LegalHold,
    /// A Data Lifecycle Manager policy: `arn:aws:dlm:<region>:<account>:policy/<id>`
    LifecyclePolicy,
    /// An action we have no resource shape for: any non-empty resource string.
    AnyResource,
}

impl TargetKind {
    pub(crate) const COUNT: usize = 9;

    /// The target kind of a lower-cased action name: the resource type the Service
    /// Authorization Reference lists as required for it (EC2, Recycle Bin, AWS Backup, Data
    /// Lifecycle Manager), or [`TargetKind::AnyResource`] for an action with none or unknown.
    pub(crate) fn of_action(action_lowercase: &str) -> Self {
        match action_lowercase {
            "ec2:deletesnapshot"
            | "ec2:modifysnapshotattribute"
            | "ec2:locksnapshot"
            | "ec2:unlocksnapshot" => TargetKind::Snapshot,
            "ec2:deregisterimage"
            | "ec2:modifyimageattribute"
            | "ec2:disableimagederegistrationprotection" => TargetKind::Image,
            "rbin:deleterule" | "rbin:updaterule" | "rbin:unlockrule" => TargetKind::RecycleBinRule,
            "backup:deleterecoverypoint" | "backup:updaterecoverypointlifecycle" => {
                TargetKind::RecoveryPoint
            }
            "backup:deletebackupvault"
            | "backup:deletebackupvaultaccesspolicy"
            | "backup:putbackupvaultaccesspolicy"
            | "backup:deletebackupvaultlockconfiguration"
            | "backup:putbackupvaultlockconfiguration" => TargetKind::BackupVault,
            "backup:deletebackupplan"
            | "backup:updatebackupplan"
            | "backup:deletebackupselection" => TargetKind::BackupPlan,
            "backup:cancellegalhold" => TargetKind::LegalHold,
            "dlm:deletelifecyclepolicy" | "dlm:updatelifecyclepolicy" => {
                TargetKind::LifecyclePolicy
            }
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
            TargetKind::RecoveryPoint => "recovery points",
            TargetKind::BackupVault => "backup vaults",
            TargetKind::BackupPlan => "backup plans",
            TargetKind::LegalHold => "legal holds",
            TargetKind::LifecyclePolicy => "lifecycle policies",
            TargetKind::AnyResource => "resources",
        }
    }

    /// Whether the target's ARN names a Region (the one its API requests are made in).
    pub(crate) fn is_regional(self) -> bool {
        self != TargetKind::AnyResource
    }
}

/// The characters of a Region name.
const REGION_CHARS: CharSet = CharSet(
    // 0-9, a-z, -
    (((1u128 << 10) - 1) << b'0') | (((1u128 << 26) - 1) << b'a') | (1u128 << b'-'),
);

/// A resource id: letters, digits and `-`.
fn id() -> Vec<Symbol> {
    one_or_more(ALPHANUMERIC.union(charset("-")))
}

/// A backup vault's name: letters, digits, `-` and `_` (AWS Backup's `BackupVaultName`).
fn vault_name() -> Vec<Symbol> {
    one_or_more(ALPHANUMERIC.union(charset("-_")))
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    if patterns.iter().any(ArnPattern::is_match_all) {
        return if negated { Reach::None } else { Reach::All };
    }
    // The set the element stands for at its widest (`Upper`) and at its narrowest (`Lower`):
    // it overlaps the targets when its widest reading does, covers them when its narrowest does.
    let widest = ResourceSet::patterns(patterns, negated, Bound::Upper, None);
    let narrowest = ResourceSet::patterns(patterns, negated, Bound::Lower, None);
    let [widest, narrowest] = extents(Domain::unrestricted(target), &[widest, narrowest]);
    match (widest.overlaps, narrowest.covers) {
        (_, true) => Reach::All,
        (true, false) => Reach::Some,
        (false, false) => Reach::None,
    }
}

/// How an unknown policy variable in a pattern reads: as matching nothing (the narrowest set the
/// pattern can stand for) or anything (the widest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bound {
    Lower,
    Upper,
}

impl Bound {
    fn variable(self) -> Symbol {
        match self {
            Bound::Lower => Symbol::One(CharSet::EMPTY),
            Bound::Upper => Symbol::Run(CharSet::ALL),
        }
    }
}

/// A set of ARNs: pattern lists combined with intersection, union and complement. Evaluation
/// builds one per action (the resources each layer allows, minus what is denied) and asks how
/// much of a [`Domain`] it reaches.
#[derive(Clone, Debug)]
pub(crate) enum ResourceSet<'p> {
    Nothing,
    Everything,
    /// The union of `patterns` (their complement when `negated`), each unknown variable read at
    /// `bound`.
    Patterns {
        patterns: &'p [ArnPattern],
        negated: bool,
        bound: Bound,
        /// Where the extents of `patterns` already explored are kept, when somewhere.
        cache: Option<&'p ExtentCache>,
    },
    /// ARNs whose Region (their fourth part) is one of `values`: exact, or with `*` and `?`
    /// wildcards when `like`; the complement when `negated`.
    Regions {
        values: &'p [String],
        like: bool,
        negated: bool,
    },
    All(Vec<ResourceSet<'p>>),
    Any(Vec<ResourceSet<'p>>),
    Not(Box<ResourceSet<'p>>),
}

impl<'p> ResourceSet<'p> {
    /// The union of `patterns` (their complement when `negated`), with unknown variables read
    /// at `bound`; `cache` keeps their extents once explored.
    pub(crate) fn patterns(
        patterns: &'p [ArnPattern],
        negated: bool,
        bound: Bound,
        cache: Option<&'p ExtentCache>,
    ) -> Self {
        if patterns.iter().any(ArnPattern::is_match_all) {
            return if negated {
                ResourceSet::Nothing
            } else {
                ResourceSet::Everything
            };
        }
        // Without variables both bounds read alike: one atom serves both.
        let bound = if patterns.iter().any(ArnPattern::has_variables) {
            bound
        } else {
            Bound::Lower
        };
        ResourceSet::Patterns {
            patterns,
            negated,
            bound,
            cache,
        }
    }

    /// The intersection, folding constants.
    pub(crate) fn all(sets: Vec<ResourceSet<'p>>) -> Self {
        let mut kept = Vec::with_capacity(sets.len());
        for set in sets {
            match set {
                ResourceSet::Nothing => return ResourceSet::Nothing,
                ResourceSet::Everything => {}
                ResourceSet::All(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => ResourceSet::Everything,
            1 => kept.pop().expect("one set"),
            _ => ResourceSet::All(kept),
        }
    }

    /// The union, folding constants.
    pub(crate) fn any(sets: Vec<ResourceSet<'p>>) -> Self {
        let mut kept = Vec::with_capacity(sets.len());
        for set in sets {
            match set {
                ResourceSet::Everything => return ResourceSet::Everything,
                ResourceSet::Nothing => {}
                ResourceSet::Any(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => ResourceSet::Nothing,
            1 => kept.pop().expect("one set"),
            _ => ResourceSet::Any(kept),
        }
    }

    /// The complement, folding constants.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn not(set: ResourceSet<'p>) -> Self {
        match set {
            ResourceSet::Nothing => ResourceSet::Everything,
            ResourceSet::Everything => ResourceSet::Nothing,
            ResourceSet::Not(inner) => *inner,
            other => ResourceSet::Not(Box::new(other)),
        }
    }

    /// `self` without `other`.
    pub(crate) fn minus(self, other: ResourceSet<'p>) -> Self {
        ResourceSet::all(vec![self, ResourceSet::not(other)])
    }

    /// The one pattern list the set is made of, when it is made of one that has a cache (and no
    /// Region restriction).
    fn single_cached_atom(&self) -> Option<(&'p [ArnPattern], Bound, &'p ExtentCache)> {
        match self {
            ResourceSet::Patterns {
                patterns,
                bound,
                cache: Some(cache),
                ..
            } => Some((patterns, *bound, cache)),
            ResourceSet::All(sets) | ResourceSet::Any(sets) => {
                let mut found = None;
                for set in sets {
                    if set.is_constant() {
                        continue;
                    }
                    let atom = set.single_cached_atom()?;
                    match found {
                        None => found = Some(atom),
                        Some((patterns, bound, _))
                            if std::ptr::eq(patterns, atom.0) && bound == atom.1 => {}
                        Some(_) => return None,
                    }
                }
                found
            }
            ResourceSet::Not(set) => set.single_cached_atom(),
            _ => None,
        }
    }

    /// Whether a string belongs to the set when every pattern list of it matches (`matched`)
    /// or none does.
    fn contains_when(&self, matched: bool) -> bool {
        match self {
            ResourceSet::Nothing => false,
            ResourceSet::Everything => true,
            ResourceSet::Patterns { negated, .. } | ResourceSet::Regions { negated, .. } => {
                matched != *negated
            }
            ResourceSet::All(sets) => sets.iter().all(|s| s.contains_when(matched)),
            ResourceSet::Any(sets) => sets.iter().any(|s| s.contains_when(matched)),
            ResourceSet::Not(set) => !set.contains_when(matched),
        }
    }

    /// Whether it is the empty or the full set.
    pub(crate) fn is_constant(&self) -> bool {
        matches!(self, ResourceSet::Nothing | ResourceSet::Everything)
    }

    /// The extent when it is known without exploring: for the empty and the full set.
    fn constant(&self) -> Option<Extent> {
        match self {
            ResourceSet::Nothing => Some(Extent {
                overlaps: false,
                covers: false,
            }),
            ResourceSet::Everything => Some(Extent {
                overlaps: true,
                covers: true,
            }),
            _ => None,
        }
    }

    /// Lists each pattern list once, as an atom, and compiles region restrictions into patterns.
    fn collect_atoms(&self, atoms: &mut Vec<AtomKey<'p>>, compiled: &mut Vec<Vec<ArnPattern>>) {
        match self {
            ResourceSet::Patterns {
                patterns, bound, ..
            } => {
                let key = AtomKey::Patterns(patterns.as_ptr(), patterns.len(), *bound, patterns);
                if !atoms.iter().any(|a| a.same(&key)) {
                    atoms.push(key);
                }
            }
            ResourceSet::Regions { values, like, .. } => {
                let key = AtomKey::Regions(values.as_ptr(), values.len(), *like, compiled.len());
                if !atoms.iter().any(|a| a.same(&key)) {
                    compiled.push(region_patterns(values, *like));
                    atoms.push(key);
                }
            }
            ResourceSet::All(sets) | ResourceSet::Any(sets) => {
                for set in sets {
                    set.collect_atoms(atoms, compiled);
                }
            }
            ResourceSet::Not(set) => set.collect_atoms(atoms, compiled),
            ResourceSet::Nothing | ResourceSet::Everything => {}
        }
    }

    /// The set as a formula over atom indexes.
    fn compile(&self, atoms: &[AtomKey]) -> Formula {
        match self {
            ResourceSet::Nothing => Formula::Const(false),
            ResourceSet::Everything => Formula::Const(true),
            ResourceSet::Patterns {
                patterns,
                negated,
                bound,
                ..
            } => Formula::Atom(
                atom_index(
                    atoms,
                    &AtomKey::Patterns(patterns.as_ptr(), patterns.len(), *bound, patterns),
                ),
                *negated,
            ),
            ResourceSet::Regions {
                values,
                like,
                negated,
            } => Formula::Atom(
                atom_index(
                    atoms,
                    &AtomKey::Regions(values.as_ptr(), values.len(), *like, 0),
                ),
                *negated,
            ),
            ResourceSet::All(sets) => Formula::All(sets.iter().map(|s| s.compile(atoms)).collect()),
            ResourceSet::Any(sets) => Formula::Any(sets.iter().map(|s| s.compile(atoms)).collect()),
            ResourceSet::Not(set) => Formula::Not(Box::new(set.compile(atoms))),
        }
    }
}

/// A [`ResourceSet`] with its pattern lists replaced by atom indexes, for exploration.
enum Formula {
    Const(bool),
    /// The atom's index, and whether it is complemented.
    Atom(usize, bool),
    All(Vec<Formula>),
    Any(Vec<Formula>),
    Not(Box<Formula>),
}

impl Formula {
    /// Whether a string whose atoms are `truths` belongs to the set.
    fn contains(&self, truths: &[bool]) -> bool {
        match self {
            Formula::Const(value) => *value,
            Formula::Atom(index, negated) => truths[*index] != *negated,
            Formula::All(items) => items.iter().all(|f| f.contains(truths)),
            Formula::Any(items) => items.iter().any(|f| f.contains(truths)),
            Formula::Not(item) => !item.contains(truths),
        }
    }
}

/// One operand of the sets being explored, identified by the slice it reads (and, for patterns,
/// how variables read), so that the same policy element is explored once.
#[derive(Clone, Copy, Debug)]
enum AtomKey<'p> {
    Patterns(*const ArnPattern, usize, Bound, &'p [ArnPattern]),
    /// The values' slice, `like`, and the index of the compiled patterns.
    Regions(*const String, usize, bool, usize),
}

impl AtomKey<'_> {
    fn same(&self, other: &AtomKey) -> bool {
        match (self, other) {
            (AtomKey::Patterns(p, n, b, _), AtomKey::Patterns(q, m, c, _)) => {
                p == q && n == m && b == c
            }
            (AtomKey::Regions(p, n, l, _), AtomKey::Regions(q, m, k, _)) => {
                p == q && n == m && l == k
            }
            _ => false,
        }
    }
}

fn atom_index(atoms: &[AtomKey], key: &AtomKey) -> usize {
    atoms
        .iter()
        .position(|a| a.same(key))
        .expect("every atom was collected")
}

/// `arn:<partition>:<service>:<region>:<rest>` for each region value: the ARNs of resources in
/// those Regions. A region never holds a colon, so wildcards of `like` values stay in the part.
fn region_patterns(values: &[String], like: bool) -> Vec<ArnPattern> {
    let any_part = ArnItem::Wildcard {
        run: true,
        crosses_colons: false,
    };
    values
        .iter()
        .map(|value| {
            let mut items: Vec<ArnItem> = "arn:".chars().map(ArnItem::Literal).collect();
            items.extend([
                any_part.clone(),
                ArnItem::Literal(':'),
                any_part.clone(),
                ArnItem::Literal(':'),
            ]);
            items.extend(value.chars().map(|c| match c {
                '*' | '?' if like => ArnItem::Wildcard {
                    run: c == '*',
                    crosses_colons: false,
                },
                c => ArnItem::Literal(c),
            }));
            items.push(ArnItem::Literal(':'));
            items.push(ArnItem::Wildcard {
                run: true,
                crosses_colons: true,
            });
            ArnPattern { items }
        })
        .collect()
}

/// The resources an evaluation is about: an action's target shape, narrowed to what is known of
/// the request (the Regions the backups are in, the account they belong to).
#[derive(Clone, Debug)]
pub(crate) struct Domain {
    shapes: Vec<Vec<Symbol>>,
    /// Tells domains apart in an [`ExtentCache`].
    key: u64,
}

/// The extents of one pattern list already explored, by domain and bound: a statement keeps
/// one, so that the principals sharing a policy explore its resources once per domain.
#[derive(Debug, Default)]
pub(crate) struct ExtentCache(Mutex<Vec<(u64, Bound, Extent)>>);

impl Clone for ExtentCache {
    fn clone(&self) -> Self {
        let known = self.0.lock().map(|k| k.clone()).unwrap_or_default();
        ExtentCache(Mutex::new(known))
    }
}

impl ExtentCache {
    fn get(&self, domain: u64, bound: Bound) -> Option<Extent> {
        let known = self.0.lock().ok()?;
        known
            .iter()
            .find(|(d, b, _)| *d == domain && *b == bound)
            .map(|(_, _, extent)| *extent)
    }

    fn put(&self, domain: u64, bound: Bound, extent: Extent) {
        if let Ok(mut known) = self.0.lock() {
            known.push((domain, bound, extent));
        }
    }
}

impl Domain {
    /// Every target of `target`, in any Region and account.
    pub(crate) fn unrestricted(target: TargetKind) -> &'static Domain {
        static DOMAINS: LazyLock<[Domain; TargetKind::COUNT]> = LazyLock::new(|| {
            [
                TargetKind::Snapshot,
                TargetKind::Image,
                TargetKind::RecycleBinRule,
                TargetKind::RecoveryPoint,
                TargetKind::BackupVault,
                TargetKind::BackupPlan,
                TargetKind::LegalHold,
                TargetKind::LifecyclePolicy,
                TargetKind::AnyResource,
            ]
            .map(|target| Domain::new(target, None, None))
        });
        &DOMAINS[target.index()]
    }

    /// The targets of `target` in `regions` (any Region when `None`) and, for resources whose
    /// ARN names their account, in `account` (any account when `None`).
    pub(crate) fn new(
        target: TargetKind,
        regions: Option<&[String]>,
        account: Option<&str>,
    ) -> Self {
        let region_parts: Vec<Vec<Symbol>> = match regions {
            Some(regions) if target.is_regional() => {
                regions.iter().map(|region| literal(region)).collect()
            }
            _ => vec![one_or_more(REGION_CHARS)],
        };
        let account_part = match account {
            Some(account) => literal(account),
            None => vec![Symbol::One(charset("0123456789")); 12],
        };
        let shapes = region_parts
            .into_iter()
            .flat_map(|region| {
                let snapshot = || {
                    [
                        literal("arn:aws:ec2:"),
                        region.clone(),
                        literal("::snapshot/"),
                        id(),
                    ]
                    .concat()
                };
                let image = || {
                    [
                        literal("arn:aws:ec2:"),
                        region.clone(),
                        literal("::image/"),
                        id(),
                    ]
                    .concat()
                };
                // `arn:aws:<service>:<region>:<account>:<resource>` with the resource's name.
                let owned = |service: &str, resource: &str, name: Vec<Symbol>| {
                    [
                        literal(&format!("arn:aws:{service}:")),
                        region.clone(),
                        literal(":"),
                        account_part.clone(),
                        literal(&format!(":{resource}")),
                        name,
                    ]
                    .concat()
                };
                match target {
                    TargetKind::Snapshot => vec![snapshot()],
                    TargetKind::Image => vec![image()],
                    TargetKind::RecycleBinRule => vec![owned("rbin", "rule/", id())],
                    TargetKind::RecoveryPoint => {
                        vec![
                            owned("backup", "recovery-point:", id()),
                            snapshot(),
                            image(),
                        ]
                    }
                    TargetKind::BackupVault => vec![owned("backup", "backup-vault:", vault_name())],
                    TargetKind::BackupPlan => vec![owned("backup", "backup-plan:", id())],
                    TargetKind::LegalHold => vec![owned("backup", "legal-hold:", id())],
                    TargetKind::LifecyclePolicy => vec![owned("dlm", "policy/", id())],
                    TargetKind::AnyResource => vec![one_or_more(CharSet::ALL)],
                }
            })
            .collect::<Vec<Vec<Symbol>>>();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        shapes.hash(&mut hasher);
        Domain {
            key: hasher.finish(),
            shapes,
        }
    }
}

/// How much of a domain a set reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Extent {
    /// Some target is in the set.
    pub overlaps: bool,
    /// Every target is in the set.
    pub covers: bool,
}

impl Extent {
    /// The extent of the full set (`true`) or the empty one.
    pub(crate) fn of(everything: bool) -> Extent {
        Extent {
            overlaps: everything,
            covers: everything,
        }
    }
}

/// How much of `domain` each of `sets` reaches, exactly. Sets that are constant need no
/// exploration; the others are explored together, in one product automaton.
pub(crate) fn extents<const N: usize>(domain: &Domain, sets: &[ResourceSet; N]) -> [Extent; N] {
    let mut result = [Extent {
        overlaps: false,
        covers: true,
    }; N];
    let mut open = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        match set.constant() {
            Some(extent) => result[i] = extent,
            None => open.push(i),
        }
    }
    if open.is_empty() {
        return result;
    }
    let open_sets: Vec<&ResourceSet> = open.iter().map(|&i| &sets[i]).collect();
    let explored = explore(domain, &open_sets);
    for (i, extent) in open.into_iter().zip(explored) {
        result[i] = extent;
    }
    result
}

/// [`extents`] for a number of sets known only at run time.
pub(crate) fn extents_of(domain: &Domain, sets: &[ResourceSet]) -> Vec<Extent> {
    let mut result = Vec::with_capacity(sets.len());
    let mut open = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        result.push(set.constant().unwrap_or(Extent {
            overlaps: false,
            covers: true,
        }));
        if set.constant().is_none() {
            open.push(i);
        }
    }
    if open.is_empty() {
        return result;
    }
    let open_sets: Vec<&ResourceSet> = open.iter().map(|&i| &sets[i]).collect();
    for (i, extent) in open.into_iter().zip(explore(domain, &open_sets)) {
        result[i] = extent;
    }
    result
}

fn explore(domain: &Domain, sets: &[&ResourceSet]) -> Vec<Extent> {
    // A set made of one pattern list that keeps a cache follows from that list's extent.
    let mut result: Vec<Option<Extent>> = sets.iter().map(|set| single(domain, set)).collect();
    let open: Vec<usize> = (0..sets.len()).filter(|&i| result[i].is_none()).collect();
    if !open.is_empty() {
        let open_sets: Vec<&ResourceSet> = open.iter().map(|&i| sets[i]).collect();
        for (i, extent) in open.into_iter().zip(explore_together(domain, &open_sets)) {
            result[i] = Some(extent);
        }
    }
    result
        .into_iter()
        .map(|e| e.expect("every set explored"))
        .collect()
}

/// The extent of a set made of one cached pattern list: the list's own extent (explored once
/// per domain), complemented when the set is the list's complement.
fn single(domain: &Domain, set: &ResourceSet) -> Option<Extent> {
    let (patterns, bound, cache) = set.single_cached_atom()?;
    let atom = match cache.get(domain.key, bound) {
        Some(extent) => extent,
        None => {
            let plain = ResourceSet::Patterns {
                patterns,
                negated: false,
                bound,
                cache: None,
            };
            let extent = explore_together(domain, &[&plain])[0];
            cache.put(domain.key, bound, extent);
            extent
        }
    };
    Some(match (set.contains_when(true), set.contains_when(false)) {
        (true, true) => Extent::of(true),
        (false, false) => Extent::of(false),
        (true, false) => atom,
        (false, true) => Extent {
            overlaps: !atom.covers,
            covers: !atom.overlaps,
        },
    })
}

fn explore_together(domain: &Domain, sets: &[&ResourceSet]) -> Vec<Extent> {
    let mut atoms = Vec::new();
    let mut compiled = Vec::new();
    for set in sets {
        set.collect_atoms(&mut atoms, &mut compiled);
    }
    let explorer = Explorer::new(&atoms, &compiled);
    let formulas: Vec<Formula> = sets.iter().map(|set| set.compile(&atoms)).collect();
    let mut outcomes = vec![
        Extent {
            overlaps: false,
            covers: true,
        };
        sets.len()
    ];
    for shape in &domain.shapes {
        if decided(&outcomes) {
            break;
        }
        explorer.run(shape, &formulas, &mut outcomes);
    }
    outcomes
}

/// Whether exploring further can change nothing: each set is known to reach some but not all.
fn decided(outcomes: &[Extent]) -> bool {
    outcomes.iter().all(|o| o.overlaps && !o.covers)
}

/// Product of a shape's automaton with the determinised union of every atom's patterns. A set
/// of pattern positions is a bit set, so one step for a character is a few word operations.
struct Explorer {
    /// Words per bit set of positions.
    words: usize,
    /// The positions before reading anything, closed over empty runs.
    start: Vec<u64>,
    /// Characters no pattern symbol tells apart; one representative of each is enough.
    classes: Vec<CharSet>,
    /// Per class: the positions whose `One` symbol reads it (they move one position on) and
    /// those whose `Run` symbol reads it (they stay).
    one_masks: Vec<Vec<u64>>,
    run_masks: Vec<Vec<u64>>,
    /// Positions holding a `Run`, which may also be skipped without reading.
    runs: Vec<u64>,
    /// Per atom, the end (accepting) positions of its patterns.
    atom_ends: Vec<Vec<u64>>,
}

/// A bit set of pattern positions: inline when small, so that exploring allocates little.
trait Positions: Clone + Eq + std::hash::Hash {
    fn zeroed(words: usize) -> Self;
    fn words(&self) -> &[u64];
    fn words_mut(&mut self) -> &mut [u64];
}

impl<const W: usize> Positions for [u64; W] {
    fn zeroed(_: usize) -> Self {
        [0; W]
    }
    fn words(&self) -> &[u64] {
        self
    }
    fn words_mut(&mut self) -> &mut [u64] {
        self
    }
}

impl Positions for Vec<u64> {
    fn zeroed(words: usize) -> Self {
        vec![0; words]
    }
    fn words(&self) -> &[u64] {
        self
    }
    fn words_mut(&mut self) -> &mut [u64] {
        self
    }
}

impl Explorer {
    fn new(atoms: &[AtomKey], compiled: &[Vec<ArnPattern>]) -> Self {
        // Every pattern's symbols back to back; `None` marks the end position of each.
        let mut positions: Vec<Option<Symbol>> = Vec::new();
        let mut starts = Vec::new();
        let mut ends: Vec<(usize, usize)> = Vec::new();
        for (atom, key) in atoms.iter().enumerate() {
            let (patterns, variable): (&[ArnPattern], Symbol) = match *key {
                AtomKey::Patterns(_, _, bound, patterns) => (patterns, bound.variable()),
                AtomKey::Regions(_, _, _, index) => (&compiled[index], Bound::Lower.variable()),
            };
            for pattern in patterns {
                starts.push(positions.len());
                positions.extend(pattern.symbols(variable).map(Some));
                ends.push((positions.len(), atom));
                positions.push(None);
            }
        }
        let words = positions.len().div_ceil(64);
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
        let mask = |keep: &dyn Fn(&Option<Symbol>) -> bool| {
            let mut bits = vec![0; words];
            for (p, symbol) in positions.iter().enumerate() {
                if keep(symbol) {
                    bits[p / 64] |= 1 << (p % 64);
                }
            }
            bits
        };
        let mut one_masks = Vec::with_capacity(classes.len());
        let mut run_masks = Vec::with_capacity(classes.len());
        for class in &classes {
            let byte = class.lowest().expect("classes are not empty");
            one_masks.push(mask(
                &|s| matches!(s, Some(Symbol::One(set)) if set.contains(byte)),
            ));
            run_masks.push(mask(
                &|s| matches!(s, Some(Symbol::Run(set)) if set.contains(byte)),
            ));
        }
        let runs = mask(&|s| matches!(s, Some(Symbol::Run(_))));
        let atom_ends = (0..atoms.len())
            .map(|atom| {
                let mut bits = vec![0; words];
                for &(p, _) in ends.iter().filter(|(_, a)| *a == atom) {
                    bits[p / 64] |= 1 << (p % 64);
                }
                bits
            })
            .collect();
        let mut explorer = Explorer {
            words,
            start: vec![0; words],
            classes,
            one_masks,
            run_masks,
            runs,
            atom_ends,
        };
        let mut start = vec![0; words];
        for p in starts {
            start[p / 64] |= 1 << (p % 64);
        }
        explorer.close(&mut start);
        explorer.start = start;
        explorer
    }

    /// Explores every string of `shape` and records, for each of `sets`, whether some string is
    /// in it and whether every string is.
    fn run(&self, shape: &[Symbol], sets: &[Formula], outcomes: &mut [Extent]) {
        match self.words {
            0 | 1 => self.run_with::<[u64; 1]>(shape, sets, outcomes),
            2 => self.run_with::<[u64; 2]>(shape, sets, outcomes),
            3 | 4 => self.run_with::<[u64; 4]>(shape, sets, outcomes),
            5..=8 => self.run_with::<[u64; 8]>(shape, sets, outcomes),
            _ => self.run_with::<Vec<u64>>(shape, sets, outcomes),
        }
    }

    fn run_with<S: Positions>(&self, shape: &[Symbol], sets: &[Formula], outcomes: &mut [Extent]) {
        let mut truths = vec![false; self.atom_ends.len()];
        let mut record = |states: Option<&S>, outcomes: &mut [Extent]| {
            for (atom, ends) in self.atom_ends.iter().enumerate() {
                truths[atom] = states
                    .is_some_and(|states| states.words().iter().zip(ends).any(|(s, e)| s & e != 0));
            }
            for (set, outcome) in sets.iter().zip(outcomes.iter_mut()) {
                if set.contains(&truths) {
                    outcome.overlaps = true;
                } else {
                    outcome.covers = false;
                }
            }
        };
        let mut initial = S::zeroed(self.words);
        initial.words_mut()[..self.words].copy_from_slice(&self.start);
        let mut seen = HashSet::new();
        let mut dead_recorded = false;
        let mut pending = vec![(initial, 0usize)];
        while let Some((states, at)) = pending.pop() {
            if !seen.insert((states.clone(), at)) {
                continue;
            }
            let Some(&symbol) = shape.get(at) else {
                record(Some(&states), outcomes);
                if decided(outcomes) {
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
            for (c, class) in self.classes.iter().enumerate() {
                if class.intersect(set) == CharSet::EMPTY {
                    continue;
                }
                let next: S = self.step(&states, c);
                if next.words().iter().all(|w| *w == 0) {
                    // Every shape position can still reach acceptance, and no pattern can any
                    // more: some target matches no atom.
                    if !dead_recorded {
                        record(None, outcomes);
                        dead_recorded = true;
                    }
                } else {
                    pending.push((next, next_at));
                }
            }
        }
    }

    /// The positions after reading a character of class `c`.
    fn step<S: Positions>(&self, states: &S, c: usize) -> S {
        let mut next = S::zeroed(self.words);
        let (one, run) = (&self.one_masks[c], &self.run_masks[c]);
        let mut carry = 0;
        for (w, word) in next.words_mut()[..self.words].iter_mut().enumerate() {
            let current = states.words()[w];
            let moving = current & one[w];
            *word = (moving << 1) | carry | (current & run[w]);
            carry = moving >> 63;
        }
        self.close(next.words_mut());
        next
    }

    /// Adds the positions reachable without reading: past any `Run`, which may be empty.
    fn close(&self, states: &mut [u64]) {
        loop {
            let mut carry = 0;
            let mut added = false;
            for (word, runs) in states[..self.words].iter_mut().zip(&self.runs) {
                let skipping = *word & runs;
                let reached = (skipping << 1) | carry;
                carry = skipping >> 63;
                if reached & !*word != 0 {
                    *word |= reached;
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
    }
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

    fn compiled(patterns: &[&str]) -> Vec<ArnPattern> {
        patterns.iter().map(|p| ArnPattern::new(p, true)).collect()
    }

    fn extent_of(domain: &Domain, set: ResourceSet) -> Reach {
        let [extent] = extents(domain, &[set]);
        match (extent.overlaps, extent.covers) {
            (_, true) => Reach::All,
            (true, false) => Reach::Some,
            (false, false) => Reach::None,
        }
    }

    #[test]
    fn sets_intersect_unite_and_subtract_exactly() {
        use Reach::*;
        let all_snapshots = compiled(&["arn:aws:ec2:*::snapshot/*"]);
        let us_east_1 = compiled(&["arn:aws:ec2:us-east-1::snapshot/*"]);
        let eu_west_1 = compiled(&["arn:aws:ec2:eu-west-1::snapshot/*"]);
        let not_us = compiled(&["arn:aws:ec2:u*::snapshot/*"]);
        let set = |p| ResourceSet::patterns(p, false, Bound::Lower, Option::None);
        let domain = Domain::unrestricted(TargetKind::Snapshot);
        let cases: Vec<(&str, ResourceSet, Reach)> = vec![
            (
                "disjoint Regions",
                ResourceSet::all(vec![set(&us_east_1), set(&eu_west_1)]),
                None,
            ),
            (
                "one inside the other",
                ResourceSet::all(vec![set(&all_snapshots), set(&us_east_1)]),
                Some,
            ),
            (
                "union of complements",
                ResourceSet::any(vec![set(&not_us), ResourceSet::not(set(&not_us))]),
                All,
            ),
            (
                "all minus one Region",
                set(&all_snapshots).minus(set(&us_east_1)),
                Some,
            ),
            (
                "one Region minus all",
                set(&us_east_1).minus(set(&all_snapshots)),
                None,
            ),
            (
                "all minus nothing",
                set(&all_snapshots).minus(ResourceSet::Nothing),
                All,
            ),
        ];
        for (name, set, expected) in cases {
            assert_eq!(extent_of(domain, set), expected, "{name}");
        }
    }

    #[test]
    fn domains_narrow_to_known_regions_and_account() {
        use Reach::*;
        let us_east_1 = compiled(&["arn:aws:ec2:us-east-1::snapshot/*"]);
        let set = || ResourceSet::patterns(&us_east_1, false, Bound::Lower, Option::None);
        let only_us_east_1 = Domain::new(
            TargetKind::Snapshot,
            Option::Some(&["us-east-1".to_owned()]),
            Option::None,
        );
        assert_eq!(extent_of(&only_us_east_1, set()), All);
        let two = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
        let both = Domain::new(TargetKind::Snapshot, Option::Some(&two), Option::None);
        assert_eq!(extent_of(&both, set()), Some);
        let own_rules = compiled(&["arn:aws:rbin:*:111122223333:rule/*"]);
        let rules = || ResourceSet::patterns(&own_rules, false, Bound::Lower, Option::None);
        let own_account = Domain::new(
            TargetKind::RecycleBinRule,
            Option::None,
            Option::Some("111122223333"),
        );
        assert_eq!(extent_of(&own_account, rules()), All);
        assert_eq!(
            extent_of(Domain::unrestricted(TargetKind::RecycleBinRule), rules()),
            Some
        );
    }

    #[test]
    fn region_restrictions_read_the_fourth_part() {
        use Reach::*;
        let allowed = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
        let like = ["eu-*".to_owned()];
        let outside = |values: &'static [String]| ResourceSet::Regions {
            values,
            like: false,
            negated: true,
        };
        let scanned = ["us-east-1".to_owned()];
        let domain = Domain::new(TargetKind::Snapshot, Option::Some(&scanned), Option::None);
        let allowed: &'static [String] = Box::leak(Box::new(allowed));
        assert_eq!(
            extent_of(&domain, outside(allowed)),
            None,
            "nothing scanned is outside"
        );
        let unscanned = Domain::unrestricted(TargetKind::Snapshot);
        assert_eq!(extent_of(unscanned, outside(allowed)), Some);
        let eu = ResourceSet::Regions {
            values: &like,
            like: true,
            negated: false,
        };
        let rule_domain = Domain::new(
            TargetKind::RecycleBinRule,
            Option::Some(&["eu-west-1".to_owned(), "eu-central-1".to_owned()]),
            Option::None,
        );
        assert_eq!(extent_of(&rule_domain, eu.clone()), All);
        assert_eq!(extent_of(Domain::unrestricted(TargetKind::Image), eu), Some);
    }

    #[test]
    fn a_cached_pattern_list_gives_what_exploring_gives() {
        let lists = [
            compiled(&["arn:aws:ec2:us-east-1::snapshot/*"]),
            compiled(&["arn:aws:ec2:*::snapshot/*"]),
            compiled(&["arn:aws:s3:::bucket"]),
            compiled(&["arn:aws:ec2:*::snapshot/${aws:username}"]),
        ];
        let regions = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
        let domains = [
            Domain::new(TargetKind::Snapshot, Option::None, Option::None),
            Domain::new(TargetKind::Snapshot, Option::Some(&regions), Option::None),
        ];
        for patterns in &lists {
            // One cache per pattern list, as each statement keeps its own.
            let cache = ExtentCache::default();
            for domain in &domains {
                for bound in [Bound::Lower, Bound::Upper] {
                    for negated in [false, true] {
                        let cached =
                            ResourceSet::patterns(patterns, negated, bound, Option::Some(&cache));
                        let wrapped =
                            ResourceSet::all(vec![ResourceSet::Everything, cached.clone()]);
                        // Twice: once filling the cache, once reading it.
                        for _ in 0..2 {
                            let [expected] = extents(
                                domain,
                                &[ResourceSet::patterns(
                                    patterns,
                                    negated,
                                    bound,
                                    Option::None,
                                )],
                            );
                            let [got, got_wrapped] =
                                extents(domain, &[cached.clone(), wrapped.clone()]);
                            assert_eq!(got, expected, "{patterns:?} negated {negated} {bound:?}");
                            assert_eq!(got_wrapped, expected);
                        }
                    }
                }
            }
        }
    }
}
