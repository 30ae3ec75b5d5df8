//! Blasts, their selected clients, and the set-based writes of the fan-out.

use chrono::{DateTime, Utc};
use confidant_openapi::blasts::{Blast as BlastView, BlastRecipient, BlastState, RecipientOutcome};
use confidant_openapi::conversations::AttachmentRef;
use confidant_openapi::people::PersonStatus;
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::models::attachment::Attachment;
use crate::db::prepared::Prepared;
use crate::db::schema::{attachments, blast_attachments, blasts, client_providers, people};

/// A blast row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = blasts, check_for_backend(diesel::pg::Pg))]
pub struct Blast {
    /// Its id.
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// The staff member who sent it.
    pub sender_id: Uuid,
    /// Every thread's subject.
    pub subject: String,
    /// Every thread's first message.
    pub body: String,
    /// `queued`, `sending` or `done`.
    pub state: String,
    /// Clients selected.
    pub total: i32,
    /// Clients who got their thread.
    pub sent: i32,
    /// Inactive or archived clients.
    pub skipped: i32,
    /// Clients who could not be sent to.
    pub failed: i32,
    /// When it was accepted.
    pub created_at: DateTime<Utc>,
    /// When the last client was handled.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A selected client the fan-out has not handled yet, with their status now (`None` when
/// they are no longer a client of the practice).
#[derive(Debug, Clone, QueryableByName)]
pub struct Pending {
    /// The client.
    #[diesel(sql_type = SqlUuid)]
    pub client_id: Uuid,
    /// Their status, as stored.
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
}

impl Pending {
    /// Their status, when they are (still) a client.
    pub fn status(&self) -> Option<PersonStatus> {
        match self.status.as_deref()? {
            "active" => Some(PersonStatus::Active),
            "inactive" => Some(PersonStatus::Inactive),
            "archived" => Some(PersonStatus::Archived),
            _ => None,
        }
    }
}

/// One selected client as the blast's page lists them.
#[derive(Debug, Clone, QueryableByName)]
pub struct RecipientRow {
    /// Their place in the selection (the page's keyset).
    #[diesel(sql_type = Integer)]
    pub position: i32,
    /// The client.
    #[diesel(sql_type = SqlUuid)]
    pub client_id: Uuid,
    /// Their name.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// `sent`, `skipped`, `failed`, or `None` while pending.
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
    /// Their thread, while it exists.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub conversation_id: Option<Uuid>,
    /// Whether they wrote back in it.
    #[diesel(sql_type = Bool)]
    pub replied: bool,
}

impl RecipientRow {
    /// The answer's shape.
    pub fn view(&self) -> BlastRecipient {
        BlastRecipient {
            client_id: self.client_id,
            name: self.name.clone(),
            outcome: match self.outcome.as_deref() {
                Some("sent") => RecipientOutcome::Sent,
                Some("skipped") => RecipientOutcome::Skipped,
                Some(_) => RecipientOutcome::Failed,
                None => RecipientOutcome::Pending,
            },
            conversation_id: self.conversation_id,
            replied: self.replied,
        }
    }
}

/// A count, read by name.
#[derive(Debug, Clone, Copy, QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// A message id, read by name.
#[derive(Debug, Clone, Copy, QueryableByName)]
struct MessageId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// One chunk's new threads: for each client, the conversation and message made for them.
pub struct NewThreads<'a> {
    /// Clients, in chunk order.
    pub clients: &'a [Uuid],
    /// A new conversation id per client.
    pub conversation_ids: &'a [Uuid],
    /// A new message id per client.
    pub message_ids: &'a [Uuid],
    /// The time every row of the chunk carries.
    pub at: DateTime<Utc>,
}

impl Blast {
    /// The answer's shape.
    pub fn view(&self) -> BlastView {
        BlastView {
            id: self.id,
            state: match self.state.as_str() {
                "sending" => BlastState::Sending,
                "done" => BlastState::Done,
                _ => BlastState::Queued,
            },
            total: self.total,
            sent: self.sent,
            skipped: self.skipped,
            failed: self.failed,
            subject: self.subject.clone(),
            created_at: self.created_at,
            finished_at: self.finished_at,
        }
    }

