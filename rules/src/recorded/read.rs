//! Reads a recorded inventory into an [`Inventory`].
//!
//! A file that is absent was not collected: it becomes a gap, never a pass. A file that is
//! present must parse; any error names the file, the line and column, and what was expected.
//!
//! What is an input error (the scan stops, exit 2) and what a gap (listed as not scanned, exit
//! status + 4):
//! - a key AWS always returns whose absence would read as the safer answer is required
//!   (`CreateVolumePermissions`, `LaunchPermissions`, `RetentionPeriod` with its value and unit,
//!   get-rule's `ResourceTags` and `Status`, a snapshot's `State` and `Encrypted`, an AMI's
//!   `State` and `Public`, each file's top-level list): without it, an input error. An empty
//!   list is fine. Keys AWS leaves out when there is nothing to say stay optional (`Tags`,
//!   `ExcludeResourceTags`, `LockState` of a rule never locked);
//! - a key written twice in one JSON object with different values, or two different entries
//!   for one snapshot, image, volume, instance or rule in one file: an input error naming both
//!   places (the same entry twice, as a gathering loop run twice writes it, is read once);
//! - times that cannot be: a `collected_at` before EBS existed ([`EBS_LAUNCH`]) or later than
//!   now plus [`CLOCK_SKEW_SECONDS`], a snapshot, AMI or volume time later than the collection
//!   time plus [`CLOCK_SKEW_SECONDS`]: an input error naming the file and entry;
//! - an enumerated value outside the set AWS documents
//!   ([`known`](crate::inventory::known)): a gap naming the value, as in a live scan, since a
//!   recording made tomorrow may hold a value AWS added since; no rule reads it as safe.

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::inventory::{
    Account, Gap, Image, Instance, Inventory, Organization, Region, RetentionRule, Snapshot, Str,
    Volume,
};
use crate::time::Timestamp;
use ::iam::inputs::source::{has_repeated_key, parse_json_at};

use super::backup::{BackupFile, BackupFiles};
use super::shapes::{
    DescribeImages, DescribeInstances, DescribeSnapshots, DescribeVolumes, ImageAttribute,
    ImageBlockPublicAccess, ListRules, RuleDetails, SnapshotAttribute, SnapshotBlockPublicAccess,
};
use super::{Manifest, RegionFile, IAM, IAM_FILE, IAM_OPERATION, MANIFEST, ORGANIZATIONS};

mod iam;
mod organization;

/// A problem with the recorded input: which file, where in it, and what was expected.
/// Displays as `PATH[:LINE:COLUMN]: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[error("{}{}: {message}", path.display(), Position(*position))]
pub struct InputError {
    /// The file (or folder) at fault.
    pub path: PathBuf,
    /// Line and column (1-based), when the problem is inside the file.
    pub position: Option<(usize, usize)>,
    /// What was found and what was expected, as a sentence fragment.
    pub message: String,
}

/// Displays an [`InputError`]'s position as `:LINE:COLUMN`, or nothing.
struct Position(Option<(usize, usize)>);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((line, column)) => write!(f, ":{line}:{column}"),
            None => Ok(()),
        }
    }
}

impl InputError {
    pub(crate) fn new(path: &Path, message: impl Into<String>) -> InputError {
        InputError {
            path: path.to_owned(),
            position: None,
            message: message.into(),
        }
    }
}

