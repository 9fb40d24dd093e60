//! Applying online: start, one page at a time, save and resume, check your answers, submit.
//! Drafts live in the database, tied to the session; the draft id is the idempotency key of
//! the submission, so a refresh or a double click never makes two applications.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use madoguchi_core::catalog::OnlineStatus;
use madoguchi_core::forms::definition::FileType;
use madoguchi_core::forms::validate::{
    DEFAULT_FILE_MAX_KB, compute, format_computed, page_visible, seal_my_numbers, validate_all,
    validate_page,
};
use madoguchi_core::forms::{ErrorCode, Field, FieldError, FieldKind, Form, Page};
use madoguchi_store::drafts::{self, DRAFT_DAYS, Draft};
use madoguchi_store::sessions::{self, Session};
use madoguchi_store::{NewApplication, SubmitError, forms, postal, uploads};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::view::{display_values, nest, summary_sections, tidy_raw};
use super::{
    PageResult, PortalError, Req, current_session, ensure_session, redirect, respond, with_cookie,
};
use crate::i18n::t;
use crate::state::AppState;

pub fn today_jst() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

pub async fn start(
    State(state): State<AppState>,
    req: Req,
    Path(procedure_id): Path<String>,
) -> Response {
    let r = async {
        if !req.same_origin {
            return Err(PortalError::forbidden());
        }
        let snap = state.catalog.get().await;
        let p = snap
            .procedure(&procedure_id)
            .ok_or_else(PortalError::not_found)?;
        let form = match p.online {
            OnlineStatus::Here => snap.form_for(&p.id).ok_or_else(PortalError::not_found)?,
            _ => return Err(PortalError::not_found()),
        };
        let (session, cookie) = ensure_session(&state, &req).await?;
        let draft = drafts::create(
            state.db.writer(),
            &session.id_hash,
            &p.id,
            &form.id,
            form.version,
        )
        .await?;
        let first = form
            .pages
            .first()
            .map(|pg| pg.id.clone())
            .unwrap_or_default();
        Ok(with_cookie(
            redirect(&format!("/apply/{}/{first}", draft.id)),
            cookie,
        ))
    }
    .await;
    respond(&state, &req, r)
}

/// The session, its draft and the form version the draft was started with, or where to go.
async fn load(
    state: &AppState,
    req: &Req,
    draft_id: &str,
) -> Result<(Session, Draft, Arc<Form>), Response> {
    let fail = |e: PortalError| e.render(state, req);
    let draft = drafts::get(state.db.reader(), draft_id)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(PortalError::not_found()))?;
    let session = current_session(state, req).await.map_err(fail)?;
    let Some(session) = session.filter(|s| s.id_hash == draft.session_hash) else {
        return Err(redirect(&format!("/resume/{draft_id}")));
    };
    if let Some(app) = &draft.application_id {
        return Err(redirect(&format!("/applications/{app}/confirmation")));
    }
    let form = forms::get(state.db.reader(), &draft.form_id, draft.form_version)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(PortalError::not_found()))?;
    Ok((session, draft, Arc::new(form)))
}

fn visible_pages<'a>(form: &'a Form, answers: &Map<String, Value>) -> Vec<&'a Page> {
    form.pages
        .iter()
        .filter(|p| page_visible(p, answers))
        .collect()
}

