//! `DELETE /api/v1/conversations/{id}`.

use actix_web::{HttpResponse, delete, web};
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::NotTheCallers;
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

/// Delete a whole conversation for good, with every message in it, also those others wrote,
/// and their files: only the staff member who started it. Nothing can bring it back; an
/// audit record keeps who deleted which id and how many messages.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 403, description = "Only the staff member who started it may delete it", body = Problem, content_type = "application/problem+json"),
        NotTheCallers,
    )
)]
#[delete("/conversations/{id}")]
pub async fn delete_conversation(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let conversation =
        Conversation::for_participant(&mut conn, practice_id, id.into_inner(), me.id())
            .await?
            .ok_or_else(ApiError::not_found)?;
    if !rules::may_delete_conversation(messaging::viewer(&me.person), conversation.started_by) {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Only the staff member who started this conversation can delete it.",
        ));
    }
    conn.transaction(async |conn| {
        // Everyone who took part hears of it; read before the rows go.
        let audience = Conversation::participant_ids(conn, conversation.id).await?;
        let held = Attachment::hold_for_conversation(conn, conversation.id).await?;
        let messages = Conversation::delete(conn, practice_id, conversation.id).await?;
        let attachments = attachments::release(conn, held).await?;
        me.audit(AuditAction::ConversationDeleted)
            .target("conversation", conversation.id)
            .details(serde_json::json!({"messages": messages, "attachments": attachments}))
            .record(conn)
            .await?;
        let deleted = Event::ConversationDeleted {
            conversation_id: conversation.id,
        };
        events::record(conn, practice_id, &deleted, &audience).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
