//! Submitting applications, reading their status, uploading attachments.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use madoguchi_core::Lang;
use madoguchi_core::catalog::OnlineStatus;
use madoguchi_core::forms::definition::FileType;
use madoguchi_core::forms::validate::{compute, seal_my_numbers, validate_all};
use madoguchi_core::forms::{Field, FieldKind};
use madoguchi_store::{NewApplication, SubmitError, applications, uploads};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{ApiError, ApiResult, json_response};
use crate::portal::view::summary_lines;
use crate::state::AppState;

fn bad(code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, msg)
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.split(';').next().map(str::trim) == Some("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the application as JSON with Content-Type: application/json",
        ))
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| {
                    bad(
                        "invalid_idempotency_key",
                        "the Idempotency-Key header must be printable ASCII",
                    )
                })?
                .trim();
            if k.is_empty() || k.len() > 255 {
                return Err(bad(
                    "invalid_idempotency_key",
                    "the Idempotency-Key header must be 1 to 255 characters",
                ));
            }
            Ok(Some(format!("api:{k}")))
        }
    }
}

fn file_ids(
    fields: &[&Field],
    answers: &Map<String, Value>,
    out: &mut Vec<(String, String)>,
    prefix: &str,
) {
    for f in fields {
        match (&f.kind, answers.get(&f.key)) {
            (FieldKind::File { .. }, Some(Value::String(id))) => {
                out.push((format!("{prefix}{}", f.key), id.clone()))
            }
            (FieldKind::Group { fields: subs, .. }, Some(Value::Array(items))) => {
                let subs: Vec<&Field> = subs.iter().collect();
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(m) = item {
                        file_ids(&subs, m, out, &format!("{prefix}{}.{i}.", f.key));
                    }
                }
            }
            _ => {}
        }
    }
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    require_json(&headers)?;
    if body.len() > state.config.max_json_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the body is larger than {} bytes",
                state.config.max_json_bytes
            ),
        ));
    }
    let key = idempotency_key(&headers)?;
    let parsed: Value = serde_json::from_slice(&body)
        .map_err(|e| bad("malformed_json", format!("the body is not valid JSON: {e}")))?;
    let obj = parsed.as_object().ok_or_else(|| {
        bad(
            "malformed_request",
            "the body must be a JSON object with procedure_id and answers",
        )
    })?;
    let procedure_id = obj
        .get("procedure_id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("malformed_request", "procedure_id (a string) is required"))?;
    let raw = obj
        .get("answers")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad(
                "malformed_request",
                "answers (an object keyed by field key) is required",
            )
        })?;
    let lang = match obj.get("lang") {
        None | Some(Value::Null) => Lang::Ja,
        Some(v) => v
            .as_str()
            .and_then(Lang::parse)
            .ok_or_else(|| bad("malformed_request", "lang must be \"ja\" or \"en\""))?,
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "procedure_id" | "answers" | "lang"))
    {
        return Err(bad(
            "malformed_request",
            format!("unknown property \"{k}\"; expected procedure_id, answers, lang"),
        ));
    }
    let snap = state.catalog.get().await;
    let procedure = snap.procedure(procedure_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_procedure",
            format!("no procedure with id \"{procedure_id}\""),
        )
    })?;
    let form = match &procedure.online {
        OnlineStatus::Here => snap.form_for(&procedure.id),
        _ => None,
    }
    .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_online_here", format!("\"{procedure_id}\" cannot be applied for online here; see /api/v1/procedures/{procedure_id}")))?;
    let today = crate::portal::today_jst();
    let mut answers = validate_all(&form, raw, today).map_err(|errors| {
        let details: Vec<Value> = errors
            .iter()
            .map(|e| json!({"field": e.key, "code": e.code, "message": e.message(lang)}))
            .collect();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_answers",
            format!("{} answer(s) need correcting", errors.len()),
        )
        .with_details(json!(details))
    })?;
    let fields: Vec<&Field> = form.pages.iter().flat_map(|p| &p.fields).collect();
    let mut files = Vec::new();
    file_ids(&fields, &answers, &mut files, "");
    for (field, id) in files {
        let owned_by_api = uploads::meta(state.db.reader(), &id)
            .await?
            .is_some_and(|m| m.owner == "api");
        if !owned_by_api {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_answers", "an attachment was not found")
                .with_details(json!([{"field": field, "code": "file_missing", "message": format!("upload \"{id}\" does not exist; POST the file to /api/v1/uploads first")}])));
        }
    }
    let computed = compute(&form, &answers);
    // A retry sends the same bytes; hashing them avoids re-serialising the answers.
    let request_hash = hex::encode(Sha256::digest(&body));
    seal_my_numbers(&form, &mut answers, &|d| state.db.secrets().seal(d));
    let app = NewApplication {
        procedure_id: procedure.id.clone(),
        form_id: form.id.clone(),
        form_version: form.version,
        answers,
        computed,
        lang,
        channel: "api".into(),
        idempotency_key: key,
        request_hash,
    };
    let outcome = state.db.submit(app).await.map_err(|e| match e {
        SubmitError::IdempotencyConflict => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request",
        ),
        SubmitError::ShuttingDown => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server is restarting; retry with the same Idempotency-Key",
        ),
        SubmitError::Store(e) => e.into(),
    })?;
    let body = json!({
        "id": outcome.id,
        "receipt_number": outcome.receipt_number,
        "status": outcome.status,
        "submitted_at": outcome.submitted_at,
        "access_token": outcome.access_token,
        "links": {"self": format!("/api/v1/applications/{}", outcome.id), "status_page": format!("/applications/{}?token={}", outcome.id, outcome.access_token)},
    });
    let mut resp = json_response(StatusCode::CREATED, &body);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/applications/{}", outcome.id)) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    if outcome.replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(resp)
}

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let token = super::bearer(&headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the access_token from the submission as Authorization: Bearer <token>",
        )
    })?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no application with this id for this token",
        )
    };
    if !state.db.secrets().check_application_token(&id, token) {
        return Err(not_found());
    }
    let app = applications::get(state.db.reader(), &id)
        .await?
        .ok_or_else(not_found)?;
    let form =
        madoguchi_store::forms::get(state.db.reader(), &app.form_id, app.form_version).await?;
    // Answers come back as shown on the status page: My Numbers masked, never the digits.
    let answers: Map<String, Value> = form
        .map(|f| {
            f.pages
                .iter()
                .flat_map(|p| &p.fields)
                .filter_map(|fd| {
                    app.answers.get(&fd.key).map(|v| {
                        (
                            fd.key.clone(),
                            json!(summary_lines(fd, Some(v), app.lang, &Default::default())),
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "id": app.id,
            "receipt_number": app.receipt_number,
            "procedure_id": app.procedure_id,
            "form": {"id": app.form_id, "version": app.form_version},
            "status": app.status,
            "status_label": {"ja": app.status.label(Lang::Ja), "en": app.status.label(Lang::En)},
            "next_step": {"ja": app.status.next_step(Lang::Ja), "en": app.status.next_step(Lang::En)},
            "submitted_at": app.submitted_at,
            "updated_at": app.updated_at,
            "answers": answers,
            "computed": app.computed,
        }),
    ))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    filename: Option<String>,
}

/// The file as the raw body (Content-Type application/pdf, image/jpeg or image/png).
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult {
    if body.len() > state.config.max_upload_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "attachments are limited to {} bytes",
                state.config.max_upload_bytes
            ),
        ));
    }
    if body.is_empty() {
        return Err(bad(
            "empty_upload",
            "the body is empty: send the file's bytes",
        ));
    }
    let claimed = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = FileType::sniff(&body).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            "attachments must be PDF, JPEG or PNG files",
        )
    })?;
    if claimed.split(';').next().map(str::trim) != Some(kind.mime()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_mismatch",
            format!(
                "the file is {} but Content-Type says \"{claimed}\"",
                kind.mime()
            ),
        ));
    }
    let filename = q.filename.unwrap_or_else(|| "attachment".into());
    let meta = uploads::store(state.db.writer(), "api", "", &filename, kind.mime(), &body).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"id": meta.id, "filename": meta.filename, "content_type": meta.content_type, "size": meta.size, "sha256": meta.sha256}),
    ))
}