/// Loads a recorded inventory. All input errors are returned together, sorted by file.
pub fn load(dir: &Path) -> Result<Inventory, Vec<InputError>> {
    let listing = list_dir(dir).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut account_dirs = Vec::new();
    let mut manifest = Manifest::default();
    let mut organization = None;
    let mut org_gaps = Vec::new();
    for (name, path, is_dir) in listing {
        match name.as_str() {
            MANIFEST if !is_dir => match read_json::<Manifest>(&path) {
                Ok(m) => manifest = m,
                Err(e) => errors.push(e),
            },
            ORGANIZATIONS if is_dir => match organization::load(&path) {
                Ok((o, gaps)) => {
                    organization = Some(o);
                    org_gaps = gaps;
                }
                Err(e) => errors.extend(e),
            },
            _ if is_dir && is_account_id(&name) => account_dirs.push((name, path)),
            _ if ignorable(&name) => {}
            _ => errors.push(InputError::new(
                &path,
                format!(
                    "unexpected entry: a recorded inventory holds {MANIFEST}, {ORGANIZATIONS}/ \
                     and one folder per 12-digit account id"
                ),
            )),
        }
    }

    let collected_at = match manifest.collected_at {
        Some(t) => {
            if let Err(message) = check_collected_at(t, now()) {
                errors.push(InputError::new(&dir.join(MANIFEST), message));
            }
            t
        }
        None => newest_modification(dir).map_err(|e| vec![e])?,
    };
    let loaded: Vec<_> = account_dirs
        .par_iter()
        .map(|(id, path)| load_account(id, path, collected_at))
        .collect();
    let mut accounts = Vec::new();
    // Gaps the files imply; the manifest's own gaps (a live scan's real errors) explain them.
    let mut derived = org_gaps;
    for result in loaded {
        match result {
            Ok((account, gaps)) => {
                accounts.push(account);
                derived.extend(gaps);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        errors.sort();
        return Err(errors);
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));

    derived.extend(missing_places(
        &accounts,
        organization.as_ref(),
        manifest.accounts.as_deref(),
        &manifest.regions,
    ));
    let mut not_scanned = manifest.not_scanned;
    derived.retain(|d| !not_scanned.iter().any(|m| explains(m, d)));
    not_scanned.extend(derived);
    not_scanned.sort();
    not_scanned.dedup();
    Ok(Inventory {
        collected_at,
        organization,
        accounts,
        selected_accounts: manifest.accounts,
        not_scanned,
        api_calls: manifest.api_calls,
        throttle_retries: manifest.throttle_retries,
    })
}

/// Whether a gap recorded in the manifest (`collect` writes the live scan's gaps there, with
/// the real error) already accounts for a gap an absent file implies: same account, and the
/// same region and operation, or a whole place (`*`) missing in an account or account-region
/// the manifest says could not be read.
fn explains(recorded: &Gap, derived: &Gap) -> bool {
    recorded.account_id == derived.account_id
        && (recorded.region == derived.region
            || (recorded.region.is_none() && derived.operation == "*"))
        && (recorded.operation == derived.operation || derived.operation == "*")
}

/// Every place the inventory itself says should have been recorded and was not:
/// - each active account of the organization (the accounts of `list-accounts`, completed with
///   those the other organization files name) without a folder, when the manifest's
///   `accounts` does not leave it out;
/// - each account the manifest's `accounts` lists without a folder (unless the organization
///   says it is not active);
/// - each expected region (the manifest's `regions`, or else every region seen in any
///   account) missing in an account, and every account without any region folder when no
///   region is expected at all.
fn missing_places(
    accounts: &[Account],
    org: Option<&Organization>,
    selected: Option<&[String]>,
    regions: &[String],
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let scanned: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let mut absent = BTreeSet::new();
    let expected = |id: &str| selected.is_none_or(|s| s.iter().any(|a| a == id));
    for member in org.iter().flat_map(|o| &o.accounts) {
        if member.is_active() && expected(&member.id) && !scanned.contains(member.id.as_str()) {
            absent.insert(member.id.to_string());
            gaps.push(Gap {
                account_id: member.id.to_string(),
                region: None,
                operation: "*".into(),
                error: "the account is in the organization but its folder is absent: not collected"
                    .into(),
            });
        }
    }
    let inactive = |id: &str| {
        org.iter()
            .flat_map(|o| &o.accounts)
            .any(|a| a.id == id && !a.is_active())
    };
    for id in selected.into_iter().flatten() {
        if !scanned.contains(id.as_str()) && !absent.contains(id) && !inactive(id) {
            absent.insert(id.clone());
            gaps.push(Gap {
                account_id: id.clone(),
                region: None,
                operation: "*".into(),
                error: format!(
                    "{MANIFEST} lists the account among those scanned (accounts) but its \
                     folder is absent: not collected"
                ),
            });
        }
    }
    let expected: BTreeSet<&str> = if regions.is_empty() {
        accounts
            .iter()
            .flat_map(|a| a.regions.iter().map(|r| r.name.as_str()))
            .collect()
    } else {
        regions.iter().map(String::as_str).collect()
    };
    for account in accounts {
        if expected.is_empty() {
            gaps.push(Gap {
                account_id: account.id.to_string(),
                region: None,
                operation: "*".into(),
                error: "the account folder holds no region folder: none of its regions was \
                        collected"
                    .into(),
            });
        }
        for region in &expected {
            if !account.regions.iter().any(|r| r.name == *region) {
                gaps.push(Gap {
                    account_id: account.id.to_string(),
                    region: Some(region.to_string()),
                    operation: "*".into(),
                    error: "the region folder is absent: not collected".into(),
                });
            }
        }
    }
    gaps
}

/// When Amazon EBS became available (2008-08-20T00:00:00Z): no recording, snapshot or AMI of
/// it is older.
pub const EBS_LAUNCH: Timestamp = Timestamp(1_219_190_400);

/// How far a time may lie after the collection time (or `collected_at` after the reading
/// machine's clock) and still be believed: clocks of different machines differ a little.
pub const CLOCK_SKEW_SECONDS: i64 = 5 * 60;

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp(secs)
}

/// A `collected_at` from before EBS existed or from the future is a damaged manifest: it would
/// make every backup look fresh (or old).
fn check_collected_at(collected_at: Timestamp, now: Timestamp) -> Result<(), String> {
    if collected_at < EBS_LAUNCH {
        Err(format!(
            "collected_at is {collected_at}, before Amazon EBS existed ({EBS_LAUNCH}); expected \
             the time the inventory was collected"
        ))
    } else if collected_at.0 > now.0 + CLOCK_SKEW_SECONDS {
        Err(format!(
            "collected_at is {collected_at}, later than now ({now}); expected the time the \
             inventory was collected"
        ))
    } else {
        Ok(())
    }
}

/// A resource time later than the collection time (beyond [`CLOCK_SKEW_SECONDS`]) or before
/// EBS existed cannot be: the error names the entry.
fn check_time(
    path: &Path,
    collected_at: Timestamp,
    place: impl Fn() -> String,
    key: &str,
    time: Option<Timestamp>,
) -> Result<(), InputError> {
    let Some(time) = time else { return Ok(()) };
    let problem = if time.0 > collected_at.0 + CLOCK_SKEW_SECONDS {
        format!("later than the collection time {collected_at} (allowing {CLOCK_SKEW_SECONDS} s of clock skew)")
    } else if time < EBS_LAUNCH {
        format!("before Amazon EBS existed ({EBS_LAUNCH})")
    } else {
        return Ok(());
    };
    Err(InputError::new(
        path,
        format!(
            "{}: {key} is {time}, {problem}; expected a time when the resource could exist",
            place()
        ),
    ))
}

