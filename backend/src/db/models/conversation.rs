//! Conversations, participants and messages, and the derived inbox fields kept on each
//! participant row.

use chrono::{DateTime, Utc};
use confidant_openapi::conversations::ConversationKind;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::db::models::audit::AuditEvent;
use crate::db::prepared::Prepared;
use crate::db::schema::{
    conversation_participants as cp, conversations, messages, people, unread_counters,
};
use crate::domain::conversations::Viewer;

/// A conversation row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct Conversation {
    /// Its id.
    pub id: Uuid,
    /// Its practice.
    pub practice_id: Uuid,
    /// Its subject.
    pub subject: String,
    /// `direct`, `group`, `multi_client` or `blast`.
    pub kind: String,
    /// Who started it.
    pub started_by: Uuid,
}

/// One person's place in a conversation.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = cp, check_for_backend(diesel::pg::Pg))]
pub struct ParticipantRow {
    /// The conversation.
    pub conversation_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Latest message.
    pub last_message_at: DateTime<Utc>,
    /// Unread messages by others.
    pub unread_count: i32,
    /// When the person archived it (`None`: in their inbox).
    pub archived_at: Option<DateTime<Utc>>,
}

/// A message row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    /// Its id.
    pub id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A message to add (see [`Conversation::add_message`]).
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    /// Its id, chosen beforehand (its audit record names it).
    pub id: Uuid,
    /// The practice.
    pub practice_id: Uuid,
    /// The thread.
    pub conversation_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// The text.
    pub body: &'a str,
}

/// A thread to start (see [`Conversation::start`]).
#[derive(Debug, Clone, Copy)]
pub struct NewThread<'a> {
    /// Its id, chosen beforehand (the first message's audit record names it).
    pub id: Uuid,
    /// Its kind (R-MULTI-CLIENT decides it from the recipients).
    pub kind: ConversationKind,
    /// Its subject.
    pub subject: &'a str,
    /// Everyone but the author.
    pub recipient_ids: &'a [Uuid],
    /// Its first message (whose author starts the thread).
    pub first: NewMessage<'a>,
}

/// A participant with what the API shows of them.
#[derive(Debug, Clone, Queryable)]
pub struct ParticipantInfo {
    /// The conversation.
    pub conversation_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Their name.
    pub name: String,
    /// `staff` or `client`.
    pub kind: String,
    /// Whether they wrote any of the thread's messages.
    pub has_sent: bool,
}

/// What a reply needs to know before it writes (see [`Conversation::for_reply`]).
#[derive(Debug, Clone)]
pub struct ReplyContext {
    /// The thread.
    pub conversation: Conversation,
    /// Everyone in it but the writer.
    pub others: Vec<Uuid>,
    /// Those of them who can sign in to read it (have an account and are not deactivated):
    /// whom a notification email goes to.
    pub reachable: Vec<Uuid>,
    /// The practice's choice to combine notification emails.
    pub combine_notifications: bool,
}

/// One row of [`Conversation::for_reply`]: the thread with one other participant.
#[derive(Debug, Clone, QueryableByName)]
struct ReplyRow {
    #[diesel(embed)]
    conversation: Conversation,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    other_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    reachable_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    combine_notifications: bool,
}

/// One line of a person's inbox: the thread, their place in it, its latest message's text.
#[derive(Debug, Clone, QueryableByName)]
pub struct InboxRow {
    /// The thread.
    #[diesel(embed)]
    pub conversation: Conversation,
    /// The person's place in it.
    #[diesel(embed)]
    pub participant: ParticipantRow,
    /// Its latest message's text (none only if its messages were all deleted meanwhile).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub latest_body: Option<String>,
}

/// Whether the caller (`$1`) sees the participant `w` of the thread `c`: always when
/// `$sees_all`, else in a thread sent to several clients only themselves and those who wrote
/// (R-MULTI-CLIENT).
macro_rules! sees_in_thread {
    ($sees_all:literal) => {
        concat!(
            "(",
            $sees_all,
            " OR c.kind <> 'multi_client' OR w.person_id = $1 OR w.has_sent \
             OR w.person_id = c.started_by)"
        )
    };
}

/// `AND` the thread has `$with` (a person's id, or NULL for any thread) among the people the
/// caller (`$1`) can see in it ([`sees_in_thread!`]; `$sees_all` is
/// `domain::conversations::sees_everyone`). Written for a query where `p` is the caller's
/// participant row and `c` the conversation.
macro_rules! with_filter {
    ($with:literal, $sees_all:literal) => {
        concat!(
            "AND (",
            $with,
            "::uuid IS NULL OR EXISTS (SELECT 1 FROM conversation_participants w \
             WHERE w.conversation_id = p.conversation_id AND w.person_id = ",
            $with,
            " AND ",
            sees_in_thread!($sees_all),
            "))"
        )
    };
}

