//! Embeds the demo municipality (demo/) so that `madoguchi serve --demo` works from any
//! directory. Reads only files in this repository.

use std::fmt::Write as _;
use std::path::Path;

/// `pub const NAME: &[(&str, &str)]` with (file name, contents) of every file in `dir` whose
/// extension is one of `extensions`, sorted by name.
fn embed_dir(out: &mut String, name: &str, dir: &Path, extensions: &[&str]) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| extensions.iter().any(|e| x == *e))
                })
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let _ = writeln!(out, "pub const {name}: &[(&str, &str)] = &[");
    for p in paths {
        let file = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let abs = p.canonicalize().unwrap_or(p.clone());
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            abs.display().to_string()
        );
        println!("cargo:rerun-if-changed={}", abs.display());
    }
    out.push_str("];\n");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    let mut out = String::new();
    embed_dir(
        &mut out,
        "DEMO_FORMS",
        &root.join("forms"),
        &["yaml", "yml", "json"],
    );
    // The demo's official pages for the information desk.
    embed_dir(&mut out, "DEMO_PAGES", &root.join("guide/pages"), &["md"]);
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("demo_forms.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write demo_forms.rs: {e}"));
}
