-- Personal API keys for integrators (R-KEY-SCOPE). A key is shown once at creation; only its
-- SHA-256 is stored (it carries 256 random bits, so a fast hash is enough), with the first
-- characters of the key as a prefix to recognise it by in lists. What a key may do is its
-- person's permissions intersected with its scopes; a revoked key, an expired one and the key
-- of a deactivated person stop at once.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    scopes text[] NOT NULL,
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_by_person ON api_keys (person_id, created_at DESC);
CREATE INDEX api_keys_by_practice ON api_keys (practice_id, created_at DESC);

-- Which key made a request, when one did: every key use is attributable.
ALTER TABLE audit_events ADD COLUMN api_key_id uuid;
