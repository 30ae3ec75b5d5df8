//! `POST` and `DELETE /api/v1/conversations/{id}/archive`: archive is per person.

use actix_web::{HttpResponse, delete, post, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::NotTheCallers;
use crate::auth::CurrentPerson;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::state::AppState;

/// Archive a conversation for the caller: it leaves their inbox (for `folder=archived`) and
/// counts as read; nobody else's inbox changes. Its next message brings it back.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Archived (also when it already was)"),
        NotTheCallers,
    )
)]
#[post("/conversations/{id}/archive")]
pub async fn archive(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set(&state, &me, id.into_inner(), true).await
}

/// Bring an archived conversation back to the caller's inbox.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Back in the inbox (also when it was not archived)"),
        NotTheCallers,
    )
)]
#[delete("/conversations/{id}/archive")]
pub async fn unarchive(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set(&state, &me, id.into_inner(), false).await
}

/// Both routes: the caller's place in the thread changes, and their other tabs hear of it
/// as a change of their read state (archiving marks read; the counts it carries are theirs).
async fn set(
    state: &AppState,
    me: &CurrentPerson,
    id: Uuid,
    archived: bool,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let conversation = Conversation::for_participant(&mut conn, me.practice_id(), id, me.id())
        .await?
        .ok_or_else(ApiError::not_found)?;
    conn.transaction(async |conn| {
        Conversation::set_archived(conn, conversation.id, me.id(), archived).await?;
        let (unread_conversations, unread_messages) = Conversation::unread(conn, me.id()).await?;
        let changed = Event::ReadStateChanged {
            conversation_id: conversation.id,
            unread_conversations,
            unread_messages,
        };
        events::record(conn, me.practice_id(), &changed, &[me.id()]).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
