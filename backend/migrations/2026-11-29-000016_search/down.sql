DROP INDEX people_name_search;
ALTER TABLE people DROP COLUMN name_search;
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search;
DROP INDEX conversations_search;
ALTER TABLE conversations DROP COLUMN search;
