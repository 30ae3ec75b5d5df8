//! The event log: one row for each change someone must hear of (a new thread, a message, a
//! deletion, read state, blast progress, a changed person), written in the **same
//! transaction** as the change, so that an event exists exactly when its change does. Live
//! streams, webhooks and audit views all read this one log; `pg_notify` (a trigger on the
//! table) wakes whoever listens.
//!
//! An event holds ids and counts only — [`Event`] has no field that could carry a subject,
//! a body, a file name, a name or an address — and its audience: the people allowed to hear
//! of it, decided by the same rules that decide who reads the thread (its participants), never
//! wider.
//!
//! Ids are handed out under a transaction-level advisory lock that is held until commit, so
//! events commit in id order: a reader that has seen id N never later finds a smaller id
//! appear. The lock is taken by the last statement of a change's transaction, so writers
//! queue only for their commit.

pub mod hub;
pub mod listener;
pub mod retention;
pub mod stream;
pub mod tickets;

pub use hub::{EventHub, LoggedEvent, Subscription, Unavailable};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::events;

/// The advisory lock key that orders event ids by commit ("events" in ASCII).
const ORDER_LOCK_KEY: i64 = 0x6576_656e_7473;

/// What happened, with the ids involved. The variant's name (snake case) is the event's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A thread was started with its first message.
    ConversationCreated {
        conversation_id: Uuid,
        message_id: Uuid,
        author_id: Uuid,
    },
    /// A reply was posted.
    MessageCreated {
        conversation_id: Uuid,
        message_id: Uuid,
        author_id: Uuid,
    },
    /// A message was deleted for good.
    MessageDeleted {
        conversation_id: Uuid,
        message_id: Uuid,
    },
    /// A thread was deleted for good.
    ConversationDeleted { conversation_id: Uuid },
    /// The one person in the audience read a thread: their new unread counts.
    ReadStateChanged {
        conversation_id: Uuid,
        unread_conversations: i64,
        unread_messages: i64,
    },
    /// A blast's fan-out moved (its sender hears of it).
    BlastProgress {
        blast_id: Uuid,
        total: i32,
        sent: i32,
        skipped: i32,
        failed: i32,
    },
    /// A blast's fan-out finished.
    BlastDone {
        blast_id: Uuid,
        total: i32,
        sent: i32,
        skipped: i32,
        failed: i32,
    },
    /// A person was added to the practice.
    PersonCreated { person_id: Uuid },
    /// A person's record (role, status, providers, email) changed.
    PersonChanged { person_id: Uuid },
    /// A session ended (sign-out, idleness): its live streams close.
    SessionEnded { session_id: Uuid },
}

impl Event {
    /// The kind, as stored and as sent (`event:` of a stream).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ConversationCreated { .. } => "conversation_created",
            Self::MessageCreated { .. } => "message_created",
            Self::MessageDeleted { .. } => "message_deleted",
            Self::ConversationDeleted { .. } => "conversation_deleted",
            Self::ReadStateChanged { .. } => "read_state_changed",
            Self::BlastProgress { .. } => "blast_progress",
            Self::BlastDone { .. } => "blast_done",
            Self::PersonCreated { .. } => "person_created",
            Self::PersonChanged { .. } => "person_changed",
            Self::SessionEnded { .. } => "session_ended",
        }
    }

    /// The ids and counts, without the kind.
    fn data(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("kind");
        }
        value
    }
}

/// Records `event` for `audience` in `practice_id`, on the caller's connection: call it inside
/// the transaction of the change, as its last statement (it takes the ordering lock).
pub async fn record(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    event: &Event,
    audience: &[Uuid],
) -> QueryResult<()> {
    record_many(conn, practice_id, &[(event.clone(), audience.to_vec())]).await
}

/// Records several events at once (a blast chunk's threads), in order, with one statement.
/// Events with an empty audience are left out: nobody may hear of them.
pub async fn record_many(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    batch: &[(Event, Vec<Uuid>)],
) -> QueryResult<()> {
    let rows: Vec<_> = batch
        .iter()
        .filter(|(_, audience)| !audience.is_empty())
        .map(|(event, audience)| {
            let mut audience = audience.clone();
            audience.sort_unstable();
            audience.dedup();
            (event.kind(), event.data(), audience)
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    match <[_; 1]>::try_from(rows) {
        // A single event (a reply, a read): the lock and the insert in one statement. The
        // row is made only once the lock is held (the `FROM lock`), and with it its id.
        Ok([(kind, data, audience)]) => {
            use diesel::sql_types::{Array, BigInt, Jsonb, Text, Uuid as SqlUuid};
            Prepared::sql(
                "WITH lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($1)) \
                 INSERT INTO events (practice_id, kind, data, audience) \
                 SELECT $2, $3, $4, $5 FROM lock",
            )
            .bind::<BigInt, _>(ORDER_LOCK_KEY)
            .bind::<SqlUuid, _>(practice_id)
            .bind::<Text, _>(kind)
            .bind::<Jsonb, _>(data)
            .bind::<Array<SqlUuid>, _>(audience)
            .execute(conn)
            .await
        }
        // A batch (a blast chunk): the lock, then all rows at once.
        Err(rows) => {
            diesel::select(pg_advisory_xact_lock(ORDER_LOCK_KEY))
                .execute(conn)
                .await?;
            let rows: Vec<_> = rows
                .into_iter()
                .map(|(kind, data, audience)| {
                    (
                        events::practice_id.eq(practice_id),
                        events::kind.eq(kind),
                        events::data.eq(data),
                        events::audience.eq(audience),
                    )
                })
                .collect();
            diesel::insert_into(events::table)
                .values(rows)
                .execute(conn)
                .await
        }
    }
    .map(|_| ())
}

diesel::define_sql_function! {
    /// PostgreSQL's transaction-level advisory lock (it returns `void`; nothing reads it).
    fn pg_advisory_xact_lock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Integer;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_its_kind_and_its_ids() {
        let id = Uuid::nil();
        let event = Event::MessageCreated {
            conversation_id: id,
            message_id: id,
            author_id: id,
        };
        assert_eq!(event.kind(), "message_created");
        let data = event.data();
        assert_eq!(
            data.as_object().map(|fields| fields.len()),
            Some(3),
            "{data}"
        );
        assert!(data.get("kind").is_none());
        let read = Event::ReadStateChanged {
            conversation_id: id,
            unread_conversations: 2,
            unread_messages: 5,
        };
        assert_eq!(read.data()["unread_messages"], 5);
        // The stored kind is serde's tag: one name for each, both ways.
        assert_eq!(
            serde_json::to_value(&read).expect("JSON")["kind"],
            read.kind()
        );
    }
}
