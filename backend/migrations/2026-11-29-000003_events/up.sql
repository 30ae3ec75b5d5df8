-- The event log (a transactional outbox): one row for each change someone must hear of,
-- written in the change's own transaction, read by live streams (and later webhooks and
-- audit views). Ids and counts only, never a subject, body, file name, name or address.
CREATE TABLE events (
    -- Assigned under a transaction-level advisory lock held to commit (see events.rs), so
    -- ids are committed in order and a reader that has seen id N never later finds a
    -- smaller one appear.
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind text NOT NULL,
    data jsonb NOT NULL,
    -- The people allowed to hear of it, decided by the rules that decide who reads the thread.
    audience uuid[] NOT NULL CHECK (cardinality(audience) > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_audience ON events USING gin (audience);
CREATE INDEX events_created_at ON events (created_at);

-- One notification per statement, carrying the highest new id: listeners read every row
-- after the last id they saw, so one wake-up covers a whole blast chunk.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('confidant_events', (SELECT max(id) FROM inserted)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();
