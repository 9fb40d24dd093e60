//! The resident portal: server-rendered pages that work without JavaScript.

mod apply;
mod browse;
mod guide;
mod status;
pub mod view;

pub use apply::today_jst;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use madoguchi_core::Lang;
use madoguchi_store::sessions::{self, Session};
use minijinja::Value;
use serde::Serialize;

use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(browse::home))
        .route("/search", get(browse::search))
        .route("/life-events/{code}", get(browse::life_event))
        .route("/departments/{id}", get(browse::department))
        .route("/procedures/{id}", get(browse::procedure))
        .route("/procedures/{id}/apply", post(apply::start))
        .route("/apply/{draft}", get(apply::resume_draft))
        .route("/apply/{draft}/check", get(apply::check))
        .route("/apply/{draft}/submit", post(apply::submit))
        .route(
            "/apply/{draft}/{page}",
            get(apply::show_page).post(apply::post_page),
        )
        .route(
            "/resume/{draft}",
            get(apply::resume_form).post(apply::resume_post),
        )
        .route("/applications/{id}", get(status::status))
        .route("/applications/{id}/confirmation", get(status::confirmation))
        .route("/guide", get(guide::ask).post(guide::ask_post))
        .route("/guide/kiosk", get(guide::kiosk).post(guide::kiosk_post))
        .route("/guide/sources/{id}", get(guide::source))
        .route("/guide/handoff", post(guide::handoff))
        .route("/guide/tickets/{id}", get(guide::ticket))
}

pub const SESSION_COOKIE: &str = "madoguchi_session";
const LANG_COOKIE: &str = "lang";

/// What every portal page needs from the request: language, path, cookies, same-origin check.
pub struct Req {
    pub lang: Lang,
    /// Path and query without `lang=`, for the language switch link.
    pub path: String,
    pub session_token: Option<String>,
    /// `?lang=` was given: remember it in a cookie.
    pub set_lang: bool,
    /// False when the Origin or Sec-Fetch-Site header says the request came from elsewhere.
    pub same_origin: bool,
    pub host: String,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Req, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let from_query = pairs
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(v));
        let from_cookie = cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v));
        let from_header = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .map(|p| p.split(';').next().unwrap_or(""))
                    .find_map(Lang::parse)
            });
        let lang = from_query
            .or(from_cookie)
            .or(from_header)
            .unwrap_or_default();
        let rest: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "lang").collect();
        let path = if rest.is_empty() {
            parts.uri.path().to_string()
        } else {
            format!(
                "{}?{}",
                parts.uri.path(),
                serde_urlencoded::to_string(&rest).unwrap_or_default()
            )
        };
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        let origin_ok = match parts
            .headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
        {
            None | Some("null") => true,
            Some(o) => o.split("://").nth(1).is_some_and(|h| h == host),
        };
        let fetch_site_ok = !matches!(
            parts
                .headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok()),
            Some("cross-site")
        );
        Ok(Req {
            lang,
            path,
            session_token: cookie(&parts.headers, SESSION_COOKIE),
            set_lang: from_query.is_some(),
            same_origin: origin_ok && fetch_site_ok,
            host,
        })
    }
}

impl Req {
    /// The base context of every page.
    pub fn ctx(&self, state: &AppState, extra: impl Serialize) -> Value {
        let base = minijinja::context! {
            lang => self.lang.code(),
            path => self.path.clone(),
            municipality => self.lang.pick(&state.config.municipality, &state.config.municipality_en),
        };
        minijinja::context! { ..base, ..Value::from(minijinja::value::Serde(extra)) }
    }

    /// Adds the language cookie when the resident just chose a language.
    pub fn finish(&self, mut resp: Response) -> Response {
        if self.set_lang
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                self.lang.code()
            ))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp
    }

    pub fn render(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        extra: impl Serialize,
    ) -> Response {
        self.finish(page(
            &state.templates,
            status,
            template,
            self.ctx(state, extra),
        ))
    }
}

/// The resident's session, if the cookie names a live one.
pub async fn current_session(state: &AppState, req: &Req) -> Result<Option<Session>, PortalError> {
    match &req.session_token {
        Some(token) => Ok(sessions::load(state.db.reader(), token).await?),
        None => Ok(None),
    }
}

/// The session, created if needed; the cookie to set comes back with a new one.
pub async fn ensure_session(
    state: &AppState,
    req: &Req,
) -> Result<(Session, Option<HeaderValue>), PortalError> {
    if let Some(s) = current_session(state, req).await? {
        return Ok((s, None));
    }
    let (token, s) = sessions::create(state.db.writer()).await?;
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|_| PortalError::internal())?;
    Ok((s, Some(cookie)))
}

/// A page-level failure, rendered as a page in the resident's language.
#[derive(Debug)]
pub struct PortalError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: Option<String>,
}

impl PortalError {
    pub fn not_found() -> Self {
        PortalError {
            status: StatusCode::NOT_FOUND,
            kind: "not_found",
            detail: None,
        }
    }
    pub fn forbidden() -> Self {
        PortalError {
            status: StatusCode::FORBIDDEN,
            kind: "forbidden",
            detail: None,
        }
    }
    pub fn expired() -> Self {
        PortalError {
            status: StatusCode::FORBIDDEN,
            kind: "expired",
            detail: None,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        PortalError {
            status: StatusCode::BAD_REQUEST,
            kind: "bad_request",
            detail: Some(detail.into()),
        }
    }
    pub fn internal() -> Self {
        PortalError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "internal",
            detail: None,
        }
    }

    pub fn render(&self, state: &AppState, req: &Req) -> Response {
        let title = t(req.lang, &format!("error.{}.title", self.kind));
        let body = self
            .detail
            .clone()
            .unwrap_or_else(|| t(req.lang, &format!("error.{}.body", self.kind)));
        req.render(
            state,
            self.status,
            "error.html",
            minijinja::context! { title, body },
        )
    }
}

impl From<madoguchi_store::StoreError> for PortalError {
    fn from(e: madoguchi_store::StoreError) -> Self {
        tracing::error!(error = %e, "storage failed while serving a page");
        PortalError::internal()
    }
}

/// Handlers return this: a page, or an error page.
pub type PageResult = Result<Response, PortalError>;

/// Renders the error of a handler in the resident's language.
pub fn respond(state: &AppState, req: &Req, r: PageResult) -> Response {
    match r {
        Ok(resp) => req.finish(resp),
        Err(e) => e.render(state, req),
    }
}

pub async fn not_found(State(state): State<AppState>, req: Req) -> Response {
    PortalError::not_found().render(&state, &req)
}

/// Adds the session cookie of a session created for this response.
pub fn with_cookie(mut resp: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