/// The columns of a page's row: the thread (`c`), then the caller's row in it (`p`).
macro_rules! page_columns {
    () => {
        "c.id, c.practice_id, c.subject, c.kind, c.started_by, p.conversation_id, p.person_id, \
         p.last_message_at, p.unread_count, p.archived_at, p.last_message_minute"
    };
}

/// A page of one folder, after a cursor or from the top (see [`Conversation::page`]): the
/// newest `$2` rows of its `$part`s (each already at most `$2` rows, newest first), and only
/// for those the body of the thread's latest message. `$head` may name what the parts share.
///
/// The order is `(last_message_at, conversation_id)`, newest first, taken from two kinds of
/// rows with indexes of their own (migration 000020), each read only as far as the page needs:
///
/// - **Other threads** (`NOT in_blast`, [`mine_by_minute!`]): their folder indexes hold only
///   the minute of the latest message, so that a reply rewrites the participants'
///   `last_message_at` without changing any indexed value: PostgreSQL updates the rows in
///   place (HOT) and a busy thread leaves neither dead index entries nor bloat.
/// - **Blast threads** (`in_blast`, [`mine_in_blasts!`]): a blast writes its sender into
///   thousands of threads within a second, which would make one minute of thousands of rows
///   to read and sort on every page. Their indexes hold the exact time (`blast_message_at`,
///   `last_message_at` in these rows and NULL in others, so that other rows' updates stay in
///   place) and the thread, so the page's rows come in order. `$5` leaves them out.
macro_rules! page_of {
    ($head:expr, $first:expr $(, $part:expr)*) => {
        concat!(
            $head,
            "SELECT page.*, latest.body AS latest_body FROM (",
            $first,
            $(" UNION ALL ", $part,)*
            " ORDER BY last_message_at DESC, conversation_id DESC LIMIT $2) AS page \
             LEFT JOIN LATERAL ( \
                 SELECT body FROM messages WHERE messages.conversation_id = page.conversation_id \
                 ORDER BY created_at DESC, id DESC LIMIT 1 \
             ) AS latest ON true \
             ORDER BY page.last_message_at DESC, page.conversation_id DESC"
        )
    };
}

/// The caller's other threads in `$folder` that pass `$filter`, after `$after`, walked along
/// the folder index: it gives the rows minute by minute (`last_message_minute` is
/// `last_message_at` cut to the minute, so the order is the same) and a sort orders the
/// page's minutes. Which minutes those are is found first (`$edge`, see [`page_sql`]): without
/// that bound the rows read depend on the plan. PostgreSQL plans a prepared statement once
/// for any person after five runs (a generic plan), estimating a row or two per person, and
/// then read and sorted every row of the folder (2.7 ms for 2,000 threads, not 0.2). The
/// page's rows are chosen before their threads are looked up.
macro_rules! mine_by_minute {
    ($folder:expr, $filter:expr, $after:expr, $edge:expr) => {
        my_rows!(
            "NOT p.in_blast",
            "p.last_message_minute DESC, p.last_message_at DESC, p.conversation_id DESC",
            $folder,
            $filter,
            $after,
            $edge
        )
    };
}

/// The caller's blast threads in `$folder` that pass `$filter`, after `$after`, in the exact
/// order of their index, up to `$edge` (see [`page_sql`]; only a `$filter` needs one).
macro_rules! mine_in_blasts {
    ($folder:expr, $filter:expr, $after:expr, $edge:expr) => {
        my_rows!(
            "p.in_blast AND $5",
            "p.blast_message_at DESC, p.conversation_id DESC",
            $folder,
            $filter,
            $after,
            $edge
        )
    };
}

/// The caller's rows of one kind (`$kind`: [`mine_by_minute!`], [`mine_in_blasts!`]) in
/// `$folder` that pass `$filter`, after `$after`, up to `$edge`, walked in `$order` up to a
/// page, each then joined to its thread.
macro_rules! my_rows {
    ($kind:literal, $order:literal, $folder:expr, $filter:expr, $after:expr, $edge:expr) => {
        concat!(
            "(SELECT ",
            page_columns!(),
            " FROM (SELECT * FROM conversation_participants p WHERE p.person_id = $1 AND ",
            $kind,
            " ",
            $filter,
            " ",
            $folder,
            " ",
            $after,
            " ",
            $edge,
            " ORDER BY ",
            $order,
            " LIMIT $2) AS p JOIN conversations c ON c.id = p.conversation_id)"
        )
    };
}

/// How many rows of the person `$3` are "few": few enough to read them all and sort them
/// rather than walk the caller's folder looking for them, whatever the caller has. Four
/// pages' worth (`$2` is a page's `LIMIT`): the walk reads at least a page. A search checks
/// as many of the caller's newest rows of each kind before it looks in the text indexes
/// ([`search_sql`]).
///
/// An expression, not a constant: PostgreSQL cannot know a `LIMIT` it does not see, so it
/// plans for the first tenth of the rows, and then walking an index in order (which can
/// stop early) beats reading all of a person's rows to sort them, whatever it estimates
/// that person has. With a constant above its estimate (a row or two per person under a
/// generic plan) it chose to read and sort all of them.
macro_rules! few {
    () => {
        "4 * $2"
    };
}

