//! `PATCH /api/v1/people/{id}`.

use actix_web::{patch, web};
use confidant_openapi::people::{PersonKind, PersonStatus, Role, UpdatePersonRequest};
use confidant_openapi::{Problem, ProblemCode};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{checked_providers, email_taken};
use crate::auth::CurrentPerson;
use crate::auth::keyed_hash::KeyedHash;
use crate::db::models::audit::AuditAction;
use crate::db::models::email_change::EmailChange;
use crate::db::models::invitation::Invitation;
use crate::db::models::password_reset::PasswordReset;
use crate::db::models::person::{Person, PersonChanges};
use crate::db::models::session::Session;
use crate::db::models::staff_group::StaffGroup;
use crate::db::schema::people;
use crate::domain::permissions;
use crate::email_changes::{SendEmailChangeNoticeJob, SendEmailConfirmationJob};
use crate::error::{ApiError, field_error, is_unique_violation};
use crate::events::{self, Event};
use crate::extract::ApiJson;
use crate::jobs;
use crate::state::AppState;
use crate::views;

/// Change a person (owner/admin): name, email, a staff member's role, anyone's status and a
/// client's providers. Setting a client `inactive` or `archived` stops them sending;
/// `active` restores it.
///
/// Setting a staff member `deactivated` (offboarding) ends every session and refresh token of
/// theirs at once (their next request is refused), refuses their sign-in, takes them out of
/// every staff group and out of the people one can write to, and stops their notifications;
/// their past messages stay, with their name. `active` lets them sign in again (group
/// memberships are not restored). Nobody deactivates themselves, and the last active owner
/// cannot be deactivated.
///
/// The email of someone without a portal account changes at once. For someone who signs in,
/// it is their sign-in name: the new address gets a link to confirm it (valid 24 hours), the
/// old address is told, and until the link is used the person keeps signing in with, and
/// being notified at, the old one; the answer shows the waiting address as
/// `pending_email`. The answer is the same whether or not the new address is used anywhere
/// else. Only an owner may change an admin's or another owner's email.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    request_body = UpdatePersonRequest,
    responses(
        (status = 200, description = "Changed", body = confidant_openapi::people::Person),
        (status = 403, description = "Not an owner or admin, an admin changing an owner, or an admin changing another admin's email", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in this practice, or some `provider_ids` are not providers of the practice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another person of this practice has the email, or the last active owner would be lost", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid for this person", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/people/{id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<UpdatePersonRequest>,
) -> Result<web::Json<confidant_openapi::people::Person>, ApiError> {
    let actor = me.require_admin()?;
    let body = body.into_inner();
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
    let new_email = body
        .email
        .as_ref()
        .map(|email| email.trim().to_lowercase())
        .filter(|email| *email != target.email);
    if new_email.is_some()
        && !permissions::may_change_email(actor, target.role(), target.id == me.id())
    {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Only an owner can change the email of an admin or an owner.",
        ));
    }
    let signs_in = Person::has_portal_account(&mut conn, target.id).await?;
    // Someone who signs in confirms a new address first; anyone else's changes at once.
    let (pending_email, changes_email) = if signs_in {
        (new_email, None)
    } else {
        (None, new_email)
    };
    if let Some(email) = &pending_email
        && Person::email_in_practice(&mut conn, practice_id, email, target.id).await?
    {
        return Err(email_taken());
    }
    changes.email = changes_email;
    if let Some(status) = body.status
        && !status.fits(target.kind())
    {
        return Err(field_error(
            "status",
            match target.kind() {
                PersonKind::Staff => "A staff member is active or deactivated.",
                PersonKind::Client => "A client is active, inactive or archived.",
            },
        ));
    }
    let status_changed = body.status.is_some_and(|status| status != target.status());
    if status_changed && target.id == me.id() {
        return Err(field_error(
            "status",
            "You cannot change your own status: ask another owner or admin.",
        ));
    }
    changes.status = body
        .status
        .filter(|_| status_changed)
        .map(|status| status.as_str());
    match target.kind() {
        PersonKind::Staff => {
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
        }
    }
    let providers = match &body.provider_ids {
        Some(ids) => Some(checked_providers(&mut conn, practice_id, ids).await?),
        None => None,
    };
    let deactivates = status_changed && body.status == Some(PersonStatus::Deactivated);
    let leaves_owner_role = target.role() == Some(Role::Owner)
        && target.status() == PersonStatus::Active
        && (deactivates || body.role.is_some_and(|role| role != Role::Owner));
    let result = conn
        .transaction(async |conn| {
            if leaves_owner_role {
                // Lock the practice's active owners so two demotions cannot both pass the
                // check.
                let owners: Vec<Uuid> = people::table
                    .filter(people::practice_id.eq(practice_id))
                    .filter(people::role.eq("owner"))
                    .filter(people::status.eq(PersonStatus::Active.as_str()))
                    .select(people::id)
                    .for_update()
                    .load(conn)
                    .await?;
                if owners.len() <= 1 {
                    return Ok(Err(ApiError::new(
                        ProblemCode::Conflict,
                        "A practice needs at least one active owner: make someone else an owner first.",
                    )));
                }
            }
            let mut person = changes.apply(conn, practice_id, target.id).await?;
            if deactivates {
                // R-OFFBOARD: every token of theirs stops working on its next request.
                person = Session::end_all(conn, person.id).await?;
                StaffGroup::remove_member_everywhere(conn, practice_id, person.id).await?;
                PasswordReset::end_open(conn, person.id).await?;
                Invitation::end_open(conn, person.id).await?;
            }
            let hashes = KeyedHash::new(&state.config.hash_key);
            if let Some(email) = &changes.email {
                me.audit(AuditAction::EmailChanged)
                    .target("person", person.id)
                    .details(serde_json::json!({
                        "from": hashes.email(&target.email),
                        "to": hashes.email(email),
                    }))
                    .record(conn)
                    .await?;
            }
            if let Some(email) = &pending_email {
                let change = EmailChange::request(
                    conn,
                    practice_id,
                    person.id,
                    &person.email,
                    email,
                    me.id(),
                )
                .await?;
                let confirm = SendEmailConfirmationJob {
                    email_change_id: change.id,
                };
                jobs::enqueue(conn, &confirm, Some(&confirm.idempotency_key())).await?;
                let notice = SendEmailChangeNoticeJob {
                    email_change_id: change.id,
                };
                jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
                me.audit(AuditAction::EmailChangeRequested)
                .target("person", person.id)
                .details(serde_json::json!({
                    "email_change_id": change.id,
                    "from": hashes.email(&person.email),
                    "to": hashes.email(email),
                }))
                .record(conn)
                .await?;
            }
            if let Some(providers) = &providers {
                Person::set_providers(conn, practice_id, person.id, providers).await?;
            }
            let action = match (status_changed, person.status()) {
                (true, PersonStatus::Deactivated) => AuditAction::StaffDeactivated,
                (true, _) if person.kind() == PersonKind::Staff => AuditAction::StaffReactivated,
                (true, _) => AuditAction::StatusChanged,
                (false, _) => AuditAction::PersonUpdated,
            };
            let mut event = me.audit(action)
                .target("person", person.id);
            if status_changed {
                event = event.details(serde_json::json!({
                    "from": target.status.clone(),
                    "to": person.status.clone(),
                }));
            }
            event.record(conn).await?;
            // The person and whoever manages people hear of it.
            let mut audience = Person::administrator_ids(conn, practice_id).await?;
            audience.push(person.id);
            let changed = Event::PersonChanged {
                person_id: person.id,
            };
            events::record(conn, practice_id, &changed, &audience).await?;
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
