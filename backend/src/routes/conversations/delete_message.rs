//! `DELETE /api/v1/conversations/{id}/messages/{message_id}`.

use actix_web::{HttpResponse, delete, web};
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::attachments;
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::Conversation;
use crate::domain::conversations as rules;
use crate::error::ApiError;
use crate::events::{self, Event};
use crate::messaging;
use crate::state::AppState;

/// Delete one message for good: only a staff member, only their own.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The conversation's id"),
        ("message_id" = Uuid, Path, description = "The message's id"),
    ),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 403, description = "Only its author, a staff member, may delete a message", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message in the caller's conversations", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/conversations/{id}/messages/{message_id}")]
pub async fn delete_message(
    state: web::Data<AppState>,
    me: CurrentPerson,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, message_id) = path.into_inner();
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let conversation = Conversation::for_participant(&mut conn, practice_id, id, me.id())
        .await?
        .ok_or_else(ApiError::not_found)?;
    let message = Conversation::message(&mut conn, conversation.id, message_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !rules::may_delete_message(messaging::viewer(&me.person), message.author_id) {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Only the staff member who wrote a message can delete it.",
        ));
    }
    conn.transaction(async |conn| {
        let held = Attachment::hold_for_messages(conn, &[message.id]).await?;
        Conversation::delete_message(conn, conversation.id, message.id).await?;
        let attachments = attachments::release(conn, held).await?;
        me.audit(AuditAction::MessageDeleted)
            .target("message", message.id)
            .details(
                serde_json::json!({"conversation_id": conversation.id, "attachments": attachments}),
            )
            .record(conn)
            .await?;
        let audience = Conversation::participant_ids(conn, conversation.id).await?;
        let deleted = Event::MessageDeleted {
            conversation_id: conversation.id,
            message_id: message.id,
        };
        events::record(conn, practice_id, &deleted, &audience).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
