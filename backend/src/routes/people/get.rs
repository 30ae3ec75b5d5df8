//! `GET /api/v1/people/{id}`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::people::Person as PersonView;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::person::Person;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;

/// One person of the practice (staff only).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 403, description = "Clients cannot look people up", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in this practice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people/{id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<PersonView>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let person = Person::find(&mut conn, me.practice_id(), id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(views::person(&mut conn, &person).await?))
}
