//! `GET /api/v1/blasts`.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use confidant_openapi::Problem;
use confidant_openapi::blasts::{BlastPage, BlastsQuery};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::blast::Blast;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;

/// The caller's blasts, newest first, with their progress.
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    params(BlastsQuery),
    responses(
        (status = 200, description = "A page of blasts", body = BlastPage),
        (status = 400, description = "A bad cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/blasts")]
pub async fn list_blasts(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<BlastsQuery>,
) -> Result<web::Json<BlastPage>, ApiError> {
    me.require_staff()?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 25, 100)?;
    let after = query
        .cursor
        .as_deref()
        .map(pagination::decode::<(DateTime<Utc>, Uuid)>)
        .transpose()?;
    let mut conn = state.conn().await?;
    let mut rows = Blast::page(&mut conn, me.id(), after, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|b| pagination::encode(&(b.created_at, b.id)))
    } else {
        None
    };
    Ok(web::Json(BlastPage {
        items: rows.iter().map(Blast::view).collect(),
        next_cursor,
    }))
}
