//! `POST /api/v1/auth/login`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::{LoginRequest, TokenResponse};
use confidant_openapi::{Problem, ProblemCode};

use crate::auth::throttle::{self, ThrottleKeys};
use crate::auth::{password, refresh::email_key};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::person::SignInRecord;
use crate::error::{ApiError, validate};
use crate::routes::auth::{refresh_cookie, start_session};
use crate::state::AppState;

/// Sign in with email and password.
///
/// Answers the same 401 for an unknown email and a wrong password, after the same work.
/// Repeated failures for one account (5) or from one address (20) within 15 minutes answer
/// 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Email or password not correct", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    validate(&body)?;
    let email = body.email.trim().to_lowercase();
    let address = request
        .peer_addr()
        .map(|peer| peer.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let keys = ThrottleKeys::new(&email, &address);
    let mut conn = state.conn().await?;

    if let Some(seconds) = throttle::blocked_for(&mut conn, &keys).await? {
        AuditEvent::new(AuditAction::SignInFailed, None, None)
            .details(serde_json::json!({"reason": "throttled", "account": email_key(&email)}))
            .record(&mut conn)
            .await?;
        return Err(ApiError::too_many_requests(seconds));
    }

    let record = SignInRecord::find_by_email(&mut conn, &email).await?;
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    if !password::verify(body.password, hash).await {
        throttle::record_failure(&mut conn, &keys).await?;
        let person = record.as_ref().map(|r| &r.person);
        let mut event = AuditEvent::new(
            AuditAction::SignInFailed,
            person.map(|p| p.practice_id),
            None,
        )
        .details(serde_json::json!({"reason": "credentials", "account": email_key(&email)}));
        if let Some(person) = person {
            event = event.target("person", person.id);
        }
        event.record(&mut conn).await?;
        return Err(ApiError::new(
            ProblemCode::Unauthorized,
            "The email or password is not correct.",
        ));
    }
    let Some(SignInRecord { person, .. }) = record else {
        return Err(ApiError::new(
            ProblemCode::Unauthorized,
            "The email or password is not correct.",
        ));
    };

    throttle::record_success(&mut conn, &keys).await?;
    let tokens = start_session(&state, &mut conn, &person).await?;
    AuditEvent::new(
        AuditAction::SignIn,
        Some(person.practice_id),
        Some(person.id),
    )
    .target("person", person.id)
    .record(&mut conn)
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(tokens))
}
