//! A progress bar on stderr when it is a terminal: accounts and account-regions done, API
//! calls, throttling retries. Quiet otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::counting::Counters;

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    accounts: AtomicU64,
    accounts_done: AtomicU64,
}

impl Progress {
    pub fn new(wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} account-regions  {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        Progress {
            bar,
            state: Arc::default(),
        }
    }

    pub fn set_accounts(&self, n: usize) {
        self.state.accounts.store(n as u64, Ordering::Relaxed);
    }

    pub fn add_regions(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc_length(n as u64);
        }
    }

    pub fn region_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn account_done(&self) {
        self.state.accounts_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Refreshes the message a few times a second until aborted.
    pub fn start_ticker(&self, counters: Arc<Counters>) -> tokio::task::JoinHandle<()> {
        let bar = self.bar.clone();
        let state = self.state.clone();
        tokio::spawn(async move {
            let Some(bar) = bar else { return };
            loop {
                bar.set_message(format!(
                    "accounts {}/{}  API calls {}  throttling retries {}",
                    state.accounts_done.load(Ordering::Relaxed),
                    state.accounts.load(Ordering::Relaxed),
                    counters.total_calls.load(Ordering::Relaxed),
                    counters.total_throttle_retries.load(Ordering::Relaxed),
                ));
                bar.tick();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
