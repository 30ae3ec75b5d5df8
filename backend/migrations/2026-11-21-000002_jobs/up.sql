-- The durable background job queue (emails now; notifications and blast fan-out later).
--
-- A job is enqueued in the same transaction as the data it belongs to, so it exists exactly
-- when that data does. Workers claim jobs with FOR UPDATE SKIP LOCKED and hold a lease
-- (locked_until) that they extend while working; a job whose lease ran out belonged to a
-- worker that died and is claimed again. Completed jobs stay (for idempotency) until pruned.
CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    -- Ids and counts only: never message content or email addresses.
    payload jsonb NOT NULL,
    state text NOT NULL DEFAULT 'available'
        CHECK (state IN ('available', 'running', 'completed', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    locked_by text,
    -- What went wrong last time, by kind; never content.
    last_error text,
    -- At most one job per purpose (e.g. "invitation-email:<invitation id>").
    idempotency_key text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT jobs_idempotency_key_key UNIQUE (idempotency_key)
);
CREATE INDEX jobs_ready ON jobs (run_at) WHERE state = 'available';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
