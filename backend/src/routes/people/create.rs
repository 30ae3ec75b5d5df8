//! `POST /api/v1/people`.

use actix_web::{HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::people::{
    CreatePersonRequest, Person as PersonView, PersonKind, PersonStatus,
};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::{checked_providers, email_taken};
use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::person::{NewPerson, Person};
use crate::domain::permissions;
use crate::error::{ApiError, field_error, is_unique_violation};
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views;

/// Add a staff member or a client (owner/admin). Clients start `active`. Nobody is emailed
/// until they are invited.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    request_body = CreatePersonRequest,
    responses(
        (status = 201, description = "Added", body = PersonView),
        (status = 403, description = "Not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Some `provider_ids` are not providers of the practice", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/people")]
pub async fn create_person(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreatePersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = me.require_admin()?;
    let body = body.into_inner();
    let name = body.name.trim().to_owned();
    if name.is_empty() {
        return Err(field_error("name", "Enter a name of 1 to 200 characters."));
    }
    let email = body.email.trim().to_lowercase();
    let (role, status) = match body.kind {
        PersonKind::Staff => {
            let role = body
                .role
                .ok_or_else(|| field_error("role", "Staff need a role."))?;
            if !permissions::may_grant(actor, role) {
                return Err(field_error(
                    "role",
                    "Only an owner can make someone an owner.",
                ));
            }
            if body.provider_ids.is_some() {
                return Err(field_error("provider_ids", "Only clients have providers."));
            }
            (Some(role.as_str()), PersonStatus::Active.as_str())
        }
        PersonKind::Client => {
            if body.role.is_some() {
                return Err(field_error("role", "Clients have no role."));
            }
            (None, PersonStatus::Active.as_str())
        }
    };
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let providers = match &body.provider_ids {
        Some(ids) => checked_providers(&mut conn, practice_id, ids).await?,
        None => Vec::new(),
    };
    let result = conn
        .transaction(async |conn| {
            let person = Person::insert(
                conn,
                &NewPerson {
                    id: Uuid::now_v7(),
                    practice_id,
                    kind: body.kind.as_str(),
                    name: &name,
                    email: &email,
                    role,
                    status,
                    security_stamp: Uuid::new_v4(),
                },
            )
            .await?;
            if !providers.is_empty() {
                Person::set_providers(conn, practice_id, person.id, &providers).await?;
            }
            me.audit(AuditAction::PersonCreated)
                .target("person", person.id)
                .record(conn)
                .await?;
            // Whoever manages people hears of it (and, through webhooks, integrations).
            let audience = Person::administrator_ids(conn, practice_id).await?;
            let created = Event::PersonCreated {
                person_id: person.id,
            };
            events::record(conn, practice_id, &created, &audience).await?;
            Ok::<_, diesel::result::Error>(person)
        })
        .await;
    let person = match result {
        Ok(person) => person,
        Err(error) if is_unique_violation(&error) => return Err(email_taken()),
        Err(error) => return Err(error.into()),
    };
    Ok(HttpResponse::Created().json(views::person(&mut conn, &person).await?))
}
