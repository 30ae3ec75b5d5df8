//! `POST /api/v1/auth/invitations/accept`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::{AcceptInvitationRequest, TokenResponse};
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;

use crate::auth::new_password;
use crate::auth::refresh::token_hash;
use crate::auth::throttle::INVITATION_ADDRESS;
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::invitation::Invitation;
use crate::db::models::person::{NewPortalAccount, Person};
use crate::db::models::session::Session;
use crate::error::{ApiError, is_unique_violation, unknown_ids};
use crate::extract::ApiJson;
use crate::routes::auth::{refresh_cookie, start_session};
use crate::state::AppState;

/// Set a password with the token from an invitation email, and sign in.
///
/// The token works once and for 7 days. The password must have 12 to 128 characters and be
/// hard to guess (a zxcvbn score of at least 3 of 4, where the person's name, email and
/// practice count as easy words): a weak one is a 422 on `password` that says why. Setting
/// the password ends every earlier session of the person. Unknown or used tokens are limited to 10 per 15 minutes from one address
/// (then 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, description = "Password set; signed in", body = TokenResponse),
        (status = 409, description = "Another account uses this email", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No open invitation has this token: it was used, replaced or has expired (`errors.token` says so)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many unknown tokens from this address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to hash a password right now; try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = token_hash(body.token.trim());
    let hash = new_password::from_link(
        &state,
        &request,
        INVITATION_ADDRESS,
        body.password,
        link_spent,
        async |conn| Invitation::open_by_token(conn, &token).await,
        |invitation| (invitation.practice_id, invitation.person_id),
    )
    .await?;
    let mut conn = state.conn().await?;
    let result = conn
        .transaction(async |conn| {
            // Checked again under the row's lock: the link may have been used meanwhile.
            let Some(invitation) = Invitation::open_by_token(conn, &token).await? else {
                return Ok(Err(link_spent()));
            };
            let person = Person::find(conn, invitation.practice_id, invitation.person_id)
                .await?
                .ok_or(diesel::result::Error::NotFound)?;
            NewPortalAccount {
                person_id: person.id,
                practice_id: person.practice_id,
                email: &person.email,
                password_hash: &hash,
            }
            .upsert(conn)
            .await?;
            // A new password ends every earlier sign-in.
            let person = Session::end_all(conn, person.id).await?;
            Invitation::end_open(conn, person.id).await?;
            AuditEvent::new(
                AuditAction::PasswordSet,
                Some(person.practice_id),
                Some(person.id),
            )
            .target("person", person.id)
            .details(serde_json::json!({"invitation_id": invitation.id}))
            .record(conn)
            .await?;
            Ok::<_, diesel::result::Error>(Ok(person))
        })
        .await;
    let person = match result {
        Ok(outcome) => outcome?,
        Err(error) if is_unique_violation(&error) => {
            return Err(ApiError::new(
                ProblemCode::Conflict,
                "Another Confidant account uses this email. Ask your practice to change the email on file.",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let tokens = start_session(&state, &mut conn, &person, &request).await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(tokens))
}

/// 404: no open invitation has this token (never one, used, replaced or expired).
fn link_spent() -> ApiError {
    unknown_ids(
        "token",
        "This invitation link has been used or has expired. Ask your practice for a new one.",
    )
}
