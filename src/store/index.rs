//! The identifier index: every occurrence of a normalised value, as
//! (kind code, value, item key, role code), keyed in that order, so that
//! what holds a value is one range of the key. Since schema 14 each
//! occurrence holds its value (there is no table of values: each was
//! stored twice, its row and its unique key, and named by number in each
//! occurrence). Maintained in the same transaction as the record it comes
//! from. There is no way in by item (schema 13): what an item's
//! identifiers are is worked out from its record, so a write that
//! replaces them is given the record as it was stored, and a view of one
//! item looks each of its values up ([`exact_of_item`]). How identifiers
//! are derived is part of the file's format: a change to it needs an
//! upgrade step that builds the index again.
//!
//! The name and address sounds (the fuzzy kinds, which suggest matches
//! but never connect items) are kept apart, in `sounds`, the same way:
//! one row per (key, item, role), the key 4 bytes of the SHA-256 of the
//! sound's kind and text since schema 18 ([`sound_hash`]: a sound is only
//! asked for by equality, and what it says is worked out from the record;
//! its kind is its role's, [`super::keys::sound_kind`]). An item's
//! sounds are worked out from its record when they are needed (a
//! record's sounds depend on nothing else), so a write that replaces them
//! is given the record as it was.

use super::error::Result;
use super::keys::{ident_code, ident_of_code, role_code, sound_hash};
use crate::domain::identifiers::{IdentKind, Identifier};
use rusqlite::Connection;

/// The rows of identifiers, as (kind code, value, role code), sorted and
/// each once: the exact identifiers' when `exact`, else the sounds'.
fn rows_of<'a>(
    idents: impl IntoIterator<Item = &'a Identifier>,
    exact: bool,
) -> Result<Vec<(i64, &'a str, i64)>> {
    let mut out = idents
        .into_iter()
        .filter(|i| i.kind.is_exact() == exact)
        .map(|i| Ok((ident_code(i.kind), i.value.as_str(), role_code(i.role)?)))
        .collect::<Result<Vec<_>>>()?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Whether the index has its schema-14 form, each occurrence holding its
/// value. The steps of earlier upgrades that rebuild the index run before
/// that schema's SQL: they leave the index empty, and schema 14's step
/// builds it (see [`super::upgrade::to_14`]).
pub fn by_value(tx: &Connection) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM pragma_table_info('occurrences') WHERE name = 'value'")?
        .exists([])?)
}

/// Empties the identifier index (the sounds with it).
pub fn clear(tx: &Connection) -> Result<()> {
    tx.execute_batch("DELETE FROM occurrences;")?;
    let mut has =
        tx.prepare_cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")?;
    for table in ["identifiers", "sounds"] {
        if has.exists([table])? {
            tx.execute_batch(&format!("DELETE FROM {table};"))?;
        }
    }
    Ok(())
}

/// Replaces the identifiers of the item `item` (an item key) with
/// `idents`, all of the record's identifiers, sounds included. `before`
/// is the identifiers of the record as it was stored (they say which rows
/// it has: the index has no way in by item), `None` when the item has
/// just been created (no old rows looked for). Only the rows that differ
/// are written: none when the identifiers are the same (most edits).
pub fn replace(
    tx: &Connection,
    item: i64,
    idents: &[Identifier],
    before: Option<&[Identifier]>,
) -> Result<()> {
    let old = before.unwrap_or_default();
    for (exact, table) in [(true, Table::Occurrences), (false, Table::Sounds)] {
        replace_rows(
            tx,
            table,
            item,
            &rows_of(idents, exact)?,
            &rows_of(old, exact)?,
        )?;
    }
    Ok(())
}

/// The two tables of the index: the exact identifiers' occurrences and
/// the sounds, each keyed by (kind, value, item, role).
#[derive(Clone, Copy)]
enum Table {
    Occurrences,
    Sounds,
}

impl Table {
    fn delete(self) -> &'static str {
        match self {
            Table::Occurrences => {
                "DELETE FROM occurrences WHERE kind = ?1 AND value = ?2 AND item = ?3 AND role = ?4"
            }
            Table::Sounds => "DELETE FROM sounds WHERE key = ?1 AND item = ?2 AND role = ?3",
        }
    }

    fn insert(self) -> &'static str {
        match self {
            Table::Occurrences => {
                "INSERT OR IGNORE INTO occurrences (kind, value, item, role) VALUES (?1, ?2, ?3, ?4)"
            }
            Table::Sounds => "INSERT OR IGNORE INTO sounds (key, item, role) VALUES (?1, ?2, ?3)",
        }
    }

    /// Runs `stmt`, the table's insert or delete, for one row: an
    /// occurrence as it is, a sound as its number (its kind in it).
    fn run(
        self,
        stmt: &mut rusqlite::CachedStatement<'_>,
        (kind, value, role): (i64, &str, i64),
        item: i64,
    ) -> Result<()> {
        match self {
            Table::Occurrences => stmt.execute((kind, value, item, role))?,
            Table::Sounds => stmt.execute((sound_hash(ident_of_code(kind)?, value), item, role))?,
        };
        Ok(())
    }
}