/// How many rows of `$3` are "many": too many to read them all, even when the caller has far
/// more (sixteen pages). Between [`few!`] and this, the page starts from the smaller side
/// (see [`their_rows!`]). An expression for the same reason as [`few!`].
macro_rules! many {
    () => {
        "16 * $2"
    };
}

/// `$3`'s rows of other threads (`$what` of them), at most [`many!`], along the index and in
/// its order (so that a sequential scan of the table, which a small table or a person in
/// many threads invites, would need a sort and loses).
macro_rules! their_other_rows {
    ($what:literal) => {
        concat!(
            "SELECT ",
            $what,
            " FROM conversation_participants o WHERE o.person_id = $3 AND NOT o.in_blast \
             ORDER BY o.last_message_minute DESC LIMIT ",
            many!()
        )
    };
}

/// `$3`'s rows of blast threads, as [`their_other_rows!`].
macro_rules! their_blast_rows {
    ($what:literal) => {
        concat!(
            "SELECT ",
            $what,
            " FROM conversation_participants o WHERE o.person_id = $3 AND o.in_blast \
             ORDER BY o.blast_message_at DESC, o.conversation_id DESC LIMIT ",
            many!()
        )
    };
}

/// The caller's rows of other threads in `$folder`, at most `$limit`, in the order of the
/// folder's index (read from the index alone: they are only counted).
macro_rules! my_other_rows {
    ($folder:expr, $limit:expr) => {
        concat!(
            "SELECT 1 FROM conversation_participants p WHERE p.person_id = $1 AND NOT p.in_blast ",
            $folder,
            " ORDER BY p.last_message_minute DESC LIMIT ",
            $limit
        )
    };
}

/// The caller's rows of blast threads in `$folder`, as [`my_other_rows!`].
macro_rules! my_blast_rows {
    ($folder:expr, $limit:expr) => {
        concat!(
            "SELECT 1 FROM conversation_participants p WHERE p.person_id = $1 AND p.in_blast \
             AND $5 ",
            $folder,
            " ORDER BY p.blast_message_at DESC, p.conversation_id DESC LIMIT ",
            $limit
        )
    };
}

/// Whether the page finds the threads of one kind with `$3` from `$3`'s rows (`$count` of
/// them, counted up to [`many!`]) rather than by walking the caller's `$folder` (`$mine`'s
/// rows): when `$3` has few, or fewer than many and the caller at least four times as many.
/// Either way reads about the smaller side: a blast's sender with 10,000 blast threads,
/// looking for a client who also had 200 blasts from a colleague, would otherwise walk all
/// 10,000 for the few that client is in. The caller's rows are counted only when that
/// decides it, and only up to four times `$3`'s.
macro_rules! starts_from_theirs {
    ($count:literal, $mine:ident, $folder:expr) => {
        concat!(
            "CASE WHEN ",
            $count,
            " < ",
            few!(),
            " THEN true WHEN ",
            $count,
            " >= ",
            many!(),
            " THEN false ELSE (SELECT count(*) FROM (",
            $mine!($folder, concat!("4 * (SELECT ", $count, " FROM counted)")),
            ") AS m) >= 4 * ",
            $count,
            " END"
        )
    };
}

/// For the threads with `$3` in `$folder`: which way to find each kind of thread
/// ([`starts_from_theirs!`]), decided once for the whole statement.
macro_rules! their_rows {
    ($folder:expr) => {
        concat!(
            "WITH counted AS MATERIALIZED (SELECT (SELECT count(*) FROM (",
            their_other_rows!("1"),
            ") AS o) AS threads, (SELECT count(*) FROM (",
            their_blast_rows!("1"),
            ") AS o) AS blast_threads), \
             their AS MATERIALIZED (SELECT ",
            starts_from_theirs!("threads", my_other_rows, $folder),
            " AS from_threads, ",
            starts_from_theirs!("blast_threads", my_blast_rows, $folder),
            " AS from_blast_threads FROM counted) "
        )
    };
}

/// The caller's row in `$3`'s thread `w`, looked up by the primary key for each of `$3`'s
/// rows, then kept if of the kind `$in_blast`, in `$folder` and after `$after` (this ends
/// in a `WHERE`).
///
/// `OFFSET 0` keeps the lookup whole: PostgreSQL can neither turn it around and walk the
/// caller's rows, nor move the folder's conditions into it. With them inside, a generic plan
/// found the folder's own partial index a better fit than the primary key, and read the
/// caller's whole folder for each of `$3`'s rows (300,600 rows for 150 of them).
macro_rules! my_row_in_theirs {
    ($in_blast:literal, $folder:expr, $after:expr) => {
        concat!(
            "CROSS JOIN LATERAL (SELECT * FROM conversation_participants p \
             WHERE p.conversation_id = w.conversation_id AND p.person_id = $1 OFFSET 0) AS p \
             WHERE ",
            $in_blast,
            " ",
            $folder,
            " ",
            $after
        )
    };
}

