//! The desk on a real database: SQLite by default, PostgreSQL in CI
//! (MADOGUCHI_TEST_DATABASE_URL=postgres://…).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use madoguchi_core::catalog::csv_io;
use madoguchi_desk::kb::{import_faq, import_pages};
use madoguchi_desk::{Desk, DeskConfig, Embedder, FaqFromAnswer, HandoffRequest};
use madoguchi_store::guide as store;
use madoguchi_store::testing::{TestDb, test_db};
use madoguchi_store::{audit, catalog};

const DEPARTMENTS: &str = include_str!("../../../demo/catalog/departments.csv");
const PROCEDURES: &str = include_str!("../../../demo/catalog/procedures.csv");
const FAQ: &str = include_str!("../../../demo/guide/faq.csv");

async fn with_catalogue() -> TestDb {
    let t = test_db().await;
    let mut departments = Vec::new();
    let mut procedures = Vec::new();
    for text in [DEPARTMENTS, PROCEDURES] {
        let (_, parsed) = csv_io::parse(text.as_bytes()).expect("demo catalogue");
        departments.extend(parsed.departments.into_iter().map(|(_, d)| d));
        procedures.extend(parsed.procedures.into_iter().map(|(_, p)| p));
    }
    catalog::upsert(&t.db, "test", "demo", &departments, &procedures)
        .await
        .expect("catalogue");
    t
}

const PENGUIN: &str = "id,question,answer,department\nfaq-penguin,ペンギンを公園で散歩させてよいですか。,区立公園でペンギンを散歩させるときは、公園管理事務所に事前に届け出てください。,doro-koen\n";

#[tokio::test]
async fn faq_import_updates_by_id_and_a_bad_file_imports_nothing() {
    let t = with_catalogue().await;
    let s = import_faq(&t.db, "test", "faq.csv", FAQ.as_bytes())
        .await
        .expect("import")
        .summary;
    assert_eq!((s.inserted, s.updated, s.unchanged), (305, 0, 0));
    let changed = FAQ.replacen(
        "1通300円、コンビニ交付で1通200円",
        "1通350円、コンビニ交付で1通250円",
        1,
    );
    let s = import_faq(&t.db, "test", "faq.csv", changed.as_bytes())
        .await
        .expect("re-import")
        .summary;
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 1, 304));
    let doc = store::doc(t.db.reader(), "faq-0001")
        .await
        .expect("doc")
        .expect("exists");
    assert!(doc.data.contains("1通350円"));

    let bad = "id,question,answer,department\nfaq-new-1,質問,回答,koseki-jumin\nfaq-new-2,質問だけ,,koseki-jumin\nfaq-new-3,質問,回答,no-such-dept\n";
    let err = import_faq(&t.db, "test", "bad.csv", bad.as_bytes())
        .await
        .expect_err("bad rows");
    let msg = err.to_string();
    assert!(msg.contains("bad.csv") && msg.contains("line 3"), "{msg}");
    assert!(
        store::doc(t.db.reader(), "faq-new-1")
            .await
            .expect("doc")
            .is_none()
    );
    assert_eq!(store::docs(t.db.reader()).await.expect("docs").len(), 305);
}

