//! The SDK's own retry settings take effect on a live scan: against an endpoint that answers
//! HTTP 500 to everything, the attempts the scan makes are those `AWS_MAX_ATTEMPTS`, the
//! profile's `max_attempts` or `--max-attempts` ask for. One test: it sets the process's
//! environment, which the other tests of this binary would otherwise share.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use snapguard_aws::{LiveOptions, ScanError};

/// A local HTTP server answering every request with 500; it counts the requests.
fn failing_endpoint() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicU64::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let text = "internal error";
                    let response = format!(
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, requests)
}

/// The attempts one scan makes before it gives up on `sts:GetCallerIdentity`.
fn attempts(url: &str, requests: &AtomicU64, max_attempts: Option<u32>) -> u64 {
    let before = requests.load(Ordering::SeqCst);
    let options = LiveOptions {
        endpoint_url: Some(url.to_owned()),
        regions: Some(vec!["us-east-1".into()]),
        max_attempts,
        progress: false,
        ..LiveOptions::default()
    };
    let error = snapguard_aws::collect(&options).unwrap_err();
    assert!(matches!(error, ScanError::Caller(_)), "{error}");
    requests.load(Ordering::SeqCst) - before
}

#[test]
fn max_attempts_and_retry_mode_come_from_the_environment_the_profile_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[default]\nmax_attempts = 3\nretry_mode = standard\n[profile bad]\nmax_attempts = many\n",
    )
    .unwrap();
    let (url, requests) = failing_endpoint();
    // The only test of this binary: nothing else reads the environment meanwhile.
    {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", &config);
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        );
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_MAX_ATTEMPTS");
        std::env::remove_var("AWS_RETRY_MODE");
    }
    // The profile's max_attempts.
    assert_eq!(attempts(&url, &requests, None), 3);
    // The environment over the profile.
    std::env::set_var("AWS_MAX_ATTEMPTS", "1");
    assert_eq!(attempts(&url, &requests, None), 1);
    // --max-attempts over both.
    assert_eq!(attempts(&url, &requests, Some(2)), 2);
    // A value the SDK would reject stops the scan before any call, saying where and what.
    std::env::remove_var("AWS_MAX_ATTEMPTS");
    std::env::set_var("AWS_PROFILE", "bad");
    let before = requests.load(Ordering::SeqCst);
    let options = LiveOptions {
        endpoint_url: Some(url.clone()),
        progress: false,
        ..LiveOptions::default()
    };
    let error = snapguard_aws::collect(&options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "max_attempts of profile bad is \"many\": expected a whole number of attempts, at least 1"
    );
    assert_eq!(requests.load(Ordering::SeqCst), before);
}
