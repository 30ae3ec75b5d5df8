//! `/api/v1/me/sessions` (R-SESSIONS): see where you are signed in, and end any of it at once.

use actix_web::{HttpResponse, delete, get, web};
use chrono::Duration;
use confidant_openapi::Problem;
use confidant_openapi::me::{EndedSessions, SessionInfo, SessionList};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::SignedIn;
use crate::auth::device;
use crate::db::models::audit::AuditAction;
use crate::db::models::session::Session;
use crate::error::ApiError;
use crate::state::AppState;

/// Your sessions in use: each sign-in not ended and not idle, most recently used first.
///
/// `current` marks the one this request's token belongs to. `device` is the browser and
/// system named from its `User-Agent`; `network` is where it signed in from, as a /24 (IPv4)
/// or /48 (IPv6), never the exact address.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your sessions", body = SessionList),
    )
)]
#[get("/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
) -> Result<web::Json<SessionList>, ApiError> {
    let idle = Duration::from_std(state.config.session_idle).unwrap_or(Duration::minutes(30));
    let mut conn = state.conn().await?;
    let sessions = Session::active_of(&mut conn, me.id(), idle).await?;
    let items = sessions
        .into_iter()
        .map(|session| SessionInfo {
            id: session.id,
            current: session.id == me.session_id,
            created_at: session.created_at,
            last_used_at: session.last_active_at,
            device: device::label(session.user_agent.as_deref()),
            network: session.network,
        })
        .collect();
    Ok(web::Json(SessionList { items }))
}

/// End one of your sessions at once.
///
/// Its refresh token stops working now, its access token on its next request, and its live
/// streams close. Ending the current session signs you out here.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "You have no open session with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.into_inner();
    let mut conn = state.conn().await?;
    let ended = conn
        .transaction(async |conn| {
            if !Session::is_open_of(conn, me.id(), session_id).await? {
                return Ok(false);
            }
            Session::revoke(conn, session_id).await?;
            me.audit(AuditAction::SessionRevoked)
                .target("session", session_id)
                .record(conn)
                .await?;
            Ok::<_, diesel::result::Error>(true)
        })
        .await?;
    if ended {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found())
    }
}

/// Sign out everywhere else: end every session of yours but this one.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The other sessions are ended", body = EndedSessions),
    )
)]
#[delete("/me/sessions")]
pub async fn end_other_sessions(
    state: web::Data<AppState>,
    SignedIn(me): SignedIn,
) -> Result<web::Json<EndedSessions>, ApiError> {
    let mut conn = state.conn().await?;
    let ended = conn
        .transaction(async |conn| {
            let ended = Session::revoke_others(conn, me.id(), me.session_id).await?;
            for session_id in &ended {
                me.audit(AuditAction::SessionRevoked)
                    .target("session", *session_id)
                    .record(conn)
                    .await?;
            }
            Ok::<_, diesel::result::Error>(ended.len())
        })
        .await?;
    Ok(web::Json(EndedSessions { ended }))
}
