//! One module per subcommand.

pub mod collect;
pub mod iam;
pub mod merge;
pub mod publish;
pub mod remediate;
pub mod rules;
pub mod scan;
pub mod source;
