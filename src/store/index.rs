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

/// The identifier values' ids, each looked up or added.
struct Ids<'c> {
    tx: &'c Connection,
    insert: rusqlite::CachedStatement<'c>,
    find: rusqlite::CachedStatement<'c>,
}

impl<'c> Ids<'c> {
    fn new(tx: &'c Connection) -> Result<Ids<'c>> {
        Ok(Ids {
            tx,
            insert: tx.prepare_cached(
                "INSERT OR IGNORE INTO identifiers (kind, value) VALUES (?1, ?2)",
            )?,
            find: tx.prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?,
        })
    }

    /// The id of the value `value` of kind `code`, added to the index if
    /// it is not there yet: one probe of the key when it is new.
    fn id_or_add(&mut self, code: i64, value: &str) -> Result<i64> {
        if self.insert.execute((code, value))? == 1 {
            return Ok(self.tx.last_insert_rowid());
        }
        Ok(self.find.query_row((code, value), |r| r.get(0))?)
    }
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
    let mut insert_occ = tx.prepare_cached(
        "INSERT OR IGNORE INTO occurrences (ident, item, role) VALUES (?1, ?2, ?3)",
    )?;
    let mut ids = Ids::new(tx)?;
    for i in idents {
        let ident = ids.id_or_add(ident_code(i.kind), &i.value)?;
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

/// Index rows of many new items (a rebuild of the whole index), gathered
/// and written in key order when enough are held: each distinct value is
/// looked up or added once, in the order of the identifiers' key, and the
/// occurrences go in in their own key's order. Row by row, each insert
/// lands on a page of its own in B-trees larger than the page cache.
/// The items must have no rows in the index yet.
pub struct Batch {
    rows: Vec<(i64, String, i64, i64)>,
    limit: usize,
}

/// Rows held before a [`Batch`] writes them: at about 80 bytes each, some
/// 20 MB, the rows of about 25,000 parcels.
pub const BATCH_ROWS: usize = 250_000;

impl Batch {
    /// A batch that writes once it holds `limit` rows.
    pub fn new(limit: usize) -> Batch {
        Batch {
            rows: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Adds the identifiers of the new item `item`; writes what is held
    /// once there is enough.
    pub fn add(&mut self, tx: &Connection, item: i64, idents: &[Identifier]) -> Result<()> {
        for i in idents {
            self.rows.push((
                ident_code(i.kind),
                i.value.clone(),
                item,
                role_code(i.role)?,
            ));
        }
        if self.rows.len() >= self.limit {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes every row held.
    pub fn flush(&mut self, tx: &Connection) -> Result<()> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_unstable();
        rows.dedup();
        let mut ids = Ids::new(tx)?;
        let mut occurrences = Vec::with_capacity(rows.len());
        let mut last: Option<(i64, &str, i64)> = None;
        for (code, value, item, role) in &rows {
            let ident = match last {
                Some((c, v, id)) if c == *code && v == value => id,
                _ => ids.id_or_add(*code, value)?,
            };
            last = Some((*code, value, ident));
            occurrences.push((ident, *item, *role));
        }
        occurrences.sort_unstable();
        let mut insert_occ = tx.prepare_cached(
            "INSERT OR IGNORE INTO occurrences (ident, item, role) VALUES (?1, ?2, ?3)",
        )?;
        for o in occurrences {
            insert_occ.execute(o)?;
        }
        Ok(())
    }
}

/// The id of an identifier value, if any item holds it.
pub fn lookup(conn: &Connection, kind: IdentKind, value: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2")?
        .query_row((ident_code(kind), value), |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// Every row of the index, as values.
    fn rows(conn: &Connection) -> Vec<(i64, String, i64, i64)> {
        conn.prepare(
            "SELECT i.kind, i.value, o.item, o.role FROM occurrences o
               JOIN identifiers i ON i.id = o.ident ORDER BY 1, 2, 3, 4",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    #[test]
    fn an_index_built_in_batches_holds_the_rows_written_record_by_record() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 300, 11, |_, _| {}).unwrap();
        let before = rows(s.conn());
        assert!(before.len() > 3_000, "{}", before.len());
        // Batches far smaller than the index: values met again in a later
        // batch (a shared phone, a substance) are found, not added twice.
        for limit in [97, BATCH_ROWS] {
            let n = s
                .write(|w| crate::store::upgrade::rebuild_indexes_in(&w.tx, Batch::new(limit)))
                .unwrap();
            assert!(n > 300, "{n}");
            assert_eq!(rows(s.conn()), before, "batches of {limit}");
            let distinct: i64 = s
                .conn()
                .query_row("SELECT count(*) FROM identifiers", [], |r| r.get(0))
                .unwrap();
            let mut values: Vec<_> = before.iter().map(|r| (r.0, &r.1)).collect();
            values.dedup();
            assert_eq!(distinct as usize, values.len(), "each value once");
            let check = crate::store::integrity::check_derived(s.conn()).unwrap();
            assert!(check.problems.is_empty(), "{:?}", check.problems);
            // The item index is there, and used.
            let plan: String = s
                .conn()
                .query_row(
                    "EXPLAIN QUERY PLAN SELECT ident FROM occurrences WHERE item = 5",
                    [],
                    |r| r.get(3),
                )
                .unwrap();
            assert!(plan.contains("occurrences_item"), "{plan}");
        }
    }
}
