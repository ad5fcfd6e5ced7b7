//! One module per subcommand.

pub mod iam;
pub mod merge;
pub mod remediate;
pub mod rules;
pub mod scan;
