//! Sparse index build for 10,000 synthetic sources must take at most 15 s (release; the
//! debug limit is looser). Run: cargo test -p madoguchi-guide --release --test bench_10k -- --nocapture

use std::time::Instant;

use madoguchi_guide::{Guide, GuideConfig, KnowledgeBase, Source, SourceKind};

const WORDS: &[&str] = &[
    "住民票",
    "印鑑登録",
    "証明書",
    "転入",
    "転出",
    "国民健康保険",
    "児童手当",
    "保育園",
    "粗大ごみ",
    "資源",
    "収集",
    "予防接種",
    "健康診査",
    "介護保険",
    "障害者手帳",
    "生活保護",
    "区民税",
    "納付",
    "口座振替",
    "マイナンバーカード",
    "暗証番号",
    "電子申請",
    "窓口",
    "手数料",
    "本人確認書類",
    "委任状",
    "郵送",
    "受付時間",
    "地域センター",
    "避難所",
    "防災",
    "自転車",
    "駐輪場",
    "公園",
    "道路",
    "住宅",
    "助成",
    "申請",
    "届出",
    "期限",
];

fn synthetic(n: usize) -> KnowledgeBase {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut kb = KnowledgeBase::new();
    for i in 0..n {
        let mut pick = |k: usize| {
            (0..k)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect::<Vec<_>>()
        };
        let title = format!("{}の{}について教えてください", pick(1)[0], pick(1)[0]);
        let body = format!(
            "{}は{}で受け付けます。{}が必要です。手数料は{}円です。詳しくは{}へお問い合わせください。{}",
            pick(1)[0],
            pick(1)[0],
            pick(2).join("と"),
            (i % 9) * 100,
            pick(1)[0],
            pick(12).join("、")
        );
        kb.sources.push(Source {
            id: format!("syn-{i:05}"),
            kind: SourceKind::Faq,
            title,
            section: None,
            keywords: Vec::new(),
            text: body.clone(),
            answer: body,
            url: Some(format!("https://city.example/faq/{i}")),
            department: Some(format!("dept-{}", i % 20)),
            procedure_id: None,
            updated: None,
            online: None,
            vector: None,
            sentence_vectors: Vec::new(),
            title_vector: None,
        });
    }
    kb
}

#[test]
fn builds_10k_sources_in_time() {
    let kb = synthetic(10_000);
    let t = Instant::now();
    let guide = Guide::build(kb, &GuideConfig::default(), &[]).expect("build");
    let secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let a = guide.ask("粗大ごみの手数料");
    let ask_ms = t.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "10k sources: build {secs:.2} s, one question {ask_ms:.1} ms, {} candidates",
        a.candidates.len()
    );
    assert_eq!(a.candidates.len(), 10);
    let limit = if cfg!(debug_assertions) { 60.0 } else { 15.0 };
    assert!(secs <= limit, "build took {secs:.1} s");
}
