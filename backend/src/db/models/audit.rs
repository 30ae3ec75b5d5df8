//! The audit trail (HIPAA audit controls): who did what to which record, and when. Details
//! hold ids and counts only, never content.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::audit_events;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A successful sign-in.
    SignIn,
    /// A failed sign-in (wrong password, unknown email or throttled).
    SignInFailed,
    /// A session ended by logout.
    SignOut,
    /// A spent refresh token was presented; its session was revoked.
    RefreshTokenReused,
    /// A session ended after too long without activity.
    SessionIdle,
    /// A person ended one of their sessions from their sessions page.
    SessionRevoked,
    /// A password was set (through an invitation).
    PasswordSet,
    /// A password reset link was asked for (the target is set when the email named an
    /// account; details hold the email's keyed hash, never the email).
    PasswordResetRequested,
    /// A password was set with a reset link; every session ended.
    PasswordReset,
    /// A signed-in person changed their password; every other session ended.
    PasswordChanged,
    /// A person was added.
    PersonCreated,
    /// A person's details changed.
    PersonUpdated,
    /// A client's status changed.
    StatusChanged,
    /// A staff member was deactivated: every session ended (R-OFFBOARD).
    StaffDeactivated,
    /// A deactivated staff member was made active again.
    StaffReactivated,
    /// An invitation was sent.
    InvitationSent,
    /// A person's email changed at once (they had no portal account).
    EmailChanged,
    /// A change of a sign-in email was asked for; it waits for the new address to confirm.
    EmailChangeRequested,
    /// The new address confirmed a change of sign-in email.
    EmailChangeConfirmed,
    /// A message was sent (a new conversation or a reply).
    MessageSent,
    /// A conversation was opened.
    ConversationRead,
    /// A message was deleted for good.
    MessageDeleted,
    /// A conversation was deleted for good, with its messages.
    ConversationDeleted,
    /// A blast was accepted for sending.
    BlastSent,
    /// The practice's settings changed.
    PracticeUpdated,
    /// A person turned on sign-in with a TOTP code.
    MfaEnabled,
    /// A person turned it off.
    MfaDisabled,
    /// A recovery code was used to sign in.
    RecoveryCodeUsed,
    /// An attachment was downloaded.
    AttachmentDownloaded,
    /// Someone read the audit trail's export.
    AuditExported,
    /// A staff member made an API key.
    ApiKeyCreated,
    /// An API key was revoked (by its person or an owner or admin).
    ApiKeyRevoked,
    /// A webhook endpoint was registered, changed or removed (details say which).
    WebhookChanged,
}

impl AuditAction {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::SessionIdle => "session_idle",
            Self::SessionRevoked => "session_revoked",
            Self::PasswordSet => "password_set",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
            Self::PasswordChanged => "password_changed",
            Self::PersonCreated => "person_created",
            Self::PersonUpdated => "person_updated",
            Self::StatusChanged => "status_changed",
            Self::StaffDeactivated => "staff_deactivated",
            Self::StaffReactivated => "staff_reactivated",
            Self::InvitationSent => "invitation_sent",
            Self::EmailChanged => "email_changed",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChangeConfirmed => "email_change_confirmed",
            Self::MessageSent => "message_sent",
            Self::ConversationRead => "conversation_read",
            Self::MessageDeleted => "message_deleted",
            Self::ConversationDeleted => "conversation_deleted",
            Self::BlastSent => "blast_sent",
            Self::PracticeUpdated => "practice_updated",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::AttachmentDownloaded => "attachment_downloaded",
            Self::AuditExported => "audit_exported",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::WebhookChanged => "webhook_changed",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// The practice, when known.
    pub practice_id: Option<Uuid>,
    /// Who acted, when known.
    pub actor_id: Option<Uuid>,
    /// What happened.
    pub action: AuditAction,
    /// The kind of record acted on (`person`, `session`, …).
    pub target_type: Option<&'static str>,
    /// The record acted on.
    pub target_id: Option<Uuid>,
    /// Ids and counts only.
    pub details: serde_json::Value,
    /// Where the request came from.
    pub source_address: Option<String>,
    /// The API key that made the request, if one did.
    pub api_key_id: Option<Uuid>,
}

