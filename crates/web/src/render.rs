//! Templates (minijinja, embedded, named *.html so that everything is escaped) and assets.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::Lang;
use madoguchi_core::japanese::wareki;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, State, Value};

use crate::i18n;

pub struct Templates {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("list.html", include_str!("../templates/list.html")),
    (
        "procedure.html",
        include_str!("../templates/procedure.html"),
    ),
    ("check.html", include_str!("../templates/check.html")),
    ("saved.html", include_str!("../templates/saved.html")),
    ("resume.html", include_str!("../templates/resume.html")),
    (
        "confirmation.html",
        include_str!("../templates/confirmation.html"),
    ),
    ("status.html", include_str!("../templates/status.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("guide.html", include_str!("../templates/guide.html")),
    (
        "guide_source.html",
        include_str!("../templates/guide_source.html"),
    ),
    (
        "guide_ticket.html",
        include_str!("../templates/guide_ticket.html"),
    ),
];

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("built-in template {name} is invalid: {e}"));
        }
        // The field macros are defined inside the page block so that they see its variables.
        let form_page = include_str!("../templates/form_page.html")
            .replace("{# MACROS #}", include_str!("../templates/macros.html"));
        env.add_template_owned("form_page.html", form_page)
            .unwrap_or_else(|e| panic!("built-in template form_page.html is invalid: {e}"));
        // t("key", name=value…): an interface message in the page's language.
        env.add_function(
            "t",
            |state: &State, key: &str, kwargs: Kwargs| -> Result<String, Error> {
                let lang = lang_of(state);
                let mut s = i18n::t(lang, key);
                for k in kwargs.args() {
                    let v: Value = kwargs.get(k)?;
                    s = s.replace(&format!("{{{k}}}"), &v.to_string());
                }
                Ok(s)
            },
        );
        // A {ja, en} text in the page's language.
        env.add_filter("tx", |state: &State, v: Value| -> String {
            if let Some(s) = v.as_str() {
                return s.to_string();
            }
            let lang = lang_of(state);
            let pick = |k: &str| {
                v.get_attr(k)
                    .ok()
                    .filter(|x| !x.is_undefined() && !x.is_none())
                    .map(|x| x.to_string())
            };
            match lang {
                Lang::En => pick("en").or_else(|| pick("ja")),
                Lang::Ja => pick("ja"),
            }
            .unwrap_or_default()
        });
        // An ISO date (or timestamp) as 和暦 in Japanese, day-month-year in English.
        env.add_filter("date", |state: &State, v: &str| -> String {
            let Ok(d) = chrono::NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d")
            else {
                return v.to_string();
            };
            match lang_of(state) {
                Lang::Ja => wareki::format_ja(d),
                Lang::En => wareki::format_en(d),
            }
        });
        env.add_filter("datetime", |state: &State, v: &str| -> String {
            let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) else {
                return v.to_string();
            };
            let jst = t.with_timezone(
                &chrono::FixedOffset::east_opt(9 * 3600)
                    .unwrap_or_else(|| unreachable!("valid offset")),
            );
            let d = jst.date_naive();
            match lang_of(state) {
                Lang::Ja => format!("{} {}", wareki::format_ja(d), jst.format("%H:%M")),
                Lang::En => format!("{} {} JST", wareki::format_en(d), jst.format("%H:%M")),
            }
        });
        env.add_filter("yen", |state: &State, v: i64| -> String {
            madoguchi_core::forms::validate::format_computed(
                madoguchi_core::forms::definition::ComputedFormat::Yen,
                v,
                lang_of(state),
            )
        });
        Templates { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

/// Renders a page; a template error is logged and becomes a plain 500 page.
pub fn page(templates: &Templates, status: StatusCode, name: &str, ctx: Value) -> Response {
    match templates.render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><title>Error</title><p>ただいま処理できません / Service error</p>")).into_response()
        }
    }
}

const STYLE: &str = include_str!("../assets/style.css");
const SCRIPT: &str = include_str!("../assets/app.js");
const KIOSK: &str = include_str!("../assets/kiosk.js");

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "style.css" => (STYLE, "text/css; charset=utf-8"),
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "kiosk.js" => (KIOSK, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
