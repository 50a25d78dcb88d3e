//! Writers' names as the file stores them (schema 23): every record's
//! `created_by` and `updated_by` and every audit entry's `actor` (this
//! notebook's log and the logs received with merges) hold a short key,
//! a blob of one or two bytes, that `writers` maps to the name. A name
//! such as `alice (as root)` was otherwise written about 3.3 times per
//! parcel (its row, its audit entries, its links' and findings' rows).
//!
//! The key is a blob so that it can never be mistaken for a name: the
//! columns keep their TEXT declaration, which stores a number as its
//! digits but a blob as it is given. A column that holds a text (a row
//! written before the upgrade, or by a write that did not [`keep`] its
//! name first) is read as that text, so a reader never depends on the
//! key being there. Everything above the store sees the name: records'
//! JSON, state hashes and the audit chain's hashes are computed over the
//! name, never over the key, so a name changed in `writers` with the
//! sqlite3 shell is a change `audit verify` names, like any other.

use super::error::Result;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension};

/// The table, as schema 23 makes it (and `migrations::apply` first, when
/// an upgrade starts from before it).
pub const TABLE: &str = "CREATE TABLE IF NOT EXISTS writers (
    k    BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) WITHOUT ROWID;";

/// The schema that stores writers' names as keys.
pub const SINCE: i64 = 23;

/// The key of the `n`th name (from 1): its big-endian bytes without
/// leading zeros (one byte for the first 255 names).
fn key_of(n: u64) -> Vec<u8> {
    let bytes = n.max(1).to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    bytes[first..].to_vec()
}

/// Puts `name` in `writers`, where it is not yet, so that a write can
/// store its key ([`written`]). Anything but a non-empty text is left
/// as it is (an empty `updated_by` means "as created": see `records`).
pub fn keep(conn: &Connection, name: ValueRef<'_>) -> rusqlite::Result<()> {
    let ValueRef::Text(name) = name else {
        return Ok(());
    };
    if name.is_empty() {
        return Ok(());
    }
    let known = |conn: &Connection| -> rusqlite::Result<bool> {
        Ok(conn
            .prepare_cached("SELECT 1 FROM writers WHERE name = ?1")?
            .query_row([ToSqlOutput::Borrowed(ValueRef::Text(name))], |_| Ok(()))
            .optional()?
            .is_some())
    };
    if known(conn)? {
        return Ok(());
    }
    // Rows of `writers` are never deleted, so the count names a key not
    // yet given; a key taken some other way (the sqlite3 shell) is passed
    // over, and a name that is there after all ends the search.
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM writers")?
        .query_row([], |r| r.get(0))?;
    let mut n = count.unsigned_abs();
    loop {
        n += 1;
        let added = conn
            .prepare_cached("INSERT OR IGNORE INTO writers (k, name) VALUES (?1, ?2)")?
            .execute(rusqlite::params![
                key_of(n),
                ToSqlOutput::Borrowed(ValueRef::Text(name))
            ])?;
        if added == 1 || known(conn)? {
            return Ok(());
        }
    }
}

/// The names a transaction's writes have put in `writers` already
/// ([`Kept::keep`] looks each up once): held by a `Writer` and by the
/// statements that copy histories, and dropped with the transaction. A
/// name it remembers but a rolled-back write took out of `writers` again
/// would only be stored as itself ([`written`]'s fallback), never wrong.
#[derive(Default)]
pub struct Kept(std::cell::RefCell<Vec<Box<[u8]>>>);

impl Kept {
    /// [`keep`], once for each name in this transaction (the first few
    /// names remembered: a transaction has one writer or a handful).
    pub fn keep(&self, conn: &Connection, name: ValueRef<'_>) -> rusqlite::Result<()> {
        let ValueRef::Text(text) = name else {
            return Ok(());
        };
        if self.0.borrow().iter().any(|k| **k == *text) {
            return Ok(());
        }
        keep(conn, name)?;
        let mut known = self.0.borrow_mut();
        if known.len() < 16 {
            known.push(text.into());
        }
        Ok(())
    }
}

