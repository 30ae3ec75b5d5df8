DROP INDEX jobs_ready_by_lane;
ALTER TABLE jobs DROP COLUMN lane;
