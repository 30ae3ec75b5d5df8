//! The signed-in person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::people::Person;

/// A practice (the tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Practice {
    /// The practice's id.
    pub id: Uuid,
    /// Its name, as shown to its people and in emails.
    pub name: String,
    /// Whether message notifications to a person within a few minutes are combined into one
    /// email.
    pub combine_notifications: bool,
    /// Whether every staff member must sign in with a second factor (TOTP). Staff without
    /// one can only set one up until they do.
    pub require_staff_mfa: bool,
}

/// `GET /api/v1/practice/usage` (owner/admin): what the practice stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PracticeUsage {
    /// Attachment files stored (a file sent with a blast counts once).
    pub files: i64,
    /// Their size in bytes.
    pub bytes: i64,
    /// Of those, uploads not sent yet (removed after a day).
    pub unsent_files: i64,
    /// Their size in bytes.
    pub unsent_bytes: i64,
    /// How many bytes of unsent uploads one person may hold.
    pub upload_quota_bytes: i64,
}

/// `PATCH /api/v1/practice` (owner/admin). Absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"combine_notifications": true}))]
pub struct UpdatePracticeRequest {
    /// Combine message notifications that would arrive within a few minutes into one email.
    #[serde(default)]
    pub combine_notifications: Option<bool>,
    /// Require every staff member to sign in with a second factor. Staff without one keep
    /// their sessions but can do nothing except set one up (`GET /api/v1/me` says
    /// `mfa.enrolment_required`; every other route answers 403 with code
    /// `mfa_enrolment_required`). Clients are not forced.
    #[serde(default)]
    pub require_staff_mfa: Option<bool>,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The signed-in person.
    pub person: Person,
    /// Their practice.
    pub practice: Practice,
    /// Their second factor.
    pub mfa: MfaStatus,
}

/// A person's second factor, in `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MfaStatus {
    /// Whether they sign in with a TOTP code.
    pub enabled: bool,
    /// Unused recovery codes left (0 when MFA is off).
    pub recovery_codes_left: i64,
    /// The practice requires a second factor of staff and they have none: until they set one
    /// up, only their own account routes answer.
    pub enrolment_required: bool,
}

/// The answer to `POST /api/v1/me/mfa/totp`: put the secret in an authenticator app (scan
/// `otpauth_uri` as a QR code, or type `secret`), then confirm with a code from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolment {
    /// The shared secret, base32.
    pub secret: String,
    /// The `otpauth://totp/…` URI for a QR code.
    pub otpauth_uri: String,
}

/// A code from the authenticator app: `POST /api/v1/me/mfa/totp/confirm` and
/// `DELETE /api/v1/me/mfa/totp` (which also takes a recovery code).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "492039"}))]
pub struct TotpCodeRequest {
    /// Six digits (or, to turn MFA off, a recovery code).
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
}

/// Recovery codes, shown this once: each signs in once in place of a TOTP code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodeList {
    /// Ten codes, `xxxxx-xxxxx`.
    pub recovery_codes: Vec<String>,
}

/// One of your sessions (a sign-in on some device), `GET /api/v1/me/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// The session's id.
    pub id: Uuid,
    /// Whether it is the session of the token making this request.
    pub current: bool,
    /// When it signed in.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last signed in or refreshed its token (the app refreshes only while used).
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// The browser and system, from its `User-Agent` ("Firefox on Linux"), or
    /// "Unknown device".
    pub device: String,
    /// The network it signed in from, never the exact address (`203.0.113.0/24`), when known.
    pub network: Option<String>,
}

/// `GET /api/v1/me/sessions`: your sessions in use, most recently used first (at most 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    /// The sessions.
    pub items: Vec<SessionInfo>,
}

/// `DELETE /api/v1/me/sessions`: how many other sessions were ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndedSessions {
    /// Sessions ended.
    pub ended: usize,
}
