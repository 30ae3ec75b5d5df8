//! Named sets of staff that can be addressed at once.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Front desk", "member_ids": ["0190a5c4-7d1e-7c3a-9f4e-2b8d6a1c0e57"]}))]
pub struct CreateStaffGroupRequest {
    /// 1 to 100 characters, unique in the practice.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Staff of the practice (at most 1,000).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub member_ids: Vec<Uuid>,
}

/// `PATCH /api/v1/staff-groups/{id}` (owner/admin). Absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Billing"}))]
pub struct UpdateStaffGroupRequest {
    /// New name, 1 to 100 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// Replaces the members (at most 1,000).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub member_ids: Option<Vec<Uuid>>,
}

/// `GET /api/v1/staff-groups`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffGroupList {
    /// Every group of the practice, in name order.
    pub items: Vec<StaffGroup>,
}
