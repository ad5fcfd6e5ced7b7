//! Timestamps (recorded `StartTime`, `collected_at`, waiver expiry) and config durations.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rules::time::Timestamp::parse(text);
        let _ = rules::time::Duration::parse(text);
    }
});
