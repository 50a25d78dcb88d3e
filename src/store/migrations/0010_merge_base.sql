-- Schema 10: a merge conflict keeps the version both sides last shared
-- (the base), so that `conflicts show` can say who changed what: only a
-- field changed differently on both sides since then is a conflict.
ALTER TABLE conflicts ADD COLUMN base TEXT;
