DROP INDEX attachments_unsent_by_uploader;
DROP TABLE email_changes;
DROP TABLE known_sign_in_addresses;
DROP TABLE rate_limits;
CREATE TABLE sign_in_failures (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_started_at timestamptz NOT NULL
);
