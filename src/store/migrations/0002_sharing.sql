-- interdict schema version 2: sharing. Where records came from when they
-- were not written here (merged database files, imported CSV), edits that
-- met on merge and wait for a person's choice, the history that came with
-- merged records, and the manifest of an export file.

-- One merge or import: what file, from which database, by whom, and what
-- it did (JSON counts).
CREATE TABLE sources (
    id          BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    kind        TEXT NOT NULL CHECK (kind IN ('merge', 'import')),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    source_db   BLOB,
    exporter    TEXT,
    signer      TEXT,
    report      TEXT NOT NULL
);

-- Every record a merge or import added or changed, with the source it
-- came from (and, for CSV, the line; for renumbered cases, the reference
-- the record had in its own file).
CREATE TABLE provenance (
    item_id     BLOB NOT NULL,
    source_id   BLOB NOT NULL REFERENCES sources (id),
    action      TEXT NOT NULL,
    line        INTEGER,
    foreign_ref TEXT,
    PRIMARY KEY (item_id, source_id)
) WITHOUT ROWID;
CREATE INDEX provenance_source ON provenance (source_id);

-- An item edited on both sides since they diverged: both versions are
-- kept until a person chooses. `local` is NULL when the item was deleted
-- here.
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
                 CHECK (status IN ('open', 'kept-local', 'took-incoming')),
    resolved_by  TEXT,
    resolved_at  TEXT,
    UNIQUE (item_id, incoming_key)
);
CREATE INDEX conflicts_open ON conflicts (status);

-- Audit entries of other databases that came with merged records: the
-- versions an item had there, verbatim (each entry's own hash still
-- checks), so later merges can tell a newer version from a diverged one.
CREATE TABLE received_audit (
    source_db BLOB NOT NULL,
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id   BLOB NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (source_db, seq)
) WITHOUT ROWID;
CREATE INDEX received_audit_item ON received_audit (item_id);

-- Only in export files: the manifest (JSON) and its signature.
CREATE TABLE export_manifest (
    manifest TEXT NOT NULL
);
CREATE TABLE export_signature (
    algorithm  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signer     TEXT NOT NULL,
    signature  TEXT NOT NULL
);
