//! The recorded-inventory format: a directory of JSON files in the AWS CLI's own output shapes,
//! read by `snapguard scan --inventory DIR` and written by `snapguard collect --out DIR`.
//!
//! ```text
//! DIR/manifest.json                                   optional: collected_at, regions, not_scanned
//! DIR/organizations/describe-organization.json        aws organizations describe-organization
//! DIR/organizations/list-accounts.json                aws organizations list-accounts
//! DIR/<account-id>/<region>/describe-volumes.json     aws ec2 describe-volumes
//! ...                                                 (see RegionFile for every file)
//! ```
//!
//! This is the one module of the crate that does I/O: it reads and writes the files of that
//! layout.

mod read;
mod write;

pub use read::{
    is_account_id, is_region_name, load, read_json, InputError, Manifest, RegionFile, MANIFEST,
    ORGANIZATIONS,
};
pub use write::write;
