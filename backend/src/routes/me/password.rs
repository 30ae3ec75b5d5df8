//! `POST /api/v1/me/password`: change your own password.

use actix_web::{HttpRequest, HttpResponse, post, web};
use confidant_openapi::auth::{ChangePasswordRequest, TokenResponse};
use confidant_openapi::{Problem, ProblemCode};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use crate::auth::SignedIn;
use crate::auth::throttle::{Attempt, PASSWORD_CHANGE_PERSON};
use crate::auth::{new_password, password};
use crate::db::models::audit::AuditAction;
use crate::db::models::session::Session;
use crate::db::schema::portal_accounts;
use crate::error::{ApiError, field_error};
use crate::extract::ApiJson;
use crate::jobs;
use crate::routes::auth::{refresh_cookie, start_session};
use crate::sign_in_emails::SendPasswordChangedNoticeJob;
use crate::state::AppState;

/// Change your password (the current one is required).
///
/// The new password must have 12 to 128 characters, differ from the current one and be hard
/// to guess (as on accepting an invitation). Every session of yours ends, this one included,
/// and the answer signs you in afresh (new tokens; browsers get a new refresh cookie); your
/// sign-in address is told that the password changed. A wrong current password is a 422 on
/// `current_password`; 5 of them in 15 minutes and further tries get 429 with `Retry-After`.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; signed in afresh", body = TokenResponse),
        (status = 403, description = "You have no password to change (no portal account)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy to check a password right now; try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    request: HttpRequest,
    SignedIn(me): SignedIn,
    body: ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut conn = state.conn().await?;
    let stored: Option<String> = portal_accounts::table
        .find(me.id())
        .select(portal_accounts::password_hash)
        .first(&mut conn)
        .await
        .optional()?;
    let Some(stored) = stored else {
        return Err(ApiError::new(
            ProblemCode::Forbidden,
            "You have no password to change: you do not sign in with one.",
        ));
    };
    if body.new_password == body.current_password {
        return Err(field_error(
            "new_password",
            "Choose a password different from the current one.",
        ));
    }
    new_password::refuse_weak(&mut conn, &me.person, &body.new_password, "new_password").await?;
    let attempt = Attempt::count(&mut conn, &[(PASSWORD_CHANGE_PERSON, me.id().to_string())])
        .await?
        .refuse_if_beyond(&mut conn, &[PASSWORD_CHANGE_PERSON])
        .await?;
    drop(conn);
    let verified = password::verify(body.current_password, Some(stored)).await;
    let mut conn = state.conn().await?;
    match verified {
        Ok(true) => attempt.refund(&mut conn).await?,
        Ok(false) => {
            attempt.keep();
            return Err(field_error(
                "current_password",
                "This is not your current password.",
            ));
        }
        Err(error) => {
            attempt.refund(&mut conn).await?;
            return Err(error.into());
        }
    }
    drop(conn);
    let hash = password::hash(body.new_password).await?;
    let mut conn = state.conn().await?;
    let person = conn
        .transaction(async |conn| {
            diesel::update(portal_accounts::table.find(me.id()))
                .set((
                    portal_accounts::password_hash.eq(&hash),
                    portal_accounts::password_set_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            let person = Session::end_all(conn, me.id()).await?;
            let notice = SendPasswordChangedNoticeJob::new(me.id());
            jobs::enqueue(conn, &notice, Some(&notice.idempotency_key())).await?;
            me.audit(AuditAction::PasswordChanged)
                .target("person", me.id())
                .record(conn)
                .await?;
            Ok::<_, diesel::result::Error>(person)
        })
        .await?;
    let tokens = start_session(&state, &mut conn, &person, &request).await?;
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(&state, &tokens.refresh_token))
        .json(tokens))
}
