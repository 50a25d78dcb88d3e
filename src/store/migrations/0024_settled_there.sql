-- Schema 24: a conflict may be closed as `settled-there`: the partner
-- whose version it offered settled it, and a later merge took the
-- partner's newer version (or its deletion). Before, such a conflict
-- stayed open with a stale side, and taking its incoming version put
-- back what the partner had rejected. SQLite cannot change a CHECK in
-- place: the table (a few rows in any notebook) is made anew.
ALTER TABLE conflicts RENAME TO conflicts_old;
CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    item_kind    TEXT NOT NULL,
    item_id      BLOB NOT NULL,
    source_id    BLOB NOT NULL REFERENCES sources (id),
    local        TEXT,
    incoming     TEXT NOT NULL,
    incoming_key TEXT NOT NULL,
    detected_at  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'kept-local', 'took-incoming', 'settled-there')),
    resolved_by  TEXT,
    resolved_at  TEXT,
    base         TEXT,
    UNIQUE (item_id, incoming_key)
);
INSERT INTO conflicts (id, item_kind, item_id, source_id, local, incoming, incoming_key,
                          detected_at, status, resolved_by, resolved_at, base)
     SELECT id, item_kind, item_id, source_id, local, incoming, incoming_key,
            detected_at, status, resolved_by, resolved_at, base
       FROM conflicts_old;
DROP TABLE conflicts_old;
CREATE INDEX conflicts_open ON conflicts (status);
