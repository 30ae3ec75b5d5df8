//! `POST /api/v1/auth/login/mfa`: the second step of signing in (R-MFA).

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::{MfaLoginRequest, TokenResponse};
use confidant_openapi::{Problem, ProblemCode};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::refresh::token_hash;
use crate::auth::second_factor;
use crate::auth::throttle::{self, MFA_CODE_ADDRESS};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::mfa_challenge::MfaChallenge;
use crate::db::models::person::Person;
use crate::db::models::totp::TotpAuthenticator;
use crate::db::schema::people;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::jobs;
use crate::routes::auth::{refresh_cookie, start_session};
use crate::sign_in_emails::{SecondFactorChange, SendSecondFactorNoticeJob};
use crate::state::AppState;

fn step_expired() -> ApiError {
    ApiError::new(
        ProblemCode::Unauthorized,
        "This sign-in step has expired or was used: sign in with your password again.",
    )
}

/// Finish signing in with a code from the authenticator app, or a recovery code (each
/// recovery code works once, and its use is told to the account's sign-in address by email).
/// A TOTP code is accepted once; a challenge allows five wrong
/// codes in its five minutes. Wrong codes are 401 and limited per person (10 per 15 minutes)
/// and per address (20 per 15 minutes) beyond which 429.
#[utoipa::path(
    tag = "auth",
    request_body = MfaLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "The code is not right, or the sign-in step expired", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login/mfa")]
pub async fn login_mfa(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<MfaLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let address = throttle::peer_address(&request);
    let hashes = KeyedHash::new(&state.config.hash_key);
    let token = token_hash(body.mfa_token.trim());
    let mut conn = state.conn().await?;
    let by_address = throttle::per_address(&mut conn, hashes, MFA_CODE_ADDRESS, &address).await?;
    let found = conn
        .transaction(async |conn| {
            let Some(challenge) = MfaChallenge::open_by_token(conn, &token).await? else {
                return Ok(None);
            };
            let person: Person = people::table
                .find(challenge.person_id)
                .select(Person::as_select())
                .first(conn)
                .await?;
            Ok::<_, diesel::result::Error>(Some((challenge, person)))
        })
        .await?;
    let Some((challenge, person)) = found else {
        by_address.keep();
        return Err(step_expired());
    };
    let by_person = second_factor::count_attempt(&mut conn, &person).await?;
    let outcome = conn
        .transaction(async |conn| {
            // Locked again: two codes for one challenge are checked one after the other.
            if MfaChallenge::open_by_token(conn, &token).await?.is_none() {
                return Ok(Err(step_expired()));
            }
            let Some(row) = TotpAuthenticator::find(conn, person.id)
                .await?
                .filter(|row| row.confirmed_at.is_some())
            else {
                return Ok(Err(step_expired()));
            };
            if person.is_deactivated() {
                return Ok(Err(step_expired()));
            }
            match second_factor::check(&state, conn, &person, &row, &body.code, true).await? {
                Some(accepted) => {
                    MfaChallenge::spend(conn, challenge.id).await?;
                    if accepted == second_factor::Accepted::RecoveryCode {
                        // With the code's spending: a used code is always told, and a notice
                        // never goes out for a code the rollback kept.
                        let notice = SendSecondFactorNoticeJob::new(
                            person.id,
                            SecondFactorChange::RecoveryCodeUsed,
                        );
                        jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
                        AuditEvent::new(
                            AuditAction::RecoveryCodeUsed,
                            Some(person.practice_id),
                            Some(person.id),
                        )
                        .target("person", person.id)
                        .from_address(&address)
                        .record(conn)
                        .await?;
                    }
                    Ok(Ok(accepted))
                }
                None => {
                    MfaChallenge::count_wrong(conn, challenge.id).await?;
                    AuditEvent::new(AuditAction::SignInFailed, Some(person.practice_id), None)
                        .target("person", person.id)
                        .details(serde_json::json!({"reason": "mfa_code"}))
                        .from_address(&address)
                        .record(conn)
                        .await?;
                    Ok(Err(second_factor::wrong_sign_in_code()))
                }
            }
        })
        .await
        .map_err(|error: ApiError| error)?;
    let accepted = match outcome {
        Ok(accepted) => accepted,
        Err(refused) => {
            by_person.keep();
            by_address.keep();
            return Err(refused);
        }
    };
    by_person.refund(&mut conn).await?;
    by_address.refund(&mut conn).await?;
    let tokens = start_session(&state, &mut conn, &person, &request).await?;
    AuditEvent::new(
        AuditAction::SignIn,
        Some(person.practice_id),
        Some(person.id),
    )
    .target("person", person.id)
    .details(serde_json::json!({"second_factor": accepted.as_str()}))
    .from_address(&address)
    .record(&mut conn)
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(tokens))
}
