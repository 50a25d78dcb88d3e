-- interdict schema version 3: the trigram full-text index goes.
-- Search ranks every item whose text holds the query's characters in
-- order; it filters with a character mask and a score bound over
-- search_items and has not read search_fts since. The index cost about
-- 470 bytes and a dozen page writes per parcel (a third of an import's
-- time) and was kept up to date for nothing.
DROP TABLE search_fts;
