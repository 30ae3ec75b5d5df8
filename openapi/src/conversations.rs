//! Conversations (threads), their messages, read state and the unread badge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::people::PersonKind;

/// The longest subject accepted.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest message body accepted.
pub const MAX_BODY_CHARS: usize = 50_000;

/// What kind of thread this is; it fixes who may reply and who sees whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Sent to exactly one person: the two write back and forth.
    Direct,
    /// Sent to staff and at most one client: everyone replies to all.
    Group,
    /// Sent to more than one client: clients see only the content and cannot reply.
    MultiClient,
    /// One thread of a message blast, between the sender and one client.
    Blast,
}

/// Why the caller may not post in a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyBlock {
    /// A client in a thread sent to several clients: compose a new message instead.
    MultiClient,
    /// A client whose status is inactive or archived: reading only.
    Inactive,
}

/// Someone in a thread, as the caller may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// Their id.
    pub id: Uuid,
    /// Their name.
    pub name: String,
    /// Staff or client.
    pub kind: PersonKind,
}

/// One entry of "To" in a new message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecipientRef {
    /// One person.
    Person {
        /// Their id.
        id: Uuid,
    },
    /// A staff group, expanded to its members when sending.
    StaffGroup {
        /// The group's id.
        id: Uuid,
    },
    /// Every staff member at the moment of sending.
    AllStaff,
}

/// `POST /api/v1/conversations`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "recipients": [{"type": "person", "id": "0190a5c4-7d1e-7c3a-9f4e-2b8d6a1c0e57"}],
    "subject": "Your next appointment",
    "body": "Hi Jordan, could we move Thursday's session to 3 pm?",
    "attachment_ids": []
}))]
pub struct CreateConversationRequest {
    /// 1 to 1,000 recipients.
    #[schema(min_items = 1, max_items = 1000)]
    pub recipients: Vec<RecipientRef>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub subject: String,
    /// 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000, pattern = r"\S")]
    pub body: String,
    /// Up to 10 uploads of the caller's to send along (see `/attachments`).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachment_ids: Vec<Uuid>,
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Thank you, 3 pm works for me.", "attachment_ids": []}))]
pub struct CreateMessageRequest {
    /// 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000, pattern = r"\S")]
    pub body: String,
    /// Up to 10 uploads of the caller's to send along.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachment_ids: Vec<Uuid>,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    /// Its id.
    pub id: Uuid,
    /// Who wrote it.
    pub author: Participant,
    /// The text.
    pub body: String,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// Files sent with it.
    pub attachments: Vec<AttachmentRef>,
    /// Whether the caller may delete it.
    pub can_delete: bool,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    /// Its id, for `GET /api/v1/attachments/{id}`.
    pub id: Uuid,
    /// The file's display name.
    pub file_name: String,
    /// The verified content type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// `GET /api/v1/conversations/{id}`: the whole thread, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    /// Its id.
    pub id: Uuid,
    /// Its subject.
    pub subject: String,
    /// Its kind.
    pub kind: ConversationKind,
    /// Who started it.
    pub started_by: Participant,
    /// The participants the caller may see (in a thread sent to several clients, a client
    /// sees only themselves and the staff who wrote).
    pub participants: Vec<Participant>,
    /// Whether the caller may post.
    pub can_reply: bool,
    /// Why not, when they may not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_blocked: Option<ReplyBlock>,
    /// Whether the caller may delete the whole thread.
    pub can_delete: bool,
    /// The latest messages (`limit` of them, 50 by default), oldest first.
    pub messages: Vec<Message>,
    /// Pass as `before` to `GET /api/v1/conversations/{id}/messages` for the messages before
    /// these; absent when `messages` starts at the thread's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_messages_cursor: Option<String>,
}

/// `GET /api/v1/conversations/{id}` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// How many of the latest messages to include, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/conversations/{id}/messages` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// `older_messages_cursor` of the thread, or `next_cursor` of the previous page: the
    /// messages before it. Without it, the latest messages.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of a thread's messages, oldest first within the page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub items: Vec<Message>,
    /// Pass as `before` for the messages before these; absent at the thread's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One row of an inbox list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationSummary {
    /// Its id.
    pub id: Uuid,
    /// Its subject.
    pub subject: String,
    /// The start of the latest message.
    pub preview: String,
    /// When the latest message was sent.
    pub last_message_at: DateTime<Utc>,
    /// Messages by others the caller has not read.
    pub unread_count: i32,
    /// Whether the caller archived it (then it is in `folder=archived`, not the inbox).
    pub archived: bool,
    /// Whether the caller may post.
    pub can_reply: bool,
    /// The participants the caller may see.
    pub participants: Vec<Participant>,
}

/// Which conversations to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// Threads with messages from others that the caller has not archived.
    #[default]
    Inbox,
    /// Threads with messages from the caller.
    Sent,
    /// Threads the caller archived (a new message brings one back to the inbox).
    Archived,
    /// Every thread the caller takes part in.
    All,
}

/// `GET /api/v1/conversations` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConversationsQuery {
    /// `inbox` (default), `sent`, `archived` or `all`. Ignored with `q`, which searches
    /// every folder.
    pub folder: Option<Folder>,
    /// Search: threads whose subject, messages or (visible) participants' names hold these
    /// words; the last word may be the start of one ("lab res" finds "lab results"). Newest
    /// activity first, paged by `cursor` as a folder is. Only the caller's threads, and only
    /// what the caller can see of them. Blank: no search; without a letter or digit: nothing
    /// matches.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only threads in which this person takes part (and the caller can see them take part).
    #[serde(rename = "with")]
    pub with_person: Option<Uuid>,
    /// Whether the threads a blast made are listed (default `true`). `false` leaves them out,
    /// so that a Sent list can show each blast once, from `GET /api/v1/blasts`, instead of
    /// one row per client. Ignored with `q`.
    pub blast_threads: Option<bool>,
    /// From `next_cursor` of the previous page. Opaque: a cursor this API did not issue is
    /// refused with 400.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A page of conversations, newest activity first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConversationPage {
    /// This page.
    pub items: Vec<ConversationSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/unread`: the badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCounts {
    /// Conversations with messages by others newer than the caller's read mark.
    pub conversations: i64,
    /// Those messages.
    pub messages: i64,
}

impl ConversationKind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
            Self::MultiClient => "multi_client",
            Self::Blast => "blast",
        }
    }

    /// The kind for a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "direct" => Some(Self::Direct),
            "group" => Some(Self::Group),
            "multi_client" => Some(Self::MultiClient),
            "blast" => Some(Self::Blast),
            _ => None,
        }
    }
}
