//! Reads a recorded inventory into an [`Inventory`].
//!
//! A file that is absent was not collected: it becomes a gap, never a pass. A file that is
//! present must parse; any error names the file, the line and column, and what was expected.

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::inventory::{
    Account, Gap, Image, Instance, Inventory, Organization, Permission, Region, RetentionRule,
    Snapshot, Str, Volume,
};
use crate::time::Timestamp;

use super::shapes::{
    DescribeImages, DescribeInstances, DescribeSnapshots, DescribeVolumes, ImageAttribute,
    ImageBlockPublicAccess, ListRules, RuleDetails, SnapshotAttribute, SnapshotBlockPublicAccess,
};
use super::backup::{BackupFile, BackupFiles};
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

    let loaded: Vec<_> = account_dirs
        .par_iter()
        .map(|(id, path)| load_account(id, path))
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
    let collected_at = match manifest.collected_at {
        Some(t) => t,
        None => newest_modification(dir),
    };
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

/// Accounts of the organization with no folder, and expected regions missing in an account.
fn missing_places(
    accounts: &[Account],
    org: Option<&Organization>,
    selected: Option<&[String]>,
    regions: &[String],
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let scanned: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let expected = |id: &str| selected.is_none_or(|s| s.iter().any(|a| a == id));
    for member in org.iter().flat_map(|o| &o.accounts) {
        if member.is_active() && expected(&member.id) && !scanned.contains(member.id.as_str()) {
            gaps.push(Gap {
                account_id: member.id.to_string(),
                region: None,
                operation: "*".into(),
                error: "the account is in the organization but its folder is absent: not collected"
                    .into(),
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

fn load_account(id: &str, dir: &Path) -> Result<(Account, Vec<Gap>), Vec<InputError>> {
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
        .map(|(name, path)| load_region(id, name, path))
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
        if let Err(e) = read_region_file(kind, &path, &mut files) {
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
    Ok((region, gaps))
}

fn read_region_file(
    kind: RegionFile,
    path: &Path,
    files: &mut RegionFiles,
) -> Result<(), InputError> {
    match kind {
        RegionFile::Volumes => files.volumes = Some(read_json::<DescribeVolumes>(path)?.volumes),
        RegionFile::Instances => {
            let reservations = read_json::<DescribeInstances>(path)?.reservations;
            files.instances = Some(reservations.into_iter().flat_map(|r| r.instances).collect());
        }
        RegionFile::Snapshots => {
            files.snapshots = Some(read_json::<DescribeSnapshots>(path)?.snapshots)
        }
        RegionFile::SnapshotAttributes => files.snapshot_attributes = Some(read_json_stream(path)?),
        RegionFile::Images => files.images = Some(read_json::<DescribeImages>(path)?.images),
        RegionFile::ImageAttributes => files.image_attributes = Some(read_json_stream(path)?),
        RegionFile::SnapshotRules => {
            files.snapshot_rules = Some(read_json::<ListRules>(path)?.rules)
        }
        RegionFile::ImageRules => files.image_rules = Some(read_json::<ListRules>(path)?.rules),
        RegionFile::RuleDetails => files.rule_details = Some(read_json_stream(path)?),
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
        gaps.push(Gap {
            account_id: account.to_owned(),
            region: Some(name.to_owned()),
            operation: file.operation().to_owned(),
            error,
        })
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

/// How many resources a per-resource attribute file did not cover.
struct Unrecorded {
    file_absent: bool,
    missing: usize,
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

/// Attaches per-resource permissions to their resources by id.
fn join<T>(
    items: &mut [T],
    permissions: Option<HashMap<Str, Vec<Permission>>>,
    id: impl Fn(&T) -> &Str,
    set: impl Fn(&mut T, Vec<Permission>),
) -> Unrecorded {
    let Some(mut permissions) = permissions else {
        return Unrecorded {
            file_absent: true,
            missing: items.len(),
        };
    };
    let mut missing = 0;
    for item in items.iter_mut() {
        match permissions.remove(id(item)) {
            Some(p) => set(item, p),
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
    serde_json::from_slice(&bytes).map_err(|e| describe_error::<T>(path, &bytes, e))
}

/// Parses per-resource outputs gathered in one file: a JSON array of them, or the outputs
/// one after the other, as a shell loop over the aws CLI writes them.
pub(super) fn read_json_stream<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, InputError> {
    let bytes = fs::read(path).map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        return serde_json::from_slice(&bytes)
            .map_err(|e| describe_error::<Vec<T>>(path, &bytes, e));
    }
    let mut items = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<T>();
    loop {
        // Positions in errors count from the start of the file; the JSON path from the item.
        let start = stream.byte_offset();
        let Some(item) = stream.next() else { break };
        items.push(item.map_err(|e| describe_error::<T>(path, &bytes[start..], e))?);
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
        let path = entry.path();
        let is_dir = path.is_dir();
        listing.push((
            entry.file_name().to_string_lossy().into_owned(),
            path,
            is_dir,
        ));
    }
    listing.sort();
    Ok(listing)
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

/// Without a manifest, the recording is as old as its newest file.
fn newest_modification(dir: &Path) -> Timestamp {
    fn walk(dir: &Path, newest: &mut i64) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if let Some(secs) = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            {
                *newest = (*newest).max(secs.as_secs() as i64);
            }
        }
    }
    let mut newest = 0;
    walk(dir, &mut newest);
    Timestamp(newest)
}
