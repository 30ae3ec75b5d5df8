//! Drafts: what a person typed and has not sent yet, kept on the server so that it survives a
//! reload or another computer, and never in the browser's storage (clinic computers are
//! shared). One draft of a new message per person, and one reply per thread.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::conversations::RecipientRef;

/// `PUT /api/v1/drafts/new`: the new message being written. Everything empty deletes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "subject": "Your next appointment",
    "body": "Hello, I wanted to ask whether",
    "recipients": [{"type": "person", "id": "0191f1c2-0000-7000-8000-000000000001"}]
}))]
#[serde(deny_unknown_fields)]
pub struct SaveDraftRequest {
    /// The subject so far, up to 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: String,
    /// The text so far, up to 50,000 characters.
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub body: String,
    /// The To so far (checked only when sending), up to 1,000.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub recipients: Vec<RecipientRef>,
}

/// The draft of a new message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Draft {
    /// The subject so far.
    pub subject: String,
    /// The text so far.
    pub body: String,
    /// The To so far.
    pub recipients: Vec<RecipientRef>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

/// `PUT /api/v1/conversations/{id}/draft`: the reply being written. An empty body deletes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"body": "Thank you, I will"}))]
#[serde(deny_unknown_fields)]
pub struct SaveReplyDraftRequest {
    /// The text so far, up to 50,000 characters.
    #[schema(max_length = 50000)]
    pub body: String,
}

/// The draft of a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReplyDraft {
    /// The text so far.
    pub body: String,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}
