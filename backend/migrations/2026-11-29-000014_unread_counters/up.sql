-- The unread badge in constant time: each person's count of threads with unread messages
-- and of those messages, kept by triggers on conversation_participants in the same
-- statement as every change of a participant's `unread_count` (a new message, a read, a
-- deletion, a blast's new threads, a thread deleted with its participants). Triggers rather
-- than application code: every write path, SQL ones included, keeps the counters exact, and
-- the counter row's lock serialises concurrent changes, so racing sends and reads cannot
-- lose an update. Statement-level, with transition tables: a blast chunk's 1,000 new
-- threads cost one upsert statement, not a thousand.
--
-- No CHECK (>= 0) on the counts: PostgreSQL checks the row an upsert proposes to insert (a
-- negative delta) before it finds the conflict. The test suite compares every counter with
-- the rows it summarises instead.
CREATE TABLE unread_counters (
    person_id uuid PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    unread_conversations integer NOT NULL DEFAULT 0,
    unread_messages bigint NOT NULL DEFAULT 0
);

INSERT INTO unread_counters (person_id, unread_conversations, unread_messages)
SELECT person_id, count(*), sum(unread_count)
FROM conversation_participants
WHERE unread_count > 0
GROUP BY person_id;

-- Adds per-person deltas; rows in person order, so concurrent statements lock counters in
-- the same order and cannot deadlock on them.
CREATE FUNCTION unread_counters_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO unread_counters AS c (person_id, unread_conversations, unread_messages)
    SELECT (d->>'person_id')::uuid, (d->>'conversations')::integer, (d->>'messages')::bigint
    FROM jsonb_array_elements(deltas) AS d
    ORDER BY 1
    ON CONFLICT (person_id) DO UPDATE SET
        unread_conversations = c.unread_conversations + excluded.unread_conversations,
        unread_messages = c.unread_messages + excluded.unread_messages
$$;

CREATE FUNCTION unread_counters_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM unread_counters_add(coalesce(jsonb_agg(d), '[]'))
    FROM (
        SELECT person_id,
               count(*) FILTER (WHERE unread_count > 0) AS conversations,
               sum(unread_count) AS messages
        FROM inserted GROUP BY person_id HAVING sum(unread_count) <> 0
    ) AS d;
    RETURN NULL;
END
$$;

CREATE FUNCTION unread_counters_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM unread_counters_add(coalesce(jsonb_agg(d), '[]'))
    FROM (
        SELECT n.person_id,
               sum((n.unread_count > 0)::integer - (o.unread_count > 0)::integer) AS conversations,
               sum(n.unread_count - o.unread_count) AS messages
        FROM new_rows n
        JOIN old_rows o USING (conversation_id, person_id)
        WHERE n.unread_count <> o.unread_count
        GROUP BY n.person_id
    ) AS d;
    RETURN NULL;
END
$$;

CREATE FUNCTION unread_counters_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM unread_counters_add(coalesce(jsonb_agg(d), '[]'))
    FROM (
        SELECT person_id,
               -count(*) FILTER (WHERE unread_count > 0) AS conversations,
               -sum(unread_count) AS messages
        FROM deleted GROUP BY person_id HAVING sum(unread_count) <> 0
    ) AS d;
    RETURN NULL;
END
$$;

CREATE TRIGGER unread_counters_insert AFTER INSERT ON conversation_participants
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION unread_counters_after_insert();
CREATE TRIGGER unread_counters_update AFTER UPDATE ON conversation_participants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unread_counters_after_update();
CREATE TRIGGER unread_counters_delete AFTER DELETE ON conversation_participants
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION unread_counters_after_delete();

-- The badge no longer reads participant rows, so their unread index goes: a read (which
-- zeroes `unread_count`) then changes no indexed column and is a HOT update, which the
-- free space that the fill factor keeps on each page makes possible.
DROP INDEX participants_unread;
ALTER TABLE conversation_participants SET (fillfactor = 80);
