//! `GET /api/v1/blasts/audience`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::blasts::BlastAudience;

use crate::auth::CurrentPerson;
use crate::db::models::blast::Blast;
use crate::error::ApiError;
use crate::state::AppState;

/// How many clients "All my active clients" selects now: the caller's assigned clients with
/// status active. For the composer's menu; the blast resolves it again when sent.
#[utoipa::path(
    tag = "blasts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The count", body = BlastAudience),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/blasts/audience")]
pub async fn blast_audience(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<BlastAudience>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let mine = Blast::active_clients_of(&mut conn, me.practice_id(), me.id()).await?;
    Ok(web::Json(BlastAudience {
        my_active_clients: mine.len() as i64,
    }))
}
