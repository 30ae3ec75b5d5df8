//! Personal API keys for integrators.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a key may do (always within what its person may do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum ApiKeyScope {
    /// List and open threads, the unread badge, whom one may write to.
    #[serde(rename = "conversations:read")]
    ConversationsRead,
    /// Start threads, reply, mark read, delete.
    #[serde(rename = "conversations:write")]
    ConversationsWrite,
    /// Download attachments.
    #[serde(rename = "attachments:read")]
    AttachmentsRead,
    /// Upload and remove attachments.
    #[serde(rename = "attachments:write")]
    AttachmentsWrite,
    /// List blasts and follow their progress.
    #[serde(rename = "blasts:read")]
    BlastsRead,
    /// Send blasts.
    #[serde(rename = "blasts:write")]
    BlastsWrite,
    /// List people and staff groups.
    #[serde(rename = "people:read")]
    PeopleRead,
    /// Add and change people and staff groups, send invitations.
    #[serde(rename = "people:write")]
    PeopleWrite,
}

impl ApiKeyScope {
    /// Every scope.
    pub const ALL: [Self; 8] = [
        Self::ConversationsRead,
        Self::ConversationsWrite,
        Self::AttachmentsRead,
        Self::AttachmentsWrite,
        Self::BlastsRead,
        Self::BlastsWrite,
        Self::PeopleRead,
        Self::PeopleWrite,
    ];

    /// The name as stored and sent (`conversations:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationsRead => "conversations:read",
            Self::ConversationsWrite => "conversations:write",
            Self::AttachmentsRead => "attachments:read",
            Self::AttachmentsWrite => "attachments:write",
            Self::BlastsRead => "blasts:read",
            Self::BlastsWrite => "blasts:write",
            Self::PeopleRead => "people:read",
            Self::PeopleWrite => "people:write",
        }
    }

    /// The scope with this name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// `POST /api/v1/me/api-keys`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "EHR sync", "scopes": ["conversations:read", "people:read"]}))]
pub struct CreateApiKeyRequest {
    /// What the key is for, to recognise it later (1 to 100 characters).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// What it may do: at least one scope.
    #[schema(min_items = 1, max_items = 8)]
    pub scopes: Vec<ApiKeyScope>,
    /// When it stops working (in the future); absent for never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key as listed: never the key itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    /// Its id.
    pub id: Uuid,
    /// Whose key it is.
    pub person_id: Uuid,
    /// What it is for.
    pub name: String,
    /// The key's first characters (`cfk_AbCd1234`), to tell keys apart.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<ApiKeyScope>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The answer to creating a key: the key, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// Send it as `Authorization: Bearer <key>`. It is not stored and cannot be shown again.
    pub key: String,
    /// The key as listed from now on.
    #[serde(flatten)]
    pub api_key: ApiKey,
}

/// A list of keys, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyList {
    /// The keys (not revoked).
    pub items: Vec<ApiKey>,
}
