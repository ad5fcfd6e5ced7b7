//! Amazon Resource Names, split into their six parts.
//!
//! Format (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>):
//! `arn:partition:service:region:account-id:resource`. The resource part may itself contain
//! colons (`arn:aws:logs:us-east-1:1:log-group:name:*`), so only the first five separate parts.

use std::fmt;

/// An ARN, borrowed from its text. Region and account are empty where the service has none
/// (`arn:aws:iam::123456789012:role/x` has no region; `arn:aws:s3:::bucket` neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// `ec2`, `iam`, `rbin`, ...
    pub service: &'a str,
    /// The region, such as `us-east-1`; empty for global services.
    pub region: &'a str,
    /// The 12-digit account id; empty where the resource has none (S3 buckets, AWS managed policies use `aws`).
    pub account: &'a str,
    /// Everything after the fifth colon, such as `snapshot/snap-0abc` or `role/path/name`.
    pub resource: &'a str,
}

/// The text given to [`Arn::parse`] does not have the six parts of an ARN.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ARN; expected arn:<partition>:<service>:<region>:<account>:<resource>")]
pub struct ArnError(pub String);

impl<'a> Arn<'a> {
    /// Splits `text` into its parts. Errors when it does not start with `arn:` or has fewer
    /// than six parts. Wildcards (`*`, `?`) are kept as they are, so patterns parse too.
    pub fn parse(text: &'a str) -> Result<Self, ArnError> {
        let mut parts = text.splitn(6, ':');
        let mut next = || parts.next().ok_or_else(|| ArnError(text.to_owned()));
        if next()? != "arn" {
            return Err(ArnError(text.to_owned()));
        }
        Ok(Arn {
            partition: next()?,
            service: next()?,
            region: next()?,
            account: next()?,
            resource: next()?,
        })
    }

    /// The six parts in order, `arn` first.
    pub fn parts(&self) -> [&'a str; 6] {
        [
            "arn",
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.parts().join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_six_parts_and_keeps_colons_in_the_resource() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:123456789012:log-group:x:*").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.region, "us-east-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "log-group:x:*");
        assert_eq!(
            arn.to_string(),
            "arn:aws:logs:us-east-1:123456789012:log-group:x:*"
        );
        let role = Arn::parse("arn:aws-cn:iam::1:role/a/b").unwrap();
        assert_eq!((role.partition, role.region), ("aws-cn", ""));
    }

    #[test]
    fn rejects_what_is_not_an_arn() {
        for text in ["", "arn:aws:s3", "urn:aws:s3:::b:c", "arn:aws:ec2:r:1"] {
            assert_eq!(Arn::parse(text), Err(ArnError(text.to_owned())), "{text}");
        }
    }
}
