//! The identifier index: each normalised value stored once, with every
//! item (by item key) and role (by code) it occurs in. Maintained in the
//! same transaction as the record it comes from; values no item uses any
//! more are removed.

use super::error::Result;
use super::keys::{ident_code, role_code};
use crate::domain::identifiers::{IdentKind, Identifier};
use rusqlite::{Connection, OptionalExtension};

/// The identifier id and role code of each identifier, `None` for a
/// value not in the index yet.
fn find_all(tx: &Connection, idents: &[Identifier]) -> Result<Vec<(Option<i64>, i64)>> {
    let mut find =
        tx.prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?;
    idents
        .iter()
        .map(|i| {
            let id = find
                .query_row((ident_code(i.kind), &i.value), |r| r.get::<_, i64>(0))
                .optional()?;
            Ok((id, role_code(i.role)?))
        })
        .collect()
}

/// Replaces the identifiers of the item `item` (an item key). `fresh`
/// skips looking for old rows when the item has just been created.
pub fn replace(tx: &Connection, item: i64, idents: &[Identifier], fresh: bool) -> Result<()> {
    let mut old: Vec<i64> = Vec::new();
    if !fresh {
        let mut stmt = tx.prepare_cached("SELECT ident, role FROM occurrences WHERE item = ?1")?;
        let mut stored: Vec<(i64, i64)> = stmt
            .query_map([item], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Nothing to write when the stored rows are already these (most
        // edits change no identifier): reads only, no page dirtied.
        let found = find_all(tx, idents)?;
        if found.iter().all(|(id, _)| id.is_some()) {
            let mut wanted: Vec<(i64, i64)> = found
                .into_iter()
                .filter_map(|(id, role)| Some((id?, role)))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            stored.sort_unstable();
            if wanted == stored {
                return Ok(());
            }
        }
        old = stored.into_iter().map(|(ident, _)| ident).collect();
        tx.prepare_cached("DELETE FROM occurrences WHERE item = ?1")?
            .execute([item])?;
    }
    let mut find =
        tx.prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?;
    let mut insert_ident =
        tx.prepare_cached("INSERT OR IGNORE INTO identifiers (kind, value) VALUES (?1, ?2)")?;
    let mut insert_occ = tx.prepare_cached(
        "INSERT OR IGNORE INTO occurrences (ident, item, role) VALUES (?1, ?2, ?3)",
    )?;
    for i in idents {
        let code = ident_code(i.kind);
        let ident: i64 = if insert_ident.execute((code, &i.value))? == 1 {
            tx.last_insert_rowid()
        } else {
            find.query_row((code, &i.value), |r| r.get(0))?
        };
        insert_occ.execute((ident, item, role_code(i.role)?))?;
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
pub fn lookup(conn: &Connection, kind: IdentKind, value: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?
        .query_row((ident_code(kind), value), |r| r.get(0))
        .optional()?)
}
