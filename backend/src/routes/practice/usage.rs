//! `GET /api/v1/practice/usage`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::me::PracticeUsage;

use crate::auth::CurrentPerson;
use crate::db::models::attachment::Attachment;
use crate::error::ApiError;
use crate::state::AppState;

/// What the practice stores (owner/admin): its attachment files and bytes, how many of them
/// are uploads not sent yet, and the limit on unsent uploads per person.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The practice's storage", body = PracticeUsage),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/practice/usage")]
pub async fn practice_usage(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<PracticeUsage>, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    let (files, bytes, unsent_files, unsent_bytes) =
        Attachment::usage(&mut conn, me.practice_id()).await?;
    Ok(web::Json(PracticeUsage {
        files,
        bytes,
        unsent_files,
        unsent_bytes,
        upload_quota_bytes: i64::try_from(state.config.upload_quota_bytes).unwrap_or(i64::MAX),
    }))
}
