-- Schema 20: the notebook a record was first made in (`origin_db`, a
-- 16-byte id in every row of every kind, the same id in nearly all of
-- them) is named by a small number: the row of `origins` that holds the
-- id. Readers give the id back (`records`: the row's number looked up in
-- `origins`, or the column as it stands where it is not a number), and a
-- write adds the id to `origins` first. The numbers are the file's own:
-- an export writes the ids into its own `origins`, and a merge reads them
-- as ids. (The columns keep their declaration: a column of BLOB affinity
-- holds a number as a number.) `migrations::apply` makes the table first
-- when an upgrade starts from an older schema, so that the steps of the
-- upgrades before this one read and write records the same way.
CREATE TABLE IF NOT EXISTS origins (
    n  INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16)
);
INSERT OR IGNORE INTO origins (id)
    SELECT origin_db FROM cases WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM parcels WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM substances WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM findings WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM links WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM notes WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM people WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM organisations WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM inspections WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM exhibits WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM custody WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM lab_results WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM deliveries WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16
    UNION SELECT origin_db FROM documents WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE cases SET origin_db = (SELECT n FROM origins WHERE id = cases.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE parcels SET origin_db = (SELECT n FROM origins WHERE id = parcels.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE substances SET origin_db = (SELECT n FROM origins WHERE id = substances.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE findings SET origin_db = (SELECT n FROM origins WHERE id = findings.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE links SET origin_db = (SELECT n FROM origins WHERE id = links.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE notes SET origin_db = (SELECT n FROM origins WHERE id = notes.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE people SET origin_db = (SELECT n FROM origins WHERE id = people.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE organisations SET origin_db = (SELECT n FROM origins WHERE id = organisations.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE inspections SET origin_db = (SELECT n FROM origins WHERE id = inspections.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE exhibits SET origin_db = (SELECT n FROM origins WHERE id = exhibits.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE custody SET origin_db = (SELECT n FROM origins WHERE id = custody.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE lab_results SET origin_db = (SELECT n FROM origins WHERE id = lab_results.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE deliveries SET origin_db = (SELECT n FROM origins WHERE id = deliveries.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
UPDATE documents SET origin_db = (SELECT n FROM origins WHERE id = documents.origin_db)
    WHERE typeof(origin_db) = 'blob' AND length(origin_db) = 16;
