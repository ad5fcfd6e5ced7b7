//! Loads `snapguard.toml`. Every error names the file, the line and column and the key, and
//! what was expected.

use std::path::{Path, PathBuf};

use crate::Config;

/// The file read when `--config` is not given, if it exists (relative to the working folder).
pub const DEFAULT_PATH: &str = "snapguard.toml";

/// Reads the config file `explicit`, or [`DEFAULT_PATH`] when it exists, or the defaults.
///
/// # Errors
/// A sentence naming the file (and, for its content, `FILE:LINE:COLUMN`): it cannot be read,
/// is not TOML, has an unknown or duplicate key, or a value [`Config::validate`] refuses.
pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None if Path::new(DEFAULT_PATH).exists() => PathBuf::from(DEFAULT_PATH),
        None => return Ok(Config::default()),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read the config file: {e}", path.display()))?;
    parse(&text, &path)
}

/// Parses config text read from `path` (named in errors only); errors as for [`load`].
pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let mut config: Config = toml::from_str(text).map_err(|e| {
        let place = e.span().map(|span| {
            // A bad element of a list: toml points at the list, the message quotes the element.
            let start = quoted_value(e.message())
                .and_then(|value| {
                    let within = text.get(span.start..span.end.min(text.len()))?;
                    within.find(&value).map(|offset| span.start + offset)
                })
                .unwrap_or(span.start);
            let before = &text[..start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            // Characters, not bytes, since the line start: a comment in another script above
            // the error once made this subtraction overflow.
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + 1;
            (line, column)
        });
        let mut message = e.message().trim_end().replace('\n', ": ");
        // TOML allows no key or table twice; toml names the second place, add the first.
        if let (Some(key), Some((line, _))) = (duplicated_key(&message), place) {
            if let Some((first_line, first_column)) = first_definition(text, key, line) {
                message.push_str(&format!(
                    " (first written at {first_line}:{first_column}); expected each key and \
                     table once"
                ));
            }
        }
        let place = place.map_or_else(String::new, |(line, column)| format!(":{line}:{column}"));
        format!("{}{place}: {message}", path.display())
    })?;
    config.source_sha256 = Some({
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    config.validate().map_err(|(key, problem)| {
        let place = match array_entry_line(text, &key) {
            Some(line) => format!(":{line}:1"),
            None => key_position(text, &key)
                .map_or_else(String::new, |(line, column)| format!(":{line}:{column}")),
        };
        format!("{}{place}: {key}: {problem}", path.display())
    })?;
    Ok(config)
}

/// Where the value of a dotted key such as `remediation.tag_defaults.Retention` is written:
/// 1-based line and column (in characters). The key is matched against the keys the file
/// has, so a part with a dot of its own (a tag key `app.kubernetes.io/name`) is one part.
fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = document.as_item();
    let mut rest = key;
    while !rest.is_empty() {
        let table = item.as_table_like()?;
        let (next, remaining) = table.iter().find_map(|(name, value)| {
            let after = rest.strip_prefix(name)?;
            match after.strip_prefix('.') {
                Some(deeper) => Some((value, deeper)),
                None => after.is_empty().then_some((value, after)),
            }
        })?;
        item = next;
        rest = remaining;
    }
    let offset = item.span()?.start;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some((line, before[line_start..].chars().count() + 1))
}

/// The 1-based line of the `[[waivers]]` or `[[consistency]]` header of the entry a key such
/// as `waivers[2]` or `consistency[0].post` names, so a problem with an entry says where it is
/// written.
fn array_entry_line(text: &str, key: &str) -> Option<usize> {
    let (array, rest) = key.split_once('[')?;
    let index: usize = rest.split_once(']')?.0.parse().ok()?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            line.starts_with("[[")
                && line[2..].trim_start().starts_with(array)
                && line[2..].trim_start()[array.len()..]
                    .trim_start()
                    .starts_with("]]")
        })
        .nth(index)
        .map(|(number, _)| number + 1)
}

/// The first value a message quotes (`"ec2:DeleteSnaphot" is not ...`), as TOML writes it.
fn quoted_value(message: &str) -> Option<String> {
    let start = message.find('"')?;
    let length = message[start + 1..].find('"')?;
    Some(message[start..start + length + 2].to_owned())
}

