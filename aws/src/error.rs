//! The errors of the crate's public functions, and SDK errors as the one line a gap or a
//! failed action reports.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::counting;

/// Why a live scan could not run at all (see [`collect`](crate::collect)). Whatever else could
/// not be read is a gap in the inventory, not an error.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The tokio runtime could not be built.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The base credentials could not be identified.
    #[error(transparent)]
    Caller(#[from] CallerError),
    /// `--org`: `organizations:ListAccounts` failed (the SDK error, as one line).
    #[error("--org: cannot list the organization's accounts (organizations:ListAccounts): {0}")]
    ListAccounts(String),
    /// `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE` or the profile's `max_attempts` / `retry_mode` hold
    /// a value the SDK would reject, or the shared config files cannot be read.
    #[error("{0}")]
    RetrySettings(String),
    /// A task scanning one account panicked or was cancelled.
    #[error("a scan task failed: {0}")]
    Task(tokio::task::JoinError),
}

/// Why `sts:GetCallerIdentity` did not say who the base credentials are
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    /// The call failed (no credentials, expired, denied, unreachable): the SDK error as one line.
    #[error("cannot identify the caller (sts:GetCallerIdentity): {0}")]
    Identify(String),
    /// The response has no `Account`.
    #[error("sts:GetCallerIdentity returned no account")]
    NoAccount,
}

/// [`describe_error`], and for a service error without an AWS error code (an emulator or a
/// proxy answering instead of AWS) what came back.
pub(crate) fn explain<E>(
    error: &SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let SdkError::ServiceError(e) = error else {
        return describe_error(error);
    };
    if e.err().code().is_some() {
        return describe_error(error);
    }
    let raw = e.raw();
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let text = strip_markup(&body);
    let status = raw.status().as_u16();
    if text.is_empty() {
        format!("HTTP {status} without an AWS error code (the endpoint may not serve this API)")
    } else {
        format!(
            "HTTP {status} without an AWS error code (the endpoint may not serve this API): {}",
            text.chars().take(160).collect::<String>()
        )
    }
}

/// An SDK error as one line: the service's code and message, or what went wrong on the way.
pub(crate) fn describe_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::TimeoutError(_) => "timed out (--timeout per operation, retries included)".into(),
        SdkError::ServiceError(e) => {
            let err = e.err();
            let code = err.code().unwrap_or("Unknown");
            let message = err.message().unwrap_or("");
            let throttled = if counting::is_throttling_code(code) {
                " (throttled; retries exhausted)"
            } else {
                ""
            };
            format!("{code}: {message}{throttled}")
                .trim_end_matches(": ")
                .to_owned()
        }
        other => {
            let text = aws_smithy_types::error::display::DisplayErrorContext(other).to_string();
            text.replace('\n', " ")
        }
    }
}

/// An HTML error page as one line of its text.
fn strip_markup(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error code of an SDK error, when the service sent one.
pub(crate) fn error_code<E, R>(error: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}
