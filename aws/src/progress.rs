//! A progress bar on stderr when it is a terminal: accounts and account-regions done, API
//! calls, throttling retries, and the time left. Quiet otherwise.
//!
//! The time left follows the model of the scale harness (`aws/benches/org_scale.rs`): the
//! account-regions take `--concurrency` slots, each about as long as those done so far (their
//! time is set by EC2's refill rate, not by the machine), so the rest takes as many rounds of
//! that as remain: [`time_left`].

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
    regions: AtomicU64,
    regions_done: AtomicU64,
    /// The account-regions done so far took this long in all, in milliseconds.
    region_millis: AtomicU64,
    /// Accounts whose regions are known (counted in `regions`).
    accounts_started: AtomicU64,
}

impl State {
    /// The account-regions of the whole scan: those of the accounts started, and for the
    /// others as many each as the started ones have on average (their regions are known only
    /// once they start: accounts in flight are bounded).
    fn regions_expected(&self) -> u64 {
        let regions = self.regions.load(Ordering::Relaxed);
        let started = self.accounts_started.load(Ordering::Relaxed);
        let waiting = self
            .accounts
            .load(Ordering::Relaxed)
            .saturating_sub(started);
        if started == 0 {
            return regions;
        }
        regions + (waiting * regions).div_ceil(started)
    }
}

/// The time the account-regions not done yet take, in seconds: `remaining` of them in rounds
/// of `slots`, each round as long as the mean account-region so far (`done` of them took
/// `seconds_done` in all); `None` before the first is done.
pub(crate) fn time_left(remaining: u64, slots: u64, done: u64, seconds_done: f64) -> Option<f64> {
    if done == 0 {
        return None;
    }
    let rounds = remaining.div_ceil(slots.max(1));
    Some(rounds as f64 * seconds_done / done as f64)
}

/// `1h 02m`, `4m 05s`, `12s`.
fn duration_text(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
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
        self.state.regions.fetch_add(n as u64, Ordering::Relaxed);
        self.state.accounts_started.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc_length(n as u64);
        }
    }

    /// One account-region read, in `took`.
    pub fn region_done(&self, took: Duration) {
        self.state.regions_done.fetch_add(1, Ordering::Relaxed);
        self.state
            .region_millis
            .fetch_add(took.as_millis() as u64, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn account_done(&self) {
        self.state.accounts_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Refreshes the message a few times a second until aborted.
    /// `slots` is `--concurrency`: how many account-regions are read at once.
    pub fn start_ticker(
        &self,
        counters: Arc<Counters>,
        slots: usize,
    ) -> tokio::task::JoinHandle<()> {
        let bar = self.bar.clone();
        let state = self.state.clone();
        tokio::spawn(async move {
            let Some(bar) = bar else { return };
            loop {
                let done = state.regions_done.load(Ordering::Relaxed);
                let remaining = state.regions_expected().saturating_sub(done);
                let left = time_left(
                    remaining,
                    slots as u64,
                    done,
                    state.region_millis.load(Ordering::Relaxed) as f64 / 1000.0,
                )
                .map_or_else(|| "estimating".to_owned(), duration_text);
                bar.set_message(format!(
                    "accounts {}/{}  API calls {}  throttling retries {}  about {left} left",
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

#[cfg(test)]
mod tests {
    use super::{duration_text, time_left};

    #[test]
    fn the_time_left_is_the_rounds_left_of_the_mean_account_region() {
        assert_eq!(time_left(100, 8, 0, 0.0), None);
        // 16 done in 136 s: 8.5 s each; 100 left in slots of 8: 13 rounds.
        assert_eq!(time_left(100, 8, 16, 136.0), Some(13.0 * 8.5));
        assert_eq!(time_left(0, 8, 16, 136.0), Some(0.0));
        assert_eq!(duration_text(110.5), "1m 51s");
        assert_eq!(duration_text(3725.0), "1h 02m");
        assert_eq!(duration_text(9.4), "9s");
    }

    #[test]
    fn the_regions_of_accounts_not_started_are_counted_at_the_mean() {
        use std::sync::atomic::Ordering;
        let state = super::State::default();
        state.accounts.store(1000, Ordering::Relaxed);
        assert_eq!(state.regions_expected(), 0);
        state.accounts_started.store(64, Ordering::Relaxed);
        state.regions.store(256, Ordering::Relaxed);
        assert_eq!(state.regions_expected(), 4000);
    }
}
