//! The recorded-inventory reader, then every rule, on a real inventory (a per-rule case of
//! `fixtures/cases/`) with one file replaced by the fuzz input: its first byte picks the file,
//! the rest is the content.
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The template's files, relative to the inventory, with their content.
struct Template {
    dir: tempfile::TempDir,
    files: Vec<(PathBuf, Vec<u8>)>,
}

fn files(dir: &Path, base: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("template")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under base").to_path_buf();
            out.push((rel, fs::read(&path).expect("template file")));
        }
    }
}

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/cases/SG-SHARE-003/fail-public-snapshot/inventory");
        let mut out = Vec::new();
        files(&source, &source, &mut out);
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (rel, bytes) in &out {
            fs::create_dir_all(dir.path().join(rel).parent().expect("a parent")).expect("folder");
            fs::write(dir.path().join(rel), bytes).expect("write");
        }
        Template { dir, files: out }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let template = template();
    let (rel, original) = &template.files[usize::from(pick) % template.files.len()];
    let path = template.dir.path().join(rel);
    fs::write(&path, content).expect("write");
    if let Ok(inventory) = rules::recorded::load(template.dir.path()) {
        let _ = rules::evaluate(&inventory, &rules::Config::default());
    }
    fs::write(&path, original).expect("restore");
});
