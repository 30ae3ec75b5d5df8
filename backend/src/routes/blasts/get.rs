//! `GET /api/v1/blasts/{id}`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::blasts::Blast as BlastView;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::blast::Blast;
use crate::error::ApiError;
use crate::state::AppState;

/// One of the caller's blasts with its progress: `total`, `sent`, `skipped`, `failed` and
/// `state` (`queued` → `sending` → `done`). Someone else's blast does not exist (404).
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The blast's id")),
    responses(
        (status = 200, description = "The blast", body = BlastView),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a blast of the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/blasts/{id}")]
pub async fn get_blast(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<BlastView>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let blast = Blast::of_sender(&mut conn, me.practice_id(), me.id(), id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(blast.view()))
}
