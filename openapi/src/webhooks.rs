//! Webhook endpoints (Standard Webhooks): what a practice registers to hear of changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The kinds of event an endpoint may subscribe to. Payloads hold ids only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    /// A thread was started.
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// A message was posted.
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A message was deleted.
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    /// A thread was deleted.
    #[serde(rename = "conversation.deleted")]
    ConversationDeleted,
    /// A blast finished its fan-out.
    #[serde(rename = "blast.completed")]
    BlastCompleted,
    /// A person was added.
    #[serde(rename = "person.created")]
    PersonCreated,
    /// A person changed.
    #[serde(rename = "person.updated")]
    PersonUpdated,
}

impl WebhookEventType {
    /// Every type.
    pub const ALL: [Self; 7] = [
        Self::ConversationCreated,
        Self::MessageCreated,
        Self::MessageDeleted,
        Self::ConversationDeleted,
        Self::BlastCompleted,
        Self::PersonCreated,
        Self::PersonUpdated,
    ];

    /// The name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationCreated => "conversation.created",
            Self::MessageCreated => "message.created",
            Self::MessageDeleted => "message.deleted",
            Self::ConversationDeleted => "conversation.deleted",
            Self::BlastCompleted => "blast.completed",
            Self::PersonCreated => "person.created",
            Self::PersonUpdated => "person.updated",
        }
    }

    /// The type with this name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// `POST /api/v1/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://ehr.example.com/confidant", "events": ["message.created"]}))]
pub struct CreateWebhookRequest {
    /// Where deliveries go: an `https` (or `http`) URL on the public internet.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// What it hears of: at least one type.
    #[schema(min_items = 1, max_items = 7)]
    pub events: Vec<WebhookEventType>,
}

/// `PATCH /api/v1/webhooks/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": false}))]
pub struct UpdateWebhookRequest {
    /// A new URL (checked as at registration).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: Option<String>,
    /// New event types.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 7)]
    pub events: Option<Vec<WebhookEventType>>,
    /// `false` pauses deliveries; `true` resumes them.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A registered endpoint (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// What it hears of.
    pub events: Vec<WebhookEventType>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// The answer to registering an endpoint: its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    /// `whsec_…` (Standard Webhooks): verify each delivery's `webhook-signature` with it.
    pub secret: String,
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: Webhook,
}

/// The practice's endpoints.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<Webhook>,
}
