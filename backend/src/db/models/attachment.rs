//! Attachment rows and their links to messages. The files themselves are in
//! [`crate::attachments::FileStore`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use confidant_openapi::conversations::AttachmentRef;
use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::{attachments, blast_attachments, message_attachments, messages};

/// An attachment row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    /// Its id; the stored file's name derives from it.
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Who uploaded it; only they can attach it.
    pub uploaded_by: Uuid,
    /// Display text only.
    pub file_name: String,
    /// The verified type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the plaintext.
    pub sha256: Vec<u8>,
    /// The file's data key, wrapped by the master key.
    pub wrapped_key: Vec<u8>,
    /// When it was sent with a message; `None` while it waits in a composer.
    pub attached_at: Option<DateTime<Utc>>,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// What attachments are put on.
#[derive(Debug, Clone, Copy)]
pub enum Carrier {
    /// A message.
    Message(Uuid),
    /// A blast, until its fan-out is done.
    Blast(Uuid),
}

/// Why attachments could not be put on a message.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// Some id is not an unattached upload of the caller (or does not exist).
    #[error("not the caller's unattached uploads")]
    NotYours,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Attachments locked on their way out with the messages that carry them; see [`Held::release`].
#[derive(Debug)]
pub struct Held {
    ids: Vec<Uuid>,
    links: usize,
}

