//! `POST /api/v1/auth/password-reset` and `…/confirm` (R-RESET).

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::Problem;
use confidant_openapi::auth::{PasswordResetConfirmRequest, PasswordResetRequest};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::new_password;
use crate::auth::refresh::token_hash;
use crate::auth::throttle::{
    self, Attempt, PASSWORD_RESET_ACCOUNT, PASSWORD_RESET_ADDRESS, PASSWORD_RESET_CONFIRM_ADDRESS,
};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::password_reset::PasswordReset;
use crate::db::models::person::SignInRecord;
use crate::db::models::session::Session;
use crate::db::schema::portal_accounts;
use crate::error::{ApiError, unknown_ids};
use crate::extract::ApiJson;
use crate::jobs;
use crate::sign_in_emails::{SendPasswordChangedNoticeJob, SendPasswordResetJob};
use crate::state::AppState;

/// Ask for a password reset link.
///
/// Answers 202 whether or not the email belongs to an account, after the same work, so the
/// answer tells nothing. When it does, the account's sign-in address gets a
/// link that works once and for 60 minutes. At most 3 requests per hour for one email and 10
/// per hour from one address (then 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the email belongs to an account, a reset link is on its way"),
        (status = 429, description = "Too many requests for this email or from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email.trim().to_lowercase();
    let hashes = KeyedHash::new(&state.config.hash_key);
    let mut conn = state.conn().await?;
    let account = hashes.email(&email);
    Attempt::count(
        &mut conn,
        &[
            (
                PASSWORD_RESET_ADDRESS,
                hashes.address(&throttle::peer_address(&request)),
            ),
            (PASSWORD_RESET_ACCOUNT, account.clone()),
        ],
    )
    .await?
    .refuse_if_beyond(&mut conn, &[PASSWORD_RESET_ADDRESS, PASSWORD_RESET_ACCOUNT])
    .await?
    .keep();
    // The same statements whether or not the email names an account: one lookup, one job,
    // one audit record.
    let person = SignInRecord::find_by_email(&mut conn, &email)
        .await?
        .map(|record| record.person);
    conn.transaction(async |conn| {
        let job = SendPasswordResetJob {
            request_id: Uuid::now_v7(),
            person_id: person.as_ref().map(|person| person.id),
        };
        jobs::enqueue(conn, &job, Some(&job.idempotency_key())).await?;
        let mut event = AuditEvent::new(
            AuditAction::PasswordResetRequested,
            person.as_ref().map(|person| person.practice_id),
            None,
        )
        .details(serde_json::json!({"account": account}));
        if let Some(person) = &person {
            event = event.target("person", person.id);
        }
        event.record(conn).await
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Choose a new password with the token from a reset link.
///
/// The password must have 12 to 128 characters and be hard to guess (as on accepting an
/// invitation). It replaces the old one at once; every session and refresh token of the
/// person ends, every other open reset link stops working, and the account's address is told
/// that the password changed. Unknown, used or expired tokens are limited to 10 per 15
/// minutes from one address (then 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "The password is changed; sign in with it"),
        (status = 404, description = "No open reset link has this token: it was used, replaced or has expired (`errors.token` says so)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many unknown tokens from this address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to hash a password right now; try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = token_hash(body.token.trim());
    let hash = new_password::from_link(
        &state,
        &request,
        PASSWORD_RESET_CONFIRM_ADDRESS,
        body.password,
        link_spent,
        async |conn| PasswordReset::open_by_token(conn, &token, false).await,
        |reset| (reset.practice_id, reset.person_id),
    )
    .await?;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        // Checked again under the row's lock: the link may have been used meanwhile.
        let Some(reset) = PasswordReset::open_by_token(conn, &token, true).await? else {
            return Ok(Err(link_spent()));
        };
        PasswordReset::end_open(conn, reset.person_id).await?;
        diesel::update(portal_accounts::table.find(reset.person_id))
            .set((
                portal_accounts::password_hash.eq(&hash),
                portal_accounts::password_set_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        Session::end_all(conn, reset.person_id).await?;
        let notice = SendPasswordChangedNoticeJob::new(reset.person_id);
        jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
        AuditEvent::new(
            AuditAction::PasswordReset,
            Some(reset.practice_id),
            Some(reset.person_id),
        )
        .target("person", reset.person_id)
        .details(serde_json::json!({"password_reset_id": reset.id}))
        .record(conn)
        .await?;
        Ok::<_, diesel::result::Error>(Ok(()))
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// 404: no open reset link has this token (never one, used, replaced or expired).
fn link_spent() -> ApiError {
    unknown_ids(
        "token",
        "This reset link has been used or has expired. Ask for a new one from the sign-in page.",
    )
}
