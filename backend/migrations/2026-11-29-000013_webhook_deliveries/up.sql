-- Webhook deliveries (R-WEBHOOK): the dispatcher reads the event log after its cursor and
-- makes one delivery per subscribed endpoint and event; a job per attempt sends it, signed,
-- and records the attempt. Ids only: a delivery's body is `{type, timestamp, data}` with the
-- event's ids and counts, never a subject, body, name, address or file name.

-- The event log's position up to which deliveries were made. One row; the dispatcher locks
-- it, so instances take turns and no event is dispatched twice.
CREATE TABLE webhook_dispatch_cursor (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_event_id bigint NOT NULL
);
INSERT INTO webhook_dispatch_cursor (last_event_id) SELECT coalesce(max(id), 0) FROM events;

ALTER TABLE webhook_endpoints
    -- The secret a rotation replaced: it signs deliveries too until it expires.
    ADD COLUMN previous_secret_encrypted bytea,
    ADD COLUMN previous_secret_expires_at timestamptz,
    -- Since when every attempt failed; cleared by a success. Past the limit the endpoint is
    -- disabled ('failing') and the owners are emailed.
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('paused', 'failing'));
UPDATE webhook_endpoints SET disabled_reason = 'paused' WHERE disabled_at IS NOT NULL;

CREATE TABLE webhook_deliveries (
    -- Sent as `webhook-id` (`msg_` and this id without dashes), the same on every attempt.
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The logged event; none for a test delivery.
    event_id bigint,
    event_type text NOT NULL,
    -- The exact JSON body, sent byte for byte on every attempt.
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    -- When the next attempt is due (the first is due at once); none once finished.
    next_attempt_at timestamptz DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- A dispatcher that runs again after a crash makes no second delivery.
    CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at);

CREATE TABLE webhook_delivery_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    -- The endpoint's answer, when there was one.
    status_code integer,
    duration_ms integer NOT NULL,
    -- Chosen by the code (a timeout, a refused connection, the status): never the answer's
    -- body, which the endpoint's owner controls.
    error text
);
CREATE INDEX webhook_delivery_attempts_by_delivery ON webhook_delivery_attempts (delivery_id, id);

-- Webhook deliveries get workers of their own, so a receiver that hangs holds up nothing else.
ALTER TABLE jobs DROP CONSTRAINT jobs_lane_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_lane_check CHECK (lane IN ('general', 'mail', 'webhook'));