/// A municipality's own FAQ export names departments by name (担当課), not by catalogue id.
/// Names are matched to the catalogue; a department it does not know is kept as written and
/// reported, and the guide still routes to it (without contact details).
#[tokio::test]
async fn faq_departments_are_matched_by_name_and_unknown_ones_kept_with_a_warning() {
    let t = with_catalogue().await;
    let csv = "id,question,answer,department\n\
        x-1,住民票の写しはどこでとれますか。,戸籍住民課の窓口でとれます。,戸籍住民課\n\
        x-2,ペンギンを公園で散歩させてよいですか。,公園管理事務所に事前に届け出てください。,ペンギン課\n\
        x-3,ペンギンの餌やりはできますか。,公園では餌やりはできません。,ペンギン課\n";
    let out = import_faq(&t.db, "test", "own.csv", csv.as_bytes())
        .await
        .expect("import");
    assert_eq!(out.summary.inserted, 3);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(
        out.warnings[0].contains("ペンギン課") && out.warnings[0].contains("x-2, x-3"),
        "{:?}",
        out.warnings
    );
    let stored = |id: &'static str| {
        let db = t.db.clone();
        async move {
            let doc = store::doc(db.reader(), id)
                .await
                .expect("doc")
                .expect("stored");
            serde_json::from_str::<madoguchi_guide::FaqEntry>(&doc.data).expect("entry")
        }
    };
    assert_eq!(
        stored("x-1").await.department.as_deref(),
        Some("koseki-jumin")
    );
    assert_eq!(
        stored("x-2").await.department.as_deref(),
        Some("ペンギン課")
    );

    let desk = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    let a = desk
        .ask("ペンギンを公園で散歩させてもいい？", "test")
        .await
        .expect("ask");
    assert_eq!(a.candidates.first().map(|c| c.id.as_str()), Some("x-2"));
    let dept = a.department.expect("routed to the FAQ's department");
    assert_eq!(
        (dept.id.as_str(), dept.name.as_str()),
        ("ペンギン課", "ペンギン課")
    );
    assert!(dept.phone.is_none());
}

#[tokio::test]
async fn the_guide_follows_the_knowledge_base_across_instances() {
    let t = with_catalogue().await;
    let one = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    let two = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    let q = "ペンギンを公園で散歩させてもいい？";
    let before = one.ask(q, "test").await.expect("ask");
    assert!(!before.answered);
    assert!(before.candidates.iter().all(|c| c.id != "faq-penguin"));
    import_faq(&t.db, "test", "penguin.csv", PENGUIN.as_bytes())
        .await
        .expect("import");
    // Both instances see the new entry once they notice the version moved.
    for desk in [&one, &two] {
        assert!(desk.refresh().await.expect("refresh"));
        let after = desk.ask(q, "test").await.expect("ask");
        assert_eq!(
            after.candidates.first().map(|c| c.id.as_str()),
            Some("faq-penguin")
        );
    }
    assert!(
        !one.refresh().await.expect("refresh"),
        "nothing changed since"
    );
}

#[tokio::test]
async fn handoff_ticket_is_redacted_and_its_answer_becomes_a_faq_entry() {
    let t = with_catalogue().await;
    let desk = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    let raw = "私は山田太郎です。電話は090-1234-5678です。ペンギンを公園で散歩させてもいいですか";
    let ticket = desk
        .handoff(&HandoffRequest {
            question: raw.into(),
            department: Some("doro-koen".into()),
            lang: Some("ja".into()),
            channel: Some("web".into()),
        })
        .await
        .expect("ticket");
    assert!(ticket.number.starts_with('G') && ticket.status == "open");
    assert_eq!(ticket.department_id.as_deref(), Some("doro-koen"));
    assert!(!ticket.question.contains("090-1234-5678") && !ticket.question.contains("山田"));
    assert!(ticket.question.contains("ペンギン"));
    let token = desk.ticket_token(&ticket);
    assert!(
        desk.ticket_for_resident(&ticket.id, &token)
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        desk.ticket_for_resident(&ticket.id, "wrong")
            .await
            .expect("get")
            .is_none()
    );

    let queue = store::tickets(
        t.db.reader(),
        &store::TicketFilter {
            status: Some("open".into()),
            department_id: Some("doro-koen".into()),
            limit: 10,
        },
    )
    .await
    .expect("queue");
    assert_eq!(queue.len(), 1);

    let answer = "区立公園でペンギンを散歩させるときは、公園管理事務所に事前に届け出てください。";
    let faq = FaqFromAnswer {
        id: None,
        question: "ペンギンを公園で散歩させてよいですか。".into(),
    };
    let done = desk
        .answer_ticket("staff:test", &ticket.number, answer, Some(&faq))
        .await
        .expect("answer")
        .expect("found");
    assert_eq!(done.status, "answered");
    let faq_id = done.faq_id.clone().expect("faq made");
    let seen = desk
        .ticket_for_resident(&ticket.id, &token)
        .await
        .expect("get")
        .expect("ticket");
    assert_eq!(seen.answer.as_deref(), Some(answer));
    assert!(desk.refresh().await.expect("refresh"));
    let a = desk
        .ask("ペンギンを公園で散歩させてもいい？", "test")
        .await
        .expect("ask");
    assert_eq!(
        a.candidates.first().map(|c| c.id.as_str()),
        Some(faq_id.as_str())
    );
    assert!(
        desk.answer_ticket("staff:test", "G1999-000001", answer, None)
            .await
            .expect("answer")
            .is_none()
    );
    let v = audit::verify(t.db.reader()).await.expect("verify");
    assert!(v.first_broken.is_none(), "{v:?}");
}

