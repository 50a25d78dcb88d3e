-- Schema 5: the audit log sealed by its writers. Each writer's public key
-- is kept once, with the name it wrote under; each write transaction's
-- last audit entry is sealed with the writer's key (an ed25519 signature
-- over the chain's hash at that entry, so over every entry before it).
-- Someone who rewrites the chain cannot seal it again as anyone else.
CREATE TABLE audit_keys (
    id         INTEGER PRIMARY KEY,
    public_key BLOB NOT NULL UNIQUE,
    actor      TEXT NOT NULL
);
CREATE TABLE audit_seals (
    seq       INTEGER PRIMARY KEY,
    key       INTEGER NOT NULL REFERENCES audit_keys (id),
    signature BLOB NOT NULL
);
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;
CREATE TRIGGER audit_keys_no_update BEFORE UPDATE ON audit_keys
BEGIN
    SELECT RAISE(ABORT, 'audit keys are append-only');
END;
CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys
BEGIN
    SELECT RAISE(ABORT, 'audit keys are append-only');
END;
