//! Prints the gold-set figures of the demo data: both halves (dev = even lines, held-out =
//! odd lines) and the whole set.
//!
//! cargo run -p madoguchi-guide --release --example eval [-- --fit] [-- --dump FILE]

use std::path::PathBuf;

use madoguchi_guide::eval::{fit_calibration, parse_gold, run, split_halves};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().collect();
    let loaded = load_demo(&root).expect("demo data");
    let gold = parse_gold(&std::fs::read_to_string(root.join("demo/guide/gold.jsonl")).expect("gold")).expect("gold parses");
    let (dev, held) = split_halves(&gold);
    let mut config = GuideConfig::default();
    let t = std::time::Instant::now();
    let mut guide = Guide::build(loaded.kb.clone(), &config, &loaded.departments).expect("build");
    println!("sources {}  build {:.0} ms", guide.sources().len(), t.elapsed().as_secs_f64() * 1000.0);
    if let Some(i) = args.iter().position(|a| a == "--features") {
        let path = args.get(i + 1).expect("--features FILE");
        let mut lines = vec![format!("kind\tfirst\tany3\t{}\tquestion\ttop", madoguchi_guide::calibrate::Features::NAMES.join("\t"))];
        for g in &dev {
            let r = guide.retrieve(&g.question);
            let rel = |id: &str| g.expected.iter().any(|e| e == id);
            let kind = g.decline.map(|d| format!("{d:?}")).unwrap_or_else(|| "answerable".into());
            let first = r.ranked.first().is_some_and(|x| rel(&x.0));
            let any3 = r.ranked.iter().take(3).any(|x| rel(&x.0));
            let f = r.features.to_vec().iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join("\t");
            let top = r.ranked.iter().take(3).map(|x| x.0.clone()).collect::<Vec<_>>().join(",");
            lines.push(format!("{kind}\t{first}\t{any3}\t{f}\t{}\t{top}", g.question));
        }
        std::fs::write(path, lines.join("\n")).expect("write");
    }
    if args.iter().any(|a| a == "--fit") {
        let (a, c) = fit_calibration(&guide, &dev);
        println!("fitted answer model: {a:?}\nfitted choice model: {c:?}");
        config.answer_model = a;
        config.choice_model = c;
        guide = Guide::build(loaded.kb.clone(), &config, &loaded.departments).expect("build");
    }
    for (name, set) in [("dev (even lines)", &dev), ("held-out (odd lines)", &held), ("all", &gold)] {
        let (report, outcomes) = run(&guide, set);
        println!("== {name}\n{}", report.summary());
        if let Some(i) = args.iter().position(|a| a == "--dump")
            && name.starts_with("dev")
        {
            let path = args.get(i + 1).expect("--dump FILE");
            let lines: Vec<String> = outcomes.iter().map(|o| serde_json::to_string(o).expect("json")).collect();
            std::fs::write(path, lines.join("\n")).expect("write dump");
        }
    }
}
