//! `PATCH /api/v1/staff-groups/{id}`.

use actix_web::{patch, web};
use confidant_openapi::Problem;
use confidant_openapi::staff_groups::{StaffGroup as StaffGroupView, UpdateStaffGroupRequest};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::{checked_members, checked_name, name_taken, view};
use crate::auth::CurrentPerson;
use crate::db::models::staff_group::StaffGroup;
use crate::error::{ApiError, is_unique_violation};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Rename a staff group or replace its members (owner/admin).
#[utoipa::path(
    tag = "staff-groups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The group's id")),
    request_body = UpdateStaffGroupRequest,
    responses(
        (status = 200, description = "Changed", body = StaffGroupView),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this practice, or some `member_ids` are not staff of the practice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/staff-groups/{id}")]
pub async fn update_staff_group(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateStaffGroupRequest>,
) -> Result<web::Json<StaffGroupView>, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    let name = body.name.as_deref().map(checked_name).transpose()?;
    let practice_id = me.practice_id();
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    StaffGroup::find(&mut conn, practice_id, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let members = match &body.member_ids {
        Some(ids) => Some(checked_members(&mut conn, practice_id, ids).await?),
        None => None,
    };
    let result = conn
        .transaction(async |conn| {
            if let Some(name) = &name {
                StaffGroup::rename(conn, practice_id, id, name).await?;
            }
            if let Some(members) = &members {
                StaffGroup::set_members(conn, practice_id, id, members).await?;
            }
            StaffGroup::find(conn, practice_id, id)
                .await?
                .ok_or(diesel::result::Error::NotFound)
        })
        .await;
    match result {
        Ok(group) => Ok(web::Json(view(group))),
        Err(error) if is_unique_violation(&error) => Err(name_taken()),
        Err(error) => Err(error.into()),
    }
}
