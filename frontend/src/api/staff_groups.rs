//! Staff groups (`/api/v1/staff-groups`).

use confidant_openapi::staff_groups::{
    CreateStaffGroupRequest, StaffGroup, StaffGroupList, UpdateStaffGroupRequest,
};

use super::{ApiError, Method, call, call_empty};

/// `GET /api/v1/staff-groups`.
pub async fn list(token: &str) -> Result<StaffGroupList, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/staff-groups", Some(token), None).await
}

/// `POST /api/v1/staff-groups`.
pub async fn create(token: &str, body: &CreateStaffGroupRequest) -> Result<StaffGroup, ApiError> {
    call(
        Method::Post,
        "/api/v1/staff-groups",
        Some(token),
        Some(body),
    )
    .await
}

/// `PATCH /api/v1/staff-groups/{id}`.
pub async fn update(
    token: &str,
    id: uuid::Uuid,
    body: &UpdateStaffGroupRequest,
) -> Result<StaffGroup, ApiError> {
    call(
        Method::Patch,
        &format!("/api/v1/staff-groups/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// `DELETE /api/v1/staff-groups/{id}`.
pub async fn delete(token: &str, id: uuid::Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/staff-groups/{id}"),
        Some(token),
        None,
    )
    .await
}
