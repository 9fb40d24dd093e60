//! The resident portal over real HTTP with a cookie-keeping client, as a browser without
//! JavaScript would use it.

mod common;

use common::{TestApp, spawn_app};

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c
        .get(app.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (
        r.status().as_u16(),
        unescape(&r.text().await.unwrap_or_default()),
    )
}

/// minijinja escapes '/' and '&' in HTML; compare with the plain text.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn browse_pages_in_both_languages() {
    let app = spawn_app().await;
    let c = app.client();
    let (s, home) = get(&c, &app, "/?lang=ja").await;
    assert_eq!(s, 200);
    assert!(home.contains("<html lang=\"ja\">") && home.contains("手続きをさがす"));
    let (_, en) = get(&c, &app, "/").await;
    assert!(
        en.contains("手続きをさがす"),
        "the language choice is remembered in a cookie"
    );
    let (_, en) = get(&c, &app, "/?lang=en").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Find a procedure"));
    let (_, results) = get(&c, &app, "/search?q=%E3%81%98%E3%82%85%E3%81%86%E3%81%BF%E3%82%93%E3%81%B2%E3%82%87%E3%81%86&lang=ja").await;
    assert!(
        results.contains("/procedures/test-apply"),
        "hiragana finds 住民票"
    );
    let (_, external) = get(&c, &app, "/procedures/mynumber-card").await;
    assert!(external.contains("https://www.kojinbango-card.go.jp/"));
    let (_, offline) = get(&c, &app, "/procedures/konin").await;
    assert!(offline.contains("法令上の制約") && offline.contains("窓口に届書を提出してください"));
    let (s, nf) = get(&c, &app, "/procedures/nope").await;
    assert_eq!(s, 404);
    assert!(nf.contains("ページが見つかりません"));
    let (s, _) = get(&c, &app, "/life-events/moving").await;
    assert_eq!(s, 200);
    let (s, _) = get(&c, &app, "/departments/test-dept").await;
    assert_eq!(s, 200);
}

