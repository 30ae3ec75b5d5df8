//! `/api/v1/auth/…`: sign in, refresh, sign out.
//!
//! Browsers get the refresh token as an HttpOnly, SameSite=Strict cookie scoped to these
//! routes, out of reach of page scripts; integrators use the JSON body. Either works.

pub mod accept_invitation;
pub mod confirm_email;
pub mod login;
pub mod login_mfa;
pub mod logout;
pub mod password_reset;
pub mod refresh;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use confidant_openapi::auth::TokenResponse;
use diesel_async::AsyncPgConnection;

use crate::auth::device::Device;
use crate::auth::refresh::{new_token, token_hash};
use crate::auth::tokens::ACCESS_TOKEN_SECONDS;
use crate::db::models::person::Person;
use crate::db::models::session::Session;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views;

/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "confidant_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";

/// Starts a session for `person` (on the device of `request`) and answers with its first
/// token pair.
pub async fn start_session(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    person: &Person,
    request: &HttpRequest,
) -> Result<TokenResponse, ApiError> {
    let refresh_token = new_token();
    let session = Session::start(
        conn,
        person.practice_id,
        person.id,
        &token_hash(&refresh_token),
        &Device::of(request),
    )
    .await?;
    token_response(state, conn, person, session.id, refresh_token).await
}

/// A token pair for `person` in `session_id`.
pub async fn token_response(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    person: &Person,
    session_id: uuid::Uuid,
    refresh_token: String,
) -> Result<TokenResponse, ApiError> {
    let access_token = state
        .tokens
        .issue(
            person.id,
            person.practice_id,
            session_id,
            person.security_stamp,
        )
        .map_err(|error| ApiError::internal("signing an access token", &error))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
        person: views::person(conn, person).await?,
    })
}

/// The cookie that carries `refresh_token` for browsers. A session cookie: it is gone when
/// the browser closes.
pub fn refresh_cookie(state: &AppState, refresh_token: &str) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, refresh_token.to_owned())
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.public_url.scheme() == "https")
        .finish()
}

/// The cookie that removes the refresh cookie.
pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = refresh_cookie(state, "");
    cookie.make_removal();
    cookie
}

/// The refresh token from the body, else from the cookie.
pub fn presented_refresh_token(body: Option<String>, request: &HttpRequest) -> Option<String> {
    body.filter(|token| !token.is_empty()).or_else(|| {
        request
            .cookie(REFRESH_COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|token| !token.is_empty())
    })
}
