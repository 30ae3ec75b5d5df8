DROP INDEX participants_blasts_archived;
DROP INDEX participants_blasts_inbox;
DROP INDEX participants_blasts;
DROP INDEX participants_all;
DROP INDEX participants_inbox;
DROP INDEX participants_sent;
DROP INDEX participants_archived;
CREATE INDEX participants_all ON conversation_participants (person_id, last_message_minute DESC);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_minute DESC)
    WHERE has_received AND archived_at IS NULL;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_minute DESC)
    WHERE has_sent;
CREATE INDEX participants_archived ON conversation_participants (person_id, last_message_minute DESC)
    WHERE archived_at IS NOT NULL;
ALTER TABLE conversation_participants DROP COLUMN blast_message_at;
ALTER TABLE conversation_participants DROP COLUMN in_blast;
