//! Replays the kept fuzz corpus of the guide's importers (fuzz/corpus/faq_csv, guide_page)
//! through the same harnesses the cargo-fuzz targets run (fuzz/src/guide_harness.rs).

#[path = "../../../fuzz/src/guide_harness.rs"]
mod guide_harness;

use std::path::Path;

fn replay(target: &str, harness: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} holds no corpus", dir.display());
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| harness(&bytes));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}/{} fails",
            path.display()
        );
    }
}

#[test]
fn faq_csv_corpus() {
    replay("faq_csv", guide_harness::faq_csv);
}

#[test]
fn guide_page_corpus() {
    replay("guide_page", guide_harness::guide_page);
}
