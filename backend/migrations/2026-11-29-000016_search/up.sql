-- Search over what a person can read: subjects, message bodies and participants' names, by
-- whole words and word beginnings (`simple`: no language's stemming, names stay names).
ALTER TABLE conversations
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', subject)) STORED;
CREATE INDEX conversations_search ON conversations USING gin (search);
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
ALTER TABLE people
    ADD COLUMN name_search tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED;
CREATE INDEX people_name_search ON people USING gin (name_search);