/// Two entries for one resource in one file. The same entry twice is read once (a gathering
/// loop run twice writes it so); two different ones are an input error naming both places,
/// since keeping either silently could hide a grant or a state.
fn dedup_entries<T: PartialEq>(
    path: &Path,
    items: Vec<T>,
    what: &str,
    place: impl Fn(usize) -> String,
    id: impl Fn(&T) -> &Str,
) -> Result<Vec<T>, InputError> {
    let mut first: HashMap<Str, usize> = HashMap::with_capacity(items.len());
    let mut kept: Vec<(usize, T)> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match first.get(id(&item)) {
            Some(&k) if kept[k].1 == item => {}
            Some(&k) => {
                return Err(InputError::new(
                    path,
                    format!(
                        "{} and {} both describe {what} {} and differ; expected one entry per \
                         {what} (gathering the outputs twice into one file appends a second one)",
                        place(kept[k].0),
                        place(i),
                        id(&item)
                    ),
                ))
            }
            None => {
                first.insert(id(&item).clone(), kept.len());
                kept.push((i, item));
            }
        }
    }
    Ok(kept.into_iter().map(|(_, item)| item).collect())
}

fn load_account(
    id: &str,
    dir: &Path,
    collected_at: Timestamp,
) -> Result<(Account, Vec<Gap>), Vec<InputError>> {
    let mut errors = Vec::new();
    let mut region_dirs = Vec::new();
    let mut iam_file = None;
    for (name, path, is_dir) in list_dir(dir).map_err(|e| vec![e])? {
        if is_dir && is_region_name(&name) {
            region_dirs.push((name, path));
        } else if is_dir && name == IAM {
            for (file, file_path, _) in list_dir(&path).map_err(|e| vec![e])? {
                if file == IAM_FILE {
                    iam_file = Some(file_path);
                } else if !ignorable(&file) {
                    errors.push(InputError::new(
                        &file_path,
                        format!("unexpected file: {IAM}/ holds {IAM_FILE}"),
                    ));
                }
            }
        } else if !ignorable(&name) {
            errors.push(InputError::new(
                &path,
                format!(
                    "unexpected entry {name:?}: an account folder holds {IAM}/ and one folder \
                     per region, named like us-east-1"
                ),
            ));
        }
    }
    let mut gaps = Vec::new();
    let iam = match iam_file {
        Some(path) => match iam::load(id, &path) {
            Ok((details, iam_gaps)) => {
                gaps.extend(iam_gaps);
                Some(details)
            }
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => {
            gaps.push(Gap {
                account_id: id.to_owned(),
                region: None,
                operation: IAM_OPERATION.into(),
                error: format!("{IAM}/{IAM_FILE} is absent: not collected"),
            });
            None
        }
    };
    let loaded: Vec<_> = region_dirs
        .par_iter()
        .map(|(name, path)| load_region(id, name, path, collected_at))
        .collect();
    let mut regions = Vec::new();
    for result in loaded {
        match result {
            Ok((region, g)) => {
                regions.push(region);
                gaps.extend(g);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((
        Account {
            id: id.into(),
            iam,
            regions,
        },
        gaps,
    ))
}

/// The CLI outputs a region folder can hold, parsed.
#[derive(Default)]
struct RegionFiles {
    volumes: Option<Vec<Volume>>,
    instances: Option<Vec<Instance>>,
    snapshots: Option<Vec<Snapshot>>,
    snapshot_attributes: Option<Vec<SnapshotAttribute>>,
    images: Option<Vec<Image>>,
    image_attributes: Option<Vec<ImageAttribute>>,
    snapshot_rules: Option<Vec<RetentionRule>>,
    image_rules: Option<Vec<RetentionRule>>,
    rule_details: Option<Vec<RuleDetails>>,
    snapshot_bpa: Option<Str>,
    image_bpa: Option<Str>,
}

fn load_region(
    account: &str,
    name: &str,
    dir: &Path,
    collected_at: Timestamp,
) -> Result<(Region, Vec<Gap>), Vec<InputError>> {
    let mut files = RegionFiles::default();
    let mut backup = BackupFiles::default();
    let mut errors = Vec::new();
    for (file_name, path, _) in list_dir(dir).map_err(|e| vec![e])? {
        if let Some(kind) = BackupFile::from_file_name(&file_name) {
            if let Err(e) = backup.read(kind, &path) {
                errors.push(e);
            }
            continue;
        }
        let Some(kind) = RegionFile::from_file_name(&file_name) else {
            if !ignorable(&file_name) {
                let expected: Vec<&str> = RegionFile::ALL
                    .iter()
                    .map(|f| f.file_name())
                    .chain(BackupFile::ALL.iter().map(|f| f.file_name()))
                    .collect();
                errors.push(InputError::new(
                    &path,
                    format!(
                        "unexpected file: a region folder holds {}",
                        expected.join(", ")
                    ),
                ));
            }
            continue;
        };
        if let Err(e) = read_region_file(kind, &path, collected_at, &mut files) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (mut region, mut gaps) = assemble_region(account, name, files);
    let (region_backup, backup_gaps) = backup.assemble(account, name);
    region.backup = region_backup;
    gaps.extend(backup_gaps);
    // Values outside their documented sets, the backup layer's included.
    gaps.extend(
        region
            .unknown_values()
            .iter()
            .map(|unknown| unknown.gap(account, name)),
    );
    Ok((region, gaps))
}

fn read_region_file(
    kind: RegionFile,
    path: &Path,
    collected_at: Timestamp,
    files: &mut RegionFiles,
) -> Result<(), InputError> {
    let listed = |key: &'static str| move |i: usize| format!("{key}[{i}]");
    let entry = |i: usize| format!("entry {}", i + 1);
    match kind {
        RegionFile::Volumes => {
            let volumes = read_json::<DescribeVolumes>(path)?.volumes;
            for (i, v) in volumes.iter().enumerate() {
                let place = || format!("Volumes[{i}] ({})", v.volume_id);
                check_time(path, collected_at, place, "CreateTime", v.create_time)?;
            }
            let volumes =
                dedup_entries(path, volumes, "volume", listed("Volumes"), |v| &v.volume_id)?;
            files.volumes = Some(volumes)
        }
        RegionFile::Instances => {
            let reservations = read_json::<DescribeInstances>(path)?.reservations;
            let instances: Vec<Instance> =
                reservations.into_iter().flat_map(|r| r.instances).collect();
            let place = |i: usize| format!("instance {} of Reservations[].Instances[]", i + 1);
            files.instances = Some(dedup_entries(path, instances, "instance", place, |i| {
                &i.instance_id
            })?);
        }
        RegionFile::Snapshots => {
            let snapshots = read_json::<DescribeSnapshots>(path)?.snapshots;
            for (i, s) in snapshots.iter().enumerate() {
                let place = || format!("Snapshots[{i}] ({})", s.snapshot_id);
                check_time(path, collected_at, place, "StartTime", Some(s.start_time))?;
            }
            files.snapshots = Some(dedup_entries(
                path,
                snapshots,
                "snapshot",
                listed("Snapshots"),
                |s| &s.snapshot_id,
            )?)
        }
        RegionFile::SnapshotAttributes => {
            let attributes = read_json_stream(path)?;
            files.snapshot_attributes = Some(dedup_entries(
                path,
                attributes,
                "snapshot",
                entry,
                |a: &SnapshotAttribute| &a.snapshot_id,
            )?)
        }
        RegionFile::Images => {
            let images = read_json::<DescribeImages>(path)?.images;
            for (i, image) in images.iter().enumerate() {
                let place = || format!("Images[{i}] ({})", image.image_id);
                check_time(
                    path,
                    collected_at,
                    place,
                    "CreationDate",
                    image.creation_date,
                )?;
            }
            files.images = Some(dedup_entries(
                path,
                images,
                "image",
                listed("Images"),
                |i| &i.image_id,
            )?)
        }
        RegionFile::ImageAttributes => {
            let attributes = read_json_stream(path)?;
            files.image_attributes = Some(dedup_entries(
                path,
                attributes,
                "image",
                entry,
                |a: &ImageAttribute| &a.image_id,
            )?)
        }
        RegionFile::SnapshotRules | RegionFile::ImageRules => {
            let rules = read_json::<ListRules>(path)?.rules;
            let rules = dedup_entries(path, rules, "retention rule", listed("Rules"), |r| {
                &r.identifier
            })?;
            if kind == RegionFile::SnapshotRules {
                files.snapshot_rules = Some(rules)
            } else {
                files.image_rules = Some(rules)
            }
        }
        RegionFile::RuleDetails => {
            let details = read_json_stream(path)?;
            files.rule_details = Some(dedup_entries(
                path,
                details,
                "retention rule",
                entry,
                |d: &RuleDetails| &d.identifier,
            )?)
        }
        RegionFile::SnapshotBlockPublicAccess => {
            files.snapshot_bpa = Some(read_json::<SnapshotBlockPublicAccess>(path)?.state)
        }
        RegionFile::ImageBlockPublicAccess => {
            files.image_bpa =
                Some(read_json::<ImageBlockPublicAccess>(path)?.image_block_public_access_state)
        }
    }
    Ok(())
}

/// Joins per-resource outputs onto their resources and lists what is missing.
fn assemble_region(account: &str, name: &str, mut files: RegionFiles) -> (Region, Vec<Gap>) {
    let mut gaps = Vec::new();
    let mut gap = |file: RegionFile, error: String| {
        gaps.push(Gap::in_region(account, name, file.operation(), error))
    };
    let absent = |file: RegionFile| format!("{} is absent: not collected", file.file_name());

    for (file, present) in [
        (RegionFile::Volumes, files.volumes.is_some()),
        (RegionFile::Instances, files.instances.is_some()),
        (RegionFile::Snapshots, files.snapshots.is_some()),
        (RegionFile::Images, files.images.is_some()),
        (RegionFile::SnapshotRules, files.snapshot_rules.is_some()),
        (RegionFile::ImageRules, files.image_rules.is_some()),
        (
            RegionFile::SnapshotBlockPublicAccess,
            files.snapshot_bpa.is_some(),
        ),
        (
            RegionFile::ImageBlockPublicAccess,
            files.image_bpa.is_some(),
        ),
    ] {
        if !present {
            gap(file, absent(file));
        }
    }

    if let Some(snapshots) = files.snapshots.as_mut() {
        let permissions = files.snapshot_attributes.take().map(|attrs| {
            attrs
                .into_iter()
                .map(|a| (a.snapshot_id, a.create_volume_permissions))
                .collect()
        });
        let unrecorded = join(
            snapshots,
            permissions,
            |s| &s.snapshot_id,
            |s, p| s.create_volume_permissions = Some(p),
        );
        if let Some(message) = unrecorded.message(RegionFile::SnapshotAttributes, "snapshots") {
            gap(RegionFile::SnapshotAttributes, message);
        }
    }
    if let Some(images) = files.images.as_mut() {
        let permissions = files.image_attributes.take().map(|attrs| {
            attrs
                .into_iter()
                .map(|a| (a.image_id, a.launch_permissions))
                .collect()
        });
        let unrecorded = join(
            images,
            permissions,
            |i| &i.image_id,
            |i, p| i.launch_permissions = Some(p),
        );
        if let Some(message) = unrecorded.message(RegionFile::ImageAttributes, "images") {
            gap(RegionFile::ImageAttributes, message);
        }
    }

    let details: Option<HashMap<Str, RuleDetails>> = files
        .rule_details
        .take()
        .map(|d| d.into_iter().map(|r| (r.identifier.clone(), r)).collect());
    let mut undetailed = 0;
    for rule in files
        .snapshot_rules
        .iter_mut()
        .chain(files.image_rules.iter_mut())
        .flatten()
    {
        match details.as_ref().and_then(|d| d.get(&rule.identifier)) {
            Some(d) => {
                rule.resource_tags = Some(d.resource_tags.clone());
                rule.exclude_resource_tags = Some(d.exclude_resource_tags.clone());
                rule.status = d.status.clone();
            }
            None => undetailed += 1,
        }
    }
    if undetailed > 0 {
        gap(
            RegionFile::RuleDetails,
            format!(
                "{} does not describe {undetailed} retention rules: their tags, and so which \
                 snapshots they retain, are unknown",
                RegionFile::RuleDetails.file_name()
            ),
        );
    }

    let region = Region {
        name: name.into(),
        volumes: files.volumes,
        instances: files.instances,
        snapshots: files.snapshots,
        images: files.images,
        snapshot_retention_rules: files.snapshot_rules,
        image_retention_rules: files.image_rules,
        snapshot_block_public_access: files.snapshot_bpa,
        image_block_public_access: files.image_bpa,
        ..Region::default()
    };
    (region, gaps)
}

/// How many resources a per-resource file did not cover.
pub(super) struct Unrecorded {
    file_absent: bool,
    pub(super) missing: usize,
}

impl Unrecorded {
    fn message(&self, file: RegionFile, what: &str) -> Option<String> {
        if self.file_absent && self.missing > 0 {
            Some(format!(
                "{} is absent: sharing of {} {what} not collected",
                file.file_name(),
                self.missing
            ))
        } else if self.missing > 0 {
            Some(format!(
                "{} has no entry for {} {what}: their sharing is unknown",
                file.file_name(),
                self.missing
            ))
        } else {
            None
        }
    }
}

/// Attaches per-resource outputs (the entries of a gathered file, by id) to their resources.
pub(super) fn join<T, D>(
    items: &mut [T],
    outputs: Option<HashMap<Str, D>>,
    id: impl Fn(&T) -> &Str,
    set: impl Fn(&mut T, D),
) -> Unrecorded {
    let Some(mut outputs) = outputs else {
        return Unrecorded {
            file_absent: true,
            missing: items.len(),
        };
    };
    let mut missing = 0;
    for item in items.iter_mut() {
        match outputs.remove(id(item)) {
            Some(output) => set(item, output),
            None => missing += 1,
        }
    }
    Unrecorded {
        file_absent: false,
        missing,
    }
}

/// Parses one JSON document.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, InputError> {
    let bytes = fs::read(path).map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    let value = serde_json::from_slice(&bytes).map_err(|e| describe_error::<T>(path, &bytes, e))?;
    check_keys(path, &bytes, 1)?;
    Ok(value)
}

/// Refuses a key written twice in one JSON object with different values (the JSON reader keeps
/// the last one silently), with the reader `iam check` uses for its inputs; `first_line` is
/// where `bytes` start in the file.
fn check_keys(path: &Path, bytes: &[u8], first_line: usize) -> Result<(), InputError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| InputError::new(path, format!("not valid UTF-8: {e}")))?;
    // The typed read already accepted the syntax: only a repeated key needs the tree.
    if matches!(has_repeated_key(text), Ok(false)) {
        return Ok(());
    }
    parse_json_at(text, first_line)
        .map(drop)
        .map_err(|e| InputError {
            path: path.to_owned(),
            position: Some((e.line, e.column)),
            message: e.message,
        })
}

/// Parses per-resource outputs gathered in one file: a JSON array of them, or the outputs
/// one after the other, as a shell loop over the aws CLI writes them.
pub(super) fn read_json_stream<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, InputError> {
    let bytes = fs::read(path).map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let items = serde_json::from_slice(&bytes)
            .map_err(|e| describe_error::<Vec<T>>(path, &bytes, e))?;
        check_keys(path, &bytes, 1)?;
        return Ok(items);
    }
    let mut items = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<T>();
    // The line `start` is on, counted as the stream advances.
    let (mut line, mut counted) = (1, 0);
    loop {
        // Positions in errors count from the start of the file; the JSON path from the item.
        let start = stream.byte_offset();
        let Some(item) = stream.next() else { break };
        items.push(item.map_err(|e| describe_error::<T>(path, &bytes[start..], e))?);
        line += bytes[counted..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = start;
        check_keys(path, &bytes[start..stream.byte_offset()], line)?;
    }
    Ok(items)
}

/// Says where and what: line and column, the JSON path of a value of the wrong shape, and
/// what was expected there.
fn describe_error<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    error: serde_json::Error,
) -> InputError {
    let position = Some((error.line(), error.column()));
    let message = strip_position(&error.to_string());
    let message = if error.is_data() {
        // Only this slow path tracks the JSON path, so loading pays nothing for it.
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(located) if located.path().to_string() != "." => {
                format!("wrong shape at {}: {message}", located.path())
            }
            _ => format!("wrong shape: {message}"),
        }
    } else {
        format!("not valid JSON: {message}")
    };
    InputError {
        path: path.to_owned(),
        position,
        message,
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Lists a folder of the recorded layout, sorted by name: each entry's name, path and whether
/// it is a folder (following symbolic links, so that a linked account folder reads like any
/// other).
///
/// The entries a reader may open are checked here, so that reading the layout always ends: a
/// symbolic link to the folder itself or to a folder above it (a loop) is an error naming the
/// link, and so is anything that is neither a file nor a folder (a FIFO, a socket, a device,
/// whose reading may never end). Entries the reader ignores (dot entries, notes; see
/// [`ignorable`]) are listed unchecked and are never followed.
pub(crate) fn list_dir(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, InputError> {
    let entries = fs::read_dir(dir).map_err(|e| {
        InputError::new(
            dir,
            format!("cannot read the recorded inventory folder: {e}"),
        )
    })?;
    let mut listing = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| InputError::new(dir, format!("cannot list: {e}")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // Follows links; a dangling or self-referring link reads as a file, which then
        // fails to open with an error naming it.
        let target = fs::metadata(&path).ok();
        let is_dir = target.as_ref().is_some_and(fs::Metadata::is_dir);
        if !ignorable(&name) {
            if let Some(target) = &target {
                if !target.is_dir() && !target.is_file() {
                    return Err(InputError::new(
                        &path,
                        "neither a file nor a folder (a FIFO, socket or device): a recorded \
                         inventory holds JSON files in folders",
                    ));
                }
            }
            if is_dir && entry.file_type().is_ok_and(|t| t.is_symlink()) {
                check_not_a_loop(dir, &path)?;
            }
        }
        listing.push((name, path, is_dir));
    }
    listing.sort();
    Ok(listing)
}

/// A symbolic link `link` inside `dir` that leads back to `dir` itself or to a folder above
/// it would make every walk through it endless: an error naming the link and its target.
fn check_not_a_loop(dir: &Path, link: &Path) -> Result<(), InputError> {
    let (Ok(target), Ok(here)) = (fs::canonicalize(link), fs::canonicalize(dir)) else {
        return Ok(()); // unreadable: reading the entry reports it
    };
    if here.starts_with(&target) {
        return Err(InputError::new(
            link,
            format!(
                "a symbolic link to {}, a folder that contains it: following it would loop; \
                 remove the link or move it out of the recorded inventory",
                target.display()
            ),
        ));
    }
    Ok(())
}

/// Notes and editor droppings a person may leave in a recorded folder.
pub(crate) fn ignorable(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".md") || name == "snapguard.toml"
}

/// Whether `name` is a 12-digit AWS account id (an account folder of the recorded layout).
pub fn is_account_id(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

/// Region names: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `eu-central-2`, ...
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let n = parts.len();
    (3..=4).contains(&n)
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !parts[n - 1].is_empty()
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Without a manifest, the recording is as old as its newest file: the newest modification
/// time (whole seconds since the Unix epoch, UTC) of the files under `dir` that the reader
/// reads. Entries the reader ignores (dot entries, notes; see [`ignorable`]) are not
/// followed, a link back to a folder above it is an error (see [`list_dir`]), and the walk
/// goes no deeper than the layout does ([`LAYOUT_DEPTH`]), so it always ends.
fn newest_modification(dir: &Path) -> Result<Timestamp, InputError> {
    fn walk(dir: &Path, depth: usize, newest: &mut i64) -> Result<(), InputError> {
        for (name, path, is_dir) in list_dir(dir)? {
            if ignorable(&name) {
                continue;
            }
            if is_dir {
                if depth < LAYOUT_DEPTH {
                    walk(&path, depth + 1, newest)?;
                }
            } else if let Some(secs) = fs::metadata(&path)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            {
                *newest = (*newest).max(secs.as_secs() as i64);
            }
        }
        Ok(())
    }
    let mut newest = 0;
    walk(dir, 1, &mut newest)?;
    Ok(Timestamp(newest))
}

/// How deep files lie in the recorded layout: `<account>/<region>/<file>`,
/// `organizations/<folder>/<file>`.
const LAYOUT_DEPTH: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    const SNAPSHOT: &str = r#"{"SnapshotId": "snap-1", "State": "completed", "Encrypted": true,
        "StartTime": "2024-01-01T00:00:00Z"}"#;

    /// A one-account, one-region inventory collected on 2024-06-01 with the given region files.
    fn inventory(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(MANIFEST),
            r#"{"collected_at": "2024-06-01T00:00:00Z"}"#,
        )
        .unwrap();
        let region = dir.path().join("111111111111").join("us-east-1");
        fs::create_dir_all(&region).unwrap();
        for (name, text) in files {
            fs::write(region.join(name), text).unwrap();
        }
        dir
    }

    fn errors(files: &[(&str, &str)]) -> String {
        let dir = inventory(files);
        let errors = load(dir.path()).expect_err("an input error");
        errors.iter().map(|e| format!("{e}\n")).collect()
    }

    #[test]
    fn an_absent_permission_list_is_an_error_not_an_unshared_resource() {
        let found = errors(&[
            (
                "describe-snapshots.json",
                &format!(r#"{{"Snapshots": [{SNAPSHOT}]}}"#),
            ),
            (
                "describe-snapshot-attribute.json",
                r#"{"SnapshotId": "snap-1", "CreateVolumePermission": []}"#,
            ),
        ]);
        assert!(
            found.contains("describe-snapshot-attribute.json")
                && found.contains("missing field `CreateVolumePermissions`"),
            "{found}"
        );
        let found = errors(&[("describe-image-attribute.json", r#"{"ImageId": "ami-1"}"#)]);
        assert!(found.contains("`LaunchPermissions`"), "{found}");
    }

    #[test]
    fn keys_whose_absence_reads_as_safe_are_required() {
        for (file, text, key) in [
            (
                "list-rules-EC2_IMAGE.json",
                r#"{"Rules": [{"Identifier": "r1", "LockState": "locked"}]}"#,
                "RetentionPeriod",
            ),
            (
                "list-rules-EBS_SNAPSHOT.json",
                r#"{"Rules": [{"Identifier": "r1", "RetentionPeriod": {"RetentionPeriodValue": 1}}]}"#,
                "RetentionPeriodUnit",
            ),
            (
                "get-rule.json",
                r#"{"Identifier": "r1", "Status": "available"}"#,
                "ResourceTags",
            ),
            (
                "get-rule.json",
                r#"{"Identifier": "r1", "ResourceTags": []}"#,
                "Status",
            ),
            (
                "describe-snapshots.json",
                r#"{"Snapshots": [{"SnapshotId": "snap-1", "Encrypted": true, "StartTime": "2024-01-01T00:00:00Z"}]}"#,
                "State",
            ),
            (
                "describe-snapshots.json",
                r#"{"Snapshots": [{"SnapshotId": "snap-1", "State": "completed", "StartTime": "2024-01-01T00:00:00Z"}]}"#,
                "Encrypted",
            ),
            (
                "describe-images.json",
                r#"{"Images": [{"ImageId": "ami-1", "State": "available"}]}"#,
                "Public",
            ),
            (
                "describe-images.json",
                r#"{"Images": [{"ImageId": "ami-1", "Public": false}]}"#,
                "State",
            ),
        ] {
            let found = errors(&[(file, text)]);
            assert!(
                found.contains(file) && found.contains(&format!("missing field `{key}`")),
                "{file} without {key}: {found}"
            );
        }
    }

    #[test]
    fn two_different_entries_for_one_resource_are_an_error_naming_both() {
        let found = errors(&[(
            "describe-snapshot-attribute.json",
            "{\"SnapshotId\": \"snap-1\", \"CreateVolumePermissions\": [{\"Group\": \"all\"}]}\n\
             {\"SnapshotId\": \"snap-1\", \"CreateVolumePermissions\": []}\n",
        )]);
        assert!(
            found.contains("describe-snapshot-attribute.json")
                && found.contains("entry 1 and entry 2 both describe snapshot snap-1"),
            "{found}"
        );
        let found = errors(&[(
            "list-rules-EBS_SNAPSHOT.json",
            r#"{"Rules": [
                {"Identifier": "r1", "RetentionPeriod": {"RetentionPeriodValue": 1, "RetentionPeriodUnit": "DAYS"}},
                {"Identifier": "r1", "RetentionPeriod": {"RetentionPeriodValue": 9, "RetentionPeriodUnit": "DAYS"}}]}"#,
        )]);
        assert!(
            found.contains("Rules[0] and Rules[1] both describe retention rule r1"),
            "{found}"
        );
    }

    #[test]
    fn the_same_entry_twice_is_read_once() {
        let entry =
            r#"{"SnapshotId": "snap-1", "CreateVolumePermissions": [{"UserId": "222222222222"}]}"#;
        let dir = inventory(&[
            (
                "describe-snapshots.json",
                &format!(r#"{{"Snapshots": [{SNAPSHOT}, {SNAPSHOT}]}}"#),
            ),
            (
                "describe-snapshot-attribute.json",
                &format!("{entry}\n{entry}\n"),
            ),
        ]);
        let inventory = load(dir.path()).unwrap();
        let snapshots = inventory.accounts[0].regions[0].snapshots.as_ref().unwrap();
        assert_eq!(snapshots.len(), 1);
        assert_eq!(
            snapshots[0].create_volume_permissions.as_ref().unwrap()[0].grantee(),
            "222222222222"
        );
    }

    #[test]
    fn a_key_written_twice_is_an_error_naming_both_places() {
        let found = errors(&[(
            "get-snapshot-block-public-access-state.json",
            // serde refuses a known field twice; a key it ignores is caught as well.
            "{\"State\": \"unblocked\", \"ManagedBy\": \"account\",\n \"ManagedBy\": \"declarative-policy\"}",
        )]);
        assert!(
            found.contains("get-snapshot-block-public-access-state.json:2:")
                && found.contains("\"ManagedBy\" is written twice")
                && found.contains("at 1:24 and at 2:2"),
            "{found}"
        );
        // In the second document of a gathered file, lines count from the file's start.
        let found = errors(&[(
            "describe-image-attribute.json",
            "{\"ImageId\": \"ami-1\", \"LaunchPermissions\": []}\n\
             {\"ImageId\": \"ami-2\",\n \"LaunchPermissions\": [], \"LaunchPermissions\": [{\"Group\": \"all\"}]}\n",
        )]);
        assert!(
            found.contains("describe-image-attribute.json:3:"),
            "{found}"
        );
    }

    #[test]
    fn values_outside_the_known_set_are_gaps_naming_the_value() {
        let dir = inventory(&[
            (
                "get-snapshot-block-public-access-state.json",
                r#"{"State": "blocked-sometimes"}"#,
            ),
            (
                "list-rules-EC2_IMAGE.json",
                r#"{"Rules": [{"Identifier": "r1", "RetentionPeriod": {"RetentionPeriodValue": 1, "RetentionPeriodUnit": "WEEKS"}}]}"#,
            ),
            (
                "describe-snapshots.json",
                r#"{"Snapshots": [{"SnapshotId": "snap-1", "State": "archived-maybe", "Encrypted": true, "StartTime": "2024-01-01T00:00:00Z"}]}"#,
            ),
            // A permission naming nobody, and a group other than `all`: not "not shared".
            (
                "describe-snapshot-attribute.json",
                r#"{"SnapshotId": "snap-1", "CreateVolumePermissions": [{}, {"Group": "everyone"}]}"#,
            ),
        ]);
        let inventory = load(dir.path()).unwrap();
        let gaps: Vec<String> = inventory
            .not_scanned
            .iter()
            .map(|g| format!("{} {}", g.operation, g.error))
            .collect();
        for (operation, value) in [
            (
                "ec2:GetSnapshotBlockPublicAccessState",
                "\"blocked-sometimes\"",
            ),
            ("rbin:ListRules", "\"WEEKS\""),
            ("ec2:DescribeSnapshots", "\"archived-maybe\""),
            (
                "ec2:DescribeSnapshotAttribute",
                "CreateVolumePermissions[0] is \"an entry naming no grantee\"",
            ),
            (
                "ec2:DescribeSnapshotAttribute",
                "CreateVolumePermissions[1] Group is \"everyone\"",
            ),
        ] {
            assert!(
                gaps.iter()
                    .any(|g| g.starts_with(operation) && g.contains(value)),
                "{operation} {value}: {gaps:#?}"
            );
        }
        let snapshot = &inventory.accounts[0].regions[0].snapshots.as_ref().unwrap()[0];
        assert!(!snapshot.is_usable() && !snapshot.is_completed());
    }

    #[test]
    fn impossible_times_are_errors_naming_the_entry() {
        let found = errors(&[(
            "describe-snapshots.json",
            r#"{"Snapshots": [{"SnapshotId": "snap-9", "State": "completed", "Encrypted": true, "StartTime": "2024-06-01T00:06:00Z"}]}"#,
        )]);
        assert!(
            found.contains("describe-snapshots.json")
                && found.contains("Snapshots[0] (snap-9): StartTime is 2024-06-01T00:06:00Z, later than the collection time"),
            "{found}"
        );
        // Within the clock skew: read.
        let dir = inventory(&[(
            "describe-snapshots.json",
            r#"{"Snapshots": [{"SnapshotId": "snap-9", "State": "completed", "Encrypted": true, "StartTime": "2024-06-01T00:04:00Z"}]}"#,
        )]);
        assert!(load(dir.path()).is_ok());
        let found = errors(&[(
            "describe-images.json",
            r#"{"Images": [{"ImageId": "ami-1", "State": "available", "Public": false, "CreationDate": "2001-01-01T00:00:00.000Z"}]}"#,
        )]);
        assert!(found.contains("Images[0] (ami-1): CreationDate is 2001-01-01T00:00:00Z, before Amazon EBS existed"), "{found}");
        let found = errors(&[(
            "describe-snapshots.json",
            r#"{"Snapshots": [{"SnapshotId": "snap-9", "State": "completed", "Encrypted": true, "StartTime": "2024-02-30T00:00:00Z"}]}"#,
        )]);
        assert!(found.contains("describe-snapshots.json"), "{found}");
    }

    #[test]
    fn a_misspelt_key_of_a_not_scanned_entry_is_an_error_not_an_account_wide_gap() {
        let dir = inventory(&[]);
        fs::write(
            dir.path().join(MANIFEST),
            r#"{"collected_at": "2024-06-01T00:00:00Z", "not_scanned": [{"account_id":
                "111111111111", "regoin": "us-east-1", "operation": "ec2:DescribeSnapshots",
                "error": "AccessDenied"}]}"#,
        )
        .unwrap();
        let found: String = load(dir.path())
            .expect_err("an input error")
            .iter()
            .map(|e| format!("{e}\n"))
            .collect();
        assert!(
            found.contains(MANIFEST) && found.contains("unknown field `regoin`"),
            "{found}"
        );
    }

    #[test]
    fn a_collection_time_before_ebs_or_in_the_future_is_an_error() {
        let now = Timestamp(1_800_000_000);
        assert!(check_collected_at(Timestamp(1_219_190_399), now)
            .unwrap_err()
            .contains("before Amazon EBS existed"));
        assert!(check_collected_at(Timestamp(now.0 + 301), now)
            .unwrap_err()
            .contains("later than now"));
        assert!(check_collected_at(Timestamp(now.0 + 299), now).is_ok());
        assert!(check_collected_at(EBS_LAUNCH, now).is_ok());
    }
}
