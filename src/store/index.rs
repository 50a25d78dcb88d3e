//! The identifier index: each normalised value stored once, with every
//! item (by item key) and role (by code) it occurs in. Maintained in the
//! same transaction as the record it comes from; values no item uses any
//! more are removed.
//!
//! The name and address sounds (the fuzzy kinds, which suggest matches
//! but never connect items) are kept apart, in `sounds`: one row per
//! (kind, key, item, role), with no index by item. An item's sounds are
//! worked out from its record when they are needed (a record's sounds
//! depend on nothing else), so a write that replaces them is given the
//! record as it was. As values of the index they cost four entries each
//! (the value, its unique key, the occurrence and its item index) and a
//! third of the index's bytes.

use super::error::Result;
use super::keys::{ident_code, role_code};
use crate::domain::identifiers::{IdentKind, Identifier};
use rusqlite::{Connection, OptionalExtension};

/// The sound rows of identifiers, as (kind code, key, role code), sorted
/// and each once; the exact identifiers are left out.
fn sound_rows<'a>(
    idents: impl IntoIterator<Item = &'a Identifier>,
) -> Result<Vec<(i64, &'a str, i64)>> {
    let mut out = idents
        .into_iter()
        .filter(|i| !i.kind.is_exact())
        .map(|i| Ok((ident_code(i.kind), i.value.as_str(), role_code(i.role)?)))
        .collect::<Result<Vec<_>>>()?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Whether the file keeps the sounds apart (schema 12 on). The steps of
/// earlier upgrades that rebuild the index run before that schema's SQL,
/// and write the index as their schema had it.
fn sounds_apart(tx: &Connection) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sounds'")?
        .exists([])?)
}

/// Empties the identifier index (the sounds with it).
pub fn clear(tx: &Connection) -> Result<()> {
    tx.execute_batch("DELETE FROM occurrences; DELETE FROM identifiers;")?;
    if sounds_apart(tx)? {
        tx.execute_batch("DELETE FROM sounds;")?;
    }
    Ok(())
}

/// The id of the value ?2 of kind ?1.
const FIND_ID: &str = "SELECT id FROM identifiers WHERE kind = ?1 AND value = ?2";

