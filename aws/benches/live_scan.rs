//! Benchmark of the live source on the AWS emulator: an organization of 50 accounts × 3
//! regions, scanned with `--org`.
//!
//! 1. API calls made, per operation, against the minimum the data requires.
//! 2. Wall time at several concurrencies, straight to the emulator and through a small
//!    delaying proxy on 127.0.0.1 that adds a fixed latency to every request (as a real AWS
//!    endpoint has), which is where concurrency pays.
//!
//! Run: `cargo bench -p snapguard-aws --bench live_scan` (needs `moto_server`, as the tests);
//! `cargo test -p snapguard-aws --bench live_scan` runs it unoptimized, without rebuilding the
//! SDK in release mode (the emulator and the latency dominate the figures either way).
//! `SNAPGUARD_BENCH_ACCOUNTS`, `SNAPGUARD_BENCH_LATENCY_MS` override 50 and 20.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rules::inventory::Inventory;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// A TCP proxy that delays every chunk the client sends by `latency` before passing it on.
/// Bounded: it stops accepting after `max_connections` or `lifetime`, whichever comes first,
/// and it is aborted when the benchmark ends.
async fn delaying_proxy(
    upstream_port: u16,
    latency: Duration,
    max_connections: u64,
    lifetime: Duration,
) -> (u16, tokio::task::JoinHandle<()>, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = accepted.clone();
    let task = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + lifetime;
        while counter.load(Ordering::Relaxed) < max_connections {
            let Ok(Ok((client, _))) = tokio::time::timeout_at(deadline, listener.accept()).await
            else {
                return;
            };
            counter.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let upstream = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match client_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        tokio::time::sleep(latency).await;
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let downstream = async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                let _ = tokio::time::timeout(Duration::from_secs(120), async {
                    tokio::join!(upstream, downstream)
                })
                .await;
            });
        }
    });
    (port, task, accepted)
}

/// The fewest calls that can read this inventory: one per page of each listing (at the
/// largest page size), one per owned snapshot and image for its sharing, one per rule.
fn minimum_calls(inv: &Inventory, accounts: usize) -> BTreeMap<&'static str, u64> {
    let pages = |n: usize, max: usize| (n.max(1)).div_ceil(max) as u64;
    let mut m: BTreeMap<&'static str, u64> = BTreeMap::new();
    let org = inv.organization.as_ref().unwrap();
    let parents = (org.roots.len() + org.units.len()) as u64;
    let scps = org.service_control_policies.as_ref().map_or(0, Vec::len) as u64;
    m.insert("organizations:DescribeOrganization", 1);
    m.insert("organizations:ListAccounts", pages(org.accounts.len(), 20));
    m.insert("organizations:ListRoots", 1);
    m.insert("organizations:ListOrganizationalUnitsForParent", parents);
    m.insert("organizations:ListAccountsForParent", parents);
    m.insert("organizations:ListPolicies", 1);
    m.insert("organizations:DescribePolicy", scps);
    m.insert("organizations:ListTargetsForPolicy", scps);
    m.insert("sts:GetCallerIdentity", 1);
    m.insert("sts:AssumeRole", accounts as u64 - 1);
    m.insert("iam:GetAccountAuthorizationDetails", accounts as u64);
    for r in inv.accounts.iter().flat_map(|a| &a.regions) {
        let n = |v: Option<usize>| v.unwrap_or(0);
        *m.entry("ec2:DescribeVolumes").or_default() +=
            pages(n(r.volumes.as_ref().map(Vec::len)), 500);
        *m.entry("ec2:DescribeInstances").or_default() +=
            pages(n(r.instances.as_ref().map(Vec::len)), 1000);
        let snaps = n(r.snapshots.as_ref().map(Vec::len));
        let images = n(r.images.as_ref().map(Vec::len));
        *m.entry("ec2:DescribeSnapshots").or_default() += pages(snaps, 1000);
        *m.entry("ec2:DescribeImages").or_default() += pages(images, 1000);
        *m.entry("ec2:DescribeSnapshotAttribute").or_default() += snaps as u64;
        *m.entry("ec2:DescribeImageAttribute").or_default() += images as u64;
        *m.entry("rbin:ListRules").or_default() += 2;
        *m.entry("ec2:GetSnapshotBlockPublicAccessState")
            .or_default() += 1;
        *m.entry("ec2:GetImageBlockPublicAccessState").or_default() += 1;
    }
    m
}

