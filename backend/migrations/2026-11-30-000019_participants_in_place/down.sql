DROP INDEX participants_all;
DROP INDEX participants_inbox;
DROP INDEX participants_sent;
DROP INDEX participants_archived;
ALTER TABLE conversation_participants DROP COLUMN last_message_minute;
DROP FUNCTION inbox_minute(timestamptz);
CREATE INDEX participants_all ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC)
    WHERE has_received AND archived_at IS NULL;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC)
    WHERE has_sent;
CREATE INDEX participants_archived ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC)
    WHERE archived_at IS NOT NULL;
