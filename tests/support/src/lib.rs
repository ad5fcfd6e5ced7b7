//! Test support shared by the live tests of `snapguard-aws` and the end-to-end tests of the
//! `snapguard` CLI (a dev-only crate, never published):
//!
//! - [`moto`]: the AWS emulator, a `moto_server` on loopback started by a test and killed when
//!   it ends, the SDK configurations that reach it, and the requests it received;
//! - [`org`]: an organization built in the emulator through the SDK (accounts, OUs, an SCP, IAM
//!   principals, volumes, instances, snapshots, images and their sharing);
//! - [`sent`]: the operations a client sent, recorded, and which of them read or destroy.

#![warn(missing_docs)]

pub mod moto;
pub mod org;
pub mod sent;

pub use moto::*;
pub use org::*;
