//! The parts of schema upgrades that SQL alone cannot do: rebuilding the
//! derived index tables from the records, and converting the audit log of
//! an earlier format. They run in the upgrade's transaction, after its SQL.

use super::audit::legacy;
use super::error::{Result, StoreError};
use super::{index, keys, records, search};
use crate::domain::Record;
use crate::domain::identifiers as ids;
use rusqlite::Connection;
use uuid::Uuid;

/// What an upgrade step knows of the upgrade.
pub struct Ctx<'a> {
    /// The schema version the file had before this upgrade began.
    pub from: i64,
    pub actor: &'a str,
    pub now: &'a str,
    /// The file is a private copy of an older one (see
    /// `OpenOptions::private_copy`).
    pub private_copy: bool,
}

/// What [`index_kind`] writes of each record.
#[derive(Clone, Copy, PartialEq)]
enum Rows {
    /// Its identifier rows and its search row.
    Both,
    /// Its search row alone: the identifier index has a form older than
    /// this build writes, and is built by schema 14's step.
    Search,
    /// Its identifier rows alone.
    Identifiers,
}

fn index_kind<R: Record>(
    tx: &Connection,
    batch: &mut index::Batch,
    done: &mut usize,
    in_place: bool,
    what: Rows,
) -> Result<()> {
    records::each_numbered::<R>(tx, |n, rec| {
        let item = keys::item_key(R::KIND, n);
        if what != Rows::Search {
            batch.add(tx, item, &records::identifiers_of(tx, &rec)?)?;
        }
        match (what, in_place) {
            (Rows::Identifiers, _) => {}
            (_, true) => search::update_record(tx, item, &rec)?,
            (_, false) => search::replace_record(tx, item, &rec, true)?,
        }
        *done += 1;
        Ok(())
    })
}

/// Empties the identifier index and the search rows and builds them again
/// from every record. Returns the number of records indexed.
pub fn rebuild_indexes(tx: &Connection) -> Result<usize> {
    rebuild_indexes_in(tx, index::Batch::new(index::BATCH_ROWS))
}

/// [`rebuild_indexes`], the identifier rows written through `batch`.
pub(crate) fn rebuild_indexes_in(tx: &Connection, batch: index::Batch) -> Result<usize> {
    index::clear(tx)?;
    tx.execute_batch("DELETE FROM search_items;")?;
    index_all(tx, batch, false)
}

/// Builds the identifier index again and rewrites the search rows where
/// they stand (each keeps its row, and so the order items were written
/// in, which the searches' ranking of equal scores and their split
/// between two cores follow).
pub fn reindex_in_place(tx: &Connection) -> Result<usize> {
    index::clear(tx)?;
    index_all(tx, index::Batch::new(index::BATCH_ROWS), true)
}

fn index_all(tx: &Connection, batch: index::Batch, in_place: bool) -> Result<usize> {
    // Before schema 14's SQL (a step of an earlier upgrade) the index is
    // left empty, for that schema's step to build.
    let what = if index::by_value(tx)? {
        Rows::Both
    } else {
        Rows::Search
    };
    index_all_of(tx, batch, in_place, what)
}

fn index_all_of(
    tx: &Connection,
    mut batch: index::Batch,
    in_place: bool,
    what: Rows,
) -> Result<usize> {
    let mut done = 0;
    // (The index is empty: every item's rows are new, written by the
    // batch in key order.) Every kind whose table the file has by now (an upgrade's step runs
    // before the later schemas add theirs).
    let mut has = tx.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")?;
    for kind in crate::domain::ItemKind::ALL {
        if has.exists([kind.table()])? {
            crate::with_record_type!(kind, R => index_kind::<R>(tx, &mut batch, &mut done, in_place, what)?);
        }
    }
    batch.flush(tx)?;
    Ok(done)
}

fn database_id(tx: &Connection) -> Result<Uuid> {
    let s: String = tx.query_row(
        "SELECT value FROM meta WHERE key = 'database_id'",
        [],
        |r| r.get(0),
    )?;
    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt(format!("bad database id {s:?}")))
}

