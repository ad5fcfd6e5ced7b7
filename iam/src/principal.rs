//! The IAM principal whose permissions are evaluated, and when SCPs apply to it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::arn::Arn;
use crate::session_tags::SessionTags;

/// Whether a principal is an IAM user or a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// An IAM user (`aws:PrincipalType` `User`).
    User,
    /// An IAM role, acting through a role session (`aws:PrincipalType` `AssumedRole`).
    Role,
}

/// An IAM user or role, with the facts that principal condition keys are about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The user's or role's ARN (`aws:PrincipalArn`).
    pub arn: String,
    /// The 12-digit account id (`aws:PrincipalAccount`).
    pub account_id: String,
    /// User or role.
    pub kind: PrincipalKind,
    /// The IAM path, such as `/` or `/aws-service-role/backup.amazonaws.com/`.
    pub path: String,
    /// The user or role name, without its path.
    pub name: String,
    /// All of the principal's tags (`aws:PrincipalTag/<key>`).
    pub tags: BTreeMap<String, String>,
    /// For a role, the session tags callers can pass when they assume it, which override its
    /// tags: `aws:PrincipalTag/<key>` of such a key is not decided by `tags`.
    pub session_tags: SessionTags,
}

/// The ARN given to [`Principal::from_arn`] is not an IAM user or role ARN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an IAM user or role ARN; expected arn:<partition>:iam::<account>:user/<path><name> or :role/<path><name>"
)]
pub struct PrincipalArnError(pub String);

impl Principal {
    /// A principal with no tags and no session tags; set them afterwards.
    pub fn from_arn(arn: &str) -> Result<Self, PrincipalArnError> {
        let invalid = || PrincipalArnError(arn.to_owned());
        let Arn {
            service,
            region,
            account: account_id,
            resource,
            ..
        } = Arn::parse(arn).map_err(|_| invalid())?;
        if service != "iam" || !region.is_empty() || account_id.is_empty() {
            return Err(invalid());
        }
        let (kind, path_and_name) = match resource.split_once('/') {
            Some(("user", rest)) => (PrincipalKind::User, rest),
            Some(("role", rest)) => (PrincipalKind::Role, rest),
            _ => return Err(invalid()),
        };
        let (path, name) = match path_and_name.rsplit_once('/') {
            Some((path, name)) => (format!("/{path}/"), name),
            None => ("/".to_owned(), path_and_name),
        };
        if name.is_empty() {
            return Err(invalid());
        }
        Ok(Principal {
            arn: arn.to_owned(),
            account_id: account_id.to_owned(),
            kind,
            path,
            name: name.to_owned(),
            tags: BTreeMap::new(),
            session_tags: SessionTags::default(),
        })
    }

    /// Service-linked roles live under the `/aws-service-role/` path.
    pub fn is_service_linked_role(&self) -> bool {
        self.kind == PrincipalKind::Role && self.path.starts_with("/aws-service-role/")
    }

    /// The tag key of an `aws:PrincipalTag/<key>` condition key (lower-cased).
    fn principal_tag_key<'k>(&self, lowercase_key: &'k str) -> Option<&'k str> {
        lowercase_key.strip_prefix("aws:principaltag/")
    }

    /// Who can set `aws:PrincipalTag/<key>` as a session tag, when someone can.
    pub(crate) fn session_tag_setters(&self, key: &str) -> Option<&[String]> {
        let key = key.to_ascii_lowercase();
        let tag_key = self.principal_tag_key(&key)?;
        self.session_tags
            .keys
            .includes(tag_key)
            .then_some(self.session_tags.set_by.as_slice())
    }

    /// The value of a principal condition key for this principal: `None` when the key is not
    /// about the principal or cannot be decided (a tag key callers can set as a session tag),
    /// `Some(None)` when it is but the request would not carry it. Condition key names are
    /// case-insensitive, tag keys included.
    pub(crate) fn condition_value(&self, key: &str) -> Option<Option<String>> {
        let key = key.to_ascii_lowercase();
        let value = match key.as_str() {
            "aws:principalarn" => Some(self.arn.clone()),
            "aws:principalaccount" => Some(self.account_id.clone()),
            "aws:principaltype" => Some(match self.kind {
                PrincipalKind::User => "User".to_owned(),
                PrincipalKind::Role => "AssumedRole".to_owned(),
            }),
            // Present for IAM users only, not for role sessions.
            "aws:username" => (self.kind == PrincipalKind::User).then(|| self.name.clone()),
            _ => {
                let tag_key = self.principal_tag_key(&key)?;
                if self.session_tags.keys.includes(tag_key) {
                    return None;
                }
                self.tags
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(tag_key))
                    .map(|(_, v)| v.clone())
            }
        };
        Some(value)
    }
}

/// Why service control policies do not restrict a principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScpExemption {
    /// SCPs never restrict the organization's management account.
    ManagementAccount,
    /// SCPs never restrict service-linked roles.
    ServiceLinkedRole,
}

/// Whether SCPs skip `principal`, given the organization's management account (if any).
pub fn scp_exemption(
    principal: &Principal,
    management_account_id: Option<&str>,
) -> Option<ScpExemption> {
    if management_account_id == Some(principal.account_id.as_str()) {
        Some(ScpExemption::ManagementAccount)
    } else if principal.is_service_linked_role() {
        Some(ScpExemption::ServiceLinkedRole)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_give_kind_path_and_name() {
        let role = Principal::from_arn(
            "arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
        )
        .expect("valid");
        assert_eq!(role.kind, PrincipalKind::Role);
        assert_eq!(role.path, "/aws-service-role/backup.amazonaws.com/");
        assert_eq!(role.name, "AWSServiceRoleForBackup");
        assert!(role.is_service_linked_role());
        let user = Principal::from_arn("arn:aws:iam::111122223333:user/alice").expect("valid");
        assert_eq!((user.kind, user.path.as_str()), (PrincipalKind::User, "/"));
        assert!(!user.is_service_linked_role());
        for bad in [
            "arn:aws:iam::111122223333:group/admins",
            "arn:aws:s3:::bucket",
            "role/x",
            "arn:aws:iam::111122223333:role/",
        ] {
            assert!(Principal::from_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn management_account_and_service_linked_roles_are_exempt_from_scps() {
        let role = Principal::from_arn("arn:aws:iam::111122223333:role/Admin").expect("valid");
        assert_eq!(scp_exemption(&role, Some("999999999999")), None);
        assert_eq!(
            scp_exemption(&role, Some("111122223333")),
            Some(ScpExemption::ManagementAccount)
        );
        let linked = Principal::from_arn(
            "arn:aws:iam::111122223333:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2",
        )
        .expect("valid");
        assert_eq!(
            scp_exemption(&linked, Some("999999999999")),
            Some(ScpExemption::ServiceLinkedRole)
        );
    }

    #[test]
    fn principal_condition_values() {
        let mut user =
            Principal::from_arn("arn:aws:iam::111122223333:user/ops/alice").expect("valid");
        user.tags.insert("Team".to_owned(), "backup".to_owned());
        assert_eq!(
            user.condition_value("AWS:PrincipalTag/team"),
            Some(Some("backup".into()))
        );
        assert_eq!(user.condition_value("aws:PrincipalTag/other"), Some(None));
        assert_eq!(
            user.condition_value("aws:username"),
            Some(Some("alice".into()))
        );
        assert_eq!(user.condition_value("aws:PrincipalOrgID"), None);
        assert_eq!(user.condition_value("aws:SourceIp"), None);
    }
}
