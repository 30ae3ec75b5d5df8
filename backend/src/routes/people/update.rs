//! `PATCH /api/v1/people/{id}`.

use actix_web::{patch, web};
use confidant_openapi::people::{PersonKind, Role, UpdatePersonRequest};
use confidant_openapi::{Problem, ProblemCode};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{checked_providers, email_taken};
use crate::auth::CurrentPerson;
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::person::{Person, PersonChanges};
use crate::db::schema::people;
use crate::domain::permissions;
use crate::error::{ApiError, field_error, is_unique_violation, validate};
use crate::state::AppState;
use crate::views;

/// Change a person (owner/admin): name, email, a staff member's role, a client's status and
/// providers. Setting a client `inactive` or `archived` stops them sending (R-INACTIVE);
/// `active` restores it.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    request_body = UpdatePersonRequest,
    responses(
        (status = 200, description = "Changed", body = confidant_openapi::people::Person),
        (status = 400, description = "Malformed body or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner or admin, or an admin changing an owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in this practice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken, or the last owner would be lost", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid for this person", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/people/{id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: web::Json<UpdatePersonRequest>,
) -> Result<web::Json<confidant_openapi::people::Person>, ApiError> {
    let actor = me.require_admin()?;
    let body = body.into_inner();
    validate(&body)?;
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let target = Person::find(&mut conn, practice_id, id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !permissions::may_change(actor, target.role()) {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Only an owner can change an owner.",
        ));
    }
    let mut changes = PersonChanges::default();
    if let Some(name) = &body.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(field_error("name", "Enter a name of 1 to 200 characters."));
        }
        changes.name = Some(name.to_owned());
    }
    changes.email = body.email.as_ref().map(|email| email.trim().to_lowercase());
    match target.kind() {
        PersonKind::Staff => {
            if body.status.is_some() {
                return Err(field_error("status", "Only clients have a status."));
            }
            if body.provider_ids.is_some() {
                return Err(field_error("provider_ids", "Only clients have providers."));
            }
            if let Some(role) = body.role {
                if !permissions::may_grant(actor, role) {
                    return Err(field_error(
                        "role",
                        "Only an owner can make someone an owner.",
                    ));
                }
                changes.role = Some(role.as_str());
            }
        }
        PersonKind::Client => {
            if body.role.is_some() {
                return Err(field_error("role", "Clients have no role."));
            }
            changes.status = body.status.map(|status| status.as_str());
        }
    }
    let providers = match &body.provider_ids {
        Some(ids) => Some(checked_providers(&mut conn, practice_id, ids).await?),
        None => None,
    };
    let leaves_owner_role =
        target.role() == Some(Role::Owner) && body.role.is_some_and(|role| role != Role::Owner);
    let status_changed = body.status.is_some() && body.status != target.status();
    let result = conn
        .transaction(async |conn| {
            if leaves_owner_role {
                // Lock the practice's owners so two demotions cannot both pass the check.
                let owners: Vec<Uuid> = people::table
                    .filter(people::practice_id.eq(practice_id))
                    .filter(people::role.eq("owner"))
                    .select(people::id)
                    .for_update()
                    .load(conn)
                    .await?;
                if owners.len() <= 1 {
                    return Ok(Err(ApiError::new(
                        ProblemCode::Conflict,
                        "A practice needs at least one owner: make someone else an owner first.",
                    )));
                }
            }
            let person = changes.apply(conn, practice_id, target.id).await?;
            if let Some(providers) = &providers {
                Person::set_providers(conn, practice_id, person.id, providers).await?;
            }
            let action = if status_changed {
                AuditAction::StatusChanged
            } else {
                AuditAction::PersonUpdated
            };
            let mut event = AuditEvent::new(action, Some(practice_id), Some(me.id()))
                .target("person", person.id);
            if status_changed {
                event = event.details(serde_json::json!({
                    "from": target.status.clone(),
                    "to": person.status.clone(),
                }));
            }
            event.record(conn).await?;
            Ok::<_, diesel::result::Error>(Ok(person))
        })
        .await;
    let person = match result {
        Ok(outcome) => outcome?,
        Err(error) if is_unique_violation(&error) => return Err(email_taken()),
        Err(error) => return Err(error.into()),
    };
    Ok(web::Json(views::person(&mut conn, &person).await?))
}
