-- What a person has typed and not sent yet, kept on the server (never in the browser: clinic
-- computers are shared): one draft of a new message, and one reply per thread.
CREATE TABLE drafts (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    -- NULL: the draft of a new message.
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    subject text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
    body text NOT NULL DEFAULT '' CHECK (length(body) <= 50000),
    -- A new message's To, as the API's recipient references.
    recipients jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX drafts_by_person ON drafts (person_id);
CREATE UNIQUE INDEX drafts_new_message ON drafts (person_id) WHERE conversation_id IS NULL;
CREATE UNIQUE INDEX drafts_reply ON drafts (person_id, conversation_id)
    WHERE conversation_id IS NOT NULL;