/// Personal data in questions: every kind the redactor knows, as residents type it.
const PII: &[(&str, &str)] = &[
    (
        "電話番号は090-1234-5678です。住民票はどこでとれますか",
        "090-1234-5678",
    ),
    ("〒160-0022 に住んでいます。ごみの日はいつ", "160-0022"),
    (
        "taro.yamada@example.jp に返事をください。転入届の書き方",
        "taro.yamada@example.jp",
    ),
    (
        "マイナンバーは123456789018です。カードの更新は",
        "123456789018",
    ),
    ("カード番号4111111111111111で払えますか", "4111111111111111"),
    (
        "生年月日は昭和55年4月1日です。年金の手続きは",
        "昭和55年4月1日",
    ),
    (
        "桜ヶ丘区本町3丁目12番5号に住んでます。粗大ごみは",
        "3丁目12番5号",
    ),
    ("私は佐藤花子です。児童手当の申請をしたい", "佐藤花子"),
];

#[tokio::test]
async fn logs_and_tickets_keep_no_personal_data_and_expire() {
    let t = with_catalogue().await;
    let desk = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    for (q, _) in PII {
        desk.ask(q, "test").await.expect("ask");
        desk.handoff(&HandoffRequest {
            question: q.to_string(),
            ..Default::default()
        })
        .await
        .expect("handoff");
    }
    let log = store::recent_log(t.db.reader(), 100).await.expect("log");
    assert_eq!(log.len(), PII.len());
    let tickets = store::tickets(t.db.reader(), &store::TicketFilter::default())
        .await
        .expect("tickets");
    assert_eq!(tickets.len(), PII.len());
    let stored: Vec<String> = log
        .iter()
        .map(|l| l.question.clone())
        .chain(tickets.iter().map(|t| t.question.clone()))
        .collect();
    for (_, raw) in PII {
        for s in &stored {
            assert!(!s.contains(raw), "{raw} stored in {s}");
        }
    }
    // The audit trail of handoffs holds no question text at all.
    for e in audit::recent(t.db.reader(), 100).await.expect("audit") {
        for (_, raw) in PII {
            assert!(!e.detail.to_string().contains(raw));
        }
    }
    assert_eq!(
        store::purge_expired(t.db.writer()).await.expect("purge"),
        (0, 0)
    );
    let expiring = Desk::open(
        t.db.clone(),
        DeskConfig {
            log_retention_days: 0,
            ticket_retention_days: 0,
            ..DeskConfig::default()
        },
        None,
    )
    .await
    .expect("desk");
    expiring.ask("住民票", "test").await.expect("ask");
    expiring
        .handoff(&HandoffRequest {
            question: "住民票".into(),
            ..Default::default()
        })
        .await
        .expect("handoff");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(
        store::purge_expired(t.db.writer()).await.expect("purge"),
        (1, 1)
    );
}

