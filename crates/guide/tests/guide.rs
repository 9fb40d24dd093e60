//! The guide on the demo data: routing, declining, and the gold-set figures as a floor.

use std::path::PathBuf;
use std::sync::OnceLock;

use madoguchi_guide::eval::{parse_gold, run, split_halves};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig, Reason};

/// The repository's root, where demo/ lives.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn guide() -> &'static Guide {
    static G: OnceLock<Guide> = OnceLock::new();
    G.get_or_init(|| {
        let root = repo_root();
        let l = load_demo(&root).expect("demo data");
        Guide::build(l.kb, &GuideConfig::default(), &l.departments).expect("build")
    })
}

#[test]
fn guide_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Guide>();
}

#[test]
fn routes_juminhyo_to_the_department_and_procedure() {
    let a = guide().ask("住民票の写しをとりたい");
    assert_eq!(
        a.department.as_ref().map(|d| d.id.as_str()),
        Some("koseki-jumin"),
        "{a:#?}"
    );
    let ids: Vec<&str> = a.candidates.iter().take(5).map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"juminhyo-copy"), "{ids:?}");
    if a.answered {
        assert!(!a.citations.is_empty());
        let p = a.procedure.as_ref().expect("procedure");
        assert_eq!(p.id, "juminhyo-copy");
        assert_eq!(
            p.online.as_ref().and_then(|o| o.url.as_deref()),
            Some("/procedures/juminhyo-copy")
        );
    } else {
        assert!(a.clarification.is_some(), "{a:#?}");
    }
}

#[test]
fn declines_out_of_scope_and_personal_cases() {
    for q in [
        "明日の天気は？",
        "駅前のおいしいラーメン屋",
        "私の申請の審査結果はいつ出ますか",
    ] {
        let a = guide().ask(q);
        assert!(!a.answered, "{q}");
        assert!(
            matches!(a.reason, Reason::OutOfScope | Reason::PersonalCase),
            "{q}: {:?}",
            a.reason
        );
    }
    let a = guide().ask("私は山田太郎です。電話は090-1234-5678");
    assert!(
        !a.question.contains("5678") && !a.question.contains("山田"),
        "{}",
        a.question
    );
}