    /// The sender's assigned clients whose status is active (R-BLAST-ALL), by name.
    pub async fn active_clients_of(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        provider_id: Uuid,
    ) -> QueryResult<Vec<Uuid>> {
        client_providers::table
            .inner_join(people::table.on(people::id.eq(client_providers::client_id)))
            .filter(client_providers::practice_id.eq(practice_id))
            .filter(client_providers::provider_id.eq(provider_id))
            .filter(people::status.eq("active"))
            .order((people::name, people::id))
            .select(people::id)
            .load(conn)
            .await
    }

    /// How many of `ids` are clients of `practice_id`.
    pub async fn count_clients(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        ids: &[Uuid],
    ) -> QueryResult<i64> {
        people::table
            .filter(people::practice_id.eq(practice_id))
            .filter(people::kind.eq("client"))
            .filter(people::id.eq_any(ids))
            .count()
            .get_result(conn)
            .await
    }

    /// Stores the blast and its selection, in order.
    pub async fn insert(&self, conn: &mut AsyncPgConnection, clients: &[Uuid]) -> QueryResult<()> {
        diesel::insert_into(blasts::table)
            .values(self)
            .execute(conn)
            .await?;
        Prepared::sql(
            "INSERT INTO blast_recipients (blast_id, client_id, practice_id, position) \
             SELECT $1, client, $2, position::int \
             FROM unnest($3::uuid[]) WITH ORDINALITY AS s(client, position)",
        )
        .bind::<SqlUuid, _>(self.id)
        .bind::<SqlUuid, _>(self.practice_id)
        .bind::<Array<SqlUuid>, _>(clients)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The sender's blast `id`.
    pub async fn of_sender(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        sender_id: Uuid,
        id: Uuid,
    ) -> QueryResult<Option<Self>> {
        blasts::table
            .filter(blasts::practice_id.eq(practice_id))
            .filter(blasts::sender_id.eq(sender_id))
            .filter(blasts::id.eq(id))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// A page of the sender's blasts, newest first, after the keyset `after`.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        sender_id: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = blasts::table
            .filter(blasts::sender_id.eq(sender_id))
            .select(Self::as_select())
            .order((blasts::created_at.desc(), blasts::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some((at, id)) = after {
            // A row comparison, so that PostgreSQL reads the index as a range.
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("(blasts.created_at, blasts.id) < (")
                    .bind::<Timestamptz, _>(at)
                    .sql(", ")
                    .bind::<SqlUuid, _>(id)
                    .sql(")"),
            );
        }
        query.load(conn).await
    }

    /// The blast, locked: chunks of one blast are written one after another.
    pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Self>> {
        blasts::table
            .find(id)
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// The next `limit` clients not handled yet, in selection order.
    pub async fn pending(
        &self,
        conn: &mut AsyncPgConnection,
        limit: i64,
    ) -> QueryResult<Vec<Pending>> {
        Prepared::sql(
            "SELECT r.client_id, p.status FROM blast_recipients r \
             LEFT JOIN people p ON p.id = r.client_id AND p.practice_id = r.practice_id \
                 AND p.kind = 'client' \
             WHERE r.blast_id = $1 AND r.outcome IS NULL \
             ORDER BY r.position LIMIT $2",
        )
        .bind::<SqlUuid, _>(self.id)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await
    }

    /// Writes one chunk's threads with a statement per table: the conversations (kind
    /// `blast`, R-BLAST-NEW), the sender and the client as the only participants (marked
    /// `in_blast`: their rows have folder indexes of their own, see `inbox_page_sql!`), the
    /// messages, and the blast's files on each message.
    pub async fn write_threads(
        &self,
        conn: &mut AsyncPgConnection,
        threads: &NewThreads<'_>,
    ) -> QueryResult<()> {
        if threads.clients.is_empty() {
            return Ok(());
        }
        Prepared::sql(
            "INSERT INTO conversations (id, practice_id, subject, kind, started_by, created_at) \
             SELECT id, $2, $3, 'blast', $4, $5 FROM unnest($1::uuid[]) AS c(id)",
        )
        .bind::<Array<SqlUuid>, _>(threads.conversation_ids)
        .bind::<SqlUuid, _>(self.practice_id)
        .bind::<Text, _>(&self.subject)
        .bind::<SqlUuid, _>(self.sender_id)
        .bind::<Timestamptz, _>(threads.at)
        .execute(conn)
        .await?;
        Prepared::sql(
            "INSERT INTO conversation_participants \
                 (practice_id, conversation_id, person_id, last_message_at, unread_count, \
                  has_received, has_sent, in_blast) \
             SELECT $1, c, $2, $3, 0, false, true, true FROM unnest($4::uuid[]) AS s(c) \
             UNION ALL \
             SELECT $1, c, client, $3, 1, true, false, true \
             FROM unnest($4::uuid[], $5::uuid[]) AS r(c, client)",
        )
        .bind::<SqlUuid, _>(self.practice_id)
        .bind::<SqlUuid, _>(self.sender_id)
        .bind::<Timestamptz, _>(threads.at)
        .bind::<Array<SqlUuid>, _>(threads.conversation_ids)
        .bind::<Array<SqlUuid>, _>(threads.clients)
        .execute(conn)
        .await?;
        Prepared::sql(
            "INSERT INTO messages (id, practice_id, conversation_id, author_id, body, created_at) \
             SELECT m, $3, c, $4, $5, $6 FROM unnest($1::uuid[], $2::uuid[]) AS t(m, c)",
        )
        .bind::<Array<SqlUuid>, _>(threads.message_ids)
        .bind::<Array<SqlUuid>, _>(threads.conversation_ids)
        .bind::<SqlUuid, _>(self.practice_id)
        .bind::<SqlUuid, _>(self.sender_id)
        .bind::<Text, _>(&self.body)
        .bind::<Timestamptz, _>(threads.at)
        .execute(conn)
        .await?;
        Prepared::sql(
            "INSERT INTO message_attachments (practice_id, message_id, attachment_id, position) \
             SELECT $2, m, a.attachment_id, a.position \
             FROM unnest($1::uuid[]) AS t(m) CROSS JOIN blast_attachments a \
             WHERE a.blast_id = $3",
        )
        .bind::<Array<SqlUuid>, _>(threads.message_ids)
        .bind::<SqlUuid, _>(self.practice_id)
        .bind::<SqlUuid, _>(self.id)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records each handled client's outcome (and thread), and the blast's new counters and
    /// state.
    pub async fn record_outcomes(
        &mut self,
        conn: &mut AsyncPgConnection,
        outcomes: &[(Uuid, &'static str, Option<Uuid>)],
        state: BlastState,
    ) -> QueryResult<()> {
        let clients: Vec<Uuid> = outcomes.iter().map(|(c, _, _)| *c).collect();
        let names: Vec<&str> = outcomes.iter().map(|(_, o, _)| *o).collect();
        let threads: Vec<Option<Uuid>> = outcomes.iter().map(|(_, _, t)| *t).collect();
        Prepared::sql(
            "UPDATE blast_recipients r SET outcome = v.outcome, conversation_id = v.thread \
             FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS v(client, outcome, thread) \
             WHERE r.blast_id = $1 AND r.client_id = v.client",
        )
        .bind::<SqlUuid, _>(self.id)
        .bind::<Array<SqlUuid>, _>(&clients)
        .bind::<Array<Text>, _>(&names)
        .bind::<Array<Nullable<SqlUuid>>, _>(&threads)
        .execute(conn)
        .await?;
        let count = |name: &str| outcomes.iter().filter(|(_, o, _)| *o == name).count() as i32;
        self.sent += count("sent");
        self.skipped += count("skipped");
        self.failed += count("failed");
        self.state = match state {
            BlastState::Queued => "queued",
            BlastState::Sending => "sending",
            BlastState::Done => "done",
        }
        .to_owned();
        let finished = (state == BlastState::Done).then(Utc::now);
        diesel::update(blasts::table.find(self.id))
            .set((
                blasts::sent.eq(self.sent),
                blasts::skipped.eq(self.skipped),
                blasts::failed.eq(self.failed),
                blasts::state.eq(&self.state),
                blasts::finished_at.eq(finished),
            ))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The blast's files, which it holds until the fan-out is done.
    pub async fn attachment_ids(&self, conn: &mut AsyncPgConnection) -> QueryResult<Vec<Uuid>> {
        blast_attachments::table
            .filter(blast_attachments::blast_id.eq(self.id))
            .order(blast_attachments::position)
            .select(blast_attachments::attachment_id)
            .load(conn)
            .await
    }

    /// The blast's files while it holds them (until the fan-out is done), in order.
    pub async fn held_files(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> QueryResult<Vec<AttachmentRef>> {
        let files: Vec<Attachment> = blast_attachments::table
            .inner_join(attachments::table.on(attachments::id.eq(blast_attachments::attachment_id)))
            .filter(blast_attachments::blast_id.eq(self.id))
            .order(blast_attachments::position)
            .select(Attachment::as_select())
            .load(conn)
            .await?;
        Ok(files.iter().map(Attachment::as_ref).collect())
    }

    /// Lets go of the blast's files (the threads' messages now carry them).
    pub async fn drop_attachment_hold(&self, conn: &mut AsyncPgConnection) -> QueryResult<usize> {
        diesel::delete(blast_attachments::table.filter(blast_attachments::blast_id.eq(self.id)))
            .execute(conn)
            .await
    }

    /// How many selected clients have written back in their thread.
    pub async fn replied(&self, conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        let row: Count = Prepared::sql(
            "SELECT count(*) AS count FROM blast_recipients r \
             JOIN conversation_participants cp \
                 ON cp.conversation_id = r.conversation_id AND cp.person_id = r.client_id \
             WHERE r.blast_id = $1 AND cp.has_sent",
        )
        .bind::<SqlUuid, _>(self.id)
        .get_result(conn)
        .await?;
        Ok(row.count)
    }

    /// The message every client received, as it stands in the first thread that still has it
    /// (the blast holds its files only until the fan-out is done): `None` before any thread
    /// was made, or once every one of them is gone.
    pub async fn first_message_id(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> QueryResult<Option<Uuid>> {
        let row: Option<MessageId> = Prepared::sql(
            "SELECT m.id FROM blast_recipients r \
             JOIN conversations c ON c.id = r.conversation_id \
             JOIN messages m ON m.conversation_id = c.id \
                 AND m.author_id = $2 AND m.created_at = c.created_at \
             WHERE r.blast_id = $1 AND r.conversation_id IS NOT NULL \
             ORDER BY r.position LIMIT 1",
        )
        .bind::<SqlUuid, _>(self.id)
        .bind::<SqlUuid, _>(self.sender_id)
        .get_result(conn)
        .await
        .optional()?;
        Ok(row.map(|row| row.id))
    }

    /// A page of the selected clients in selection order, after position `after`, with what
    /// became of each and whether they replied.
    pub async fn recipients(
        &self,
        conn: &mut AsyncPgConnection,
        after: i32,
        limit: i64,
    ) -> QueryResult<Vec<RecipientRow>> {
        Prepared::sql(
            "SELECT r.position, r.client_id, p.name, r.outcome, r.conversation_id, \
                 coalesce(cp.has_sent, false) AS replied \
             FROM blast_recipients r \
             JOIN people p ON p.id = r.client_id \
             LEFT JOIN conversation_participants cp \
                 ON cp.conversation_id = r.conversation_id AND cp.person_id = r.client_id \
             WHERE r.blast_id = $1 AND r.position > $2 \
             ORDER BY r.position LIMIT $3",
        )
        .bind::<SqlUuid, _>(self.id)
        .bind::<Integer, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
    }
}
