//! Webhook endpoints (Standard Webhooks): what a practice registers to hear of changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
    /// Why deliveries stopped, when they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<WebhookDisabledReason>,
    /// Since when every delivery failed (cleared by the next success). An endpoint that
    /// keeps failing for five days is disabled and the practice's owners are emailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still signs deliveries too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// Why an endpoint receives nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDisabledReason {
    /// Someone paused it (`enabled: false`).
    Paused,
    /// Every delivery failed for days; resume it with `enabled: true` once it answers.
    Failing,
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

/// The answer to rotating an endpoint's secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RotatedWebhookSecret {
    /// The new `whsec_…` secret, shown this once.
    pub secret: String,
    /// Until then deliveries carry a signature with the old secret too, so a receiver can
    /// switch at its own pace.
    pub previous_secret_expires_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDeliveryState {
    /// Not delivered yet: `next_attempt_at` says when it is tried (again).
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed (or the endpoint was removed from service): no more attempts.
    Failed,
}

/// One try to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: u32,
    /// What went wrong, when something did (a timeout, a refused connection, a non-2xx
    /// status, an address webhooks may not go to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A message to one endpoint and its attempts. Its `id` is the `webhook-id` header, the same
/// on every attempt: receivers use it to drop a repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    /// `msg_…`, sent as `webhook-id`.
    pub id: String,
    /// The payload's `type`: one of the event types, or `webhook.test`.
    pub event_type: String,
    /// Where it stands.
    pub state: WebhookDeliveryState,
    /// When the event happened (the payload's `timestamp`).
    pub created_at: DateTime<Utc>,
    /// When it is tried next, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// A page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryPage {
    /// The deliveries.
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for older deliveries; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What every delivery's JSON body holds (Standard Webhooks): the type, when it happened,
/// and ids (and counts) only — never a subject, body, name, email address or file name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "message.created",
    "timestamp": "2026-11-29T10:15:00Z",
    "data": {
        "conversation_id": "0193a1b2-0000-7000-8000-000000000001",
        "message_id": "0193a1b2-0000-7000-8000-000000000002",
        "author_id": "0193a1b2-0000-7000-8000-000000000003"
    }
}))]
pub struct WebhookPayload {
    /// The event type (`message.created`, …, or `webhook.test` from the test button).
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event happened.
    pub timestamp: DateTime<Utc>,
    /// The ids involved.
    pub data: WebhookData,
}

/// The ids (and counts) of an event. Which fields are present depends on the type:
/// `conversation.*` and `message.*` carry `conversation_id` (and `message_id`, `author_id`),
/// `blast.completed` carries `blast_id` and its counts, `person.*` carries `person_id`,
/// `webhook.test` carries `webhook_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookData {
    /// The thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Uuid>,
    /// The message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// Who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<Uuid>,
    /// The blast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blast_id: Option<Uuid>,
    /// Clients the blast was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i32>,
    /// Threads it created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<i32>,
    /// Clients it skipped (inactive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<i32>,
    /// Threads it could not create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<i32>,
    /// The person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    /// The endpoint (`webhook.test`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<Uuid>,
}

/// `GET /api/v1/webhooks/{id}/deliveries` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookDeliveriesQuery {
    /// From `next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}
