//! The live `aws` source: reads one account, a list of accounts, or a whole AWS Organization
//! with the AWS SDK for Rust and fills the same [`Inventory`] the recorded source fills.
//!
//! - Read-only: only Describe, List and Get operations, plus `sts:GetCallerIdentity` and
//!   `sts:AssumeRole` (see `docs/scan-role-policy.json`).
//! - Complete and honest: whatever could not be read becomes a [`Gap`] and its field stays
//!   `None`; the scan goes on with the rest.
//! - Fast: account-regions in parallel (bounded), per-resource attribute calls concurrent and
//!   bounded, adaptive retry on throttling with one retry partition per account-region, a
//!   timeout per operation, API calls and throttling retries counted per operation.
//!
//! `rules::recorded::write` writes an inventory as the recorded layout that
//! `rules::recorded::load` reads, so any live scan can be replayed offline.
//!
//! [`Inventory`]: rules::inventory::Inventory
//! [`Gap`]: rules::inventory::Gap

#![warn(missing_docs)]

mod counting;
mod error;
mod iam;
#[cfg(test)]
mod mock_clients;
mod options;
mod org;
mod progress;
mod region;
pub mod remediate;
mod scan;
pub mod securityhub;
mod session;

pub use counting::{Fault, FaultKind};
pub(crate) use error::{describe_error, error_code, explain};
pub use error::{CallerError, ScanError};
pub use options::{AccountShard, LiveArgs, LiveOptions, DEFAULT_CONCURRENCY, DEFAULT_ROLE_NAME};
pub(crate) use scan::Ctx;
pub use scan::{collect, collect_counted, OPERATIONS};