#[test]
fn answers_are_official_text_with_citations() {
    let a = guide().ask("粗大ごみの申込み方法を教えてください");
    let answer = a.answer.clone().unwrap_or_default();
    if a.answered {
        let first = &a.citations[0];
        let src = guide()
            .sources()
            .iter()
            .find(|s| s.id == first.id)
            .expect("cited source");
        assert!(
            guide()
                .sources()
                .iter()
                .any(|s| s.id == first.id && s.answer == answer),
            "{} not verbatim from {}",
            answer,
            src.id
        );
    }
    let json = serde_json::to_value(&a).expect("json");
    for key in [
        "question",
        "answered",
        "answer",
        "citations",
        "department",
        "procedure",
        "candidates",
        "confidence",
        "handoff",
        "reason",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

/// The lowest figures a gold-set run may give.
struct Floor {
    recall_at_10: f64,
    ndcg_at_10: f64,
    helped: f64,
    precision: f64,
    out_of_scope: f64,
    not_in_kb: f64,
}

fn assert_floor(file: &str, held_out_only: bool, floor: Floor) {
    assert_floor_of(guide(), file, held_out_only, floor);
}

fn assert_floor_of(guide: &Guide, file: &str, held_out_only: bool, floor: Floor) {
    let root = repo_root();
    let mut gold = parse_gold(&std::fs::read_to_string(root.join(file)).expect(file)).expect(file);
    if held_out_only {
        gold = split_halves(&gold).1;
    }
    let (r, _) = run(guide, &gold);
    eprintln!("{file}\n{}", r.summary());
    for (name, got, min) in [
        ("Recall@10", r.recall_at_10, floor.recall_at_10),
        ("nDCG@10", r.ndcg_at_10, floor.ndcg_at_10),
        ("helped", r.helped, floor.helped),
        ("precision", r.answered_precision, floor.precision),
        ("out of scope", r.abstain_out_of_scope, floor.out_of_scope),
        ("not in kb", r.abstain_not_in_kb, floor.not_in_kb),
    ] {
        assert!(got >= min, "{file}: {name} {got} < {min}");
    }
}

#[test]
fn gold_set_floor() {
    assert_floor(
        "demo/guide/gold.jsonl",
        true,
        Floor {
            recall_at_10: 0.80,
            ndcg_at_10: 0.70,
            helped: 0.65,
            precision: 0.90,
            out_of_scope: 0.95,
            not_in_kb: 0.70,
        },
    );
}

/// demo/guide/fresh.jsonl was written independently of the tuning and is never fitted on: its
/// figures are the guide's honest floor (docs/guide.md, "An independent test set"). The
/// everyday-language tables cost the demo, whose own wording the municipal table was written
/// for, 0.05 of "helped" here (docs/guide.md, "Everyday language"); with the boosted trees and
/// the subject guard it is at 0.82, precision 1.000 (docs/guide.md, "Trees and a subject guard");
/// fitted on six other municipalities, 0.81, not_in_kb declined 0.667 (was 0.717).
#[test]
fn fresh_set_floor() {
    assert_floor(
        "demo/guide/fresh.jsonl",
        false,
        Floor {
            recall_at_10: 0.80,
            ndcg_at_10: 0.75,
            helped: 0.75,
            precision: 0.90,
            out_of_scope: 0.95,
            // 0.717 with the decision fitted on four other municipalities, 0.667 with six
            // (docs/guide.md, "Six municipalities, and titles as questions").
            not_in_kb: 0.65,
        },
    );
}

/// demo/guide/fresh2.jsonl, a second independent set (hard near misses on purpose; never fitted
/// on): its floor (docs/guide.md, "A second independent set"). Precision over answerable
/// questions 1.000 with the boosted trees; over all definitive answers 0.938 (one of 16 answers
/// a not_in_kb question: a lower 後期高齢者 premium, answered with how to pay it).
#[test]
fn second_fresh_set_floor() {
    assert_floor(
        "demo/guide/fresh2.jsonl",
        false,
        Floor {
            recall_at_10: 0.80,
            ndcg_at_10: 0.75,
            helped: 0.70,
            precision: 0.90,
            out_of_scope: 0.95,
            not_in_kb: 0.40,
        },
    );
}

/// Other municipalities altogether, each a FAQ written by one writer who read nothing of the
/// demo, with 300 questions by another who read only that FAQ: demo/guide/city2 (みなと野市, a
/// city), city3 (北川町, a snowy rural town), city4 (若葉市青葉区, a ward of a designated city
/// with many foreign residents), city5 (東浜市, a core city with terse answers), city6 (西谷村, a
/// mountain village of elderly residents asking in dialect) and city7 (桜台市, a commuter city
/// of young families, long structured answers). The default
/// decision is fitted on them too; left out of the fit in turn, each measured above these floors
/// as well (docs/guide.md, "More municipalities").
#[test]
fn other_municipalities_floor() {
    let root = repo_root();
    // (city, not_in_kb declined, out of scope declined): city7's out-of-scope lines ask about
    // shops near the station and another city's services, which the router does not know.
    for (city, not_in_kb, out_of_scope) in [
        ("city2", 0.55, 0.95),
        ("city3", 0.45, 0.95),
        ("city4", 0.50, 0.95),
        ("city5", 0.55, 0.95),
        ("city6", 0.70, 0.95),
        ("city7", 0.70, 0.85),
    ] {
        let bytes = std::fs::read(root.join(format!("demo/guide/{city}/faq.csv"))).expect("FAQ");
        let entries = madoguchi_guide::parse_faq_csv(&bytes).expect("FAQ parses");
        let mut kb = madoguchi_guide::KnowledgeBase::new();
        kb.add_faq(&entries);
        let guide = Guide::build(kb, &GuideConfig::default(), &[]).expect("build");
        assert_floor_of(
            &guide,
            &format!("demo/guide/{city}/questions.jsonl"),
            false,
            Floor {
                recall_at_10: 0.85,
                ndcg_at_10: 0.75,
                helped: 0.65,
                precision: 0.95,
                out_of_scope,
                not_in_kb,
            },
        );
    }
}

/// The demo's FAQ entries alone, as a municipality that imports only its FAQ has them.
fn demo_faq() -> madoguchi_guide::KnowledgeBase {
    let root = repo_root();
    let mut kb = load_demo(&root).expect("demo data").kb;
    kb.sources
        .retain(|s| s.kind == madoguchi_guide::SourceKind::Faq);
    kb
}

/// The demo FAQ built with the default configuration and with `switch_off` applied to it.
fn faq_guides_with_and_without(switch_off: impl FnOnce(&mut GuideConfig)) -> (Guide, Guide) {
    let kb = demo_faq();
    let on = Guide::build(kb.clone(), &GuideConfig::default(), &[]).expect("build");
    let mut off_config = GuideConfig::default();
    switch_off(&mut off_config);
    let off = Guide::build(kb, &off_config, &[]).expect("build");
    (on, off)
}

/// A knowledge base of FAQ entries only (no catalogue with readings): questions typed in kana
/// still find the entries written in kanji, through the sources' own words' readings.
#[test]
fn kana_questions_find_faq_entries_written_in_kanji() {
    let kb = demo_faq();
    let first = |config: &GuideConfig, q: &str| {
        let g = Guide::build(kb.clone(), config, &[]).expect("build");
        g.retrieve(q).ranked.first().map(|c| c.0.clone())
    };
    let on = GuideConfig::default();
    let off = GuideConfig {
        kana_readings: false,
        ..GuideConfig::default()
    };
    // faq-0188..0190: 生活保護; faq-0075 / faq-0084: 納税証明書.
    for (q, expected) in [
        ("せいかつほご", &["faq-0188", "faq-0189", "faq-0190"][..]),
        (
            "のうぜいしょうめいしょ ほしい",
            &["faq-0075", "faq-0084"][..],
        ),
    ] {
        let got = first(&on, q);
        assert!(
            got.as_deref().is_some_and(|id| expected.contains(&id)),
            "{q}: {got:?}"
        );
        let without = first(&off, q);
        assert!(
            !without.as_deref().is_some_and(|id| expected.contains(&id)),
            "{q} found without readings: {without:?}"
        );
    }
}

/// Kanji a phone's input method chose wrongly (婚因届 for 婚姻届) are corrected to the word the
/// sources write that reads the same: the entry is found and the word no longer counts as one
/// the knowledge base never mentions (which made the decision decline).
#[test]
fn mis_converted_kanji_are_read_as_the_sources_write_them() {
    let (on, off) = faq_guides_with_and_without(|c| c.kanji_correction = false);
    for (q, fixed, expected) in [
        (
            "婚因届 証人って何人いる？",
            "婚姻届 証人って何人いる？",
            "faq-0037",
        ),
        (
            "印艦登録したい 免許証はある",
            "印鑑登録したい 免許証はある",
            "faq-0012",
        ),
    ] {
        assert_eq!(on.corrected(q), fixed);
        assert_eq!(off.corrected(q), q);
        let r = on.retrieve(q);
        assert_eq!(
            r.ranked.first().map(|c| c.0.as_str()),
            Some(expected),
            "{q}"
        );
        assert_eq!(r.features.unknown_words, 0.0, "{q}: {:?}", r.features);
        let r = off.retrieve(q);
        assert!(r.features.unknown_words > 0.0, "{q}: {:?}", r.features);
    }
    // A word spelt right is never touched, even one the knowledge base lacks.
    assert_eq!(on.corrected("歯医者 日曜日"), "歯医者 日曜日");
}

/// A question in romaji finds the entries written in kanji (through its kana and the sources'
/// readings, long vowels left out allowed); without the readings it finds nothing at all.
#[test]
fn romaji_questions_find_entries_written_in_kanji() {
    let (on, off) = faq_guides_with_and_without(|c| c.kana_readings = false);
    // faq-0017/0018/0020/0021: 戸籍謄本 and 戸籍証明書; faq-0212/0213: 粗大ごみ.
    for (q, expected) in [
        (
            "kosekitohon sokujitsu moraeru?",
            &["faq-0017", "faq-0018", "faq-0020", "faq-0021"][..],
        ),
        (
            "sodaigomi no shoriken doko de kaeru?",
            &["faq-0212", "faq-0213"][..],
        ),
    ] {
        let top3: Vec<String> = on
            .retrieve(q)
            .ranked
            .iter()
            .take(3)
            .map(|c| c.0.clone())
            .collect();
        assert!(
            top3.iter().any(|id| expected.contains(&id.as_str())),
            "{q}: {top3:?}"
        );
        // `retrieve` (used for fitting) reads the question as `ask` does.
        let asked: Vec<(String, f32)> = on
            .ask(q)
            .candidates
            .into_iter()
            .map(|c| (c.id, c.score))
            .collect();
        let retrieved: Vec<(String, f32)> = on
            .retrieve(q)
            .ranked
            .into_iter()
            .take(10)
            .map(|c| (c.0, c.1))
            .collect();
        assert_eq!(asked, retrieved, "{q}");
        let without = off.retrieve(q).ranked;
        assert!(
            !without
                .iter()
                .take(3)
                .any(|c| expected.contains(&c.0.as_str())),
            "{q}: {without:?}"
        );
    }
    // English stays English (the synonym table's glossary reads it); only a romaji term that
    // reads as a word of the sources is read.
    let q = "Where can I get a copy of my juminhyo?";
    let read = on.corrected(q);
    let added = read.strip_prefix(q).map(str::trim);
    assert!(
        added.is_some_and(|a| a.starts_with("じゅみんひょ") && a.contains("住民票")),
        "{read}"
    );
    let q = "Where can I get a copy of my residence certificate?";
    assert_eq!(on.corrected(q), q);
}

#[test]
fn default_reranks_and_old_configurations_still_load() {
    let c = GuideConfig::default();
    assert!(c.rerank_model.is_some());
    assert!(c.morph.is_none());
    // A configuration written for the six features of the previous round still loads; the
    // missing weights count 0.
    let old = r#"{"answer_model":{"bias":-3.7,"weights":[4.2,0.76,1.6,2.97,1.3,0.0]},"answer_threshold":0.925}"#;
    let parsed: GuideConfig = serde_json::from_str(old).expect("old configuration");
    assert_eq!(parsed.answer_model.weights.len(), 6);
    assert!(parsed.answer_model.predict(&Default::default()) > 0.0);
    assert_eq!(parsed.clarify_threshold, c.clarify_threshold);
}

#[test]
fn words_the_sources_never_mention_are_counted() {
    let known = guide().retrieve("住民票の写しをとりたい").features;
    assert_eq!(known.unknown_words, 0.0, "{known:?}");
    let unknown = guide()
        .retrieve("区の花火大会の桟敷席を予約したい")
        .features;
    assert!(unknown.unknown_words > 0.0, "{unknown:?}");
    assert!(
        unknown.uncovered_words >= unknown.unknown_words,
        "{unknown:?}"
    );
}

/// 妊婦の歯科健診 is a neighbour of 大人の歯科健診: both words are in the knowledge base, but
/// a first candidate without 妊婦 misses part of what is asked.
#[test]
fn words_the_first_candidate_lacks_are_counted() {
    let r = guide().retrieve("粗大ごみの申込み方法");
    assert_eq!(r.features.missing_first, 0.0, "{:?}", r.features);
    assert!(
        r.candidates[0].1.word_coverage > 0.99,
        "{:?}",
        r.candidates[0]
    );
    let r = guide().retrieve("妊婦の歯科健診は受けられますか");
    let first = &r.ranked[0].0;
    let source = guide()
        .sources()
        .iter()
        .find(|s| &s.id == first)
        .expect("first source");
    let lacks_a_word = !["妊婦", "歯科"]
        .iter()
        .all(|w| source.title.contains(w) || source.text.contains(w));
    assert_eq!(
        r.features.missing_first > 0.0,
        lacks_a_word,
        "{first}: {:?}",
        r.features
    );
    let coverage = r
        .candidates
        .iter()
        .find(|c| &c.0 == first)
        .map(|c| c.1.word_coverage);
    assert_eq!(coverage.map(|c| c < 1.0), Some(lacks_a_word), "{first}");
}

/// A FAQ imported without its department column (only `id,question,answer`) is judged like one
/// with it: department agreement is not 1 merely because every department is missing.
#[test]
fn a_faq_without_departments_gets_a_neutral_agreement() {
    let mut kb = demo_faq();
    for s in &mut kb.sources {
        s.department = None;
    }
    let g = Guide::build(kb, &GuideConfig::default(), &[]).expect("build");
    for q in [
        "粗大ごみの申込み方法",
        "児童手当はいつ振り込まれる",
        "ペットの飼い方",
    ] {
        let a = g.retrieve(q).features.agreement;
        assert!(a > 0.5 && a < 0.95, "{q}: {a}");
    }
}

#[test]
fn candidate_features_describe_the_first_ten() {
    let r = guide().retrieve("粗大ごみの手数料はいくら");
    assert_eq!(r.candidates.len(), 10);
    for (_, f) in &r.candidates {
        for v in f.to_vec() {
            assert!((0.0..=1.0 + 1e-4).contains(&v), "{f:?}");
        }
    }
    // The reranked first candidate carries its probability.
    assert!((0.0..=1.0).contains(&r.ranked[0].1));
}

#[cfg(not(feature = "lindera"))]
#[test]
fn the_morphological_signal_needs_its_feature() {
    let root = repo_root();
    let l = load_demo(&root).expect("demo data");
    let config = GuideConfig {
        morph: Some(madoguchi_guide::morph::MorphConfig::default()),
        ..GuideConfig::default()
    };
    let err = Guide::build(l.kb, &config, &l.departments)
        .err()
        .expect("no lindera feature");
    assert!(err.to_string().contains("lindera"), "{err}");
}

#[cfg(feature = "lindera")]
#[test]
fn morphological_signal_with_the_debian_dictionary() {
    let m = madoguchi_guide::morph::MorphConfig::default();
    if !m.dictionary.join("matrix.def").is_file() {
        eprintln!("skipped: {} has no mecab-ipadic", m.dictionary.display());
        return;
    }
    let root = repo_root();
    let l = load_demo(&root).expect("demo data");
    let config = GuideConfig {
        morph: Some(m),
        ..GuideConfig::default()
    };
    let g = Guide::build(l.kb, &config, &l.departments).expect("build");
    let r = g.retrieve("粗大ごみを出したい");
    assert!(r.features.signals_agree > 0.0 && r.features.signals_agree <= 1.0);
    let ids: Vec<&str> = r.ranked.iter().take(5).map(|x| x.0.as_str()).collect();
    assert!(
        ids.iter()
            .any(|id| id.contains("gomi") || id.starts_with("faq-")),
        "{ids:?}"
    );
}

/// Every question file of the repository (demo sets, city2–city7, the router's own) but those
/// of city8 and city9, held out of every rule (docs/guide.md, "Two municipalities held out").
const QUESTION_FILES: [&str; 11] = [
    "demo/guide/gold.jsonl",
    "demo/guide/train.jsonl",
    "demo/guide/fresh.jsonl",
    "demo/guide/fresh2.jsonl",
    "demo/guide/city2/questions.jsonl",
    "demo/guide/city3/questions.jsonl",
    "demo/guide/city4/questions.jsonl",
    "demo/guide/city5/questions.jsonl",
    "demo/guide/city6/questions.jsonl",
    "demo/guide/city7/questions.jsonl",
    "crates/guide/tests/data/router_municipal.jsonl",
];

/// The router's word lists are wide; none of the ~1,900 municipal questions of the question
/// files (answerable or not in the knowledge base) may be sent away as out of scope, and the
/// out-of-scope lines must mostly be caught by the rules rather than left to retrieval.
#[test]
fn the_router_sends_no_municipal_question_away() {
    use madoguchi_guide::router::{Route, route};
    let root = repo_root();
    let (mut municipal, mut wrongly, mut oos, mut caught) = (0, Vec::new(), 0, 0);
    for file in QUESTION_FILES {
        let text = std::fs::read_to_string(root.join(file)).expect("question file");
        for g in parse_gold(&text).expect("question file parses") {
            let routed = route(&g.question, false);
            if g.decline == Some(madoguchi_guide::eval::Decline::OutOfScope) {
                oos += 1;
                caught += usize::from(routed.is_some());
            } else {
                municipal += 1;
                match routed {
                    Some(Route::OutOfScope(topic)) => {
                        wrongly.push(format!("{topic:?}: {}", g.question))
                    }
                    Some(Route::PersonalCase) => {
                        wrongly.push(format!("personal case: {}", g.question))
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(municipal > 1500, "{municipal} municipal questions read");
    assert!(wrongly.is_empty(), "sent away:\n{}", wrongly.join("\n"));
    // 234 of 302 since city6 and city7 (whose out-of-scope lines the decision declines
    // instead); at least four in five before them.
    assert!(
        caught * 100 >= oos * 75,
        "{caught} of {oos} out-of-scope lines caught by the rules"
    );
}

/// 住民票をとりたい scores the 除票 FAQ and the 住民票の写し procedure within 0.3 % of each
/// other: they share a rank, and the reranker, reading the titles, puts the procedure first
/// (before, the index's order made the 除票 entry first and the resident got choices).
#[test]
fn sources_that_score_alike_share_a_rank() {
    let r = guide().retrieve("住民票をとりたい");
    let rank_of = |id: &str| {
        r.candidates
            .iter()
            .find(|c| c.0 == id)
            .map(|c| c.1.inverse_rank)
            .unwrap_or_else(|| panic!("{id} among the first ten: {:?}", r.candidates))
    };
    assert_eq!(rank_of("faq-0008"), rank_of("juminhyo-copy"));
    assert_eq!(r.ranked[0].0, "juminhyo-copy", "{:?}", &r.ranked[..3]);
}

/// The subject guard: a source that does not name what the question is about is never the
/// definitive answer (猫の避妊手術 is not 高額療養費, though 手術 leads there), whatever the
/// calibrator's confidence; it may still be among the choices.
#[test]
fn no_definitive_answer_from_a_source_that_lacks_the_subject() {
    let root = repo_root();
    let bytes = std::fs::read(root.join("demo/guide/city3/faq.csv")).expect("FAQ");
    let entries = madoguchi_guide::parse_faq_csv(&bytes).expect("FAQ parses");
    let mut kb = madoguchi_guide::KnowledgeBase::new();
    kb.add_faq(&entries);
    let guide = Guide::build(kb.clone(), &GuideConfig::default(), &[]).expect("build");
    let cat = "猫の避妊手術に補助ある？";
    assert!(guide.retrieve(cat).features.missing_first > 0.0);
    assert!(!guide.ask(cat).answered);
    let unguarded = Guide::build(
        kb,
        &GuideConfig {
            subject_guard: false,
            ..GuideConfig::default()
        },
        &[],
    )
    .expect("build");
    let gold = parse_gold(
        &std::fs::read_to_string(root.join("demo/guide/city3/questions.jsonl")).expect("set"),
    )
    .expect("set");
    // Without the guard the calibrator alone answers some questions from such a source.
    let withheld = gold
        .iter()
        .filter(|g| {
            unguarded.ask(&g.question).answered
                && guide.retrieve(&g.question).features.missing_first > 0.0
        })
        .count();
    assert!(withheld > 0);
    let mut answered = 0;
    for g in &gold {
        if guide.ask(&g.question).answered {
            answered += 1;
            assert_eq!(
                guide.retrieve(&g.question).features.missing_first,
                0.0,
                "{}",
                g.question
            );
        }
    }
    assert!(answered > 0);
}

/// The demo's first 40 FAQ entries, each with its passage vector from [`hashed`].
fn small_faq_with_passage_vectors() -> madoguchi_guide::KnowledgeBase {
    let mut kb = demo_faq();
    kb.sources.truncate(40);
    for s in &mut kb.sources {
        s.vector = Some(hashed(&madoguchi_guide::dense::passage_text(s)));
    }
    kb
}

/// A deterministic stand-in for a sentence-embedding model (character bigrams hashed into 64
/// dimensions): the wiring of sentence vectors is under test, not the model.
fn hashed(text: &str) -> Vec<f32> {
    let chars: Vec<char> = text.chars().collect();
    let mut v = vec![0.0f32; 64];
    for w in chars.windows(2) {
        v[(u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1])) as usize % 64] += 1.0;
    }
    v[0] += 0.001;
    v
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

/// With sentence vectors, the confidence sees the question's best cosine to one sentence of the
/// first candidates (and the reranker each candidate's); without them, 0.
#[test]
fn sentence_vectors_reach_the_features() {
    let mut kb = small_faq_with_passage_vectors();
    let question = "住民票の写しはコンビニで取れますか";
    let qvec = hashed(question);
    let without = Guide::build(kb.clone(), &GuideConfig::default(), &[]).expect("build");
    let r = without.retrieve_with_vector(question, Some(&qvec));
    assert_eq!(r.features.sentence_first, 0.0);
    assert!(r.candidates.iter().all(|(_, c)| c.sentence == 0.0));
    for s in &mut kb.sources {
        s.sentence_vectors = madoguchi_guide::dense::passage_sentences(s)
            .iter()
            .map(|t| hashed(t))
            .collect();
    }
    let with = Guide::build(kb.clone(), &GuideConfig::default(), &[]).expect("build");
    let r = with.retrieve_with_vector(question, Some(&qvec));
    let best_sentence = |id: &str| {
        kb.sources
            .iter()
            .filter(|s| s.id == id)
            .flat_map(madoguchi_guide::dense::passage_sentences)
            .map(|t| cosine(&hashed(&t), &qvec))
            .fold(0.0f32, f32::max)
    };
    let first = &r.ranked[0].0;
    assert!(r.features.sentence_first > 0.0);
    assert!((r.features.sentence_first - best_sentence(first)).abs() < 1e-4);
    let top3 = r.ranked.iter().take(3).map(|c| best_sentence(&c.0));
    assert!((r.features.sentence_top3 - top3.fold(0.0, f32::max)).abs() < 1e-4);
    for (id, c) in &r.candidates {
        assert!((c.sentence - best_sentence(id)).abs() < 1e-4, "{id}");
    }
    assert_eq!(r.features.question_first, 0.0, "no title vectors yet");
}

/// The titles embedded as questions give the question-to-question features: the cosine to the
/// first candidate's title, the best of the first three, and the first's lead over the others.
#[test]
fn title_vectors_reach_the_features() {
    let mut kb = small_faq_with_passage_vectors();
    for s in &mut kb.sources {
        s.title_vector = Some(hashed(&madoguchi_guide::dense::title_text(s)));
    }
    let question = "住民票の写しはコンビニで取れますか";
    let qvec = hashed(question);
    let guide = Guide::build(kb.clone(), &GuideConfig::default(), &[]).expect("build");
    let r = guide.retrieve_with_vector(question, Some(&qvec));
    let title_cos = |id: &str| {
        kb.sources
            .iter()
            .find(|s| s.id == id)
            .map(|s| cosine(&hashed(&madoguchi_guide::dense::title_text(s)), &qvec))
            .unwrap_or(0.0)
    };
    let top3: Vec<f32> = r.ranked.iter().take(3).map(|c| title_cos(&c.0)).collect();
    assert_eq!(top3.len(), 3);
    assert!(r.features.question_first > 0.0);
    assert!((r.features.question_first - top3[0]).abs() < 1e-4);
    assert!((r.features.question_top3 - top3.iter().copied().fold(0.0, f32::max)).abs() < 1e-4);
    let margin = top3[0] - top3[1].max(top3[2]).max(0.0);
    assert!((r.features.question_margin - margin).abs() < 1e-4);
    // Without a question vector there is nothing to compare.
    let r = guide.retrieve(question);
    assert_eq!(
        (
            r.features.question_first,
            r.features.question_top3,
            r.features.question_margin
        ),
        (0.0, 0.0, 0.0)
    );
}

/// Every municipality's question file names only ids its FAQ holds, and has the mix it was
/// written with (300 lines: 30 out of scope, 50 or 60 not in the FAQ, the rest answerable) —
/// the held-out city8 and city9 included: this checks the files, not the guide.
#[test]
fn municipal_question_files_are_consistent() {
    use madoguchi_guide::eval::Decline;
    let root = repo_root();
    for city in 2..=9 {
        let dir = root.join(format!("demo/guide/city{city}"));
        let bytes = std::fs::read(dir.join("faq.csv")).expect("FAQ");
        let ids: std::collections::HashSet<String> = madoguchi_guide::parse_faq_csv(&bytes)
            .expect("FAQ parses")
            .into_iter()
            .map(|e| e.id)
            .collect();
        let text = std::fs::read_to_string(dir.join("questions.jsonl")).expect("questions");
        let gold = parse_gold(&text).expect("questions parse");
        let count = |d: Option<Decline>| gold.iter().filter(|g| g.decline == d).count();
        assert_eq!(gold.len(), 300, "city{city}");
        assert_eq!(count(Some(Decline::OutOfScope)), 30, "city{city}");
        assert!(count(Some(Decline::NotInKb)) >= 50, "city{city}");
        for g in &gold {
            assert_eq!(g.expected.is_empty(), g.decline.is_some(), "{}", g.question);
            for id in &g.expected {
                assert!(ids.contains(id), "city{city}: {id} ({})", g.question);
            }
        }
    }
}