/// The item's rows of one table, from `old` (those it has) to `new`: the
/// rows it no longer has removed, the new ones added (nothing written
/// when they are the same).
fn replace_rows(
    tx: &Connection,
    table: Table,
    item: i64,
    new: &[(i64, &str, i64)],
    old: &[(i64, &str, i64)],
) -> Result<()> {
    if new == old {
        return Ok(());
    }
    if !old.is_empty() {
        let mut delete = tx.prepare_cached(table.delete())?;
        for row in old.iter().filter(|o| new.binary_search(o).is_err()) {
            table.run(&mut delete, *row, item)?;
        }
    }
    let mut insert = tx.prepare_cached(table.insert())?;
    for row in new.iter().filter(|n| old.binary_search(n).is_err()) {
        table.run(&mut insert, *row, item)?;
    }
    Ok(())
}

/// Index rows of many new items (a rebuild of the whole index), gathered
/// and written in key order when enough are held. Row by row, each insert
/// lands on a page of its own in B-trees larger than the page cache.
/// The items must have no rows in the index yet.
pub struct Batch {
    /// The exact identifiers' rows, as (kind code, value, item, role code).
    rows: Vec<(i64, String, i64, i64)>,
    /// The sounds' rows, as (key, item, role code).
    sounds: Vec<(i64, i64, i64)>,
    limit: usize,
}

/// The kinds of item that have sounds (what writes them all again reads
/// these kinds' records only).
pub const WITH_SOUNDS: [crate::domain::ItemKind; 3] = [
    crate::domain::ItemKind::Parcel,
    crate::domain::ItemKind::Person,
    crate::domain::ItemKind::Organisation,
];

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
            let (kind, role) = (ident_code(i.kind), role_code(i.role)?);
            if i.kind.is_exact() {
                self.rows.push((kind, i.value.clone(), item, role));
            } else {
                self.sounds.push((sound_hash(i.kind, &i.value), item, role));
            }
        }
        if self.rows.len() + self.sounds.len() >= self.limit {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Writes every row held, each table's in its key order (each page
    /// filled once).
    pub fn flush(&mut self, tx: &Connection) -> Result<()> {
        let mut rows = std::mem::take(&mut self.rows);
        if !rows.is_empty() {
            rows.sort_unstable();
            rows.dedup();
            let mut insert = tx.prepare_cached(Table::Occurrences.insert())?;
            for r in &rows {
                insert.execute((r.0, &r.1, r.2, r.3))?;
            }
        }
        let mut sounds = std::mem::take(&mut self.sounds);
        if !sounds.is_empty() {
            sounds.sort_unstable();
            sounds.dedup();
            let mut insert = tx.prepare_cached(Table::Sounds.insert())?;
            for r in &sounds {
                insert.execute(*r)?;
            }
        }
        Ok(())
    }
}

/// The exact identifiers of the item `item` (an item key), as (kind code,
/// value, role code) sorted by kind and value: worked out from its record
/// (the index has no way in by item). None for an item that is not there.
pub fn exact_of_item(conn: &Connection, item: i64) -> Result<Vec<(i64, String, i64)>> {
    let Some((kind, id)) = super::keys::id_of(conn, item)? else {
        return Ok(Vec::new());
    };
    let idents = crate::with_record_type!(kind, R => match super::records::get::<R>(conn, id)? {
        Some(r) => super::records::identifiers_of(conn, &r)?,
        None => Vec::new(),
    });
    Ok(rows_of(&idents, true)?
        .into_iter()
        .map(|(code, value, role)| (code, value.to_string(), role))
        .collect())
}

/// About how many exact occurrences the index holds, worked out from how
/// many items there are (counting the index's rows would read every page
/// of it): seven for each parcel (its tracking number, the phones, names
/// and addresses of its two parties and its contents: what a parcel
/// fills in), three for each case, note, person and organisation. Sizes
/// what is built over the whole index, and says whether it is worth two
/// cores; never a count to show as exact.
pub fn size_estimate(conn: &Connection) -> Result<u64> {
    use crate::domain::ItemKind;
    let mut total = 0u64;
    for (kind, each) in [
        (ItemKind::Parcel, 7),
        (ItemKind::Case, 3),
        (ItemKind::Note, 3),
        (ItemKind::Person, 3),
        (ItemKind::Organisation, 3),
    ] {
        let n: i64 = conn
            .prepare_cached(&format!("SELECT coalesce(max(n), 0) FROM {}", kind.table()))?
            .query_row([], |r| r.get(0))?;
        total = total.saturating_add(u64::try_from(n).unwrap_or(0).saturating_mul(each));
    }
    Ok(total)
}

