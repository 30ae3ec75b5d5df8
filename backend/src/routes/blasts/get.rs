//! `GET /api/v1/blasts/{id}`.

use actix_web::{get, web};
use confidant_openapi::blasts::BlastDetail;
use uuid::Uuid;

use super::NotTheSendersBlast;
use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::db::models::blast::Blast;
use crate::error::ApiError;
use crate::state::AppState;

/// One of the caller's blasts with its progress (`total`, `sent`, `skipped`, `failed`;
/// `state` goes `queued` → `sending` → `done`), the message every client received, and how
/// many of them have replied. Someone else's blast does not exist (404).
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The blast's id")),
    responses(
        (status = 200, description = "The blast", body = BlastDetail),
        NotTheSendersBlast,
    )
)]
#[get("/blasts/{id}")]
pub async fn get_blast(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<BlastDetail>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let blast = Blast::of_sender(&mut conn, me.practice_id(), me.id(), id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    // The files: held by the blast until its fan-out is done, then carried by the threads.
    let held = blast.held_files(&mut conn).await?;
    let attachments = if held.is_empty() {
        match blast.first_message_id(&mut conn).await? {
            Some(message) => Attachment::of_messages(&mut conn, &[message])
                .await?
                .remove(&message)
                .unwrap_or_default(),
            None => Vec::new(),
        }
    } else {
        held
    };
    let replied = blast.replied(&mut conn).await?;
    Ok(web::Json(BlastDetail {
        blast: blast.view(),
        body: blast.body.clone(),
        attachments,
        replied,
    }))
}
