-- Schema 22: the links' indexes by either end hold the end alone, not the
-- link's type too (about 9 bytes of text in each of two entries a link).
-- Every query that names a type also reads the link's row (for its other
-- end), and an item's links are few but for a case's, nearly all of which
-- are of the one type those queries ask (`includes`).
DROP INDEX links_from;
DROP INDEX links_to;
CREATE INDEX links_from ON links (from_id);
CREATE INDEX links_to ON links (to_id);
