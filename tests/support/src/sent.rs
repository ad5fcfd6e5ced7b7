//! What the code under test sends to AWS, operation by operation: an interceptor that records
//! each request a client transmits (for clients answered by `aws-smithy-mocks`; the emulator
//! records its own, see [`crate::Moto::recorded_operations`]), and what kind of operation each is.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The operations a client transmitted, as `service:Operation` (`ec2:CreateSnapshot`,
/// `rbin:LockRule`), in order. Clones share the record. Requests refused before they were
/// sent (by an interceptor that runs earlier, such as the executor's guard) are not in it.
#[derive(Debug, Clone, Default)]
pub struct SentOperations(Arc<Mutex<Vec<String>>>);

/// `SentOperations::$name(client)`: the client, recording what it sends.
macro_rules! recording {
    ($name:ident, $client:ty, $service:literal) => {
        #[doc = concat!("`client` (", $service, "), recording what it sends.")]
        pub fn $name(&self, client: &$client) -> $client {
            let conf = client
                .config()
                .to_builder()
                .interceptor(self.clone())
                .build();
            <$client>::from_conf(conf)
        }
    };
}

impl SentOperations {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything recorded so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Forgets what was recorded so far.
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    recording!(ec2, aws_sdk_ec2::Client, "EC2");
    recording!(rbin, aws_sdk_rbin::Client, "Recycle Bin");
    recording!(backup, aws_sdk_backup::Client, "AWS Backup");
    recording!(ssm, aws_sdk_ssm::Client, "Systems Manager");
}

impl Intercept for SentOperations {
    fn name(&self) -> &'static str {
        "SnapguardTestSentOperations"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = match cfg.load::<Metadata>() {
            Some(m) => format!("{}:{}", m.service().to_ascii_lowercase(), m.name()),
            None => "unknown:Unknown".to_owned(),
        };
        self.0.lock().unwrap().push(operation);
        Ok(())
    }
}

/// The operation's name without its service (`CreateSnapshot` of `ec2:CreateSnapshot`).
fn name(operation: &str) -> &str {
    operation
        .split_once(':')
        .map_or(operation, |(_, name)| name)
}

/// Whether `operation` only reads (Describe, Get, List).
pub fn is_read(operation: &str) -> bool {
    let name = name(operation);
    ["Describe", "Get", "List"]
        .iter()
        .any(|verb| name.starts_with(verb))
}

/// Whether `operation` deletes, deregisters, unlocks or disables: what snapguard never does
/// to backups and their guardrails. Written out here, not taken from the executor's guard,
/// so that a test using it checks the guard's list too.
pub fn is_destructive(operation: &str) -> bool {
    let name = name(operation);
    ["Delete", "Deregister", "Unlock", "Disable"]
        .iter()
        .any(|verb| name.starts_with(verb))
}

/// The operations `sent` that change something (all but reads), after asserting that none of
/// them is destructive.
pub fn changes_sent(sent: &[String]) -> BTreeSet<&str> {
    let destructive: Vec<&String> = sent.iter().filter(|op| is_destructive(op)).collect();
    assert!(
        destructive.is_empty(),
        "destructive calls sent: {destructive:?}"
    );
    sent.iter()
        .filter(|op| !is_read(op))
        .map(String::as_str)
        .collect()
}
