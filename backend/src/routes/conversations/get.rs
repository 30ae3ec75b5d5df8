//! `GET /api/v1/conversations/{id}`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::conversations::Conversation as ConversationView;
use uuid::Uuid;

use super::detail;
use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::state::AppState;

/// Open a conversation: the messages, oldest first, and the participants the caller may see.
/// Opening marks it read.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The thread", body = ConversationView),
        (status = 404, description = "No such conversation among the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<ConversationView>, ApiError> {
    let mut conn = state.conn().await?;
    let conversation =
        Conversation::for_participant(&mut conn, me.practice_id(), id.into_inner(), me.id())
            .await?
            .ok_or_else(ApiError::not_found)?;
    Conversation::mark_read(&mut conn, conversation.id, me.id()).await?;
    me.audit(AuditAction::ConversationRead)
        .target("conversation", conversation.id)
        .record(&mut conn)
        .await?;
    Ok(web::Json(
        detail(&mut conn, &conversation, &me.person).await?,
    ))
}