/// The identifier id and role code of each identifier, `None` for a
/// value not in the index yet.
fn find_all(tx: &Connection, idents: &[&Identifier]) -> Result<Vec<(Option<i64>, i64)>> {
    let mut find = tx.prepare_cached(FIND_ID)?;
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
            find: tx.prepare_cached(FIND_ID)?,
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

/// Replaces the identifiers of the item `item` (an item key) with
/// `idents`, all of the record's identifiers, sounds included. `before`
/// is the sounds of the record as it was stored ([`Record::sounds`]: they
/// say which sound rows it has; any exact identifier among them is not
/// looked at), `None` when the item has just been created (no old rows
/// looked for).
///
/// [`Record::sounds`]: crate::domain::record::Record::sounds
pub fn replace(
    tx: &Connection,
    item: i64,
    idents: &[Identifier],
    before: Option<&[Identifier]>,
) -> Result<()> {
    let exact: Vec<&Identifier> = idents.iter().filter(|i| i.kind.is_exact()).collect();
    replace_exact(tx, item, &exact, before.is_none())?;
    replace_sounds(tx, item, idents, before)
}

/// The sound rows of the item: those the record no longer has removed,
/// the new ones added (none written when they are the same).
fn replace_sounds(
    tx: &Connection,
    item: i64,
    idents: &[Identifier],
    before: Option<&[Identifier]>,
) -> Result<()> {
    let new = sound_rows(idents)?;
    let old = sound_rows(before.unwrap_or_default())?;
    if new == old {
        return Ok(());
    }
    if !old.is_empty() {
        let mut delete = tx.prepare_cached(
            "DELETE FROM sounds WHERE kind = ?1 AND key = ?2 AND item = ?3 AND role = ?4",
        )?;
        for (kind, key, role) in old.iter().filter(|o| new.binary_search(o).is_err()) {
            delete.execute((kind, key, item, role))?;
        }
    }
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO sounds (kind, key, item, role) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (kind, key, role) in new.iter().filter(|n| old.binary_search(n).is_err()) {
        insert.execute((kind, key, item, role))?;
    }
    Ok(())
}

/// The exact identifiers' rows of the item. `fresh` skips looking for old
/// rows when the item has just been created.
fn replace_exact(tx: &Connection, item: i64, idents: &[&Identifier], fresh: bool) -> Result<()> {
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
    /// The exact identifiers' rows, as (kind code, value, item, role code).
    rows: Vec<(i64, String, i64, i64)>,
    /// The sounds' rows, the same way.
    sounds: Vec<(i64, String, i64, i64)>,
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
            sounds: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Adds the identifiers of the new item `item`; writes what is held
    /// once there is enough.
    pub fn add(&mut self, tx: &Connection, item: i64, idents: &[Identifier]) -> Result<()> {
        for i in idents {
            let to = if i.kind.is_exact() {
                &mut self.rows
            } else {
                &mut self.sounds
            };
            to.push((
                ident_code(i.kind),
                i.value.clone(),
                item,
                role_code(i.role)?,
            ));
        }
        if self.rows.len() + self.sounds.len() >= self.limit {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes every row held.
    pub fn flush(&mut self, tx: &Connection) -> Result<()> {
        let mut rows = std::mem::take(&mut self.rows);
        let mut sounds = std::mem::take(&mut self.sounds);
        if sounds_apart(tx)? {
            // In the table's key order, each page filled once.
            sounds.sort_unstable();
            sounds.dedup();
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO sounds (kind, key, item, role) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for s in &sounds {
                insert.execute((s.0, &s.1, s.2, s.3))?;
            }
        } else {
            rows.append(&mut sounds);
        }
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
        .prepare_cached(FIND_ID)?
        .query_row((ident_code(kind), value), |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// Every row of the index, as values.
    fn rows(conn: &Connection) -> Vec<(i64, String, i64, i64)> {
        quads(
            conn,
            "SELECT i.kind, i.value, o.item, o.role FROM occurrences o
               JOIN identifiers i ON i.id = o.ident
             UNION ALL SELECT kind, key, item, role FROM sounds ORDER BY 1, 2, 3, 4",
        )
    }

    /// The rows of four columns `sql` gives.
    fn quads(conn: &Connection, sql: &str) -> Vec<(i64, String, i64, i64)> {
        conn.prepare(sql)
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
            let mut values: Vec<_> = before
                .iter()
                .filter(|r| !(8..=9).contains(&r.0))
                .map(|r| (r.0, &r.1))
                .collect();
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
    /// The sound rows as (kind code, key, item, role code), in key order.
    fn sounds(conn: &Connection) -> Vec<(i64, String, i64, i64)> {
        quads(
            conn,
            "SELECT kind, key, item, role FROM sounds ORDER BY 1, 2, 3, 4",
        )
    }

    #[test]
    fn sounds_are_kept_apart_and_follow_each_edit_and_delete() {
        use crate::domain::Parcel;
        use crate::domain::identifiers::{address_sound_key, name_sound_key};
        use crate::domain::record::new_record;
        use crate::domain::{ItemKind, Record};
        let (_d, mut s) = temp_store();
        let mut p = s
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("sender_name", "Ivan Petrov"),
                    ("recipient_name", "Olga Sidorova"),
                    ("recipient_address", "12 Abay Avenue, Almaty"),
                ])?;
                crate::store::create::parcel(w, &mut p)?;
                Ok(p)
            })
            .unwrap();
        let item = crate::store::keys::key_of(s.conn(), ItemKind::Parcel, p.meta().id)
            .unwrap()
            .unwrap();
        let (ns, asd) = (
            ident_code(IdentKind::NameSound),
            ident_code(IdentKind::AddressSound),
        );
        let (sender, recipient) = (
            role_code("sender_name").unwrap(),
            role_code("recipient_name").unwrap(),
        );
        let address = role_code("recipient_address").unwrap();
        let key = |f: fn(&str) -> Option<String>, v: &str| f(v).unwrap();
        let mut want = vec![
            (ns, key(name_sound_key, "Ivan Petrov"), item, sender),
            (ns, key(name_sound_key, "Olga Sidorova"), item, recipient),
            (
                asd,
                key(address_sound_key, "12 Abay Avenue, Almaty"),
                item,
                address,
            ),
        ];
        want.sort();
        assert_eq!(sounds(s.conn()), want);
        // Not in the identifier index.
        let in_index: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM identifiers WHERE kind IN (?1, ?2)",
                (ns, asd),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(in_index, 0);
        // An edit of one name moves that name's row only.
        p.sender_name = Some("Pyotr Ivanov-Smirnov".into());
        s.write(|w| crate::store::records::update(w, &mut p))
            .unwrap();
        want.retain(|r| r.3 != sender);
        want.push((
            ns,
            key(name_sound_key, "Pyotr Ivanov-Smirnov"),
            item,
            sender,
        ));
        want.sort();
        assert_eq!(sounds(s.conn()), want);
        let check = crate::store::integrity::check_derived(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        // A name cleared leaves no row behind; a delete leaves none at all.
        p.recipient_name = None;
        s.write(|w| crate::store::records::update(w, &mut p))
            .unwrap();
        want.retain(|r| r.3 != recipient);
        assert_eq!(sounds(s.conn()), want);
        s.write(|w| crate::store::records::delete(w, ItemKind::Parcel, p.meta().id))
            .unwrap();
        assert_eq!(sounds(s.conn()), vec![]);
    }

    /// What a write is told of a record's old sound rows, its sounds
    /// worked out alone, is what its whole identifiers hold, for every
    /// kind and every record of a demo notebook.
    #[test]
    fn each_kind_works_out_its_sounds_alone_as_its_identifiers_hold_them() {
        use crate::domain::{ItemKind, record::Record};
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 300, 11, |_, _| {}).unwrap();
        // (The demo's one shop is planted only in larger notebooks.)
        s.write(|w| {
            let (mut o, _) = crate::domain::record::new_record::<crate::domain::Organisation>(&[
                ("name", "Klad Shop"),
                ("org_type", "shop"),
                ("aliases", "Клад; @klad_shop"),
                ("addresses", "Almaty, Abaya 5, kv 12; Astana, Respubliki 1"),
                ("phones", "+7 701 555 01 42"),
                ("country", "KZ"),
            ])?;
            crate::store::records::insert(w, &mut o)?;
            Ok(())
        })
        .unwrap();
        let sorted = |mut v: Vec<Identifier>| {
            v.sort();
            v.dedup();
            v
        };
        let mut with_sounds = Vec::new();
        for kind in ItemKind::ALL {
            let mut found = 0usize;
            crate::with_record_type!(kind, R => {
                crate::store::records::each_numbered::<R>(s.conn(), |_, r| {
                    let all = crate::store::records::identifiers_of(s.conn(), &r)?;
                    let want = sorted(all.into_iter().filter(|i| !i.kind.is_exact()).collect());
                    assert_eq!(sorted(r.sounds()), want, "{kind} {}", r.label());
                    found += want.len();
                    Ok(())
                })
                .unwrap()
            });
            if found > 0 {
                with_sounds.push(kind);
            }
        }
        // (The kinds that have sounds at all are all three there.)
        assert_eq!(
            with_sounds,
            [ItemKind::Parcel, ItemKind::Person, ItemKind::Organisation]
        );
    }

    #[test]
    fn sound_rows_changed_outside_are_named_by_the_check() {
        let (_d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 60, 5, |_, _| {}).unwrap();
        let check = |s: &crate::store::Store| {
            crate::store::integrity::check_derived(s.conn())
                .unwrap()
                .problems
                .join("\n")
        };
        assert_eq!(check(&s), "");
        let n: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM sounds", [], |r| r.get(0))
            .unwrap();
        assert!(n > 100, "{n}");
        // One row's key changed: missing for its record, and one stray.
        s.conn()
            .execute_batch(
                "UPDATE sounds SET key = key || 'x'
                 WHERE (kind, key, item, role) = (SELECT kind, key, item, role FROM sounds LIMIT 1)",
            )
            .unwrap();
        let found = check(&s);
        assert!(
            found.contains("the sound keys lack the record's"),
            "{found}"
        );
        assert!(
            found.contains("1 sound key row(s) belong to no record"),
            "{found}"
        );
        // One row added that no record implies.
        let (_d2, mut t) = temp_store();
        crate::exchange::demo::generate(&mut t, 60, 5, |_, _| {}).unwrap();
        t.conn()
            .execute("INSERT INTO sounds VALUES (8, 'zzz', 18, 8)", [])
            .unwrap();
        assert!(check(&t).contains("1 sound key row(s) belong to no record"));
        // One row removed.
        let (_d3, mut u) = temp_store();
        crate::exchange::demo::generate(&mut u, 60, 5, |_, _| {}).unwrap();
        u.conn()
            .execute(
                "DELETE FROM sounds WHERE (kind, key, item, role) = (SELECT kind, key, item, role FROM sounds LIMIT 1)",
                [],
            )
            .unwrap();
        assert!(check(&u).contains("the sound keys lack the record's"));
    }

    /// A notebook of schema 11 (the sounds in the identifier index) is
    /// upgraded by moving its rows: the same rows as the index written
    /// anew, and the check passes.
    #[test]
    fn schema_11_sounds_move_out_of_the_index() {
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
        let all = rows(s.conn());
        let before = sounds(s.conn());
        assert!(before.len() > 300, "{}", before.len());
        // The file as schema 11 kept it.
        s.conn()
            .execute_batch(
                "INSERT INTO identifiers (kind, value) SELECT DISTINCT kind, key FROM sounds;
                 INSERT INTO occurrences (ident, item, role)
                   SELECT i.id, s.item, s.role FROM sounds s
                   JOIN identifiers i ON i.kind = s.kind AND i.value = s.key;
                 DROP TABLE sounds;
                 PRAGMA user_version = 11;",
            )
            .unwrap();
        let path = s.path().to_path_buf();
        drop(s);
        let s = crate::store::Store::open(&path, crate::store::OpenOptions::new("t")).unwrap();
        assert_eq!(sounds(s.conn()), before);
        assert_eq!(rows(s.conn()), all);
        let check = crate::store::integrity::check_derived(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        drop(d);
    }
}