fn main() {
    let accounts: usize = std::env::var("SNAPGUARD_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let latency = Duration::from_millis(
        std::env::var("SNAPGUARD_BENCH_LATENCY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    let moto = snapguard_test_support::start_moto();
    let rt = snapguard_test_support::runtime();
    let t = Instant::now();
    rt.block_on(snapguard_test_support::build_org(
        &moto.url,
        accounts - 1,
        &REGIONS,
        false,
    ));
    println!(
        "emulator populated: {accounts} accounts x {} regions in {:.1} s",
        REGIONS.len(),
        t.elapsed().as_secs_f64()
    );

    let scan = |url: &str, concurrency: usize, attribute_concurrency: usize| {
        let options = snapguard_aws::LiveOptions {
            org: true,
            regions: Some(REGIONS.iter().map(|r| r.to_string()).collect()),
            endpoint_url: Some(url.to_owned()),
            progress: false,
            // The emulator answers Recycle Bin and block public access with HTTP 500, which
            // the SDK retries with backoff; real AWS does not. One attempt keeps that out.
            max_attempts: Some(1),
            concurrency,
            attribute_concurrency,
            ..snapguard_aws::LiveOptions::default()
        };
        let t = Instant::now();
        let inventory = snapguard_aws::collect(&options).expect("scan");
        (t.elapsed(), inventory)
    };

    // 1. API calls against the minimum.
    let (elapsed, inventory) = scan(&moto.url, 8, 8);
    let minimum = minimum_calls(&inventory, accounts);
    let total: u64 = inventory.api_calls.values().sum();
    let min_total: u64 = minimum.values().sum();
    println!(
        "\nAPI calls, one scan ({:.2} s, concurrency 8):",
        elapsed.as_secs_f64()
    );
    println!("{:<50} {:>8} {:>8}", "operation", "made", "minimum");
    for (op, made) in &inventory.api_calls {
        println!(
            "{op:<50} {made:>8} {:>8}",
            minimum.get(op.as_str()).copied().unwrap_or(0)
        );
    }
    println!("{:<50} {total:>8} {min_total:>8}", "total");
    println!(
        "extra: {} calls = the RestorableByUserIds=all / ExecutableUsers=all filters (2 per account-region)",
        total - min_total
    );
    let regions_scanned: usize = inventory.accounts.iter().map(|a| a.regions.len()).sum();
    println!(
        "account-regions scanned: {regions_scanned}; gaps: {}",
        inventory.not_scanned.len()
    );

    // 2. Wall time against concurrency.
    println!(
        "\nwall time (s), {accounts} accounts x {} regions:",
        REGIONS.len()
    );
    println!(
        "{:<34} {:>12} {:>16}",
        "concurrency (account-regions/attr)",
        "direct",
        format!("+{} ms/request", latency.as_millis())
    );
    let (proxy_port, proxy, connections) = rt.block_on(delaying_proxy(
        moto.port,
        latency,
        200_000,
        Duration::from_secs(1800),
    ));
    let proxied = format!("http://127.0.0.1:{proxy_port}");
    let mut baseline = None;
    for (c, a) in [(1, 1), (4, 4), (8, 8), (32, 8)] {
        let (direct, _) = scan(&moto.url, c, a);
        let (delayed, inv) = scan(&proxied, c, a);
        assert_eq!(inv.accounts.len(), accounts);
        let base = *baseline.get_or_insert(delayed.as_secs_f64());
        println!(
            "{:<34} {:>12.2} {:>10.2} (x{:.1})",
            format!("{c}/{a}"),
            direct.as_secs_f64(),
            delayed.as_secs_f64(),
            base / delayed.as_secs_f64()
        );
    }
    println!("proxy connections: {}", connections.load(Ordering::Relaxed));
    proxy.abort();
}
