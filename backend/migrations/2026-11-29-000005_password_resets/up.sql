-- Password reset links (R-RESET). A row is made by the job that emails the link, which mints
-- the token as it sends: only the token's SHA-256 is stored. A link works once and for an
-- hour; using one ends every other open link of the person.
CREATE TABLE password_resets (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

CREATE INDEX password_resets_person_id ON password_resets (person_id) WHERE used_at IS NULL;
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
