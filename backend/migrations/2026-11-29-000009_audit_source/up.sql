-- Where each audited action came from (R-AUDIT-READ): the caller's address as the server saw
-- it. Owners and admins read the trail by practice, newest first, paged by (created_at, id).
ALTER TABLE audit_events ADD COLUMN source_address text;
DROP INDEX audit_events_by_practice;
CREATE INDEX audit_events_by_practice ON audit_events (practice_id, created_at DESC, id DESC);
