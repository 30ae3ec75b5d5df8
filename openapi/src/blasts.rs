//! `/api/v1/blasts`: one message from a staff member to many clients, each as a new private
//! thread (SPEC §6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::conversations::AttachmentRef;

/// R-BLAST-MIN: the fewest clients a blast may go to.
pub const MIN_BLAST_CLIENTS: usize = 2;

/// `POST /api/v1/blasts`. The selection is `client_ids`, plus every active client assigned to
/// the sender when `all_my_active_clients` is set, minus `exclude_client_ids`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "all_my_active_clients": true,
    "exclude_client_ids": ["0190a5c4-7d1e-7c3a-9f4e-2b8d6a1c0e57"],
    "subject": "Office closed on Friday",
    "body": "Our office is closed this Friday. Sessions move to the following week."
}))]
pub struct CreateBlastRequest {
    /// Clients chosen one by one (at most 5,000; for more, use `all_my_active_clients`).
    #[serde(default)]
    #[schema(max_items = 5000)]
    pub client_ids: Vec<Uuid>,
    /// Adds the sender's assigned clients whose status is active.
    #[serde(default)]
    pub all_my_active_clients: bool,
    /// Clients taken out of the selection again (at most 5,000).
    #[serde(default)]
    #[schema(max_items = 5000)]
    pub exclude_client_ids: Vec<Uuid>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub subject: String,
    /// 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000, pattern = r"\S")]
    pub body: String,
    /// Up to 10 uploads every client receives.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachment_ids: Vec<Uuid>,
}

/// Where a blast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlastState {
    /// Accepted; no thread made yet.
    Queued,
    /// Threads are being made.
    Sending,
    /// Every selected client was handled.
    Done,
}

/// A blast with its progress. `sent + skipped + failed` reaches `total` when it is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Blast {
    /// Its id.
    pub id: Uuid,
    /// Where it is.
    pub state: BlastState,
    /// Clients selected.
    pub total: i32,
    /// Clients who received their thread.
    pub sent: i32,
    /// Inactive or archived clients, who received nothing.
    pub skipped: i32,
    /// Clients who could not be sent to (no longer in the practice).
    pub failed: i32,
    /// The subject every thread has.
    pub subject: String,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When the last client was handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/blasts` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BlastsQuery {
    /// From a previous page's `next_cursor`. Opaque: a cursor this API did not issue is
    /// refused with 400.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A page of the caller's blasts, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlastPage {
    /// This page.
    pub items: Vec<Blast>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/blasts/audience`: what "All my active clients" stands for right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlastAudience {
    /// How many clients assigned to the caller are active.
    pub my_active_clients: i64,
}

/// `GET /api/v1/blasts/{id}`: a blast with the message every client received and how many of
/// them have replied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BlastDetail {
    /// The blast and its progress.
    #[serde(flatten)]
    pub blast: Blast,
    /// The first message of every thread.
    pub body: String,
    /// The files every client received, in order.
    pub attachments: Vec<AttachmentRef>,
    /// Clients who have written back in their thread.
    pub replied: i64,
}

/// What became of one selected client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientOutcome {
    /// Not handled yet.
    Pending,
    /// Received their thread.
    Sent,
    /// Inactive or archived: received nothing (R-BLAST-ACTIVE).
    Skipped,
    /// No longer a client of the practice.
    Failed,
}

/// One selected client of a blast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlastRecipient {
    /// The client.
    pub client_id: Uuid,
    /// Their name.
    pub name: String,
    /// What became of them.
    pub outcome: RecipientOutcome,
    /// Their thread; absent when none was made or it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Uuid>,
    /// Whether they have written back in it.
    pub replied: bool,
}

/// `GET /api/v1/blasts/{id}/recipients` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BlastRecipientsQuery {
    /// From a previous page's `next_cursor`. Opaque: a cursor this API did not issue is
    /// refused with 400.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of a blast's selected clients, in the order they were handled.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlastRecipientPage {
    /// This page.
    pub items: Vec<BlastRecipient>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
