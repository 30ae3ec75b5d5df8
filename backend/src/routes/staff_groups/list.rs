//! `GET /api/v1/staff-groups`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::staff_groups::StaffGroupList;

use super::view;
use crate::auth::CurrentPerson;
use crate::db::models::staff_group::StaffGroup;
use crate::error::ApiError;
use crate::state::AppState;

/// The practice's staff groups in name order (staff only).
#[utoipa::path(
    tag = "staff-groups",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The groups", body = StaffGroupList),
        (status = 403, description = "Clients cannot see staff groups", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff-groups")]
pub async fn list_staff_groups(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<StaffGroupList>, ApiError> {
    me.require_staff()?;
    let mut conn = state.conn().await?;
    let groups = StaffGroup::list(&mut conn, me.practice_id()).await?;
    Ok(web::Json(StaffGroupList {
        items: groups.into_iter().map(view).collect(),
    }))
}
