//! Which shard of `snapguard scan --shard K/N` owns an account: a stable hash of the account id,
//! so shards are balanced and membership does not depend on the order accounts are listed in.

use sha2::{Digest, Sha256};

/// Whether shard `index` of `count` owns `account_id`.
pub fn owns(index: u32, count: u32, account_id: &str) -> bool {
    let digest = Sha256::digest(account_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % u64::from(count) == u64::from(index)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_account_has_exactly_one_shard() {
        for n in 1..=7 {
            for a in 0..200u64 {
                let id = format!("{:012}", 100_000_000_000 + a * 7919);
                assert_eq!((0..n).filter(|k| super::owns(*k, n, &id)).count(), 1);
            }
        }
    }
}
