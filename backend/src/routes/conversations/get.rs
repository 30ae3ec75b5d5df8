//! `GET /api/v1/conversations/{id}`.

use actix_web::{get, web};
use confidant_openapi::conversations::{Conversation as ConversationView, ConversationQuery};
use uuid::Uuid;

use super::{MESSAGE_PAGE, MESSAGE_PAGE_MAX, NotTheCallers, detail};
use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;

/// Open a conversation: its latest messages (`limit`, 50 by default), oldest first, with a
/// cursor for older ones (`GET …/messages?before=`), and the participants the caller may
/// see. Opening marks it read.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The conversation's id"), ConversationQuery),
    responses(
        (status = 200, description = "The thread", body = ConversationView),
        NotTheCallers,
    )
)]
#[get("/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    query: ApiQuery<ConversationQuery>,
) -> Result<web::Json<ConversationView>, ApiError> {
    let limit = pagination::page_size(query.limit, MESSAGE_PAGE, MESSAGE_PAGE_MAX)?;
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
        detail(&mut conn, &conversation, &me.person, limit).await?,
    ))
}
