//! `snapguard.toml` on any text: parsing, validation and the places its errors name.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rules::config::file::parse(text, Path::new("snapguard.toml"));
    }
});
