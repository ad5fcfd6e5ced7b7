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

/// `call` for each id, concurrently (at most `attribute_concurrency` at once): (index, id,
/// result), in no particular order.
async fn per_resource<T, Fut>(
    ctx: &Ctx,
    ids: Vec<String>,
    call: impl Fn(String) -> Fut,
) -> Vec<(usize, String, T)>
where
    Fut: std::future::Future<Output = T>,
{
    stream::iter(ids.into_iter().enumerate())
        .map(|(i, id)| {
            let pending = call(id.clone());
            async move { (i, id, pending.await) }
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
