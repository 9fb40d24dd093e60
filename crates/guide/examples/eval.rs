//! Prints the gold-set figures of the demo data: both halves (dev = even lines, held-out =
//! odd lines) and the whole set.
//!
//! cargo run -p madoguchi-guide --release --example eval [-- --fit] [-- --dump FILE]

use std::path::PathBuf;

use madoguchi_guide::eval::{fit_calibration, parse_gold, run, split_halves};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig};

/// Question vectors computed beforehand, looked up by text.
struct Lookup(std::collections::HashMap<String, Vec<f32>>);

impl madoguchi_guide::QueryEmbedder for Lookup {
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        self.0.get(text).cloned()
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().collect();
    let loaded = load_demo(&root).expect("demo data");
    let gold =
        parse_gold(&std::fs::read_to_string(root.join("demo/guide/gold.jsonl")).expect("gold"))
            .expect("gold parses");
    let (dev, held) = split_halves(&gold);
    let mut config = GuideConfig::default();
    let mut kb = loaded.kb.clone();
    // Dense vectors computed outside (see docs/guide.md): one line of floats per text.
    if let Some(i) = args.iter().position(|a| a == "--export-texts") {
        let path = args.get(i + 1).expect("--export-texts FILE");
        let mut lines: Vec<String> = kb
            .sources
            .iter()
            .map(|s| format!("p\t{}", madoguchi_guide::dense::passage_text(s)))
            .collect();
        lines.extend(
            gold.iter()
                .map(|g| format!("q\t{}", g.question.replace(['\t', '\n'], " "))),
        );
        std::fs::write(path, lines.join("\n") + "\n").expect("write");
        return;
    }
    let mut qvecs: std::collections::HashMap<String, Vec<f32>> = std::collections::HashMap::new();
    if let Some(i) = args.iter().position(|a| a == "--vectors") {
        let path = args.get(i + 1).expect("--vectors FILE");
        let text = std::fs::read_to_string(path).expect("vectors");
        let rows: Vec<Vec<f32>> = text
            .lines()
            .map(|l| l.split(' ').filter_map(|x| x.parse().ok()).collect())
            .collect();
        for (s, v) in kb.sources.iter_mut().zip(&rows) {
            s.vector = Some(v.clone());
        }
        for (g, v) in gold.iter().zip(rows.iter().skip(kb.sources.len())) {
            qvecs.insert(g.question.clone(), v.clone());
        }
        if let Some(w) = args.iter().position(|a| a == "--dense-weight") {
            config.dense_weight = args[w + 1].parse().expect("weight");
        }
    }
    let loaded = madoguchi_guide::load::Loaded {
        kb,
        departments: loaded.departments,
        procedures: loaded.procedures,
    };
    let t = std::time::Instant::now();
    let mut guide = Guide::build(loaded.kb.clone(), &config, &loaded.departments).expect("build");
    if !qvecs.is_empty() {
        guide = guide.with_embedder(std::sync::Arc::new(Lookup(qvecs.clone())));
    }
    println!(
        "sources {}  build {:.0} ms",
        guide.sources().len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    if let Some(i) = args.iter().position(|a| a == "--features") {
        let path = args.get(i + 1).expect("--features FILE");
        let mut lines = vec![format!(
            "kind\tfirst\tany3\t{}\tquestion\ttop",
            madoguchi_guide::calibrate::Features::NAMES.join("\t")
        )];
        for g in &dev {
            let r = guide.retrieve(&g.question);
            let rel = |id: &str| g.expected.iter().any(|e| e == id);
            let kind = g
                .decline
                .map(|d| format!("{d:?}"))
                .unwrap_or_else(|| "answerable".into());
            let first = r.ranked.first().is_some_and(|x| rel(&x.0));
            let any3 = r.ranked.iter().take(3).any(|x| rel(&x.0));
            let f = r
                .features
                .to_vec()
                .iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join("\t");
            let top = r
                .ranked
                .iter()
                .take(3)
                .map(|x| x.0.clone())
                .collect::<Vec<_>>()
                .join(",");
            lines.push(format!(
                "{kind}\t{first}\t{any3}\t{f}\t{}\t{top}",
                g.question
            ));
        }
        std::fs::write(path, lines.join("\n")).expect("write");
    }
    if args.iter().any(|a| a == "--sweep") {
        for tb in [1.0f32, 2.0, 3.0] {
            for hw in [0.0f32, 0.1, 0.3, 1.0] {
                for pw in [0.1f32, 0.3, 1.0] {
                    for (pg, pr) in [(0.8f32, 1.0f32), (1.0, 1.0), (0.6, 1.2)] {
                        let mut c = config.clone();
                        c.title_boost = tb;
                        c.token_weights.hiragana = hw;
                        c.token_weights.particle = pw;
                        c.kind_boost.page = pg;
                        c.kind_boost.procedure = pr;
                        let mut g = Guide::build(loaded.kb.clone(), &c, &loaded.departments)
                            .expect("build");
                        if !qvecs.is_empty() {
                            g = g.with_embedder(std::sync::Arc::new(Lookup(qvecs.clone())));
                        }
                        let (r, _) = run(&g, &dev);
                        println!(
                            "tb {tb} hw {hw} pw {pw} page {pg} proc {pr}: hit@1 {:.3} hit@5 {:.3} R@10 {:.3} nDCG {:.3}",
                            r.hit_at_1, r.hit_at_5, r.recall_at_10, r.ndcg_at_10
                        );
                    }
                }
            }
        }
        return;
    }
    if args.iter().any(|a| a == "--fit") {
        let (a, c) = fit_calibration(&guide, &dev);
        let rows = madoguchi_guide::eval::calibration_rows(&guide, &dev);
        let (ta, tc) = madoguchi_guide::eval::choose_thresholds(&rows, &a, &c, 0.97, 0.85);
        println!(
            "fitted answer model: {a:?} threshold {ta}\nfitted choice model: {c:?} threshold {tc}"
        );
        guide.set_decision(a, ta, c, tc);
    }
    for (name, set) in [
        ("dev (even lines)", &dev),
        ("held-out (odd lines)", &held),
        ("all", &gold),
    ] {
        let (report, outcomes) = run(&guide, set);
        println!("== {name}\n{}", report.summary());
        if let Some(i) = args.iter().position(|a| a == "--dump")
            && name.starts_with("dev")
        {
            let path = args.get(i + 1).expect("--dump FILE");
            let lines: Vec<String> = outcomes
                .iter()
                .map(|o| serde_json::to_string(o).expect("json"))
                .collect();
            std::fs::write(path, lines.join("\n")).expect("write dump");
        }
    }
}
