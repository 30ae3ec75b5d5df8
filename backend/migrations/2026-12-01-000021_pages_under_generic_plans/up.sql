-- Folder pages that stay a page under PostgreSQL's generic plans. The server prepares each
-- statement once per connection, and after five runs PostgreSQL may plan it once for any
-- person ("generic"), estimating one or two rows per person. With that estimate a Sent page
-- of a blast's sender read the sender's rows through `participants_blasts`, whose condition
-- lacks `has_sent`, as a bitmap and sorted all of them: 9 ms for a 10,000-client blast,
-- against 0.14 ms in index order. An index whose condition is the folder's own is read in
-- order at any estimate, as the other folders' are.
CREATE INDEX participants_blasts_sent ON conversation_participants (person_id, blast_message_at DESC, conversation_id DESC)
    WHERE in_blast AND has_sent;
