//! `GET /api/v1/people`.

use actix_web::{get, web};
use confidant_openapi::Problem;
use confidant_openapi::people::{PeoplePage, PeopleQuery};
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::person::{PeopleFilter, Person};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::pagination;
use crate::state::AppState;
use crate::views;

/// The practice's people in name order, filtered and paginated (staff only).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(PeopleQuery),
    responses(
        (status = 200, description = "A page of people", body = PeoplePage),
        (status = 400, description = "A malformed cursor or filter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Clients cannot list people", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people")]
pub async fn list_people(
    state: web::Data<AppState>,
    me: CurrentPerson,
    query: ApiQuery<PeopleQuery>,
) -> Result<web::Json<PeoplePage>, ApiError> {
    me.require_staff()?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 50, 200)?;
    let filter = PeopleFilter {
        kind: query.kind,
        status: query.status,
        without_deactivated: false,
        pattern: query
            .q
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(pagination::contains_pattern),
        after: query
            .cursor
            .as_deref()
            .map(pagination::decode::<(String, Uuid)>)
            .transpose()?,
        // One more than asked tells whether another page follows.
        limit: limit + 1,
    };
    let mut conn = state.conn().await?;
    let mut rows = Person::list(&mut conn, me.practice_id(), &filter).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|last| pagination::encode(&(last.name.clone(), last.id)))
    } else {
        None
    };
    Ok(web::Json(PeoplePage {
        items: views::people(&mut conn, &rows).await?,
        next_cursor,
    }))
}
