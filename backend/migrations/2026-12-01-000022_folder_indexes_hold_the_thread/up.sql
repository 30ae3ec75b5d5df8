-- The threads with one person, under PostgreSQL's generic plans. A page of them walks the
-- caller's folder and checks each row for the other person; its edge (the page's last
-- minute) is found by a walk that needs each row's thread, which the folder indexes of other
-- threads did not hold. Each row then cost a visit to the table, and with its estimate of a
-- few rows per person a generic plan chose to read all of them as a bitmap and sort them:
-- all 1,003 rows of a folder, and 8 ms, for a page of 26. Holding the thread in the index
-- (INCLUDE: it does not change the order) lets the walk run on the index alone, which is
-- the cheapest plan at any estimate (1.3 ms), as the blast indexes already do.
--
-- Replies still rewrite participants' rows in place (HOT): a row's thread never changes.
DROP INDEX participants_all;
DROP INDEX participants_inbox;
DROP INDEX participants_sent;
DROP INDEX participants_archived;
CREATE INDEX participants_all ON conversation_participants (person_id, in_blast, last_message_minute DESC)
    INCLUDE (conversation_id);
CREATE INDEX participants_inbox ON conversation_participants (person_id, last_message_minute DESC)
    INCLUDE (conversation_id)
    WHERE NOT in_blast AND has_received AND archived_at IS NULL;
CREATE INDEX participants_sent ON conversation_participants (person_id, last_message_minute DESC)
    INCLUDE (conversation_id)
    WHERE NOT in_blast AND has_sent;
CREATE INDEX participants_archived ON conversation_participants (person_id, last_message_minute DESC)
    INCLUDE (conversation_id)
    WHERE NOT in_blast AND archived_at IS NOT NULL;
