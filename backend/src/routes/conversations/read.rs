//! `POST /api/v1/conversations/{id}/read`.

use actix_web::{HttpResponse, post, web};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::NotTheCallers;
use crate::auth::CurrentPerson;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::state::AppState;

/// Mark a conversation read without opening it.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Marked read"),
        NotTheCallers,
    )
)]
#[post("/conversations/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let conversation =
        Conversation::for_participant(&mut conn, me.practice_id(), id.into_inner(), me.id())
            .await?
            .ok_or_else(ApiError::not_found)?;
    conn.transaction(async |conn| {
        Conversation::mark_read(conn, conversation.id, me.id()).await?;
        let (unread_conversations, unread_messages) = Conversation::unread(conn, me.id()).await?;
        let read = Event::ReadStateChanged {
            conversation_id: conversation.id,
            unread_conversations,
            unread_messages,
        };
        events::record(conn, me.practice_id(), &read, &[me.id()]).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
