//! The text of [`super::Conversation::search`]: the caller's threads that match a search,
//! newest first, a page at a time, at a cost that follows the page rather than the practice.
//!
//! A match is found two ways, and the statement runs one of them:
//!
//! - **From the caller's threads.** The newest [`few!`] of each kind of thread (other threads
//!   and blast threads, each along its own index) are checked one by one, until a page
//!   matches. That is enough when a page matched, or when those were all the caller has: a
//!   common word, or a person with few threads (a search for "appointment" by a person with
//!   10 threads, in a practice of 100,000, read their 10, not the practice's 100,000 hits).
//! - **From the practice's hits.** Otherwise the word is rare among the caller's newest
//!   threads, and likely rare in the practice: the text indexes give every thread of the
//!   practice that matches, and the caller's row in each is looked up by its key.
//!
//! Both ways are in one text, each behind a condition without a column, which PostgreSQL
//! checks once before it starts that way (a "one-time filter"), as in
//! [`super::page_sql`]. Parameters: `$1` the caller, `$2` the page's `LIMIT`, `$3` a person
//! to narrow to (or NULL), `$4` whether the caller sees everyone in a thread sent to several
//! clients, `$5` the `tsquery`, and after a cursor `$6`, `$7`.

/// The search as a `tsquery`, once per statement.
macro_rules! query {
    () => {
        "(SELECT query FROM q)"
    };
}

/// Whether the thread `c`, with the caller's row `p`, matches: its subject, one of its
/// messages, or the name of someone in it the caller sees there. Each is a lookup in the
/// thread, and a person's name a lookup by their key (`OFFSET 0`: PostgreSQL would otherwise
/// first collect every match of the practice, messages or people, and compare each thread
/// with all of them: the whole cost this text avoids).
macro_rules! matches_thread {
    () => {
        concat!(
            "(c.search @@ ",
            query!(),
            " OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = p.conversation_id \
             AND m.search @@ ",
            query!(),
            " OFFSET 0) OR EXISTS (SELECT 1 FROM conversation_participants w \
             WHERE w.conversation_id = p.conversation_id AND ",
            sees_in_thread!("$4"),
            " AND EXISTS (SELECT 1 FROM people pe WHERE pe.id = w.person_id \
             AND pe.name_search @@ ",
            query!(),
            " OFFSET 0) OFFSET 0))"
        )
    };
}

/// The caller's newest [`few!`] rows of one kind of thread (`$kind`) after `$after`, in
/// `$order` (their index's), `$what` of each.
macro_rules! newest_few {
    ($what:literal, $kind:literal, $order:literal, $after:expr) => {
        concat!(
            "SELECT ",
            $what,
            " FROM conversation_participants p WHERE p.person_id = $1 AND ",
            $kind,
            " ",
            $after,
            " ORDER BY ",
            $order,
            " LIMIT ",
            few!()
        )
    };
}

/// The first page of the caller's threads of one kind (`$kind`) that match, from their
/// [`newest_few!`] in `$order`, each with its thread (looked up by its key: a join could read
/// every thread to hash them).
macro_rules! found {
    ($kind:literal, $order:literal, $after:expr) => {
        concat!(
            "SELECT ",
            page_columns!(),
            " FROM (",
            newest_few!("*", $kind, $order, $after),
            ") AS p CROSS JOIN LATERAL (SELECT * FROM conversations c \
             WHERE c.id = p.conversation_id OFFSET 0) AS c WHERE ",
            matches_thread!(),
            " ",
            with_filter!("$3", "$4"),
            " ORDER BY ",
            $order,
            " LIMIT $2"
        )
    };
}

/// Whether the caller's threads of one kind were enough: a page of them matched (`$found`),
/// or the caller has fewer than [`few!`] after `$after` (all were checked; counted along the
/// index in `$order`).
macro_rules! enough {
    ($found:literal, $kind:literal, $order:literal, $after:expr) => {
        concat!(
            "((SELECT count(*) FROM ",
            $found,
            ") >= $2 OR (SELECT count(*) FROM (",
            newest_few!("1", $kind, $order, $after),
            ") AS x) < ",
            few!(),
            ")"
        )
    };
}

