//! snapguard's core: the inventory model, the recorded-inventory format, the rule registry and
//! its rules, and the evaluation that turns an inventory and a config into findings.
//!
//! The evaluation is pure: no I/O, no clock, no AWS SDK. [`recorded`] is the one module that
//! does file I/O: it reads and writes the recorded layout.

#![warn(missing_docs)]

pub mod compliance;
pub mod config;
pub mod copies;
pub mod coverage;
pub mod evaluate;
pub mod finding;
pub mod iam;
pub mod inventory;
pub mod recorded;
pub mod registry;
pub mod remediation;
pub mod schedules;
pub mod scope;
pub mod shard;
pub mod time;
pub(crate) use ::iam::wildcard;

mod backup;
mod prot;
mod rbin;
mod share;
mod tag;

pub use config::Config;
pub use evaluate::{evaluate, Evaluation};
pub use finding::{Finding, Severity};
pub use inventory::Inventory;
pub use registry::{Family, Rule, RULES};
