-- Schema 13: the occurrences lose their index by item. What an item's
-- identifiers are is worked out from its record (as its sounds have been
-- since schema 12), so a write that replaces them is given the record as
-- it was stored, and the views of one item (its shared values, the
-- integrity check) look each of its values up. The index held every
-- occurrence a second time: about 114 bytes a parcel, 7 % of the file.
DROP INDEX IF EXISTS occurrences_item;
