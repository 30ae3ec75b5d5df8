//! `POST /api/v1/auth/logout`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::LogoutRequest;

use crate::auth::refresh::token_hash;
use crate::db::models::audit::{AuditAction, AuditEvent};
use crate::db::models::session::Session;
use crate::error::ApiError;
use crate::extract::OptionalApiJson;
use crate::routes::auth::{presented_refresh_token, removal_cookie};
use crate::state::AppState;

/// Sign out: ends the session of the refresh token (body or cookie), so that its access and
/// refresh tokens stop working at once. Answers 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<LogoutRequest>, description = "Optional: browsers send nothing and the HttpOnly cookie is used"),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: OptionalApiJson<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = presented_refresh_token(body.0.and_then(|b| b.refresh_token), &request);
    if let Some(token) = presented {
        let mut conn = state.conn().await?;
        if let Some(session_id) = Session::of_token(&mut conn, &token_hash(&token)).await? {
            Session::revoke(&mut conn, session_id).await?;
            AuditEvent::new(AuditAction::SignOut, None, None)
                .target("session", session_id)
                .record(&mut conn)
                .await?;
        }
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state))
        .finish())
}
