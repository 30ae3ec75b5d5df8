-- Each job's lane (which workers run it: 'general' or 'mail'), set at enqueue from the job's
-- type. A claimer then reads the next due job of its lane straight off an index in claim
-- order; filtering by kind instead made every claim sort all due jobs (12 ms per claim with
-- 10,000 blast emails queued, which capped email at ~160 per second).
--
-- Jobs queued before this migration stay in the general lane: general workers run every
-- kind, so they are still sent.
ALTER TABLE jobs ADD COLUMN lane text NOT NULL DEFAULT 'general'
    CHECK (lane IN ('general', 'mail'));
CREATE INDEX jobs_ready_by_lane ON jobs (lane, priority DESC, run_at, id)
    WHERE state = 'available';
