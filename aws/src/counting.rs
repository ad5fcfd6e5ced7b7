//! One SDK interceptor on every client: it counts every attempt (API calls) and every retry
//! that follows a throttled attempt, per operation, records which operations the scan called
//! (the read-only test checks them against the scan role policy), and injects faults when a
//! test or a drill asks for them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// Counts shared by every client of one scan.
#[derive(Debug, Default)]
pub struct Counters {
    pub api_calls: Mutex<BTreeMap<String, u64>>,
    pub throttle_retries: Mutex<BTreeMap<String, u64>>,
    pub total_calls: AtomicU64,
    pub total_throttle_retries: AtomicU64,
}

impl Counters {
    fn add(map: &Mutex<BTreeMap<String, u64>>, operation: &str) {
        let mut map = map.lock().unwrap();
        match map.get_mut(operation) {
            Some(n) => *n += 1,
            None => {
                map.insert(operation.to_owned(), 1);
            }
        }
    }

    /// Every operation called at least once, as `service:Operation`.
    pub fn operations(&self) -> BTreeSet<String> {
        self.api_calls.lock().unwrap().keys().cloned().collect()
    }
}

/// A simulated failure: the response of `operation` (`ec2:DescribeVolumes`, or `*`) for
/// `account` (and `region`, when given) is replaced by an error AWS would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The 12-digit account id.
    pub account: String,
    /// The region; `None`: every region of the account.
    pub region: Option<String>,
    /// `service:Operation` as IAM names it (e.g. `ec2:DescribeVolumes`), or `*` for all.
    pub operation: String,
    /// The error sent instead of the response.
    pub kind: FaultKind,
}

/// The error a [`Fault`] simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 403 `AccessDenied` (EC2: `UnauthorizedOperation`).
    AccessDenied,
    /// HTTP 400 `Throttling` / `RequestLimitExceeded` on every attempt, so retries run out.
    Throttled,
    /// HTTP 401 `OptInRequired`: the region is not enabled in the account.
    RegionNotEnabled,
}

/// Whether the previous attempt of this operation invocation was throttled.
#[derive(Debug, Clone, Copy)]
struct PreviousAttemptThrottled(bool);
impl Storable for PreviousAttemptThrottled {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
pub struct CountingInterceptor {
    /// The IAM service prefix: `ec2`, `iam`, `organizations`, `rbin`, `sts`.
    pub prefix: &'static str,
    pub account: String,
    pub region: Option<String>,
    pub counters: Arc<Counters>,
    pub faults: Arc<Vec<Fault>>,
}

impl CountingInterceptor {
    fn operation(&self, cfg: &ConfigBag) -> String {
        let name = cfg
            .load::<Metadata>()
            .map(|m| m.name())
            .unwrap_or("Unknown");
        format!("{}:{}", self.prefix, name)
    }

    fn fault(&self, operation: &str) -> Option<FaultKind> {
        self.faults
            .iter()
            .find(|f| {
                f.account == self.account
                    && (f.operation == operation || f.operation == "*")
                    && (f.region.is_none() || f.region == self.region)
            })
            .map(|f| f.kind)
    }

    /// The error document in the protocol each service speaks.
    fn fault_response(&self, kind: FaultKind) -> HttpResponse {
        let (status, code, message) = match kind {
            FaultKind::AccessDenied => (
                403,
                if self.prefix == "ec2" {
                    "UnauthorizedOperation"
                } else {
                    "AccessDenied"
                },
                "simulated: not authorized to perform this operation",
            ),
            FaultKind::Throttled => (
                400,
                if self.prefix == "ec2" {
                    "RequestLimitExceeded"
                } else {
                    "Throttling"
                },
                "simulated: rate exceeded",
            ),
            FaultKind::RegionNotEnabled => (
                401,
                "OptInRequired",
                "simulated: you are not subscribed to this service in this region",
            ),
        };
        let (body, content_type) = match self.prefix {
            "ec2" => (
                format!(
                    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>\
                     </Error></Errors><RequestID>fault</RequestID></Response>"
                ),
                "text/xml",
            ),
            "iam" | "sts" => (
                format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                     <Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
                ),
                "text/xml",
            ),
            _ => {
                let code = match (self.prefix, kind) {
                    (_, FaultKind::Throttled) => "ThrottlingException",
                    ("rbin", FaultKind::AccessDenied) => "AccessDeniedException",
                    _ => "AccessDeniedException",
                };
                (
                    format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
                    "application/x-amz-json-1.1",
                )
            }
        };
        let mut response = HttpResponse::new(
            status.try_into().expect("valid status"),
            SdkBody::from(body),
        );
        response.headers_mut().insert("content-type", content_type);
        if self.prefix != "ec2" && self.prefix != "iam" && self.prefix != "sts" {
            let code = if kind == FaultKind::Throttled {
                "ThrottlingException"
            } else {
                "AccessDeniedException"
            };
            response.headers_mut().insert("x-amzn-errortype", code);
        }
        response
    }
}

/// Error codes AWS services use for throttling.
pub fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "TransactionInProgressException"
            | "RequestLimitExceeded"
            | "BandwidthLimitExceeded"
            | "LimitExceededException"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "EC2ThrottledException"
    )
}

fn response_is_throttling(response: &HttpResponse) -> bool {
    if response.status().as_u16() == 429 {
        return true;
    }
    if response.status().is_success() {
        return false;
    }
    if let Some(t) = response.headers().get("x-amzn-errortype") {
        let code = t.split(':').next().unwrap_or(t);
        if is_throttling_code(code) {
            return true;
        }
    }
    let Some(bytes) = response.body().bytes() else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    // <Code>Throttling</Code> (query/EC2 protocols) or "__type":"...#ThrottlingException" (JSON).
    let code = if let Some(start) = text.find("<Code>") {
        let rest = &text[start + 6..];
        rest[..rest.find('<').unwrap_or(rest.len())].to_owned()
    } else if let Some(start) = text.find("__type") {
        let rest = &text[start + 6..];
        let rest = rest.trim_start_matches(['"', ':', ' ']);
        let value = &rest[..rest.find('"').unwrap_or(rest.len())];
        value.rsplit('#').next().unwrap_or(value).to_owned()
    } else {
        return false;
    };
    is_throttling_code(code.trim())
}

impl Intercept for CountingInterceptor {
    fn name(&self) -> &'static str {
        "SnapguardCounting"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = self.operation(cfg);
        Counters::add(&self.counters.api_calls, &operation);
        self.counters.total_calls.fetch_add(1, Ordering::Relaxed);
        let attempt = cfg
            .load::<RequestAttempts>()
            .map(|a| a.attempts())
            .unwrap_or(1);
        let throttled_before = cfg
            .load::<PreviousAttemptThrottled>()
            .map(|p| p.0)
            .unwrap_or(false);
        if attempt > 1 && throttled_before {
            Counters::add(&self.counters.throttle_retries, &operation);
            self.counters
                .total_throttle_retries
                .fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.faults.is_empty() {
            return Ok(());
        }
        let operation = self.operation(cfg);
        if let Some(kind) = self.fault(&operation) {
            *context.response_mut() = self.fault_response(kind);
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let throttled = context.response().is_some_and(response_is_throttling);
        cfg.interceptor_state()
            .store_put(PreviousAttemptThrottled(throttled));
        Ok(())
    }
}
