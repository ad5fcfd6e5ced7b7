//! `iam check`'s reader on any text: policy documents, authorization details, Terraform plans,
//! CloudFormation JSON and YAML. It reads pull-request content, so no input may crash it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = iam::inputs::parse(text, Path::new("input"));
    }
});
