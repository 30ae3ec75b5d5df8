//! Named sets of staff that can be addressed at once.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A staff group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffGroup {
    /// The group's id.
    pub id: Uuid,
    /// Its name ("Front desk").
    pub name: String,
    /// The staff in it.
    pub member_ids: Vec<Uuid>,
}

/// `POST /api/v1/staff-groups` (owner/admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffGroupRequest {
    /// 1 to 100 characters, unique in the practice.
    #[validate(length(min = 1, max = 100, message = "Enter a name of 1 to 100 characters."))]
    pub name: String,
    /// Staff of the practice.
    #[serde(default)]
    pub member_ids: Vec<Uuid>,
}

/// `PATCH /api/v1/staff-groups/{id}` (owner/admin). Absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaffGroupRequest {
    /// New name.
    #[validate(length(min = 1, max = 100, message = "Enter a name of 1 to 100 characters."))]
    #[serde(default)]
    pub name: Option<String>,
    /// Replaces the members.
    #[serde(default)]
    pub member_ids: Option<Vec<Uuid>>,
}

/// `GET /api/v1/staff-groups`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffGroupList {
    /// Every group of the practice, in name order.
    pub items: Vec<StaffGroup>,
}
