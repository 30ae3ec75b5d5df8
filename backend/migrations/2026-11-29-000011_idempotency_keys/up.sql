-- Idempotency-Key (R-IDEMPOTENT, the Stripe convention): the first answer to a creating POST
-- sent with a key, kept for 24 hours per person and key, with a hash of the request it
-- answered. `status_code` is null while the first request is still being worked on.
CREATE TABLE idempotency_keys (
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status_code integer,
    content_type text,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
