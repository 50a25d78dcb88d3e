-- Schema 23: writers' names by key. Every record's `created_by` and
-- `updated_by` and every audit entry's `actor` (the notebook's own log
-- and the logs received with merges) held the writer's name, about 3.3
-- times per parcel: `alice (as root)` cost some 50 bytes a parcel. Each
-- now holds a blob of one or two bytes, the key `writers` maps to the
-- name. The columns keep their TEXT declaration (a blob is kept as it
-- is given, so a key is never taken for a name). Readers give the name
-- back (`writers::read`: the key's name, or the column as it stands where
-- it holds a name), a write puts the name in `writers` first and stores
-- its key. The keys are the file's own: an export writes the names into
-- its own `writers`, and a merge reads them as names. Hashes are of the
-- names, so nothing the audit chain or a record's state hash covers
-- changes. The upgrade's step (`upgrade::to_23`, `writers::convert`)
-- fills the table and replaces each name with its key; `migrations::apply`
-- makes the table first when an upgrade starts from an older schema, so
-- that the steps before this one read and write as this build does.
CREATE TABLE IF NOT EXISTS writers (
    k    BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) WITHOUT ROWID;