/// The value a write stores for the name bound at `param` (`?3`): its key
/// where [`keep`] has put it in `writers`, the name itself otherwise.
pub fn written(param: &str) -> String {
    format!("coalesce((SELECT w.k FROM writers w WHERE w.name = {param}), {param})")
}

/// The name a column (`audit.actor`, `parcels."created_by"`) holds: the
/// name of its key, or the column as it stands where it holds a name.
pub fn read(column: &str) -> String {
    format!("coalesce((SELECT w.name FROM writers w WHERE w.k = {column}), {column})")
}

/// Every key of a file's `writers` with its name (none before schema 23),
/// for readers that compare many rows' names without asking SQL for each
/// ([`name_in`]).
pub fn names(conn: &Connection) -> Result<std::collections::HashMap<Vec<u8>, String>> {
    let there: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'writers'",
        [],
        |r| r.get(0),
    )?;
    if !there {
        return Ok(Default::default());
    }
    let mut stmt = conn.prepare("SELECT k, name FROM writers")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The name a column's value stands for, given its file's [`names`]: a
/// key's name, a text as itself; `None` for a key the file does not hold
/// or any other value.
pub fn name_in<'a>(
    names: &'a std::collections::HashMap<Vec<u8>, String>,
    v: ValueRef<'a>,
) -> Option<&'a [u8]> {
    match v {
        ValueRef::Blob(k) => names.get(k).map(|n| n.as_bytes()),
        ValueRef::Text(t) => Some(t),
        _ => None,
    }
}

/// The columns of every record table that hold writers' names.
pub const RECORD_COLUMNS: [&str; 2] = ["created_by", "updated_by"];

/// The tables and columns that hold writers' names since schema 23.
pub fn columns() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for kind in crate::domain::ItemKind::ALL {
        for col in RECORD_COLUMNS {
            out.push((kind.table(), col));
        }
    }
    out.push(("audit", "actor"));
    out.push(("received_audit", "actor"));
    out
}

/// Schema 23's conversion: every name in the columns of [`columns`] put in
/// `writers` (in the order first written: records' rows by table, then the
/// logs) and replaced by its key. Returns how many values were replaced.
pub fn convert(tx: &Connection) -> Result<usize> {
    rewrite(tx, true)
}

/// The reverse of [`convert`], for an upgrade that stops short of schema
/// 23 (a schema built to compare a file of that version with): every key
/// a step before it wrote replaced by its name.
pub fn restore(tx: &Connection) -> Result<usize> {
    rewrite(tx, false)
}

