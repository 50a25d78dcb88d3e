-- Schema 9: the evidence trail of a seizure. Inspections, exhibits and
-- controlled-delivery outcomes on a parcel, an append-only custody log on
-- each exhibit, laboratory results on a finding, and photos and documents
-- on any item (by path and SHA-256; the bytes only when asked). Each is an
-- item like any other: audited, exported, merged, in the timeline.
-- A parcel also records when and where it was posted and where it entered
-- the country (a point of entry or a flight), as incident reports ask.
ALTER TABLE parcels ADD COLUMN posted_on TEXT;
ALTER TABLE parcels ADD COLUMN posted_from TEXT;
ALTER TABLE parcels ADD COLUMN entry_point TEXT;
CREATE TABLE inspections (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    parcel_id    BLOB NOT NULL REFERENCES parcels (id),
    inspected_on TEXT NOT NULL,
    place        TEXT,
    place_kind   TEXT,
    officer      TEXT,
    selection    TEXT NOT NULL,
    actions      TEXT,
    test_kit     TEXT,
    test_result  TEXT,
    test_indicated TEXT,
    note         TEXT
);
CREATE INDEX inspections_parcel ON inspections (parcel_id);
CREATE TABLE exhibits (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    parcel_id    BLOB NOT NULL REFERENCES parcels (id),
    number       TEXT NOT NULL,
    exhibit_kind TEXT NOT NULL,
    sample_of    TEXT,
    seal         TEXT,
    description  TEXT,
    gross_g      REAL,
    net_g        REAL
);
CREATE INDEX exhibits_parcel ON exhibits (parcel_id);
CREATE INDEX exhibits_number ON exhibits (number);
CREATE TABLE custody (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    exhibit_id   BLOB NOT NULL REFERENCES exhibits (id),
    handed_at    TEXT NOT NULL,
    from_holder  TEXT,
    to_holder    TEXT NOT NULL,
    place        TEXT,
    purpose      TEXT NOT NULL,
    seal_intact  TEXT NOT NULL,
    seal         TEXT,
    note         TEXT
);
CREATE INDEX custody_exhibit ON custody (exhibit_id, handed_at);
CREATE TABLE lab_results (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    finding_id   BLOB NOT NULL REFERENCES findings (id),
    laboratory   TEXT NOT NULL,
    reference    TEXT NOT NULL,
    method       TEXT NOT NULL,
    analysed_on  TEXT,
    outcome      TEXT NOT NULL,
    identified   TEXT,
    purity       REAL,
    net_quantity REAL,
    unit         TEXT,
    note         TEXT
);
CREATE INDEX lab_results_finding ON lab_results (finding_id);
CREATE TABLE deliveries (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    parcel_id    BLOB NOT NULL REFERENCES parcels (id),
    delivered_on TEXT,
    outcome      TEXT NOT NULL,
    delivered_to TEXT,
    collected_by TEXT,
    arrests      REAL,
    note         TEXT
);
CREATE INDEX deliveries_parcel ON deliveries (parcel_id);
CREATE TABLE documents (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    origin_db    BLOB NOT NULL,
    item_kind    TEXT NOT NULL,
    item_id      BLOB NOT NULL,
    path         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size_bytes   REAL,
    doc_kind     TEXT NOT NULL,
    description  TEXT,
    embedded     TEXT NOT NULL
);
CREATE INDEX documents_item ON documents (item_id);
-- The bytes of documents kept in the notebook (asked for with --embed),
-- once per content.
CREATE TABLE document_bytes (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
) WITHOUT ROWID;
