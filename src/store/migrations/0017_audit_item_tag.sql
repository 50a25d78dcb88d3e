-- Schema 17: the audit log's index by item holds the last 4 bytes of each
-- entry's 16-byte item id (random in every id interdict makes) instead of
-- the whole id, which the entry itself holds: a lookup reads the few
-- entries whose 4 bytes match and keeps those whose id does
-- (`audit::sql_of_item`).
DROP INDEX audit_item;
CREATE INDEX audit_item ON audit (substr(item_id, 13, 4));