/// The key of toml's "duplicate key `KEY` in ..." message.
fn duplicated_key(message: &str) -> Option<&str> {
    let rest = &message[message.find("duplicate key `")? + "duplicate key `".len()..];
    Some(&rest[..rest.find('`')?])
}

/// Where `key` is first written before `line`, as a key (`key = `, `a.key = `) or in a table
/// header (`[a.key]`, `[[key]]`): 1-based line and column. A key of a table (not a header at
/// `line`) is looked for only in that table, since `[[waivers]]` repeat their keys.
fn first_definition(text: &str, key: &str, line: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().take(line.saturating_sub(1)).collect();
    let is_header = |l: &&str| l.trim_start().starts_with('[');
    let at_header = text
        .lines()
        .nth(line.saturating_sub(1))
        .is_some_and(|l| is_header(&l));
    let from = match at_header {
        true => 0,
        false => lines.iter().rposition(is_header).unwrap_or(0),
    };
    for (index, content) in lines.iter().enumerate().skip(from) {
        let indent = content.len() - content.trim_start().len();
        let header = content.trim_start().trim_start_matches('[');
        let path_end = header.find(['=', ']', '#']).unwrap_or(header.len());
        let mut offset = indent + (content.trim_start().len() - header.len());
        for part in header[..path_end].split('.') {
            let name = part.trim().trim_matches(['"', '\'']);
            if name == key {
                let column = content[..offset + (part.len() - part.trim_start().len())]
                    .chars()
                    .count();
                return Some((index + 1, column + 1));
            }
            offset += part.len() + 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, Path::new("snapguard.toml")).unwrap_err()
    }

    #[test]
    fn columns_count_characters_after_lines_in_other_scripts() {
        let text = "# Sauvegardes: propriétaire, rétention, étiquettes 🗂\n[tags]\nrequired = 5\n";
        assert!(
            error(text).starts_with("snapguard.toml:3:12: "),
            "{}",
            error(text)
        );
        let text = "[tags]\nrequired = [\"Ünïcode\", 5]\n";
        assert!(
            error(text).starts_with("snapguard.toml:2:"),
            "{}",
            error(text)
        );
    }

    #[test]
    fn reads_the_design_example() {
        let config = parse(
            r#"
[tags]
required = ["Name", "Owner", "Retention"]
[tags.allowed]
Retention = "^(7d|30d|90d|1y|7y)$"

[protection]
max_snapshot_age = "1d"
copy_regions = ["us-west-2"]
archive_account = "999999999999"

[recycle_bin]
min_retention_days = 7
require_lock = true

[sharing]
trusted_accounts = ["111122223333"]

[iam]
exempt_principals = ["arn:aws:iam::*:role/BackupAdmin"]

[rules.SG-PROT-006]
enabled = false

[[waivers]]
rule = "SG-SHARE-002"
resource = "arn:aws:ec2:us-east-1::image/ami-0abc"
grantee = "111122223333"
reason = "vendor image shared with partner 111122223333"
expires = 2027-03-01
"#,
            Path::new("snapguard.toml"),
        )
        .unwrap();
        assert_eq!(config.tags.required, ["Name", "Owner", "Retention"]);
        assert_eq!(config.protection.max_snapshot_age.0, 86_400);
        assert_eq!(config.protection.archive_account.unwrap().0, "999999999999");
        assert_eq!(config.waivers[0].expires.to_string(), "2027-03-01");
        assert_eq!(config.rules["SG-PROT-006"].enabled, Some(false));
    }

    #[test]
    fn names_file_line_key_and_expectation() {
        let e = error("[protection]\nmax_snapshot_age = \"one day\"\n");
        assert!(e.starts_with("snapguard.toml:2:"), "{e}");
        assert!(e.contains("expected a duration"), "{e}");

        let e = error("[tags]\nrequird = [\"Owner\"]\n");
        assert!(e.starts_with("snapguard.toml:2:1"), "{e}");
        assert!(e.contains("unknown field `requird`"), "{e}");

        let e = error("[tags.allowed]\nRetention = \"(7d\"\n");
        assert!(e.contains("expected a regular expression"), "{e}");

        // A default that its own pattern rejects would tag every backup out of policy.
        let e = error(
            "[tags.allowed]\nRetention = \"^7d$\"\n[remediation]\ntag_defaults = { Retention = \"forever\" }\n",
        );
        assert!(e.starts_with("snapguard.toml:4:30: "), "{e}");
        assert!(
            e.contains("remediation.tag_defaults.Retention")
                && e.contains("does not match tags.allowed.Retention (^7d$)"),
            "{e}"
        );
        // The tags that put a volume on a schedule, and a default for the same key: one value.
        let e = error(
            "[remediation]\ntag_defaults = { Backup = \"weekly\" }\nschedule_tags = { Backup = \"daily\" }\n",
        );
        assert!(
            e.starts_with(
                "snapguard.toml:3:28: remediation.schedule_tags.Backup: \"daily\" differs"
            ),
            "{e}"
        );

        let e = error("[sharing]\ntrusted_accounts = [\"1234\"]\n");
        assert!(e.contains("expected a 12-digit AWS account id"), "{e}");

        let e =
            error("[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nexpires = 2027-01-01\n");
        assert!(e.contains("missing field `reason`"), "{e}");

        let e = error("[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nreason = \" \"\nexpires = 2027-01-01\n");
        assert!(e.contains("expected a non-empty reason"), "{e}");

        let e = error("[rules.SG-NOPE-001]\nenabled = false\n");
        assert_eq!(e, "snapguard.toml:1:1: rules.SG-NOPE-001: no rule has the id \"SG-NOPE-001\"; `snapguard rules` lists them");

        let e = error("[rules.SG-TAG-001]\nseverity = \"urgent\"\n");
        assert!(e.contains("urgent"), "{e}");
    }

    /// A waiver of a per-grantee sharing rule names the grantee it accepts; the config names
    /// the file, the line of the waiver and the fix.
    #[test]
    fn a_sharing_waiver_without_a_grantee_is_refused_where_it_is_written() {
        let tag_waiver = "[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2027-01-01\n";
        for rule in ["SG-SHARE-002", "sg-share-004"] {
            let text = format!(
                "{tag_waiver}\n[[waivers]]\nrule = \"{rule}\"\nresource = \"*\"\nreason = \"partner\"\nexpires = 2027-01-01\n"
            );
            let e = error(&text);
            assert!(
                e.starts_with("snapguard.toml:7:1: waivers[1]: the waiver of "),
                "{e}"
            );
            assert!(
                e.contains("names no grantee") && e.contains("grantee = "),
                "{e}"
            );
            assert!(e.contains("trusted_organizations"), "{e}");
        }
        let e = error(&format!("{tag_waiver}grantee = \"444455556666\"\n"));
        assert!(
            e.starts_with("snapguard.toml:1:1: waivers[0].grantee: SG-TAG-001 reports no grantee"),
            "{e}"
        );
        for grantee in [
            "444455556666",
            "o-zz9y8x7w6v",
            "arn:aws:organizations::555555555555:organization/o-zz9y8x7w6v",
            "ou-zz11-yy22xx33",
            "arn:aws:organizations::555555555555:ou/o-zz9y8x7w6v/ou-zz11-yy22xx33",
        ] {
            let text = format!(
                "[[waivers]]\nrule = \"SG-SHARE-002\"\nresource = \"*\"\ngrantee = \"{grantee}\"\nreason = \"partner\"\nexpires = 2027-01-01\n"
            );
            let config = parse(&text, Path::new("snapguard.toml")).unwrap();
            assert_eq!(config.waivers[0].grantee.as_deref(), Some(grantee));
        }
        for (grantee, says) in [
            ("4444", "no grantee of a share"),
            ("O-ZZ9Y8X7W6V", "lowercase"),
            ("o-zz9y8x7w6v ", "spaces"),
            ("*", "wildcards are not accepted"),
            (
                "arn:aws:organizations::555555555555:root/o-zz9y8x7w6v/r-ab12",
                "no grantee",
            ),
        ] {
            let e = error(&format!(
                "[[waivers]]\nrule = \"SG-SHARE-002\"\nresource = \"*\"\ngrantee = \"{grantee}\"\nreason = \"r\"\nexpires = 2027-01-01\n"
            ));
            assert!(e.starts_with("snapguard.toml:4:"), "{e}");
            assert!(e.contains(says), "{grantee}: {e}");
        }
    }

    #[test]
    fn trusted_organizations_and_ous_are_ids_or_arns() {
        let config = parse(
            "[sharing]\ntrusted_organizations = [\"o-zz9y8x7w6v\", \
             \"arn:aws:organizations::555555555555:organization/o-abcdefghij\"]\n\
             trusted_ous = [\"ou-zz11-yy22xx33\", \
             \"arn:aws:organizations::555555555555:ou/o-zz9y8x7w6v/ou-ab12-cd34ef56\"]\n",
            Path::new("snapguard.toml"),
        )
        .unwrap();
        assert_eq!(config.sharing.trusted_organizations.len(), 2);
        assert_eq!(config.sharing.trusted_ous.len(), 2);
        for (text, line_column, says) in [
            (
                "[sharing]\ntrusted_organizations = [\"o-short\"]\n",
                ":2:26:",
                "sharing.trusted_organizations: \"o-short\" is not an organization",
            ),
            (
                "[sharing]\ntrusted_organizations = [\"ou-zz11-yy22xx33\"]\n",
                ":2:26:",
                "is not an organization",
            ),
            (
                "[sharing]\ntrusted_organizations = [\"o-*\"]\n",
                ":2:26:",
                "wildcards are not accepted",
            ),
            (
                "[sharing]\ntrusted_ous = [\"o-zz9y8x7w6v\"]\n",
                ":2:16:",
                "sharing.trusted_ous: \"o-zz9y8x7w6v\" is not an organizational unit",
            ),
            (
                "[sharing]\ntrusted_ous = [\"ou-ZZ11-yy22xx33\"]\n",
                ":2:16:",
                "lowercase",
            ),
        ] {
            let e = error(text);
            assert!(
                e.starts_with(&format!("snapguard.toml{line_column}")),
                "{e}"
            );
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_key_or_table_written_twice_is_an_error() {
        // toml refuses both, even with the same value: TOML has no duplicates at all.
        for text in [
            "[recycle_bin]\nmin_retention_days = 7\nmin_retention_days = 1\n",
            "[recycle_bin]\nmin_retention_days = 7\nmin_retention_days = 7\n",
            "[recycle_bin]\nmin_retention_days = 7\n[recycle_bin]\nrequire_lock = false\n",
            "[iam]\nprotected_actions = [\"ec2:DeleteSnapshot\"]\n[iam]\nprotected_actions = []\n",
            "recycle_bin.min_retention_days = 7\n[recycle_bin]\nmin_retention_days = 1\n",
        ] {
            assert!(error(text).contains("duplicate key"), "{text}");
        }
        let e = error("[recycle_bin]\nmin_retention_days = 7\nmin_retention_days = 7\n");
        assert_eq!(
            e,
            "snapguard.toml:3:1: duplicate key `min_retention_days` in table `recycle_bin` \
             (first written at 2:1); expected each key and table once"
        );
        let e = error("[recycle_bin]\nmin_retention_days = 7\n\n [recycle_bin]\n");
        assert!(e.starts_with("snapguard.toml:4:2: invalid table header: duplicate key `recycle_bin` in document root (first written at 1:2)"), "{e}");
        let e =
            error("recycle_bin.min_retention_days = 7\n[recycle_bin]\nmin_retention_days = 1\n");
        assert!(e.contains("(first written at 1:1)"), "{e}");
        let e = error("[iam]\nexempt_principals = []\n[iam]\nexempt_principals = []\n");
        assert!(e.contains("duplicate key `iam`"), "{e}");
        // In an array of tables, the first place is in the same entry.
        let waiver = "[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2027-01-01\n";
        let e = error(&format!("{waiver}{waiver}rule = \"SG-TAG-002\"\n"));
        assert!(
            e.starts_with("snapguard.toml:11:1: duplicate key `rule`"),
            "{e}"
        );
        assert!(e.contains("(first written at 7:1)"), "{e}");
    }

    #[test]
    fn values_are_checked_against_what_they_mean() {
        // Each: the config, where the error is, what it says.
        let cases = [
            (
                "[iam]\nprotected_actions = [\n  \"ec2:DeleteSnaphot\",\n]\n",
                "snapguard.toml:3:3: ",
                "iam.protected_actions: \"ec2:DeleteSnaphot\" is not an action of ec2; did you \
                 mean \"ec2:DeleteSnapshot\"?",
            ),
            (
                "[iam]\nprotected_actions = [\"ec2:Delete*Snaphot\"]\n",
                "snapguard.toml:2:22: ",
                "\"ec2:Delete*Snaphot\" matches no action of ec2",
            ),
            (
                "[iam]\nprotected_actions = [\"s3:DeleteObject\"]\n",
                "snapguard.toml:2:22: ",
                "\"s3:DeleteObject\" is not an action of a service snapguard knows (ec2, ebs, rbin",
            ),
            (
                "[iam]\nprotected_actions = [\"DeleteSnapshot\"]\n",
                "snapguard.toml:2:22: ",
                "is not an action; expected service:Action",
            ),
            (
                "[iam]\nadditional_protected_actions = [\"kms:ScheduleKeyDelete\"]\n",
                "snapguard.toml:2:33: ",
                "iam.additional_protected_actions: \"kms:ScheduleKeyDelete\" is not an action of \
                 kms; did you mean \"kms:ScheduleKeyDeletion\"?",
            ),
            (
                "[iam]\nprotected_actions = []\n",
                "snapguard.toml:2:21: ",
                "iam.protected_actions is empty, which would protect nothing",
            ),
            (
                "[iam]\nexempt_principals = [\"BackupAdmin\"]\n",
                "snapguard.toml:2:22: ",
                "iam.exempt_principals: \"BackupAdmin\" is not an ARN; expected a user or role ARN \
                 pattern",
            ),
            (
                "[iam]\nexempt_principals = [\"arn:aws:iam::*:*\"]\n",
                "snapguard.toml:2:22: ",
                "its resource does not name a role or user",
            ),
            (
                "[iam]\nexempt_principals = [\"arn:aws:s3:::bucket/x\"]\n",
                "snapguard.toml:2:22: ",
                "its service is not iam or sts",
            ),
            (
                "[protection]\ncopy_regions = [\"us-west-2\", \"us-west2\"]\n",
                "snapguard.toml:2:30: ",
                "\"us-west2\" is not an AWS region; did you mean \"us-west-2\"?",
            ),
            (
                "[protection]\nimage_copy_regions = [\"mars-north-1\"]\n",
                "snapguard.toml:2:23: ",
                "\"mars-north-1\" is not an AWS region; expected a region such as \"us-west-2\"",
            ),
            (
                "[recycle_bin]\nmin_retention_days = 0\n",
                "snapguard.toml:2:22: ",
                "recycle_bin.min_retention_days is 0; expected 1 to 365 days",
            ),
            (
                "[recycle_bin]\nmin_retention_days = 366\n",
                "snapguard.toml:2:22: ",
                "recycle_bin.min_retention_days is 366; expected 1 to 365 days",
            ),
            (
                "[tags]\nrequired = [\"Owner\", \" \"]\n",
                "snapguard.toml:2:22: ",
                "the tag key \" \" is empty",
            ),
            (
                "[tags.allowed]\n\"\" = \"x\"\n",
                "snapguard.toml:2:1: ",
                "the tag key \"\" is empty",
            ),
            (
                "[protection]\nskip_volumes_tagged = \"\"\n",
                "snapguard.toml:2:23: ",
                "the tag key \"\" is empty",
            ),
            (
                "[remediation]\ntag_defaults = { Owner = \"\" , \"\" = \"x\" }\n",
                "snapguard.toml:2:",
                "the tag key \"\" is empty",
            ),
            (
                "[remediation]\ncopy_kms_key_id = \"backup-copies\"\n",
                "snapguard.toml:2:19: ",
                "\"backup-copies\" is not a KMS key; expected a key id, key ARN, alias name",
            ),
            (
                "[rules.SG-TAG-01]\nenabled = false\n",
                "snapguard.toml:1:1: rules.SG-TAG-01: ",
                "no rule has the id \"SG-TAG-01\"; did you mean \"SG-TAG-001\"?",
            ),
        ];
        for (text, place, message) in cases {
            let e = error(text);
            assert!(e.starts_with(place), "{text}: {e}");
            assert!(e.contains(message), "{text}: {e}");
        }
    }

    #[test]
    fn good_values_pass_and_action_patterns_expand() {
        let config = parse(
            r#"
[tags]
required = ["Owner"]
[protection]
copy_regions = ["us-west-2", "eu-central-1", "cn-north-1", "us-gov-west-1"]
[recycle_bin]
min_retention_days = 365
[iam]
exempt_principals = ["arn:aws:iam::*:role/BackupAdmin", "arn:aws:iam::222222222222:user/break-glass",
  "arn:aws-us-gov:iam::1234567890??:role/backup-*", "arn:aws:sts::*:assumed-role/BackupAdmin/*"]
protected_actions = ["EC2:deletesnapshot", "rbin:*Rule", "backup:DeleteRecoveryPoint", "rbin:UnlockRule"]
[remediation]
copy_kms_key_id = "alias/backup-copies"
archive_kms_key_id = "arn:aws:kms:us-east-1:999999999999:key/mrk-0123456789abcdef0123456789abcdef"
"#,
            Path::new("snapguard.toml"),
        )
        .unwrap();
        let actions = config.protected_actions();
        // A pattern stands for each action it matches; a repeat counts once.
        assert_eq!(
            actions,
            [
                "EC2:deletesnapshot",
                "rbin:CreateRule",
                "rbin:DeleteRule",
                "rbin:GetRule",
                "rbin:LockRule",
                "rbin:UnlockRule",
                "rbin:UpdateRule",
                "backup:DeleteRecoveryPoint",
            ]
        );
    }

    #[test]
    fn additional_actions_add_to_the_defaults_or_the_configured_list() {
        let load = |text: &str| super::parse(text, Path::new("snapguard.toml")).unwrap();
        let added = load("[iam]\nadditional_protected_actions = [\"kms:ScheduleKeyDeletion\", \"ec2:DeleteSnapshot\"]\n");
        let mut expected = iam::default_protected_actions();
        expected.push("kms:ScheduleKeyDeletion".into());
        assert_eq!(added.protected_actions(), expected);
        let both = load(
            "[iam]\nprotected_actions = [\"ec2:DeleteSnapshot\"]\nadditional_protected_actions = [\"kms:Schedule*\"]\n",
        );
        assert_eq!(
            both.protected_actions(),
            ["ec2:DeleteSnapshot", "kms:ScheduleKeyDeletion"]
        );
    }

    #[test]
    fn iam_regions_and_organization_id_are_checked() {
        let config = parse(
            "[iam]\nregions = [\"us-east-1\", \"us-gov-west-1\", \"ap-southeast-2\"]\norganization_id = \"o-a1b2c3d4e5\"\n",
            Path::new("snapguard.toml"),
        )
        .unwrap();
        assert_eq!(config.iam.regions.unwrap().len(), 3);
        assert_eq!(config.iam.organization_id.unwrap(), "o-a1b2c3d4e5");

        let e = error("[iam]\nregions = [\"us-east-1\", \"us-esat-2\"]\n");
        assert!(e.starts_with("snapguard.toml:2:"), "{e}");
        assert!(
            e.contains("\"us-esat-2\" is not an AWS region; did you mean \"us-east-2\"?"),
            "{e}"
        );
        let e = error("[iam]\nregions = []\n");
        assert!(e.contains("expected at least one region"), "{e}");
        let e = error("[iam]\norganization_id = \"o-abc\"\n");
        assert!(e.starts_with("snapguard.toml:2:"), "{e}");
        assert!(
            e.contains("expected an organization id such as \"o-a1b2c3d4e5\""),
            "{e}"
        );
        let e = error("[iam]\norganization_id = \"r-a1b2\"\n");
        assert!(e.contains("found \"r-a1b2\""), "{e}");
    }
}
