//! The information desk keeps no personal data: the real binary is run with debug logging,
//! residents' questions full of personal data go through every channel (API, pages, handoff),
//! and then the server's whole output and the database files are scanned for them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// (what a resident typed, the personal datum that must not be kept anywhere).
const QUESTIONS: &[(&str, &str)] = &[
    (
        "電話番号は090-1234-5678です。住民票はどこでとれますか",
        "090-1234-5678",
    ),
    ("〒160-0022 に住んでいます。ごみの日はいつ", "160-0022"),
    (
        "hanako.sato@example.jp に返事をください。転入届の書き方",
        "hanako.sato@example.jp",
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
    ("山本一郎様の申請はどうなっていますか", "山本一郎"),
];

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path) -> Server {
    let log = std::fs::File::create(dir.join("stderr.log")).unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("MADOGUCHI_DATA_DIR", dir.join("data"))
        .env("MADOGUCHI_LOG", "debug")
        .env_remove("MADOGUCHI_DATABASE_URL")
        .env_remove("MADOGUCHI_CONFIG")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start madoguchi: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(l)) => {
                if let Some(url) = l.strip_prefix("madoguchi listening on ") {
                    break url.trim().to_string();
                }
            }
            _ => panic!(
                "the server did not start; see {}",
                dir.join("stderr.log").display()
            ),
        }
    };
    // Keep draining stdout into a file so the scan sees it too.
    let out = dir.join("stdout.log");
    std::thread::spawn(move || {
        let text: Vec<String> = lines.map_while(Result::ok).collect();
        let _ = std::fs::write(out, text.join("\n"));
    });
    Server { child, base }
}

#[tokio::test]
async fn no_channel_keeps_or_logs_personal_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = start(dir.path());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let url = |p: &str| format!("{}{p}", server.base);
    for (q, _) in QUESTIONS {
        let r = client
            .post(url("/api/v1/guide/ask"))
            .header("content-type", "application/json")
            .body(serde_json::json!({"question": q}).to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 200);
        let r = client
            .post(url("/guide"))
            .form(&[("q", q)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 200);
        let r = client
            .post(url("/guide/handoff"))
            .form(&[("question", q)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 303);
        let r = client
            .post(url("/api/v1/guide/handoff"))
            .header("content-type", "application/json")
            .body(serde_json::json!({"question": q, "channel": "phone"}).to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status().as_u16(), 201);
    }
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut scanned = Vec::new();
    for name in [
        "stderr.log",
        "stdout.log",
        "data/madoguchi.db",
        "data/madoguchi.db-wal",
    ] {
        let path = dir.path().join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for (_, raw) in QUESTIONS {
            let needle = raw.as_bytes();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{raw} found in {name}"
            );
        }
        scanned.push((name, bytes.len()));
    }
    assert!(
        scanned
            .iter()
            .any(|(n, len)| n.starts_with("data/") && *len > 0),
        "the database was scanned: {scanned:?}"
    );
    assert!(
        scanned
            .iter()
            .any(|(n, len)| *n == "stderr.log" && *len > 0),
        "the debug log was scanned: {scanned:?}"
    );
}
