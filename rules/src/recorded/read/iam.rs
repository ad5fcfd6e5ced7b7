//! `<account>/iam/get-account-authorization-details.json`: users, groups, roles and managed
//! policies of one account. Every policy document must parse: a bad one is an input error
//! naming its place, not a principal silently left out.

use std::path::Path;

use crate::inventory::{AuthorizationDetails, Gap, InlinePolicy};
use ::iam::PolicyDocument;

use ::iam::parse_policy_text;

use super::{read_json, InputError};

pub(super) fn load(
    account: &str,
    path: &Path,
) -> Result<(AuthorizationDetails, Vec<Gap>), InputError> {
    let mut details: AuthorizationDetails = read_json(path)?;
    let mut check = |place: String, document: &mut serde_json::Value| -> Result<(), InputError> {
        // The API returns documents URL-encoded; the CLI decodes them. Accept both.
        if let serde_json::Value::String(text) = document {
            *document = parse_policy_text(text)
                .map_err(|e| InputError::new(path, format!("{place}: {e}")))?;
        }
        PolicyDocument::from_value(document).map(drop).map_err(|e| {
            InputError::new(path, format!("{place}: not a valid policy document: {e}"))
        })
    };
    let inline =
        |list: &mut Vec<InlinePolicy>,
         owner: &str,
         check: &mut dyn FnMut(String, &mut serde_json::Value) -> Result<(), InputError>| {
            for (j, p) in list.iter_mut().enumerate() {
                check(
                    format!("{owner}[{j}].PolicyDocument"),
                    &mut p.policy_document,
                )?;
            }
            Ok::<(), InputError>(())
        };
    for (i, u) in details.user_detail_list.iter_mut().enumerate() {
        inline(
            &mut u.user_policy_list,
            &format!("UserDetailList[{i}].UserPolicyList"),
            &mut check,
        )?;
    }
    for (i, g) in details.group_detail_list.iter_mut().enumerate() {
        inline(
            &mut g.group_policy_list,
            &format!("GroupDetailList[{i}].GroupPolicyList"),
            &mut check,
        )?;
    }
    for (i, r) in details.role_detail_list.iter_mut().enumerate() {
        inline(
            &mut r.role_policy_list,
            &format!("RoleDetailList[{i}].RolePolicyList"),
            &mut check,
        )?;
    }
    for (i, p) in details.policies.iter_mut().enumerate() {
        for (j, v) in p.policy_version_list.iter_mut().enumerate() {
            check(
                format!("Policies[{i}].PolicyVersionList[{j}].Document"),
                &mut v.document,
            )?;
        }
    }
    Ok((
        details.clone(),
        Gap::of_authorization_details(&details, account),
    ))
}