/// Start, fill each page (with an error on the way), check, submit twice, read the status.
#[tokio::test(flavor = "multi_thread")]
async fn apply_from_start_to_receipt() {
    let app = spawn_app().await;
    let c = app.client();
    let _ = get(&c, &app, "/?lang=ja").await;
    let r = post(&c, &app, "/procedures/test-apply/apply", &[]).await;
    assert_eq!(r.status(), 303);
    let page1 = location(&r);
    assert!(page1.ends_with("/about"), "{page1}");
    let draft = page1.split('/').nth(2).unwrap_or_default().to_string();
    let (s, html) = get(&c, &app, &page1).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&html);
    assert!(!csrf.is_empty());

    // An impossible 和暦 date: 422, an error summary, and the typed values kept.
    let bad = [
        ("csrf", csrf.as_str()),
        ("name.family", "山田"),
        ("name.given", "太郎"),
        ("name.family_kana", "ﾔﾏﾀﾞ"),
        ("name.given_kana", "たろう"),
        ("birth.era", "平成"),
        ("birth.year", "32"),
        ("birth.month", "1"),
        ("birth.day", "1"),
        ("mynum", "1234-5678-9018"),
    ];
    let r = post(&c, &app, &page1, &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("error-summary") && html.contains("平成31年4月30日"),
        "error names the era's last day"
    );
    assert!(html.contains("value=\"山田\""), "typed values are kept");

    let mut good = bad.to_vec();
    good.retain(|(k, _)| !k.starts_with("birth"));
    good.extend([
        ("birth.era", "昭和"),
        ("birth.year", "６０"),
        ("birth.month", "4"),
        ("birth.day", "1"),
    ]);
    let r = post(&c, &app, &page1, &good).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/details"));

    // Page 2: add a family member without JavaScript, then a missing conditional field.
    let page2 = format!("/apply/{draft}/details");
    let r = post(
        &c,
        &app,
        &page2,
        &[("csrf", &csrf), ("action", "add:members")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("members.0.m_name.family")
    );
    let r = post(
        &c,
        &app,
        &page2,
        &[
            ("csrf", &csrf),
            ("action", "postal:address"),
            ("address.postal_code", "159-0001"),
        ],
    )
    .await;
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("value=\"桜ヶ丘一丁目\""),
        "postal code fills the address without JS"
    );
    let details = [
        ("csrf", csrf.as_str()),
        ("purpose", "other"),
        ("copies", "2"),
        ("members.0.m_name.family", "山田"),
        ("members.0.m_name.given", "花子"),
    ];
    let r = post(&c, &app, &page2, &details).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("使いみちの詳細を入力してください")
    );
    let mut details = details.to_vec();
    details.push(("purpose_other", "ビザの更新"));
    let r = post(&c, &app, &page2, &details).await;
    assert_eq!(r.status(), 303);

    // Declaration, then the check page with the fee and masked My Number.
    let page3 = format!("/apply/{draft}/declare");
    let r = post(&c, &app, &page3, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 422, "the declaration must be agreed");
    let r = post(&c, &app, &page3, &[("csrf", &csrf), ("agree", "true")]).await;
    assert_eq!(location(&r), format!("/apply/{draft}/check"));
    let (s, check) = get(&c, &app, &format!("/apply/{draft}/check")).await;
    assert_eq!(s, 200);
    assert!(
        check.contains("600円")
            && check.contains("********9018")
            && check.contains("昭和60年4月1日")
            && check.contains("ヤマダ タロウ")
    );
    assert!(!check.contains("123456789018"));

    // Submit twice (double click / refresh): one application.
    let r1 = post(
        &c,
        &app,
        &format!("/apply/{draft}/submit"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r1.status(), 303);
    let confirmation = location(&r1);
    let r2 = post(
        &c,
        &app,
        &format!("/apply/{draft}/submit"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(location(&r2), confirmation);
    assert_eq!(
        madoguchi_store::applications::count(app.t.db.reader())
            .await
            .unwrap_or(-1),
        1
    );
    let (s, conf) = get(&c, &app, &confirmation).await;
    assert_eq!(s, 200);
    assert!(conf.contains("申請を受け付けました"));
    let status_link = conf
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.contains("token="))
        .unwrap_or_default()
        .to_string();
    assert!(status_link.contains("token="));

    // Another browser cannot read it, except with the link.
    let other = app.client();
    assert_eq!(get(&other, &app, &confirmation).await.0, 403);
    let (s, status) = get(&other, &app, &status_link).await;
    assert_eq!(s, 200);
    assert!(status.contains("受付済み") && status.contains("ビザの更新"));
}

#[tokio::test(flavor = "multi_thread")]
async fn save_and_resume_in_another_browser_and_csrf() {
    let app = spawn_app().await;
    let c = app.client();
    let r = post(&c, &app, "/procedures/test-apply/apply", &[]).await;
    let page1 = location(&r);
    let draft = page1.split('/').nth(2).unwrap_or_default().to_string();
    let (_, html) = get(&c, &app, &page1).await;
    let csrf = csrf_of(&html);
    assert_eq!(
        post(&c, &app, &page1, &[("name.family", "山田")])
            .await
            .status(),
        403,
        "no CSRF token"
    );
    let r = post(
        &c,
        &app,
        &page1,
        &[
            ("csrf", &csrf),
            ("action", "save"),
            ("name.family", "山田"),
            ("name.given", "太郎"),
            ("name.family_kana", "ヤマダ"),
            ("name.given_kana", "タロウ"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let saved = r.text().await.unwrap_or_default();
    let code = saved
        .split("class=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(code.len(), 9, "{code}");

    let other = app.client();
    let r = post(&other, &app, &format!("/apply/{draft}/about"), &[]).await;
    assert_eq!(
        location(&r),
        format!("/resume/{draft}"),
        "another browser is sent to the resume page"
    );
    assert_eq!(
        post(
            &other,
            &app,
            &format!("/resume/{draft}"),
            &[("code", "AAAA-AAAA")]
        )
        .await
        .status(),
        422
    );
    let r = post(
        &other,
        &app,
        &format!("/resume/{draft}"),
        &[("code", &code.to_lowercase())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (s, html) = get(&other, &app, &format!("/apply/{draft}/about")).await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"タロウ\""), "saved answers come back");
}
