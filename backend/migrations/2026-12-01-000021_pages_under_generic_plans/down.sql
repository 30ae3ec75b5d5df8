DROP INDEX participants_blasts_sent;
