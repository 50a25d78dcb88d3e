//! Records against their audit trail: every record must be exactly as its
//! last audit entry left it, and every record the audit says exists must
//! exist. A row changed, added or deleted with the sqlite3 shell (outside
//! interdict, so outside the audit) is named here. The same holds for the
//! tables beside the records ([`check_tables`]): the warning list, match
//! decisions, watchlist and profiles against their audit entries
//! (`replay`), the histories received with merges and the bytes of
//! embedded documents against their own hashes (`hashed`).

mod hashed;
mod replay;

use super::audit;
use super::error::Result;
use super::keys;
use super::records::{self, to_json};
use crate::domain::text::sanitize;
use crate::domain::{ItemKind, Record};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCheck {
    pub checked: usize,
    /// What is wrong, one line each (at most `MAX_PROBLEMS`).
    pub problems: Vec<String>,
    /// What could not be checked, and why, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

pub const MAX_PROBLEMS: usize = 100;

/// Adds a problem, unless `MAX_PROBLEMS` are said already.
fn push(out: &mut RecordCheck, line: String) {
    if out.problems.len() < MAX_PROBLEMS {
        out.problems.push(line);
    }
}

/// In an export file, the database its records were exported from
/// (`file`), and the one whose log left them in the state they are in
/// (`records`): the same but in an export of an export (a received file
/// opened read-only and exported again), whose records stand as the first
/// export's source left them. Records copied as they stood carry no audit
/// entry of the file's own: their history from that database came with
/// them, ends in the state they are in, and the manifest's signed content
/// hash (checked when the file is opened) covers both.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub file: Uuid,
    pub records: Uuid,
}

pub fn export_source(conn: &Connection) -> Result<Option<Source>> {
    if !super::is_export(conn)? {
        return Ok(None);
    }
    let texts: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT json_extract(manifest, '$.source_db'), json_extract(manifest, '$.records_from')
             FROM export_manifest LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((Some(file), records)) = texts else {
        return Ok(None);
    };
    let Ok(file) = file.parse::<Uuid>() else {
        return Ok(None);
    };
    let records = records.and_then(|t| t.parse().ok()).unwrap_or(file);
    Ok(Some(Source { file, records }))
}

/// The record's last state: its last audit entry here, or in an export
/// file (`source` given) for a record with none, its last entry in the
/// history from the database it was exported from (or, for a record that
/// database held without an entry of its own, an export exported again,
/// the newest entry of the histories that came with it).
fn last_state(
    conn: &Connection,
    source: Option<Source>,
    id: Uuid,
) -> Result<Option<(String, Option<Vec<u8>>)>> {
    let here = audit::last_state(conn, id)?;
    let Some(source) = source.filter(|_| here.is_none()) else {
        return Ok(here);
    };
    Ok(conn
        .prepare_cached(
            "SELECT action, state FROM received_audit WHERE item_id = ?2
              ORDER BY source_db = ?1 DESC, source_db = ?3 DESC, at DESC, seq DESC LIMIT 1",
        )?
        .query_row((source.file, id, source.records), |r| {
            Ok((audit::names::Name::Action.get(r, 0)?, r.get(1)?))
        })
        .optional()?)
}

fn check_kind<R: Record>(
    conn: &Connection,
    source: Option<Source>,
    out: &mut RecordCheck,
) -> Result<()> {
    records::each::<R, _>(conn, "1", [], usize::MAX, 0, |r| {
        out.checked += 1;
        if out.problems.len() >= MAX_PROBLEMS {
            return Ok(());
        }
        let id = r.meta().id;
        let last = last_state(conn, source, id)?.map(|(_, state)| state);
        if let Some(why) = against_last(&r, last.as_ref())? {
            out.problems
                .push(format!("{} {} ({id}) {why}", R::KIND, r.label()));
        }
        Ok(())
    })
}

