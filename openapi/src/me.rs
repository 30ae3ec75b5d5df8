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
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The signed-in person.
    pub person: Person,
    /// Their practice.
    pub practice: Practice,
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