/// Whether any item holds this identifier value.
pub fn holds(conn: &Connection, kind: IdentKind, value: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM occurrences WHERE kind = ?1 AND value = ?2")?
        .exists((ident_code(kind), value))?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::testutil::temp_store;

    /// Every row of the index, as values.
    fn rows(conn: &Connection) -> Vec<(i64, String, i64, i64)> {
        quads(
            conn,
            "SELECT kind, value, item, role FROM occurrences
             UNION ALL SELECT 0, CAST(key AS TEXT), item, role FROM sounds ORDER BY 1, 2, 3, 4",
        )
    }

    /// Turns the index into schema 13's (a table of values, and the
    /// occurrences naming them by number), as the tests of the upgrade
    /// from it do.
    const AS_SCHEMA_13: &str = concat!(
        include_str!("../../tests/fixtures/schema17.sql"),
        include_str!("../../tests/fixtures/schema14_numbers.sql"),
        include_str!("../../tests/fixtures/schema13_index.sql")
    );

    /// A notebook of schema 13 (a table of values) is upgraded by moving
    /// its rows: the same rows as the index written anew, the values
    /// table gone, and the check passes.
    #[test]
    fn schema_13_occurrences_take_their_values() {
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
        let all = rows(s.conn());
        assert!(all.len() > 1_000, "{}", all.len());
        s.conn().execute_batch(AS_SCHEMA_13).unwrap();
        s.conn().pragma_update(None, "user_version", 13).unwrap();
        let distinct: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM identifiers", [], |r| r.get(0))
            .unwrap();
        assert!(distinct > 500, "{distinct}");
        let path = s.path().to_path_buf();
        drop(s);
        let s = crate::store::Store::open(&path, crate::store::OpenOptions::new("t")).unwrap();
        assert_eq!(rows(s.conn()), all);
        assert!(by_value(s.conn()).unwrap());
        let gone: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'identifiers'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(gone, 0);
        let check = crate::store::integrity::check_derived(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        drop(d);
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
        // batch (a shared phone, a substance) are written again for the
        // item of each.
        for limit in [97, BATCH_ROWS] {
            let n = s
                .write(|w| crate::store::upgrade::rebuild_indexes_in(&w.tx, Batch::new(limit)))
                .unwrap();
            assert!(n > 300, "{n}");
            assert_eq!(rows(s.conn()), before, "batches of {limit}");
            let check = crate::store::integrity::check_derived(s.conn()).unwrap();
            assert!(check.problems.is_empty(), "{:?}", check.problems);
        }
    }
    /// The sound rows as (key, item, role code), in key order (the
    /// upgrade's tests read them too).
    pub(crate) fn sounds(conn: &Connection) -> Vec<(i64, i64, i64)> {
        conn.prepare("SELECT key, item, role FROM sounds ORDER BY 1, 2, 3")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
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
        // (Each sound kept as its number, its kind in it and its role's.)
        let name = |v: &str| sound_hash(IdentKind::NameSound, &name_sound_key(v).unwrap());
        let mut want = vec![
            (name("Ivan Petrov"), item, sender),
            (name("Olga Sidorova"), item, recipient),
            (
                sound_hash(
                    IdentKind::AddressSound,
                    &address_sound_key("12 Abay Avenue, Almaty").unwrap(),
                ),
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
                "SELECT count(*) FROM occurrences WHERE kind IN (?1, ?2)",
                (ns, asd),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(in_index, 0);
        // An edit of one name moves that name's row only.
        p.sender_name = Some("Pyotr Ivanov-Smirnov".into());
        s.write(|w| crate::store::records::update(w, &mut p))
            .unwrap();
        want.retain(|r| r.2 != sender);
        want.push((name("Pyotr Ivanov-Smirnov"), item, sender));
        want.sort();
        assert_eq!(sounds(s.conn()), want);
        let check = crate::store::integrity::check_derived(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        // A name cleared leaves no row behind; a delete leaves none at all.
        p.recipient_name = None;
        s.write(|w| crate::store::records::update(w, &mut p))
            .unwrap();
        want.retain(|r| r.2 != recipient);
        assert_eq!(sounds(s.conn()), want);
        s.write(|w| crate::store::records::delete(w, ItemKind::Parcel, p.meta().id))
            .unwrap();
        assert_eq!(sounds(s.conn()), vec![]);
    }

    /// With no way in by item, each write moves exactly the rows that
    /// changed: after every edit, a note's parcel changing country, and
    /// deletes, the index is what the records imply, with no row and no
    /// value left over (the integrity check counts both).
    #[test]
    fn exact_rows_follow_each_edit_delete_and_country_change() {
        use crate::domain::record::new_record;
        use crate::domain::{Note, Parcel, Record};
        use crate::store::records;
        let (_d, mut s) = temp_store();
        let clean = |s: &crate::store::Store, step: &str| {
            let check = crate::store::integrity::check_derived(s.conn()).unwrap();
            assert!(check.problems.is_empty(), "{step}: {:?}", check.problems);
        };
        let held = |s: &crate::store::Store, value: &str| -> i64 {
            s.conn()
                .query_row(
                    "SELECT count(*) FROM occurrences WHERE value = ?1",
                    [value],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let (a, b, note) = s
            .write(|w| {
                let (mut a, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("sender_phone", "+7 701 555 0142"),
                    ("destination", "KZ"),
                    ("recipient_phone", "8 701 555 0199"),
                ])?;
                crate::store::create::parcel(w, &mut a)?;
                let (mut b, _) = new_record::<Parcel>(&[
                    ("tracking", "EE473124829CN"),
                    ("sender_phone", "+7 701 555 0142"),
                ])?;
                crate::store::create::parcel(w, &mut b)?;
                let (mut n, _) =
                    new_record::<Note>(&[("text", "call 8 701 555 0143 after delivery")])?;
                n.item_id = a.meta().id;
                crate::store::create::note(w, &mut n)?;
                Ok((a, b, n))
            })
            .unwrap();
        clean(&s, "created");
        assert_eq!(held(&s, "+77015550143"), 1, "the note's phone, read in KZ");
        assert_eq!(held(&s, "+77015550142"), 2);
        // A shared phone changed on one parcel: the other keeps the value.
        let mut a2 = a.clone();
        a2.sender_phone = Some("+7 777 123 4567".into());
        s.write(|w| records::update(w, &mut a2).map(drop)).unwrap();
        clean(&s, "phone changed");
        assert_eq!(held(&s, "+77015550142"), 1);
        assert_eq!(held(&s, "+77771234567"), 1);
        // The parcel's country changes what the note's national number is.
        assert_ne!(
            note.identifiers_in(Some("KZ")),
            note.identifiers_in(Some("DE")),
            "a country that reads the number otherwise"
        );
        let mut a3: Parcel = records::must_get(s.conn(), a.meta().id).unwrap();
        a3.destination = Some("DE".into());
        s.write(|w| records::update(w, &mut a3).map(drop)).unwrap();
        clean(&s, "country changed");
        assert_eq!(held(&s, "+77015550143"), 0, "no longer read in KZ");
        // The last parcel of a value gone: the value goes with it.
        s.write(|w| records::delete(w, crate::domain::ItemKind::Parcel, b.meta().id).map(drop))
            .unwrap();
        clean(&s, "deleted");
        assert_eq!(held(&s, "+77015550142"), 0);
        s.write(|w| records::delete(w, crate::domain::ItemKind::Parcel, a.meta().id).map(drop))
            .unwrap();
        clean(&s, "all deleted");
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
                    // (A sound's kind is its role's: the table has no
                    // column of it.)
                    for i in &want {
                        let role = role_code(i.role)?;
                        assert_eq!(crate::store::keys::sound_kind(role), Some(i.kind), "{i:?}");
                    }
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
        assert_eq!(with_sounds, WITH_SOUNDS);
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
                "UPDATE sounds SET key = key + 1
                 WHERE (key, item, role) = (SELECT key, item, role FROM sounds LIMIT 1)",
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
            .execute("INSERT INTO sounds VALUES (12345, 18, 8)", [])
            .unwrap();
        assert!(check(&t).contains("1 sound key row(s) belong to no record"));
        // One row removed.
        let (_d3, mut u) = temp_store();
        crate::exchange::demo::generate(&mut u, 60, 5, |_, _| {}).unwrap();
        u.conn()
            .execute(
                "DELETE FROM sounds WHERE (key, item, role) = (SELECT key, item, role FROM sounds LIMIT 1)",
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
        s.conn().execute_batch(AS_SCHEMA_13).unwrap();
        s.conn()
            .execute_batch(
                "INSERT INTO identifiers (kind, value) SELECT DISTINCT kind, key FROM sounds;
                 INSERT INTO occurrences (ident, item, role)
                   SELECT i.id, s.item, s.role FROM sounds s
                   JOIN identifiers i ON i.kind = s.kind AND i.value = s.key;
                 DROP TABLE sounds;
                 CREATE INDEX occurrences_item ON occurrences (item);
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
