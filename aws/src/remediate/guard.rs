//! The executor's hard rule, enforced below the code that builds requests: an interceptor on
//! every client `apply` uses refuses, before anything is sent, any operation that deletes,
//! deregisters, unlocks or disables, and any operation not on the executor's list.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Verbs no remediation ever calls.
pub const FORBIDDEN_PREFIXES: &[&str] = &["Delete", "Deregister", "Unlock", "Disable"];

/// Every operation the executor may call (service-less names; EC2, Recycle Bin, AWS Backup,
/// Systems Manager and STS).
pub const ALLOWED: &[&str] = &[
    // Reads for look-before-acting and waiters.
    "DescribeSnapshots",
    "DescribeImages",
    "DescribeSnapshotAttribute",
    "DescribeImageAttribute",
    "DescribeTags",
    "GetSnapshotBlockPublicAccessState",
    "GetImageBlockPublicAccessState",
    "GetEbsEncryptionByDefault",
    "DescribeLockedSnapshots",
    "ListRules",
    "GetRule",
    "ListTagsForResource",
    "ListBackupJobs",
    "ListCopyJobs",
    "GetCommandInvocation",
    "ListCommands",
    "GetCallerIdentity",
    "AssumeRole",
    // Writes: each creates, adds, restricts or guards.
    "CreateSnapshot",
    "CreateSnapshots",
    "CopySnapshot",
    "CopyImage",
    "CreateTags",
    "ModifySnapshotAttribute",
    "ModifyImageAttribute",
    "EnableSnapshotBlockPublicAccess",
    "EnableImageBlockPublicAccess",
    "EnableEbsEncryptionByDefault",
    "LockSnapshot",
    "CreateRule",
    "LockRule",
    "StartBackupJob",
    "StartCopyJob",
    // Runs the `[[consistency]]` pre- and post-steps (the role allows only their documents).
    "SendCommand",
];

/// Whether the executor may send `operation`.
pub fn permitted(operation: &str) -> bool {
    !FORBIDDEN_PREFIXES.iter().any(|p| operation.starts_with(p)) && ALLOWED.contains(&operation)
}

/// The interceptor: fails any request whose operation is not [`permitted`], before it is
/// serialized.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoDestructiveCalls;

impl Intercept for NoDestructiveCalls {
    fn name(&self) -> &'static str {
        "SnapguardNoDestructiveCalls"
    }

    // Not `read_before_execution`: client-level interceptors run it before the operation's
    // metadata is in the config bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name())
            .unwrap_or("Unknown");
        if permitted(operation) {
            Ok(())
        } else {
            Err(format!(
                "snapguard refused to call {operation}: remediation never deletes, deregisters, \
                 unlocks or disables anything, and calls only the operations it documents"
            )
            .into())
        }
    }
}

/// `guard::$name(client)`: the client with the guard added (whatever else it was built with
/// stays).
macro_rules! guarded {
    ($name:ident, $sdk:ident, $service:literal) => {
        #[doc = concat!("The ", $service, " client with the guard added (whatever else it was built with stays).")]
        pub fn $name(client: &$sdk::Client) -> $sdk::Client {
            $sdk::Client::from_conf(
                client
                    .config()
                    .to_builder()
                    .interceptor(NoDestructiveCalls)
                    .build(),
            )
        }
    };
}

guarded!(ec2, aws_sdk_ec2, "EC2");
guarded!(rbin, aws_sdk_rbin, "Recycle Bin");
guarded!(backup, aws_sdk_backup, "AWS Backup");
guarded!(ssm, aws_sdk_ssm, "Systems Manager");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destructive_and_unlisted_operations_are_refused() {
        for op in [
            "DeleteSnapshot",
            "DeregisterImage",
            "UnlockRule",
            "DisableSnapshotBlockPublicAccess",
            "DisableImageBlockPublicAccess",
            "DeleteRule",
            "UpdateRule",
            "ResetSnapshotAttribute",
            "TerminateInstances",
            "DeleteRecoveryPoint",
            "UpdateRecoveryPointLifecycle",
            "DeleteBackupVaultLockConfiguration",
        ] {
            assert!(!permitted(op), "{op}");
        }
        for op in ALLOWED {
            assert!(permitted(op), "{op}");
        }
    }
}
