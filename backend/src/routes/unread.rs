//! `GET /api/v1/unread`: the badge.

use actix_web::{get, web};
use confidant_openapi::conversations::UnreadCounts;

use crate::auth::CurrentPerson;
use crate::db::models::conversation::Conversation;
use crate::error::ApiError;
use crate::state::AppState;

/// Conversations with messages by others newer than the caller's read mark, and how many
/// such messages.
#[utoipa::path(
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The counts", body = UnreadCounts),
    )
)]
#[get("/unread")]
pub async fn unread(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<UnreadCounts>, ApiError> {
    let mut conn = state.conn().await?;
    let (conversations, messages) = Conversation::unread(&mut conn, me.id()).await?;
    Ok(web::Json(UnreadCounts {
        conversations,
        messages,
    }))
}
