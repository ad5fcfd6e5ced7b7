//! The snapguard binary's library half: config loading and inventory sources, shared by the
//! CLI, the end-to-end tests and the benchmarks.

pub mod config_file;
pub mod sources;
