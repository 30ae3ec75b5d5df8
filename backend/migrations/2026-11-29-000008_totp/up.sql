-- Time-based one-time passwords (RFC 6238) for signing in (R-MFA).
--
-- One row per person. The shared secret is encrypted under the storage master key, bound to
-- the person's id, like attachments' data keys. `confirmed_at` is null while the person has
-- asked for a secret but not yet proved their authenticator app has it; only a confirmed row
-- asks for a code at sign-in. `last_step` is the 30-second step of the last code accepted: a
-- code of that step or an earlier one is refused, so a code cannot be used twice.
CREATE TABLE totp_authenticators (
    person_id uuid PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    secret_encrypted bytea NOT NULL,
    confirmed_at timestamptz,
    last_step bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Single-use recovery codes, stored as keyed hashes only.
CREATE TABLE totp_recovery_codes (
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (person_id, code_hash)
);

-- The second step of a sign-in: the password was right, a code is due. The token is kept as a
-- keyed hash; it expires after five minutes, allows five wrong codes, and is spent by the
-- right one.
CREATE TABLE mfa_challenges (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    wrong_codes integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);

-- A practice may require every staff member to use a second factor.
ALTER TABLE practices ADD COLUMN require_staff_mfa boolean NOT NULL DEFAULT false;
