//! `GET /api/v1/blasts/{id}/recipients`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::blasts::{BlastRecipientPage, BlastRecipientsQuery};
use uuid::Uuid;

use super::NotTheSendersBlast;
use crate::auth::CurrentPerson;
use crate::db::models::blast::Blast;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;

/// The clients one of the caller's blasts was for, in the order the fan-out handles them:
/// what became of each (`pending`, `sent`, `skipped` as inactive or archived, `failed` as no
/// longer a client), their thread, and whether they have replied in it.
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The blast's id"), BlastRecipientsQuery),
    responses(
        (status = 200, description = "A page of the blast's clients", body = BlastRecipientPage),
        (status = 400, description = "A cursor this API did not issue", body = Problem, content_type = "application/problem+json"),
        NotTheSendersBlast,
    )
)]
#[get("/blasts/{id}/recipients")]
pub async fn list_blast_recipients(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    query: ApiQuery<BlastRecipientsQuery>,
) -> Result<web::Json<BlastRecipientPage>, ApiError> {
    me.require_staff()?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 50, 200)?;
    let after = query
        .cursor
        .as_deref()
        .map(pagination::decode::<i32>)
        .transpose()?
        .unwrap_or(0);
    let mut conn = state.conn().await?;
    let blast = Blast::of_sender(&mut conn, me.practice_id(), me.id(), id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut rows = blast.recipients(&mut conn, after, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|row| pagination::encode(&row.position))
    } else {
        None
    };
    Ok(web::Json(BlastRecipientPage {
        items: rows.iter().map(|row| row.view()).collect(),
        next_cursor,
    }))
}
