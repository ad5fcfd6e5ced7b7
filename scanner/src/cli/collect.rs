//! `snapguard collect --out DIR`: a live read of AWS written as a recorded inventory, so that
//! any scan can be replayed offline with `snapguard scan --inventory DIR`.

use clap::Args;
use std::path::PathBuf;

use snapguard_aws::{LiveArgs, LiveOptions};

use crate::{print, EXIT_INCOMPLETE};

#[derive(Args)]
pub struct CollectArgs {
    /// The directory to write (created; an existing recorded inventory there is replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    live: LiveArgs,
}

pub fn run(args: CollectArgs) -> Result<u8, String> {
    let mut options = LiveOptions::from(args.live);
    options.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let inventory = snapguard_aws::collect(&options).map_err(|e| e.to_string())?;
    rules::recorded::write(&inventory, &args.out).map_err(|e| e.to_string())?;
    let regions: usize = inventory.accounts.iter().map(|a| a.regions.len()).sum();
    let calls: u64 = inventory.api_calls.values().sum();
    print(&format!(
        "wrote {}: {} accounts, {regions} account-regions, {calls} API calls; {} places not read\n",
        args.out.display(),
        inventory.accounts.len(),
        inventory.not_scanned.len()
    ))?;
    for gap in &inventory.not_scanned {
        eprintln!(
            "not read: account {} {} {}: {}",
            gap.account_id,
            gap.region.as_deref().unwrap_or("(all regions)"),
            gap.operation,
            gap.error
        );
    }
    Ok(if inventory.not_scanned.is_empty() {
        0
    } else {
        EXIT_INCOMPLETE
    })
}
