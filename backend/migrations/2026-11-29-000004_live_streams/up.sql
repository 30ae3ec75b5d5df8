-- Live streams: single-use tickets that let a browser's EventSource (which cannot send an
-- Authorization header) open `GET /api/v1/events`, and a notification on every new job so
-- that idle workers of every instance wake at once instead of at their next poll.
CREATE TABLE event_stream_tickets (
    -- SHA-256 of the ticket: the ticket itself is shown once and never stored.
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- The person's security stamp when the ticket was issued (a changed stamp ends access).
    security_stamp uuid NOT NULL,
    -- Until when the ticket may be redeemed (a minute).
    expires_at timestamptz NOT NULL,
    -- The stream it opens ends when the access token that asked for it would have.
    stream_until timestamptz NOT NULL
);

CREATE INDEX event_stream_tickets_expires_at ON event_stream_tickets (expires_at);

CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('confidant_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify
    AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();
