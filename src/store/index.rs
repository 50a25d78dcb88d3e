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
    let mut find_ident =
        tx.prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?;
    if !fresh {
        let mut stmt =
            tx.prepare_cached("SELECT ident, role, item_kind FROM occurrences WHERE item_id = ?1")?;
        let stored: Vec<(i64, String, String)> = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Nothing to write when the stored rows are already these (most
        // edits change no identifier): reads only, no page dirtied.
        let mut wanted = Vec::with_capacity(idents.len());
        for i in idents {
            match find_ident
                .query_row((i.kind.as_str(), &i.value), |r| r.get::<_, i64>(0))
                .optional()?
            {
                Some(ident) => wanted.push((ident, i.role.to_string(), kind.as_str().to_string())),
                None => break,
            }
        }
        if wanted.len() == idents.len() {
            let (mut a, mut b) = (wanted, stored.clone());
            a.sort();
            a.dedup();
            b.sort();
            if a == b {
                return Ok(());
            }
        }
        old = stored.into_iter().map(|(ident, _, _)| ident).collect();
        tx.prepare_cached("DELETE FROM occurrences WHERE item_id = ?1")?
            .execute([id])?;
    }
    let mut insert_ident =
        tx.prepare_cached("INSERT OR IGNORE INTO identifiers (kind, value) VALUES (?1, ?2)")?;
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
