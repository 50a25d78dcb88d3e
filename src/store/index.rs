//! The identifier index: each normalised value stored once, with every
//! item and role it occurs in. Maintained in the same transaction as the
//! record it comes from; values no item uses any more are removed.

use super::error::Result;
use crate::domain::ItemKind;
use crate::domain::identifiers::Identifier;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

/// Replaces the identifiers of an item. `fresh` skips looking for old
/// rows when the item has just been created.
pub fn replace(
    tx: &Connection,
    kind: ItemKind,
    id: Uuid,
    idents: &[Identifier],
    fresh: bool,
) -> Result<()> {
    let mut old: Vec<i64> = Vec::new();
    if !fresh {
        let mut stmt = tx.prepare_cached("SELECT ident FROM occurrences WHERE item_id = ?1")?;
        old = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.prepare_cached("DELETE FROM occurrences WHERE item_id = ?1")?
            .execute([id])?;
    }
    let mut insert_ident =
        tx.prepare_cached("INSERT OR IGNORE INTO identifiers (kind, value) VALUES (?1, ?2)")?;
    let mut find_ident =
        tx.prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?;
    let mut insert_occ = tx.prepare_cached(
        "INSERT OR IGNORE INTO occurrences (ident, item_id, item_kind, role) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for i in idents {
        let kind_s = i.kind.as_str();
        let ident: i64 = if insert_ident.execute((kind_s, &i.value))? == 1 {
            tx.last_insert_rowid()
        } else {
            find_ident.query_row((kind_s, &i.value), |r| r.get(0))?
        };
        insert_occ.execute((ident, id, kind.as_str(), i.role))?;
    }
    if !old.is_empty() {
        let mut orphan = tx.prepare_cached(
            "DELETE FROM identifiers WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM occurrences WHERE ident = ?1)",
        )?;
        for ident in old {
            orphan.execute([ident])?;
        }
    }
    Ok(())
}

/// The id of an identifier value, if any item holds it.
pub fn lookup(conn: &Connection, kind: &str, value: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?
        .query_row((kind, value), |r| r.get(0))
        .optional()?)
}
