//! Where an inventory comes from: a recorded directory (and, with the live-scan work, AWS).

pub mod recorded;
