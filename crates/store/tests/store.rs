//! Storage behaviour, run on SQLite by default and on PostgreSQL in CI
//! (MADOGUCHI_TEST_DATABASE_URL=postgres://…).

use std::collections::HashSet;

use madoguchi_core::Lang;
use madoguchi_core::catalog::csv_io;
use madoguchi_core::forms::Form;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::testing::test_db;
use madoguchi_store::{
    NewApplication, SubmitError, applications, catalog, drafts, forms, sessions, uploads,
};
use serde_json::{Map, json};

fn app(key: Option<&str>, body: &str) -> NewApplication {
    NewApplication {
        procedure_id: "juminhyo-copy".into(),
        form_id: "juminhyo-copy".into(),
        form_version: 1,
        answers: json!({"copies": 1})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        computed: Map::new(),
        lang: Lang::Ja,
        channel: "api".into(),
        idempotency_key: key.map(str::to_string),
        request_hash: body.into(),
    }
}

#[tokio::test]
async fn concurrent_submissions_get_unique_sequential_receipts_and_audit_entries() {
    let t = test_db().await;
    let mut handles = Vec::new();
    for _ in 0..200 {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move { db.submit(app(None, "b")).await }));
    }
    let mut receipts = HashSet::new();
    for h in handles {
        let o = h.await.expect("join").expect("submit");
        assert!(
            t.db.secrets()
                .check_application_token(&o.id, &o.access_token)
        );
        receipts.insert(o.receipt_number);
    }
    assert_eq!(receipts.len(), 200);
    let mut seqs: Vec<i64> = receipts
        .iter()
        .map(|r| {
            r.split('-')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .expect("receipt")
        })
        .collect();
    seqs.sort();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    assert_eq!(
        applications::count(t.db.reader()).await.expect("count"),
        200
    );
    let v = audit::verify(t.db.reader()).await.expect("verify");
    assert_eq!(v.entries, 200);
    assert_eq!(v.first_broken, None);
}

#[tokio::test]
async fn idempotency_key_replays_and_conflicts() {
    let t = test_db().await;
    let first =
        t.db.submit(app(Some("key-1"), "hash-a"))
            .await
            .expect("first");
    let again =
        t.db.submit(app(Some("key-1"), "hash-a"))
            .await
            .expect("retry");
    assert_eq!(first.id, again.id);
    assert_eq!(first.receipt_number, again.receipt_number);
    assert_eq!(first.access_token, again.access_token);
    assert!(again.replayed && !first.replayed);
    let other = t.db.submit(app(Some("key-1"), "hash-b")).await;
    assert!(matches!(other, Err(SubmitError::IdempotencyConflict)));
    // The same key many times at once: one application.
    let mut handles = Vec::new();
    for _ in 0..50 {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            db.submit(app(Some("key-2"), "h")).await
        }));
    }
    let ids: HashSet<String> = futures_ids(handles).await;
    assert_eq!(ids.len(), 1);
    assert_eq!(applications::count(t.db.reader()).await.expect("count"), 2);
}

