//! `GET /api/v1/recipients`: the To-picker directory.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::recipients::{Recipient, RecipientList, RecipientsQuery};

use crate::auth::CurrentPerson;
use crate::db::models::person::{PeopleFilter, Person};
use crate::db::models::staff_group::StaffGroup;
use crate::domain::recipients::addressable_by;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;
use confidant_openapi::people::PersonKind;

/// What the caller may address, filtered by `q`: for staff, "All staff", staff groups, and
/// staff and clients one by one; for clients, staff of their practice only. Never an "all
/// clients" entry. The caller is not listed.
#[utoipa::path(
    tag = "recipients",
    security(("bearer" = [])),
    params(RecipientsQuery),
    responses(
        (status = 200, description = "Addressable entries", body = RecipientList),
        (status = 422, description = "A bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/recipients")]
pub async fn list_recipients(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<RecipientsQuery>,
) -> Result<web::Json<RecipientList>, ApiError> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 20, 100)?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let matches = |name: &str| q.is_none_or(|q| name.to_lowercase().contains(&q.to_lowercase()));
    let may = addressable_by(me.person.kind());
    let mut conn = state.conn().await?;
    let mut items = Vec::new();
    if may.staff_groups {
        if matches("All staff") {
            items.push(Recipient::AllStaff);
        }
        for (group, _) in StaffGroup::list(&mut conn, me.practice_id()).await? {
            if matches(&group.name) {
                items.push(Recipient::StaffGroup {
                    id: group.id,
                    name: group.name,
                });
            }
        }
    }
    let filter = PeopleFilter {
        kind: match (may.staff, may.clients) {
            (true, false) => Some(PersonKind::Staff),
            (false, true) => Some(PersonKind::Client),
            _ => None,
        },
        without_deactivated: true,
        pattern: q.map(pagination::contains_pattern),
        // One extra in case the caller is among them.
        limit: limit + 1,
        ..PeopleFilter::default()
    };
    let people = Person::list(&mut conn, me.practice_id(), &filter).await?;
    items.extend(
        people
            .into_iter()
            .filter(|person| person.id != me.id())
            .take(limit as usize)
            .map(|person| Recipient::Person {
                id: person.id,
                kind: person.kind(),
                name: person.name,
            }),
    );
    Ok(web::Json(RecipientList { items }))
}
