//! Prints what the kanji correction (`Guide::corrected`) changes in questions or texts, with
//! the demo knowledge base, and how many it changed per file.
//!
//! cargo run -p madoguchi-guide --release --example corrections -- FILE...
//!
//! A `.jsonl` file is read as a gold set (its questions, marked `answerable` or `decline`);
//! any other file as one text per line (for instance names spelt right, where every change
//! is a false correction).

use std::path::PathBuf;

use madoguchi_guide::eval::parse_gold;
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded = load_demo(&root).expect("demo data");
    let guide =
        Guide::build(loaded.kb, &GuideConfig::default(), &loaded.departments).expect("build");
    for file in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&file).expect("readable file");
        let lines: Vec<(String, &str)> = if file.ends_with(".jsonl") {
            parse_gold(&text)
                .expect("gold set")
                .into_iter()
                .map(|g| {
                    let kind = if g.decline.is_some() {
                        "decline"
                    } else {
                        "answerable"
                    };
                    (g.question, kind)
                })
                .collect()
        } else {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| (l.to_string(), "text"))
                .collect()
        };
        let mut changed = 0;
        for (q, kind) in &lines {
            let c = guide.corrected(q);
            if c != q.as_str() {
                changed += 1;
                println!("{kind}\t{q}\t→ {c}");
            }
        }
        println!("== {file}: {changed} of {} changed", lines.len());
    }
}
