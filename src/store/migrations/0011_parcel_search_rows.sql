-- Schema 11: a parcel's search text is its fields and nothing else, so it
-- is made from the parcel's row when searched, not stored a second time
-- in search_items (about 290 bytes a parcel, a seventh of the file).
DELETE FROM search_items WHERE (item & 15) = 2;