impl Attachment {
    /// Stores a new upload's row.
    pub async fn insert(&self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        diesel::insert_into(attachments::table)
            .values(self)
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// The answer's shape.
    pub fn as_ref(&self) -> AttachmentRef {
        AttachmentRef {
            id: self.id,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
        }
    }

    /// Claims `ids` for sending: each must be an upload of `uploader` in `practice_id` that
    /// was not sent yet. All or nothing; run inside the sending transaction so that a refusal
    /// undoes the message (or blast) too. Claiming sets `attached_at` under the row lock, so
    /// two messages can never both claim the same upload.
    async fn claim(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        uploader: Uuid,
        ids: &[Uuid],
    ) -> Result<(), AttachError> {
        let claimed: Vec<Uuid> = diesel::update(
            attachments::table
                .filter(attachments::id.eq_any(ids))
                .filter(attachments::practice_id.eq(practice_id))
                .filter(attachments::uploaded_by.eq(uploader))
                .filter(attachments::attached_at.is_null()),
        )
        .set(attachments::attached_at.eq(diesel::dsl::now))
        .returning(attachments::id)
        .get_results(conn)
        .await?;
        if claimed.len() == ids.len() {
            Ok(())
        } else {
            Err(AttachError::NotYours)
        }
    }

    /// Claims `ids` (see [`Self::claim`]) and puts them, in that order, on `carrier`: a
    /// message, or a blast, which holds them until its fan-out has put them on every
    /// thread's message.
    pub async fn attach(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        uploader: Uuid,
        carrier: Carrier,
        ids: &[Uuid],
    ) -> Result<(), AttachError> {
        if ids.is_empty() {
            return Ok(());
        }
        Self::claim(conn, practice_id, uploader, ids).await?;
        let positions = ids.iter().copied().zip(0i16..);
        match carrier {
            Carrier::Message(message_id) => {
                let links: Vec<_> = positions
                    .map(|(id, position)| {
                        (
                            message_attachments::practice_id.eq(practice_id),
                            message_attachments::message_id.eq(message_id),
                            message_attachments::attachment_id.eq(id),
                            message_attachments::position.eq(position),
                        )
                    })
                    .collect();
                diesel::insert_into(message_attachments::table)
                    .values(links)
                    .execute(conn)
                    .await?;
            }
            Carrier::Blast(blast_id) => {
                let links: Vec<_> = positions
                    .map(|(id, position)| {
                        (
                            blast_attachments::blast_id.eq(blast_id),
                            blast_attachments::attachment_id.eq(id),
                            blast_attachments::position.eq(position),
                        )
                    })
                    .collect();
                diesel::insert_into(blast_attachments::table)
                    .values(links)
                    .execute(conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// The attachments of each of `message_ids`, in the order they were attached.
    pub async fn of_messages(
        conn: &mut AsyncPgConnection,
        message_ids: &[Uuid],
    ) -> QueryResult<HashMap<Uuid, Vec<AttachmentRef>>> {
        if message_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, Self)> = message_attachments::table
            .inner_join(
                attachments::table.on(attachments::id.eq(message_attachments::attachment_id)),
            )
            .filter(message_attachments::message_id.eq_any(message_ids))
            .order((
                message_attachments::message_id,
                message_attachments::position,
            ))
            .select((message_attachments::message_id, Self::as_select()))
            .load(conn)
            .await?;
        let mut by_message: HashMap<Uuid, Vec<AttachmentRef>> = HashMap::new();
        for (message_id, attachment) in rows {
            by_message
                .entry(message_id)
                .or_default()
                .push(attachment.as_ref());
        }
        Ok(by_message)
    }

    /// R-ATT-ACCESS: attachment `id` when `person_id` can see a message that carries it (is a
    /// participant of its conversation, in their own practice).
    pub async fn visible_to(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        person_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Option<Self>> {
        Prepared::sql(
            "SELECT a.* FROM attachments a \
             WHERE a.id = $1 AND a.practice_id = $2 AND EXISTS ( \
               SELECT 1 FROM message_attachments ma \
               JOIN messages m ON m.id = ma.message_id \
               JOIN conversation_participants p ON p.conversation_id = m.conversation_id \
               WHERE ma.attachment_id = a.id AND p.person_id = $3)",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(practice_id)
        .bind::<SqlUuid, _>(person_id)
        .get_result(conn)
        .await
        .optional()
    }

    /// Locks the attachments carried by `message_ids` before those messages are deleted, so
    /// that two deletions sharing a file (a blast's threads) cannot both leave it behind.
    pub async fn hold_for_messages(
        conn: &mut AsyncPgConnection,
        message_ids: &[Uuid],
    ) -> QueryResult<Held> {
        let linked: Vec<Uuid> = message_attachments::table
            .filter(message_attachments::message_id.eq_any(message_ids))
            .select(message_attachments::attachment_id)
            .load(conn)
            .await?;
        let mut held = Self::hold(conn, &linked).await?;
        held.links = linked.len();
        Ok(held)
    }

    /// Locks attachments `ids` (in id order, so concurrent holders cannot deadlock) before
    /// what carries them goes; see [`Held::release`].
    pub async fn hold(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Held> {
        let ids: Vec<Uuid> = attachments::table
            .filter(attachments::id.eq_any(ids))
            .order(attachments::id)
            .select(attachments::id)
            .for_update()
            .load(conn)
            .await?;
        Ok(Held {
            links: ids.len(),
            ids,
        })
    }

    /// As [`Self::hold_for_messages`] for every message of a conversation.
    pub async fn hold_for_conversation(
        conn: &mut AsyncPgConnection,
        conversation_id: Uuid,
    ) -> QueryResult<Held> {
        let message_ids: Vec<Uuid> = messages::table
            .filter(messages::conversation_id.eq(conversation_id))
            .select(messages::id)
            .load(conn)
            .await?;
        Self::hold_for_messages(conn, &message_ids).await
    }

    /// Removes upload `id` if it was never sent; answers whether it did.
    pub async fn delete_if_unattached(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
        diesel::delete(
            attachments::table
                .filter(attachments::id.eq(id))
                .filter(attachments::attached_at.is_null()),
        )
        .execute(conn)
        .await
        .map(|deleted| deleted == 1)
    }

    /// Removes `uploader`'s own upload `id` if it was never sent; answers whether it did.
    pub async fn delete_own_unsent(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        uploader: Uuid,
        id: Uuid,
    ) -> QueryResult<bool> {
        diesel::delete(
            attachments::table
                .filter(attachments::id.eq(id))
                .filter(attachments::practice_id.eq(practice_id))
                .filter(attachments::uploaded_by.eq(uploader))
                .filter(attachments::attached_at.is_null()),
        )
        .execute(conn)
        .await
        .map(|deleted| deleted == 1)
    }

    /// Bytes of `uploader`'s uploads that were not sent yet (the upload quota counts them).
    pub async fn unsent_bytes(conn: &mut AsyncPgConnection, uploader: Uuid) -> QueryResult<i64> {
        attachments::table
            .filter(attachments::uploaded_by.eq(uploader))
            .filter(attachments::attached_at.is_null())
            .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "coalesce(sum(size), 0)::bigint",
            ))
            .get_result(conn)
            .await
    }

    /// What a practice stores: `(files, bytes, unsent files, unsent bytes)`.
    pub async fn usage(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
    ) -> QueryResult<(i64, i64, i64, i64)> {
        use diesel::dsl::{count_star, sql};
        use diesel::sql_types::BigInt;
        attachments::table
            .filter(attachments::practice_id.eq(practice_id))
            .select((
                count_star(),
                sql::<BigInt>("coalesce(sum(size), 0)::bigint"),
                sql::<BigInt>("count(*) FILTER (WHERE attached_at IS NULL)"),
                sql::<BigInt>("coalesce(sum(size) FILTER (WHERE attached_at IS NULL), 0)::bigint"),
            ))
            .get_result(conn)
            .await
    }

    /// Whether the row still exists.
    pub async fn exists(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            attachments::table.filter(attachments::id.eq(id)),
        ))
        .get_result(conn)
        .await
    }
}

impl Held {
    /// After the messages (or a blast's hold) are gone: removes the rows of held attachments
    /// that no message or blast carries any more and answers their ids (whose files must now
    /// go), with the number of attachment links that went (for the audit record).
    pub async fn release(self, conn: &mut AsyncPgConnection) -> QueryResult<(Vec<Uuid>, usize)> {
        if self.ids.is_empty() {
            return Ok((Vec::new(), self.links));
        }
        let removed: Vec<Uuid> = Prepared::sql(
            "DELETE FROM attachments a WHERE a.id = ANY($1) \
             AND NOT EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.attachment_id = a.id) \
             AND NOT EXISTS (SELECT 1 FROM blast_attachments ba WHERE ba.attachment_id = a.id) \
             RETURNING a.id",
        )
        .bind::<Array<SqlUuid>, _>(&self.ids)
        .load::<RemovedId>(conn)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
        Ok((removed, self.links))
    }
}

#[derive(QueryableByName)]
struct RemovedId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}