/// The caller's other threads in `$folder` with `$3`, after `$after`, when the page starts
/// from `$3`'s rows ([`starts_from_theirs!`]): each with the caller's row in the same thread.
macro_rules! theirs_by_minute {
    ($folder:expr, $after:expr) => {
        concat!(
            "(SELECT ",
            page_columns!(),
            " FROM (",
            their_other_rows!("*"),
            ") AS w JOIN conversations c ON c.id = w.conversation_id ",
            my_row_in_theirs!("NOT p.in_blast", $folder, $after),
            " AND (SELECT from_threads FROM their) AND ",
            sees_in_thread!("$4"),
            " ORDER BY p.last_message_minute DESC, p.last_message_at DESC, \
             p.conversation_id DESC LIMIT $2)"
        )
    };
}

/// The caller's blast threads in `$folder` with `$3`, after `$after`, when the page starts
/// from `$3`'s rows: as [`theirs_by_minute!`]. In a blast thread (the sender and one client)
/// everyone sees everyone.
macro_rules! theirs_in_blasts {
    ($folder:expr, $after:expr) => {
        concat!(
            "(SELECT ",
            page_columns!(),
            " FROM (",
            their_blast_rows!("*"),
            ") AS w JOIN conversations c ON c.id = w.conversation_id ",
            my_row_in_theirs!("p.in_blast", $folder, $after),
            " AND $5 AND (SELECT from_blast_threads FROM their) \
             ORDER BY p.blast_message_at DESC, p.conversation_id DESC LIMIT $2)"
        )
    };
}

/// After the cursor (`$6`, `$7`: the last row's `last_message_at` and thread), for the caller's
/// other threads (`p`), in the order of their index.
macro_rules! after_minute {
    () => {
        "AND (p.last_message_minute, p.last_message_at, p.conversation_id) \
         < (inbox_minute($6), $6, $7)"
    };
}

/// After the cursor, for the caller's blast threads (`p`), in the order of their index.
macro_rules! after_exact {
    () => {
        "AND (p.blast_message_at, p.conversation_id) < ($6, $7)"
    };
}

mod search;
pub use search::search_sql;

