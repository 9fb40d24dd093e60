//! Spawns the real application on a random port with a fresh database (SQLite, or PostgreSQL
//! when MADOGUCHI_TEST_DATABASE_URL is set) and the fixture catalogue.

use madoguchi_core::catalog::csv_io;
use madoguchi_core::forms::Form;
use madoguchi_store::postal::{PostalEntry, replace_all};
use madoguchi_store::testing::{TestDb, test_db};
use madoguchi_store::{catalog, forms};
use madoguchi_web::{AppState, WebConfig, router};

pub struct TestApp {
    pub base: String,
    #[allow(dead_code)]
    pub t: TestDb,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"))
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebConfig {
        max_json_bytes: 16 * 1024,
        ..WebConfig::default()
    })
    .await
}

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef-0123";

/// The application with the staff API enabled (administrator token [`ADMIN_TOKEN`]).
#[allow(dead_code)]
pub async fn spawn_app_with_admin() -> TestApp {
    spawn_app_with(WebConfig {
        max_json_bytes: 16 * 1024,
        admin_token: Some(ADMIN_TOKEN.into()),
        ..WebConfig::default()
    })
    .await
}

pub async fn spawn_app_with(config: WebConfig) -> TestApp {
    let t = test_db().await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let read = |name: &str| {
        std::fs::read(format!("{fixtures}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (_, d) = csv_io::parse(&read("departments.csv")).unwrap_or_else(|e| panic!("{e}"));
    let (_, p) = csv_io::parse(&read("procedures.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        d.errors.is_empty() && p.errors.is_empty(),
        "{:?} {:?}",
        d.errors,
        p.errors
    );
    let depts: Vec<_> = d.departments.into_iter().map(|(_, d)| d).collect();
    let procs: Vec<_> = p.procedures.into_iter().map(|(_, p)| p).collect();
    catalog::upsert(&t.db, "test", "fixtures", &depts, &procs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let form = Form::from_yaml(
        "test-form.yaml",
        &String::from_utf8_lossy(&read("test-form.yaml")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    forms::publish(&t.db, "test", &form, "test-form.yaml")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let entry = |code: &str, town: &str| PostalEntry {
        code: code.into(),
        prefecture: "東京都".into(),
        city: "桜ヶ丘区".into(),
        town: town.into(),
    };
    replace_all(t.db.writer(), &[entry("1590001", "桜ヶ丘一丁目")])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let state = AppState::new(t.db.clone(), config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    TestApp {
        base: format!("http://{addr}"),
        t,
    }
}
