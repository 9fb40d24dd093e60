//! The guide on the demo data: routing, declining, and the gold-set figures as a floor.

use std::path::PathBuf;
use std::sync::OnceLock;

use madoguchi_guide::eval::{parse_gold, run, split_halves};
use madoguchi_guide::load::load_demo;
use madoguchi_guide::{Guide, GuideConfig, Reason};

fn guide() -> &'static Guide {
    static G: OnceLock<Guide> = OnceLock::new();
    G.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
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

#[test]
fn gold_set_floor() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gold =
        parse_gold(&std::fs::read_to_string(root.join("demo/guide/gold.jsonl")).expect("gold"))
            .expect("parses");
    let (_, held_out) = split_halves(&gold);
    let (r, _) = run(guide(), &held_out);
    eprintln!("{}", r.summary());
    assert!(r.recall_at_10 >= 0.80, "Recall@10 {}", r.recall_at_10);
    assert!(r.ndcg_at_10 >= 0.70, "nDCG@10 {}", r.ndcg_at_10);
    assert!(
        r.answered_precision >= 0.90,
        "precision {}",
        r.answered_precision
    );
    assert!(
        r.abstain_out_of_scope >= 0.95,
        "out of scope {}",
        r.abstain_out_of_scope
    );
    assert!(
        r.abstain_not_in_kb >= 0.70,
        "not in kb {}",
        r.abstain_not_in_kb
    );
}
