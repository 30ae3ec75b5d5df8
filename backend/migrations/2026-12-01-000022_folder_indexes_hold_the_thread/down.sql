DROP INDEX participants_all;
DROP INDEX participants_inbox;
DROP INDEX participants_sent;
DROP INDEX participants_archived;
CREATE INDEX participants_all ON conversation_participants (person_id, in_blast, last_message_minute DESC);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND has_received AND archived_at IS NULL;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND has_sent;
CREATE INDEX participants_archived ON conversation_participants (person_id, last_message_minute DESC)
    WHERE NOT in_blast AND archived_at IS NOT NULL;
