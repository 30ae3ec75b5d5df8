//! Drafts: `GET`/`PUT`/`DELETE /api/v1/drafts/new` (the new message being written) and
//! `/api/v1/conversations/{id}/draft` (the reply being written in a thread). Saved on the
//! server as people type, so a reload or another computer finds them; never logged, never in
//! events or audit records (they are health information not yet sent).

use actix_web::{HttpResponse, delete, get, put, web};
use confidant_openapi::Problem;
use confidant_openapi::conversations::RecipientRef;
use confidant_openapi::drafts::{Draft, ReplyDraft, SaveDraftRequest, SaveReplyDraftRequest};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::conversation::Conversation;
use crate::db::models::draft::{self, DraftRow, Place};
use crate::error::{ApiError, field_error};
use crate::extract::ApiJson;
use crate::routes::conversations::NotTheCallers;
use crate::state::AppState;

const SUBJECT_MAX: usize = 200;
const BODY_MAX: usize = 50_000;
const RECIPIENTS_MAX: usize = 1_000;

/// The draft of the caller's new message.
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The draft", body = Draft),
        (status = 404, description = "No draft", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/drafts/new")]
pub async fn get_new(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<Draft>, ApiError> {
    let mut conn = state.conn().await?;
    let row = draft::find(&mut conn, me.id(), Place::NewMessage)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(new_message(row)))
}

/// Save the draft of the caller's new message (the last save wins); with everything empty,
/// delete it. The To is checked only when sending.
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    request_body = SaveDraftRequest,
    responses(
        (status = 200, description = "Saved", body = Draft),
        (status = 204, description = "Empty: deleted"),
        (status = 422, description = "Too long a subject or text, or too many recipients (`errors` names the field)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/drafts/new")]
pub async fn save_new(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<SaveDraftRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    check_len("subject", &request.subject, SUBJECT_MAX)?;
    check_len("body", &request.body, BODY_MAX)?;
    if request.recipients.len() > RECIPIENTS_MAX {
        return Err(field_error(
            "recipients",
            format!("At most {RECIPIENTS_MAX} recipients."),
        ));
    }
    let mut conn = state.conn().await?;
    if request.subject.trim().is_empty()
        && request.body.trim().is_empty()
        && request.recipients.is_empty()
    {
        draft::remove(&mut conn, me.id(), Place::NewMessage).await?;
        return Ok(HttpResponse::NoContent().finish());
    }
    let recipients = serde_json::to_value(&request.recipients)
        .map_err(|error| ApiError::internal("storing a draft's recipients", &error))?;
    let row = draft::save(
        &mut conn,
        me.practice_id(),
        me.id(),
        Place::NewMessage,
        &request.subject,
        &request.body,
        recipients,
    )
    .await?;
    Ok(HttpResponse::Ok().json(new_message(row)))
}

/// Delete the draft of the caller's new message (also when there is none).
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/drafts/new")]
pub async fn delete_new(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    draft::remove(&mut conn, me.id(), Place::NewMessage).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's draft of a reply in a thread of theirs.
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The draft", body = ReplyDraft),
        (status = 404, description = "No draft, or no such conversation among the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conversations/{id}/draft")]
pub async fn get_reply(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReplyDraft>, ApiError> {
    let mut conn = state.conn().await?;
    let conversation = mine(&mut conn, &me, id.into_inner()).await?;
    let row = draft::find(&mut conn, me.id(), Place::Reply(conversation))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(reply(row)))
}

/// Save the caller's draft of a reply (the last save wins); an empty text deletes it.
/// Sending a reply deletes it too.
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    request_body = SaveReplyDraftRequest,
    responses(
        (status = 200, description = "Saved", body = ReplyDraft),
        (status = 204, description = "Empty: deleted"),
        NotTheCallers,
        (status = 422, description = "Too long a text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/conversations/{id}/draft")]
pub async fn save_reply(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<SaveReplyDraftRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    check_len("body", &request.body, BODY_MAX)?;
    let mut conn = state.conn().await?;
    let conversation = mine(&mut conn, &me, id.into_inner()).await?;
    let place = Place::Reply(conversation);
    if request.body.trim().is_empty() {
        draft::remove(&mut conn, me.id(), place).await?;
        return Ok(HttpResponse::NoContent().finish());
    }
    let row = draft::save(
        &mut conn,
        me.practice_id(),
        me.id(),
        place,
        "",
        &request.body,
        serde_json::json!([]),
    )
    .await?;
    Ok(HttpResponse::Ok().json(reply(row)))
}

/// Delete the caller's draft of a reply (also when there is none).
#[utoipa::path(
    tag = "drafts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Deleted"),
        NotTheCallers,
    )
)]
#[delete("/conversations/{id}/draft")]
pub async fn delete_reply(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let conversation = mine(&mut conn, &me, id.into_inner()).await?;
    draft::remove(&mut conn, me.id(), Place::Reply(conversation)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The conversation's id when the caller takes part in it; else 404 (not "not yours").
async fn mine(
    conn: &mut diesel_async::AsyncPgConnection,
    me: &CurrentPerson,
    id: Uuid,
) -> Result<Uuid, ApiError> {
    Conversation::for_participant(conn, me.practice_id(), id, me.id())
        .await?
        .map(|conversation| conversation.id)
        .ok_or_else(ApiError::not_found)
}

fn check_len(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.chars().count() > max {
        return Err(field_error(field, format!("At most {max} characters.")));
    }
    Ok(())
}

fn new_message(row: DraftRow) -> Draft {
    Draft {
        subject: row.subject,
        body: row.body,
        // Stored from the same type; a row that no longer reads (changed references) starts
        // an empty To rather than failing the composer.
        recipients: serde_json::from_value::<Vec<RecipientRef>>(row.recipients).unwrap_or_default(),
        updated_at: row.updated_at,
    }
}

fn reply(row: DraftRow) -> ReplyDraft {
    ReplyDraft {
        body: row.body,
        updated_at: row.updated_at,
    }
}
