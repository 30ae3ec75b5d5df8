-- Staff get a status too (R-OFFBOARD): 'active' or 'deactivated'. A deactivated staff member
-- cannot sign in, is not offered as a recipient, and keeps their past messages and name.
-- Clients keep their own three statuses.
UPDATE people SET status = 'active' WHERE kind = 'staff';
ALTER TABLE people DROP CONSTRAINT people_status_check;
ALTER TABLE people DROP CONSTRAINT people_kind_fields;
ALTER TABLE people ALTER COLUMN status SET NOT NULL;
ALTER TABLE people ADD CONSTRAINT people_kind_fields CHECK (
    (kind = 'staff' AND role IS NOT NULL AND status IN ('active', 'deactivated'))
    OR (kind = 'client' AND role IS NULL AND status IN ('active', 'inactive', 'archived'))
);
