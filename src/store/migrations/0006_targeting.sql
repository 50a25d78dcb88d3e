-- Schema 6: targeting. Watchlist entries (a normalised identifier, why it
-- is watched, by whom, until when, under which TLP, for which case), risk
-- profiles (their TOML text, as the user wrote it), and the hits of
-- screening: the parcels that matched, with the score and every reason.
CREATE TABLE watchlist (
    id          BLOB PRIMARY KEY CHECK (length(id) = 16),
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    raw         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    expires_on  TEXT,
    tlp         TEXT NOT NULL,
    case_id     BLOB REFERENCES cases (id) ON DELETE SET NULL
);
CREATE INDEX watchlist_value ON watchlist (kind, value);
CREATE TABLE profiles (
    id          BLOB PRIMARY KEY CHECK (length(id) = 16),
    name        TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE hits (
    id          INTEGER PRIMARY KEY,
    parcel_id   BLOB NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
    profile     TEXT NOT NULL,
    score       REAL NOT NULL,
    threshold   REAL NOT NULL,
    reasons     TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (parcel_id, profile)
);
CREATE INDEX hits_at ON hits (at);
