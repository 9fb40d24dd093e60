//! Evaluating the guide on a municipality's own FAQ, as an outside evaluator would: a fresh
//! database without the demo, `guide import` of a FAQ export whose 担当課 column holds names,
//! then `guide eval --json` on a gold set that uses the file's ids.

use std::process::{Command, Output};

fn madoguchi(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(args)
        .env("MADOGUCHI_DATA_DIR", dir.join("data"))
        .env_remove("MADOGUCHI_DATABASE_URL")
        .env_remove("MADOGUCHI_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run madoguchi: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const FAQ: &str = "\u{feff}id,question,answer,department\n\
101,住民票の写しはどこでとれますか。,住民票の写しは区民課の窓口、またはコンビニエンスストアのマルチコピー機でとれます。,区民課\n\
102,粗大ごみはどうやって出しますか。,粗大ごみは事前に粗大ごみ受付センターへ申し込み、処理券を貼って出してください。,清掃事務所\n\
103,犬を飼い始めたら何をすればいいですか。,生後91日以上の犬は、飼い始めてから30日以内に登録し、毎年狂犬病の予防注射を受けさせてください。,生活衛生課\n\
104,児童手当はいつ振り込まれますか。,児童手当は偶数月に、前月分までの2か月分を指定の口座に振り込みます。,子育て支援課\n";

const GOLD: &str = r#"{"question": "じゅうみんひょう どこでもらえる", "expected": ["101"], "department": "区民課"}
{"question": "ソファ捨てたいんだけど", "expected": ["102"], "department": "清掃事務所"}
{"question": "子犬飼った、届けいる？", "expected": ["103"]}
{"question": "児童手当 振込日", "expected": ["faq-104"]}
{"question": "明日の天気は？", "decline": "out_of_scope"}
"#;

/// A fresh data directory with FAQ and GOLD written to it and the FAQ imported; the import's
/// output and the gold file's path.
fn imported_faq() -> (tempfile::TempDir, Output, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let faq = dir.path().join("faq.csv");
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(&faq, FAQ).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&gold, GOLD).unwrap_or_else(|e| panic!("{e}"));
    let out = madoguchi(dir.path(), &["guide", "import", &faq.to_string_lossy()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, out, gold)
}

#[test]
fn a_fresh_database_takes_a_municipal_faq_and_evaluates_it() {
    let (dir, out, gold) = imported_faq();
    assert!(text(&out.stdout).contains("4 new"), "{}", text(&out.stdout));
    // No catalogue in a fresh database: the departments are taken as written, no warning.
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );

    let dump = dir.path().join("outcomes.jsonl");
    let out = madoguchi(
        dir.path(),
        &[
            "guide",
            "eval",
            "--json",
            "--dump",
            &dump.to_string_lossy(),
            &gold.to_string_lossy(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The gold set's misspelt id is reported instead of silently counted as a miss.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 expected ids are not in the knowledge base")
            && stderr.contains("faq-104"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(report["answerable"], 4);
    assert_eq!(report["out_of_scope"], 1);
    assert_eq!(report["abstain_out_of_scope"], 1.0);
    // Departments are judged only where the gold item names one, by name here.
    assert_eq!(report["departments_judged"], 2);
    assert_eq!(report["department_accuracy"], 1.0, "{report}");
    assert!(
        report["hit_at_5"].as_f64().is_some_and(|h| h >= 0.5),
        "{report}"
    );
    let lines = std::fs::read_to_string(&dump).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lines.lines().count(), 5);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first["answer"]["candidates"][0]["id"], "101", "{first}");
    // Only the imported file is searched: the demo municipality was not loaded behind it.
    for line in lines.lines() {
        let o: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
        let ids = o["answer"]["candidates"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            ids.iter()
                .all(|c| ["101", "102", "103", "104"].contains(&c["id"].as_str().unwrap_or(""))),
            "{o}"
        );
    }
}

fn guide_fit(dir: &std::path::Path, gold: &std::path::Path, out: &std::path::Path) -> Output {
    madoguchi(
        dir,
        &[
            "guide",
            "fit",
            &gold.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ],
    )
}

#[test]
fn guide_fit_refuses_a_gold_set_too_small_to_fit_on() {
    let (dir, _, gold) = imported_faq();
    let fitted = dir.path().join("fitted.toml");
    let out = guide_fit(dir.path(), &gold, &fitted);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("fitting needs at least 60"),
        "{}",
        text(&out.stderr)
    );
    assert!(!fitted.exists());
}

/// `guide fit` writes the decision it fitted, and the guide run with that file makes exactly
/// the decisions `fit` reported.
#[test]
fn guide_fit_writes_the_decision_that_eval_then_reproduces() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let demo_gold =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/guide/gold.jsonl");
    let all = std::fs::read_to_string(demo_gold).unwrap_or_else(|e| panic!("{e}"));
    // 160 lines: 14 of them to decline as not in the knowledge base.
    let lines: Vec<&str> = all.lines().take(160).collect();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(&gold, lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    let fitted = dir.path().join("fitted.toml");
    // An empty database: the demo municipality is loaded and fitted on.
    let out = guide_fit(dir.path(), &gold, &fitted);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("measured on the odd lines"), "{stdout}");
    // Both feature sets are fitted on the even lines and compared on the odd ones.
    assert!(
        stdout.contains("the five base features, fitted on the even lines")
            && stdout.contains("all features, fitted on the even lines"),
        "{stdout}"
    );
    // The configured decision is measured on the same lines, for comparison.
    assert!(
        stdout.contains("the configured decision, on the odd lines"),
        "{stdout}"
    );
    let config: toml::Table = text(&std::fs::read(&fitted).unwrap_or_else(|e| panic!("{e}")))
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let threshold = config["guide"]["engine"]["answer_threshold"]
        .as_float()
        .unwrap_or_else(|| panic!("no answer_threshold in {config}"));
    assert!((0.0..=1.0).contains(&threshold));
    // The in-sample coverage `fit` printed last is what eval gets with the written file.
    let printed = stdout
        .rsplit("coverage ")
        .next()
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_string();
    let out = madoguchi(
        dir.path(),
        &[
            "--config",
            &fitted.to_string_lossy(),
            "guide",
            "eval",
            "--json",
            &gold.to_string_lossy(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let coverage = report["coverage"]
        .as_f64()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(format!("{coverage:.3}"), printed);
}
