//! The AWS regions of every partition, to validate region names in config: a misspelt region
//! is one no snapshot is ever copied to.
//!
//! The list is `iam/data/regions.tsv`, extracted from botocore's `partitions.json` by
//! `scripts/update-action-catalogue.py`, which records the package, its version and the date in
//! the file's header ([`SOURCE`]).

use std::sync::LazyLock;

const CATALOGUE: &str = include_str!("../data/regions.tsv");

/// Where the list comes from, as its header says: package, version and date.
pub static SOURCE: LazyLock<String> = LazyLock::new(|| crate::actions::header(CATALOGUE));

static REGIONS: LazyLock<Vec<&'static str>> = LazyLock::new(|| crate::actions::entries(CATALOGUE));

/// Every known region.
pub fn all() -> &'static [&'static str] {
    &REGIONS
}

/// Whether the region is known (region names are lower case).
pub fn is_known(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// The known region closest to a misspelt one, for "did you mean".
pub fn suggest(region: &str) -> Option<&'static str> {
    crate::suggest::closest(region, REGIONS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_regions_of_every_partition() {
        for region in ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"] {
            assert!(is_known(region), "{region}");
        }
        assert!(!is_known("us-west-3"));
        assert!(!is_known("US-EAST-1"));
        assert!(!is_known("aws-global"));
        assert_eq!(suggest("us-esat-1"), Some("us-east-1"));
        assert!(SOURCE.starts_with("PyPI botocore "), "{}", *SOURCE);
    }
}