/// What is wrong with a record against its last audited state (`None`:
/// no entry; `Some(None)`: an entry that deleted it), if anything: said
/// as it follows the record's kind, label and id.
pub fn against_last<R: Record>(r: &R, last: Option<&Option<Vec<u8>>>) -> Result<Option<String>> {
    Ok(match last {
        None => Some("has no audit entry: written outside interdict".into()),
        Some(None) => Some("was deleted according to the audit, yet is present".into()),
        Some(Some(state)) => {
            let json = to_json(r)?;
            if audit::same_state(state, &json) {
                None
            } else {
                let cols = audit::differing_columns(R::KIND, state, &json);
                let which = if cols.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", cols.join(", "))
                };
                Some(format!(
                    "differs from its last audited state{which}: changed outside interdict"
                ))
            }
        }
    })
}

/// Each item's last audited state (`None`: an entry that deleted it).
pub type LastStates = HashMap<Uuid, Option<Vec<u8>>>;

/// The last audited state of every item of an export file, as
/// [`last_state`] finds each. Empty for a file that is not an export.
pub fn last_states(conn: &Connection) -> Result<LastStates> {
    match export_source(conn)? {
        source @ Some(_) => states_in_passes(conn, source, None, true),
        None => Ok(LastStates::new()),
    }
}

/// Each item's last audited state as [`last_state`] finds it (its last
/// entry in the log; else, in an export file whose records came from
/// `source`, its newest in the histories that came with it, the exporting
/// database's first), read in one pass of each table rather than two
/// look-ups an item: of the items `wanted` holds (all when `None`), and
/// of each state, unless `whole`, only the hash [`audit::same_state`]
/// compares.
fn states_in_passes(
    conn: &Connection,
    source: Option<Source>,
    wanted: Option<&HashSet<Uuid>>,
    whole: bool,
) -> Result<LastStates> {
    let keep = |id: &Uuid| wanted.is_none_or(|w| w.contains(id));
    let cut = |state: Option<Vec<u8>>| {
        state.map(|mut s| {
            if !whole {
                s.truncate(audit::STATE_HASH_LEN);
            }
            s
        })
    };
    let mut out = LastStates::new();
    let mut own = conn.prepare("SELECT item_id, state FROM audit ORDER BY seq")?;
    let mut rows = own.query([])?;
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        if keep(&id) {
            out.insert(id, cut(r.get(1)?));
        }
    }
    let Some(source) = source else {
        return Ok(out);
    };
    let own: HashSet<Uuid> = out.keys().copied().collect();
    // (Ordered as `last_state` orders them: its entry is the greatest.)
    let mut newest: HashMap<Uuid, (bool, bool, String, i64)> = HashMap::new();
    let mut came = conn.prepare(
        "SELECT item_id, source_db = ?1, source_db = ?2, CAST(at AS TEXT), seq, state
         FROM received_audit",
    )?;
    let mut rows = came.query([source.file, source.records])?;
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        if own.contains(&id) || !keep(&id) {
            continue;
        }
        let order: (bool, bool, String, i64) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        if newest.get(&id).is_none_or(|o| order > *o) {
            out.insert(id, cut(r.get(5)?));
            newest.insert(id, order);
        }
    }
    Ok(out)
}

