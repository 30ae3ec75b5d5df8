//! `POST /api/v1/people/{id}/invitation`.

use actix_web::{HttpResponse, post, web};
use confidant_openapi::people::InvitationSent;
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::invitation::Invitation;
use crate::db::models::person::Person;
use crate::domain::permissions;
use crate::error::ApiError;
use crate::invitations::SendInvitationEmailJob;
use crate::jobs;
use crate::state::AppState;

/// Invite a person to set a password (owner/admin). Emails a one-time link that works for
/// 7 days to their email on file; an earlier link stops working. Someone who has an account
/// already is not invited again (409): they reset a forgotten password themselves, so that
/// nobody else can set a password for their account.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 202, description = "The invitation email is on its way", body = InvitationSent),
        (status = 403, description = "Not an owner or admin, or an admin inviting an owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person in this practice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person has an account already, or was deactivated", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/people/{id}/invitation")]
pub async fn invite_person(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = me.require_admin()?;
    let practice_id = me.practice_id();
    let mut conn = state.conn().await?;
    let person = Person::find(&mut conn, practice_id, id.into_inner())
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !permissions::may_change(actor, person.role()) {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "Only an owner can invite an owner.",
        ));
    }
    if person.is_deactivated() {
        return Err(ApiError::new(
            ProblemCode::Conflict,
            "They were deactivated: make them active again before inviting them.",
        ));
    }
    if Person::has_portal_account(&mut conn, person.id).await? {
        return Err(ApiError::new(
            ProblemCode::Conflict,
            "They already have an account: they can reset their password from the sign-in page.",
        ));
    }
    // The invitation and its email job commit together: no invitation without its email,
    // and no email for an invitation that was rolled back.
    let invitation = conn
        .transaction(async |conn| {
            let invitation = Invitation::issue(conn, practice_id, person.id, me.id()).await?;
            let job = SendInvitationEmailJob {
                invitation_id: invitation.id,
            };
            jobs::enqueue(conn, &job, Some(&job.idempotency_key())).await?;
            me.audit(AuditAction::InvitationSent)
                .target("person", person.id)
                .details(serde_json::json!({"invitation_id": invitation.id}))
                .record(conn)
                .await?;
            Ok::<_, diesel::result::Error>(invitation)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(InvitationSent {
        id: invitation.id,
        expires_at: invitation.expires_at,
    }))
}