/// What the two ways share: the query, the page found from the caller's threads of each kind,
/// and whether that was enough.
macro_rules! search_head {
    ($after_minute:expr, $after_exact:expr) => {
        concat!(
            "WITH q AS MATERIALIZED (SELECT to_tsquery('simple', $5) AS query), \
             other_found AS MATERIALIZED (",
            found!(
                "NOT p.in_blast",
                "p.last_message_minute DESC, p.last_message_at DESC, p.conversation_id DESC",
                $after_minute
            ),
            "), blast_found AS MATERIALIZED (",
            found!(
                "p.in_blast",
                "p.blast_message_at DESC, p.conversation_id DESC",
                $after_exact
            ),
            "), walked AS MATERIALIZED (SELECT ",
            enough!(
                "other_found",
                "NOT p.in_blast",
                "p.last_message_minute DESC",
                $after_minute
            ),
            " AND ",
            enough!(
                "blast_found",
                "p.in_blast",
                "p.blast_message_at DESC, p.conversation_id DESC",
                $after_exact
            ),
            " AS enough) "
        )
    };
}

/// The threads of the caller's practice that match (subject, message, or the name of
/// someone the caller would see in the thread), each once. A matching person's threads are
/// found by their key, and each thread by its key (a join could read every row of the
/// practice to hash it).
macro_rules! practice_hits {
    () => {
        concat!(
            "SELECT c.id AS conversation_id FROM conversations c \
             WHERE c.practice_id = (SELECT practice_id FROM people WHERE id = $1) \
             AND c.search @@ ",
            query!(),
            " UNION SELECT m.conversation_id FROM messages m \
             WHERE m.practice_id = (SELECT practice_id FROM people WHERE id = $1) \
             AND m.search @@ ",
            query!(),
            " UNION SELECT w.conversation_id FROM people pe \
             CROSS JOIN LATERAL (SELECT * FROM conversation_participants w \
             WHERE w.person_id = pe.id OFFSET 0) AS w \
             CROSS JOIN LATERAL (SELECT * FROM conversations c \
             WHERE c.id = w.conversation_id OFFSET 0) AS c \
             WHERE pe.practice_id = (SELECT practice_id FROM people WHERE id = $1) \
             AND pe.name_search @@ ",
            query!(),
            " AND ",
            sees_in_thread!("$4")
        )
    };
}

/// The page from the practice's hits, when the caller's threads were not enough: the
/// caller's row in each hit's thread and the thread, each looked up by its key.
macro_rules! from_hits {
    ($after:expr) => {
        concat!(
            "(SELECT ",
            page_columns!(),
            " FROM (",
            practice_hits!(),
            ") AS h CROSS JOIN LATERAL (SELECT * FROM conversation_participants p \
             WHERE p.conversation_id = h.conversation_id AND p.person_id = $1 OFFSET 0) AS p \
             CROSS JOIN LATERAL (SELECT * FROM conversations c \
             WHERE c.id = h.conversation_id OFFSET 0) AS c \
             WHERE NOT (SELECT enough FROM walked) ",
            $after,
            " ",
            with_filter!("$3", "$4"),
            " ORDER BY p.last_message_at DESC, p.conversation_id DESC LIMIT $2)"
        )
    };
}

/// The page from the caller's own threads, when they were enough.
macro_rules! from_walk {
    () => {
        "(SELECT * FROM other_found WHERE (SELECT enough FROM walked) \
         UNION ALL SELECT * FROM blast_found WHERE (SELECT enough FROM walked))"
    };
}

/// The text of [`super::Conversation::search`], after a cursor or not: public so that a test
/// can ask PostgreSQL how it runs it. One constant text per variant, prepared once per
/// connection.
pub fn search_sql(after: bool) -> &'static str {
    if after {
        page_of!(
            search_head!(after_minute!(), after_exact!()),
            from_walk!(),
            from_hits!("AND (p.last_message_at, p.conversation_id) < ($6, $7)")
        )
    } else {
        page_of!(search_head!("", ""), from_walk!(), from_hits!(""))
    }
}
