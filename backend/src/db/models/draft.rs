//! Drafts: one new message and one reply per thread for each person, saved as they type and
//! removed when sent.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;

/// A saved draft (`conversation_id` none: a new message).
#[derive(Debug, Clone, QueryableByName)]
pub struct DraftRow {
    /// The subject so far (new messages only).
    #[diesel(sql_type = Text)]
    pub subject: String,
    /// The text so far.
    #[diesel(sql_type = Text)]
    pub body: String,
    /// The To so far, as the API's recipient references (new messages only).
    #[diesel(sql_type = Jsonb)]
    pub recipients: serde_json::Value,
    /// When it was last saved.
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// Where a draft belongs.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    /// The composer of a new message.
    NewMessage,
    /// The reply box of a thread.
    Reply(Uuid),
}

impl Place {
    fn conversation(self) -> Option<Uuid> {
        match self {
            Self::NewMessage => None,
            Self::Reply(id) => Some(id),
        }
    }
}

/// `person_id`'s draft at `place`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    place: Place,
) -> QueryResult<Option<DraftRow>> {
    Prepared::sql(
        "SELECT subject, body, recipients, updated_at FROM drafts \
         WHERE person_id = $1 AND conversation_id IS NOT DISTINCT FROM $2",
    )
    .bind::<SqlUuid, _>(person_id)
    .bind::<Nullable<SqlUuid>, _>(place.conversation())
    .get_result(conn)
    .await
    .optional()
}

/// Saves `person_id`'s draft at `place` (one per place: the last save wins).
pub async fn save(
    conn: &mut AsyncPgConnection,
    practice_id: Uuid,
    person_id: Uuid,
    place: Place,
    subject: &str,
    body: &str,
    recipients: serde_json::Value,
) -> QueryResult<DraftRow> {
    // Two texts for the two partial unique indexes an upsert must name.
    let text = match place {
        Place::NewMessage => concat!(
            "INSERT INTO drafts (id, practice_id, person_id, conversation_id, subject, body, \
                 recipients) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (person_id) WHERE conversation_id IS NULL ",
            "DO UPDATE SET subject = excluded.subject, body = excluded.body, \
                 recipients = excluded.recipients, updated_at = now() \
             RETURNING subject, body, recipients, updated_at"
        ),
        Place::Reply(_) => concat!(
            "INSERT INTO drafts (id, practice_id, person_id, conversation_id, subject, body, \
                 recipients) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (person_id, conversation_id) WHERE conversation_id IS NOT NULL ",
            "DO UPDATE SET subject = excluded.subject, body = excluded.body, \
                 recipients = excluded.recipients, updated_at = now() \
             RETURNING subject, body, recipients, updated_at"
        ),
    };
    Prepared::sql(text)
        .bind::<SqlUuid, _>(Uuid::now_v7())
        .bind::<SqlUuid, _>(practice_id)
        .bind::<SqlUuid, _>(person_id)
        .bind::<Nullable<SqlUuid>, _>(place.conversation())
        .bind::<Text, _>(subject.to_owned())
        .bind::<Text, _>(body.to_owned())
        .bind::<Jsonb, _>(recipients)
        .get_result(conn)
        .await
}

/// Removes `person_id`'s draft at `place`, if any.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    place: Place,
) -> QueryResult<()> {
    Prepared::sql(
        "DELETE FROM drafts WHERE person_id = $1 AND conversation_id IS NOT DISTINCT FROM $2",
    )
    .bind::<SqlUuid, _>(person_id)
    .bind::<Nullable<SqlUuid>, _>(place.conversation())
    .execute(conn)
    .await
    .map(|_| ())
}
