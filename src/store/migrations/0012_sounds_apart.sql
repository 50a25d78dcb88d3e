-- Schema 12: the name and address sounds (which suggest matches but never
-- connect items) leave the identifier index for a table of their own,
-- keyed by what they are looked up by (kind, key) and holding the item
-- and role. An item's sounds are worked out from its record when needed,
-- so the table has no index by item. In the index each sound value cost
-- four entries (its row, its unique key, the occurrence and its item
-- index): about 180 bytes a parcel.
CREATE TABLE sounds (
    kind INTEGER NOT NULL,
    key  TEXT NOT NULL,
    item INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (kind, key, item, role)
) WITHOUT ROWID;
INSERT INTO sounds (kind, key, item, role)
    SELECT i.kind, i.value, o.item, o.role
    FROM identifiers i JOIN occurrences o ON o.ident = i.id
    WHERE i.kind IN (8, 9)
    ORDER BY 1, 2, 3, 4;
DELETE FROM occurrences WHERE ident IN (SELECT id FROM identifiers WHERE kind IN (8, 9));
DELETE FROM identifiers WHERE kind IN (8, 9);
