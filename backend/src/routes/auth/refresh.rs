//! `POST /api/v1/auth/refresh`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use confidant_openapi::auth::{RefreshRequest, TokenResponse};
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;

use crate::auth::keyed_hash::KeyedHash;
use crate::auth::refresh::{new_token, token_hash};
use crate::auth::throttle::{self, REFRESH_ADDRESS};
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::person::Person;
use crate::db::models::session::{Rotation, Session};
use crate::error::ApiError;
use crate::extract::OptionalApiJson;
use crate::routes::auth::{
    presented_refresh_token, refresh_cookie, removal_cookie, token_response,
};
use crate::state::AppState;

/// Trade a refresh token for a new token pair.
///
/// The presented token is spent. Presenting a spent token again ends its whole session (it
/// was copied); a session unused for `CONFIDANT_SESSION_IDLE_MINUTES` (default 30) has ended.
/// Browsers may send no body: the HttpOnly cookie from sign-in is used. Unknown or spent
/// tokens are limited to 30 per 15 minutes from one address (then 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: browsers send nothing and the HttpOnly cookie is used"),
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "The token is unknown, spent, or its session ended", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many unknown tokens from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: OptionalApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = presented_refresh_token(body.0.and_then(|b| b.refresh_token), &request)
        .ok_or_else(|| {
            ApiError::new(
                ProblemCode::Unauthorized,
                "Sign in again: no refresh token was sent.",
            )
        })?;
    let next = new_token();
    let idle = Duration::from_std(state.config.session_idle).unwrap_or(Duration::minutes(30));
    let mut conn = state.conn().await?;
    let attempt = throttle::per_address(
        &mut conn,
        KeyedHash::new(&state.config.hash_key),
        REFRESH_ADDRESS,
        &throttle::peer_address(&request),
    )
    .await?;
    let (old_hash, new_hash) = (token_hash(&presented), token_hash(&next));
    let rotation = conn
        .transaction(async |conn| {
            Ok::<_, ApiError>(Session::rotate(conn, &old_hash, &new_hash, idle).await?)
        })
        .await?;
    // Only tokens that were never good count against the address.
    if matches!(rotation, Rotation::Invalid) {
        attempt.keep();
    } else {
        attempt.refund(&mut conn).await?;
    }
    let ended = |detail: &str| {
        // The same 401 as any other (with `WWW-Authenticate`), plus the cookie's removal.
        let mut response = actix_web::ResponseError::error_response(&ApiError::new(
            ProblemCode::Unauthorized,
            detail,
        ));
        response
            .add_cookie(&removal_cookie(&state))
            .map_err(|error| ApiError::internal("removing the refresh cookie", &error))?;
        Ok(response)
    };
    let session = match rotation {
        Rotation::Rotated(session) => session,
        Rotation::Reused => {
            let session_id = Session::of_token(&mut conn, &token_hash(&presented)).await?;
            let mut event = AuditEvent::new(AuditAction::RefreshTokenReused, None, None);
            if let Some(id) = session_id {
                event = event.target("session", id);
            }
            event.record(&mut conn).await?;
            return ended(
                "This sign-in was ended for your safety because its token was used twice. Please sign in again.",
            );
        }
        Rotation::Idle => {
            return ended(
                "You were signed out after a period without activity. Please sign in again.",
            );
        }
        Rotation::Invalid => return ended("This sign-in has ended. Please sign in again."),
    };
    let person = Person::find(&mut conn, session.practice_id, session.person_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let tokens = token_response(&state, &mut conn, &person, session.id, next).await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(tokens))
}
