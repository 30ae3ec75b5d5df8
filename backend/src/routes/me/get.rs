//! `GET /api/v1/me`.

use actix_web::{get, web};
use confidant_openapi::me::{Me, Practice as PracticeView};

use crate::auth::CurrentPerson;
use crate::db::models::practice::Practice;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;

/// The signed-in person and their practice.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in person", body = Me),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, me: CurrentPerson) -> Result<web::Json<Me>, ApiError> {
    let mut conn = state.conn().await?;
    let practice = Practice::find(&mut conn, me.practice_id()).await?;
    Ok(web::Json(Me {
        person: views::person(&mut conn, &me.person).await?,
        practice: PracticeView {
            id: practice.id,
            name: practice.name,
            combine_notifications: practice.combine_notifications,
        },
    }))
}
