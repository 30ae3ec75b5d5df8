DROP INDEX jobs_ready;
ALTER TABLE jobs DROP COLUMN priority;
CREATE INDEX jobs_ready ON jobs (run_at) WHERE state = 'available';
DROP TABLE blast_attachments;
DROP TABLE blast_recipients;
DROP TABLE blasts;
