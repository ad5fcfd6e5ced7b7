//! The snapguard binary's library half: config loading and the `iam check` inputs, shared by
//! the CLI, the end-to-end tests and the benchmarks.

pub mod config_file;
pub mod iam_inputs;