/// The text of [`Conversation::page`] for `folder`, after a cursor or not, for the threads
/// with one person (`with`) or all: public so that a test can ask PostgreSQL how it runs it.
/// One constant text per variant, so that each is prepared once per connection.
///
/// A row comparison, not `a < x OR (a = x AND b < y)`: PostgreSQL turns it into a range on
/// the index, so a page deep in 100k threads costs no more to find.
///
/// The threads with `$3` are a text of their own. Which way to find them depends on the
/// person: a blast's sender looking for one client's thread among 10,000 should start from
/// the client's one row; a provider looking for the threads with a client they share 2,000
/// with should walk their own folder until the page is full ([`starts_from_theirs!`] says
/// which). A generic plan is one plan for both (it had read 10,000 rows, or 4,000), so the
/// text holds both ways for each kind of thread and runs one: each way's condition on
/// [`their_rows!`] has no column in it, so PostgreSQL checks it once before the way starts
/// (a "one-time filter") and never starts the other.
pub fn page_sql(folder: FolderFilter, after: bool, with: bool) -> &'static str {
    // `$3` takes part in the thread and the caller sees them there: a lookup for each row
    // walked (`OFFSET 0` keeps PostgreSQL from turning it into a join that first reads every
    // row of `$3`).
    macro_rules! shares_thread {
        () => {
            concat!(
                "AND NOT (SELECT from_threads FROM their) \
                 AND EXISTS (SELECT 1 FROM conversation_participants w \
                 JOIN conversations c ON c.id = w.conversation_id \
                 WHERE w.conversation_id = p.conversation_id AND w.person_id = $3 AND ",
                sees_in_thread!("$4"),
                " OFFSET 0)"
            )
        };
    }
    macro_rules! shares_blast {
        () => {
            concat!(
                "AND NOT (SELECT from_blast_threads FROM their) \
                 AND EXISTS (SELECT 1 FROM conversation_participants w \
                 WHERE w.conversation_id = p.conversation_id AND w.person_id = $3 OFFSET 0)"
            )
        };
    }
    // The oldest minute a page of the other threads can reach: that of the `$2`-th row of the
    // folder that passes `$filter`, newest first (after a cursor, of the rows in minutes
    // older than the cursor's: the cursor's own minute may hold more rows than are left
    // after it, so it is always read, and the edge is never later than the page's last row).
    // A walk of the folder's index in its own order, which needs no sort and so is the
    // cheapest plan at any estimate (index-only without a filter); inner `p` being the same
    // rows.
    macro_rules! edge {
        ($folder:literal, $filter:expr, $older:literal) => {
            concat!(
                "AND p.last_message_minute >= COALESCE((SELECT min(e.last_message_minute) \
                 FROM (SELECT p.last_message_minute FROM conversation_participants p \
                 WHERE p.person_id = $1 AND NOT p.in_blast ",
                $filter,
                " ",
                $folder,
                " ",
                $older,
                " ORDER BY p.last_message_minute DESC LIMIT $2) AS e), '-infinity')"
            )
        };
    }
    // The oldest blast thread a page that passes `$filter` can reach: the `$2`-th such row of
    // the folder after `$after`, found by the same walk of the folder's index (from the index
    // alone: it holds the thread). Without it, a generic plan read all of the caller's blast
    // rows and sorted them when few pass `$filter` (it estimates a row or two per person), not
    // a page's worth. With no such row, the comparison is NULL and the page has none either.
    macro_rules! blast_edge {
        ($folder:literal, $filter:expr, $after:expr) => {
            concat!(
                "AND (p.blast_message_at, p.conversation_id) >= (SELECT e.blast_message_at, \
                 e.conversation_id FROM (SELECT p.blast_message_at, p.conversation_id \
                 FROM conversation_participants p WHERE p.person_id = $1 AND p.in_blast AND $5 ",
                $filter,
                " ",
                $folder,
                " ",
                $after,
                " ORDER BY p.blast_message_at DESC, p.conversation_id DESC LIMIT $2) AS e \
                 ORDER BY e.blast_message_at, e.conversation_id LIMIT 1)"
            )
        };
    }
    macro_rules! variants {
        ($folder:literal) => {
            match (with, after) {
                (true, true) => page_of!(
                    their_rows!($folder),
                    theirs_by_minute!($folder, after_minute!()),
                    mine_by_minute!(
                        $folder,
                        shares_thread!(),
                        after_minute!(),
                        edge!(
                            $folder,
                            shares_thread!(),
                            "AND p.last_message_minute < inbox_minute($6)"
                        )
                    ),
                    theirs_in_blasts!($folder, after_exact!()),
                    mine_in_blasts!(
                        $folder,
                        shares_blast!(),
                        after_exact!(),
                        blast_edge!($folder, shares_blast!(), after_exact!())
                    )
                ),
                (true, false) => page_of!(
                    their_rows!($folder),
                    theirs_by_minute!($folder, ""),
                    mine_by_minute!(
                        $folder,
                        shares_thread!(),
                        "",
                        edge!($folder, shares_thread!(), "")
                    ),
                    theirs_in_blasts!($folder, ""),
                    mine_in_blasts!(
                        $folder,
                        shares_blast!(),
                        "",
                        blast_edge!($folder, shares_blast!(), "")
                    )
                ),
                (false, true) => page_of!(
                    "",
                    mine_by_minute!(
                        $folder,
                        "",
                        after_minute!(),
                        edge!($folder, "", "AND p.last_message_minute < inbox_minute($6)")
                    ),
                    mine_in_blasts!($folder, "", after_exact!(), "")
                ),
                (false, false) => page_of!(
                    "",
                    mine_by_minute!($folder, "", "", edge!($folder, "", "")),
                    mine_in_blasts!($folder, "", "", "")
                ),
            }
        };
    }
    match folder {
        FolderFilter::Inbox => variants!("AND p.has_received AND p.archived_at IS NULL"),
        FolderFilter::Sent => variants!("AND p.has_sent"),
        FolderFilter::Archived => variants!("AND p.archived_at IS NOT NULL"),
        FolderFilter::All => variants!(""),
    }
}

/// A page's statement as it is bound ([`Conversation::page`], [`Conversation::search`]).
type PageStatement = Prepared<
    diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>,
>;

/// Which folder of a person's conversations.
#[derive(Debug, Clone, Copy)]
pub enum FolderFilter {
    /// Received something, not archived.
    Inbox,
    /// Sent something.
    Sent,
    /// Archived by the person.
    Archived,
    /// Everything.
    All,
}

impl Conversation {
    /// The kind.
    pub fn kind(&self) -> ConversationKind {
        ConversationKind::parse(&self.kind).unwrap_or(ConversationKind::Group)
    }

    /// Creates a thread with its participants (author first) and its first message (with
    /// that message's audit record), and sets everyone's inbox fields. Run inside a
    /// transaction.
    pub async fn start(
        conn: &mut AsyncPgConnection,
        thread: NewThread<'_>,
        audit: AuditEvent,
    ) -> QueryResult<(Self, MessageRow)> {
        let NewThread {
            id,
            kind,
            subject,
            recipient_ids,
            first,
        } = thread;
        let conversation: Self = diesel::insert_into(conversations::table)
            .values((
                conversations::id.eq(id),
                conversations::practice_id.eq(first.practice_id),
                conversations::subject.eq(subject),
                conversations::kind.eq(kind.as_str()),
                conversations::started_by.eq(first.author_id),
            ))
            .returning(Self::as_returning())
            .get_result(conn)
            .await?;
        let rows: Vec<_> = std::iter::once(first.author_id)
            .chain(recipient_ids.iter().copied())
            .map(|person_id| {
                (
                    cp::practice_id.eq(first.practice_id),
                    cp::conversation_id.eq(conversation.id),
                    cp::person_id.eq(person_id),
                    cp::last_message_at.eq(diesel::dsl::now),
                )
            })
            .collect();
        diesel::insert_into(cp::table)
            .values(rows)
            .execute(conn)
            .await?;
        let message = Self::post(conn, first, audit).await?;
        Ok((conversation, message))
    }

