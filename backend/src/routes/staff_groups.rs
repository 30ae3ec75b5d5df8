//! `/api/v1/staff-groups`: named sets of staff. Staff may look; owners and admins change.

pub mod create;
pub mod delete;
pub mod list;
pub mod update;

use std::collections::BTreeSet;

use confidant_openapi::ProblemCode;
use confidant_openapi::staff_groups::StaffGroup as StaffGroupView;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db::models::staff_group::StaffGroup;
use crate::error::{ApiError, field_error, unknown_ids};

/// Checks that `ids` are active staff of the practice; answers them de-duplicated.
async fn checked_members(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let wanted: Vec<Uuid> = ids
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let found = StaffGroup::staff_among(conn, practice_id, &wanted).await?;
    if found.len() != wanted.len() {
        return Err(unknown_ids(
            "member_ids",
            "Each member must be an active staff member of this practice.",
        ));
    }
    Ok(wanted)
}

/// A trimmed name of 1 to 100 characters, or the 422 naming `name`.
fn checked_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(field_error("name", "Enter a name of 1 to 100 characters."));
    }
    Ok(name.to_owned())
}

fn name_taken() -> ApiError {
    ApiError::new(
        ProblemCode::Conflict,
        "A group with this name exists already.",
    )
}

fn view((group, member_ids): (StaffGroup, Vec<Uuid>)) -> StaffGroupView {
    StaffGroupView {
        id: group.id,
        name: group.name,
        member_ids,
    }
}
