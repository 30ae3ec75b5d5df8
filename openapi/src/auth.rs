//! Signing in, refreshing, signing out, accepting an invitation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::people::Person;

/// The shortest password accepted (NIST SP 800-63B: at least 8; we ask for more).
pub const MIN_PASSWORD_LEN: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const MAX_PASSWORD_LEN: usize = 128;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The sign-in email.
    #[validate(length(min = 1, max = 254, message = "Enter your email address."))]
    pub email: String,
    /// The password.
    #[validate(length(min = 1, max = 1024, message = "Enter your password."))]
    pub password: String,
}

/// `POST /api/v1/auth/refresh`. Browsers may leave `refresh_token` out: the HttpOnly cookie
/// set at sign-in is used instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh. It is spent by this call.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/logout`. As for refresh, the cookie stands in for a missing token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The session's current refresh token.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/invitations/accept`: set a password with the token from the email.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation link.
    #[validate(length(min = 1, max = 512, message = "The invitation link is incomplete."))]
    pub token: String,
    /// The new password: 12 to 128 characters.
    #[validate(length(min = 12, max = 128, message = "Use 12 to 128 characters."))]
    pub password: String,
}

/// `POST /api/v1/auth/email-change/confirm`: confirm a new sign-in email with the token from
/// the link sent to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEmailChangeRequest {
    /// The token from the confirmation link.
    #[validate(length(min = 1, max = 512, message = "The confirmation link is incomplete."))]
    pub token: String,
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
