-- Schema 14: each exact identifier's occurrence holds its value, as the
-- sounds' rows have since schema 12: one table keyed by (kind, value,
-- item, role), looked up by what it is looked up by, with no table of
-- values and no unique index of them beside it. Each value was stored
-- twice (its row and its unique key) and each occurrence named it by a
-- number: about 315 bytes a parcel for the values alone. A value shared
-- by many items is now written once for each of them; most values belong
-- to one item.
CREATE TABLE occurrences_14 (
    kind  INTEGER NOT NULL,
    value TEXT NOT NULL,
    item  INTEGER NOT NULL,
    role  INTEGER NOT NULL,
    PRIMARY KEY (kind, value, item, role)
) WITHOUT ROWID;
INSERT INTO occurrences_14 (kind, value, item, role)
    SELECT i.kind, i.value, o.item, o.role
    FROM identifiers i JOIN occurrences o ON o.ident = i.id
    ORDER BY 1, 2, 3, 4;
DROP TABLE occurrences;
DROP TABLE identifiers;
ALTER TABLE occurrences_14 RENAME TO occurrences;