/// Schema 4: the audit log and the histories received with merges in the
/// compact format, and the index tables rebuilt with item keys.
pub fn to_4(tx: &Connection, ctx: &Ctx<'_>) -> Result<()> {
    if ctx.from > 0 {
        let db_id = database_id(tx)?;
        // Converting a broken chain would hash the altered entries anew;
        // the notebook keeps the old one instead, so the break stays
        // provable (a private copy records it and reads on).
        if !ctx.private_copy
            && let Some(why) = legacy::check_log(tx, "audit_3")?
        {
            return Err(StoreError::Refused(format!(
                "the audit log is broken ({why}): this notebook was changed outside interdict, so it is not upgraded to schema 4, which would rewrite the log; it is left as it was. Open it with --read-only to see what was changed (audit verify), or with the release that wrote it"
            )));
        }
        let n = legacy::upgrade_log(tx, "audit_3", ctx.now, ctx.actor, db_id, ctx.from)?;
        let r = legacy::upgrade_received(tx, "received_audit_3")?;
        let i = rebuild_indexes(tx)?;
        tracing::info!(audit = n, received = r, indexed = i, "upgraded to schema 4");
    }
    tx.execute_batch("DROP TABLE audit_3; DROP TABLE received_audit_3;")?;
    Ok(())
}

/// Schema 7: Cyrillic is folded by interdict's own table (Russian and
/// Kazakh as Latin data writes them), addresses write the words for kinds
/// of place one way, and search texts with Cyrillic carry their Latin
/// forms. Every key derived from a name or an address may differ: the
/// index and search rows are built again, and the watchlist's and warning
/// list's names and addresses normalised anew.
pub fn to_7(tx: &Connection, ctx: &Ctx<'_>) -> Result<()> {
    if ctx.from == 0 {
        return Ok(());
    }
    let indexed = reindex_in_place(tx)?;
    let mut renamed = 0;
    {
        let mut read = tx.prepare(
            "SELECT id, kind, raw, value FROM watchlist WHERE kind IN ('name', 'address')",
        )?;
        let rows: Vec<(Vec<u8>, String, String, String)> = read
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, kind, raw, value) in rows {
            let new = if kind == "name" {
                ids::name_key(&raw)
            } else {
                ids::address_key(&raw)
            };
            if let Some(new) = new.filter(|n| *n != value) {
                tx.execute("UPDATE watchlist SET value = ?2 WHERE id = ?1", (&id, &new))?;
                renamed += 1;
            }
        }
    }
    {
        let mut read =
            tx.prepare("SELECT kind, value FROM warnlist WHERE kind IN ('name', 'address')")?;
        let rows: Vec<(String, String)> = read
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (kind, value) in rows {
            let new = if kind == "name" {
                crate::domain::text::name_key(&value)
            } else {
                ids::address_fold(&value)
            };
            if !new.is_empty() && new != value {
                tx.execute(
                    "INSERT OR IGNORE INTO warnlist (kind, value, note, added_by, added_at)
                     SELECT kind, ?3, note, added_by, added_at FROM warnlist WHERE kind = ?1 AND value = ?2",
                    (&kind, &value, &new),
                )?;
                tx.execute(
                    "DELETE FROM warnlist WHERE kind = ?1 AND value = ?2",
                    (&kind, &value),
                )?;
                renamed += 1;
            }
        }
    }
    tracing::info!(indexed, renamed, "upgraded to schema 7");
    Ok(())
}

/// Schema 14: each occurrence holds its value (its SQL moves the rows of
/// schema 13's index). A file upgraded from before schema 7 had its index
/// emptied by the steps of schemas 4 and 7 (which write the index as this
/// build does, and ran before this schema's SQL): it is built here, from
/// every record.
pub fn to_14(tx: &Connection, ctx: &Ctx<'_>) -> Result<()> {
    if ctx.from == 0 || ctx.from >= 7 {
        return Ok(());
    }
    index::clear(tx)?;
    let indexed = index_all_of(
        tx,
        index::Batch::new(index::BATCH_ROWS),
        true,
        Rows::Identifiers,
    )?;
    tracing::info!(indexed, "identifier index built for schema 14");
    Ok(())
}
