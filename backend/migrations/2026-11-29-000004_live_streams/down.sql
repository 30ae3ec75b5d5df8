DROP TRIGGER IF EXISTS jobs_notify ON jobs;
DROP FUNCTION IF EXISTS jobs_notify();
DROP TABLE IF EXISTS event_stream_tickets;
