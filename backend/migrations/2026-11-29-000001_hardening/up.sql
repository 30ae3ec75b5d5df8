-- Security hardening (issue: an outside probe).
--
-- 1. Rate limits that hold under concurrency: one row per key, counted and checked in one
--    atomic upsert. Keys are keyed hashes (HMAC with a server secret) of what they count:
--    an email, an address, or the two together. They replace `sign_in_failures`, whose keys
--    held unkeyed, truncated SHA-256 hashes of emails that could be reversed by guessing.
DROP TABLE sign_in_failures;

CREATE TABLE rate_limits (
    key text PRIMARY KEY,
    hits integer NOT NULL,
    window_ends_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_by_window_end ON rate_limits (window_ends_at);

-- Addresses a person signed in from successfully (keyed hash of account and address). A
-- correct password from one of them passes the per-account back-off that guesses from
-- elsewhere trigger.
CREATE TABLE known_sign_in_addresses (
    key text PRIMARY KEY,
    last_success_at timestamptz NOT NULL DEFAULT now()
);

-- 2. Audit records held `account`: an unkeyed, truncated SHA-256 of the email, reversible by
--    trying candidate addresses. It cannot be re-keyed (the email is not known from it), so it
--    is removed; new records carry a keyed hash.
UPDATE audit_events
SET details = (details - 'account') || '{"account_hash_removed": true}'::jsonb
WHERE details ? 'account';

-- 3. A change of the sign-in email of someone who has a portal account is pending until the
--    new address confirms it with a one-time link; the old address is told. Until then the
--    person keeps signing in with (and being notified at) the old address. As for
--    invitations, only a hash of the token is stored, minted by the job that emails it.
CREATE TABLE email_changes (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    old_email text NOT NULL CHECK (old_email = lower(old_email)),
    new_email text NOT NULL CHECK (new_email = lower(new_email) AND length(new_email) BETWEEN 3 AND 254),
    token_hash bytea,
    requested_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- When it was confirmed, replaced by a newer change, or refused at confirmation.
    ended_at timestamptz,
    confirmed boolean NOT NULL DEFAULT false,
    CONSTRAINT email_changes_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX email_changes_open_by_person ON email_changes (person_id) WHERE ended_at IS NULL;

-- 4. Upload quota: the unsent uploads of one person are summed on every upload.
CREATE INDEX attachments_unsent_by_uploader ON attachments (uploaded_by) WHERE attached_at IS NULL;
