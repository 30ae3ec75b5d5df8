-- Practices, their people, and everything signing in needs (SPEC §1, §7).
--
-- Every table that holds practice data carries practice_id. References between such tables
-- include it (composite foreign keys onto UNIQUE (practice_id, id)), so the database itself
-- refuses a row that points into another practice (R-TENANT).

CREATE TABLE practices (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT diesel_manage_updated_at('practices');

CREATE TABLE people (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('staff', 'client')),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- The default email on file, stored lower-case.
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    role text CHECK (role IN ('owner', 'admin', 'provider', 'staff')),
    status text CHECK (status IN ('active', 'inactive', 'archived')),
    -- Replaced whenever a password changes or access is withdrawn. Access tokens carry it,
    -- so every token issued before the change stops working at once.
    security_stamp uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT people_kind_fields CHECK (
        (kind = 'staff' AND role IS NOT NULL AND status IS NULL)
        OR (kind = 'client' AND role IS NULL AND status IS NOT NULL)
    ),
    CONSTRAINT people_practice_id_key UNIQUE (practice_id, id),
    CONSTRAINT people_practice_email_key UNIQUE (practice_id, email)
);
SELECT diesel_manage_updated_at('people');
-- Directory lists and the To-picker: by kind, in name order, paginated by (name, id).
CREATE INDEX people_directory ON people (practice_id, kind, name, id);

-- "My clients" of a provider.
CREATE TABLE client_providers (
    practice_id uuid NOT NULL,
    client_id uuid NOT NULL,
    provider_id uuid NOT NULL,
    PRIMARY KEY (client_id, provider_id),
    FOREIGN KEY (practice_id, client_id) REFERENCES people (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, provider_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX client_providers_by_provider ON client_providers (provider_id, client_id);

CREATE TABLE staff_groups (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_groups_practice_id_key UNIQUE (practice_id, id),
    CONSTRAINT staff_groups_practice_name_key UNIQUE (practice_id, name)
);
SELECT diesel_manage_updated_at('staff_groups');

CREATE TABLE staff_group_members (
    practice_id uuid NOT NULL,
    group_id uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (group_id, person_id),
    FOREIGN KEY (practice_id, group_id) REFERENCES staff_groups (practice_id, id) ON DELETE CASCADE,
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_group_members_by_person ON staff_group_members (person_id);

-- The sign-in of a person. The email is the sign-in name: unique across all practices, and
-- kept equal to the person's email on file.
CREATE TABLE portal_accounts (
    person_id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    email text NOT NULL CHECK (email = lower(email)),
    password_hash text NOT NULL,
    password_set_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT portal_accounts_email_key UNIQUE (email),
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);

-- One-time links to set a password. Only a hash of the token is stored, and the token is
-- minted by the job that emails it (null until then), so no usable token ever sits in the
-- job queue.
CREATE TABLE invitations (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    token_hash bytea,
    invited_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_by_person ON invitations (person_id);

-- A signed-in session: one per sign-in, kept alive by refreshing, ended by logout, by
-- idleness (HIPAA automatic logoff) or by the reuse of a spent refresh token.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_active_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    FOREIGN KEY (practice_id, person_id) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_person ON sessions (person_id);

-- Refresh tokens of a session (its "family"). Each is used once; only hashes are stored.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Failed sign-ins per account and per address, in fixed windows. Keys hold a hash of the
-- email, never the email itself.
CREATE TABLE sign_in_failures (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_started_at timestamptz NOT NULL
);

-- Who did what to which record, and when: never any content. No foreign keys, so the trail
-- outlives what it describes.
CREATE TABLE audit_events (
    id uuid PRIMARY KEY,
    practice_id uuid,
    actor_id uuid,
    action text NOT NULL,
    target_type text,
    target_id uuid,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_by_practice ON audit_events (practice_id, created_at);
