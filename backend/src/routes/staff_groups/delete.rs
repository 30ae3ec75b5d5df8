//! `DELETE /api/v1/staff-groups/{id}`.

use actix_web::{HttpResponse, delete, web};
use confidant_openapi::Problem;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::staff_group::StaffGroup;
use crate::error::ApiError;
use crate::state::AppState;

/// Delete a staff group (owner/admin). Conversations already sent to it keep their
/// participants: groups are expanded when a message is sent.
#[utoipa::path(
    tag = "staff-groups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The group's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group in this practice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/staff-groups/{id}")]
pub async fn delete_staff_group(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    if StaffGroup::delete(&mut conn, me.practice_id(), id.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found())
    }
}
