//! The parts of schema upgrades that SQL alone cannot do: rebuilding the
//! derived index tables from the records, and converting the audit log of
//! an earlier format. They run in the upgrade's transaction, after its SQL.

use super::audit::legacy;
use super::database_id;
use super::error::{Result, StoreError};
use super::{index, keys, records, search};
use crate::domain::Record;
use crate::domain::identifiers as ids;
use rusqlite::{Connection, OptionalExtension};

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
    rekeyed(tx, ctx, 7)
}

/// Schema 25: the keys of names and addresses follow new rules (an
/// apostrophe inside a word is part of it, a street's word after its
/// name goes first, an address with no number is no identifier): built
/// again as schema 7's were. (The step of schema 7 ran this build's rules
/// already: a file from before it is keyed once more, to the same keys.)
pub fn to_25(tx: &Connection, ctx: &Ctx<'_>) -> Result<()> {
    rekeyed(tx, ctx, 25)
}

/// Schema 26: addresses keyed with a German or Dutch street named in one
/// word as its name and the street's word (`Königstraße 5`, `Königstr.
/// 5` and `König Str. 5` one address; `Kerkstraat`, `Kerkstr.`).
pub fn to_26(tx: &Connection, ctx: &Ctx<'_>) -> Result<()> {
    rekeyed(tx, ctx, 26)
}

/// The step of a schema whose rules for keys changed: [`rekey`], for a
/// file that had keys (a new notebook has none yet).
fn rekeyed(tx: &Connection, ctx: &Ctx<'_>, schema: i64) -> Result<()> {
    if ctx.from == 0 {
        return Ok(());
    }
    let (indexed, renamed) = rekey(tx)?;
    tracing::info!(
        indexed,
        renamed,
        schema,
        "keys built again by the schema's rules"
    );
    Ok(())
}

