-- Conversations, their participants and messages (SPEC §2, §3).
--
-- The reply rules are fixed when a thread is created, from its recipients, and stored as its
-- kind. Each participant row holds that person's read mark and the inbox fields derived from
-- the messages (last activity, unread count, whether they received or sent anything), so that
-- an inbox page and the unread badge are index lookups however many threads a person has.

CREATE TABLE conversations (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    subject text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('direct', 'group', 'multi_client', 'blast')),
    started_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_practice_id_key UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, started_by) REFERENCES people (practice_id, id)
);

CREATE TABLE conversation_participants (
    practice_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    person_id uuid NOT NULL,
    -- When the person last opened the thread; messages by others after it are unread.
    last_read_at timestamptz,
    -- Derived from the messages, kept up to date by every write.
    last_message_at timestamptz NOT NULL,
    unread_count integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    has_received boolean NOT NULL DEFAULT false,
    has_sent boolean NOT NULL DEFAULT false,
    PRIMARY KEY (conversation_id, person_id),
    FOREIGN KEY (practice_id, conversation_id) REFERENCES conversations (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id)
);
-- Inbox, sent and all folders: newest activity first, keyset-paginated by (time, id).
CREATE INDEX participants_all ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC) WHERE has_received;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_at DESC, conversation_id DESC) WHERE has_sent;
-- The unread badge.
CREATE INDEX participants_unread ON conversation_participants (person_id) WHERE unread_count > 0;

CREATE TABLE messages (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    author_id uuid NOT NULL,
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 50000),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (practice_id, conversation_id) REFERENCES conversations (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, author_id) REFERENCES people (practice_id, id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);
