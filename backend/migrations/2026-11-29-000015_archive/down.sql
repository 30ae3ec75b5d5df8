DROP INDEX participants_archived;
DROP INDEX participants_inbox;
CREATE INDEX participants_inbox ON conversation_participants
    (person_id, last_message_at DESC, conversation_id DESC) WHERE has_received;
ALTER TABLE conversation_participants DROP COLUMN archived_at;