    /// Adds a message (with its audit record) and updates every participant's inbox fields.
    /// Run inside a transaction.
    pub async fn post(
        conn: &mut AsyncPgConnection,
        new: NewMessage<'_>,
        audit: AuditEvent,
    ) -> QueryResult<MessageRow> {
        let message = Self::add_message(conn, new, audit).await?;
        Self::mark_posted(conn, &message).await?;
        Ok(message)
    }

    /// Adds message `id` by `author_id` with its audit record, in one statement (the record
    /// rides along in a `WITH`: it commits or rolls back with the message).
    pub async fn add_message(
        conn: &mut AsyncPgConnection,
        new: NewMessage<'_>,
        audit: AuditEvent,
    ) -> QueryResult<MessageRow> {
        Prepared::sql(
            "WITH audit AS ( \
                 INSERT INTO audit_events (id, practice_id, actor_id, action, target_type, \
                     target_id, details, source_address, api_key_id) \
                 VALUES ($6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ) \
             INSERT INTO messages (id, practice_id, conversation_id, author_id, body) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, conversation_id, author_id, body, created_at",
        )
        .bind::<diesel::sql_types::Uuid, _>(new.id)
        .bind::<diesel::sql_types::Uuid, _>(new.practice_id)
        .bind::<diesel::sql_types::Uuid, _>(new.conversation_id)
        .bind::<diesel::sql_types::Uuid, _>(new.author_id)
        .bind::<diesel::sql_types::Text, _>(new.body.to_owned())
        .bind::<diesel::sql_types::Uuid, _>(Uuid::now_v7())
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(audit.practice_id)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(audit.actor_id)
        .bind::<diesel::sql_types::Text, _>(audit.action.as_str())
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(audit.target_type)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(audit.target_id)
        .bind::<diesel::sql_types::Jsonb, _>(audit.details)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(audit.source_address)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(audit.api_key_id)
        .get_result(conn)
        .await
    }

