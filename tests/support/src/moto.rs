//! The AWS emulator for live tests: a `moto_server` on loopback with a free port, started by
//! the test and killed when it ends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use base64::prelude::{Engine as _, BASE64_STANDARD};

/// A running `moto_server` (killed on drop), serving every service on one loopback port.
pub struct Moto {
    child: Child,
    /// The endpoint, `http://127.0.0.1:<port>`.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    /// Holds the file moto's recorder appends the requests to (`MOTO_RECORDER_FILEPATH`).
    recording: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The workspace's root directory (this crate is `tests/support` in it).
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn moto_binary() -> PathBuf {
    let local = workspace_root().join("target/test-venv/bin/moto_server");
    if let Some(path) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("moto_server"))
            .find(|p| p.is_file())
    }) {
        return path;
    }
    if local.is_file() {
        return local;
    }
    panic!(
        "moto_server not found on PATH nor at target/test-venv/bin/moto_server: the live tests \
         need the AWS emulator. Run ./test.sh, or: python3 -m venv target/test-venv && \
         target/test-venv/bin/pip install 'moto[server]==5.*'"
    );
}

static ENV: Once = Once::new();

/// Credentials and region for every client of the test process; no shared config files.
pub fn test_env() {
    ENV.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::remove_var("AWS_SESSION_TOKEN");
        std::env::remove_var("AWS_PROFILE");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/snapguard-test-config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/snapguard-test-credentials",
        );
    });
}

/// Starts `moto_server` (from PATH, or `target/test-venv/bin`) with
/// `MOTO_EC2_LOAD_DEFAULT_AMIS=false` and waits until it listens. Panics when it is not found
/// or does not listen within 60 s.
pub fn start_moto() -> Moto {
    start_moto_with_shim(false)
}

/// [`start_moto`]; with `shim`, the server loads `tests/support/moto_shim/sitecustomize.py`, which makes moto do
/// what AWS does where the executor needs it (see that file).
pub fn start_moto_with_shim(shim: bool) -> Moto {
    test_env();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let recording = tempfile::tempdir().expect("a directory for the recording");
    let mut command = Command::new(moto_binary());
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        .env_remove("MOTO_ENABLE_RECORDING")
        .env("MOTO_RECORDER_FILEPATH", recording.path().join(RECORDING))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if shim {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("moto_shim");
        command.env("PYTHONPATH", dir);
    }
    let child = command.spawn().expect("moto_server starts");
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
        port,
        recording,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

const RECORDING: &str = "requests.jsonl";

impl Moto {
    /// From now on the server records every request it receives (moto's recorder), until
    /// [`Moto::stop_recording`].
    pub fn start_recording(&self) {
        self.moto_api("/moto-api/recorder/start-recording");
    }

    /// Stops the recording [`Moto::start_recording`] began; what was recorded stays.
    pub fn stop_recording(&self) {
        self.moto_api("/moto-api/recorder/stop-recording");
    }

    /// The operations of the requests recorded so far, in the order the server received them,
    /// as `service:Operation` (`ec2:CreateSnapshot`, `sts:AssumeRole`): what was sent, whatever
    /// the sender thought it was sending.
    pub fn recorded_operations(&self) -> Vec<String> {
        let path = self.recording.path().join(RECORDING);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => panic!("{}: {e}", path.display()),
        };
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let entry: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a recorded request is not JSON ({e}): {line}"));
                operation_of(&entry)
            })
            .collect()
    }

    /// POSTs to one of moto's own endpoints; panics unless it answers 200.
    fn moto_api(&self, path: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.lines().next().unwrap_or_default();
        assert!(
            status.split_whitespace().nth(1) == Some("200"),
            "moto answered {status:?} to POST {path}"
        );
    }
}

/// `service:Operation` of one request moto's recorder wrote: the service from the credential
/// scope of its signature, the operation from `X-Amz-Target` (JSON protocols) or the `Action`
/// parameter (query protocols: EC2, STS, IAM). A request of another protocol is named by its
/// method and path, so that it is never silently taken for something else.
fn operation_of(entry: &serde_json::Value) -> String {
    let header = |name: &str| {
        entry["headers"].as_object().and_then(|headers| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, value)| value.as_str())
        })
    };
    let service = header("Authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').nth(3))
        .unwrap_or("unsigned");
    if let Some(target) = header("X-Amz-Target") {
        let operation = target.rsplit('.').next().unwrap_or(target);
        return format!("{service}:{operation}");
    }
    let body = entry["body"].as_str().unwrap_or_default();
    let body = if entry["body_encoded"] == true {
        let bytes = BASE64_STANDARD
            .decode(body)
            .unwrap_or_else(|e| panic!("a recorded body is not base64 ({e}): {body}"));
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        body.to_owned()
    };
    let url = entry["url"].as_str().unwrap_or_default();
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let action = [body.as_str(), query]
        .into_iter()
        .flat_map(|form| form.split('&'))
        .find_map(|pair| pair.strip_prefix("Action="));
    match action {
        Some(action) => format!("{service}:{action}"),
        None => {
            let method = entry["method"].as_str().unwrap_or("?");
            let path = url.split('?').next().unwrap_or(url);
            format!("{service}:{method} {path}")
        }
    }
}

/// An SDK configuration that sends every service to `url` with `credentials`, in `region`.
pub async fn sdk(url: &str, credentials: Credentials, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

/// The organization's management account (moto's default account, 123456789012) in
/// `us-east-1`.
pub async fn management(url: &str) -> SdkConfig {
    sdk(
        url,
        Credentials::new("testing", "testing", None, None, "test"),
        "us-east-1",
    )
    .await
}

/// Credentials inside `account`, as moto gives them: through sts:AssumeRole.
pub async fn in_account(url: &str, account: &str, region: &str) -> SdkConfig {
    let base = management(url).await;
    let out = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("populate")
        .send()
        .await
        .expect("assume role");
    let c = out.credentials().unwrap();
    sdk(
        url,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "populate",
        ),
        region,
    )
    .await
}

/// A multi-threaded tokio runtime with I/O and time enabled, for tests that are not async.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}
