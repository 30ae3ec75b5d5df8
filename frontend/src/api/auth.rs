//! Signing in and out, and the second factor. The refresh token lives in an HttpOnly cookie
//! the server sets: page scripts never see it, so these calls send no refresh token of their
//! own.

use confidant_openapi::auth::{
    AcceptInvitationRequest, ChangePasswordRequest, ConfirmEmailChangeRequest, LoginRequest,
    LoginResponse, MfaLoginRequest, PasswordResetConfirmRequest, PasswordResetRequest,
    TokenResponse,
};
use confidant_openapi::me::{
    EndedSessions, Me, RecoveryCodeList, SessionList, TotpCodeRequest, TotpEnrolment,
};

use super::{ApiError, Method, call, call_empty};

/// `POST /api/v1/auth/login`: tokens, or a challenge for a code when the person signs in with
/// a second factor.
pub async fn login(email: String, password: String) -> Result<LoginResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/auth/login",
        None,
        Some(&LoginRequest { email, password }),
    )
    .await
}

/// `POST /api/v1/auth/login/mfa`: the second step, with a code from the authenticator app or
/// a recovery code. Sets the refresh cookie as a sign-in does.
pub async fn login_mfa(mfa_token: String, code: String) -> Result<TokenResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/auth/login/mfa",
        None,
        Some(&MfaLoginRequest { mfa_token, code }),
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

/// `POST /api/v1/auth/password-reset`.
pub async fn request_password_reset(email: String) -> Result<(), ApiError> {
    call_empty(
        Method::Post,
        "/api/v1/auth/password-reset",
        None,
        Some(&PasswordResetRequest { email }),
    )
    .await
}

/// `POST /api/v1/auth/password-reset/confirm`.
pub async fn confirm_password_reset(token: String, password: String) -> Result<(), ApiError> {
    call_empty(
        Method::Post,
        "/api/v1/auth/password-reset/confirm",
        None,
        Some(&PasswordResetConfirmRequest { token, password }),
    )
    .await
}

/// `POST /api/v1/me/password`: answers fresh tokens (every session ended).
pub async fn change_password(
    token: &str,
    current_password: String,
    new_password: String,
) -> Result<TokenResponse, ApiError> {
    call(
        Method::Post,
        "/api/v1/me/password",
        Some(token),
        Some(&ChangePasswordRequest {
            current_password,
            new_password,
        }),
    )
    .await
}

/// `GET /api/v1/me`.
pub async fn me(token: &str) -> Result<Me, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/me", Some(token), None).await
}

/// `GET /api/v1/me/sessions`.
pub async fn sessions(token: &str) -> Result<SessionList, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/me/sessions", Some(token), None).await
}

/// `DELETE /api/v1/me/sessions/{id}`.
pub async fn end_session(token: &str, id: uuid::Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/me/sessions/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `DELETE /api/v1/me/sessions`: every other session.
pub async fn end_other_sessions(token: &str) -> Result<EndedSessions, ApiError> {
    call::<(), _>(Method::Delete, "/api/v1/me/sessions", Some(token), None).await
}

/// `POST /api/v1/me/mfa/totp`: a new secret to put in an authenticator app.
pub async fn start_totp(token: &str) -> Result<TotpEnrolment, ApiError> {
    call::<(), _>(Method::Post, "/api/v1/me/mfa/totp", Some(token), None).await
}

/// `POST /api/v1/me/mfa/totp/confirm`: turns two-step sign-in on; answers the recovery codes.
pub async fn confirm_totp(token: &str, code: String) -> Result<RecoveryCodeList, ApiError> {
    call(
        Method::Post,
        "/api/v1/me/mfa/totp/confirm",
        Some(token),
        Some(&TotpCodeRequest { code }),
    )
    .await
}

/// `DELETE /api/v1/me/mfa/totp` with a current code (or a recovery code).
pub async fn disable_totp(token: &str, code: String) -> Result<(), ApiError> {
    call_empty(
        Method::Delete,
        "/api/v1/me/mfa/totp",
        Some(token),
        Some(&TotpCodeRequest { code }),
    )
    .await
}
