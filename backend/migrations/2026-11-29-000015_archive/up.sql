-- Archive is per person: a thread leaves one person's inbox (and comes back with its next
-- message) without changing anyone else's.
ALTER TABLE conversation_participants ADD COLUMN archived_at timestamptz;

-- The inbox shows what is not archived; the archive folder has its own index, in the same
-- order, so both page by a range scan.
DROP INDEX participants_inbox;
CREATE INDEX participants_inbox ON conversation_participants
    (person_id, last_message_at DESC, conversation_id DESC)
    WHERE has_received AND archived_at IS NULL;
CREATE INDEX participants_archived ON conversation_participants
    (person_id, last_message_at DESC, conversation_id DESC)
    WHERE archived_at IS NOT NULL;