#[tokio::test]
async fn unanswered_questions_are_reported_by_department() {
    let t = with_catalogue().await;
    let desk = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    let asked = [
        "公園でドローンを飛ばす許可はどこでとる？",
        "公園でバーベキューしてもいい？",
        "住民票の写しがほしい",
    ];
    for q in asked {
        desk.ask(q, "test").await.expect("ask");
    }
    let report = store::unanswered_report(t.db.reader(), "2000-01-01")
        .await
        .expect("report");
    let declined: i64 = report
        .iter()
        .flat_map(|r| r.by_reason.iter())
        .map(|(_, n)| n)
        .sum();
    let log = store::recent_log(t.db.reader(), 10).await.expect("log");
    let unanswered = log
        .iter()
        .filter(|l| !l.answered && (l.reason == "not_in_kb" || l.reason == "ambiguous"))
        .count();
    assert_eq!(declined as usize, unanswered);
    assert!(unanswered >= 1, "{log:?}");
    assert!(report.iter().all(|r| r.examples.len() <= 5));
}

#[tokio::test]
async fn pages_import_from_markdown_and_html_all_or_nothing() {
    let t = with_catalogue().await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("a.md"),
        "---\nid: page-test-md\ntitle: テストのページ\n---\n# テスト\n導入文です。\n## 手続き\n窓口で申請します。\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("b.html"),
        "<html><head><title>HTMLのページ</title></head><body><h1>HTMLのページ</h1><p>本文です。</p><h2>手数料</h2><p>無料です。</p></body></html>",
    )
    .expect("write");
    let s = import_pages(&t.db, "test", dir.path())
        .await
        .expect("pages");
    assert_eq!(s.inserted, 2);
    assert!(
        store::doc(t.db.reader(), "page-b")
            .await
            .expect("doc")
            .is_some()
    );
    std::fs::write(dir.path().join("c.md"), "no front matter\n").expect("write");
    std::fs::write(
        dir.path().join("a.md"),
        "---\nid: page-test-md\ntitle: 変更\n---\n本文\n",
    )
    .expect("write");
    let msg = import_pages(&t.db, "test", dir.path())
        .await
        .expect_err("bad page")
        .to_string();
    assert!(msg.contains("c.md") && msg.contains("line 1"), "{msg}");
    let doc = store::doc(t.db.reader(), "page-test-md")
        .await
        .expect("doc")
        .expect("kept");
    assert!(
        doc.data.contains("テストのページ"),
        "the good file was not imported either"
    );
}

/// A deterministic embedder (character bigrams hashed into 64 dimensions) that counts calls:
/// the storage contract is what is under test, not the model.
struct Counting(AtomicUsize);

fn hashed(text: &str) -> Vec<f32> {
    let chars: Vec<char> = text.chars().collect();
    let mut v = vec![0.0f32; 64];
    for w in chars.windows(2) {
        let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1])) as usize % 64;
        v[h] += 1.0;
    }
    v[0] += 0.001;
    v
}

impl Embedder for Counting {
    fn model(&self) -> &str {
        "test-bigram-64"
    }
    fn embed_passage(&self, text: &str) -> Option<Vec<f32>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Some(hashed(text))
    }
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Some(hashed(text))
    }
}

#[tokio::test]
async fn vectors_are_computed_once_per_text_and_stored() {
    let t = with_catalogue().await;
    import_faq(&t.db, "test", "faq.csv", FAQ.as_bytes())
        .await
        .expect("import");
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let embedder: Arc<dyn Embedder> = counting.clone();
    let desk = Desk::open(t.db.clone(), DeskConfig::default(), Some(embedder.clone()))
        .await
        .expect("desk");
    let first = counting.0.load(Ordering::SeqCst);
    let guide = desk.guide().await;
    // Each source's passage, each of its sentences and its title, every distinct text once.
    assert_eq!(first, distinct_texts(guide.sources()));
    assert!(first > guide.sources().len());
    assert!(guide.has_dense());
    for s in guide.sources() {
        assert!(s.vector.is_some(), "{}", s.id);
        assert_eq!(
            s.title_vector.as_deref(),
            Some(hashed(&madoguchi_guide::dense::title_text(s)).as_slice()),
            "{}",
            s.id
        );
        assert_eq!(
            s.sentence_vectors.len(),
            madoguchi_guide::dense::passage_sentences(s).len(),
            "{}",
            s.id
        );
    }
    drop(guide);
    // Another instance, and a rebuild after one new entry: only the new text is embedded.
    Desk::open(t.db.clone(), DeskConfig::default(), Some(embedder.clone()))
        .await
        .expect("desk");
    assert_eq!(counting.0.load(Ordering::SeqCst), first);
    import_faq(&t.db, "test", "penguin.csv", PENGUIN.as_bytes())
        .await
        .expect("import");
    assert!(desk.refresh().await.expect("refresh"));
    let all = distinct_texts(desk.guide().await.sources());
    assert!(all > first);
    assert_eq!(counting.0.load(Ordering::SeqCst), all, "only the new texts");
    assert_eq!(
        store::vectors(t.db.reader(), "test-bigram-64")
            .await
            .expect("vectors")
            .len(),
        all
    );
}

