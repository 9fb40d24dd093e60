//! Prints the gold-set figures of the demo data: both halves (dev = even lines, held-out =
//! odd lines) and the whole set.
//!
//! cargo run -p madoguchi-guide --release --example eval [-- --fit] [-- --dump FILE]

use std::path::PathBuf;

use madoguchi_guide::eval::{parse_gold, run, split_halves};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig};

/// Question vectors computed beforehand, looked up by text; a text not computed beforehand
/// (a question as [`Guide::corrected`] rewrote it) is embedded by [`EMBED_MISSES`] if set.
struct Lookup(std::collections::HashMap<String, Vec<f32>>);

/// The e5 model of `--e5 MODEL`, for the texts [`Lookup`] does not hold.
static EMBED_MISSES: std::sync::OnceLock<Box<dyn madoguchi_guide::QueryEmbedder>> =
    std::sync::OnceLock::new();

/// The texts [`EMBED_MISSES`] embedded, kept: fitting retrieves each question many times.
static MISSED: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<String, Option<Vec<f32>>>>,
> = std::sync::OnceLock::new();

impl madoguchi_guide::QueryEmbedder for Lookup {
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        if let Some(v) = self.0.get(text) {
            return Some(v.clone());
        }
        let missed = MISSED.get_or_init(Default::default);
        if let Some(v) = missed.lock().ok()?.get(text) {
            return v.clone();
        }
        let v = EMBED_MISSES.get()?.embed_query(text);
        missed.lock().ok()?.insert(text.to_string(), v.clone());
        v
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
            .map(|s| format!("p\t{}\t{}", s.id, madoguchi_guide::dense::passage_text(s)))
            .collect();
        lines.extend(
            gold.iter()
                .map(|g| format!("q\t{}", g.question.replace(['\t', '\n'], " "))),
        );
        std::fs::write(path, lines.join("\n") + "\n").expect("write");
        return;
    }
    let mut qvecs: std::collections::HashMap<String, Vec<f32>> = std::collections::HashMap::new();
    // `--e5 MODEL --vectors FILE` (feature e5): embed the sources and the questions once and
    // keep the vectors in FILE; later runs read FILE.
    #[cfg(feature = "e5")]
    if let Some(i) = args.iter().position(|a| a == "--e5") {
        let model = args.get(i + 1).expect("--e5 MODEL");
        let out = args
            .iter()
            .position(|a| a == "--vectors")
            .and_then(|j| args.get(j + 1))
            .expect("--e5 needs --vectors FILE");
        if !std::path::Path::new(out).exists() {
            let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
            let t = std::time::Instant::now();
            let mut lines: Vec<String> = Vec::new();
            // `--qq`: a FAQ entry's vector is its question embedded as a question
            // (question-to-question similarity) instead of its question and answer as a passage.
            let qq = args.iter().any(|a| a == "--qq");
            for s in &kb.sources {
                let v = if qq && s.kind == madoguchi_guide::SourceKind::Faq {
                    e5.embed_question(&s.title)
                } else {
                    e5.embed_passage(&madoguchi_guide::dense::passage_text(s))
                }
                .expect("embed");
                lines.push(
                    v.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            for g in &gold {
                let v = e5.embed_question(&g.question).expect("embed");
                lines.push(
                    v.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            std::fs::write(out, lines.join("\n") + "\n").expect("write vectors");
            println!(
                "embedded {} texts in {:.1} s",
                lines.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    // `--e5 MODEL --e5-latency`: time the embedding of every question (the dense signal's
    // cost per question, on top of retrieval).
    #[cfg(feature = "e5")]
    if let (Some(i), true) = (
        args.iter().position(|a| a == "--e5"),
        args.iter().any(|a| a == "--e5-latency"),
    ) {
        let model = args.get(i + 1).expect("--e5 MODEL");
        let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
        let mut ms: Vec<f64> = gold
            .iter()
            .map(|g| {
                let t = std::time::Instant::now();
                let _ = e5.embed_question(&g.question);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
        println!(
            "e5 question embedding ms: p50 {:.1}  p95 {:.1}  p99 {:.1}",
            at(0.5),
            at(0.95),
            at(0.99)
        );
    }
    if let Some(i) = args.iter().position(|a| a == "--morph") {
        let mut m = madoguchi_guide::morph::MorphConfig::default();
        if let Some(dir) = args.get(i + 1).filter(|a| !a.starts_with("--")) {
            m.dictionary = dir.into();
        }
        if let Some(w) = args.iter().position(|a| a == "--morph-weight") {
            m.weight = args[w + 1].parse().expect("weight");
        }
        config.morph = Some(m);
    }
    if let Some(w) = args.iter().position(|a| a == "--bigram-weight") {
        config.bigram_weight = args[w + 1].parse().expect("weight");
    }
    if args.iter().any(|a| a == "--no-subject-guard") {
        config.subject_guard = false;
    }
    if args.iter().any(|a| a == "--no-readings") {
        config.kana_readings = false;
    }
    if args.iter().any(|a| a == "--weighted") {
        config.fusion = madoguchi_guide::guide::Fusion::Weighted;
    }
    if let Some(w) = args.iter().position(|a| a == "--rrf-k") {
        config.fusion = madoguchi_guide::guide::Fusion::Rrf {
            k: args[w + 1].parse().expect("k"),
        };
    }
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
        #[cfg(feature = "e5")]
        if let Some(i) = args.iter().position(|a| a == "--e5") {
            let model = args.get(i + 1).expect("--e5 MODEL");
            let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
            attach_sentences(&mut kb, &e5, &args);
            save_passages(&args);
        }
    }
    // `--test FILE`: a gold set that is never fitted on (demo/guide/fresh.jsonl, written
    // independently of the tuning), reported after everything else.
    let test = gold_file(&args, "--test");
    // `--train FILE`: more lines to fit on (demo/guide/train.jsonl), added to the dev lines.
    let train = gold_file(&args, "--train");
    // With dense vectors, the test questions are embedded here (`--e5 MODEL` needed).
    #[cfg(feature = "e5")]
    if !qvecs.is_empty()
        && test.len() + train.len() > 0
        && let Some(i) = args.iter().position(|a| a == "--e5")
    {
        let model = args.get(i + 1).expect("--e5 MODEL");
        let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
        for g in test.iter().chain(&train) {
            let v = e5.embed_question(&g.question).expect("embed");
            qvecs.insert(g.question.clone(), v);
        }
    }
    #[cfg(feature = "e5")]
    if !qvecs.is_empty()
        && let Some(i) = args.iter().position(|a| a == "--e5")
    {
        let model = args.get(i + 1).expect("--e5 MODEL");
        let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
        let _ = EMBED_MISSES.set(Box::new(e5));
    }
    // `--fit-all`: fit on every gold line (the test set above is then the honest estimate).
    let mut dev = if args.iter().any(|a| a == "--fit-all") {
        gold.clone()
    } else {
        dev
    };
    dev.extend(train.iter().cloned());
    // `--faq-only`: the knowledge base a municipality gets from importing its FAQ alone (no
    // catalogue, no pages); gold lines keep their FAQ ids, answerable lines without one are
    // dropped (2 of 421).
    let (gold, dev, held) = if args.iter().any(|a| a == "--faq-only") {
        kb.sources
            .retain(|s| s.kind == madoguchi_guide::SourceKind::Faq);
        // Filtered half by half, so that the halves stay those of the whole gold set.
        (
            faq_only_gold(&gold, &kb),
            faq_only_gold(&dev, &kb),
            faq_only_gold(&held, &kb),
        )
    } else {
        (gold, dev, held)
    };
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
    if args.iter().any(|a| a == "--no-rerank") {
        guide.set_rerank(None);
    }
    if args.iter().any(|a| a == "--fit") {
        let arg = |name: &str, default: f64| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let options = madoguchi_guide::eval::FitOptions {
            rerank: !args.iter().any(|a| a == "--no-rerank"),
            folds: arg("--folds", 5.0) as usize,
            goals: {
                let d = madoguchi_guide::eval::Goals::DEFAULT;
                madoguchi_guide::eval::Goals {
                    precision: arg("--min-precision", d.precision),
                    decline: arg("--min-decline", d.decline),
                    helped: arg("--min-helped", d.helped),
                }
            },
            l2: arg("--l2", 0.001) as f32,
            // Every feature (`--base-features`: the five of the earlier defaults).
            features: if args.iter().any(|a| a == "--base-features") {
                &madoguchi_guide::eval::BASE_FEATURES
            } else {
                &madoguchi_guide::calibrate::Features::NAMES
            },
            // Boosted trees for the two calibrators, thresholds chosen out of fold (the
            // default); `--logistic`: logistic models as before 2026-12-07; `--rounds`,
            // `--rate`, `--min-leaf`, `--trees-on-linear`, `--in-sample-thresholds` vary them.
            boosting: (!args.iter().any(|a| a == "--logistic")).then(|| {
                let d = madoguchi_guide::calibrate::Boosting::default();
                madoguchi_guide::calibrate::Boosting {
                    rounds: arg("--rounds", d.rounds as f64) as usize,
                    rate: arg("--rate", f64::from(d.rate)) as f32,
                    min_leaf: arg("--min-leaf", d.min_leaf as f64) as usize,
                    on_linear: args.iter().any(|a| a == "--trees-on-linear"),
                    out_of_fold: !args.iter().any(|a| a == "--in-sample-thresholds"),
                }
            }),
            // `--rerank-trees`: boosted trees on the logistic reranker (`--rerank-rounds`,
            // `--rerank-rate`, `--rerank-min-leaf`).
            rerank_boosting: args.iter().any(|a| a == "--rerank-trees").then(|| {
                let d = madoguchi_guide::calibrate::Boosting::default();
                madoguchi_guide::calibrate::Boosting {
                    rounds: arg("--rerank-rounds", d.rounds as f64) as usize,
                    rate: arg("--rerank-rate", f64::from(d.rate)) as f32,
                    min_leaf: arg("--rerank-min-leaf", d.min_leaf as f64) as usize,
                    on_linear: true,
                    out_of_fold: false,
                }
            }),
        };
        // `--across`: fit on the dev halves of the whole knowledge base and of its FAQ alone
        // together, then report the FAQ-only halves too.
        // `--bare`: with the FAQ alone without departments as a third knowledge base (a CSV
        // with only the required columns), so that the decision holds there too.
        let d = if args.iter().any(|a| a == "--across") {
            let (mut faq_guide, faq_dev, _) = faq_only(&loaded, &config, &qvecs, &dev, &held);
            let mut bare = args
                .iter()
                .any(|a| a == "--bare")
                .then(|| faq_only(&without_departments(&loaded), &config, &qvecs, &dev, &held));
            // `--extra FAQ.csv:QUESTIONS.jsonl` (repeatable): another municipality's FAQ alone
            // with all its questions, fitted on too.
            let mut extras: Vec<(Guide, Vec<madoguchi_guide::eval::GoldItem>)> =
                kb_pairs(&args, "--extra")
                    .iter()
                    .map(|(csv, questions)| other_kb(csv, questions, &config, &args))
                    .collect();
            let mut sets = vec![(&mut guide, &dev[..]), (&mut faq_guide, &faq_dev[..])];
            if let Some((bare_guide, bare_dev, _)) = bare.as_mut() {
                sets.push((bare_guide, &bare_dev[..]));
            }
            for (extra_guide, extra_gold) in extras.iter_mut() {
                sets.push((extra_guide, &extra_gold[..]));
            }
            // `--dump-rows FILE`: every set's calibration rows, each set's reranker fitted on
            // the other sets (the demo's two knowledge bases count as one), for experiments
            // with the decision outside (one JSON object per line).
            if let Some(i) = args.iter().position(|a| a == "--dump-rows") {
                dump_rows(args.get(i + 1).expect("--dump-rows FILE"), &mut sets);
                return;
            }
            madoguchi_guide::eval::fit_decision_across(&mut sets, &options)
        } else {
            madoguchi_guide::eval::fit_decision(&mut guide, &dev, &options)
        };
        println!("fitted decision (dev half): {d:?}");
        // The fitted decision on the FAQ alone (`--across`, or `--faq-report`).
        if args.iter().any(|a| a == "--across" || a == "--faq-report") {
            let (faq_guide, faq_dev, faq_held) =
                faq_only(&loaded, guide.config(), &qvecs, &dev, &held);
            for (name, set) in [
                ("FAQ only, dev", &faq_dev),
                ("FAQ only, held-out", &faq_held),
            ] {
                println!("== {name}\n{}", run(&faq_guide, set).0.summary());
            }
        }
        // `--save-config FILE`: the fitted engine settings as the `[guide.engine]` table of
        // madoguchi.toml, so that a deployment uses what was measured here.
        // `--save-decision FILE`: the fitted decision as JSON, the form of the shipped default
        // (crates/guide/data/decision.json).
        if let Some(i) = args.iter().position(|a| a == "--save-decision") {
            let path = args.get(i + 1).expect("--save-decision FILE");
            let c = guide.config();
            let decision = madoguchi_guide::calibrate::DefaultDecision {
                rerank_model: c.rerank_model.clone(),
                answer_model: c.answer_model.clone(),
                answer_threshold: c.answer_threshold,
                choice_model: c.choice_model.clone(),
                clarify_threshold: c.clarify_threshold,
            };
            let text = serde_json::to_string(&decision).expect("decision as JSON");
            std::fs::write(path, text + "\n").expect("write decision");
            println!("wrote {path}");
        }
        if let Some(i) = args.iter().position(|a| a == "--save-config") {
            let path = args.get(i + 1).expect("--save-config FILE");
            let mut table = toml::Table::new();
            table.insert(
                "engine".into(),
                toml::Value::try_from(guide.config()).expect("config as TOML"),
            );
            let mut root = toml::Table::new();
            root.insert("guide".into(), toml::Value::Table(table));
            std::fs::write(path, toml::to_string(&root).expect("TOML")).expect("write config");
            println!("wrote {path}");
        }
    }
    if let Some(i) = args.iter().position(|a| a == "--features") {
        let path = args.get(i + 1).expect("--features FILE");
        write_features(&guide, &dev, path);
        // With `--test`, the test set's features beside them (FILE.test), for reading only.
        if !test.is_empty() {
            write_features(&guide, &test, &format!("{path}.test"));
        }
        // The same on the FAQ alone (FILE.faq, FILE.faq.test).
        let (faq_guide, faq_dev, faq_test) = faq_only(&loaded, guide.config(), &qvecs, &dev, &test);
        write_features(&faq_guide, &faq_dev, &format!("{path}.faq"));
        if !test.is_empty() {
            write_features(&faq_guide, &faq_test, &format!("{path}.faq.test"));
        }
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
            write_outcomes(args.get(i + 1).expect("--dump FILE"), &outcomes);
        }
    }
    // `--report FAQ.csv:QUESTIONS.jsonl` (repeatable): the decision as it stands (fitted or
    // default) on another municipality's FAQ alone, never fitted on.
    for (csv, questions) in kb_pairs(&args, "--report") {
        let (other, other_gold) = other_kb(&csv, &questions, guide.config(), &args);
        let (report, outcomes) = run(&other, &other_gold);
        println!("== report, {csv} with {questions}\n{}", report.summary());
        println!("{}", trade(&other, &other_gold));
        if let Some(i) = args.iter().position(|a| a == "--dump-report") {
            write_outcomes(args.get(i + 1).expect("--dump-report FILE"), &outcomes);
        }
    }
    if !test.is_empty() {
        let (faq_guide, faq_test, _) = faq_only(&loaded, guide.config(), &qvecs, &test, &[]);
        if !args.iter().any(|a| a == "--faq-only") {
            let (report, outcomes) = run(&guide, &test);
            println!("== test, whole knowledge base\n{}", report.summary());
            // `--dump-test FILE`: the test set's outcomes, one JSON object per line.
            if let Some(i) = args.iter().position(|a| a == "--dump-test") {
                write_outcomes(args.get(i + 1).expect("--dump-test FILE"), &outcomes);
            }
        }
        println!(
            "== test, FAQ only\n{}",
            run(&faq_guide, &faq_test).0.summary()
        );
        // The FAQ as a CSV with only the required columns imports it: no departments.
        let (bare_guide, bare_test, _) = faq_only(
            &without_departments(&loaded),
            guide.config(),
            &qvecs,
            &test,
            &[],
        );
        println!(
            "== test, FAQ only without departments\n{}",
            run(&bare_guide, &bare_test).0.summary()
        );
    }
}

/// The gold lines as they read against a FAQ-only knowledge base.
fn faq_only_gold(
    gold: &[madoguchi_guide::eval::GoldItem],
    kb: &madoguchi_guide::KnowledgeBase,
) -> Vec<madoguchi_guide::eval::GoldItem> {
    let held: std::collections::HashSet<&str> = kb.sources.iter().map(|s| s.id.as_str()).collect();
    gold.iter()
        .filter_map(|g| {
            let mut g = g.clone();
            g.expected.retain(|id| held.contains(id.as_str()));
            (g.decline.is_some() || !g.expected.is_empty()).then_some(g)
        })
        .collect()
}

/// Every set's calibration rows as JSON lines, each set's with a reranker fitted on the other
/// sets (`--dump-rows`).
fn dump_rows(path: &str, sets: &mut [(&mut Guide, &[madoguchi_guide::eval::GoldItem])]) {
    use madoguchi_guide::eval::{Decline, calibration_rows, reranker_rows};
    // The demo's whole knowledge base and its FAQ alone share their questions: one group.
    let group = |s: usize| s.saturating_sub(1);
    let mut lines: Vec<String> = Vec::new();
    for s in 0..sets.len() {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for (t, (guide, gold)) in sets.iter().enumerate() {
            if group(t) != group(s) {
                let (x, y) = reranker_rows(guide, gold);
                xs.extend(x);
                ys.extend(y);
            }
        }
        let model = madoguchi_guide::calibrate::fit_values(&xs, &ys, 0.001);
        let (guide, gold) = &mut sets[s];
        guide.set_rerank(Some(model));
        let kept: Vec<_> = gold
            .iter()
            .filter(|g| g.decline != Some(Decline::OutOfScope))
            .filter(|g| {
                let a = guide.ask(&g.question);
                !matches!(
                    a.reason,
                    madoguchi_guide::Reason::OutOfScope | madoguchi_guide::Reason::Emergency
                ) && !guide.retrieve(&g.question).ranked.is_empty()
            })
            .cloned()
            .collect();
        let rows = calibration_rows(guide, &kept);
        assert_eq!(rows.len(), kept.len());
        for (row, g) in rows.iter().zip(&kept) {
            // The first three candidates (id, title), for features computed outside.
            let top: Vec<(String, String)> = guide
                .retrieve(&g.question)
                .ranked
                .iter()
                .take(3)
                .map(|(id, _, _)| {
                    let title = guide
                        .sources()
                        .iter()
                        .find(|s| &s.id == id)
                        .map(|s| s.title.clone())
                        .unwrap_or_default();
                    (id.clone(), title)
                })
                .collect();
            lines.push(
                serde_json::json!({
                    "group": group(s),
                    "set": s,
                    "question": g.question,
                    "features": row.0.to_vec(),
                    "first": row.1,
                    "any3": row.2,
                    "not_in_kb": g.decline == Some(Decline::NotInKb),
                    "top": top,
                })
                .to_string(),
            );
        }
    }
    std::fs::write(path, lines.join("\n") + "\n").expect("write rows");
}

/// Outcomes of a gold set, one JSON object per line.
fn write_outcomes(path: &str, outcomes: &[madoguchi_guide::eval::ItemOutcome]) {
    let lines: Vec<String> = outcomes
        .iter()
        .map(|o| serde_json::to_string(o).expect("json"))
        .collect();
    std::fs::write(path, lines.join("\n")).expect("write dump");
}

/// The sources without their departments.
fn without_departments(loaded: &madoguchi_guide::load::Loaded) -> madoguchi_guide::load::Loaded {
    let mut kb = loaded.kb.clone();
    for s in &mut kb.sources {
        s.department = None;
    }
    madoguchi_guide::load::Loaded {
        kb,
        departments: loaded.departments.clone(),
        procedures: loaded.procedures.clone(),
    }
}

/// The guide over the FAQ alone, with the dev and held-out halves as they read against it.
fn faq_only(
    loaded: &madoguchi_guide::load::Loaded,
    config: &GuideConfig,
    qvecs: &std::collections::HashMap<String, Vec<f32>>,
    dev: &[madoguchi_guide::eval::GoldItem],
    held: &[madoguchi_guide::eval::GoldItem],
) -> (
    Guide,
    Vec<madoguchi_guide::eval::GoldItem>,
    Vec<madoguchi_guide::eval::GoldItem>,
) {
    let mut kb = loaded.kb.clone();
    kb.sources
        .retain(|s| s.kind == madoguchi_guide::SourceKind::Faq);
    let (dev, held) = (faq_only_gold(dev, &kb), faq_only_gold(held, &kb));
    let mut guide = Guide::build(kb, config, &loaded.departments).expect("build");
    if !qvecs.is_empty() {
        guide = guide.with_embedder(std::sync::Arc::new(Lookup(qvecs.clone())));
    }
    (guide, dev, held)
}

/// One line per question: its kind, whether the first / first three candidates are right, the
/// decision features, the question and its first three candidates (tab-separated).
fn write_features(guide: &Guide, set: &[madoguchi_guide::eval::GoldItem], path: &str) {
    let mut lines = vec![format!(
        "kind\tfirst\tany3\t{}\tquestion\ttop",
        madoguchi_guide::calibrate::Features::NAMES.join("\t")
    )];
    for g in set {
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

/// The gold lines of the file after `flag`, or none without the flag.
fn gold_file(args: &[String], flag: &str) -> Vec<madoguchi_guide::eval::GoldItem> {
    args.iter()
        .position(|a| a == flag)
        .map(|i| {
            let path = args.get(i + 1).unwrap_or_else(|| panic!("{flag} FILE"));
            parse_gold(&std::fs::read_to_string(path).expect("gold file")).expect("gold parses")
        })
        .unwrap_or_default()
}

/// The `CSV:JSONL` pairs after every `flag`.
fn kb_pairs(args: &[String], flag: &str) -> Vec<(String, String)> {
    args.windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| {
            let (csv, questions) = w[1]
                .split_once(':')
                .unwrap_or_else(|| panic!("{flag} FAQ.csv:QUESTIONS.jsonl"));
            (csv.to_string(), questions.to_string())
        })
        .collect()
}

/// Another municipality's FAQ alone as a guide, with its questions. With `--e5 MODEL`
/// (feature e5) its sources get vectors and its questions are embedded as they are asked.
fn other_kb(
    csv: &str,
    questions: &str,
    config: &GuideConfig,
    args: &[String],
) -> (Guide, Vec<madoguchi_guide::eval::GoldItem>) {
    let loaded =
        madoguchi_guide::load::load(None, Some(std::path::Path::new(csv)), None).expect("FAQ CSV");
    // Expected ids cut to those this FAQ holds (the demo's sets name catalogue and page ids too).
    let gold = faq_only_gold(
        &parse_gold(&std::fs::read_to_string(questions).expect("questions"))
            .expect("questions parse"),
        &loaded.kb,
    );
    let (kb, question_vectors) = with_vectors(loaded.kb, &gold, args);
    let guide = Guide::build(kb, config, &[]).expect("build");
    let guide = match question_vectors {
        Some(lookup) => guide.with_embedder(std::sync::Arc::new(lookup)),
        None => guide,
    };
    (guide, gold)
}

/// With `--e5 MODEL`: the sources with their passage vectors, and the questions' vectors.
#[cfg(feature = "e5")]
fn with_vectors(
    mut kb: madoguchi_guide::KnowledgeBase,
    gold: &[madoguchi_guide::eval::GoldItem],
    args: &[String],
) -> (madoguchi_guide::KnowledgeBase, Option<Lookup>) {
    let Some(i) = args.iter().position(|a| a == "--e5") else {
        return (kb, None);
    };
    let model = args.get(i + 1).expect("--e5 MODEL");
    let e5 = madoguchi_guide::e5::E5::load(std::path::Path::new(model)).expect("e5 model");
    for s in &mut kb.sources {
        s.vector = Some(passage_vector(
            &e5,
            &madoguchi_guide::dense::passage_text(s),
            args,
        ));
    }
    attach_sentences(&mut kb, &e5, args);
    save_passages(args);
    let questions = gold
        .iter()
        .map(|g| {
            (
                g.question.clone(),
                e5.embed_question(&g.question).expect("embed"),
            )
        })
        .collect();
    (kb, Some(Lookup(questions)))
}

/// Passage vectors by text (sources' passages and sentences): `--passage-cache FILE` keeps them
/// between runs (one line per text: the text, a tab, the floats).
#[cfg(feature = "e5")]
static PASSAGES: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<String, Vec<f32>>>,
> = std::sync::OnceLock::new();

/// `text`'s passage vector, from the cache or embedded now.
#[cfg(feature = "e5")]
fn passage_vector(e5: &madoguchi_guide::e5::E5, text: &str, args: &[String]) -> Vec<f32> {
    cached_vector(e5, text, false, args)
}

/// `text`'s vector as a question; kept in the same cache under `query: ` + text.
#[cfg(feature = "e5")]
fn question_vector(e5: &madoguchi_guide::e5::E5, text: &str, args: &[String]) -> Vec<f32> {
    cached_vector(e5, text, true, args)
}

#[cfg(feature = "e5")]
fn cached_vector(
    e5: &madoguchi_guide::e5::E5,
    text: &str,
    query: bool,
    args: &[String],
) -> Vec<f32> {
    let cache = PASSAGES.get_or_init(|| {
        let loaded = args
            .iter()
            .position(|a| a == "--passage-cache")
            .and_then(|i| args.get(i + 1))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|l| l.split_once('\t'))
                    .map(|(t, v)| {
                        (
                            t.to_string(),
                            v.split(' ').filter_map(|x| x.parse().ok()).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        std::sync::Mutex::new(loaded)
    });
    let mut key = text.replace(['\t', '\n', '\r'], " ");
    if query {
        key.insert_str(0, "query: ");
    }
    if let Some(v) = cache.lock().expect("cache").get(&key) {
        return v.clone();
    }
    let v = if query {
        e5.embed_question(text)
    } else {
        e5.embed_passage(text)
    }
    .expect("embed");
    cache.lock().expect("cache").insert(key, v.clone());
    v
}

/// Writes the passage cache back (`--passage-cache FILE`).
#[cfg(feature = "e5")]
fn save_passages(args: &[String]) {
    let (Some(p), Some(cache)) = (
        args.iter()
            .position(|a| a == "--passage-cache")
            .and_then(|i| args.get(i + 1)),
        PASSAGES.get(),
    ) else {
        return;
    };
    let cache = cache.lock().expect("cache");
    let lines: Vec<String> = cache
        .iter()
        .map(|(t, v)| {
            let v: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            format!("{t}\t{}", v.join(" "))
        })
        .collect();
    // Written aside and renamed: two runs in parallel never leave half a file.
    let tmp = format!("{p}.{}", std::process::id());
    std::fs::write(&tmp, lines.join("\n") + "\n").expect("write passage cache");
    std::fs::rename(&tmp, p).expect("passage cache");
}

/// Gives every source the vectors of its sentences ([`madoguchi_guide::dense::passage_sentences`]),
/// unless `--no-sentences`, and of its title as a question, unless `--no-titles` (the caller
/// saves the cache).
#[cfg(feature = "e5")]
fn attach_sentences(
    kb: &mut madoguchi_guide::KnowledgeBase,
    e5: &madoguchi_guide::e5::E5,
    args: &[String],
) {
    if !args.iter().any(|a| a == "--no-titles") {
        for s in &mut kb.sources {
            s.title_vector = Some(question_vector(
                e5,
                &madoguchi_guide::dense::title_text(s),
                args,
            ));
        }
    }
    if args.iter().any(|a| a == "--no-sentences") {
        return;
    }
    for s in &mut kb.sources {
        s.sentence_vectors = madoguchi_guide::dense::passage_sentences(s)
            .iter()
            .map(|t| passage_vector(e5, t, args))
            .collect();
    }
}

/// Without the e5 feature there are no vectors.
#[cfg(not(feature = "e5"))]
fn with_vectors(
    kb: madoguchi_guide::KnowledgeBase,
    _gold: &[madoguchi_guide::eval::GoldItem],
    _args: &[String],
) -> (madoguchi_guide::KnowledgeBase, Option<Lookup>) {
    (kb, None)
}

/// How well the decision trades helping against declining on a set, whatever the clarify
/// threshold: the share helped when the threshold declines at least 0.80 of the not_in_kb
/// questions, the share of those declined when it helps at least 0.85, and the AUC of
/// P(top three) between answerable questions with a right source among the first three and
/// not_in_kb questions (definitive answers as the guide's answer threshold makes them).
fn trade(guide: &Guide, gold: &[madoguchi_guide::eval::GoldItem]) -> String {
    let rows = madoguchi_guide::eval::calibration_rows(guide, gold);
    let c = guide.config();
    let p: Vec<(f32, f32)> = rows
        .iter()
        .map(|r| {
            (
                madoguchi_guide::calibrate::answer_probability(
                    &c.answer_model,
                    &r.0,
                    c.subject_guard,
                ),
                c.choice_model.predict(&r.0),
            )
        })
        .collect();
    let (mut helped_at, mut declined_at) = (0.0f64, 0.0f64);
    for i in 0..=1000 {
        let tc = i as f32 / 1000.0;
        let (declined, helped) = madoguchi_guide::eval::trade_at(&rows, &p, c.answer_threshold, tc);
        if declined >= 0.80 {
            helped_at = helped_at.max(helped);
        }
        if helped >= 0.85 {
            declined_at = declined_at.max(declined);
        }
    }
    let pos: Vec<f32> = rows
        .iter()
        .zip(&p)
        .filter(|(r, _)| !r.3 && r.2)
        .map(|(_, p)| p.1)
        .collect();
    let neg: Vec<f32> = rows
        .iter()
        .zip(&p)
        .filter(|(r, _)| r.3)
        .map(|(_, p)| p.1)
        .collect();
    let mut wins = 0.0f64;
    for a in &pos {
        for b in &neg {
            wins += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = wins / (pos.len() * neg.len()).max(1) as f64;
    format!(
        "trade: helped at decline>=0.80 {helped_at:.3}  decline at helped>=0.85 {declined_at:.3}  AUC(top3 vs not_in_kb) {auc:.3}"
    )
}
