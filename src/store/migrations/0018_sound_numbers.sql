-- Schema 18: a name's or address's sound is kept as a number, the first 4
-- bytes of the SHA-256 of its kind and text (`keys::sound_hash`), not the
-- text (12 to 17 bytes), and without a column for its kind, which its
-- role gives (`keys::sound_kind`): a sound is only ever looked up by
-- equality, and what a row's sound says is worked out again from its
-- record, where sounds that share a number are told apart. The table is
-- made anew and its step writes every record's sounds again
-- (`upgrade::to_18`): the rows are derived from the records, and a
-- sound's text cannot be hashed in SQL.
DROP TABLE sounds;
CREATE TABLE sounds (
    key  INTEGER NOT NULL,
    item INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (key, item, role)
) WITHOUT ROWID;
