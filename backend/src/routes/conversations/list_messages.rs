//! `GET /api/v1/conversations/{id}/messages`: a thread's older messages, a page at a time.

use actix_web::{get, web};
use confidant_openapi::conversations::{MessagePage, MessagesQuery};
use uuid::Uuid;

use super::NotTheCallers;
use super::{MESSAGE_PAGE, MESSAGE_PAGE_MAX, message_page};
use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::messaging;
use crate::pagination;
use crate::state::AppState;

/// A page of a thread's messages before `before` (the thread's `older_messages_cursor`, or
/// `next_cursor` of the previous page), oldest first within the page; without `before`, the
/// latest. Pages neither skip nor repeat a message while new ones arrive.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id"), MessagesQuery),
    responses(
        (status = 200, description = "The page", body = MessagePage),
        NotTheCallers,
    )
)]
#[get("/conversations/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    query: ApiQuery<MessagesQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, MESSAGE_PAGE, MESSAGE_PAGE_MAX)?;
    let before = query
        .before
        .as_deref()
        .map(|cursor| pagination::decode_param("before", cursor))
        .transpose()?;
    let mut conn = state.conn().await?;
    let conversation =
        Conversation::for_participant(&mut conn, me.practice_id(), id.into_inner(), me.id())
            .await?
            .ok_or_else(ApiError::not_found)?;
    let people = Conversation::participants(&mut conn, &[conversation.id]).await?;
    let viewer = messaging::viewer(&me.person);
    let page = message_page(&mut conn, conversation.id, &people, viewer, before, limit).await?;
    // Reading older messages is reading the thread: the audit trail says so.
    me.audit(AuditAction::ConversationRead)
        .target("conversation", conversation.id)
        .record(&mut conn)
        .await?;
    Ok(web::Json(page))
}
