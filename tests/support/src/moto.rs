//! The AWS emulator for live tests: a `moto_server` on loopback with a free port, started by
//! the test and killed when it ends.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

pub struct Moto {
    child: Child,
    pub url: String,
    pub port: u16,
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

pub fn start_moto() -> Moto {
    start_moto_with_shim(false)
}

/// With `shim`, the server loads `tests/support/moto_shim/sitecustomize.py`, which makes moto do
/// what AWS does where the executor needs it (see that file).
pub fn start_moto_with_shim(shim: bool) -> Moto {
    test_env();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut command = Command::new(moto_binary());
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
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

pub async fn sdk(url: &str, credentials: Credentials, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

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

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}
