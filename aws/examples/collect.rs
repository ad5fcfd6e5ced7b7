//! `collect`: a live scan written as a recorded inventory, until the `snapguard` binary wires
//! it in. `cargo run -p snapguard-aws --example collect -- --org --out DIR [live flags]`
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    live: snapguard_aws::LiveArgs,
    /// Where to write the recorded inventory
    #[arg(long)]
    out: std::path::PathBuf,
}

fn main() {
    let cli = Cli::parse();
    let options = snapguard_aws::LiveOptions::from(cli.live);
    let inventory = match snapguard_aws::collect(&options) {
        Ok(inventory) => inventory,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = rules::recorded::write(&inventory, &cli.out) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    let calls: u64 = inventory.api_calls.values().sum();
    let throttled: u64 = inventory.throttle_retries.values().sum();
    eprintln!(
        "{} accounts, {} account-regions, {calls} API calls, {throttled} throttling retries, {} not scanned -> {}",
        inventory.accounts.len(),
        inventory.accounts.iter().map(|a| a.regions.len()).sum::<usize>(),
        inventory.not_scanned.len(),
        cli.out.display()
    );
    if !inventory.not_scanned.is_empty() {
        std::process::exit(4);
    }
}
