-- A blast's sender without a slow inbox. The folder indexes order by the minute of the latest
-- message (see 000019: replies then rewrite rows in place), and a page reads every row of the
-- minutes it touches. A blast writes its sender's row in thousands of threads within a
-- second, so one minute of the sender's Sent and All held them all: after a 10,000-client
-- blast, every first page read and sorted 10,000 rows (13-16 ms instead of 0.3).
--
-- Rows of blast threads now have indexes of their own, ordered by the exact time and the
-- thread, so a page reads only its own rows from them; the page query takes the newest of
-- both kinds. A blast thread is one client and the sender, so its rows are rewritten by its
-- few replies only, and in-place updates matter little there.
--
-- The other threads must keep theirs: PostgreSQL updates a row in place only if no column
-- of any index changes, partial indexes included, so the blast indexes cannot hold
-- `last_message_at` itself. They hold `blast_message_at`, which is that time in a blast
-- thread and NULL (unchanging) in every other. `in_blast` never changes (a thread's kind
-- does not).

ALTER TABLE conversation_participants ADD COLUMN in_blast boolean NOT NULL DEFAULT false;
UPDATE conversation_participants p SET in_blast = true
    FROM conversations c WHERE c.id = p.conversation_id AND c.kind = 'blast';
ALTER TABLE conversation_participants ADD COLUMN blast_message_at timestamptz
    GENERATED ALWAYS AS (CASE WHEN in_blast THEN last_message_at END) STORED;

DROP INDEX participants_all;
DROP INDEX participants_inbox;
DROP INDEX participants_sent;
DROP INDEX participants_archived;
-- Every row of a person (also what a lookup by person alone uses), then the other threads by
-- minute.
CREATE INDEX participants_all ON conversation_participants (person_id, in_blast, last_message_minute DESC);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND has_received AND archived_at IS NULL;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND has_sent;
CREATE INDEX participants_archived ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND archived_at IS NOT NULL;
-- Blast threads in exact order: all of them (a sender's Sent too: they wrote in every one),
-- those with a reply waiting in the inbox, and the archived ones.
CREATE INDEX participants_blasts ON conversation_participants (person_id, blast_message_at DESC, conversation_id DESC)
    WHERE in_blast;
CREATE INDEX participants_blasts_inbox ON conversation_participants (person_id, blast_message_at DESC, conversation_id DESC)
    WHERE in_blast AND has_received AND archived_at IS NULL;
CREATE INDEX participants_blasts_archived ON conversation_participants (person_id, blast_message_at DESC, conversation_id DESC)
    WHERE in_blast AND archived_at IS NOT NULL;
