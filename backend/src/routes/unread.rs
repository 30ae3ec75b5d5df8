//! `GET /api/v1/unread`: the badge.

use actix_web::{get, web};
use confidant_openapi::conversations::UnreadCounts;

use crate::auth::Caller;
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
    caller: Caller,
) -> Result<web::Json<UnreadCounts>, ApiError> {
    let conn = state.conn().await?;
    // The badge is asked for often and needs only the caller's id: it goes to the database
    // with the session check, in one round trip.
    let (_me, (conversations, messages)) = caller.check_with(&conn, Conversation::unread).await?;
    Ok(web::Json(UnreadCounts {
        conversations,
        messages,
    }))
}