pub async fn resume_draft(
    State(state): State<AppState>,
    req: Req,
    Path(draft_id): Path<String>,
) -> Response {
    match load(&state, &req, &draft_id).await {
        Ok((_, draft, form)) => {
            let first = visible_pages(&form, &draft.answers)
                .first()
                .map(|p| p.id.clone())
                .unwrap_or_default();
            redirect(&format!("/apply/{draft_id}/{first}"))
        }
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// Field keys read by a condition that are on `page` (then the field is shown and the server
/// decides on submit) — others are decided now from the saved answers.
fn depends_on_page(f: &Field, page: &Page) -> bool {
    let mut refs = Vec::new();
    if let Some(c) = &f.visible_if {
        c.references("", &mut refs);
    }
    refs.iter().any(|(k, _)| page.fields.iter().any(|pf| &pf.key == k || matches!(&pf.kind, FieldKind::Group { fields, .. } if fields.iter().any(|s| &s.key == k))))
}

struct PageView<'a> {
    form: &'a Form,
    page: &'a Page,
    draft: &'a Draft,
    csrf: &'a str,
    values: Map<String, Value>,
    errors: Vec<FieldError>,
    notices: HashMap<String, String>,
    return_to_check: bool,
}

async fn render_page(
    state: &AppState,
    req: &Req,
    mut v: PageView<'_>,
    status: StatusCode,
) -> Response {
    // A group that needs entries starts with that many empty ones, so nobody has to press "add" first.
    for f in &v.page.fields {
        if let FieldKind::Group { min_items, .. } = &f.kind
            && !v.values.contains_key(&f.key)
        {
            let n = min_items
                .unwrap_or(usize::from(f.required))
                .max(usize::from(f.required));
            v.values
                .insert(f.key.clone(), Value::Array(vec![json!({}); n]));
        }
    }
    let answers = &v.draft.answers;
    let visible: HashMap<&str, bool> = v
        .page
        .fields
        .iter()
        .map(|f| {
            (
                f.key.as_str(),
                depends_on_page(f, v.page)
                    || f.visible_if.as_ref().is_none_or(|c| c.holds(&[answers])),
            )
        })
        .collect();
    let mut item_visible: HashMap<String, bool> = HashMap::new();
    for f in &v.page.fields {
        if let FieldKind::Group { fields, .. } = &f.kind {
            let count = v
                .values
                .get(&f.key)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for i in 0..count {
                for sf in fields {
                    let shown = depends_on_page(sf, v.page)
                        || sf.visible_if.as_ref().is_none_or(|c| c.holds(&[answers]));
                    item_visible.insert(format!("{}.{i}.{}", f.key, sf.key), shown);
                }
            }
        }
    }
    let mut file_names: HashMap<String, String> = HashMap::new();
    collect_file_ids(&v.values, &mut |id| {
        file_names.insert(id.to_string(), String::new());
    });
    for (id, name) in file_names.iter_mut() {
        if let Ok(Some(m)) = uploads::meta(state.db.reader(), id).await {
            *name = m.filename;
        }
    }
    let pages = visible_pages(v.form, answers);
    let step = pages
        .iter()
        .position(|p| p.id == v.page.id)
        .map_or(1, |i| i + 1);
    let back_url = match pages.iter().position(|p| p.id == v.page.id) {
        Some(i) if i > 0 => format!("/apply/{}/{}", v.draft.id, pages[i - 1].id),
        _ => format!("/procedures/{}", v.draft.procedure_id),
    };
    // Questions that depend on an answer on this same page: shown with a hint, hidden by JS.
    let mut dynamic: HashMap<String, Value> = HashMap::new();
    for f in &v.page.fields {
        if depends_on_page(f, v.page) {
            dynamic.insert(f.key.clone(), dynamic_entry(f, v.page, &[], req.lang));
        }
        if let FieldKind::Group { fields, .. } = &f.kind {
            let count = v
                .values
                .get(&f.key)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for sf in fields.iter().filter(|sf| depends_on_page(sf, v.page)) {
                for i in 0..count {
                    dynamic.insert(
                        format!("{}.{i}.{}", f.key, sf.key),
                        dynamic_entry(sf, v.page, fields, req.lang),
                    );
                }
            }
        }
    }
    let errors: HashMap<String, String> = v
        .errors
        .iter()
        .map(|e| (e.key.clone(), e.message(req.lang)))
        .collect();
    let error_list: Vec<Value> = v
        .errors
        .iter()
        .map(|e| json!({"key": e.key, "message": e.message(req.lang)}))
        .collect();
    let multipart = v.page.fields.iter().any(|f| matches!(&f.kind, FieldKind::File { .. }) || matches!(&f.kind, FieldKind::Group { fields, .. } if fields.iter().any(|s| matches!(s.kind, FieldKind::File { .. }))));
    let suffix = if v.return_to_check {
        "?return=check"
    } else {
        ""
    };
    req.render(
        state,
        status,
        "form_page.html",
        json!({
            "form": v.form, "page": v.page, "values": v.values, "errors": errors, "error_list": error_list,
            "visible": visible, "item_visible": item_visible, "dynamic": dynamic, "notices": v.notices, "file_names": file_names,
            "csrf": v.csrf, "action_url": format!("/apply/{}/{}{suffix}", v.draft.id, v.page.id), "back_url": back_url,
            "step": step, "steps": pages.len(), "multipart": multipart,
        }),
    )
}

/// The condition (for the script) and a sentence saying when to answer (for everyone).
fn dynamic_entry(f: &Field, page: &Page, siblings: &[Field], lang: madoguchi_core::Lang) -> Value {
    let cond = f
        .visible_if
        .as_ref()
        .map(|c| serde_json::to_string(c).unwrap_or_default())
        .unwrap_or_default();
    json!({"cond": cond, "hint": f.visible_if.as_ref().and_then(|c| condition_hint(c, page, siblings, lang))})
}

fn condition_hint(
    c: &madoguchi_core::forms::Condition,
    page: &Page,
    siblings: &[Field],
    lang: madoguchi_core::Lang,
) -> Option<String> {
    use madoguchi_core::forms::Condition;
    let Condition::Field(t) = c else { return None };
    let field = siblings
        .iter()
        .chain(page.fields.iter())
        .find(|f| f.key == t.field)?;
    let label = field.label.get(lang).to_string();
    let option_label = |v: &Value| -> String {
        let v = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        match &field.kind {
            FieldKind::Choice { options, .. } | FieldKind::Multichoice { options, .. } => options
                .iter()
                .find(|o| o.value == v)
                .map(|o| o.label.get(lang).to_string())
                .unwrap_or(v),
            _ => v,
        }
    };
    let (ja, en) = if let Some(e) = &t.equals {
        let o = option_label(e);
        (
            format!("「{label}」で「{o}」を選んだ場合に答えてください"),
            format!("Answer if you chose “{o}” for “{label}”"),
        )
    } else if let Some(list) = &t.one_of {
        let o: Vec<String> = list.iter().map(option_label).collect();
        (
            format!(
                "「{label}」で「{}」のいずれかを選んだ場合に答えてください",
                o.join("」「")
            ),
            format!("Answer if you chose “{}” for “{label}”", o.join("”, “")),
        )
    } else if t.checked == Some(true) {
        (
            format!("「{label}」にチェックを入れた場合に答えてください"),
            format!("Answer if you ticked “{label}”"),
        )
    } else {
        return None;
    };
    Some(lang.pick(&ja, &en).to_string())
}

fn collect_file_ids(v: &Map<String, Value>, f: &mut dyn FnMut(&str)) {
    for (_, val) in v.iter() {
        match val {
            Value::String(s) if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) => f(s),
            Value::Array(items) => {
                for i in items {
                    if let Value::Object(m) = i {
                        collect_file_ids(m, f);
                    }
                }
            }
            _ => {}
        }
    }
}

