-- Webhook endpoints a practice registers (R-WEBHOOK). The signing secret (`whsec_…`, the
-- Standard Webhooks format) is sealed under the storage master key like TOTP secrets; the
-- URL was checked to resolve only to public addresses when registered (and is checked again
-- before each delivery).
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    practice_id uuid NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events text[] NOT NULL,
    secret_encrypted bytea NOT NULL,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT diesel_manage_updated_at('webhook_endpoints');
CREATE INDEX webhook_endpoints_by_practice ON webhook_endpoints (practice_id, created_at);
