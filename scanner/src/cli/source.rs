//! Where a command's inventory comes from: a recorded directory (`--inventory DIR`) or the
//! live AWS accounts (the standard credential chain, `--org`, `--regions`, ...).

use clap::Args;
use std::path::PathBuf;

use rules::Inventory;
use snapguard_aws::{AccountShard, LiveArgs, LiveOptions};

#[derive(Args)]
pub struct SourceArgs {
    /// Read a recorded inventory (a directory of AWS CLI outputs) instead of AWS.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["org", "regions", "role_name", "external_id", "profile"])]
    pub inventory: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
}

impl SourceArgs {
    /// `--accounts` / `--exclude-accounts` applied to a recorded inventory, as a live scan
    /// applies them: the accounts left out are out of scope, not gaps.
    fn narrowed(&self, mut inventory: Inventory) -> Inventory {
        let (only, except) = (&self.live.accounts, &self.live.exclude_accounts);
        if only.is_empty() && except.is_empty() {
            return inventory;
        }
        let keep = |id: &str| {
            (only.is_empty() || only.iter().any(|a| a == id)) && !except.iter().any(|a| a == id)
        };
        inventory.accounts.retain(|a| keep(&a.id));
        inventory.not_scanned.retain(|g| keep(&g.account_id));
        let mut selected: Vec<String> = inventory
            .accounts
            .iter()
            .map(|a| a.id.to_string())
            .collect();
        selected.extend(only.iter().filter(|a| keep(a)).cloned());
        selected.sort();
        selected.dedup();
        inventory.selected_accounts = Some(selected);
        inventory
    }

    /// The inventory, and a label saying where it came from (`recorded:DIR` or `aws`).
    /// A live scan reads only the accounts of `shard`, when given.
    pub fn load(&self, shard: Option<AccountShard>) -> Result<(Inventory, String), String> {
        match &self.inventory {
            Some(dir) => {
                let inventory = rules::recorded::load(dir).map_err(|errors| {
                    let shown: Vec<String> =
                        errors.iter().take(20).map(|e| e.to_string()).collect();
                    let more = errors.len().saturating_sub(shown.len());
                    let tail = if more > 0 {
                        format!("\n... and {more} more")
                    } else {
                        String::new()
                    };
                    format!(
                        "the recorded inventory has errors:\n{}{tail}",
                        shown.join("\n")
                    )
                })?;
                Ok((
                    self.narrowed(inventory),
                    format!("recorded:{}", dir.display()),
                ))
            }
            None => {
                let mut options = LiveOptions::from(self.live.clone());
                options.shard = shard;
                options.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let inventory = snapguard_aws::collect(&options).map_err(|e| e.to_string())?;
                Ok((inventory, "aws".into()))
            }
        }
    }
}
