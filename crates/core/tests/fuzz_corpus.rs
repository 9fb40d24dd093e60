//! Replays the kept fuzz corpus (fuzz/corpus/<target>/) through the fuzz harnesses, so that
//! every input the fuzzer found interesting, and every crash it found, stays a regression test
//! of `cargo test`. The harnesses are the very code the cargo-fuzz targets run (fuzz/src).

#[path = "../../../fuzz/src/core_harness.rs"]
mod core_harness;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    files
}

fn replay(target: &str, harness: fn(&[u8])) {
    for (path, bytes) in corpus(target) {
        let outcome = std::panic::catch_unwind(|| harness(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}/{} fails",
            path.display()
        );
    }
}

#[test]
fn catalog_csv_corpus() {
    replay("catalog_csv", core_harness::catalog_csv);
}

#[test]
fn survey_csv_corpus() {
    replay("survey_csv", core_harness::survey_csv);
}

#[test]
fn form_definition_corpus() {
    replay("form_definition", core_harness::form_definition);
}

#[test]
fn form_answers_corpus() {
    replay("form_answers", core_harness::form_answers);
}

#[test]
fn demo_forms_load() {
    assert_eq!(core_harness::demo_forms().len(), 15);
    assert!(!core_harness::SURVEY_HEADER.is_empty());
    assert!(core_harness::today() > chrono::NaiveDate::MIN);
}
