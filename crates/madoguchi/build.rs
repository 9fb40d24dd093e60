//! Embeds the demo municipality (demo/) so that `madoguchi serve --demo` works from any
//! directory. Reads only files in this repository.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    let forms = root.join("forms");
    println!("cargo:rerun-if-changed={}", forms.display());
    let mut names: Vec<_> = std::fs::read_dir(&forms)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub const DEMO_FORMS: &[(&str, &str)] = &[\n");
    for p in names {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let abs = p.canonicalize().unwrap_or(p.clone());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            abs.display().to_string()
        );
        println!("cargo:rerun-if-changed={}", abs.display());
    }
    out.push_str("];\n");
    // The demo's official pages for the information desk.
    let pages = root.join("guide/pages");
    println!("cargo:rerun-if-changed={}", pages.display());
    let mut page_paths: Vec<_> = std::fs::read_dir(&pages)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    page_paths.sort();
    out.push_str("pub const DEMO_PAGES: &[(&str, &str)] = &[\n");
    for p in page_paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let abs = p.canonicalize().unwrap_or(p.clone());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            abs.display().to_string()
        );
        println!("cargo:rerun-if-changed={}", abs.display());
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("demo_forms.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write demo_forms.rs: {e}"));
}
