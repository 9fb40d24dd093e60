//! The JSON API over real HTTP, on SQLite or PostgreSQL.

mod common;

use common::spawn_app;
use serde_json::{Value, json};

fn answers() -> Value {
    json!({
        "name": {"family": "山田", "given": "太郎", "family_kana": "やまだ", "given_kana": "たろう"},
        "birth": "昭和60年4月1日",
        "mynum": "1234 5678 9018",
        "purpose": "work",
        "copies": 2,
        "members": [{"m_name": {"family": "山田", "given": "花子"}}],
        "agree": true
    })
}

async fn post_json(app: &common::TestApp, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client()
        .post(app.url("/api/v1/applications"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_read_status_and_idempotency() {
    let app = spawn_app().await;
    let body = json!({"procedure_id": "test-apply", "answers": answers()});
    let r = post_json(&app, &body, Some("k-1")).await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("location").is_some());
    let created: Value = r.json().await.unwrap_or_default();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let token = created["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        created["receipt_number"]
            .as_str()
            .is_some_and(|r| r.len() >= 11)
    );
    assert_eq!(created["status"], "received");

    // The same request again: the same application, marked as a replay.
    let again = post_json(&app, &body, Some("k-1")).await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.unwrap_or_default();
    assert_eq!(again["id"], created["id"]);
    assert_eq!(again["access_token"], created["access_token"]);
    // The same key with another body is refused.
    let mut changed = answers();
    changed["copies"] = json!(3);
    let other = json!({"procedure_id": "test-apply", "answers": changed});
    assert_eq!(post_json(&app, &other, Some("k-1")).await.status(), 409);

    let status = app
        .client()
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.status(), 200);
    let s: Value = status.json().await.unwrap_or_default();
    assert_eq!(s["computed"]["fee"], 600);
    assert_eq!(s["answers"]["mynum"], json!(["********9018"]));
    assert!(
        !s.to_string().contains("123456789018"),
        "My Number never comes back"
    );
    assert_eq!(s["answers"]["birth"], json!(["昭和60年4月1日"]));
    let wrong = app
        .client()
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wrong.status(), 404);
    let none = app
        .client()
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(none.status(), 401);

    // The My Number is stored sealed, and the audit log holds the submissions.
    let stored = madoguchi_store::applications::get(app.t.db.reader(), &id)
        .await
        .unwrap_or_default()
        .unwrap_or_else(|| panic!("stored"));
    let raw = serde_json::to_string(&stored.answers).unwrap_or_default();
    assert!(
        !raw.contains("123456789018") && raw.contains("sealed"),
        "{raw}"
    );
    let v = madoguchi_store::audit::verify(app.t.db.reader())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.first_broken, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_4xx() {
    let app = spawn_app().await;
    let c = app.client();
    let send = |body: Vec<u8>, ct: &'static str| {
        let c = c.clone();
        let url = app.url("/api/v1/applications");
        async move {
            c.post(url)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let r = send(b"{not json".to_vec(), "application/json").await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap_or_default();
    assert_eq!(e["error"]["code"], "malformed_json");
    assert_eq!(
        send(b"{\"procedure_id\": \"test-apply\"}".to_vec(), "text/plain")
            .await
            .status(),
        415
    );
    assert_eq!(
        send(vec![0xff, 0xfe, 0x00], "application/json")
            .await
            .status(),
        400
    );
    assert_eq!(
        send(
            format!(
                "{{\"procedure_id\":\"test-apply\",\"answers\":{{\"purpose_other\":\"{}\"}}}}",
                "あ".repeat(20_000)
            )
            .into_bytes(),
            "application/json"
        )
        .await
        .status(),
        413
    );
    assert_eq!(send(b"[]".to_vec(), "application/json").await.status(), 400);
    assert_eq!(
        send(
            br#"{"procedure_id":"test-apply","answers":{},"extra":1}"#.to_vec(),
            "application/json"
        )
        .await
        .status(),
        400
    );
    let r = send(
        br#"{"procedure_id":"nope","answers":{}}"#.to_vec(),
        "application/json",
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = send(
        br#"{"procedure_id":"konin","answers":{}}"#.to_vec(),
        "application/json",
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap_or_default();
    assert_eq!(e["error"]["code"], "not_online_here");

    let mut bad = answers();
    bad["birth"] = json!("平成32年1月1日");
    bad["mynum"] = json!("123456789012");
    bad["copies"] = json!(0);
    bad["unknown"] = json!("x");
    let r = post_json(
        &app,
        &json!({"procedure_id": "test-apply", "answers": bad, "lang": "ja"}),
        None,
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap_or_default();
    let fields: Vec<&str> = e["error"]["details"]
        .as_array()
        .map(|d| d.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    for f in ["birth", "mynum", "copies", "unknown"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let msg = e["error"]["details"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["field"] == "birth"))
        .map(|x| x["message"].to_string())
        .unwrap_or_default();
    assert!(msg.contains("平成31年4月30日"), "{msg}");
    // Nothing was stored by any of these.
    assert_eq!(
        madoguchi_store::applications::count(app.t.db.reader())
            .await
            .unwrap_or(-1),
        0
    );
    // Unknown API path and bad postal code.
    assert_eq!(
        c.get(app.url("/api/v1/nothing"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        404
    );
    assert_eq!(
        c.get(app.url("/api/v1/postal-codes/12"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        400
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn catalogue_search_and_uploads() {
    let app = spawn_app().await;
    let c = app.client();
    let get = |path: &str| {
        let c = c.clone();
        let url = app.url(path);
        async move {
            let r = c.get(url).send().await.unwrap_or_else(|e| panic!("{e}"));
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or_default(),
            )
        }
    };
    let (s, list) = get("/api/v1/procedures?q=%EF%BD%BC%EF%BE%9E%EF%BD%AD%EF%BD%B3%EF%BE%90%EF%BE%9D%EF%BE%8B%EF%BD%AE%EF%BD%B3").await;
    assert_eq!(s, 200);
    assert_eq!(
        list["items"][0]["id"], "test-apply",
        "half-width kana finds 住民票: {list}"
    );
    let (_, list) = get("/api/v1/procedures?online_status=offline").await;
    assert_eq!(list["total"], 1);
    let (s, p) = get("/api/v1/procedures/test-apply").await;
    assert_eq!(s, 200);
    assert_eq!(p["form"]["pages"][0]["fields"][0]["type"], "name");
    assert_eq!(p["department"]["id"], "test-dept");
    assert_eq!(get("/api/v1/procedures/zzz").await.0, 404);
    let (_, stats) = get("/api/v1/catalog/stats").await;
    assert_eq!(stats["overall"]["total"], 3);
    assert_eq!(stats["overall"]["offline_by_law"], 1);
    let (_, postal) = get("/api/v1/postal-codes/159-0001").await;
    assert_eq!(postal["addresses"][0]["town"], "桜ヶ丘一丁目");
    let (s, spec) = get("/openapi.json").await;
    assert_eq!(s, 200);
    for path in [
        "/api/v1/procedures",
        "/api/v1/procedures/{id}",
        "/api/v1/applications",
        "/api/v1/applications/{id}",
        "/api/v1/uploads",
        "/api/v1/postal-codes/{code}",
        "/api/v1/catalog/stats",
        "/api/v1/departments",
        "/api/v1/guide/ask",
        "/api/v1/guide/handoff",
        "/api/v1/guide/tickets/{id}",
        "/api/v1/admin/guide/tickets",
        "/api/v1/admin/guide/tickets/{id}/answer",
        "/api/v1/admin/guide/faq/{id}",
        "/api/v1/admin/guide/report",
        "/healthz",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }

    // Upload, then reference it; a file that lies about its type is refused.
    let up = c
        .post(app.url("/api/v1/uploads?filename=a.pdf"))
        .header("content-type", "application/pdf")
        .body(b"%PDF-1.4 test".to_vec())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(up.status(), 201);
    let up: Value = up.json().await.unwrap_or_default();
    let lie = c
        .post(app.url("/api/v1/uploads"))
        .header("content-type", "application/pdf")
        .body(b"GIF89a....".to_vec())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lie.status(), 415);
    let mut a = answers();
    a["doc"] = up["id"].clone();
    assert_eq!(
        post_json(
            &app,
            &json!({"procedure_id": "test-apply", "answers": a}),
            None
        )
        .await
        .status(),
        201
    );
    let mut a = answers();
    a["doc"] = json!("0123456789abcdef0123456789abcdef");
    assert_eq!(
        post_json(
            &app,
            &json!({"procedure_id": "test-apply", "answers": a}),
            None
        )
        .await
        .status(),
        422
    );
    assert_eq!(get("/healthz").await.0, 200);
}