/// The first of the records `ids` (by kind) that is not the state its
/// last audit entry leaves (see [`last_state`]), said whole: a record
/// changed outside interdict, which no export is to vouch for. Read in
/// one snapshot, each table in one pass where every record of a kind is
/// asked for; gives up (`None`) once `stop` is set. Then the first
/// received history not as the merge that last added to it left it
/// ([`crate::store::audit::anchor`]): an export carries received
/// histories as they stand, and signed, a changed one went on to every
/// receiver as the partner's.
pub fn first_unproven(
    conn: &Connection,
    ids: &[(ItemKind, Vec<Uuid>)],
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Option<String>> {
    fn kind<R: Record>(
        conn: &Connection,
        (source, last): (Option<Source>, &LastStates),
        ids: &[Uuid],
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<String>> {
        let mut found = None;
        let mut one = |r: R| -> Result<bool> {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(false);
            }
            let id = r.meta().id;
            let proven = match last.get(&id) {
                Some(Some(hash)) => audit::same_state(hash, &to_json(&r)?),
                _ => false,
            };
            if !proven {
                // (Said from the whole state: which fields differ.)
                let state = last_state(conn, source, id)?.map(|(_, state)| state);
                if let Some(why) = against_last(&r, state.as_ref())? {
                    let label = sanitize(&r.label()).into_owned();
                    found = Some(format!("{} {label} ({id}) {why}", R::KIND));
                    return Ok(false);
                }
            }
            Ok(true)
        };
        if ids.len() as i64 == records::count_kind(conn, R::KIND)? {
            let stopped = || super::error::StoreError::Refused(String::new());
            let walked = records::each::<R, _>(conn, "1", [], usize::MAX, 0, |r| {
                if one(r)? { Ok(()) } else { Err(stopped()) }
            });
            match walked {
                Err(super::error::StoreError::Refused(s)) if s.is_empty() => {}
                other => other?,
            }
        } else {
            for &id in ids {
                if let Some(r) = records::get::<R>(conn, id)?
                    && !one(r)?
                {
                    break;
                }
            }
        }
        Ok(found)
    }
    super::in_one_read(conn, || {
        let source = export_source(conn)?;
        let wanted: HashSet<Uuid> = ids.iter().flat_map(|(_, of)| of.iter().copied()).collect();
        let last = states_in_passes(conn, source, Some(&wanted), false)?;
        for (k, of) in ids {
            let found =
                crate::with_record_type!(*k, R => kind::<R>(conn, (source, &last), of, stop)?);
            if found.is_some() {
                return Ok(found);
            }
        }
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        let mut histories = RecordCheck::default();
        hashed::check_anchors(conn, &mut histories)?;
        Ok(histories.problems.into_iter().next())
    })
}

/// Names each item of `sql`'s rows (kind, id; `source` its parameter
/// when given) that has no row: missing, `why`.
fn missing_of(
    conn: &Connection,
    sql: &str,
    source: Option<Uuid>,
    why: &str,
    out: &mut RecordCheck,
) -> Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = match source {
        Some(s) => stmt.query([s])?,
        None => stmt.query([])?,
    };
    while let Some(r) = rows.next()? {
        if out.problems.len() >= MAX_PROBLEMS {
            break;
        }
        let kind = audit::names::Name::Kind.get(r, 0)?;
        let id: Uuid = r.get(1)?;
        let Ok(k) = kind.parse::<ItemKind>() else {
            continue;
        };
        let exists = conn
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", k.table()))?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            out.problems.push(format!("{k} {id} is missing: {why}"));
        }
    }
    Ok(())
}

/// Checks every record against the audit log, and the audit log against
/// the records.
pub fn check(conn: &Connection) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    let source = export_source(conn)?;
    for kind in ItemKind::ALL {
        crate::with_record_type!(kind, R => check_kind::<R>(conn, source, &mut out)?);
    }
    // Items whose last audited action leaves them in place must exist.
    let kinds = audit::names::sql_record_kinds();
    let ours = format!(
        "SELECT a.item_kind, a.item_id FROM audit a
         WHERE a.state IS NOT NULL AND a.item_kind IN ({kinds})
           AND a.seq = (SELECT max(seq) FROM audit b WHERE {})",
        audit::sql_of_item("b.item_id", "a.item_id")
    );
    let why = "deleted outside interdict (the audit has no deletion)";
    missing_of(conn, &ours, None, why, &mut out)?;
    // In an export, so must each record whose history from the notebook
    // it was exported from (with no entry of the file's own) leaves it in
    // place: a row deleted from the file passed, exit 0.
    if let Some(source) = source {
        // (Of the notebook whose log left the records as they are: the
        // file's source but in an export of an export.)
        let theirs = format!(
            "SELECT a.item_kind, a.item_id FROM received_audit a
             WHERE a.source_db = ?1 AND a.state IS NOT NULL AND a.item_kind IN ({kinds})
               AND a.seq = (SELECT max(seq) FROM received_audit b
                            WHERE b.item_id = a.item_id AND b.source_db = ?1)
               AND NOT EXISTS (SELECT 1 FROM audit c WHERE {})",
            audit::sql_of_item("c.item_id", "a.item_id")
        );
        let why = "its history from the notebook the file was exported from ends with it in place (removed from the file)";
        missing_of(conn, &theirs, Some(source.records), why, &mut out)?;
    }
    Ok(out)
}

