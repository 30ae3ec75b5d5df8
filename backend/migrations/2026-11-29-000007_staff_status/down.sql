ALTER TABLE people DROP CONSTRAINT people_kind_fields;
ALTER TABLE people ALTER COLUMN status DROP NOT NULL;
UPDATE people SET status = NULL WHERE kind = 'staff';
ALTER TABLE people ADD CONSTRAINT people_status_check CHECK (status IN ('active', 'inactive', 'archived'));
ALTER TABLE people ADD CONSTRAINT people_kind_fields CHECK (
    (kind = 'staff' AND role IS NOT NULL AND status IS NULL)
    OR (kind = 'client' AND role IS NULL AND status IS NOT NULL)
);