impl AuditEvent {
    /// An event with no target or details.
    pub fn new(action: AuditAction, practice_id: Option<Uuid>, actor_id: Option<Uuid>) -> Self {
        Self {
            practice_id,
            actor_id,
            action,
            target_type: None,
            target_id: None,
            details: serde_json::json!({}),
            source_address: None,
            api_key_id: None,
        }
    }

    /// Notes the API key that made the request.
    pub fn by_key(mut self, key: Uuid) -> Self {
        self.api_key_id = Some(key);
        self
    }

    /// Notes the address the request came from.
    pub fn from_address(mut self, address: &str) -> Self {
        self.source_address = Some(address.to_owned());
        self
    }

    /// Names the record acted on.
    pub fn target(mut self, target_type: &'static str, target_id: Uuid) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id);
        self
    }

    /// Adds details (ids and counts only).
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// Writes the event (on the caller's connection, so inside its transaction).
    pub async fn record(self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::id.eq(Uuid::now_v7()),
                audit_events::practice_id.eq(self.practice_id),
                audit_events::actor_id.eq(self.actor_id),
                audit_events::action.eq(self.action.as_str()),
                audit_events::target_type.eq(self.target_type),
                audit_events::target_id.eq(self.target_id),
                audit_events::details.eq(self.details),
                audit_events::source_address.eq(self.source_address),
                audit_events::api_key_id.eq(self.api_key_id),
            ))
            .execute(conn)
            .await
            .map(|_| ())
    }
}

/// Which events a page or export of the trail holds.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only what this person did.
    pub actor_id: Option<Uuid>,
    /// Only what was done to this record.
    pub target_id: Option<Uuid>,
    /// Only this action (its stored name).
    pub action: Option<&'static str>,
    /// At or after.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Before.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Continue after this (created_at, id), newest first.
    pub before: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
}

/// A stored event with its actor's current name.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    /// Its id.
    pub id: Uuid,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What.
    pub action: String,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// Their name now.
    pub actor_name: Option<String>,
    /// On what kind of record.
    pub target_type: Option<String>,
    /// On which.
    pub target_id: Option<Uuid>,
    /// From where.
    pub source_address: Option<String>,
    /// Ids and counts.
    pub details: serde_json::Value,
}

impl AuditAction {
    /// Every action, for parsing filters.
    pub const ALL: [Self; 33] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::RefreshTokenReused,
        Self::SessionIdle,
        Self::SessionRevoked,
        Self::PasswordSet,
        Self::PasswordResetRequested,
        Self::PasswordReset,
        Self::PasswordChanged,
        Self::PersonCreated,
        Self::PersonUpdated,
        Self::StatusChanged,
        Self::StaffDeactivated,
        Self::StaffReactivated,
        Self::InvitationSent,
        Self::EmailChanged,
        Self::EmailChangeRequested,
        Self::EmailChangeConfirmed,
        Self::MessageSent,
        Self::ConversationRead,
        Self::MessageDeleted,
        Self::ConversationDeleted,
        Self::BlastSent,
        Self::PracticeUpdated,
        Self::MfaEnabled,
        Self::MfaDisabled,
        Self::RecoveryCodeUsed,
        Self::AttachmentDownloaded,
        Self::AuditExported,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::WebhookChanged,
    ];

    /// The action with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// A page of `practice_id`'s trail, newest first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    filter: &AuditFilter,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    use crate::db::schema::people;
    let mut query = audit_events::table
        .left_join(people::table.on(people::id.nullable().eq(audit_events::actor_id)))
        .filter(audit_events::practice_id.eq(practice_id))
        .select((
            audit_events::id,
            audit_events::created_at,
            audit_events::action,
            audit_events::actor_id,
            people::name.nullable(),
            audit_events::target_type,
            audit_events::target_id,
            audit_events::source_address,
            audit_events::details,
        ))
        .order((audit_events::created_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(target) = filter.target_id {
        query = query.filter(audit_events::target_id.eq(target));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::created_at.lt(to));
    }
    if let Some((at, id)) = filter.before {
        query = query.filter(
            audit_events::created_at
                .lt(at)
                .or(audit_events::created_at.eq(at).and(audit_events::id.lt(id))),
        );
    }
    query.load(conn).await
}
