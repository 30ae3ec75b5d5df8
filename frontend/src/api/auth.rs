//! Signing in and out. The refresh token lives in an HttpOnly cookie the server sets: page
//! scripts never see it, so these calls send no refresh token of their own.

use confidant_openapi::auth::{
    AcceptInvitationRequest, ConfirmEmailChangeRequest, LoginRequest, TokenResponse,
};
use confidant_openapi::me::Me;

use super::{ApiError, Method, call, call_empty};

/// `POST /api/v1/auth/login`.
pub async fn login(email: String, password: String) -> Result<TokenResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/auth/login",
        None,
        Some(&LoginRequest { email, password }),
    )
    .await
}

/// `POST /api/v1/auth/refresh` with the cookie.
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/auth/refresh",
        None,
        Some(&serde_json::json!({})),
    )
    .await
}

/// `POST /api/v1/auth/logout` with the cookie.
pub async fn logout() -> Result<(), ApiError> {
    call_empty(
        Method::Post,
        "/api/v1/auth/logout",
        None,
        Some(&serde_json::json!({})),
    )
    .await
}

/// `POST /api/v1/auth/invitations/accept`.
pub async fn accept_invitation(token: String, password: String) -> Result<TokenResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/auth/invitations/accept",
        None,
        Some(&AcceptInvitationRequest { token, password }),
    )
    .await
}

/// `POST /api/v1/auth/email-change/confirm`.
pub async fn confirm_email_change(token: String) -> Result<(), ApiError> {
    call_empty(
        Method::Post,
        "/api/v1/auth/email-change/confirm",
        None,
        Some(&ConfirmEmailChangeRequest { token }),
    )
    .await
}

/// `GET /api/v1/me`.
pub async fn me(token: &str) -> Result<Me, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/me", Some(token), None).await
}