    /// Updates every participant's inbox fields for `message`, in one statement: the author
    /// has sent (and their draft of a reply here is gone), the others have one more unread
    /// message, and the thread is back in everyone's inbox. It locks the recipients' unread
    /// counters until commit (their trigger), so a reply runs it as late as it can: replies
    /// to the same person wait on each other only for the end of their transactions.
    pub async fn mark_posted(
        conn: &mut AsyncPgConnection,
        message: &MessageRow,
    ) -> QueryResult<()> {
        // Hand-written for the draft's DELETE, which diesel cannot put in a WITH; 1 for
        // everyone but the author is written with functions (not CASE), like the rest.
        Prepared::sql(
            "WITH sent_draft AS ( \
                 DELETE FROM drafts WHERE person_id = $2 AND conversation_id = $1 \
             ) \
             UPDATE conversation_participants SET \
                 last_message_at = $3, \
                 has_sent = has_sent OR person_id = $2, \
                 has_received = has_received OR person_id <> $2, \
                 archived_at = NULL, \
                 unread_count = unread_count + num_nonnulls(nullif(person_id, $2)) \
             WHERE conversation_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(message.conversation_id)
        .bind::<diesel::sql_types::Uuid, _>(message.author_id)
        .bind::<diesel::sql_types::Timestamptz, _>(message.created_at)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The conversation if `person_id` takes part in it (else `None`: "not yours" and
    /// "missing" look the same).
    pub async fn for_participant(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        person_id: Uuid,
    ) -> QueryResult<Option<Self>> {
        conversations::table
            .inner_join(cp::table.on(cp::conversation_id.eq(conversations::id)))
            .filter(conversations::practice_id.eq(practice_id))
            .filter(conversations::id.eq(id))
            .filter(cp::person_id.eq(person_id))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// [`Self::for_participant`] with everyone else in it and who of them can be told by
    /// email, in one statement: what a reply needs to know before it writes.
    pub async fn for_reply(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
        person_id: Uuid,
    ) -> QueryResult<Option<ReplyContext>> {
        let rows: Vec<ReplyRow> = Prepared::sql(
            "SELECT c.id, c.practice_id, c.subject, c.kind, c.started_by, \
                 o.person_id AS other_id, pa.person_id AS reachable_id, \
                 pr.combine_notifications \
             FROM conversations c \
             JOIN practices pr ON pr.id = c.practice_id \
             JOIN conversation_participants me \
                 ON me.conversation_id = c.id AND me.person_id = $3 \
             LEFT JOIN conversation_participants o \
                 ON o.conversation_id = c.id AND o.person_id <> $3 \
             LEFT JOIN people pe ON pe.id = o.person_id AND pe.status <> 'deactivated' \
             LEFT JOIN portal_accounts pa ON pa.person_id = pe.id \
             WHERE c.id = $2 AND c.practice_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(practice_id)
        .bind::<diesel::sql_types::Uuid, _>(id)
        .bind::<diesel::sql_types::Uuid, _>(person_id)
        .load(conn)
        .await?;
        let Some(first) = <[ReplyRow]>::first(&rows) else {
            return Ok(None);
        };
        Ok(Some(ReplyContext {
            conversation: first.conversation.clone(),
            combine_notifications: first.combine_notifications,
            others: rows.iter().filter_map(|row| row.other_id).collect(),
            reachable: rows.iter().filter_map(|row| row.reachable_id).collect(),
        }))
    }

    /// A page of `person_id`'s conversations, newest activity first, after `after`, each with
    /// its latest message's text: one statement, the folder's indexes read as far as the page
    /// needs (see [`page_sql`]) and one step back along each chosen thread's messages
    /// (`LATERAL … LIMIT 1`, which diesel cannot write).
    /// With `with`, only threads where the viewer sees that person take part; without
    /// `blast_threads`, none a blast made.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        viewer: Viewer,
        folder: FolderFilter,
        with: Option<Uuid>,
        blast_threads: bool,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> QueryResult<Vec<InboxRow>> {
        let text = page_sql(folder, after.is_some(), with.is_some());
        let statement = Self::page_statement(text, viewer, limit, with)
            .bind::<diesel::sql_types::Bool, _>(blast_threads);
        Self::load_page(conn, statement, after).await
    }

    /// `viewer`'s threads that match `query` (a `tsquery`, see
    /// [`crate::domain::search::prefix_query`]) in their subject, a message or the name of a
    /// participant the viewer can see, newest activity first, after the cursor `after` (as
    /// [`Self::page`]'s), at most `limit`; with `with`, as in [`Self::page`]. See
    /// [`search_sql`] for how they are found.
    pub async fn search(
        conn: &mut AsyncPgConnection,
        viewer: Viewer,
        query: &str,
        with: Option<Uuid>,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> QueryResult<Vec<InboxRow>> {
        let statement = Self::page_statement(search_sql(after.is_some()), viewer, limit, with)
            .bind::<diesel::sql_types::Text, _>(query.to_owned());
        Self::load_page(conn, statement, after).await
    }

    /// The statement `text` ([`page_sql`] or [`search_sql`]) with what both bind first: the
    /// caller (`$1`), the page's `LIMIT` (`$2`), the person to narrow to (`$3`), and whether
    /// the caller sees everyone in a thread sent to several clients (`$4`).
    fn page_statement(
        text: &'static str,
        viewer: Viewer,
        limit: i64,
        with: Option<Uuid>,
    ) -> PageStatement {
        Prepared::sql(text)
            .bind::<diesel::sql_types::Uuid, _>(viewer.id)
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(with)
            .bind::<diesel::sql_types::Bool, _>(crate::domain::conversations::sees_everyone(
                ConversationKind::MultiClient,
                viewer,
            ))
    }

    /// Runs a page's `statement` (bound up to `$5`), after the cursor `after` (`$6`, `$7`)
    /// when there is one.
    async fn load_page(
        conn: &mut AsyncPgConnection,
        statement: PageStatement,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> QueryResult<Vec<InboxRow>> {
        match after {
            Some((at, id)) => {
                statement
                    .bind::<diesel::sql_types::Timestamptz, _>(at)
                    .bind::<diesel::sql_types::Uuid, _>(id)
                    .load(conn)
                    .await
            }
            None => statement.load(conn).await,
        }
    }

    /// Who takes part in conversation `id` (the audience of what happens in it).
    pub async fn participant_ids(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<Uuid>> {
        cp::table
            .filter(cp::conversation_id.eq(id))
            .select(cp::person_id)
            .load(conn)
            .await
    }

    /// The participants of `conversation_ids`, with what the API shows of them.
    pub async fn participants(
        conn: &mut AsyncPgConnection,
        conversation_ids: &[Uuid],
    ) -> QueryResult<Vec<ParticipantInfo>> {
        cp::table
            .inner_join(people::table.on(people::id.eq(cp::person_id)))
            .filter(cp::conversation_id.eq_any(conversation_ids))
            .select((
                cp::conversation_id,
                cp::person_id,
                people::name,
                people::kind,
                cp::has_sent,
            ))
            .order((
                cp::conversation_id,
                people::kind.desc(),
                people::name,
                people::id,
            ))
            .load(conn)
            .await
    }

    /// Up to `limit` messages of a conversation before `before` (a message's time and id),
    /// or its latest without it: newest first, read backwards off the thread's index, so a
    /// page costs the same at any depth of a thread of any length.
    pub async fn messages_before(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> QueryResult<Vec<MessageRow>> {
        let mut query = messages::table
            .filter(messages::conversation_id.eq(id))
            .order((messages::created_at.desc(), messages::id.desc()))
            .limit(limit)
            .select(MessageRow::as_select())
            .into_boxed();
        if let Some((at, message_id)) = before {
            // A row comparison (as for inbox pages): a range on the thread's index, so a page
            // deep in a long thread is found as fast as the first.
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "(messages.created_at, messages.id) < (",
                )
                .bind::<diesel::sql_types::Timestamptz, _>(at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(message_id)
                .sql(")"),
            );
        }
        query.load(conn).await
    }

    /// Marks the conversation read for `person_id` (R-READ).
    pub async fn mark_read(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        person_id: Uuid,
    ) -> QueryResult<()> {
        Prepared::fixed(
            diesel::update(
                cp::table
                    .filter(cp::conversation_id.eq(id))
                    .filter(cp::person_id.eq(person_id)),
            )
            .set((
                cp::last_read_at.eq(diesel::dsl::now),
                cp::unread_count.eq(0),
            )),
        )
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Archives the thread for `person_id` (and marks it read: what is put away is done
    /// with), or with `archived` false brings it back to their inbox.
    pub async fn set_archived(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        person_id: Uuid,
        archived: bool,
    ) -> QueryResult<()> {
        let mine = cp::table
            .filter(cp::conversation_id.eq(id))
            .filter(cp::person_id.eq(person_id));
        if archived {
            Prepared::fixed(diesel::update(mine).set((
                cp::archived_at.eq(diesel::dsl::now),
                cp::last_read_at.eq(diesel::dsl::now),
                cp::unread_count.eq(0),
            )))
            .execute(conn)
            .await?;
        } else {
            Prepared::fixed(diesel::update(mine).set(cp::archived_at.eq(None::<DateTime<Utc>>)))
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    /// One message of this conversation.
    pub async fn message(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        message_id: Uuid,
    ) -> QueryResult<Option<MessageRow>> {
        messages::table
            .filter(messages::conversation_id.eq(id))
            .filter(messages::id.eq(message_id))
            .select(MessageRow::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Deletes one message for good and recomputes everyone's inbox fields from what is left.
    pub async fn delete_message(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        message_id: Uuid,
    ) -> QueryResult<bool> {
        let deleted = diesel::delete(
            messages::table
                .filter(messages::conversation_id.eq(id))
                .filter(messages::id.eq(message_id)),
        )
        .execute(conn)
        .await?;
        Self::derive_inbox_fields(conn, &[id]).await?;
        Ok(deleted == 1)
    }

    /// Derives every participant's inbox fields of conversations `ids` again from their
    /// messages and each participant's `last_read_at`: after a message is deleted, and after
    /// `seed-demo` dates its history back.
    pub async fn derive_inbox_fields(
        conn: &mut AsyncPgConnection,
        ids: &[Uuid],
    ) -> QueryResult<()> {
        Prepared::sql(
            "UPDATE conversation_participants p SET \
               unread_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = p.conversation_id \
                               AND m.author_id <> p.person_id \
                               AND m.created_at > coalesce(p.last_read_at, '-infinity')), \
               has_received = EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = p.conversation_id AND m.author_id <> p.person_id), \
               has_sent = EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = p.conversation_id AND m.author_id = p.person_id), \
               last_message_at = coalesce((SELECT max(m.created_at) FROM messages m WHERE m.conversation_id = p.conversation_id), p.last_message_at) \
             WHERE p.conversation_id = ANY($1)",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
        .execute(conn)
        .await
        .map(|_| ())
    }

    /// Deletes the whole conversation for good; answers how many messages went with it.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        practice_id: Uuid,
        id: Uuid,
    ) -> QueryResult<i64> {
        let count: i64 = messages::table
            .filter(messages::conversation_id.eq(id))
            .count()
            .get_result(conn)
            .await?;
        diesel::delete(
            conversations::table
                .filter(conversations::practice_id.eq(practice_id))
                .filter(conversations::id.eq(id)),
        )
        .execute(conn)
        .await?;
        Ok(count)
    }

    /// The badge: conversations with unread messages, and those messages — one row kept by
    /// the database with every change (`unread_counters`), so it costs the same for 5 unread
    /// threads or 100,000.
    ///
    /// On a shared connection, so that it can be sent together with the session check
    /// ([`crate::auth::current::Caller::check_with`]).
    pub fn unread(
        mut conn: &AsyncPgConnection,
        person_id: Uuid,
    ) -> BoxFuture<'_, QueryResult<(i64, i64)>> {
        let query = unread_counters::table.find(person_id).select((
            unread_counters::unread_conversations,
            unread_counters::unread_messages,
        ));
        async move {
            let counted: Option<(i32, i64)> = query.first(&mut conn).await.optional()?;
            Ok(counted.map_or((0, 0), |(threads, messages)| (i64::from(threads), messages)))
        }
        .boxed()
    }
}
