-- Message blasts (SPEC §6): one message from a staff member, a new private thread per client.
--
-- The selection is resolved and stored with the blast, one row per client, in the request's
-- transaction. The fan-out job then works through the pending rows in chunks; each chunk
-- writes its threads, messages, notification jobs, the rows' outcomes and the blast's
-- counters in ONE transaction, so a crash leaves a chunk either wholly done or not at all,
-- and (blast_id, client_id) being the key means a client can never get a second thread.

CREATE TABLE blasts (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    sender_id uuid NOT NULL,
    subject text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 50000),
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'done')),
    total integer NOT NULL CHECK (total >= 2),
    sent integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT blasts_practice_id_key UNIQUE (practice_id, id),
    CONSTRAINT blasts_counts CHECK (sent + skipped + failed <= total),
    FOREIGN KEY (practice_id, sender_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
-- The sender's history, newest first.
CREATE INDEX blasts_by_sender ON blasts (sender_id, created_at DESC, id DESC);

CREATE TABLE blast_recipients (
    blast_id uuid NOT NULL REFERENCES blasts (id) ON DELETE CASCADE,
    client_id uuid NOT NULL,
    practice_id uuid NOT NULL,
    -- The order chunks take.
    position integer NOT NULL,
    -- NULL while pending.
    outcome text CHECK (outcome IN ('sent', 'skipped', 'failed')),
    -- The thread made for this client (NULL once deleted, or when none was made).
    conversation_id uuid UNIQUE REFERENCES conversations (id) ON DELETE SET NULL,
    PRIMARY KEY (blast_id, client_id),
    FOREIGN KEY (practice_id, client_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX blast_recipients_pending ON blast_recipients (blast_id, position) WHERE outcome IS NULL;

-- The blast's files, held until the fan-out has linked them to every thread's message.
CREATE TABLE blast_attachments (
    blast_id uuid NOT NULL REFERENCES blasts (id) ON DELETE CASCADE,
    attachment_id uuid NOT NULL REFERENCES attachments (id),
    position smallint NOT NULL,
    PRIMARY KEY (blast_id, attachment_id)
);
CREATE INDEX blast_attachments_by_attachment ON blast_attachments (attachment_id);

-- Bulk work must not hold up interactive work: a blast's 10,000 notification emails are
-- claimed after any email of an ordinary message that is due.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 0;
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE state = 'available';
