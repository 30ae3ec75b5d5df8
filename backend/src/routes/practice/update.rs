//! `PATCH /api/v1/practice`.

use actix_web::{patch, web};
use confidant_openapi::Problem;
use confidant_openapi::me::{Practice as PracticeView, UpdatePracticeRequest};

use crate::auth::CurrentPerson;
use crate::db::models::practice::Practice;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Change the practice's settings (owner/admin).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdatePracticeRequest,
    responses(
        (status = 200, description = "The practice as it is now", body = PracticeView),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/practice")]
pub async fn update_practice(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<UpdatePracticeRequest>,
) -> Result<web::Json<PracticeView>, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    let practice = match body.combine_notifications {
        Some(combine) => {
            Practice::set_combine_notifications(&mut conn, me.practice_id(), combine).await?
        }
        None => Practice::find(&mut conn, me.practice_id()).await?,
    };
    Ok(web::Json(PracticeView {
        id: practice.id,
        name: practice.name,
        combine_notifications: practice.combine_notifications,
    }))
}
