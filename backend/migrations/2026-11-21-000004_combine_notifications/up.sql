-- A practice may choose to combine message notifications that would arrive within a few
-- minutes of each other into one email per person (SPEC §5).
ALTER TABLE practices ADD COLUMN combine_notifications boolean NOT NULL DEFAULT false;
