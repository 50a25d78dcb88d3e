-- interdict schema version 1: the notebook.
-- Record tables share the provenance columns: id (UUIDv7, 16-byte blob),
-- created/updated time and author, and the id of the database the record
-- was first written in. Field columns are named as the record's fields.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE cases (
    id           BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    "ref"        TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL,
    opened_on    TEXT,
    closed_on    TEXT,
    lead_officer TEXT,
    summary      TEXT,
    tlp          TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status);

CREATE TABLE parcels (
    id                BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL,
    origin_db         BLOB NOT NULL,
    tracking          TEXT NOT NULL,
    tracking_kind     TEXT NOT NULL,
    carrier           TEXT,
    service           TEXT,
    origin            TEXT,
    transit           TEXT,
    destination       TEXT,
    sender_name       TEXT,
    sender_address    TEXT,
    sender_phone      TEXT,
    sender_email      TEXT,
    recipient_name    TEXT,
    recipient_address TEXT,
    recipient_phone   TEXT,
    recipient_email   TEXT,
    customs_form      TEXT,
    declared_category TEXT,
    declared_contents TEXT,
    declared_value    REAL,
    declared_currency TEXT,
    hs_code           TEXT,
    weight_g          REAL,
    concealment       TEXT,
    found_contents    TEXT,
    status            TEXT NOT NULL,
    seized_place      TEXT,
    seized_on         TEXT
);
CREATE INDEX parcels_tracking ON parcels (tracking);
CREATE INDEX parcels_status ON parcels (status);
CREATE INDEX parcels_seized_on ON parcels (seized_on);

CREATE TABLE substances (
    id            BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    origin_db     BLOB NOT NULL,
    name          TEXT NOT NULL,
    synonyms      TEXT,
    "group"       TEXT NOT NULL,
    subclass      TEXT,
    effect        TEXT,
    cas           TEXT,
    schedule_1961 TEXT,
    schedule_1971 TEXT,
    table_1988    TEXT,
    national_note TEXT
);
CREATE INDEX substances_name ON substances (name COLLATE NOCASE);
CREATE INDEX substances_cas ON substances (cas);

CREATE TABLE findings (
    id             BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    origin_db      BLOB NOT NULL,
    parcel_id      BLOB NOT NULL REFERENCES parcels (id),
    substance_id   BLOB NOT NULL REFERENCES substances (id),
    form           TEXT NOT NULL,
    quantity       REAL,
    unit           TEXT,
    identification TEXT NOT NULL,
    test_ref       TEXT,
    note           TEXT
);
CREATE INDEX findings_parcel ON findings (parcel_id);
CREATE INDEX findings_substance ON findings (substance_id);

CREATE TABLE links (
    id           BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    from_kind    TEXT NOT NULL,
    from_id      BLOB NOT NULL,
    to_kind      TEXT NOT NULL,
    to_id        BLOB NOT NULL,
    link_type    TEXT NOT NULL,
    note         TEXT,
    source_grade TEXT,
    intel_grade  TEXT,
    handling     TEXT
);
CREATE INDEX links_from ON links (from_id, link_type);
CREATE INDEX links_to ON links (to_id, link_type);

CREATE TABLE notes (
    id           BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    item_kind    TEXT NOT NULL,
    item_id      BLOB NOT NULL,
    note_type    TEXT NOT NULL,
    noted_on     TEXT NOT NULL,
    text         TEXT NOT NULL,
    source       TEXT,
    source_grade TEXT,
    intel_grade  TEXT,
    handling     TEXT,
    tlp          TEXT NOT NULL
);
CREATE INDEX notes_item ON notes (item_id);

-- Normalised identifiers (canonical S10, E.164 phone, folded address...)
-- stored once, with every place they occur.
CREATE TABLE identifiers (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE occurrences (
    ident     INTEGER NOT NULL REFERENCES identifiers (id),
    item_id   BLOB NOT NULL,
    item_kind TEXT NOT NULL,
    role      TEXT NOT NULL,
    PRIMARY KEY (ident, item_id, role)
) WITHOUT ROWID;
CREATE INDEX occurrences_item ON occurrences (item_id);

-- Search: one row per searchable item, and a trigram full-text index over
-- it for substring candidates before fuzzy ranking.
CREATE TABLE search_items (
    rowid   INTEGER PRIMARY KEY,
    item_id BLOB NOT NULL UNIQUE,
    kind    TEXT NOT NULL,
    label   TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    body,
    content = 'search_items',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

-- Append-only, hash-chained log of every change.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id   BLOB NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_item ON audit (item_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Noise control: values that must never connect items (placeholders such
-- as "n/a", courier hubs, forwarders, the customs post's own address), by
-- identifier kind and normalised value. Editable by the user.
CREATE TABLE warnlist (
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    note     TEXT,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;

-- A person's verdict on a suggested fuzzy match (a_id < b_id), so that a
-- rejected pair is never suggested again and a confirmed one is a link.
CREATE TABLE match_decisions (
    a_id       BLOB NOT NULL,
    b_id       BLOB NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    link_id    BLOB,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (a_id, b_id)
) WITHOUT ROWID;
