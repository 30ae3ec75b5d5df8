-- Attachments (SPEC §4). The file itself lives in object storage under `attachments/<id>`,
-- encrypted with its own data key; the row holds that key wrapped by the master key, the
-- verified type and size, and the plaintext's SHA-256, which every download checks.
--
-- An upload starts unattached (`attached_at` NULL) and is claimed once, by its uploader, for a
-- message. The link table lets one stored file belong to several messages, which blasts need.

CREATE TABLE attachments (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL,
    uploaded_by uuid NOT NULL,
    -- Display text only, cleaned of paths and control characters; never a storage path.
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size bigint NOT NULL CHECK (size BETWEEN 1 AND 10000000),
    sha256 bytea NOT NULL CHECK (length(sha256) = 32),
    wrapped_key bytea NOT NULL,
    attached_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachments_practice_id_key UNIQUE (practice_id, id),
    FOREIGN KEY (practice_id, uploaded_by) REFERENCES people (practice_id, id) ON DELETE CASCADE
);
CREATE INDEX attachments_unattached ON attachments (created_at) WHERE attached_at IS NULL;

CREATE TABLE message_attachments (
    practice_id uuid NOT NULL,
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    attachment_id uuid NOT NULL,
    -- The order the sender attached them in.
    position smallint NOT NULL,
    PRIMARY KEY (message_id, attachment_id),
    FOREIGN KEY (practice_id, attachment_id) REFERENCES attachments (practice_id, id)
);
CREATE INDEX message_attachments_by_attachment ON message_attachments (attachment_id);
