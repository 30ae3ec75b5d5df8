DELETE FROM jobs WHERE lane = 'webhook';
ALTER TABLE jobs DROP CONSTRAINT jobs_lane_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_lane_check CHECK (lane IN ('general', 'mail'));
DROP TABLE webhook_delivery_attempts;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_endpoints
    DROP COLUMN previous_secret_encrypted,
    DROP COLUMN previous_secret_expires_at,
    DROP COLUMN failing_since,
    DROP COLUMN disabled_reason;
DROP TABLE webhook_dispatch_cursor;
