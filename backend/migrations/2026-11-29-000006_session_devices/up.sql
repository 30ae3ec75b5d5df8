-- Where each session was started, for its person's sessions page (R-SESSIONS): the browser's
-- User-Agent (cut to 300 characters) and the network it came from (a /24 or /48, never the
-- exact address). Sessions from before this change have neither.
ALTER TABLE sessions ADD COLUMN user_agent text, ADD COLUMN network text;
