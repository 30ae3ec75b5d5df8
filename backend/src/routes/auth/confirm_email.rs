//! `POST /api/v1/auth/email-change/confirm`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::ConfirmEmailChangeRequest;
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::refresh::token_hash;
use crate::auth::throttle::{self, EMAIL_CONFIRMATION_ADDRESS};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::email_change::EmailChange;
use crate::db::models::person::PersonChanges;
use crate::error::{ApiError, is_unique_violation, unknown_ids};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Confirm a new sign-in email with the token from the link sent to it.
///
/// From now on the person signs in with, and is notified at, the new address. The link works
/// once and for 24 hours. Unknown or used tokens are limited to 10 per 15 minutes from one
/// address (then 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = ConfirmEmailChangeRequest,
    responses(
        (status = 204, description = "The new address is the sign-in email now"),
        (status = 409, description = "The address belongs to another account by now; ask the practice for another", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No open email change has this token: it was used, replaced or has expired (`errors.token` says so)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many unknown tokens from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/email-change/confirm")]
pub async fn confirm_email_change(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<ConfirmEmailChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = token_hash(body.token.trim());
    let hashes = KeyedHash::new(&state.config.hash_key);
    let mut conn = state.conn().await?;
    let attempt = throttle::per_address(
        &mut conn,
        hashes,
        EMAIL_CONFIRMATION_ADDRESS,
        &throttle::peer_address(&request),
    )
    .await?;
    let outcome = conn
        .transaction(async |conn| {
            let Some(change) = EmailChange::open_by_token(conn, &token).await? else {
                return Ok(Outcome::Unknown);
            };
            if change.address_taken(conn).await? {
                change.end(conn, false).await?;
                return Ok(Outcome::Taken);
            }
            let changes = PersonChanges {
                email: Some(change.new_email.clone()),
                ..PersonChanges::default()
            };
            changes
                .apply(conn, change.practice_id, change.person_id)
                .await?;
            change.end(conn, true).await?;
            AuditEvent::new(
                AuditAction::EmailChangeConfirmed,
                Some(change.practice_id),
                Some(change.person_id),
            )
            .target("person", change.person_id)
            .details(serde_json::json!({
                "email_change_id": change.id,
                "from": hashes.email(&change.old_email),
                "to": hashes.email(&change.new_email),
            }))
            .record(conn)
            .await?;
            Ok::<_, diesel::result::Error>(Outcome::Confirmed)
        })
        .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) if is_unique_violation(&error) => Outcome::Taken,
        Err(error) => return Err(error.into()),
    };
    match outcome {
        Outcome::Unknown => {
            attempt.keep();
            Err(unknown_ids(
                "token",
                "This confirmation link has been used or has expired. Ask your practice to change the email again.",
            ))
        }
        Outcome::Taken => {
            attempt.refund(&mut conn).await?;
            Err(ApiError::new(
                ProblemCode::Conflict,
                "This address is already used by another account, so it cannot become your sign-in email. Ask your practice to use another address.",
            ))
        }
        Outcome::Confirmed => {
            attempt.refund(&mut conn).await?;
            Ok(HttpResponse::NoContent().finish())
        }
    }
}

/// What confirming came to.
enum Outcome {
    Unknown,
    Taken,
    Confirmed,
}
