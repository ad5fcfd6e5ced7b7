//! Who a snapshot or an image is shared with: one attribute call per resource, concurrent and
//! bounded, and what to report when some of them fail.

use std::collections::HashSet;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::stream::{self, StreamExt};
use rules::inventory::Permission;

use crate::{explain, Ctx};

/// The grantees of each resource, from one attribute call per resource (concurrently,
/// bounded), in the order of `ids`. Where a call failed: `None`, except for resources
/// `known_public` says are public (the server-side filter or the resource itself proved it),
/// which keep `all`. Also the summary of the failures, if any.
pub(super) async fn permissions_of<O, E, Fut>(
    ctx: &Ctx,
    what: &str,
    ids: Vec<String>,
    call: impl Fn(String) -> Fut,
    grantees: impl Fn(&O) -> Vec<Permission>,
    known_public: impl Fn(usize, &str) -> bool,
) -> (Vec<Option<Vec<Permission>>>, Option<String>)
where
    Fut: std::future::Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut found = vec![None; ids.len()];
    let mut failures = Vec::new();
    for (i, id, out) in per_resource(ctx, ids, call).await {
        match out {
            Ok(out) => found[i] = Some(grantees(&out)),
            Err(err) => {
                if known_public(i, &id) {
                    found[i] = Some(vec![public_permission()]);
                }
                failures.push((id, explain(&err)));
            }
        }
    }
    (found, summarize(failures, what))
}

/// EC2's request token bucket for one non-mutating API in one account-region: 100 requests at
/// once, then 20 a second
/// (<https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>, request token
/// bucket sizes and refill rates). Calls paced by it are not throttled, so they are not backed
/// off either: a burst that runs into `RequestLimitExceeded` costs the retry's backoff and
/// slows the adaptive rate limiter of the whole account-region.
#[derive(Debug)]
pub(crate) struct Pacer {
    size: f64,
    refill_per_second: f64,
    /// Tokens left, as of the instant.
    state: std::sync::Mutex<(f64, tokio::time::Instant)>,
}

impl Pacer {
    /// EC2's bucket for non-mutating actions (size 100, refill 20 per second), with a margin
    /// of 5%: a burst of 95 and 19 a second. Requests do not reach EC2 exactly as spaced here (they
    /// leave over several connections, with jitter), and other callers in the account draw on
    /// the same bucket; at the full rate both show as throttling.
    pub(crate) fn ec2_non_mutating() -> Pacer {
        Pacer::new(95.0, 19.0)
    }

    fn new(size: f64, refill_per_second: f64) -> Pacer {
        Pacer {
            size,
            refill_per_second,
            state: std::sync::Mutex::new((size, tokio::time::Instant::now())),
        }
    }

    /// Waits until a token is there, and takes it.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut state = self.state.lock().expect("pacer lock");
                let now = tokio::time::Instant::now();
                let refilled = now.duration_since(state.1).as_secs_f64() * self.refill_per_second;
                *state = ((state.0 + refilled).min(self.size), now);
                if state.0 >= 1.0 {
                    state.0 -= 1.0;
                    return;
                }
                std::time::Duration::from_secs_f64((1.0 - state.0) / self.refill_per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// `call` for each id, concurrently (at most `attribute_concurrency` at once) and paced at
/// EC2's request rate for the API (see [`Pacer`]): (index, id, result), in no particular order.
async fn per_resource<T, Fut>(
    ctx: &Ctx,
    ids: Vec<String>,
    call: impl Fn(String) -> Fut,
) -> Vec<(usize, String, T)>
where
    Fut: std::future::Future<Output = T>,
{
    let pacer = Pacer::ec2_non_mutating();
    let pacer = &pacer;
    let call = &call;
    stream::iter(ids.into_iter().enumerate())
        .map(|(i, id)| async move {
            pacer.acquire().await;
            let out = call(id.clone()).await;
            (i, id, out)
        })
        .buffer_unordered(ctx.options.attribute_concurrency.max(1))
        .collect()
        .await
}

pub(super) fn with_filter_error(
    error: String,
    filter: &Result<HashSet<String>, String>,
    name: &str,
) -> String {
    match filter {
        Ok(_) => error,
        Err(e) => format!("{error}; the public filter {name} failed too: {e}"),
    }
}

fn public_permission() -> Permission {
    Permission {
        group: Some("all".into()),
        ..Permission::default()
    }
}

fn summarize(mut failures: Vec<(String, String)>, what: &str) -> Option<String> {
    if failures.is_empty() {
        return None;
    }
    failures.sort();
    let (first_id, first_error) = &failures[0];
    Some(format!(
        "sharing of {} {what} could not be read (public ones found by the server-side filter \
         are still reported as public); first: {first_id}: {first_error}",
        failures.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::Pacer;

    /// On tokio's paused clock, which moves only when every task waits: exact, and no
    /// slower on a busy machine.
    #[tokio::test(start_paused = true)]
    async fn the_pacer_lets_a_bucket_through_then_the_refill_rate() {
        let pacer = Pacer::new(5.0, 50.0);
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            pacer.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            std::time::Duration::ZERO,
            "the bucket at once"
        );
        for _ in 0..10 {
            pacer.acquire().await;
        }
        // Ten more at 50 a second: 0.2 s (tokio's timer rounds each wait up to a millisecond).
        let waited = start.elapsed().as_secs_f64();
        assert!((0.2..0.211).contains(&waited), "{waited}");
        // The EC2 pacer keeps its margin below the documented bucket and refill.
        let ec2 = Pacer::ec2_non_mutating();
        assert!(ec2.size < 100.0 && ec2.refill_per_second < 20.0);
    }
}
