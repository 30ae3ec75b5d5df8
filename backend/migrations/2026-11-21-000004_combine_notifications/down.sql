ALTER TABLE practices DROP COLUMN combine_notifications;
