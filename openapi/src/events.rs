//! Live updates: `GET /api/v1/events` (Server-Sent Events) and the tickets that let a
//! browser's `EventSource` open it.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `POST /api/v1/events/tickets`: a single-use ticket for one stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StreamTicket {
    /// Pass as `ticket` to `GET /api/v1/events`. Works once, within `expires_in` seconds.
    pub ticket: String,
    /// Seconds until the ticket can no longer be used.
    pub expires_in: u32,
}

/// `GET /api/v1/events` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// A ticket from `POST /api/v1/events/tickets`, for clients that cannot send an
    /// `Authorization` header (a browser's `EventSource`). Spent on first use.
    #[param(max_length = 128)]
    pub ticket: Option<String>,
    /// Resume after this event id, as the `Last-Event-ID` header does (for clients that open a
    /// new `EventSource` and so cannot set the header). The header wins when both are sent.
    #[param(minimum = 0)]
    pub last_event_id: Option<i64>,
}

/// The kinds of event a stream sends (its `event:` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The stream is following live; `data.last_event_id` is where it resumes from. Sent
    /// after any replayed events.
    Ready,
    /// The events after `Last-Event-ID` are no longer kept (or are too many): fetch what you
    /// show afresh, then follow live. `data.last_event_id` is where it resumes from.
    Resync,
    /// A thread you take part in was started (`conversation_id`, `message_id`, `author_id`).
    ConversationCreated,
    /// A message was posted in a thread you take part in.
    MessageCreated,
    /// A message of a thread you take part in was deleted (`conversation_id`, `message_id`).
    MessageDeleted,
    /// A thread you took part in was deleted (`conversation_id`).
    ConversationDeleted,
    /// You read a thread (on any device): your new unread counts (`unread_conversations`,
    /// `unread_messages`).
    ReadStateChanged,
    /// Your blast's fan-out moved (`blast_id`, `total`, `sent`, `skipped`, `failed`).
    BlastProgress,
    /// Your blast's fan-out finished (same fields).
    BlastDone,
    /// A person was added (owners and admins hear of it; `person_id`).
    PersonCreated,
    /// A person's record changed: yours, or (for owners and admins) anyone's (`person_id`).
    PersonChanged,
    /// This stream's session ended (sign-out or idleness; `session_id`): the stream closes.
    SessionEnded,
}

/// The `data:` of an event: ids and counts only, never a subject, body, file name, name or
/// email address. Which fields are present depends on the kind (see [`EventKind`]); fetch the
/// content through the usual routes, which apply the usual permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blast_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_conversations: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_messages: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<i32>,
    /// On `ready` and `resync`: the id the stream continues from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<i64>,
}