async fn futures_ids(
    handles: Vec<tokio::task::JoinHandle<Result<madoguchi_store::SubmitOutcome, SubmitError>>>,
) -> HashSet<String> {
    let mut ids = HashSet::new();
    for h in handles {
        ids.insert(h.await.expect("join").expect("submit").id);
    }
    ids
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected() {
    let t = test_db().await;
    for i in 0..5 {
        audit::append_now(
            t.db.writer(),
            &[AuditEntry::new(
                "cli",
                "test.event",
                format!("s{i}"),
                json!({"i": i}),
            )],
        )
        .await
        .expect("append");
    }
    assert_eq!(
        audit::verify(t.db.reader())
            .await
            .expect("verify")
            .first_broken,
        None
    );
    sqlx::query("UPDATE audit_log SET subject = 'forged' WHERE seq = 3")
        .execute(t.db.writer())
        .await
        .expect("tamper");
    assert_eq!(
        audit::verify(t.db.reader())
            .await
            .expect("verify")
            .first_broken,
        Some(3)
    );
    sqlx::query("UPDATE audit_log SET subject = 's2' WHERE seq = 3")
        .execute(t.db.writer())
        .await
        .expect("restore");
    sqlx::query("DELETE FROM audit_log WHERE seq = 5")
        .execute(t.db.writer())
        .await
        .expect("delete last");
    assert!(
        audit::verify(t.db.reader())
            .await
            .expect("verify")
            .first_broken
            .is_some(),
        "a removed tail is noticed through the head"
    );
}

const DEPTS: &str =
    "id,name,name_en,phone\nkoseki-jumin,戸籍住民課,Resident Records,03-5555-0001\n";
const PROCS: &str = "id,name,department,online_status,offline_reason,categories\njuminhyo-copy,住民票の写し,koseki-jumin,here,,registry\nkonin,婚姻届,koseki-jumin,offline,law,registry\n";

#[tokio::test]
async fn catalogue_round_trips_and_bumps_the_version() {
    let t = test_db().await;
    let (_, d) = csv_io::parse(DEPTS.as_bytes()).expect("departments");
    let (_, p) = csv_io::parse(PROCS.as_bytes()).expect("procedures");
    let v0 = catalog::version(t.db.reader()).await.expect("version");
    let depts: Vec<_> = d.departments.into_iter().map(|(_, d)| d).collect();
    let procs: Vec<_> = p.procedures.into_iter().map(|(_, p)| p).collect();
    catalog::upsert(&t.db, "cli", "test.csv", &depts, &procs)
        .await
        .expect("upsert");
    assert!(catalog::version(t.db.reader()).await.expect("version") > v0);
    assert_eq!(
        catalog::procedures(t.db.reader()).await.expect("read"),
        procs
    );
    assert_eq!(
        catalog::departments(t.db.reader()).await.expect("read"),
        depts
    );
    // Importing again replaces rather than duplicates.
    catalog::upsert(&t.db, "cli", "test.csv", &depts, &procs)
        .await
        .expect("again");
    assert_eq!(
        catalog::procedures(t.db.reader())
            .await
            .expect("read")
            .len(),
        2
    );
}

const FORM: &str = "id: f\nprocedure: juminhyo-copy\nversion: 1\ntitle: T\npages:\n  - id: p\n    title: P\n    fields:\n      - {key: a, type: text}\n";

#[tokio::test]
async fn form_versions_are_immutable() {
    let t = test_db().await;
    let f1 = Form::from_yaml("f.yaml", FORM).expect("form");
    assert_eq!(
        forms::publish(&t.db, "cli", &f1, "f.yaml")
            .await
            .expect("publish"),
        forms::Published::New
    );
    assert_eq!(
        forms::publish(&t.db, "cli", &f1, "f.yaml")
            .await
            .expect("same again"),
        forms::Published::Unchanged
    );
    let changed =
        Form::from_yaml("f.yaml", &FORM.replace("type: text", "type: email")).expect("form");
    assert!(
        forms::publish(&t.db, "cli", &changed, "f.yaml")
            .await
            .is_err()
    );
    let v2 = Form::from_yaml(
        "f.yaml",
        &FORM
            .replace("type: text", "type: email")
            .replace("version: 1", "version: 2"),
    )
    .expect("form");
    forms::publish(&t.db, "cli", &v2, "f.yaml")
        .await
        .expect("v2");
    let latest = forms::latest_all(t.db.reader()).await.expect("latest");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].version, 2);
    let old = forms::get(t.db.reader(), "f", 1)
        .await
        .expect("get")
        .expect("v1 kept");
    assert_eq!(old.version, 1);
}

#[tokio::test]
async fn drafts_sessions_and_resume_codes() {
    let t = test_db().await;
    let (token, s) = sessions::create(t.db.writer()).await.expect("session");
    let loaded = sessions::load(t.db.reader(), &token)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(loaded.csrf, s.csrf);
    assert!(
        sessions::load(t.db.reader(), "nope")
            .await
            .expect("load")
            .is_none()
    );
    let d = drafts::create(
        t.db.writer(),
        &s.id_hash,
        "juminhyo-copy",
        "juminhyo-copy",
        1,
    )
    .await
    .expect("draft");
    let answers = json!({"copies": 2})
        .as_object()
        .cloned()
        .unwrap_or_default();
    drafts::save_answers(t.db.writer(), &d.id, &answers)
        .await
        .expect("save");
    drafts::set_resume_code(t.db.writer(), &d.id, "ABCD-2345")
        .await
        .expect("code");
    let (_, other) = sessions::create(t.db.writer()).await.expect("session 2");
    assert!(
        !drafts::resume(t.db.writer(), &d.id, "WRONG-0000", &other.id_hash)
            .await
            .expect("resume")
    );
    assert!(
        drafts::resume(t.db.writer(), &d.id, "abcd 2345", &other.id_hash)
            .await
            .expect("resume")
    );
    let d2 = drafts::get(t.db.reader(), &d.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(d2.session_hash, other.id_hash);
    assert_eq!(d2.answers["copies"], 2);
    let up = uploads::store(
        t.db.writer(),
        &d.id,
        "doc",
        "a/b.pdf",
        "application/pdf",
        b"%PDF-1.4",
    )
    .await
    .expect("upload");
    assert_eq!(up.filename, "ab.pdf");
    assert_eq!(
        uploads::meta(t.db.reader(), &up.id)
            .await
            .expect("meta")
            .map(|m| m.size),
        Some(8)
    );
}