pub async fn show_page(
    State(state): State<AppState>,
    req: Req,
    Path((draft_id, page_id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let (session, draft, form) = match load(&state, &req, &draft_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(page) = form.page(&page_id) else {
        return PortalError::not_found().render(&state, &req);
    };
    let fields: Vec<&Field> = page.fields.iter().collect();
    let values = display_values(&fields, &draft.answers, req.lang);
    let view = PageView {
        form: &form,
        page,
        draft: &draft,
        csrf: &session.csrf,
        values,
        errors: Vec::new(),
        notices: HashMap::new(),
        return_to_check: q.return_to.as_deref() == Some("check"),
    };
    render_page(&state, &req, view, StatusCode::OK).await
}

/// A posted page: its name/value pairs, with uploaded files already stored.
struct Posted {
    pairs: Vec<(String, String)>,
    file_errors: Vec<FieldError>,
}

fn find_field<'a>(page: &'a Page, name: &str) -> Option<&'a Field> {
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        [key] => page.fields.iter().find(|f| f.key == *key),
        [group, _, key] => page.fields.iter().find_map(|f| match &f.kind {
            FieldKind::Group { fields, .. } if f.key == *group => {
                fields.iter().find(|s| s.key == *key)
            }
            _ => None,
        }),
        _ => None,
    }
}