/// The index and search rows built again where they stand, and the
/// watchlist's and warning list's names and addresses normalised anew:
/// (records indexed, list values renamed).
fn rekey(tx: &Connection) -> Result<(usize, usize)> {
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
    Ok((indexed, renamed))
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

/// The tables schema 15 stores timestamps (`stamp`) and audit names
/// (`audit::names`) in as numbers, and each one's columns of them.
fn stamped_tables() -> Vec<(&'static str, &'static [&'static str])> {
    let mut out: Vec<(&'static str, &'static [&'static str])> = crate::domain::ItemKind::ALL
        .iter()
        .map(|k| (k.table(), &["created_at", "updated_at"][..]))
        .collect();
    out.push(("audit", &["at", "action", "item_kind"]));
    out.push(("received_audit", &["at", "action", "item_kind"]));
    out
}

/// How schema 15's step converts a column of `stamped_tables`.
fn sql_convert(col: &str) -> String {
    use super::audit::names::Name;
    let quoted = format!("\"{col}\"");
    match col {
        "action" => Name::Action.sql_encode(&quoted),
        "item_kind" => Name::Kind.sql_encode(&quoted),
        _ => super::stamp::sql_encode(&quoted),
    }
}

/// A table's `CREATE TABLE` under the name `new`, with the columns `cols`
/// declared without a type (so without affinity: SQLite keeps a number as
/// a number and a text as a text) where they were declared `TEXT`.
fn untyped(create: &str, new: &str, cols: &[&str]) -> Result<String> {
    let open = create
        .find('(')
        .ok_or_else(|| StoreError::Corrupt(format!("unreadable table definition: {create}")))?;
    let mut out = format!("CREATE TABLE {new} ");
    for (i, line) in create[open..].split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        let name = body.split_whitespace().next().unwrap_or("");
        let typed = cols.contains(&name) && body[name.len()..].trim_start().starts_with("TEXT");
        if typed {
            let indent = &line[..line.len() - body.len()];
            let rest = body[name.len()..].trim_start();
            let gap = &body[name.len()..body.len() - rest.len()];
            out.push_str(&format!(
                "{indent}{name}{gap}{}",
                rest["TEXT".len()..].trim_start()
            ));
        } else {
            out.push_str(line);
        }
    }
    Ok(out)
}

/// Schema 15: timestamps stored as milliseconds (`stamp`): each record
/// table's `created_at` and `updated_at` and the audit logs' `at` lose
/// their TEXT affinity and hold a canonical timestamp as its number, any
/// other text as it was; the logs' `action` and `item_kind` likewise hold
/// a common name as its number (`audit::names`). SQLite cannot change a
/// column's type in place, so each table is made again under its name,
/// its rows copied in their order (converted by `stamp::sql_encode` and
/// `Name::sql_encode`, which follow the code's rules, each number giving
/// back exactly the text it came from), its indexes and triggers made
/// anew.
pub fn to_15(tx: &Connection, _ctx: &Ctx<'_>) -> Result<()> {
    let mut converted = 0usize;
    for (table, cols) in stamped_tables() {
        let Some((create, rowid)): Option<(String, bool)> = tx
            .query_row(
                "SELECT sql, sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_schema
                  WHERE type = 'table' AND name = ?1",
                [table],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
        else {
            continue;
        };
        let others: Vec<String> = tx
            .prepare(
                "SELECT sql FROM sqlite_schema
                  WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL
                  ORDER BY type, name",
            )?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let names: Vec<String> = tx
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let new = format!("{table}_15");
        tx.execute_batch(&untyped(&create, &new, cols)?)?;
        let list = names
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let exprs = names
            .iter()
            .map(|c| {
                if cols.contains(&c.as_str()) {
                    sql_convert(c)
                } else {
                    format!("\"{c}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let order = if rowid { " ORDER BY rowid" } else { "" };
        converted += tx.execute(
            &format!("INSERT INTO {new} ({list}) SELECT {exprs} FROM {table}{order}"),
            [],
        )?;
        tx.execute_batch(&format!(
            "DROP TABLE {table}; ALTER TABLE {new} RENAME TO {table};"
        ))?;
        for sql in others {
            tx.execute_batch(&sql)?;
        }
    }
    tracing::info!(converted, "timestamps stored as numbers for schema 15");
    Ok(())
}

/// Schema 23: writers' names by key (`writers::convert`).
pub fn to_23(tx: &Connection, _ctx: &Ctx<'_>) -> Result<()> {
    let replaced = super::writers::convert(tx)?;
    tracing::info!(replaced, "writers' names stored by key for schema 23");
    Ok(())
}

/// Schema 16: the head's whole hash, where the log's last entry did not
/// hold it whole (a log some of whose entries keep only the tag already:
/// the chain gives it). The SQL has recorded the last entry's hash as
/// the head and cut every other entry's to its tag (`audit::chain`).
pub fn to_16(tx: &Connection, _ctx: &Ctx<'_>) -> Result<()> {
    let Some((seq, hash)) = super::audit::chain::recorded_head(tx)? else {
        return Ok(());
    };
    if hash.len() != super::audit::HASH_LEN {
        tx.execute_batch("DELETE FROM audit_head;")?;
        if let Some(whole) = super::audit::chain::hash_at(tx, seq)? {
            super::audit::chain::set_head(tx, seq, &whole)?;
        }
    }
    Ok(())
}

/// Schema 18: every record's sounds written again, each key as its
/// number (the SQL made the table anew, empty).
pub fn to_18(tx: &Connection, _ctx: &Ctx<'_>) -> Result<()> {
    let mut batch = index::Batch::new(index::BATCH_ROWS);
    for kind in index::WITH_SOUNDS {
        crate::with_record_type!(kind, R => records::each_numbered::<R>(tx, |n, rec| {
            batch.add(tx, keys::item_key(R::KIND, n), &rec.sounds())
        })?);
    }
    batch.flush(tx)
}

#[cfg(test)]
mod tests {
    use crate::domain::record::new_record;
    use crate::domain::{Case, ItemKind, Parcel};
    use crate::store::testutil::temp_store;
    use crate::store::{OpenOptions, Store, audit, create, integrity, records};

    /// Turns the timestamps back into schema 14's text.
    const AS_SCHEMA_14: &str = concat!(
        include_str!("../../tests/fixtures/schema17.sql"),
        include_str!("../../tests/fixtures/schema14_numbers.sql")
    );

    fn types(s: &Store, sql: &str) -> Vec<String> {
        let mut stmt = s.conn().prepare(sql).unwrap();
        let mut out: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn every_record(s: &Store) -> Vec<String> {
        let mut out = Vec::new();
        for kind in [ItemKind::Case, ItemKind::Parcel, ItemKind::Link] {
            let ids: Vec<uuid::Uuid> = s
                .conn()
                .prepare(&format!("SELECT id FROM {} ORDER BY n", kind.table()))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for id in ids {
                out.push(records::stored_json(s.conn(), kind, id).unwrap());
            }
        }
        out
    }

    /// A notebook of schema 14 keeps every record and every entry as it
    /// was: the same JSON, the same chain head, the check as clean; its
    /// times stored as numbers, but for a text no number gives back; and a
    /// record changed outside interdict before the upgrade is still named.
    #[test]
    fn schema_14_timestamps_become_numbers_and_nothing_else_changes() {
        let (d, mut s) = temp_store();
        assert_eq!(s.upgraded_from(), None, "a new file is made, not upgraded");
        let mut parcels = Vec::new();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Nitazene pills by post")])?;
            create::case(w, &mut c)?;
            for i in 0..5 {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", &format!("CARGO{i:05}")),
                    ("sender_phone", "+77015550142"),
                    ("declared_contents", "Gift"),
                ])?;
                create::parcel(w, &mut p)?;
                create::include_in_case(w, c.meta.id, p.meta.id)?;
                parcels.push(p.meta.id);
            }
            Ok(())
        })
        .unwrap();
        s.write(|w| records::delete(w, ItemKind::Parcel, parcels[4]).map(drop))
            .unwrap();
        assert_eq!(
            types(&s, "SELECT typeof(created_at) FROM parcels"),
            ["integer"]
        );
        let head = audit::verify(s.conn()).unwrap();
        assert!(matches!(head, audit::Verdict::Intact { .. }), "{head:?}");
        s.conn().execute_batch(AS_SCHEMA_14).unwrap();
        s.conn().pragma_update(None, "user_version", 14).unwrap();
        // (This build reads a record's origin through `origins`: an empty
        // table of the connection's own reads the file as schema 14 left
        // it, each origin its id.)
        // (Likewise writers' names, each its own text, through `writers`.)
        s.conn()
            .execute_batch(
                "CREATE TEMP TABLE origins (n INTEGER PRIMARY KEY, id BLOB);
                 CREATE TEMP TABLE writers (k BLOB PRIMARY KEY, name TEXT);",
            )
            .unwrap();
        assert_eq!(
            types(&s, "SELECT typeof(created_at) FROM parcels"),
            ["text"]
        );
        let audit_types = "SELECT typeof(at) FROM audit UNION ALL SELECT typeof(action) FROM audit
                           UNION ALL SELECT typeof(item_kind) FROM audit";
        assert_eq!(types(&s, audit_types), ["text"]);
        // Before the upgrade: one parcel changed with the sqlite3 shell,
        // one given a time in a form interdict never writes (and its
        // audited state to match, as an older build would have left it).
        let (changed, odd) = (parcels[0], parcels[1]);
        s.conn()
            .execute(
                "UPDATE parcels SET declared_contents = 'Tea' WHERE id = ?1",
                [changed],
            )
            .unwrap();
        s.conn()
            .execute(
                "UPDATE parcels SET created_at = '2026-01-01T00:00:00Z' WHERE id = ?1",
                [odd],
            )
            .unwrap();
        let before = every_record(&s);
        let problems = integrity::check(s.conn()).unwrap().problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        let path = s.path().to_path_buf();
        drop(s);

        let s = Store::open(&path, OpenOptions::new("t")).unwrap();
        assert_eq!(s.upgraded_from(), Some(14));
        assert!(s.free_bytes().unwrap() > 0, "the old tables' pages");
        assert_eq!(
            types(
                &s,
                "SELECT typeof(created_at) FROM parcels WHERE n != 2
                 UNION ALL SELECT typeof(updated_at) FROM cases WHERE updated_at != ''"
            ),
            ["integer"]
        );
        // (Since schema 21 a record never changed keeps no time of its
        // last change: its creation's is read.)
        assert_eq!(
            types(&s, "SELECT typeof(updated_at) FROM parcels WHERE n != 2"),
            ["text"]
        );
        let kept: String = s
            .conn()
            .query_row(
                "SELECT typeof(created_at) || ' ' || created_at FROM parcels WHERE id = ?1",
                [odd],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, "text 2026-01-01T00:00:00Z");
        assert_eq!(types(&s, audit_types), ["integer"]);
        assert_eq!(every_record(&s), before);
        assert_eq!(audit::verify(s.conn()).unwrap(), head);
        assert_eq!(integrity::check(s.conn()).unwrap().problems, problems);
        assert!(
            problems.iter().any(|p| p.contains("in declared_contents"))
                && problems.iter().any(|p| p.contains("in created_at")),
            "{problems:?}"
        );
        drop(d);
    }

    /// A notebook of schema 17 (each sound's text in its row) has its
    /// sounds written again as numbers on the upgrade: the rows a write of
    /// this build makes, every key a number, the check as clean.
    #[test]
    fn schema_17_sounds_become_numbers() {
        use crate::domain::Record;
        use crate::store::{index, keys};
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 150, 7, |_, _| {}).unwrap();
        let before = crate::store::index::tests::sounds(s.conn());
        assert!(before.len() > 300, "{}", before.len());
        let mut texts = std::collections::BTreeSet::new();
        for kind in index::WITH_SOUNDS {
            crate::with_record_type!(kind, R => records::each_numbered::<R>(s.conn(), |n, r| {
                for i in r.sounds() {
                    texts.insert((
                        keys::ident_code(i.kind),
                        i.value,
                        keys::item_key(R::KIND, n),
                        keys::role_code(i.role)?,
                    ));
                }
                Ok(())
            })
            .unwrap());
        }
        assert_eq!(texts.len(), before.len());
        s.conn()
            .execute_batch(include_str!("../../tests/fixtures/schema17.sql"))
            .unwrap();
        for row in &texts {
            s.conn()
                .execute(
                    "INSERT INTO sounds VALUES (?1, ?2, ?3, ?4)",
                    (row.0, &row.1, row.2, row.3),
                )
                .unwrap();
        }
        assert_eq!(types(&s, "SELECT typeof(key) FROM sounds"), ["text"]);
        s.conn().pragma_update(None, "user_version", 17).unwrap();
        let path = s.path().to_path_buf();
        drop(s);
        let s = Store::open(&path, OpenOptions::new("t")).unwrap();
        assert_eq!(s.upgraded_from(), Some(17));
        assert_eq!(types(&s, "SELECT typeof(key) FROM sounds"), ["integer"]);
        assert_eq!(crate::store::index::tests::sounds(s.conn()), before);
        let check = integrity::check_derived(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        drop(d);
    }
}
