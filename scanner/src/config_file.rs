//! Loads `snapguard.toml`. Every error names the file, the line and the key, and what was
//! expected.

use std::path::{Path, PathBuf};

use rules::Config;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_PATH: &str = "snapguard.toml";

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

pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let place = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(":{line}:{column}")
        });
        format!(
            "{}{}: {}",
            path.display(),
            place.unwrap_or_default(),
            e.message().trim_end()
        )
    })?;
    config
        .validate()
        .map_err(|(key, problem)| format!("{}: {key}: {problem}", path.display()))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, Path::new("snapguard.toml")).unwrap_err()
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

        let e = error("[sharing]\ntrusted_accounts = [\"1234\"]\n");
        assert!(e.contains("expected a 12-digit AWS account id"), "{e}");

        let e =
            error("[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nexpires = 2027-01-01\n");
        assert!(e.contains("missing field `reason`"), "{e}");

        let e = error("[[waivers]]\nrule = \"SG-TAG-001\"\nresource = \"*\"\nreason = \" \"\nexpires = 2027-01-01\n");
        assert!(e.contains("expected a non-empty reason"), "{e}");

        let e = error("[rules.SG-NOPE-001]\nenabled = false\n");
        assert_eq!(e, "snapguard.toml: rules.SG-NOPE-001: no rule has the id \"SG-NOPE-001\"; `snapguard rules` lists them");

        let e = error("[rules.SG-TAG-001]\nseverity = \"urgent\"\n");
        assert!(e.contains("urgent"), "{e}");
    }
}