/// How many distinct texts the sources' passages and sentences are, plus how many distinct
/// titles (embedded as questions, stored apart from the same text as a passage).
fn distinct_texts(sources: &[madoguchi_guide::Source]) -> usize {
    let mut texts = std::collections::HashSet::new();
    let mut titles = std::collections::HashSet::new();
    for s in sources {
        texts.insert(madoguchi_guide::dense::passage_text(s));
        texts.extend(madoguchi_guide::dense::passage_sentences(s));
        titles.insert(madoguchi_guide::dense::title_text(s));
    }
    texts.len() + titles.len()
}

/// The e5 model named in the configuration, as `madoguchi --config demo/guide/dense.toml` runs
/// it: every source embedded once and stored under the model's name, questions embedded at ask
/// time. Feature e5; runs only when E5_MODEL points at e5-small-q4.bin (as in .ci/run).
#[cfg(feature = "e5")]
#[tokio::test]
async fn the_configured_e5_model_embeds_the_sources_and_ranks_by_meaning() {
    let Ok(model) = std::env::var("E5_MODEL") else {
        return;
    };
    let t = with_catalogue().await;
    let config = DeskConfig {
        e5_model: Some(model.into()),
        ..DeskConfig::default()
    };
    let embedder = madoguchi_desk::embed::from_config(&config).expect("the model loads");
    // As `madoguchi guide import` does after an import: the new sources' vectors now, once.
    let e = embedder.clone().expect("a model is configured");
    let computed = madoguchi_desk::embed::embed_new_sources(&t.db, &e)
        .await
        .expect("embedded");
    assert!(computed > 0);
    let again = madoguchi_desk::embed::embed_new_sources(&t.db, &e)
        .await
        .expect("embedded");
    assert_eq!(again, 0, "stored vectors are never recomputed");
    let desk = Desk::open(t.db.clone(), config, embedder)
        .await
        .expect("desk");
    let guide = desk.guide().await;
    assert!(guide.has_dense());
    let stored = store::vectors(t.db.reader(), "multilingual-e5-small-q4")
        .await
        .expect("vectors");
    assert_eq!(stored.len(), distinct_texts(guide.sources()));
    let r = guide.retrieve("住民票の写しがほしい");
    assert_eq!(
        r.ranked.first().map(|c| c.0.as_str()),
        Some("juminhyo-copy")
    );
    // The dense signal took part: the best cosine stands well above the question's others.
    assert!(r.features.dense > 0.3, "{}", r.features.dense);
    // And the sentences: the first candidate has one near the question.
    assert!(
        r.features.sentence_first > 0.8 && r.features.sentence_top3 >= r.features.sentence_first,
        "{:?}",
        r.features
    );
    // And the titles, embedded as questions: 住民票の写しがほしい is near 住民票の写しの交付.
    assert!(
        r.features.question_first > 0.8 && r.features.question_top3 >= r.features.question_first,
        "{:?}",
        r.features
    );
}

#[tokio::test]
async fn questions_are_checked() {
    let t = with_catalogue().await;
    let desk = Desk::open(t.db.clone(), DeskConfig::default(), None)
        .await
        .expect("desk");
    assert!(desk.ask("   ", "test").await.is_err());
    assert!(desk.ask(&"あ".repeat(501), "test").await.is_err());
    assert!(desk.ask(&"あ".repeat(500), "test").await.is_ok());
}
