//! The practice's audit trail, for its owners and admins.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `GET /api/v1/audit-events` and `/export` filters (all optional, combined with "and").
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only what this person did.
    pub actor_id: Option<Uuid>,
    /// Only what was done to this record (a person, conversation, attachment, session, …).
    pub target_id: Option<Uuid>,
    /// Only this action (`sign_in`, `sign_in_failed`, `conversation_read`,
    /// `attachment_downloaded`, `staff_deactivated`, `mfa_enabled`, …; the list is in the
    /// guide).
    #[param(max_length = 64, pattern = "^[a-z_]+$")]
    pub action: Option<String>,
    /// Only at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only before this time.
    pub to: Option<DateTime<Utc>>,
    /// From `next_cursor` of the previous page (not for the export).
    #[param(max_length = 512)]
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50; not for the export).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// One audited action. Ids, never content: no subjects, bodies, file names or emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Its id.
    pub id: Uuid,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// What happened (`conversation_read`, `sign_in`, …).
    pub action: String,
    /// Who did it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    /// Their name as it is now, when they are still a person of the practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The kind of record acted on (`person`, `conversation`, `attachment`, `session`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// The record acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Uuid>,
    /// The address the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_address: Option<String>,
    /// More ids and counts (for example a status change's `from` and `to`); emails appear
    /// only as keyed hashes.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A page of the audit trail, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventPage {
    /// This page.
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
