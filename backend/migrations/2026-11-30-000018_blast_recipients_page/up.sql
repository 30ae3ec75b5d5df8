-- A blast's page lists its selected clients in selection order (`GET /blasts/{id}/recipients`,
-- keyset on position): an index range, however many thousands a blast went to. The partial
-- index of pending rows stays for the fan-out, which reads only those.
CREATE INDEX blast_recipients_by_position ON blast_recipients (blast_id, position);
