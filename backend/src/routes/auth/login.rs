//! `POST /api/v1/auth/login`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::{LoginRequest, LoginResponse, MfaChallenge};
use confidant_openapi::{Problem, ProblemCode};

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::password;
use crate::auth::refresh::{new_token, token_hash};
use crate::auth::throttle::{self, SignIn};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::mfa_challenge::{self, CHALLENGE_MINUTES};
use crate::db::models::person::SignInRecord;
use crate::db::models::totp::TotpAuthenticator;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::auth::{refresh_cookie, start_session};
use crate::state::AppState;

/// Sign in with email and password.
///
/// Someone who has turned on a second factor gets `{mfa_required: true, mfa_token}` instead of
/// tokens: send a code from their authenticator app with it to `/auth/login/mfa`.
///
/// Answers the same 401 for an unknown email and a wrong password, after the same work.
/// Failed attempts are limited: 5 per 15 minutes for one account from one address, 20 per
/// 15 minutes from one address, and 10 per hour for one account from anywhere (beyond that,
/// only addresses the person signed in from before may try). Beyond a limit: 429 with
/// `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in, or (for someone who signs in with a second factor) the password was right and a code is due at `/auth/login/mfa`", body = LoginResponse),
        (status = 401, description = "Email or password not correct", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The password is right but the practice deactivated this staff member", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to check a password right now; try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = body.email.trim().to_lowercase();
    let hashes = KeyedHash::new(&state.config.hash_key);
    let address = throttle::peer_address(&request);
    let throttle = SignIn::new(hashes, &email, &address);
    let mut conn = state.conn().await?;

    let attempt = match throttle.begin(&mut conn).await {
        Ok(attempt) => attempt,
        Err(refused) => {
            AuditEvent::new(AuditAction::SignInFailed, None, None)
                .from_address(&address)
                .details(
                    serde_json::json!({"reason": "throttled", "account": hashes.email(&email)}),
                )
                .record(&mut conn)
                .await?;
            return Err(refused);
        }
    };

    let record = SignInRecord::find_by_email(&mut conn, &email).await?;
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    // The connection goes back to the pool while the password is checked (which may wait
    // for a hashing thread): a burst of sign-ins must not starve every other request.
    drop(conn);
    let verified = password::verify(body.password, hash).await;
    let mut conn = state.conn().await?;
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) => {
            // Not checked, so not a failure.
            attempt.refund(&mut conn).await?;
            return Err(error.into());
        }
    };
    let person = match record {
        Some(SignInRecord { person, .. }) if verified => person,
        record => {
            attempt.keep();
            let person = record.as_ref().map(|r| &r.person);
            let mut event = AuditEvent::new(
                AuditAction::SignInFailed,
                person.map(|p| p.practice_id),
                None,
            )
            .details(serde_json::json!({"reason": "credentials", "account": hashes.email(&email)}))
            .from_address(&address);
            if let Some(person) = person {
                event = event.target("person", person.id);
            }
            event.record(&mut conn).await?;
            return Err(ApiError::new(
                ProblemCode::Unauthorized,
                "The email or password is not correct.",
            ));
        }
    };

    throttle.succeeded(&mut conn, attempt).await?;
    if person.is_deactivated() {
        // R-OFFBOARD. Only said to someone who knows the password.
        AuditEvent::new(AuditAction::SignInFailed, Some(person.practice_id), None)
            .target("person", person.id)
            .details(serde_json::json!({"reason": "deactivated"}))
            .from_address(&address)
            .record(&mut conn)
            .await?;
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "This account was deactivated by the practice: ask its owner or an admin.",
        ));
    }
    if TotpAuthenticator::is_on(&mut conn, person.id).await? {
        // R-MFA: the password was right; the session waits for a code.
        let mfa_token = new_token();
        mfa_challenge::MfaChallenge::issue(&mut conn, person.id, &token_hash(&mfa_token)).await?;
        return Ok(
            HttpResponse::Ok().json(LoginResponse::MfaRequired(MfaChallenge {
                mfa_required: true,
                mfa_token,
                expires_in: (CHALLENGE_MINUTES * 60).unsigned_abs(),
            })),
        );
    }
    let tokens = start_session(&state, &mut conn, &person, &request).await?;
    AuditEvent::new(
        AuditAction::SignIn,
        Some(person.practice_id),
        Some(person.id),
    )
    .target("person", person.id)
    .from_address(&address)
    .record(&mut conn)
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(LoginResponse::Tokens(tokens)))
}