/// Replaces the names in the columns of [`columns`] by their keys, or
/// (`to_keys` false) the keys by their names. The audit log is
/// append-only; its trigger is set aside for this upgrade's own update
/// and made again.
fn rewrite(tx: &Connection, to_keys: bool) -> Result<usize> {
    let mut replaced = 0;
    let trigger: Option<String> = tx
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'audit_no_update'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if trigger.is_some() {
        tx.execute_batch("DROP TRIGGER audit_no_update;")?;
    }
    for (table, col) in columns() {
        let exists: bool = tx.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
            [table, col],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        let c = format!("{table}.\"{col}\"");
        let sql = if to_keys {
            let names: Vec<String> = tx
                .prepare(&format!(
                    "SELECT {c} FROM {table} WHERE typeof({c}) = 'text' AND {c} <> ''
                      GROUP BY {c} ORDER BY min(rowid)"
                ))
                .or_else(|_| {
                    // (A table without rowid: its names in their own order.)
                    tx.prepare(&format!(
                        "SELECT DISTINCT {c} FROM {table}
                          WHERE typeof({c}) = 'text' AND {c} <> '' ORDER BY 1"
                    ))
                })?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for name in &names {
                keep(tx, ValueRef::Text(name.as_bytes()))?;
            }
            format!(
                "UPDATE {table} SET \"{col}\" = (SELECT w.k FROM writers w WHERE w.name = {c})
                  WHERE typeof({c}) = 'text' AND {c} <> ''"
            )
        } else {
            format!(
                "UPDATE {table} SET \"{col}\" = {}
                  WHERE typeof({c}) = 'blob'",
                read(&c)
            )
        };
        replaced += tx.execute(&sql, [])?;
    }
    if let Some(sql) = trigger {
        tx.execute_batch(&sql)?;
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::testutil::temp_store;
    use crate::store::{OpenOptions, Store, audit, create, integrity};

    /// A notebook's records and log hold keys, read as the names; a name
    /// changed in `writers` with the sqlite3 shell is a change the chain
    /// and the record check both name.
    #[test]
    fn names_are_stored_as_keys_and_a_name_changed_behind_them_is_caught() {
        let (d, mut s) = temp_store();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Nitazenes by post")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        let path = d.path().join("t.db");
        drop(s);
        let mut s = Store::open(&path, OpenOptions::new("alice (as root)")).unwrap();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Second")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        let c = s.conn();
        let types: Vec<(String, i64)> = c
            .prepare(
                "SELECT typeof(created_by), length(created_by) FROM cases
                 UNION ALL SELECT typeof(actor), length(actor) FROM audit",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(types.len() > 3);
        assert!(
            types.iter().all(|(t, n)| t == "blob" && *n == 1),
            "{types:?}"
        );
        let read: Vec<String> = c
            .prepare(&format!(
                "SELECT {} FROM cases ORDER BY n",
                read("cases.created_by")
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(read, ["tester", "alice (as root)"]);
        assert!(matches!(
            audit::verify(c).unwrap(),
            audit::Verdict::Intact { .. }
        ));
        assert!(integrity::check(c).unwrap().problems.is_empty());
        c.execute(
            "UPDATE writers SET name = 'mallory' WHERE name = 'alice (as root)'",
            [],
        )
        .unwrap();
        assert!(
            matches!(audit::verify(c).unwrap(), audit::Verdict::Broken { .. }),
            "the chain names the entry"
        );
        let check = integrity::check(c).unwrap();
        assert!(!check.problems.is_empty(), "the record's state names it");
    }

    #[test]
    fn a_key_taken_behind_the_count_is_passed_over() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(TABLE).unwrap();
        // (Key 2 given with the shell while there is one row: the count
        // names key 2 next.)
        c.execute_batch("INSERT INTO writers VALUES (x'02', 'shell')")
            .unwrap();
        keep(&c, ValueRef::Text(b"alice")).unwrap();
        keep(&c, ValueRef::Text(b"bob")).unwrap();
        keep(&c, ValueRef::Text(b"alice")).unwrap();
        let rows: Vec<(Vec<u8>, String)> = c
            .prepare("SELECT k, name FROM writers ORDER BY k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (vec![2], "shell".to_string()),
                (vec![3], "alice".to_string()),
                (vec![4], "bob".to_string())
            ]
        );
    }

    #[test]
    fn keys_are_short_and_distinct() {
        assert_eq!(key_of(1), [1]);
        assert_eq!(key_of(255), [255]);
        assert_eq!(key_of(256), [1, 0]);
        let keys: std::collections::HashSet<_> = (1..70_000).map(key_of).collect();
        assert_eq!(keys.len(), 69_999);
    }

    #[test]
    fn a_name_is_kept_once_and_read_back_and_a_text_reads_as_itself() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(TABLE).unwrap();
        c.execute_batch("CREATE TABLE t (by TEXT);").unwrap();
        for name in ["alice (as root)", "bob", "alice (as root)", "7"] {
            keep(&c, ValueRef::Text(name.as_bytes())).unwrap();
            c.execute(
                &format!("INSERT INTO t (by) VALUES ({})", written("?1")),
                [name],
            )
            .unwrap();
        }
        // A name never kept is stored as itself.
        c.execute(
            &format!("INSERT INTO t (by) VALUES ({})", written("?1")),
            ["carol"],
        )
        .unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM writers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
        let stored: Vec<String> = c
            .prepare("SELECT typeof(by) FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored, ["blob", "blob", "blob", "blob", "text"]);
        let read: Vec<String> = c
            .prepare(&format!("SELECT {} FROM t ORDER BY rowid", read("t.by")))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            read,
            ["alice (as root)", "bob", "alice (as root)", "7", "carol"]
        );
    }
}
