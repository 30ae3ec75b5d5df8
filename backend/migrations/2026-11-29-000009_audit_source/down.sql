DROP INDEX audit_events_by_practice;
CREATE INDEX audit_events_by_practice ON audit_events (practice_id, created_at);
ALTER TABLE audit_events DROP COLUMN source_address;
