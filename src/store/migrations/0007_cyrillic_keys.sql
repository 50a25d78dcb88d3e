-- Schema 7: no table changes. Cyrillic names and addresses are folded by
-- interdict's own transliteration table, addresses write the words for
-- kinds of place one way, and search texts with Cyrillic carry their Latin
-- forms: the upgrade's step (store::upgrade::to_7) derives the index,
-- search rows, watchlist and warning-list keys again.