async fn read_body(
    state: &AppState,
    page: &Page,
    draft: &Draft,
    request: Request,
) -> Result<Posted, PortalError> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        let bytes = axum::body::to_bytes(request.into_body(), state.config.max_json_bytes)
            .await
            .map_err(|_| PortalError::bad_request("the form data is too large"))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PortalError::bad_request("the form data is malformed"))?;
        return Ok(Posted {
            pairs,
            file_errors: Vec::new(),
        });
    }
    let mut mp = Multipart::from_request(request, state)
        .await
        .map_err(|_| PortalError::bad_request("the form data is malformed"))?;
    let mut posted = Posted {
        pairs: Vec::new(),
        file_errors: Vec::new(),
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(PortalError::bad_request(
                    "the upload was interrupted or is too large",
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(str::to_string);
        let Some(filename) = filename else {
            let text = field
                .text()
                .await
                .map_err(|_| PortalError::bad_request("the form data is malformed"))?;
            posted.pairs.push((name, text));
            continue;
        };
        let bytes = field
            .bytes()
            .await
            .map_err(|_| PortalError::bad_request("the upload was interrupted or is too large"))?;
        if filename.is_empty() && bytes.is_empty() {
            continue;
        }
        let Some(def) = find_field(page, &name) else {
            continue;
        };
        let FieldKind::File {
            max_size_kb,
            accept,
        } = &def.kind
        else {
            continue;
        };
        let label = def.label.0.clone();
        let max = (max_size_kb.unwrap_or(DEFAULT_FILE_MAX_KB) as usize * 1024)
            .min(state.config.max_upload_bytes);
        if bytes.len() > max {
            posted.file_errors.push(FieldError {
                key: name,
                label,
                code: ErrorCode::FileTooLarge {
                    max_kb: (max / 1024) as u32,
                },
            });
            continue;
        }
        match FileType::sniff(&bytes) {
            Some(kind) if accept.contains(&kind) => {
                let meta = uploads::store(
                    state.db.writer(),
                    &draft.id,
                    &name,
                    &filename,
                    kind.mime(),
                    &bytes,
                )
                .await?;
                posted.pairs.push((name, meta.id));
            }
            _ => {
                let accepted = accept
                    .iter()
                    .map(|a| format!("{a:?}").to_uppercase())
                    .collect::<Vec<_>>()
                    .join("・");
                posted.file_errors.push(FieldError {
                    key: name,
                    label,
                    code: ErrorCode::FileType { accepted },
                });
            }
        }
    }
    Ok(posted)
}

fn resume_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = madoguchi_store::crypto::random_bytes::<8>();
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// Uploads named in the answers must belong to this draft.
async fn check_uploads(
    state: &AppState,
    page_fields: &[&Field],
    values: &Map<String, Value>,
    owner: &str,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> Result<(), PortalError> {
    for f in page_fields {
        match (&f.kind, values.get(&f.key)) {
            (FieldKind::File { .. }, Some(Value::String(id))) => {
                let ok = uploads::meta(state.db.reader(), id)
                    .await?
                    .is_some_and(|m| m.owner == owner);
                if !ok {
                    errors.push(FieldError {
                        key: format!("{prefix}{}", f.key),
                        label: f.label.0.clone(),
                        code: ErrorCode::FileMissing,
                    });
                }
            }
            (FieldKind::Group { fields, .. }, Some(Value::Array(items))) => {
                let subs: Vec<&Field> = fields.iter().collect();
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(m) = item {
                        Box::pin(check_uploads(
                            state,
                            &subs,
                            m,
                            owner,
                            &format!("{prefix}{}.{i}.", f.key),
                            errors,
                        ))
                        .await?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub async fn post_page(
    State(state): State<AppState>,
    req: Req,
    Path((draft_id, page_id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
    request: Request,
) -> Response {
    let (session, mut draft, form) = match load(&state, &req, &draft_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r: PageResult = async {
        if !req.same_origin {
            return Err(PortalError::forbidden());
        }
        let page = form.page(&page_id).ok_or_else(PortalError::not_found)?;
        let posted = read_body(&state, page, &draft, request).await?;
        let csrf_ok = posted.pairs.iter().any(|(k, v)| k == "csrf" && v == &session.csrf);
        if !csrf_ok {
            return Err(PortalError::expired());
        }
        let action = posted.pairs.iter().rev().find(|(k, _)| k == "action").map(|(_, v)| v.clone()).unwrap_or_else(|| "continue".into());
        let fields: Vec<&Field> = page.fields.iter().collect();
        let input: Vec<(String, String)> = posted.pairs.into_iter().filter(|(k, _)| k != "csrf" && k != "action").collect();
        let mut raw = nest(&input);
        tidy_raw(&fields, &mut raw);
        let mut view = PageView {
            form: &form,
            page,
            draft: &draft,
            csrf: &session.csrf,
            values: raw.clone(),
            errors: Vec::new(),
            notices: HashMap::new(),
            return_to_check: q.return_to.as_deref() == Some("check"),
        };
        // Buttons that change the page without validating it.
        if let Some(group) = action.strip_prefix("add:") {
            if let Some(Value::Array(items)) = view.values.get_mut(group) {
                items.push(json!({}));
            } else if page.fields.iter().any(|f| f.key == group) {
                view.values.insert(group.to_string(), json!([{}]));
            }
            return Ok(render_page(&state, &req, view, StatusCode::OK).await);
        }
        if let Some(rest) = action.strip_prefix("remove:") {
            if let Some((group, idx)) = rest.split_once(':')
                && let (Some(Value::Array(items)), Ok(i)) = (view.values.get_mut(group), idx.parse::<usize>())
                && i < items.len()
            {
                items.remove(i);
            }
            return Ok(render_page(&state, &req, view, StatusCode::OK).await);
        }
        if let Some(name) = action.strip_prefix("postal:") {
            postal_lookup(&state, &req, page, name, &mut view).await?;
            return Ok(render_page(&state, &req, view, StatusCode::OK).await);
        }
        let today = today_jst();
        let (values, mut errors) = validate_page(page, &raw, &draft.answers, today);
        check_uploads(&state, &fields, &values, &draft.id, "", &mut errors).await?;
        for fe in posted.file_errors {
            errors.retain(|e| e.key != fe.key);
            errors.push(fe);
        }
        // Merge what is valid; on "save" that is all we keep, on "continue" errors stop here.
        let mut answers = draft.answers.clone();
        for f in &page.fields {
            answers.remove(&f.key);
        }
        let error_keys: Vec<&str> = errors.iter().map(|e| e.key.split('.').next().unwrap_or("")).collect();
        for (k, v) in values {
            if !error_keys.contains(&k.as_str()) || action == "save" {
                answers.insert(k, v);
            }
        }
        seal_my_numbers(&form, &mut answers, &|d| state.db.secrets().seal(d));
        if action == "save" {
            drafts::save_answers(state.db.writer(), &draft.id, &answers).await?;
            let code = resume_code();
            drafts::set_resume_code(state.db.writer(), &draft.id, &code).await?;
            let resume_url = format!("/resume/{}", draft.id);
            let full = if req.host.is_empty() { resume_url.clone() } else { format!("http://{}{resume_url}", req.host) };
            return Ok(req.render(&state, StatusCode::OK, "saved.html", json!({"code": code, "resume_url": resume_url, "resume_url_full": full, "days": DRAFT_DAYS})));
        }
        if !errors.is_empty() {
            view.errors = errors;
            return Ok(render_page(&state, &req, view, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
        drafts::save_answers(state.db.writer(), &draft.id, &answers).await?;
        draft.answers = answers;
        let pages = visible_pages(&form, &draft.answers);
        let next = pages.iter().position(|p| p.id == page.id).and_then(|i| pages.get(i + 1));
        let to = match next {
            Some(p) if q.return_to.as_deref() != Some("check") => format!("/apply/{}/{}", draft.id, p.id),
            _ => format!("/apply/{}/check", draft.id),
        };
        Ok(redirect(&to))
    }
    .await;
    respond(&state, &req, r)
}

/// "住所を検索" without JavaScript: fills prefecture, city and town from the postal code.
async fn postal_lookup(
    state: &AppState,
    req: &Req,
    page: &Page,
    name: &str,
    view: &mut PageView<'_>,
) -> Result<(), PortalError> {
    let Some(f) = find_field(page, name) else {
        return Ok(());
    };
    let path: Vec<&str> = name.split('.').collect();
    let (target_path, code) = match &f.kind {
        FieldKind::Address { .. } => (
            path.clone(),
            get_path(&view.values, &path)
                .and_then(|v| v.get("postal_code"))
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        FieldKind::PostalCode {
            fills: Some(target),
        } => {
            let mut t = path.clone();
            if let Some(last) = t.last_mut() {
                *last = target.as_str();
            }
            (
                t,
                get_path(&view.values, &path)
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        }
        _ => return Ok(()),
    };
    let notice_key = target_path.join(".");
    let code = code.and_then(|c| madoguchi_core::japanese::PostalCode::parse(&c));
    let found = match &code {
        Some(c) => postal::lookup(state.db.reader(), c.digits()).await?,
        None => Vec::new(),
    };
    match found.first() {
        Some(e) => {
            if let Some(Value::Object(addr)) = get_path_mut(&mut view.values, &target_path) {
                addr.insert("prefecture".into(), json!(e.prefecture));
                addr.insert("city".into(), json!(e.city));
                addr.insert("town".into(), json!(e.town));
                if let Some(c) = &code {
                    addr.insert("postal_code".into(), json!(c.to_string()));
                }
            } else {
                set_path(
                    &mut view.values,
                    &target_path,
                    json!({"postal_code": code.map(|c| c.to_string()), "prefecture": e.prefecture, "city": e.city, "town": e.town}),
                );
            }
            view.notices
                .insert(notice_key, t(req.lang, "form.postal_found"));
        }
        None => {
            view.notices
                .insert(notice_key, t(req.lang, "form.postal_not_found"));
        }
    }
    Ok(())
}

fn get_path<'a>(m: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = m.get(*first)?;
    for p in rest {
        cur = match p.parse::<usize>() {
            Ok(i) => cur.get(i)?,
            Err(_) => cur.get(*p)?,
        };
    }
    Some(cur)
}

fn get_path_mut<'a>(m: &'a mut Map<String, Value>, path: &[&str]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = m.get_mut(*first)?;
    for p in rest {
        cur = match p.parse::<usize>() {
            Ok(i) => cur.get_mut(i)?,
            Err(_) => cur.get_mut(*p)?,
        };
    }
    Some(cur)
}

fn set_path(m: &mut Map<String, Value>, path: &[&str], v: Value) {
    match path {
        [key] => {
            m.insert((*key).to_string(), v);
        }
        [parent @ .., key] => {
            if let Some(Value::Object(obj)) = get_path_mut(m, parent) {
                obj.insert((*key).to_string(), v);
            }
        }
        [] => {}
    }
}

async fn file_names(state: &AppState, answers: &Map<String, Value>) -> HashMap<String, String> {
    let mut ids = Vec::new();
    collect_file_ids(answers, &mut |id| ids.push(id.to_string()));
    let mut out = HashMap::new();
    for id in ids {
        if let Ok(Some(m)) = uploads::meta(state.db.reader(), &id).await {
            out.insert(id, m.filename);
        }
    }
    out
}

async fn render_check(
    state: &AppState,
    req: &Req,
    session: &Session,
    draft: &Draft,
    form: &Form,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let files = file_names(state, &draft.answers).await;
    let draft_id = draft.id.clone();
    let sections = summary_sections(form, &draft.answers, req.lang, &files, &|page| {
        format!("/apply/{draft_id}/{page}?return=check")
    });
    let computed_values = compute(form, &draft.answers);
    let computed: Vec<Value> =
        form.computed
            .iter()
            .filter_map(|c| {
                computed_values.get(&c.key).and_then(Value::as_i64).map(
                    |n| json!({"label": c.label, "value": format_computed(c.format, n, req.lang)}),
                )
            })
            .collect();
    let error_list: Vec<Value> = errors
        .iter()
        .map(|e| {
            let top = e.key.split('.').next().unwrap_or("");
            let page = form.pages.iter().find(|p| p.fields.iter().any(|f| f.key == top)).map(|p| p.id.as_str()).unwrap_or("");
            json!({"message": e.message(req.lang), "url": format!("/apply/{}/{page}?return=check", draft.id)})
        })
        .collect();
    let last_page = visible_pages(form, &draft.answers)
        .last()
        .map(|p| p.id.clone())
        .unwrap_or_default();
    req.render(
        state,
        status,
        "check.html",
        json!({"form": form, "sections": sections, "computed": computed, "csrf": session.csrf, "draft_id": draft.id, "error_list": error_list, "back_url": format!("/apply/{}/{last_page}", draft.id)}),
    )
}

pub async fn check(
    State(state): State<AppState>,
    req: Req,
    Path(draft_id): Path<String>,
) -> Response {
    match load(&state, &req, &draft_id).await {
        Ok((session, draft, form)) => {
            render_check(&state, &req, &session, &draft, &form, &[], StatusCode::OK).await
        }
        Err(r) => r,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    req: Req,
    Path(draft_id): Path<String>,
    request: Request,
) -> Response {
    let (mut session, draft, form) = match load(&state, &req, &draft_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r: PageResult = async {
        if !req.same_origin {
            return Err(PortalError::forbidden());
        }
        let bytes = axum::body::to_bytes(request.into_body(), 64 * 1024)
            .await
            .map_err(|_| PortalError::bad_request("the form data is too large"))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if !pairs.iter().any(|(k, v)| k == "csrf" && v == &session.csrf) {
            return Err(PortalError::expired());
        }
        let answers = match validate_all(&form, &draft.answers, today_jst()) {
            Ok(a) => a,
            Err(errors) => {
                return Ok(render_check(
                    &state,
                    &req,
                    &session,
                    &draft,
                    &form,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await);
            }
        };
        let computed = compute(&form, &answers);
        let request_hash = hex::encode(Sha256::digest(
            Value::Object(answers.clone()).to_string().as_bytes(),
        ));
        let app = NewApplication {
            procedure_id: draft.procedure_id.clone(),
            form_id: form.id.clone(),
            form_version: form.version,
            answers,
            computed,
            lang: req.lang,
            channel: "web".into(),
            idempotency_key: Some(format!("draft:{}", draft.id)),
            request_hash,
        };
        let outcome = match state.db.submit(app).await {
            Ok(o) => o,
            Err(SubmitError::IdempotencyConflict) => {
                return Err(PortalError::bad_request(t(req.lang, "error.expired.body")));
            }
            Err(e) => {
                tracing::error!(error = %e, "submission failed");
                return Err(PortalError::internal());
            }
        };
        drafts::mark_submitted(state.db.writer(), &draft.id, &outcome.id).await?;
        uploads::reassign(state.db.writer(), &draft.id, &outcome.id).await?;
        let mut apps: Vec<Value> = session
            .data
            .get("applications")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !apps.iter().any(|a| a.as_str() == Some(&outcome.id)) {
            apps.push(json!(outcome.id));
        }
        session
            .data
            .insert("applications".into(), Value::Array(apps));
        sessions::save(state.db.writer(), &session).await?;
        Ok(redirect(&format!(
            "/applications/{}/confirmation",
            outcome.id
        )))
    }
    .await;
    respond(&state, &req, r)
}

pub async fn resume_form(
    State(state): State<AppState>,
    req: Req,
    Path(draft_id): Path<String>,
) -> Response {
    req.render(
        &state,
        StatusCode::OK,
        "resume.html",
        json!({"draft_id": draft_id, "invalid": false}),
    )
}

#[derive(Deserialize)]
pub struct ResumeForm {
    code: String,
}

pub async fn resume_post(
    State(state): State<AppState>,
    req: Req,
    Path(draft_id): Path<String>,
    request: Request,
) -> Response {
    let r: PageResult = async {
        if !req.same_origin {
            return Err(PortalError::forbidden());
        }
        let bytes = axum::body::to_bytes(request.into_body(), 4096)
            .await
            .map_err(|_| PortalError::bad_request("too large"))?;
        let code = serde_urlencoded::from_bytes::<ResumeForm>(&bytes)
            .map(|f| f.code)
            .unwrap_or_default();
        let (session, cookie) = ensure_session(&state, &req).await?;
        if drafts::resume(state.db.writer(), &draft_id, &code, &session.id_hash).await? {
            let mut resp = redirect(&format!("/apply/{draft_id}"));
            if let Some(c) = cookie {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            return Ok(resp);
        }
        let mut resp = req.render(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "resume.html",
            json!({"draft_id": draft_id, "invalid": true}),
        );
        if let Some(c) = cookie {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        Ok(resp.into_response())
    }
    .await;
    respond(&state, &req, r)
}
