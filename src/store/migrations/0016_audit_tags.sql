-- Schema 16: the audit log keeps each entry's hash whole only every 16th
-- entry (seq a multiple of 16) and for its head, in `audit_head`; every
-- other entry keeps the first 4 bytes of its hash. Each hash follows from
-- the one before it and the entry's fields, so a reader works out any of
-- them from the last one kept (`audit::chain`), and `audit verify` still
-- names the entry a change touched. The UPDATE below is the upgrade's own:
-- the log is append-only again once it is done.
CREATE TABLE audit_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (one, seq, hash)
    SELECT 1, seq, hash FROM audit ORDER BY seq DESC LIMIT 1;
DROP TRIGGER audit_no_update;
UPDATE audit SET hash = substr(hash, 1, 4) WHERE seq % 16 != 0;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
