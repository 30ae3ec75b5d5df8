//! Signing in, refreshing, signing out, accepting an invitation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::people::Person;

/// The shortest password accepted (NIST SP 800-63B: at least 8; we ask for more).
pub const MIN_PASSWORD_LEN: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const MAX_PASSWORD_LEN: usize = 128;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "olive@riverbend.example", "password": "demo-password-2026"}))]
pub struct LoginRequest {
    /// The sign-in email (compared without regard to case or surrounding spaces).
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    /// The password.
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// `POST /api/v1/auth/refresh`. Browsers may leave `refresh_token` out: the HttpOnly cookie
/// set at sign-in is used instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q9X2vT0bLr4mZ1Yc8dKf3nWp6sHa5uJe7gQiBoNtVxw"}))]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh. It is spent by this call.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/logout`. As for refresh, the cookie stands in for a missing token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q9X2vT0bLr4mZ1Yc8dKf3nWp6sHa5uJe7gQiBoNtVxw"}))]
pub struct LogoutRequest {
    /// The session's current refresh token.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/invitations/accept`: set a password with the token from the email.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Zq0m3Xr8Lk2vT6cYb1NwP9dHs4fJa7uEgRiOtKpV5xw", "password": "a long and memorable passphrase"}))]
pub struct AcceptInvitationRequest {
    /// The token from the invitation link.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// The new password: 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// `POST /api/v1/auth/password-reset`: ask for a reset link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "olive@riverbend.example"}))]
pub struct PasswordResetRequest {
    /// The sign-in email (compared without regard to case or surrounding spaces).
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: choose a new password with the token from
/// the reset link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Zq0m3Xr8Lk2vT6cYb1NwP9dHs4fJa7uEgRiOtKpV5xw", "password": "lantern violet ocean harbour"}))]
pub struct PasswordResetConfirmRequest {
    /// The token from the reset link.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// The new password: 12 to 128 characters, hard to guess.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// `POST /api/v1/me/password`: change your own password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "demo-password-2026", "new_password": "lantern violet ocean harbour"}))]
pub struct ChangePasswordRequest {
    /// The password you sign in with now.
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// The new password: 12 to 128 characters, hard to guess.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

/// `POST /api/v1/auth/email-change/confirm`: confirm a new sign-in email with the token from
/// the link sent to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Zq0m3Xr8Lk2vT6cYb1NwP9dHs4fJa7uEgRiOtKpV5xw"}))]
pub struct ConfirmEmailChangeRequest {
    /// The token from the confirmation link.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
}

/// The answer to `POST /api/v1/auth/login`: the usual tokens, or, for someone who signs in
/// with a second factor, a challenge to answer at `POST /api/v1/auth/login/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    /// Signed in.
    Tokens(TokenResponse),
    /// The password was right; a code is due.
    MfaRequired(MfaChallenge),
}

/// The password was right and the person signs in with a second factor: send a code from
/// their authenticator app (or a recovery code) with `mfa_token` to `/auth/login/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MfaChallenge {
    /// Always `true`.
    pub mfa_required: bool,
    /// Proves the password step; valid for five minutes and five wrong codes.
    pub mfa_token: String,
    /// Seconds until `mfa_token` expires.
    pub expires_in: u64,
}

/// `POST /api/v1/auth/login/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mfa_token": "Vb7kQ2mX9rLp4tYc1dWf8nZs3hJa6uEg0iOqBwNxKyo", "code": "492039"}))]
pub struct MfaLoginRequest {
    /// From the sign-in answer.
    #[schema(min_length = 1, max_length = 512)]
    pub mfa_token: String,
    /// Six digits from the authenticator app, or one of the recovery codes (`xxxxx-xxxxx`).
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
}

/// The answer to a successful sign-in, refresh or invitation acceptance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A short-lived JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Spend it once at `/auth/refresh` for a new pair. Browsers also get it as an HttpOnly
    /// cookie and need not keep it.
    pub refresh_token: String,
    /// Who signed in.
    pub person: Person,
}