/// The identifier index and search rows of one kind of record against
/// what its records imply; returns how many index rows were accounted for
/// (occurrences, sound rows, search rows).
fn derived_kind<R: Record>(conn: &Connection, out: &mut RecordCheck) -> Result<(i64, i64, i64)> {
    // (Neither the occurrences nor the sounds have an index by item: each
    // row the record implies is looked for, and the tables' rows counted
    // against them at the end.)
    let mut stored_ident = conn.prepare_cached(
        "SELECT 1 FROM occurrences WHERE kind = ?1 AND value = ?2 AND item = ?3 AND role = ?4",
    )?;
    let mut stored_sound =
        conn.prepare_cached("SELECT 1 FROM sounds WHERE key = ?1 AND item = ?2 AND role = ?3")?;
    let mut stored_search =
        conn.prepare_cached("SELECT label, body FROM search_items WHERE item = ?1")?;
    let (mut occurrences, mut sounds, mut searches) = (0i64, 0i64, 0i64);
    let derived_search = crate::store::search::derived(R::KIND);
    records::each_numbered::<R>(conn, |n, r| {
        out.checked += 1;
        let item = keys::item_key(R::KIND, n);
        let mut want: Vec<(i64, String, i64)> = records::identifiers_of(conn, &r)?
            .into_iter()
            .map(|i| Ok((keys::ident_code(i.kind), i.value, keys::role_code(i.role)?)))
            .collect::<Result<_>>()?;
        want.sort_unstable();
        want.dedup();
        let (mut missing, mut missing_sounds) = (Vec::new(), Vec::new());
        for (k, v, role) in want {
            let exact = keys::ident_of_code(k).is_ok_and(|k| k.is_exact());
            let (stmt, found, lacking) = if exact {
                (&mut stored_ident, &mut occurrences, &mut missing)
            } else {
                (&mut stored_sound, &mut sounds, &mut missing_sounds)
            };
            let found_it = if exact {
                stmt.exists((k, &v, item, role))?
            } else {
                stmt.exists((keys::sound_hash(keys::ident_of_code(k)?, &v), item, role))?
            };
            if found_it {
                *found += 1;
            } else {
                lacking.push((k, v));
            }
        }
        // (A kind whose search rows are made from its records has none
        // stored: any there is counted as belonging to no record.)
        let text: Vec<(String, String)> = if derived_search {
            Vec::new()
        } else {
            stored_search
                .query_map([item], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        searches += text.len() as i64;
        if out.problems.len() >= MAX_PROBLEMS {
            return Ok(());
        }
        let what = || format!("{} {}", R::KIND, sanitize(&r.label()));
        let named = |v: &[(i64, String)]| {
            v.iter()
                .map(|(k, v)| {
                    let kind = keys::ident_of_code(*k).map_or("?", |k| k.as_str());
                    format!("{kind} {}", sanitize(v))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !missing_sounds.is_empty() {
            out.problems.push(format!(
                "{}: the sound keys lack the record's {}: changed outside interdict",
                what(),
                named(&missing_sounds)
            ));
        }
        if !missing.is_empty() {
            out.problems.push(format!(
                "{}: the identifier index differs from the record (missing {}): changed outside interdict",
                what(),
                named(&missing)
            ));
        }
        if derived_search {
            return Ok(());
        }
        let (label, body) = (r.label(), r.search_text());
        let body = crate::domain::translit::searchable(&body).into_owned();
        let blank = label.trim().is_empty() && body.trim().is_empty();
        let right = match text.as_slice() {
            [] => blank,
            [(l, b)] => !blank && *l == label && *b == body,
            _ => false,
        };
        if !right {
            out.problems.push(format!(
                "{}: its search row differs from the record: changed outside interdict",
                what()
            ));
        }
        Ok(())
    })?;
    Ok((occurrences, sounds, searches))
}

/// Checks the tables derived from the records (the identifier index and
/// the search rows) against what the records imply: every record's rows
/// exactly, and no row for anything else.
pub fn check_derived(conn: &Connection) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    let (mut occurrences, mut sounds, mut searches) = (0, 0, 0);
    for kind in ItemKind::ALL {
        let (o, k, s) = crate::with_record_type!(kind, R => derived_kind::<R>(conn, &mut out)?);
        occurrences += o;
        sounds += k;
        searches += s;
    }
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let stray = count("SELECT count(*) FROM occurrences")? - occurrences;
    if stray > 0 {
        out.problems.push(format!(
            "{stray} identifier index row(s) belong to no record: written outside interdict"
        ));
    }
    // Every row the records imply was found: any more belong to none.
    let stray = count("SELECT count(*) FROM sounds")? - sounds;
    if stray > 0 {
        out.problems.push(format!(
            "{stray} sound key row(s) belong to no record: written outside interdict"
        ));
    }
    let stray = count("SELECT count(*) FROM search_items")? - searches;
    if stray > 0 {
        out.problems.push(format!(
            "{stray} search row(s) belong to no record: written outside interdict"
        ));
    }
    out.problems.truncate(MAX_PROBLEMS);
    Ok(out)
}

/// Checks the tables beside the records: the warning list, match
/// decisions, watchlist and profiles are what replaying their audit
/// entries leaves; every history received with a merge still hashes as
/// it was sent; every embedded document's bytes hash to their SHA-256.
pub fn check_tables(conn: &Connection) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    replay::check(conn, &mut out)?;
    hashed::check_received(conn, &mut out)?;
    hashed::check_document_bytes(conn, &mut out)?;
    check_case_numbers(conn, &mut out)?;
    Ok(out)
}

/// The case numbers kept as used against the log: every case deleted kept
/// its number as used (set back outside interdict, a deleted case's
/// reference was given again, and `audit log C-0002` showed only the new
/// case, without a word from `audit verify`).
fn check_case_numbers(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    let Some(kept) = super::refs::kept_case_numbers(conn)? else {
        // (Not kept, the log itself is read whenever a reference is given.)
        return Ok(());
    };
    out.checked += 1;
    let deleted = super::refs::deleted_case_numbers(conn)?;
    if kept < deleted {
        out.problems.push(format!(
            "the highest case number kept as used is {kept}, but the log shows {} deleted: set back outside interdict, a deleted case's reference would be given to a new case",
            crate::domain::case::reference(deleted)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::{Exhibit, Inspection};
    use crate::domain::record::new_record;
    use crate::domain::{Case, Parcel};
    use crate::store::testutil::temp_store;
    use crate::store::{create, records};

    #[test]
    fn changes_outside_the_audit_are_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Kept")])?;
            create::case(w, &mut c)?;
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            create::parcel(w, &mut p)?;
            let (mut q, _) = new_record::<Parcel>(&[("tracking", "EE473124829CN")])?;
            create::parcel(w, &mut q)
        })
        .unwrap();
        let ok = check(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert!(ok.checked >= 3);
        // What someone with the sqlite3 shell could do.
        s.conn()
            .execute_batch(
                "UPDATE parcels SET concealment = 'none found' WHERE tracking = 'RR123456785KZ';
                 DELETE FROM parcels WHERE tracking = 'EE473124829CN';
                 UPDATE cases SET title = 'Quietly renamed';",
            )
            .unwrap();
        let bad = check(s.conn()).unwrap();
        let all = bad.problems.join("\n");
        assert!(
            all.contains("parcel RR123456785KZ") && all.contains("in concealment"),
            "{all}"
        );
        assert!(all.contains("in title"), "{all}");
        assert!(
            all.contains("is missing: deleted outside interdict"),
            "{all}"
        );
        assert_eq!(bad.problems.len(), 3, "{all}");
    }

    #[test]
    fn evidence_changed_outside_the_audit_is_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            create::parcel(w, &mut p)?;
            let (mut x, _) = new_record::<Exhibit>(&[("number", "KZ-ALA-1/1"), ("net_g", "412")])?;
            x.parcel_id = p.meta.id;
            records::insert(w, &mut x)?;
            let (mut i, _) = new_record::<Inspection>(&[
                ("inspected_on", "2026-11-30"),
                ("selection", "random"),
            ])?;
            i.parcel_id = p.meta.id;
            records::insert(w, &mut i).map(drop)
        })
        .unwrap();
        let ok = check(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        // The seized weight lowered, an inspection removed, by hand.
        s.conn()
            .execute_batch("UPDATE exhibits SET net_g = 41.2; DELETE FROM inspections;")
            .unwrap();
        let all = check(s.conn()).unwrap().problems.join("\n");
        assert!(
            all.contains("exhibit exhibit KZ-ALA-1/1")
                && all.contains("in net_g: changed outside interdict"),
            "{all}"
        );
        assert!(
            all.contains("inspection ") && all.contains("is missing: deleted outside interdict"),
            "{all}"
        );
    }
}

#[cfg(test)]
mod derived_tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::evidence::Exhibit;
    use crate::domain::record::new_record;
    use crate::store::create;
    use crate::store::testutil::temp_store;

    #[test]
    fn index_and_search_rows_changed_outside_interdict_are_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[
                ("tracking", "RR123456785KZ"),
                ("sender_phone", "+7 701 555 0142"),
            ])?;
            create::parcel(w, &mut p)?;
            let (mut q, _) = new_record::<Parcel>(&[
                ("tracking", "EE473124829CN"),
                ("sender_phone", "+7 701 555 0142"),
            ])?;
            create::parcel(w, &mut q)
        })
        .unwrap();
        let ok = check_derived(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert!(ok.checked >= 2 + 296, "{}", ok.checked);
        // A phone link hidden, a search row rewritten, two stray rows
        // added (one for a parcel that is there: a parcel's search row is
        // made from its record, never stored).
        s.conn()
            .execute_batch(
                "DELETE FROM occurrences WHERE kind = 2 AND value = '+77015550142'
                   AND item = (SELECT min(item) FROM occurrences WHERE kind = 2 AND value = '+77015550142');
                 UPDATE search_items SET body = 'nothing to see' WHERE label = 'Carfentanil';
                 INSERT INTO search_items (item, label, body) VALUES (999999 * 16 + 2, 'ghost', 'ghost');
                 INSERT INTO search_items (item, label, body)
                   SELECT (n << 4) | 2, tracking, 'planted' FROM parcels WHERE tracking = 'EE473124829CN';
                 INSERT INTO occurrences (kind, value, item, role) VALUES (2, '+77770000000', 999999 * 16 + 2, 2);",
            )
            .unwrap();
        let bad = check_derived(s.conn()).unwrap();
        let all = bad.problems.join("\n");
        assert!(
            all.contains(
                "the identifier index differs from the record (missing phone +77015550142)"
            ),
            "{all}"
        );
        assert!(
            all.contains("substance Carfentanil: its search row differs"),
            "{all}"
        );
        assert!(all.contains("2 search row(s) belong to no record"), "{all}");
        assert!(
            all.contains("1 identifier index row(s) belong to no record"),
            "{all}"
        );
        assert_eq!(bad.problems.len(), 4, "{all}");
    }

    #[test]
    fn indexes_rebuilt_for_an_export_cover_the_evidence_trail() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            create::parcel(w, &mut p)?;
            let (mut x, _) = new_record::<Exhibit>(&[("number", "KZ-ALA-1/1")])?;
            x.parcel_id = p.meta.id;
            crate::store::records::insert(w, &mut x).map(drop)
        })
        .unwrap();
        // As an export or an older file is opened: the index built again.
        s.write(|w| crate::store::upgrade::rebuild_indexes(&w.tx).map(drop))
            .unwrap();
        let ok = check_derived(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    }
}
