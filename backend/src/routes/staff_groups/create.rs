//! `POST /api/v1/staff-groups`.

use actix_web::{HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::staff_groups::{CreateStaffGroupRequest, StaffGroup as StaffGroupView};
use diesel_async::AsyncConnection;

use super::{checked_members, checked_name, name_taken, view};
use crate::auth::CurrentPerson;
use crate::db::models::staff_group::StaffGroup;
use crate::error::{ApiError, is_unique_violation};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Create a staff group (owner/admin).
#[utoipa::path(
    tag = "staff-groups",
    security(("bearer" = [])),
    request_body = CreateStaffGroupRequest,
    responses(
        (status = 201, description = "Created", body = StaffGroupView),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Some `member_ids` are not staff of the practice", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff-groups")]
pub async fn create_staff_group(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateStaffGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    let name = checked_name(&body.name)?;
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let members = checked_members(&mut conn, practice_id, &body.member_ids).await?;
    let result = conn
        .transaction(async |conn| {
            let group = StaffGroup::insert(conn, practice_id, &name).await?;
            StaffGroup::set_members(conn, practice_id, group.id, &members).await?;
            StaffGroup::find(conn, practice_id, group.id)
                .await?
                .ok_or(diesel::result::Error::NotFound)
        })
        .await;
    match result {
        Ok(group) => Ok(HttpResponse::Created().json(view(group))),
        Err(error) if is_unique_violation(&error) => Err(name_taken()),
        Err(error) => Err(error.into()),
    }
}
