-- interdict schema version 4: a store that costs what its information
-- costs.
--
-- Every record gets a number in this file, `n` (its table's INTEGER
-- PRIMARY KEY, which VACUUM keeps); its UUIDv7 stays its identity between
-- files. Index rows name an item by one integer, its item key (n * 16 +
-- kind code), and kinds and roles by small codes (src/store/keys.rs),
-- instead of a 16-byte id and strings in every row. The audit log holds a
-- hash of each record's state and the fields a change changed, not a copy
-- of the record (src/store/audit/mod.rs). The record tables are rebuilt
-- with their rows and numbers as they were; the index tables are rebuilt
-- from the records and the audit log is converted by the upgrade's second
-- step (src/store/upgrade.rs), in the same transaction.

CREATE TABLE cases_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO cases_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, "ref", title, status, opened_on, closed_on, lead_officer, summary, tlp) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, "ref", title, status, opened_on, closed_on, lead_officer, summary, tlp FROM cases ORDER BY rowid;
DROP TABLE cases;
ALTER TABLE cases_4 RENAME TO cases;
CREATE INDEX cases_status ON cases (status);

CREATE TABLE parcels_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO parcels_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, tracking, tracking_kind, carrier, service, origin, transit, destination, sender_name, sender_address, sender_phone, sender_email, recipient_name, recipient_address, recipient_phone, recipient_email, customs_form, declared_category, declared_contents, declared_value, declared_currency, hs_code, weight_g, concealment, found_contents, status, seized_place, seized_on) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, tracking, tracking_kind, carrier, service, origin, transit, destination, sender_name, sender_address, sender_phone, sender_email, recipient_name, recipient_address, recipient_phone, recipient_email, customs_form, declared_category, declared_contents, declared_value, declared_currency, hs_code, weight_g, concealment, found_contents, status, seized_place, seized_on FROM parcels ORDER BY rowid;
DROP TABLE parcels;
ALTER TABLE parcels_4 RENAME TO parcels;
CREATE INDEX parcels_tracking ON parcels (tracking);
CREATE INDEX parcels_status ON parcels (status);
CREATE INDEX parcels_seized_on ON parcels (seized_on);

CREATE TABLE substances_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO substances_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, name, synonyms, "group", subclass, effect, cas, schedule_1961, schedule_1971, table_1988, national_note) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, name, synonyms, "group", subclass, effect, cas, schedule_1961, schedule_1971, table_1988, national_note FROM substances ORDER BY rowid;
DROP TABLE substances;
ALTER TABLE substances_4 RENAME TO substances;
CREATE INDEX substances_name ON substances (name COLLATE NOCASE);
CREATE INDEX substances_cas ON substances (cas);

CREATE TABLE findings_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO findings_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, parcel_id, substance_id, form, quantity, unit, identification, test_ref, note) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, parcel_id, substance_id, form, quantity, unit, identification, test_ref, note FROM findings ORDER BY rowid;
DROP TABLE findings;
ALTER TABLE findings_4 RENAME TO findings;
CREATE INDEX findings_parcel ON findings (parcel_id);
CREATE INDEX findings_substance ON findings (substance_id);

CREATE TABLE links_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO links_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, from_kind, from_id, to_kind, to_id, link_type, note, source_grade, intel_grade, handling) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, from_kind, from_id, to_kind, to_id, link_type, note, source_grade, intel_grade, handling FROM links ORDER BY rowid;
DROP TABLE links;
ALTER TABLE links_4 RENAME TO links;
CREATE INDEX links_from ON links (from_id, link_type);
CREATE INDEX links_to ON links (to_id, link_type);

CREATE TABLE notes_4 (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
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
INSERT INTO notes_4 (n, id, created_at, created_by, updated_at, updated_by, origin_db, item_kind, item_id, note_type, noted_on, text, source, source_grade, intel_grade, handling, tlp) SELECT rowid, id, created_at, created_by, updated_at, updated_by, origin_db, item_kind, item_id, note_type, noted_on, text, source, source_grade, intel_grade, handling, tlp FROM notes ORDER BY rowid;
DROP TABLE notes;
ALTER TABLE notes_4 RENAME TO notes;
CREATE INDEX notes_item ON notes (item_id);

-- The identifier index: kinds as codes, occurrences by item key and role
-- code.
DROP TABLE occurrences;
DROP TABLE identifiers;
CREATE TABLE identifiers (
    id    INTEGER PRIMARY KEY,
    kind  INTEGER NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value)
);
CREATE TABLE occurrences (
    ident INTEGER NOT NULL REFERENCES identifiers (id),
    item  INTEGER NOT NULL,
    role  INTEGER NOT NULL,
    PRIMARY KEY (ident, item, role)
) WITHOUT ROWID;
CREATE INDEX occurrences_item ON occurrences (item);

-- Search rows by item key; the rowid keeps the order items were written
-- in (older first among equal scores).
DROP TABLE search_items;
CREATE TABLE search_items (
    rowid INTEGER PRIMARY KEY,
    item  INTEGER NOT NULL UNIQUE,
    label TEXT NOT NULL,
    body  TEXT NOT NULL
);

-- The audit log: the old table is converted into the new one, then goes.
DROP TRIGGER IF EXISTS audit_no_update;
DROP TRIGGER IF EXISTS audit_no_delete;
DROP INDEX audit_item;
ALTER TABLE audit RENAME TO audit_3;
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id   BLOB NOT NULL,
    state     BLOB,
    version   BLOB,
    detail    TEXT,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_item ON audit (item_id);

DROP INDEX received_audit_item;
ALTER TABLE received_audit RENAME TO received_audit_3;
CREATE TABLE received_audit (
    source_db BLOB NOT NULL,
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id   BLOB NOT NULL,
    state     BLOB,
    version   BLOB,
    detail    TEXT,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL,
    PRIMARY KEY (source_db, seq)
) WITHOUT ROWID;
CREATE INDEX received_audit_item ON received_audit (item_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
