//! Merging an export file into a notebook, keyed by record id.
//!
//! Each incoming record is compared with the local one through the
//! versions both sides have seen (their audit logs, and the histories
//! that came with earlier merges):
//! - the same version, or one the local side has moved on from: unchanged;
//! - a local version the incoming side has moved on from: updated;
//! - an item new here: added;
//! - anything else (edited on both sides since they diverged, or edited
//!   there and deleted here): a conflict. The local version stays, the
//!   incoming one is kept beside it until a person chooses.
//!
//! A merge is written in short steps (half a second of work each),
//! so colleagues writing to the same notebook wait at most that long. Its
//! `sources` row says it is in progress, and how far it has come, from the
//! first step to the last; each step records its own progress in the same
//! transaction, so a merge stopped midway (killed, an error, a full disk)
//! keeps what its committed steps wrote and the next merge of the same file
//! goes on from there. A merge that finds nothing new leaves nothing
//! behind, so merging the same file twice changes nothing. Every added or
//! updated record gets a provenance row naming the merge, whose `sources`
//! row names the file, its hash, the exporting database and the signer; the
//! finished merge is an audit entry. A dry run is one transaction on a
//! private copy of the notebook, rolled back: colleagues never wait on it.

use super::received::Received;
use crate::domain::text::sanitize;
use crate::domain::{ItemKind, Record};
use crate::store::audit::names::Name;
use crate::store::integrity::LastStates;
use crate::store::{Result, Store, StoreError, Writer, audit, records, refs};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Items in conflict with this file (including ones recorded by an
    /// earlier merge of it and still open).
    pub conflicts: usize,
    /// Of those, found by this merge.
    pub new_conflicts: usize,
    /// Records deleted here because they were deleted there (with what
    /// hung on them).
    #[serde(default)]
    pub deleted: usize,
    /// Where each received history this merge added entries to stands
    /// after it (what `audit verify` checks the table against).
    #[serde(default, rename = "received_histories")]
    pub histories: Vec<audit::anchor::HistoryAnchor>,
    /// Records checked as typed input before anything was merged: all but
    /// those this notebook holds exactly as the file does (merging those
    /// changes nothing; every case is checked, its reference made local).
    #[serde(default)]
    pub checked: usize,
    /// Whether the file's bytes are those of a merge completed here
    /// before, so its integrity and content hash were not computed again
    /// (see [`merged_whole`]).
    #[serde(default)]
    pub known_bytes: bool,
    /// Cases whose reference was taken here by another case.
    pub renumbered: Vec<Renumbered>,
    /// Whether anything was written.
    pub written: bool,
    pub dry_run: bool,
    pub file: String,
    pub file_sha256: String,
    pub signer: String,
    pub fingerprint: String,
    pub exporter: String,
    pub exported_at: String,
    pub source_db: Uuid,
    /// The merge's id (its `sources` row and audit entry) when written.
    pub merge_id: Option<Uuid>,
    /// What came of the file's risk profiles and watchlist entries.
    #[serde(default)]
    pub targeting: super::targeting::Received,
    /// Parcels added whose tracking number a parcel here already had
    /// (two posts that each recorded the same parcel): both are kept, and
    /// said, never joined silently.
    #[serde(default)]
    pub same_tracking: Vec<SameTracking>,
    /// Exhibits added beside one here of the same number (each post
    /// numbers its own from EX-1): both kept, and said; the number then
    /// names neither alone.
    #[serde(default)]
    pub same_exhibit_number: Vec<SameTracking>,
    /// People and organisations added beside one here of the same name
    /// (two posts that each recorded one target): both kept, and said
    /// (`tracking` is the name), never joined silently.
    #[serde(default)]
    pub same_name: Vec<SameTracking>,
    /// Links added beside one here between the same two items, of the
    /// same type (each post linked them): both kept, with their notes and
    /// grades, and said (`tracking` is the link's type and ends).
    #[serde(default)]
    pub same_link: Vec<SameTracking>,
    /// Conflicts open here that the file's exporter had settled (its
    /// newer version, or its deletion, taken by this merge): closed as
    /// `settled-there`.
    #[serde(default)]
    pub settled_there: usize,
    /// Records deleted here that came back with an item the partner
    /// kept over this notebook's deletion (its notes, links, evidence),
    /// beside the item itself (counted as updated).
    #[serde(default)]
    pub brought_back: usize,
    /// Records here whose TLP label the file raised (a partner withheld
    /// them for a stricter one): each as "label from X to Y".
    #[serde(default)]
    pub raised: Vec<String>,
}

/// A parcel added by a merge beside one here with its tracking number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SameTracking {
    pub tracking: String,
    pub received: Uuid,
    pub here: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Renumbered {
    pub case_id: Uuid,
    pub there: String,
    pub here: String,
}

/// How much of a version hash two logs compare: the bytes of it an
/// audited state keeps (16 since schema 16; a state of the form before
/// begins with the same 16 bytes of its whole hash).
const VERSION_KEY: usize = audit::STATE_HASH_LEN;

/// The part of a version hash logs are compared on.
fn version_key(v: &[u8]) -> Vec<u8> {
    v[..VERSION_KEY.min(v.len())].to_vec()
}

/// Whether `to` gives a record a looser TLP label than `from` has (as
/// JSON: `tlp` absent or empty is no label).
fn loosens(from: &str, to: &str) -> bool {
    let tlp = |json: &str| -> Option<usize> {
        let v: Value = serde_json::from_str(json).ok()?;
        let t = v.get("tlp")?.as_str()?.trim().to_string();
        (!t.is_empty()).then(|| super::handling::tlp_rank(&t))
    };
    match (tlp(from), tlp(to)) {
        (Some(f), Some(t)) => t < f,
        (Some(f), None) => f > 0,
        _ => false,
    }
}

/// Which log is a database's own: a notebook's is its `audit`; an export
/// file's is its exporter's, which the file carries in `received_audit`
/// under the exporting database's id.
#[derive(Debug, Clone, Copy)]
enum OwnLog {
    Audit,
    Received(Uuid),
}

/// Every version of an item a database has moved on from (as
/// [`version_key`]s of version hashes): the versions its own log holds
/// (made there, or taken in by a merge, whose entry holds the version it
/// took), and, of each other log that came with earlier merges, the
/// versions up to the last one the database holds among those (the
/// history of a version it took), to a fixed point; and every version of
/// those logs made before a conflict of the item was settled in its own
/// (a settlement supersedes both sides' versions as they stood). A version a merge
/// brought in and left waiting as a conflict is in no log of the
/// database's own, nor before one: received is not taken. (Until
/// 2026-12-06 every version in any log that had come with a merge counted:
/// a notebook that held a partner's edit as a conflict passed it on as
/// "moved on from", and the partner's edit was overwritten without a
/// conflict on both sides, and at a third notebook that had received the
/// file before the partner's own.)
fn seen_versions(conn: &Connection, id: Uuid, own: OwnLog) -> Result<Vec<Vec<u8>>> {
    use std::collections::{BTreeMap, HashSet};
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    // Each other log's versions in order, with when each was made and
    // the fields its entry changed.
    let mut logs: BTreeMap<Uuid, Vec<LogEntry>> = BTreeMap::new();
    // When a conflict of the item was settled in the database's own log,
    // the values the settlement took from the other side, and the other
    // side's version it settled over when its entry names it.
    let mut settlements: Vec<Settlement> = Vec::new();
    let mut own_entry = |v: Vec<u8>, action: String, at: String, detail: Option<String>| {
        if action.starts_with("resolve") || action == audit::MERGED_FIELDS {
            let over = over_version(&action, detail.as_deref());
            settlements.push(Settlement {
                at,
                taken: taken_values(detail.as_deref()),
                over,
            });
        }
        seen.insert(v);
    };
    let own_db = match own {
        OwnLog::Audit => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT substr(coalesce(version, state), 1, 16), action, at, detail FROM audit WHERE {} AND state IS NOT NULL",
                audit::sql_of_item("item_id", "?1")
            ))?;
            let mut rows = stmt.query([id])?;
            while let Some(r) = rows.next()? {
                own_entry(
                    r.get(0)?,
                    Name::Action.get(r, 1)?,
                    crate::store::stamp::get(r, 2)?,
                    r.get(3)?,
                );
            }
            None
        }
        OwnLog::Received(db) => Some(db),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT source_db, substr(coalesce(version, state), 1, 16), action, at, detail FROM received_audit
          WHERE item_id = ?1 AND state IS NOT NULL ORDER BY source_db, seq",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let db: Uuid = r.get(0)?;
        let (v, action, at, detail) = (
            r.get::<_, Vec<u8>>(1)?,
            Name::Action.get(r, 2)?,
            crate::store::stamp::get(r, 3)?,
            r.get::<_, Option<String>>(4)?,
        );
        if Some(db) == own_db {
            own_entry(v, action, at, detail);
        } else {
            logs.entry(db).or_default().push(LogEntry {
                version: v,
                over: over_version(&action, detail.as_deref()),
                at,
                detail,
            });
        }
    }
    // A settlement supersedes the other side's version it settled over,
    // and that version's history in any log that holds it. One whose
    // entry does not name that version (written before 2026-12-08)
    // supersedes the versions the other side had made by then: of each
    // log whose version then could have been that side, i.e. gives each
    // field the settlement took from the other side the value it took.
    // (Until 2026-12-07 of every log: a field merge of a relayed version
    // superseded a third post's edit the relay had held as a conflict,
    // and that post's edit was overwritten without one. Until 2026-12-08
    // by the clock alone where the entry names the version: a post's
    // settlement made after another's, but before it had seen it,
    // superseded it, and the other post's settlement, relayed by a third,
    // was overwritten without a conflict.)
    for s in &settlements {
        if let Some(over) = &s.over {
            seen.insert(over.clone());
            for log in logs.values() {
                if let Some(i) = log.iter().rposition(|e| e.version == *over) {
                    for e in &log[..=i] {
                        seen.insert(e.version.clone());
                    }
                }
            }
            continue;
        }
        for log in logs.values() {
            let then: Vec<&LogEntry> = log.iter().filter(|e| e.at <= s.at).collect();
            if could_be_the_other_side(&then, &s.taken) {
                for e in then {
                    seen.insert(e.version.clone());
                }
            }
        }
    }
    // Each other log's history up to the last version held, and the
    // other side's version each settlement in it settled over: to a
    // fixed point (a version taken from one log may be the end of
    // another's). (A post's settlement taken whole from a third post's
    // file counted as no settlement: the version it settled over met it
    // as a conflict where the settler's own file was taken.)
    let mut upto: Vec<usize> = vec![0; logs.len()];
    loop {
        let mut grew = false;
        for (log, done) in logs.values().zip(upto.iter_mut()) {
            if let Some(last) = log.iter().rposition(|e| seen.contains(&e.version))
                && last + 1 > *done
            {
                for e in &log[..=last] {
                    grew |= seen.insert(e.version.clone());
                    if let Some(over) = &e.over {
                        grew |= seen.insert(over.clone());
                    }
                }
                *done = last + 1;
            }
        }
        if !grew {
            break;
        }
    }
    Ok(seen.into_iter().collect())
}

/// A settlement in a database's own log of an item, as [`seen_versions`]
/// reads it: when it was made, the values it took from the other side,
/// and the other side's version it settled over (as a [`version_key`]),
/// when its entry names it.
struct Settlement {
    at: String,
    taken: Map<String, Value>,
    over: Option<Vec<u8>>,
}

/// An entry of another database's log of an item, as [`seen_versions`]
/// reads it.
struct LogEntry {
    version: Vec<u8>,
    /// The other side's version it settled over, when a settlement (or
    /// a merge field by field) names it.
    over: Option<Vec<u8>>,
    at: String,
    detail: Option<String>,
}

/// The other side's version (as a [`version_key`]) that an entry of
/// `action` settled over, when its detail names it
/// ([`audit::settled_over`]). (A deletion's key, which a record kept over
/// a deletion names, is no version of a log's.)
fn over_version(action: &str, detail: Option<&str>) -> Option<Vec<u8>> {
    if !(action.starts_with("resolve") || action == audit::MERGED_FIELDS)
        || action == "resolve-keep-over-deletion"
    {
        return None;
    }
    audit::settled_over(detail)
        .and_then(|h| audit::seal::unhex(&h))
        .map(|v| version_key(&v))
}

/// The values a settlement's entry took from the other side: each field
/// its detail changes (`[old, new]`, old and new apart), at its new value;
/// who wrote it when left out (the settler's own).
fn taken_values(detail: Option<&str>) -> Map<String, Value> {
    let map: Map<String, Value> = detail
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    map.into_iter()
        .filter(|(k, _)| !crate::domain::Meta::COLUMNS.contains(&k.as_str()))
        .filter_map(|(k, v)| match v.as_array().map(Vec::as_slice) {
            Some([old, new]) if old != new => Some((k, new.clone())),
            _ => None,
        })
        .collect()
}

/// Whether a log's version as its entries `then` leave it could have been
/// the other side of a settlement that took `taken`: no field taken holds
/// another value there, as the last of its entries that set the field
/// says (a field none set is not known, and not held against it).
fn could_be_the_other_side(then: &[&LogEntry], taken: &Map<String, Value>) -> bool {
    if then.is_empty() {
        return false;
    }
    let set: Vec<Map<String, Value>> = then
        .iter()
        .map(|e| taken_values(e.detail.as_deref()))
        .collect();
    taken.iter().all(|(k, v)| {
        set.iter()
            .rev()
            .find_map(|m| m.get(k))
            .is_none_or(|there| there == v)
    })
}

/// When a log that came here with an earlier merge ends with the item's
/// deletion: the versions of the item that log had seen, the deleted one
/// among them (as [`version_key`]s); `None` when no such log does.
fn deleted_elsewhere(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<Vec<Vec<u8>>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source_db, substr(coalesce(version, state), 1, 16), detail FROM received_audit
          WHERE item_id = ?1 ORDER BY source_db, seq",
    )?;
    let mut rows = stmt.query([id])?;
    let mut logs: Vec<(Uuid, Vec<Vec<u8>>, bool)> = Vec::new();
    while let Some(r) = rows.next()? {
        let db: Uuid = r.get(0)?;
        let version: Option<Vec<u8>> = r.get(1)?;
        let detail: Option<String> = r.get(2)?;
        if logs.last().is_none_or(|l| l.0 != db) {
            logs.push((db, Vec::new(), false));
        }
        let Some(log) = logs.last_mut() else {
            continue;
        };
        match (version, detail) {
            (Some(v), _) => {
                log.1.push(v);
                log.2 = false;
            }
            (None, Some(d)) => {
                log.1.push(version_key(&deleted_version(kind, &d)));
                log.2 = true;
            }
            (None, None) => log.2 = false,
        }
    }
    let mut out: Option<Vec<Vec<u8>>> = None;
    for (_, versions, ends_deleted) in logs {
        if ends_deleted {
            out.get_or_insert_with(Vec::new).extend(versions);
        }
    }
    Ok(out)
}

/// The version (hash) of the record a deletion entry kept whole.
fn deleted_version(kind: ItemKind, detail: &str) -> Vec<u8> {
    audit::version_hash(kind, detail).to_vec()
}

/// The key a deletion that met an edit is filed under among conflicts.
fn deletion_key(version: &[u8]) -> String {
    format!("deleted:{}", audit::hex(version))
}

/// Whether the file's side, shown our deletion of the item, kept its
/// version over it (a conflict it settled for its own version): over our
/// last deletion. When that deletion settled a conflict here (kept the
/// deletion), it must be told apart from the earlier ones: it deletes the
/// record again as the version it met, and when that is the version
/// first deleted, a keeping over the first deletion, made before the
/// settlement was known there, would bring the record back over it.
fn kept_over_our_deletion(here: &Connection, src: &Connection, id: Uuid) -> Result<bool> {
    let ours: Vec<(String, String, String)> = here
        .prepare_cached(&format!(
            "SELECT item_kind, detail, action FROM audit WHERE {} AND state IS NULL AND detail IS NOT NULL
              ORDER BY seq DESC",
            audit::sql_of_item("item_id", "?1")
        ))?
        .query_map([id], |r| {
            Ok((Name::Kind.get(r, 0)?, r.get(1)?, Name::Action.get(r, 2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let Some((kind, detail, action)) = ours.first() else {
        return Ok(false);
    };
    if action.starts_with("resolve") && ours[1..].iter().any(|(_, d, _)| d == detail) {
        return Ok(false);
    }
    let Ok(kind) = kind.parse::<ItemKind>() else {
        return Ok(false);
    };
    let key = deletion_key(&deleted_version(kind, detail));
    let found: Option<i64> = src
        .prepare_cached(&format!(
            "SELECT 1 FROM received_audit WHERE item_id = ?1 AND action = {}
                AND detail = ?2 LIMIT 1",
            Name::Action.sql("resolve-keep-over-deletion")
        ))?
        .query_row((id, format!("{{\"over\":\"{key}\"}}")), |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

/// Whether a settlement that kept the item over a deletion, made here or
/// at a post whose log came here, is one the deleter's file does not
/// hold: made without the deleter knowing. Asked of a deletion that
/// settled a conflict there (kept the deletion): the two meet again as a
/// conflict (the deletion was taken here, the settlement that kept the
/// record undone without a word; at a hub that held the keeper's
/// settlement, too).
fn kept_unknown_to(here: &Connection, src: &Connection, id: Uuid) -> Result<bool> {
    let here_db = crate::store::database_id(here)?;
    let keep = Name::Action.sql("resolve-keep-over-deletion");
    let own: Vec<(Uuid, i64)> = here
        .prepare_cached(&format!(
            "SELECT seq FROM audit WHERE {} AND action = {keep}",
            audit::sql_of_item("item_id", "?1"),
        ))?
        .query_map([id], |r| Ok((here_db, r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let received: Vec<(Uuid, i64)> = here
        .prepare_cached(&format!(
            "SELECT source_db, seq FROM received_audit WHERE item_id = ?1 AND action = {keep}"
        ))?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (db, seq) in own.into_iter().chain(received) {
        if !holds_entry(src, db, id, seq)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether a settlement that kept a deletion of the item over an edit,
/// made here or at a post whose log came here, is one no settlement in
/// the file kept the record over: the file's keeper kept it over another
/// deletion (the first), not over that settlement, and the two settled
/// the item differently. (A hub that took the deleter's settlement
/// brought the record back when the keeper's came, without a word, and
/// the next files deleted it everywhere.)
fn deletion_settled_unanswered(here: &Connection, src: &Connection, id: Uuid) -> Result<bool> {
    let kept_over: std::collections::HashSet<String> = src
        .prepare_cached(&format!(
            "SELECT detail FROM received_audit WHERE item_id = ?1 AND action = {}",
            Name::Action.sql("resolve-keep-over-deletion")
        ))?
        .query_map([id], |r| r.get::<_, Option<String>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|d| audit::settled_over(d.as_deref()))
        .collect();
    let settled = Name::Action.sql("resolve-keep-local");
    let mut deletions: Vec<(String, String)> = here
        .prepare_cached(&format!(
            "SELECT item_kind, detail FROM audit WHERE {} AND action = {settled}
                AND state IS NULL AND detail IS NOT NULL",
            audit::sql_of_item("item_id", "?1"),
        ))?
        .query_map([id], |r| Ok((Name::Kind.get(r, 0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    deletions.extend(
        here.prepare_cached(&format!(
            "SELECT item_kind, detail FROM received_audit WHERE item_id = ?1 AND action = {settled}
                AND state IS NULL AND detail IS NOT NULL"
        ))?
        .query_map([id], |r| Ok((Name::Kind.get(r, 0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?,
    );
    Ok(deletions.iter().any(|(kind, detail)| {
        kind.parse::<ItemKind>()
            .is_ok_and(|k| !kept_over.contains(&deletion_key(&deleted_version(k, detail))))
    }))
}

/// Of the links said to be added beside one alike here, those still
/// alike once the whole file is in: the same merge may have given the
/// one here another type (it said "of the same type" of a link it had
/// just re-typed, and advised deleting one).
fn still_alike(conn: &Connection, report: &mut MergeReport) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM links a JOIN links b ON a.from_id = b.from_id AND a.to_id = b.to_id
           AND a.link_type = b.link_type WHERE a.id = ?1 AND b.id = ?2",
    )?;
    let mut kept = Vec::new();
    for s in std::mem::take(&mut report.same_link) {
        if stmt.exists((s.received, s.here))? {
            kept.push(s);
        }
    }
    report.same_link = kept;
    Ok(())
}

/// The log a file's records stand in (see [`Merger::log_db`]).
fn log_of(m: &super::export::Manifest) -> Uuid {
    m.records_from.unwrap_or(m.source_db)
}

/// Whether `conn` holds entry `seq` of the log of `db` about the item.
fn holds_entry(conn: &Connection, db: Uuid, id: Uuid, seq: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM received_audit WHERE source_db = ?1 AND item_id = ?2 AND seq = ?3",
        )?
        .query_row((db, id, seq), |_| Ok(()))
        .optional()?
        .is_some())
}

/// The deletions the file carries (items whose exporter's own history ends
/// in a deletion, not in the file's tables), applied here: a record here
/// in a version the deleter had seen is deleted, with what hangs on it; a
/// record changed here since (or holding custody entries, never deleted)
/// meets the deletion as a conflict.
fn apply_tombstones(
    w: &mut Writer<'_>,
    rec: &Received,
    source_id: Uuid,
    report: &mut MergeReport,
) -> Result<()> {
    let src = &rec.conn;
    let db = log_of(&rec.manifest);
    let mut stmt = src.prepare(
        "SELECT r.item_kind, r.item_id, r.detail, r.action FROM received_audit r
          WHERE r.source_db = ?1 AND r.state IS NULL AND r.detail IS NOT NULL
            AND r.seq = (SELECT max(q.seq) FROM received_audit q WHERE q.source_db = r.source_db AND q.item_id = r.item_id)",
    )?;
    // (With whether the deletion settled a conflict there, keeping it.)
    let mut deleted: Vec<(ItemKind, Uuid, String, bool)> = stmt
        .query_map([db], |r| {
            Ok((
                Name::Kind.get(r, 0)?,
                r.get(1)?,
                r.get(2)?,
                Name::Action.get(r, 3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(k, id, d, a)| {
            Some((k.parse::<ItemKind>().ok()?, id, d, a.starts_with("resolve")))
        })
        .collect();
    drop(stmt);
    // What things hang on first: a record whose deletion meets an edit
    // here keeps what hangs on it until a person decides.
    let place = |k: ItemKind| {
        MERGE_ORDER
            .iter()
            .position(|m| *m == k)
            .unwrap_or(usize::MAX)
    };
    // And a record before what hangs on it among the deletions (a note
    // on a link comes after the link in the kinds' order).
    let depth = deletion_depths(&deleted);
    deleted.sort_by_key(|d| (depth.get(&d.1).copied().unwrap_or(0), place(d.0)));
    // The deletions waiting with a record whose deletion waits as a
    // conflict: what hangs on what hangs on it waits too (a finding's lab
    // result, under a parcel, went at once, and the finding with it
    // turned presumptive, whatever was chosen later).
    let mut waiting = std::collections::HashSet::new();
    for (kind, id, detail, settling) in deleted {
        if refs::kind_of_id(src, id)?.is_some() {
            continue;
        }
        let mut waits = false;
        for p in parents_of(kind, &detail) {
            waits |= waiting.contains(&p);
            let kept: Option<i64> =
                w.tx.prepare_cached(
                    "SELECT 1 FROM conflicts WHERE item_id = ?1 AND incoming_key LIKE 'deleted:%'
                        AND status IN ('open', 'kept-local') LIMIT 1",
                )?
                .query_row([p], |r| r.get(0))
                .optional()?;
            waits |= kept.is_some();
        }
        if waits {
            waiting.insert(id);
            continue;
        }
        match refs::kind_of_id(&w.tx, id)? {
            Some(k) if k == kind => {}
            // Not here: a conflict of it waiting here (its edit met our
            // deletion, or it was offered back) is settled there by the
            // deletion, when the deleter had seen its version (it stayed
            // open, and taking it brought the record back at this post
            // alone).
            None => {
                report.settled_there +=
                    close_settled_there(w, src, OwnLog::Received(db), id, &report.signer, None)?;
                continue;
            }
            _ => continue,
        }
        let key = deletion_key(&deleted_version(kind, &detail));
        let decided: Option<String> =
            w.tx.prepare_cached(
                "SELECT status FROM conflicts WHERE item_id = ?1 AND incoming_key = ?2",
            )?
            .query_row((id, &key), |r| r.get(0))
            .optional()?;
        if decided.as_deref().is_some_and(|s| s != "open") {
            continue;
        }
        let local = records::stored_json(&w.tx, kind, id)?;
        // Deleted only as the deleter had seen it, and with nothing
        // hanging on it that the deleter had not seen: a note, finding or
        // link added here since (or changed here since) would go with it
        // unseen by anyone who chose to delete.
        let deletable = decided.is_none()
            && seen_by_deleter(src, db, kind, id, &local)?
            && !(settling && kept_unknown_to(&w.tx, src, id)?)
            && match records::doomed(&w.tx, kind, id) {
                Ok(doomed) => {
                    let mut all = true;
                    for (k, i) in doomed.into_iter().filter(|d| d.1 != id) {
                        let json = records::stored_json(&w.tx, k, i)?;
                        if !seen_by_deleter(src, db, k, i, &json)? {
                            all = false;
                            break;
                        }
                    }
                    all
                }
                Err(StoreError::Refused(_)) => false,
                Err(e) => return Err(e),
            };
        let gone = if deletable {
            match records::delete(w, kind, id) {
                Ok(n) => Some(n),
                Err(StoreError::Refused(_)) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        match gone {
            Some(n) => {
                provenance(w, source_id, id, "deleted", None)?;
                report.deleted += n;
                report.settled_there +=
                    close_settled_there(w, src, OwnLog::Received(db), id, &report.signer, None)?;
            }
            None => {
                report.conflicts += 1;
                report.new_conflicts += file_conflict(
                    w,
                    source_id,
                    &Filed {
                        kind,
                        id,
                        local: Some(&local),
                        incoming: &detail,
                        key: &key,
                        base: None,
                    },
                )?;
            }
        }
    }
    Ok(())
}

/// Raises the label of each record here the file names as withheld for
/// a stricter one (see [`super::handling::Raised`]): a partner marked it
/// TLP:RED (or AMBER+STRICT), and it stays so here. Never lowers one;
/// a label this build does not know, or a record of another kind or not
/// here, is passed over, and so is a file merged whole here before. Each
/// raise is a new version audited as
/// `raise-label`, stamped by whoever merged.
fn apply_raised(
    w: &mut Writer<'_>,
    rec: &Received,
    source_id: Uuid,
    report: &mut MergeReport,
) -> Result<()> {
    use super::handling::tlp_rank;
    // (A file merged whole before raised what it raises then: a label a
    // person lowered since stays lowered.)
    if merged_whole(&w.tx, &rec.file_sha256)? {
        return Ok(());
    }
    for r in &rec.manifest.handling.raised {
        if !crate::domain::fields::TLP.contains(&r.tlp.as_str()) {
            continue;
        }
        let Ok(kind) = r.kind.parse::<ItemKind>() else {
            continue;
        };
        if refs::kind_of_id(&w.tx, r.id)? != Some(kind)
            || !matches!(
                kind,
                ItemKind::Case | ItemKind::Note | ItemKind::Person | ItemKind::Organisation
            )
        {
            continue;
        }
        let here = super::handling::tlp_of(&w.tx, kind, r.id)?;
        let rank_here = here
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map_or(0, tlp_rank);
        if rank_here >= tlp_rank(&r.tlp) {
            continue;
        }
        let mut json = records::json_of(&w.tx, kind, r.id)?;
        json["tlp"] = Value::String(r.tlp.clone());
        json["updated_at"] = Value::String(w.now.clone());
        json["updated_by"] = Value::String(w.actor.to_string());
        crate::with_record_type!(kind, R => {
            let raised: R = serde_json::from_value(json)
                .map_err(|e| StoreError::Corrupt(format!("{kind} {}: {e}", r.id)))?;
            records::put_verbatim(w, &raised, "raise-label")?;
        });
        provenance(w, source_id, r.id, "updated", None)?;
        let label = records::kind_and_label(&w.tx, kind, r.id)?;
        report.raised.push(format!(
            "{label}, {} to {}",
            here.as_deref().unwrap_or("no label"),
            r.tlp
        ));
    }
    Ok(())
}

/// Whether the record `id`, as it stands here (`local`, its stored JSON),
/// is a version the exporter `db` of the file `src` had seen: one of its
/// own states, a version it deleted or kept a deletion over, or one it
/// moved on from (see [`seen_versions`]).
fn seen_by_deleter(
    src: &Connection,
    db: Uuid,
    kind: ItemKind,
    id: Uuid,
    local: &str,
) -> Result<bool> {
    let here_v = version_key(&audit::version_hash(kind, local));
    let mut q = src.prepare_cached(
        "SELECT substr(coalesce(version, state), 1, 16), detail FROM received_audit WHERE source_db = ?1 AND item_id = ?2",
    )?;
    let mut rows = q.query((db, id))?;
    while let Some(r) = rows.next()? {
        let seen = match (
            r.get::<_, Option<Vec<u8>>>(0)?,
            r.get::<_, Option<String>>(1)?,
        ) {
            (Some(v), _) => v,
            (None, Some(d)) => version_key(&deleted_version(kind, &d)),
            _ => continue,
        };
        if seen == here_v {
            return Ok(true);
        }
    }
    // Or one its log moved on from: a version of another post's it took,
    // or settled a conflict over (a deletion made after a settlement in
    // favour of the version here met it as an edit the deleter never saw).
    Ok(seen_versions(src, id, OwnLog::Received(db))?.contains(&here_v))
}

/// Whether `db`'s log, as received here, holds version `v` of item `id`.
fn in_received_log(conn: &Connection, db: Uuid, id: Uuid, v: &[u8]) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM received_audit WHERE source_db = ?1 AND item_id = ?2
               AND substr(coalesce(version, state), 1, 16) = ?3 LIMIT 1",
        )?
        .query_row((db, id, version_key(v)), |_| Ok(()))
        .optional()?
        .is_some())
}

/// Two versions merged field by field against `base` (`shown` as the
/// version both shared), as an outcome: `whole` when they cannot be.
fn outcome_of<R: Record>(
    base: &str,
    local: &str,
    incoming: &str,
    shown: &str,
    whole: Outcome,
) -> Result<Outcome> {
    Ok(match merge_fields::<R>(base, local, incoming)? {
        ThreeWay::Merged(m) if m == incoming => Outcome::Put { added: false },
        // Nothing of theirs that this side lacks (an older file after
        // a newer one's relay): nothing to write (it wrote a
        // `merge-fields` version that changed nothing).
        ThreeWay::Merged(m) if same_data(&m, local) => Outcome::Unchanged,
        ThreeWay::Merged(m) => Outcome::Merged(m),
        ThreeWay::Fields { ours, theirs } => Outcome::Fields {
            ours,
            theirs,
            base: shown.to_string(),
        },
        ThreeWay::Whole => whole,
    })
}

/// A note (stored JSON) as `--redact-sources` sends it, its source and
/// grading stripped; `None` when it has none to strip (or is unreadable).
fn redacted_note(json: &str) -> Option<String> {
    let mut note: crate::domain::Note = serde_json::from_str(json).ok()?;
    if !note.strip_sources() {
        return None;
    }
    records::to_json(&note).ok()
}

/// A note that came with source or grading fields stripped (`incoming`)
/// given `ours` for each it came without (a stripped field is absent,
/// not emptied: a partner who added a source of their own to a redacted
/// note never saw, so never cleared, its handling); `None` when it lacks
/// none that ours has.
fn sources_put_back(incoming: &str, ours: &str) -> Option<String> {
    let mut note: crate::domain::Note = serde_json::from_str(incoming).ok()?;
    let ours: crate::domain::Note = serde_json::from_str(ours).ok()?;
    let mut filled = false;
    for (theirs, ours) in [
        (&mut note.source, ours.source),
        (&mut note.source_grade, ours.source_grade),
        (&mut note.intel_grade, ours.intel_grade),
        (&mut note.handling, ours.handling),
    ] {
        if theirs.is_none() && ours.is_some() {
            *theirs = ours;
            filled = true;
        }
    }
    filled.then(|| records::to_json(&note).ok()).flatten()
}

/// Whether two versions of a record (stored JSON) hold the same data,
/// whoever wrote each and when.
fn same_data(a: &str, b: &str) -> bool {
    const STAMPS: [&str; 5] = [
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "origin_db",
    ];
    let data = |j: &str| {
        serde_json::from_str::<Value>(j).ok().and_then(|v| match v {
            Value::Object(mut m) => {
                for k in STAMPS {
                    m.remove(k);
                }
                Some(m)
            }
            _ => None,
        })
    };
    matches!((data(a), data(b)), (Some(x), Some(y)) if x == y)
}

/// The provenance row of an item the merge `source_id` wrote or deleted.
fn provenance(
    w: &Writer<'_>,
    source_id: Uuid,
    id: Uuid,
    action: &str,
    foreign_ref: Option<&str>,
) -> Result<()> {
    w.tx.prepare_cached(
        "INSERT OR REPLACE INTO provenance (item_id, source_id, action, line, foreign_ref)
         VALUES (?1, ?2, ?3, NULL, ?4)",
    )?
    .execute((id, source_id, action, foreign_ref))?;
    Ok(())
}

/// A conflict as a merge files it: the versions here and incoming (none
/// here when deleted here), the incoming one's key, and the version both
/// last shared when known.
struct Filed<'a> {
    kind: ItemKind,
    id: Uuid,
    local: Option<&'a str>,
    incoming: &'a str,
    key: &'a str,
    base: Option<&'a str>,
}

/// Files a conflict of the merge `source_id`; 1 when it is new (the same
/// incoming version met again is filed once).
fn file_conflict(w: &Writer<'_>, source_id: Uuid, c: &Filed<'_>) -> Result<usize> {
    Ok(w.tx
        .prepare_cached(
            "INSERT OR IGNORE INTO conflicts (item_kind, item_id, source_id, local, incoming, incoming_key, detected_at, base)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute((
            c.kind.as_str(),
            c.id,
            source_id,
            c.local,
            c.incoming,
            c.key,
            &w.now,
            c.base,
        ))?)
}

/// Whether the item's last audited action here removed it.
fn deleted_here(conn: &Connection, id: Uuid) -> Result<bool> {
    let last: Option<bool> = conn
        .prepare_cached(&format!(
            "SELECT state IS NULL FROM audit WHERE {} ORDER BY seq DESC LIMIT 1",
            audit::sql_of_item("item_id", "?1")
        ))?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(last == Some(true))
}

/// How deep each deleted record hangs among the deletions (0: on none of
/// them; 1: on one that hangs on none...), from what its last version
/// names.
fn deletion_depths(
    deleted: &[(ItemKind, Uuid, String, bool)],
) -> std::collections::HashMap<Uuid, usize> {
    let parents: std::collections::HashMap<Uuid, Vec<Uuid>> = deleted
        .iter()
        .map(|(kind, id, detail, _)| (*id, parents_of(*kind, detail)))
        .collect();
    let mut depth = std::collections::HashMap::new();
    // (Each pass settles one level more. Records hang at most a few deep
    // (a note on a link of a parcel's finding's lab result...): a hostile
    // file's cycle or endless chain stops at this depth, not after as
    // many passes as it has deletions.)
    for _ in 0..=parents.len().min(16) {
        let mut changed = false;
        for (id, of) in &parents {
            let d = of
                .iter()
                .filter(|p| parents.contains_key(p))
                .map(|p| depth.get(p).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0)
                .min(16);
            if depth.insert(*id, d) != Some(d) {
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

/// Ids a record (given as JSON) cannot stand without.
pub fn parents_of(kind: ItemKind, json: &str) -> Vec<Uuid> {
    serde_json::from_str(json)
        .map(|v| depends_on(kind, &v))
        .unwrap_or_default()
}

fn depends_on(kind: ItemKind, v: &Value) -> Vec<Uuid> {
    parents_with_kinds(kind, v)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// The items a record (as JSON) cannot stand without, each with the kind
/// it must be: fixed by the record's kind (a finding's parcel), or named
/// by the record beside the id (a link's ends, what a note is on; `None`
/// when that kind is unreadable, which no item is).
fn parents_with_kinds(kind: ItemKind, v: &Value) -> Vec<(Uuid, Option<ItemKind>)> {
    parent_fields(kind)
        .into_iter()
        .filter_map(|(f, k, by)| {
            let id = v.get(f)?.as_str()?.parse().ok()?;
            let k = k.or_else(|| v.get(by?)?.as_str()?.parse().ok());
            Some((id, k))
        })
        .collect()
}

/// A field naming an item a record hangs on, with the kind that item must
/// be, or the field that names its kind.
type ParentField = (&'static str, Option<ItemKind>, Option<&'static str>);

/// The fields of a record of `kind` that name the items it hangs on.
fn parent_fields(kind: ItemKind) -> Vec<ParentField> {
    let fixed = |f: &'static str, k: ItemKind| (f, Some(k), None::<&'static str>);
    let named = |f: &'static str, by: &'static str| (f, None, Some(by));
    match kind {
        ItemKind::Finding => vec![
            fixed("parcel_id", ItemKind::Parcel),
            fixed("substance_id", ItemKind::Substance),
        ],
        ItemKind::Link => vec![named("from_id", "from_kind"), named("to_id", "to_kind")],
        ItemKind::Note | ItemKind::Document => vec![named("item_id", "item_kind")],
        ItemKind::Inspection | ItemKind::Exhibit | ItemKind::Delivery => {
            vec![fixed("parcel_id", ItemKind::Parcel)]
        }
        ItemKind::Custody => vec![fixed("exhibit_id", ItemKind::Exhibit)],
        ItemKind::LabResult => vec![fixed("finding_id", ItemKind::Finding)],
        _ => vec![],
    }
}

/// The reference of a case record (given as any record, as merging is
/// generic over kinds).
fn case_ref<R: Record>(rec: &R) -> Result<String> {
    let v = serde_json::to_value(rec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(v.get("ref")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string())
}

pub(super) fn set_case_ref<R: Record>(rec: &mut R, reference: &str) -> Result<()> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let mut v = serde_json::to_value(&*rec).map_err(corrupt)?;
    v["ref"] = Value::String(reference.to_string());
    *rec = serde_json::from_value(v).map_err(corrupt)?;
    Ok(())
}

/// The reference a case arriving from another file takes here: the one
/// this notebook already knows it by; else its own, unless another case
/// here has that one; else the next free reference.
pub(super) fn case_ref_here(tx: &Connection, id: Uuid, there: &str) -> Result<String> {
    let known: Option<String> = tx
        .prepare_cached("SELECT \"ref\" FROM cases WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(r) = known {
        return Ok(r);
    }
    // A reference this notebook would never give (malformed, or a number
    // out of range) is replaced by the next free one; the file's own stays
    // on record in the provenance.
    if crate::domain::case::parse_reference(there).is_none() {
        return refs::next_case_reference(tx);
    }
    let taken: Option<Uuid> = tx
        .prepare_cached("SELECT id FROM cases WHERE \"ref\" = ?1")?
        .query_row([there], |r| r.get(0))
        .optional()?;
    match taken {
        Some(other) if other != id => refs::next_case_reference(tx),
        _ => Ok(there.to_string()),
    }
}

/// By kind, the ids of records a notebook holds exactly as a file does.
type Same = std::collections::HashMap<ItemKind, std::collections::HashSet<Uuid>>;

struct Merger<'a> {
    /// The log the file's records stand in: its exporter's, or in a
    /// file passed on (an export of an export), the first exporter's
    /// ([`Manifest::records_from`]): a partner's edit passed on by a third
    /// post was a conflict at its origin, where its own file fast-forwarded.
    ///
    /// [`Manifest::records_from`]: super::export::Manifest::records_from
    log_db: Uuid,
    src: &'a Connection,
    /// By kind, the records this notebook held exactly as the file does
    /// when the file was checked (see [`check_all`]).
    same: Same,
    source_id: Uuid,
    report: MergeReport,
    done: usize,
    total: usize,
    progress: &'a mut dyn FnMut(usize, usize),
    /// The file's notes had their sources and grading stripped on export
    /// (`--redact-sources`, said in its signed manifest).
    redacted: bool,
    /// The notebook held links when the merge began: an added link is
    /// looked for among them by its ends and type.
    links_here: bool,
    /// The notebook held parcels when the merge began: an added parcel's
    /// tracking number is looked for among them (into an empty notebook,
    /// 100,000 look-ups that find nothing cost 6 % of the merge).
    parcels_here: bool,
    /// The items a log that came with an earlier merge ends with the
    /// deletion of, when the merge began (most notebooks: none, so an item
    /// new here is looked for only when there are).
    deleted_elsewhere: std::collections::HashSet<Uuid>,
    /// The items with a conflict open here when the merge began (see
    /// [`close_settled_there`]).
    open_conflicts: std::collections::HashSet<Uuid>,
    /// The exhibits here by their numbers' keys, read when the merge
    /// began and given each exhibit it adds: an added exhibit numbered as
    /// another is said ([`refs::exhibits_by_number`]). (An exhibit a
    /// colleague numbers while the merge runs is not among them.)
    exhibit_numbers: std::collections::HashMap<String, Vec<Uuid>>,
}

/// The items with an open conflict.
fn open_conflict_items(conn: &Connection) -> Result<std::collections::HashSet<Uuid>> {
    let mut stmt = conn.prepare("SELECT DISTINCT item_id FROM conflicts WHERE status = 'open'")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Closes the open conflicts of the item `id` whose incoming version the
/// file's exporter had moved on from (its log `own` in `src` holds it, or
/// holds the settlement of it), once the exporter's newer version or its
/// deletion is taken here: the partner settled them. (They stayed open
/// with a stale side: taking "incoming" then put back the value the
/// partner had rejected, or brought back a record the partner had
/// deleted.) Marked `settled-there`, resolved by `by` (the file's
/// signer); returns how many.
fn close_settled_there(
    w: &Writer<'_>,
    src: &Connection,
    own: OwnLog,
    id: Uuid,
    by: &str,
    except: Option<&str>,
) -> Result<usize> {
    let open: Vec<(i64, String)> =
        w.tx.prepare_cached(
            "SELECT id, incoming_key FROM conflicts WHERE item_id = ?1 AND status = 'open'",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if open.is_empty() {
        return Ok(0);
    }
    // A file exported from this notebook's own id (its own export, or a
    // copy of the file at another post, which keeps the id) carries under
    // it every history this notebook received from a copy too: the
    // version a conflict waits on is in it, and the conflict was closed
    // as the partner's settlement when nobody had settled it. Which of
    // them moved on cannot be told: it stays open, to be settled here.
    if matches!(own, OwnLog::Received(db) if db == w.db_id) {
        return Ok(0);
    }
    let seen = seen_versions(src, id, own)?;
    let mut closed = 0;
    for (conflict, key) in open {
        if except == Some(key.as_str()) {
            continue;
        }
        // A deletion that met an edit here, once the item is gone here
        // (the deleter's later file took it, having seen the edit): moot.
        // Or settled there for the record: the file's side deleted it
        // and holds it again, or kept it over that deletion.
        let moot = key.starts_with("deleted:")
            && (refs::kind_of_id(&w.tx, id)?.is_none()
                || settled_for_the_record(src, own, id, &key)?);
        // (A deletion's key is not a version's hash: never seen as one.)
        let seen_there = audit::seal::unhex(&key).is_some_and(|v| seen.contains(&version_key(&v)));
        if moot || seen_there {
            w.tx.execute(
                "UPDATE conflicts SET status = 'settled-there', resolved_by = ?1, resolved_at = ?2 WHERE id = ?3",
                (by, &w.now, conflict),
            )?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// Whether the log `own` of `src` moved on from the deletion `key` (a
/// deletion's conflict key) in favour of the record: it holds that
/// deletion of its own and the record after it (the deleter took the
/// edited version back), or a settlement that kept the record over it.
/// Asked of a file that carries the record.
fn settled_for_the_record(src: &Connection, own: OwnLog, id: Uuid, key: &str) -> Result<bool> {
    let OwnLog::Received(db) = own else {
        return Ok(false);
    };
    // (Each entry's kind, state, action and detail.)
    type Entry = (String, Option<Vec<u8>>, String, Option<String>);
    let rows: Vec<Entry> = src
        .prepare_cached(
            "SELECT item_kind, state, action, detail FROM received_audit
              WHERE source_db = ?1 AND item_id = ?2 ORDER BY seq",
        )?
        .query_map((db, id), |r| {
            Ok((
                Name::Kind.get(r, 0)?,
                r.get(1)?,
                Name::Action.get(r, 2)?,
                r.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut deleted_at = None;
    for (i, (kind, state, action, detail)) in rows.iter().enumerate() {
        let Some(d) = detail else { continue };
        if action == "resolve-keep-over-deletion"
            && serde_json::from_str::<Value>(d)
                .ok()
                .is_some_and(|v| v.get("over").and_then(Value::as_str) == Some(key))
        {
            return Ok(true);
        }
        if state.is_none()
            && let Ok(kind) = kind.parse::<ItemKind>()
            && deletion_key(&deleted_version(kind, d)) == key
        {
            deleted_at = Some(i);
        }
    }
    Ok(deleted_at.is_some_and(|i| rows[i + 1..].iter().any(|r| r.1.is_some())))
}

/// The items a received log ends with the deletion of (by any log: the
/// check of which is [`deleted_elsewhere`]'s).
fn received_deletions(conn: &Connection) -> Result<std::collections::HashSet<Uuid>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT item_id FROM received_audit WHERE state IS NULL AND detail IS NOT NULL",
    )?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// A batch a merge's second thread worked on: each record's number, the
/// record (none: held here as the file holds it) and what was worked out
/// of it.
type Batch<R> = Vec<(i64, Option<R>, Option<records::Worked>)>;

/// What [`records::InHand`] takes of [`records::Worked`] besides the
/// encoding: the identifiers, and the audit entry as a new item.
type Given = (
    Option<Vec<crate::domain::identifiers::Identifier>>,
    Option<audit::Shape>,
);

enum Outcome {
    Unchanged,
    Put {
        added: bool,
    },
    Conflict {
        local: Option<String>,
    },
    /// Deleted here, and the file's side, told of the deletion, kept its
    /// version: it comes back, with what hung on it.
    Restore,
    /// Both sides changed the record since the version they last shared,
    /// in different fields: the two merged.
    Merged(String),
    /// Both changed the same field differently: the other fields merged
    /// (`ours`, written here), the field waits for a person, with the
    /// version `theirs` would make and the `base` they shared.
    Fields {
        ours: String,
        theirs: String,
        base: String,
    },
}

/// A record's earlier states in a database, newest first (its current
/// JSON first, each with what the entry that made it settled): rebuilt from the current row by undoing the changes of
/// the entries of the database's own log (`own`) in turn, each state
/// proven by the hash the entry before it recorded (a state that does not
/// prove ends the walk).
fn states_in<R: Record>(
    conn: &Connection,
    id: Uuid,
    current: &str,
    own: OwnLog,
) -> Result<Vec<State>> {
    type Rows = Vec<(Option<Vec<u8>>, Option<String>, String)>;
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, Name::Action.get(r, 2)?));
    let rows: Rows = match own {
        OwnLog::Audit => conn
            .prepare_cached(&format!(
                "SELECT state, detail, action FROM audit WHERE {} ORDER BY seq DESC",
                audit::sql_of_item("item_id", "?1")
            ))?
            .query_map([id], row)?
            .collect::<rusqlite::Result<_>>()?,
        OwnLog::Received(db) => conn
            .prepare_cached(
                "SELECT state, detail, action FROM received_audit
                  WHERE item_id = ?1 AND source_db = ?2 ORDER BY seq DESC",
            )?
            .query_map((id, db), row)?
            .collect::<rusqlite::Result<_>>()?,
    };
    let made = |i: usize| -> Result<State> {
        let Some((state, detail, action)) = rows.get(i) else {
            return Ok(State {
                json: String::new(),
                settled: None,
                over: None,
            });
        };
        let settled = match audit::settled_fields(action, detail.as_deref()) {
            // A version taken whole by a merge: a settlement if the post
            // that made it settled a conflict with it, as its log says.
            // (Else a third post that held another post's settlement by
            // a merge let a second settlement of the same conflict
            // overwrite it without a word: the one it held counted as
            // no decision.)
            None if action == "merge" => match state {
                Some(st) => settled_elsewhere(conn, id, own, &st[..VERSION_KEY.min(st.len())])?,
                None => None,
            },
            s => s,
        };
        Ok(State {
            json: String::new(),
            settled,
            over: over_version(action, detail.as_deref()),
        })
    };
    let mut out = vec![State {
        json: current.to_string(),
        ..made(0)?
    }];
    let Ok(mut cur) = serde_json::from_str::<serde_json::Map<String, Value>>(current) else {
        return Ok(out);
    };
    for (i, (state, detail, _)) in rows.iter().enumerate() {
        match (state, detail) {
            // An edit: its fields back to what they were.
            (Some(_), Some(d)) => {
                let Ok(changes) = serde_json::from_str::<serde_json::Map<String, Value>>(d) else {
                    break;
                };
                for (k, pair) in changes {
                    if k == audit::SETTLED_OVER {
                        continue;
                    }
                    match pair.as_array().map(Vec::as_slice) {
                        Some([old, _]) => {
                            cur.insert(k, old.clone());
                        }
                        _ => return Ok(out),
                    }
                }
            }
            // A deletion: before it, the record it kept whole.
            (None, Some(d)) => match serde_json::from_str(d) {
                Ok(m) => cur = m,
                Err(_) => break,
            },
            // Created (or put back) here: nothing earlier.
            _ => break,
        }
        let Ok(rec) = serde_json::from_value::<R>(Value::Object(cur.clone())) else {
            break;
        };
        let json = records::to_json(&rec)?;
        match rows.get(i + 1) {
            Some((Some(before), _, _)) if audit::same_state(before, &json) => out.push(State {
                json,
                ..made(i + 1)?
            }),
            _ => break,
        }
    }
    Ok(out)
}

/// The fields another post's log says it settled in making version
/// `key` (the first bytes of a state) of item `id`: the settlement among
/// the logs that came with merges (`own`'s excepted, read already) that
/// made that version, if any did.
fn settled_elsewhere(
    conn: &Connection,
    id: Uuid,
    own: OwnLog,
    key: &[u8],
) -> Result<Option<std::collections::BTreeSet<String>>> {
    let own_db = match own {
        OwnLog::Audit => Uuid::nil(),
        OwnLog::Received(db) => db,
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT action, detail FROM received_audit
          WHERE item_id = ?1 AND source_db != ?2 AND action IN ({}, {})
            AND substr(coalesce(version, state), 1, ?3) = ?4
          ORDER BY seq LIMIT 1",
        Name::Action.sql("resolve-incoming"),
        Name::Action.sql("resolve-keep-local"),
    ))?;
    let found: Option<(String, Option<String>)> = stmt
        .query_row((id, own_db, key.len() as i64, key), |r| {
            Ok((Name::Action.get(r, 0)?, r.get(1)?))
        })
        .optional()?;
    Ok(found.and_then(|(a, d)| audit::settled_fields(&a, d.as_deref())))
}

/// A record's state in its history ([`states_in`]), and the fields the
/// entry that made it settled ([`audit::settled_fields`]).
struct State {
    json: String,
    settled: Option<std::collections::BTreeSet<String>>,
    /// The other side's version the entry that made it settled over,
    /// when it names one ([`over_version`]).
    over: Option<Vec<u8>>,
}

/// A version both `ours` and `theirs` (each side's states since what they
/// last shared) settled over, or merged field by field: the newest
/// version both sides hold.
fn common_over(ours: &[State], theirs: &[State]) -> Option<Vec<u8>> {
    ours.iter()
        .filter_map(|s| s.over.as_ref())
        .find(|v| theirs.iter().any(|t| t.over.as_ref() == Some(v)))
        .cloned()
}

/// The record's version `key` (a [`version_key`]), rebuilt from a log that
/// came with a merge and holds it: from the last version before it in
/// that log whose JSON is `known`, each entry's changes applied in turn,
/// and the result's hash checked against `key`. `None` when no log can
/// rebuild it (a deletion or an entry without its changes on the way).
fn rebuild_version<R: Record>(
    conn: &Connection,
    id: Uuid,
    key: &[u8],
    known: &[&str],
) -> Result<Option<String>> {
    let key_of = |s: &str| version_key(&audit::version_hash(R::KIND, s));
    let known: Vec<(Vec<u8>, &str)> = known.iter().map(|j| (key_of(j), *j)).collect();
    type Entry = (Uuid, Option<Vec<u8>>, Option<String>);
    let rows: Vec<Entry> = conn
        .prepare_cached(
            "SELECT source_db, substr(coalesce(version, state), 1, 16), detail FROM received_audit
              WHERE item_id = ?1 ORDER BY source_db, seq",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for log in rows.chunk_by(|a, b| a.0 == b.0) {
        let Some(at) = log.iter().position(|e| e.1.as_deref() == Some(key)) else {
            continue;
        };
        let from = log[..at].iter().rposition(|e| {
            e.1.as_ref()
                .is_some_and(|v| known.iter().any(|(k, _)| k == v))
        });
        let Some(from) = from else { continue };
        let start = known
            .iter()
            .find(|(k, _)| Some(k) == log[from].1.as_ref())
            .map(|(_, j)| *j)
            .unwrap_or_default();
        let Ok(mut cur) = serde_json::from_str::<Map<String, Value>>(start) else {
            continue;
        };
        let mut whole = true;
        for (_, state, detail) in &log[from + 1..=at] {
            let changes = match (state, detail) {
                (Some(_), Some(d)) => serde_json::from_str::<Map<String, Value>>(d).ok(),
                _ => None,
            };
            let Some(changes) = changes else {
                whole = false;
                break;
            };
            for (k, pair) in changes {
                match pair.as_array().map(Vec::as_slice) {
                    Some([_, new]) if new.is_null() => {
                        cur.remove(&k);
                    }
                    Some([_, new]) => {
                        cur.insert(k, new.clone());
                    }
                    _ => {}
                }
            }
        }
        if !whole {
            continue;
        }
        let Ok(rec) = serde_json::from_value::<R>(Value::Object(cur)) else {
            continue;
        };
        let json = records::to_json(&rec)?;
        if key_of(&json) == key {
            return Ok(Some(json));
        }
    }
    Ok(None)
}

/// The incoming versions (as [`version_key`]s) of the item's conflicts
/// still open here.
fn open_conflict_versions(
    conn: &Connection,
    id: Uuid,
) -> Result<std::collections::HashSet<Vec<u8>>> {
    let keys: Vec<String> = conn
        .prepare_cached(
            "SELECT incoming_key FROM conflicts WHERE item_id = ?1 AND status = 'open'",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(keys
        .iter()
        .filter_map(|k| audit::seal::unhex(k))
        .map(|v| version_key(&v))
        .collect())
}

/// The fields a merge of the versions `maps` decides one by one: each
/// any of them has, in order, less who wrote them when and a case's
/// reference (each notebook's own).
fn fields_to_merge<'a, R: Record>(maps: &[&'a serde_json::Map<String, Value>]) -> Vec<&'a String> {
    let mut keys: Vec<&String> = maps
        .iter()
        .flat_map(|m| m.keys())
        .filter(|k| {
            !(crate::domain::Meta::COLUMNS.contains(&k.as_str())
                || (R::KIND == ItemKind::Case && *k == "ref"))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The value a field of [`crossed_base`] holds when the two sides
/// decided it differently: equal to no value a record can hold, so that
/// the field merges only where both sides now agree.
fn decided_differently() -> Value {
    serde_json::json!({ "\u{0}decided differently": true })
}

/// A field's value in a conflict's "shared" column when the two posts
/// settled it differently (there is no one value both last shared).
pub const SETTLED_DIFFERENTLY: &str = "(settled differently)";

/// The base of a three-way merge whose two sides each moved on from a
/// version the other had not seen (a "criss-cross": each settled a
/// conflict of the two, or merged them field by field). Each side is its
/// states, newest first ([`states_in`]), and where among them the newest
/// earlier state the other side has seen stands. The two seen states are
/// merged field by field against the newest state they share (the
/// version both had before they diverged). A field both changed
/// differently was decided at one post or at both: decided by a
/// settlement since, at one post only, the other post's value is the
/// base (the settlement wins, unless that post changed the field again);
/// at both, or at neither, it holds [`decided_differently`] and merges
/// only where both sides now agree. With no state shared, every field the
/// two give differently holds it. Returns the base to merge against and
/// the same with those fields shown as "(settled differently)", for the
/// conflict's "shared" column.
fn crossed_base<R: Record>(ours: (&[State], usize), theirs: (&[State], usize)) -> (String, String) {
    use std::collections::BTreeSet;
    type Obj = serde_json::Map<String, Value>;
    let parse = |s: &str| serde_json::from_str::<Obj>(s).unwrap_or_default();
    let key_of = |s: &str| version_key(&audit::version_hash(R::KIND, s));
    // What the settlements made after the seen state decided: `None` for
    // every field (one that named none).
    let decided = |(states, at): (&[State], usize)| -> Option<BTreeSet<String>> {
        let mut all = BTreeSet::new();
        for s in &states[..at] {
            match &s.settled {
                Some(f) if f.is_empty() => return None,
                Some(f) => all.extend(f.iter().cloned()),
                None => {}
            }
        }
        Some(all)
    };
    let by = |d: &Option<BTreeSet<String>>, k: &str| d.as_ref().is_none_or(|d| d.contains(k));
    let (here, there) = (decided(ours), decided(theirs));
    let their_keys: std::collections::HashSet<Vec<u8>> = theirs.0[theirs.1..]
        .iter()
        .map(|s| key_of(&s.json))
        .collect();
    let shared = ours.0[ours.1..]
        .iter()
        .find(|s| their_keys.contains(&key_of(&s.json)))
        .map(|s| parse(&s.json));
    let (l, i) = (parse(&ours.0[ours.1].json), parse(&theirs.0[theirs.1].json));
    // (And as the two sides stand now.)
    let (now_l, now_i) = (parse(&ours.0[0].json), parse(&theirs.0[0].json));
    let get = |m: &Obj, k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    let mut base = l.clone();
    let mut differently = Vec::new();
    for k in fields_to_merge::<R>(&[&l, &i]) {
        let (lv, iv) = (get(&l, k), get(&i, k));
        let v = match &shared {
            // Each side settled it since, and they now give it otherwise:
            // decided differently, whatever the states each had seen of
            // the other say (the side whose seen state kept the shared
            // value was taken as not having changed it, and the other
            // side's settlement overwrote its own without a word).
            _ if by(&here, k) && by(&there, k) && get(&now_l, k) != get(&now_i, k) => {
                differently.push(k.clone());
                decided_differently()
            }
            _ if lv == iv => lv,
            Some(a) if get(a, k) == lv => iv,
            Some(a) if get(a, k) == iv => lv,
            Some(_) if by(&here, k) && !by(&there, k) => iv,
            Some(_) if by(&there, k) && !by(&here, k) => lv,
            _ => {
                differently.push(k.clone());
                decided_differently()
            }
        };
        if v.is_null() {
            base.remove(k.as_str());
        } else {
            base.insert(k.clone(), v);
        }
    }
    let mut shown = base.clone();
    for k in differently {
        shown.insert(k, Value::String(SETTLED_DIFFERENTLY.into()));
    }
    let text = |m: Obj| Value::Object(m).to_string();
    (text(base), text(shown))
}

/// The base of a three-way merge against `shared`, the version both
/// sides last shared, where each side settled conflicts since (`ours`,
/// `theirs`: the states each made after it): a field both settlements
/// named that the two sides now give differently holds
/// [`decided_differently`] (a conflict, its "shared" column saying
/// "(settled differently)"). Returns the base and the same as shown.
fn decided_at_both(
    ours: &[State],
    theirs: &[State],
    shared: &str,
    (local, incoming): (&str, &str),
) -> (String, String) {
    use std::collections::BTreeSet;
    type Obj = serde_json::Map<String, Value>;
    let named = |states: &[State]| -> BTreeSet<String> {
        states
            .iter()
            .filter_map(|s| s.settled.as_ref())
            .flatten()
            .cloned()
            .collect()
    };
    let parse = |s: &str| serde_json::from_str::<Obj>(s).unwrap_or_default();
    let (l, i) = (parse(local), parse(incoming));
    let mut base = parse(shared);
    let mut shown = base.clone();
    let both: Vec<String> = named(ours).intersection(&named(theirs)).cloned().collect();
    for k in both {
        if l.get(&k) != i.get(&k) {
            base.insert(k.clone(), decided_differently());
            shown.insert(k, Value::String(SETTLED_DIFFERENTLY.into()));
        }
    }
    let text = |m: Obj| Value::Object(m).to_string();
    (text(base), text(shown))
}

/// What a three-way merge of one record makes of the version here and the
/// incoming one, against the version both last shared.
enum ThreeWay {
    Merged(String),
    Fields {
        ours: String,
        theirs: String,
    },
    /// They cannot be merged field by field (the result would not be a
    /// valid record): a conflict of the whole.
    Whole,
}

/// Merges field by field: a field changed on one side only since `base`
/// takes that side's value; changed on both to the same value, that
/// value; changed differently, a conflict on that field. The provenance
/// of the change is that of the side changed last. A case's reference is
/// this file's own and is not merged.
fn merge_fields<R: Record>(base: &str, local: &str, incoming: &str) -> Result<ThreeWay> {
    type Obj = serde_json::Map<String, Value>;
    let parse = |s: &str| serde_json::from_str::<Obj>(s).unwrap_or_default();
    let (b, l, i) = (parse(base), parse(local), parse(incoming));
    let at = |m: &Obj| {
        (
            m.get("updated_at")
                .cloned()
                .unwrap_or(Value::Null)
                .to_string(),
            m.get("updated_by")
                .cloned()
                .unwrap_or(Value::Null)
                .to_string(),
        )
    };
    let null = Value::Null;
    let get = |m: &Obj, k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    let mut merged = if at(&i) > at(&l) {
        i.clone()
    } else {
        l.clone()
    };
    let mut clashes = Vec::new();
    for k in fields_to_merge::<R>(&[&b, &l, &i]) {
        let (bv, lv, iv) = (get(&b, k), get(&l, k), get(&i, k));
        let pick = if lv == iv || iv == bv {
            lv
        } else if lv == bv {
            iv
        } else {
            clashes.push(k.clone());
            lv
        };
        if pick == null {
            merged.remove(k.as_str());
        } else {
            merged.insert(k.clone(), pick);
        }
    }
    let make = |m: &Obj| -> Option<String> {
        let rec: R = serde_json::from_value(Value::Object(m.clone())).ok()?;
        crate::domain::record::validate(&rec).ok()?;
        records::to_json(&rec).ok()
    };
    let Some(ours) = make(&merged) else {
        return Ok(ThreeWay::Whole);
    };
    if clashes.is_empty() {
        return Ok(ThreeWay::Merged(ours));
    }
    // The record here keeps its value of each clashing field until a
    // person chooses: it keeps who changed it here, and when, too (it
    // took the later side's, so a value written here read as the
    // partner's, and passed on as theirs).
    let mut ours_kept = merged.clone();
    for k in crate::domain::Meta::COLUMNS {
        if k.starts_with("updated_") {
            match l.get(k) {
                Some(v) => ours_kept.insert(k.to_string(), v.clone()),
                None => ours_kept.remove(k),
            };
        }
    }
    let Some(ours) = make(&ours_kept) else {
        return Ok(ThreeWay::Whole);
    };
    let mut theirs = merged;
    for k in &clashes {
        match i.get(k) {
            Some(v) if !v.is_null() => theirs.insert(k.clone(), v.clone()),
            _ => theirs.remove(k.as_str()),
        };
    }
    Ok(match make(&theirs) {
        Some(theirs) => ThreeWay::Fields { ours, theirs },
        None => ThreeWay::Whole,
    })
}

impl Merger<'_> {
    fn one<R: Record>(
        &mut self,
        w: &mut Writer<'_>,
        mut incoming: R,
        mut worked: Option<records::Worked>,
    ) -> Result<()> {
        let id = incoming.meta().id;
        let local: Option<R> = records::get(&w.tx, id)?;
        // A note of a redacted file came without the source and grading
        // its sender stripped: absent, not emptied. It is what it says
        // with ours (a text edit sent redacted was a conflict whose
        // "incoming" emptied them, and, taken, they were wiped at every
        // post the version went on to).
        if self.redacted
            && R::KIND == ItemKind::Note
            && let Some(l) = &local
            && let Some(given) =
                sources_put_back(&records::to_json(&incoming)?, &records::to_json(l)?)
        {
            incoming =
                serde_json::from_str(&given).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            worked = None;
        }
        let mut foreign_ref = None;
        if R::KIND == ItemKind::Case {
            foreign_ref = self.localise_case_ref(w, &mut incoming, local.as_ref())?;
        }
        // (What the second thread worked out of the record as it came: a
        // case's, whose reference may have changed since, is not used.)
        let (incoming_enc, given) = match worked {
            Some(wk) if R::KIND != ItemKind::Case => {
                (wk.encoded, (wk.identifiers, Some(wk.created)))
            }
            _ => (records::encoded(&incoming)?, (None, None)),
        };
        let incoming_json = incoming_enc.json();
        // (Read as a map only by kinds that hang on other items: most
        // records are parcels, which hang on none.)
        let inc_value: Value = if parent_fields(R::KIND).is_empty() {
            Value::Null
        } else {
            serde_json::from_str(incoming_json)
                .map_err(|_| StoreError::Corrupt(format!("{} {id}: unreadable", R::KIND)))?
        };
        let inc_v = audit::version_hash(R::KIND, incoming_json).to_vec();
        let key = audit::hex(&inc_v);
        let decided: Option<String> =
            w.tx.prepare_cached(
                "SELECT status FROM conflicts WHERE item_id = ?1 AND incoming_key = ?2",
            )?
            .query_row((id, &key), |r| r.get(0))
            .optional()?;
        let local_json = local.as_ref().map(records::to_json).transpose()?;
        // A note of a redacted file that is the note here with its source
        // and grading stripped is that note, not an edit of it (both
        // sides were said to have edited it, and taking "theirs" erased
        // the grading here).
        let redaction_of_ours = self.redacted
            && local.as_ref().is_some_and(|l| {
                (l as &dyn std::any::Any)
                    .downcast_ref::<crate::domain::Note>()
                    .is_some_and(|n| {
                        let mut bare = n.clone();
                        bare.strip_sources();
                        records::to_json(&bare).is_ok_and(|b| b == incoming_json)
                    })
            });
        let outcome = match (&decided, &local_json) {
            _ if redaction_of_ours => Outcome::Unchanged,
            // Met here as a conflict with this deletion, and the partner
            // has since kept it over the deletion: it comes back. (Waiting
            // open, it met the same conflict again on every merge, and the
            // posts never met; settled here by keeping the deletion, it
            // stayed deleted though the partner kept it over that
            // settlement's deletion.)
            (Some(_), None) if deleted_here(&w.tx, id)? && self.kept_over_deletion(w, id)? => {
                Outcome::Restore
            }
            (Some(s), _) if s != "open" => Outcome::Unchanged,
            (Some(_), l) => Outcome::Conflict { local: l.clone() },
            (None, Some(l)) => {
                let loc_v = audit::version_hash(R::KIND, l).to_vec();
                // What each side has seen, each read once (the three-way
                // merge reads both again): `None` when the version here is
                // the incoming one, or moved on from it.
                let seen = if loc_v == inc_v {
                    None
                } else {
                    let ours = seen_versions(&w.tx, id, OwnLog::Audit)?;
                    match ours.contains(&version_key(&inc_v)) {
                        true => None,
                        false => Some((ours, seen_versions(self.src, id, self.file_log())?)),
                    }
                };
                match seen {
                    None => Outcome::Unchanged,
                    Some((_, theirs)) if theirs.contains(&version_key(&loc_v)) => {
                        Outcome::Put { added: false }
                    }
                    // A redacted note comes without its history: newer
                    // than the version here when that one is the sender's
                    // own, from its log as known here, and it is not
                    // (the sender's log is one line; what is known of it
                    // here, its start). It was a conflict, though nothing
                    // was edited here.
                    // (And written after it: an older redacted file
                    // after a newer full one, its fields put back, is a
                    // version no log holds.)
                    _ if self.redacted
                        && R::KIND == ItemKind::Note
                        && incoming.meta().updated_at
                            > local
                                .as_ref()
                                .map_or(String::new(), |l| l.meta().updated_at.clone())
                        && in_received_log(&w.tx, self.log_db, id, &loc_v)?
                        && !in_received_log(&w.tx, self.log_db, id, &inc_v)? =>
                    {
                        Outcome::Put { added: false }
                    }
                    // Neither side saw the other's version, and they say
                    // the same (a record that came back through a MISP
                    // event, written anew there): nothing to choose
                    // between, and who first wrote it here stays. Two
                    // posts that made one record the same edit take the
                    // later edit's stamp, both alike (each kept its own,
                    // and they never converged).
                    _ if same_data(l, incoming_json) => {
                        let here: Option<crate::domain::meta::Meta> = serde_json::from_str(l).ok();
                        let there = incoming.meta();
                        let later = here.is_some_and(|h| {
                            h.created_at == there.created_at
                                && h.created_by == there.created_by
                                && h.origin_db == there.origin_db
                                && (there.updated_at.as_str(), there.updated_by.as_str())
                                    > (h.updated_at.as_str(), h.updated_by.as_str())
                        });
                        if later {
                            Outcome::Put { added: false }
                        } else {
                            Outcome::Unchanged
                        }
                    }
                    Some(seen) => self.three_way::<R>(w, id, l, incoming_json, seen)?,
                }
            }
            (None, None) if deleted_here(&w.tx, id)? => {
                if self.kept_over_deletion(w, id)? {
                    Outcome::Restore
                } else if kept_over_our_deletion(&w.tx, self.src, id)? {
                    Outcome::Conflict { local: None }
                } else if seen_versions(&w.tx, id, OwnLog::Audit)?.contains(&version_key(&inc_v))
                    // Or deleted here as a partner's deletion was taken,
                    // by a post that had seen this version: an older
                    // file arriving after the newer one (a retracted
                    // note came back as a conflict, one choice from
                    // being restored).
                    || deleted_elsewhere(&w.tx, R::KIND, id)?
                        .is_some_and(|vs| vs.contains(&version_key(&inc_v)))
                {
                    Outcome::Unchanged
                } else {
                    Outcome::Conflict { local: None }
                }
            }
            (None, None) if !self.deleted_elsewhere.contains(&id) => Outcome::Put { added: true },
            (None, None) => match deleted_elsewhere(&w.tx, R::KIND, id)? {
                // Never here, but deleted at a post whose history came
                // here with an earlier merge: a version the deleter had
                // seen stays deleted; one edited since meets the deletion
                // as a conflict. (An older copy from a third post brought
                // a retracted note back, without a word.)
                Some(vs) if vs.contains(&version_key(&inc_v)) => Outcome::Unchanged,
                Some(_) => Outcome::Conflict { local: None },
                None => Outcome::Put { added: true },
            },
        };
        // A record whose parent is missing here (deleted, or itself in
        // conflict) waits as a conflict rather than dangling.
        let outcome = match outcome {
            Outcome::Put { .. } if !self.parents_present(w, R::KIND, &inc_value)? => {
                self.offer_deleted_parents(w, R::KIND, &inc_value, 0)?;
                Outcome::Conflict {
                    local: local_json.clone(),
                }
            }
            o => o,
        };
        // A merged version hangs on what the record's fields name.
        let outcome = match outcome {
            Outcome::Merged(ref m) | Outcome::Fields { ours: ref m, .. }
                if !self.parents_present(
                    w,
                    R::KIND,
                    &serde_json::from_str(m).unwrap_or_default(),
                )? =>
            {
                Outcome::Conflict {
                    local: local_json.clone(),
                }
            }
            o => o,
        };
        // A partner's version that would loosen the record's handling
        // label here (RED or AMBER+STRICT to GREEN) is never taken without
        // a person: the label is the originator's promise to its sources,
        // and a loosened one went out in the next plain export.
        let outcome = match (&outcome, &local_json) {
            (Outcome::Put { added: false }, Some(l)) if loosens(l, incoming_json) => {
                Outcome::Conflict {
                    local: Some(l.clone()),
                }
            }
            (Outcome::Merged(m), Some(l)) if loosens(l, m) => Outcome::Conflict {
                local: Some(l.clone()),
            },
            _ => outcome,
        };
        // Anything but a record new here reads or replaces rows of the
        // index: the rows this step holds back go in first.
        if !matches!(outcome, Outcome::Put { added: true }) {
            w.write_held_index()?;
        }
        let filed = matches!(outcome, Outcome::Conflict { .. } | Outcome::Fields { .. });
        let restored = matches!(outcome, Outcome::Restore);
        match outcome {
            Outcome::Restore => {
                records::put_in_hand(
                    w,
                    &incoming,
                    "merge",
                    self.in_hand(None, incoming_enc, given),
                )?;
                self.report.brought_back += super::conflicts::restore_what_hung_on(w, id)?;
                provenance(w, self.source_id, id, "updated", foreign_ref.as_deref())?;
                self.report.updated += 1;
            }
            Outcome::Merged(json) => {
                let rec: R =
                    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.renumbered(local.as_ref(), &rec);
                // (Naming the file's version it merged with ours: a post
                // that meets the entry knows that version seen here.)
                let over = records::Settles {
                    fields: &[],
                    over: Some(&key),
                };
                records::put_settled(w, &rec, audit::MERGED_FIELDS, over)?;
                provenance(w, self.source_id, id, "updated", foreign_ref.as_deref())?;
                self.report.updated += 1;
            }
            Outcome::Fields { ours, theirs, base } => {
                // The fields that merge are written now; the one both
                // changed waits.
                if local_json.as_deref() != Some(ours.as_str()) {
                    let rec: R = serde_json::from_str(&ours)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    records::put_verbatim(w, &rec, "merge")?;
                    provenance(w, self.source_id, id, "updated", foreign_ref.as_deref())?;
                }
                self.report.conflicts += 1;
                self.report.new_conflicts += file_conflict(
                    w,
                    self.source_id,
                    &Filed {
                        kind: R::KIND,
                        id,
                        local: Some(&ours),
                        incoming: &theirs,
                        key: &key,
                        base: Some(&base),
                    },
                )?;
            }
            Outcome::Unchanged => self.report.unchanged += 1,
            Outcome::Put { added } => {
                // A parcel new here whose tracking number another parcel
                // here has: said (the rows this step holds back are not
                // asked: they are the file's own).
                if added
                    && self.parcels_here
                    && let Some(p) =
                        (&incoming as &dyn std::any::Any).downcast_ref::<crate::domain::Parcel>()
                    && let Some(here) = crate::store::create::tracked_by_another(&w.tx, p)?
                {
                    self.report.same_tracking.push(SameTracking {
                        tracking: p.tracking.clone(),
                        received: id,
                        here,
                    });
                }
                if added && matches!(R::KIND, ItemKind::Person | ItemKind::Organisation) {
                    let name = {
                        let any = &incoming as &dyn std::any::Any;
                        any.downcast_ref::<crate::domain::Person>()
                            .map(|p| p.name.clone())
                            .or_else(|| {
                                any.downcast_ref::<crate::domain::Organisation>()
                                    .map(|o| o.name.clone())
                            })
                    };
                    if let Some(name) = name
                        && let Some((_, here)) = refs::parties_called(&w.tx, &name)?
                            .into_iter()
                            .find(|(k, other)| *k == R::KIND && *other != id)
                    {
                        self.report.same_name.push(SameTracking {
                            tracking: format!("{} {name}", R::KIND),
                            received: id,
                            here,
                        });
                    }
                }
                if added
                    && self.links_here
                    && let Some(l) =
                        (&incoming as &dyn std::any::Any).downcast_ref::<crate::domain::Link>()
                    && let Some(here) = crate::store::create::same_link(&w.tx, l)?
                {
                    self.report.same_link.push(SameTracking {
                        tracking: format!(
                            "{} {} {}",
                            records::label_of(&w.tx, l.from_kind, l.from_id)?,
                            l.link_type,
                            records::label_of(&w.tx, l.to_kind, l.to_id)?
                        ),
                        received: id,
                        here,
                    });
                }
                if !added {
                    self.renumbered(local.as_ref(), &incoming);
                }
                if added
                    && let Some(x) = (&incoming as &dyn std::any::Any)
                        .downcast_ref::<crate::domain::evidence::Exhibit>()
                {
                    let held = self
                        .exhibit_numbers
                        .entry(refs::exhibit_number_key(&x.number))
                        .or_default();
                    if let Some(&here) = held.iter().find(|other| **other != id) {
                        self.report.same_exhibit_number.push(SameTracking {
                            tracking: x.number.clone(),
                            received: id,
                            here,
                        });
                    }
                    if !held.contains(&id) {
                        held.push(id);
                    }
                }
                let hand = self.in_hand(local.as_ref(), incoming_enc, given);
                records::put_in_hand(w, &incoming, "merge", hand)?;
                let action = if added { "added" } else { "updated" };
                provenance(w, self.source_id, id, action, foreign_ref.as_deref())?;
                if added {
                    self.report.added += 1;
                } else {
                    self.report.updated += 1;
                }
            }
            Outcome::Conflict { local } => {
                self.report.conflicts += 1;
                self.report.new_conflicts += file_conflict(
                    w,
                    self.source_id,
                    &Filed {
                        kind: R::KIND,
                        id,
                        local: local.as_deref(),
                        incoming: incoming_json,
                        key: &key,
                        base: None,
                    },
                )?;
            }
        }
        // Conflicts of the item the file's side had moved on from (the
        // partner settled them, here or through a third post's file):
        // closed when the record was taken, merged field by field or
        // found the same. (Beside a conflict this merge files, an older
        // one stays, to be settled oldest first.)
        if self.open_conflicts.contains(&id) && !filed {
            // (A record brought back closes its own conflict too.)
            let except = (!restored).then_some(key.as_str());
            self.report.settled_there += close_settled_there(
                w,
                self.src,
                self.file_log(),
                id,
                &self.report.signer,
                except,
            )?;
        }
        Ok(())
    }

    /// What a merge holds of an incoming record it writes as it came:
    /// the version here (`local`, read in this step), the record checked
    /// with the whole file before any step (a case's reference made local
    /// since: checked again), and encoded.
    fn in_hand<'a, R: Record>(
        &self,
        local: Option<&'a R>,
        encoded: records::Encoded,
        (identifiers, created): Given,
    ) -> records::InHand<'a, R> {
        records::InHand {
            before: local,
            checked: R::KIND != ItemKind::Case,
            encoded,
            identifiers,
            created,
            settles: records::Settles::default(),
        }
    }

    /// Whether the file's side kept the item over the deletion here
    /// ([`kept_over_our_deletion`]), and over every settlement known here
    /// that kept a deletion of it ([`deletion_settled_unanswered`]): else
    /// the two settled it differently, and it waits as a conflict.
    fn kept_over_deletion(&self, w: &Writer<'_>, id: Uuid) -> Result<bool> {
        Ok(kept_over_our_deletion(&w.tx, self.src, id)?
            && !deletion_settled_unanswered(&w.tx, self.src, id)?)
    }

    /// The file's own log: its exporter's.
    fn file_log(&self) -> OwnLog {
        OwnLog::Received(self.log_db)
    }

    /// A record changed on both sides since they diverged: merged field
    /// by field against the newest version here that the file's side has
    /// seen (the one they last shared), or a conflict of the whole when
    /// there is none or the merge would not make a valid record.
    fn three_way<R: Record>(
        &self,
        w: &Writer<'_>,
        id: Uuid,
        local: &str,
        incoming: &str,
        (ours, theirs): (Vec<Vec<u8>>, Vec<Vec<u8>>),
    ) -> Result<Outcome> {
        let whole = Outcome::Conflict {
            local: Some(local.to_string()),
        };
        use std::collections::HashSet;
        let key_of = |s: &str| version_key(&audit::version_hash(R::KIND, s));
        let theirs: HashSet<Vec<u8>> = theirs.into_iter().collect();
        let here = states_in::<R>(&w.tx, id, local, OwnLog::Audit)?;
        let Some(at_here) = (1..here.len()).find(|&i| theirs.contains(&key_of(&here[i].json)))
        else {
            // A note that went out with its source and grading stripped
            // (`--redact-sources`) and came back, or that came here so and
            // now comes with them: what the two sides shared is one's
            // redaction of the other's version (every such note was met
            // as a conflict of the whole, and taking the partner's edit
            // wiped the grading here).
            if R::KIND == ItemKind::Note {
                // Came back: merged against our version they had
                // stripped, with its source and grading, which they never
                // saw, so never changed.
                let shared = (0..here.len()).find(|&i| {
                    redacted_note(&here[i].json).is_some_and(|r| theirs.contains(&key_of(&r)))
                });
                if let Some(i) = shared
                    && let Some(given) = sources_put_back(incoming, &here[i].json)
                {
                    let base = &here[i].json;
                    let merged = outcome_of::<R>(base, local, &given, base, whole)?;
                    // (Theirs is the version with our source and grading,
                    // never the file's without them.)
                    return Ok(match merged {
                        Outcome::Put { .. } if same_data(&given, local) => Outcome::Unchanged,
                        Outcome::Put { .. } => Outcome::Merged(given),
                        o => o,
                    });
                }
                // Comes with them: merged against the stripped version
                // this side had of theirs.
                let there = states_in::<R>(self.src, id, incoming, self.file_log())?;
                let seen: HashSet<&Vec<u8>> = ours.iter().collect();
                if let Some(base) = there
                    .iter()
                    .filter_map(|t| redacted_note(&t.json))
                    .find(|r| seen.contains(&key_of(r)))
                {
                    return outcome_of::<R>(&base, local, incoming, &base, whole);
                }
            }
            // The version here was first written here by a merge (no
            // state of ours before it), but the file's history reaches a
            // version this side has seen: merged against that one (a
            // record two partners edited in different fields, reaching a
            // post by two routes, was a conflict of the whole, and its
            // settlement dropped one partner's edit everywhere).
            let waiting = open_conflict_versions(&w.tx, id)?;
            let there = states_in::<R>(self.src, id, incoming, self.file_log())?;
            if let Some(j) = (1..there.len()).find(|&i| {
                let k = key_of(&there[i].json);
                !waiting.contains(&k) && ours.contains(&k)
            }) {
                let base = &there[j].json;
                return outcome_of::<R>(base, local, incoming, base, whole);
            }
            return Ok(whole);
        };
        // The newest of the file's earlier states that this side has seen.
        // When it is not the one above, each side moved on from a version
        // the other had not seen (each settled a conflict of the two, or
        // merged them field by field, before it saw the other's): the
        // base is the two merged against what they shared, and a field
        // the two decided differently is a conflict of its own (the two
        // posts' settlements were swapped, or the earlier stood at both,
        // without a word).
        // (Less the versions still waiting here as conflicts: made before
        // a settlement of another conflict of the record, they count as
        // seen, and one taken as the base passed the partner's edit over.)
        let waiting = open_conflict_versions(&w.tx, id)?;
        let ours: HashSet<Vec<u8>> = ours.into_iter().filter(|v| !waiting.contains(v)).collect();
        let there = states_in::<R>(self.src, id, incoming, self.file_log())?;
        let at_there = (1..there.len()).find(|&i| ours.contains(&key_of(&there[i].json)));
        // Both sides moved on from one version of a third post's since
        // what they shared (one merged it field by field, the other
        // settled over it): that version is the base, its fields rebuilt
        // from the log that holds it (a post that merged a partner's edit
        // met another post's settlement of that edit as a conflict of a
        // field it never touched, shared as the value before both).
        if let Some(j) = at_there
            && let Some(v) = common_over(&here[..at_here], &there[..j])
        {
            let known: Vec<&str> = here.iter().chain(&there).map(|s| s.json.as_str()).collect();
            let rebuilt = match rebuild_version::<R>(&w.tx, id, &v, &known)? {
                Some(json) => Some(json),
                None => rebuild_version::<R>(self.src, id, &v, &known)?,
            };
            if let Some(json) = rebuilt {
                let (base, shown) =
                    decided_at_both(&here[..at_here], &there[..j], &json, (local, incoming));
                return outcome_of::<R>(&base, local, incoming, &shown, whole);
            }
        }
        let (base, shown) = match at_there {
            Some(j) if key_of(&there[j].json) != key_of(&here[at_here].json) => {
                crossed_base::<R>((&here, at_here), (&there, j))
            }
            // Both moved on from the one version they last shared; a field
            // each settled since, each before it saw the other's
            // settlement, to values that differ, was decided differently
            // (a third post that had kept the shared value took the
            // editor's other settlement by a merge of the fields, its own
            // overwritten without a word).
            Some(j) => decided_at_both(
                &here[..at_here],
                &there[..j],
                &here[at_here].json,
                (local, incoming),
            ),
            None => (here[at_here].json.clone(), here[at_here].json.clone()),
        };
        outcome_of::<R>(&base, local, incoming, &shown, whole)
    }

    /// Keeps [`Self::exhibit_numbers`] as the merge writes: an exhibit
    /// here renumbered by the file is under its new number (under its old
    /// one, an exhibit the file added with that number was said to repeat
    /// it).
    fn renumbered<R: Record>(&mut self, local: Option<&R>, now: &R) {
        use crate::domain::evidence::Exhibit;
        let (Some(old), Some(new)) = (
            local.and_then(|l| (l as &dyn std::any::Any).downcast_ref::<Exhibit>()),
            (now as &dyn std::any::Any).downcast_ref::<Exhibit>(),
        ) else {
            return;
        };
        let (was, is) = (
            refs::exhibit_number_key(&old.number),
            refs::exhibit_number_key(&new.number),
        );
        if was == is {
            return;
        }
        let id = new.meta.id;
        if let Some(held) = self.exhibit_numbers.get_mut(&was) {
            held.retain(|other| *other != id);
        }
        let held = self.exhibit_numbers.entry(is).or_default();
        if !held.contains(&id) {
            held.push(id);
        }
    }

    /// The items a record new to this notebook hangs on that were
    /// deleted here, and that the file holds (a case deleted here while a
    /// partner added a parcel or a note to it): each offered as a conflict
    /// of its own, the file's version against the deletion, so that
    /// taking it brings it back with what was deleted with it and the
    /// records waiting on it can then be taken. (Only the records waited,
    /// refused for ever with "resolve the conflict of that item first",
    /// of which there was none: the deleted item, unchanged there, was
    /// merged as unchanged.) To what those hang on in turn, four deep.
    fn offer_deleted_parents(
        &mut self,
        w: &Writer<'_>,
        kind: ItemKind,
        v: &Value,
        depth: usize,
    ) -> Result<()> {
        if depth > 4 {
            return Ok(());
        }
        for (pid, pkind) in parents_with_kinds(kind, v) {
            if refs::kind_of_id(&w.tx, pid)?.is_some() || !deleted_here(&w.tx, pid)? {
                continue;
            }
            let Some(pkind) = pkind.or(refs::kind_of_id(self.src, pid)?) else {
                continue;
            };
            let json = crate::with_record_type!(pkind, P => {
                records::get::<P>(self.src, pid)?.map(|p| records::to_json(&p)).transpose()?
            });
            let Some(json) = json else {
                continue;
            };
            let key = audit::hex(&audit::version_hash(pkind, &json));
            let filed = file_conflict(
                w,
                self.source_id,
                &Filed {
                    kind: pkind,
                    id: pid,
                    local: None,
                    incoming: &json,
                    key: &key,
                    base: None,
                },
            )?;
            self.report.conflicts += filed;
            self.report.new_conflicts += filed;
            if let Ok(pv) = serde_json::from_str::<Value>(&json) {
                self.offer_deleted_parents(w, pkind, &pv, depth + 1)?;
            }
        }
        Ok(())
    }

    fn parents_present(&self, w: &Writer<'_>, kind: ItemKind, v: &Value) -> Result<bool> {
        for p in depends_on(kind, v) {
            if refs::kind_of_id(&w.tx, p)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Case references are per file: an incoming case keeps the local
    /// reference of the same case, and one whose reference is taken here
    /// by another case gets the next free one. Returns the reference it
    /// had there when it changed.
    fn localise_case_ref<R: Record>(
        &mut self,
        w: &Writer<'_>,
        incoming: &mut R,
        local: Option<&R>,
    ) -> Result<Option<String>> {
        let id = incoming.meta().id;
        let there = case_ref(incoming)?;
        let here = case_ref_here(&w.tx, id, &there)?;
        if here == there {
            return Ok(None);
        }
        if local.is_none() {
            self.report.renumbered.push(Renumbered {
                case_id: id,
                there: sanitize(&there).into_owned(),
                here: here.clone(),
            });
        }
        set_case_ref(incoming, &here)?;
        Ok(Some(there))
    }

    /// One incoming record: unchanged when held here exactly as the file
    /// holds it (`None`: such a record, not read), else merged; progress
    /// every thousand.
    fn visit<R: Record>(
        &mut self,
        w: &mut Writer<'_>,
        r: Option<R>,
        worked: Option<records::Worked>,
        same: &std::collections::HashSet<Uuid>,
    ) -> Result<()> {
        match r {
            Some(r) if !same.contains(&r.meta().id) => self.one(w, r, worked)?,
            _ => self.report.unchanged += 1,
        }
        self.done += 1;
        if self.done.is_multiple_of(1000) {
            (self.progress)(self.done, self.total);
        }
        Ok(())
    }

    /// Whether the notebook holds every record of the kind exactly as the
    /// file does (merging a file again, most kinds): then each is counted
    /// unchanged, none read.
    fn all_same<R: Record>(&mut self, same: &std::collections::HashSet<Uuid>) -> Result<bool> {
        let n = records::count_kind(self.src, R::KIND)? as usize;
        if same.len() != n {
            return Ok(false);
        }
        self.report.unchanged += n;
        self.done += n;
        // (The last word, all done, is the merge's own, said once.)
        if n > 0 && self.done < self.total {
            (self.progress)(self.done, self.total);
        }
        Ok(true)
    }

    /// Merges the records of a kind numbered after `after`, 64 at a time,
    /// until a step's time is up; returns the last number merged (none
    /// when the kind is done). The identifier rows of the items it adds
    /// are written together at its end, in key order (each index page
    /// filled once, not one insert a record through the whole B-tree),
    /// unless screening a parcel would read them before.
    fn chunk<R: Record>(
        &mut self,
        w: &mut Writer<'_>,
        mut after: i64,
        same: &std::collections::HashSet<Uuid>,
    ) -> Result<Option<i64>> {
        w.hold_index()?;
        let started = Instant::now();
        let src = self.src;
        // A second thread works out what needs nothing but the record (its
        // encoding, identifiers and audit entry as a new item) for the
        // batch this one has just read, while this one reads the next and
        // writes the batch before. A batch read ahead when the step's
        // time is up is read again by the next step.
        std::thread::scope(|scope| {
            let (to_work, work) = std::sync::mpsc::sync_channel::<Vec<(i64, Option<R>)>>(1);
            let (done_tx, done) = std::sync::mpsc::sync_channel::<Batch<R>>(1);
            scope.spawn(move || {
                for batch in work {
                    let out = batch
                        .into_iter()
                        .map(|(n, r)| {
                            let wk = r.as_ref().filter(|r| !same.contains(&r.meta().id));
                            let wk = wk
                                .filter(|_| R::KIND != ItemKind::Case)
                                .and_then(|r| records::worked(r).ok());
                            (n, r, wk)
                        })
                        .collect();
                    if done_tx.send(out).is_err() {
                        return;
                    }
                }
            });
            let read = |after: i64| -> Result<Vec<(i64, Option<R>)>> {
                let mut batch = Vec::with_capacity(64);
                records::each_numbered_after_but::<R>(src, after, 64, same, |n, r| {
                    batch.push((n, r));
                    Ok(())
                })?;
                Ok(batch)
            };
            let gone = || StoreError::Corrupt("the merge's second thread stopped".into());
            let first = read(after)?;
            let Some(&(mut read_to, _)) = first.last() else {
                return Ok(None);
            };
            to_work.send(first).map_err(|_| gone())?;
            let mut last = None;
            loop {
                let ahead = read(read_to)?;
                let more = match ahead.last() {
                    Some(&(n, _)) => {
                        read_to = n;
                        to_work.send(ahead).map_err(|_| gone())?;
                        true
                    }
                    None => false,
                };
                for (n, r, wk) in done.recv().map_err(|_| gone())? {
                    self.visit(w, r, wk, same)?;
                    after = n;
                    last = Some(after);
                }
                if !more || started.elapsed() >= STEP_TIME {
                    return Ok(last);
                }
            }
        })
    }

    /// Merges one kind in steps from number `after` on, each step with
    /// its progress.
    fn kind_in_steps<R: Record>(
        &mut self,
        dst: &mut Store,
        step: usize,
        mut after: i64,
        history: usize,
    ) -> Result<()> {
        // Read outside any write: records held here exactly as the file
        // holds them (cases are made local first, so never "the same").
        let same = self.same.remove(&R::KIND).unwrap_or_default();
        if after == 0 && self.all_same::<R>(&same)? {
            return Ok(());
        }
        loop {
            let source_id = self.source_id;
            let done = dst.write(|w| {
                let last = self.chunk::<R>(w, after, &same)?;
                let at = last.unwrap_or(after);
                save_progress(w, source_id, &self.report, step, at, history)?;
                Ok(last)
            })?;
            match done {
                Some(n) => after = n,
                None => return Ok(()),
            }
        }
    }

    fn kind<R: Record>(&mut self, w: &mut Writer<'_>) -> Result<()> {
        let src = self.src;
        // Records this notebook holds exactly as the file does (merging a
        // file again, most of them) are unchanged without further ado.
        let same = self.same.remove(&R::KIND).unwrap_or_default();
        if self.all_same::<R>(&same)? {
            return Ok(());
        }
        records::each::<R, _>(src, "1", [], usize::MAX, 0, |r| {
            self.visit(w, Some(r), None, &same)
        })
    }
}

/// How long one step of a merge writes before it commits (as long as a
/// batch of an import).
const STEP_TIME: Duration = crate::store::BATCH_TIME;

/// A merge's state while it runs, in its `sources` row: the report so
/// far, and the step (a kind, in merge order, then the histories) and
/// record number it has reached.
#[derive(Serialize, Deserialize)]
struct InProgress {
    in_progress: Position,
    report: MergeReport,
    history: usize,
    /// The process running it (none from a release before it was kept).
    #[serde(default)]
    runner: Option<Runner>,
}

/// The process a merge runs in, kept with its progress so that a second
/// merge of the same file tells one still running (which it must not
/// join: both would count the same records, each with its own report)
/// from one stopped midway (which it finishes).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Runner {
    pid: u32,
    host: String,
    /// When the process started, as the system counts it: a process
    /// number given again to another process is not taken for this one.
    start: Option<u64>,
}

impl Runner {
    fn this() -> Runner {
        let pid = std::process::id();
        Runner {
            pid,
            host: host_name(),
            start: process_start(pid),
        }
    }

    /// Whether it is another process of this machine, still running.
    /// (Where the system cannot say, as on a machine without `/proc`,
    /// it is taken as stopped, as before runners were kept.)
    fn running_elsewhere(&self) -> bool {
        self.pid != std::process::id()
            && self.host == host_name()
            && self.start.is_some()
            && process_start(self.pid) == self.start
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// When process `pid` started (clock ticks since boot, `/proc/PID/stat`'s
/// 22nd field), if it runs.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // (After the command's closing parenthesis, from the 3rd field on.)
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[derive(Serialize, Deserialize)]
struct Position {
    step: usize,
    after: i64,
}

fn save_progress(
    w: &Writer<'_>,
    source_id: Uuid,
    report: &MergeReport,
    step: usize,
    after: i64,
    history: usize,
) -> Result<()> {
    let json = serde_json::to_string(&InProgress {
        in_progress: Position { step, after },
        report: report.clone(),
        history,
        runner: Some(Runner::this()),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    w.tx.prepare_cached("UPDATE sources SET report = ?1 WHERE id = ?2")?
        .execute((&json, source_id))?;
    Ok(())
}

/// Merges running or stopped midway, as people read them (who, which file,
/// since when, how far).
pub fn in_progress(conn: &Connection) -> Result<Vec<String>> {
    Ok(crate::store::under_way(conn)?
        .into_iter()
        .filter(|j| j.kind == "merge")
        .map(|j| {
            let done = serde_json::from_str::<InProgress>(&j.report)
                .map(|p| p.report.added + p.report.updated + p.report.unchanged + p.report.conflicts)
                .unwrap_or(0);
            format!(
                "a merge of {} by {} since {} is in progress or was stopped midway ({done} records so far); its records appear as they are merged, and merging the file again finishes it",
                sanitize(&j.file),
                sanitize(&j.actor),
                sanitize(&j.at)
            )
        })
        .collect())
}

/// Where copying a file's histories has come to: which of its two parts
/// (the file's own log, then the histories it carries from earlier
/// merges), and the last (database, entry) copied from it.
struct HistoryCursor {
    part: usize,
    db: Vec<u8>,
    seq: i64,
}

impl HistoryCursor {
    fn start() -> HistoryCursor {
        HistoryCursor {
            part: 0,
            db: Vec::new(),
            seq: i64::MIN,
        }
    }
}

/// Copies the file's history rows after `at`, 500 at a time, until all
/// are copied (true) or `until` has passed; adds to `n` the entries that
/// were new here.
fn copy_history(
    w: &Writer<'_>,
    rec: &Received,
    at: &mut HistoryCursor,
    until: Option<Instant>,
    n: &mut usize,
) -> Result<bool> {
    let mut ins = audit::insert_received(&w.tx)?;
    while at.part < 2 {
        let mut any = false;
        if at.part == 0 {
            // The file's own log: the entries about records, each with
            // the hash of the one before it and its own.
            let mut read = 0;
            audit::chain::walk_from(&rec.conn, at.seq, None, |r, e, prev, hash| {
                any = true;
                at.seq = e.0;
                read += 1;
                if crate::domain::ItemKind::ALL
                    .iter()
                    .any(|k| k.as_str() == e.4)
                {
                    let vals = audit::as_received(&rec.manifest.export_db, r, prev, hash)?;
                    *n += ins.execute(vals)?;
                }
                Ok(read < 500)
            })?;
        } else {
            let mut stmt = rec.conn.prepare_cached(&format!(
                "SELECT {} FROM received_audit WHERE (source_db, seq) > (?1, ?2) ORDER BY source_db, seq LIMIT 500",
                audit::RECEIVED_READ
            ))?;
            let mut rows = stmt.query((&at.db, at.seq))?;
            while let Some(r) = rows.next()? {
                any = true;
                at.db = r.get(0)?;
                at.seq = r.get(1)?;
                // Bound where they lie in the file's row, without copies.
                let vals = (0..12)
                    .map(|i| r.get_ref(i).map(rusqlite::types::ToSqlOutput::Borrowed))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                *n += ins.execute(vals)?;
            }
        }
        if !any {
            *at = HistoryCursor {
                part: at.part + 1,
                ..HistoryCursor::start()
            };
        }
        if until.is_some_and(|t| Instant::now() >= t) {
            break;
        }
    }
    Ok(at.part >= 2)
}

/// The logs whose entries a file brings: its exporter's own, and each
/// it received.
fn history_sources(rec: &Received) -> Result<Vec<Uuid>> {
    let mut out: Vec<Uuid> = rec
        .conn
        .prepare("SELECT DISTINCT source_db FROM received_audit")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !out.contains(&rec.manifest.export_db) {
        out.push(rec.manifest.export_db);
    }
    Ok(out)
}

/// Copies the histories that came with the file, in steps; returns how
/// many entries were new here (counting from `n`, those of a stopped
/// merge of the same file).
fn receive_history_in_steps(
    dst: &mut Store,
    rec: &Received,
    source_id: Uuid,
    report: &MergeReport,
    mut n: usize,
) -> Result<usize> {
    let mut at = HistoryCursor::start();
    let mut done = false;
    while !done {
        done = dst.write(|w| {
            let finished = copy_history(w, rec, &mut at, Some(Instant::now() + STEP_TIME), &mut n)?;
            save_progress(w, source_id, report, HISTORY_STEP, 0, n)?;
            Ok(finished)
        })?;
    }
    Ok(n)
}

/// The merge's step after the kinds: the histories.
/// (It follows the last kind's step: a merge stopped in its histories
/// resumes there, not at a kind.)
const HISTORY_STEP: usize = MERGE_ORDER.len();

/// The kinds in merge order; a kind's place is its step. Each comes after
/// what it cannot stand without: people and organisations before the links
/// and notes that may name them, the evidence trail after the parcels,
/// findings and exhibits it is about, links and notes after everything
/// they may join or be on, and documents last (they may be on any of it).
/// (A merge stopped midway by a release with another order resumes some
/// kinds from their start, which changes nothing twice.)
const MERGE_ORDER: [ItemKind; 14] = [
    ItemKind::Substance,
    ItemKind::Case,
    ItemKind::Parcel,
    ItemKind::Finding,
    ItemKind::Person,
    ItemKind::Organisation,
    ItemKind::Inspection,
    ItemKind::Exhibit,
    ItemKind::Custody,
    ItemKind::LabResult,
    ItemKind::Delivery,
    ItemKind::Link,
    ItemKind::Note,
    ItemKind::Document,
];

/// Copies the histories that came with the file; returns how many entries
/// were new here.
fn receive_history(w: &Writer<'_>, rec: &Received) -> Result<usize> {
    let mut n = 0;
    copy_history(w, rec, &mut HistoryCursor::start(), None, &mut n)?;
    Ok(n)
}

/// A merge that wrote something: its report in its `sources` row (no
/// longer in progress) and its audit entry.
fn record_merge(w: &mut Writer<'_>, report: &mut MergeReport, source_id: Uuid) -> Result<()> {
    report.written = true;
    report.merge_id = Some(source_id);
    let json = serde_json::to_string(&*report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    w.tx.execute(
        "UPDATE sources SET report = ?1 WHERE id = ?2",
        (&json, source_id),
    )?;
    audit::append(w, "merge", "merge", source_id, None, Some(&json))?;
    Ok(())
}

/// The day of a write's time (`YYYY-MM-DD...`), to compare dates with.
fn today(now: &str) -> String {
    now.get(..10).unwrap_or(now).to_string()
}

/// Merges an accepted export file. With `dry_run`, reports what would
/// happen and writes nothing. `progress` hears (records done, total)
/// every thousand records.
pub fn merge(
    dst: &mut Store,
    rec: &Received,
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<MergeReport> {
    let mut total = 0usize;
    for k in ItemKind::ALL {
        let n: i64 =
            rec.conn
                .query_row(&format!("SELECT count(*) FROM {}", k.table()), [], |r| {
                    r.get(0)
                })?;
        total += n as usize;
    }
    let file_name = rec
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let m = &rec.manifest;
    let base = MergeReport {
        dry_run,
        file: rec.file.display().to_string(),
        file_sha256: rec.file_sha256.clone(),
        signer: sanitize(&rec.signer).into_owned(),
        fingerprint: rec.fingerprint.clone(),
        exporter: sanitize(&m.exporter).into_owned(),
        exported_at: sanitize(&m.exported_at).into_owned(),
        source_db: m.source_db,
        known_bytes: rec.vouched,
        ..MergeReport::default()
    };
    if !dry_run {
        // A page cache that holds the indexes' working set: with SQLite's
        // default 2 MiB, each step spilled its pages to the log before it
        // committed and read most index pages from the file again. (Not
        // for a file merged whole before, which writes next to nothing:
        // the cache would only hold the pages its comparison reads.)
        if merged_whole(dst.conn(), &rec.file_sha256)? {
            return merge_in_steps(dst, rec, base, total, &file_name, progress);
        }
        return dst.bulk(|dst| merge_in_steps(dst, rec, base, total, &file_name, progress))?;
    }
    // A dry run is the merge done on a private copy of the notebook and
    // thrown away: it holds no lock colleagues would wait on, however
    // long it takes.
    let (_trial_dir, mut trial) = dst.trial_copy()?;
    let (same, checked) = check_all(&rec.conn, trial.conn())?;
    trial.write_maybe(|w| {
        let source_id = insert_source(w, rec, &file_name)?;
        let mut mg = Merger {
            log_db: log_of(&rec.manifest),
            src: &rec.conn,
            same,
            source_id,
            report: MergeReport { checked, ..base },
            done: 0,
            total,
            progress,
            redacted: rec.manifest.handling.redact_sources,
            parcels_here: true,
            links_here: true,
            deleted_elsewhere: received_deletions(&w.tx)?,
            open_conflicts: open_conflict_items(&w.tx)?,
            exhibit_numbers: refs::exhibits_by_number(&w.tx)?,
        };
        for kind in MERGE_ORDER {
            crate::with_record_type!(kind, R => mg.kind::<R>(w)?);
        }
        (mg.progress)(mg.done, mg.total);
        if !merged_whole(&w.tx, &rec.file_sha256)? {
            receive_history(w, rec)?;
        }
        let mut report = mg.report;
        apply_tombstones(w, rec, source_id, &mut report)?;
        apply_raised(w, rec, source_id, &mut report)?;
        report.targeting = super::targeting::merge(w, &rec.conn, &today(&w.now))?;
        still_alike(&w.tx, &mut report)?;
        Ok((report, false))
    })
}

/// Every record of the file checked as the merge would check it, before
/// any step is written, so a file with a record that could never be
/// merged is refused whole (nothing merged) rather than stopping midway.
/// A record is checked as typed input is, and more (see
/// [`crate::domain::record::check_received`]); its id must not be that of
/// an item of another kind, in the file or here; the items it hangs on
/// must be of the kinds it says; a finding held here is made lab-confirmed
/// only with its confirming result, in the file or here; a laboratory
/// result agrees with its finding's substance; a custody entry held here
/// is never written over.
fn check_all(src: &Connection, dst: &Connection) -> Result<(Same, usize)> {
    // One read of the notebook throughout: its hundreds of thousands of
    // lookups otherwise each take and release SQLite's locks.
    let read = dst.unchecked_transaction()?;
    let out = check_all_in(src, &read)?;
    read.finish()?;
    Ok(out)
}

fn check_all_in(src: &Connection, dst: &Connection) -> Result<(Same, usize)> {
    use std::collections::HashMap;
    // Every id in the file, with its kind.
    let mut kinds: HashMap<Uuid, ItemKind> = HashMap::new();
    for k in ItemKind::ALL {
        let mut stmt = src.prepare(&format!("SELECT id FROM {}", k.table()))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            if let Some(other) = kinds.insert(id, k) {
                return Err(StoreError::Refused(format!(
                    "{id} is both a {other} and a {k} in the file; nothing was merged"
                )));
            }
        }
    }
    // Ids this notebook holds as another kind than the file does.
    for k in ItemKind::ALL {
        let mut stmt = dst.prepare(&format!("SELECT id FROM {}", k.table()))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            if let Some(&there) = kinds.get(&id)
                && there != k
            {
                return Err(StoreError::Refused(format!(
                    "the file's {there} {id} has the id of a {k} of this notebook; nothing was merged"
                )));
            }
        }
    }
    let kinds = &kinds;
    // Each record's last state in the history that came with it: a record
    // changed outside interdict where it was exported is refused.
    let last = &crate::store::integrity::last_states(src)?;
    fn kind<R: Record>(
        src: &Connection,
        dst: &Connection,
        (kinds, last): (&HashMap<Uuid, ItemKind>, &LastStates),
        same: &mut Same,
        checked: &mut usize,
    ) -> Result<()> {
        // Records held here with the same value in every column: merging
        // them changes nothing, so there is nothing in them to refuse
        // (merging a file again, nearly all of them; checking each as
        // typed input was half of that merge). Cases are never the same:
        // their references are made local first.
        let held = if R::KIND == ItemKind::Case {
            Default::default()
        } else {
            records::same_rows(src, dst, R::KIND)?
        };
        // (Merging a file again, every one of them: nothing to read.)
        if held.len() as i64 == records::count_kind(src, R::KIND)? {
            same.insert(R::KIND, held);
            return Ok(());
        }
        // Each record checked as typed input on two more threads (the
        // larger part of the check's work, and needing nothing but the
        // record), while this one reads the next and checks what it hangs
        // on here: this thread's reading keeps neither busy, and both
        // cores check. The refusal is the first record's in the file's
        // order whichever thread finds it, and a record's own first
        // reason: a record after one refused is not checked, one before
        // it still is.
        let first: std::sync::Mutex<Option<(usize, u8, StoreError)>> = Default::default();
        let first_at = std::sync::atomic::AtomicUsize::new(usize::MAX);
        let found = |at: usize, stage: u8, e: StoreError| {
            first_at.fetch_min(at, std::sync::atomic::Ordering::Relaxed);
            let mut f = first.lock().unwrap_or_else(|e| e.into_inner());
            if f.as_ref().is_none_or(|(a, s, _)| (at, stage) < (*a, *s)) {
                *f = Some((at, stage, e));
            }
        };
        let refused_before = |at: usize| first_at.load(std::sync::atomic::Ordering::Relaxed) < at;
        // (Named as the file has it: a case by its reference there.)
        let refuse = |label: &str, id: Uuid, why: String| {
            StoreError::Refused(format!(
                "{} {} ({id}): {why}; nothing was merged",
                R::KIND,
                sanitize(label)
            ))
        };
        type Batch<R> = Vec<(usize, R, Option<String>)>;
        std::thread::scope(|scope| -> Result<()> {
            // Each checking thread has a channel of its own, and the
            // batches go to them in turn: one that stops (a panic) drops
            // its end, and the reading thread's next send to it fails.
            let check = |receive: std::sync::mpsc::Receiver<Batch<R>>| {
                for batch in receive {
                    for (at, rec, label) in batch {
                        if refused_before(at) {
                            continue;
                        }
                        // (The history last: a record refused for what
                        // it holds is named for that. A case's, its
                        // reference made local, was compared before.)
                        let why = match crate::domain::record::check_received(&rec) {
                            Err(e) => Some((1, Ok(sanitize(&e.to_string()).into_owned()))),
                            Ok(_) if R::KIND != ItemKind::Case => {
                                against_history(&rec, last).transpose().map(|w| (3, w))
                            }
                            Ok(_) => None,
                        };
                        if let Some((stage, why)) = why {
                            let label = label.unwrap_or_else(|| rec.label());
                            let e = why.map(|why| refuse(&label, rec.meta().id, why));
                            found(at, stage, e.unwrap_or_else(|e| e));
                        }
                    }
                }
            };
            let (mut sends, mut typed) = (Vec::new(), Vec::new());
            for _ in 0..2 {
                let (send, receive) = std::sync::mpsc::sync_channel::<Batch<R>>(2);
                sends.push(send);
                typed.push(scope.spawn(move || check(receive)));
            }
            let mut turn = 0usize;
            let mut batch = Vec::with_capacity(CHECK_BATCH);
            let mut at = 0usize;
            // (Stopped: a refusal found, by either thread.)
            let stopped = || StoreError::Refused(String::new());
            let read = records::each_but::<R>(src, &held, |r: R| {
                // (A record before this one refused: the file is.)
                if refused_before(at + 1) {
                    return Err(stopped());
                }
                let m = r.meta();
                *checked += 1;
                at += 1;
                if m.id.is_nil() || m.created_at.is_empty() || m.origin_db.is_nil() {
                    found(
                        at,
                        0,
                        refuse(&r.label(), m.id, "lacks its provenance".into()),
                    );
                    return Err(stopped());
                }
                // A case's reference is made local before it is checked.
                let (mut rec, mut label) = (r, None);
                if R::KIND == ItemKind::Case {
                    label = Some(rec.label());
                    // (Said unless a reason of its own or the checks
                    // below name it first.)
                    if let Some(why) = against_history(&rec, last)? {
                        found(at, 3, refuse(&rec.label(), rec.meta().id, why));
                    }
                    set_case_ref(&mut rec, "C-0001")?;
                }
                if let Err(why) = check_here(src, dst, kinds, &rec) {
                    let label = label.unwrap_or_else(|| rec.label());
                    found(at, 2, refuse(&label, rec.meta().id, why?));
                    return Err(stopped());
                }
                batch.push((at, rec, label));
                if batch.len() == CHECK_BATCH {
                    let to = &sends[turn % sends.len()];
                    turn += 1;
                    if to.send(std::mem::take(&mut batch)).is_err() {
                        return Err(stopped());
                    }
                }
                Ok(())
            });
            if !batch.is_empty() {
                let _ = sends[turn % sends.len()].send(batch);
            }
            drop(sends);
            for t in typed {
                if let Err(panic) = t.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            match read {
                Err(StoreError::Refused(s)) if s.is_empty() => Ok(()),
                other => other,
            }
        })?;
        if let Some((_, _, e)) = first.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        same.insert(R::KIND, held);
        Ok(())
    }
    let (mut same, mut checked) = (Same::new(), 0);
    for k in ItemKind::ALL {
        crate::with_record_type!(k, R => kind::<R>(src, dst, (kinds, last), &mut same, &mut checked)?);
    }
    // The bytes of embedded documents must be what their documents hashed.
    let mut stmt = src.prepare("SELECT sha256, bytes FROM document_bytes")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (sha, bytes): (String, Vec<u8>) = (r.get(0)?, r.get(1)?);
        if crate::evidence::files::sha256_hex(&bytes) != sha {
            return Err(StoreError::Refused(format!(
                "the document bytes filed under SHA-256 {} have another hash; nothing was merged",
                sanitize(&sha)
            )));
        }
    }
    Ok((same, checked))
}

/// Why a received record is not the state its history in the file ends
/// in (changed outside interdict where it was exported, or its history
/// left out), if it is not.
fn against_history<R: Record>(rec: &R, last: &LastStates) -> Result<Option<String>> {
    let why = crate::store::integrity::against_last(rec, last.get(&rec.meta().id))?;
    Ok(why.map(|why| format!("in the file, it {why}")))
}

/// Records checked as typed input in one batch of [`check_all`].
const CHECK_BATCH: usize = 256;

/// What [`check_all`] checks of a received record against the file's ids
/// and this notebook: the items it hangs on are of the kinds it says; a
/// finding held here is made lab-confirmed only with its confirming
/// result; a custody entry held here is never written over. `Err(Ok(why))`
/// refuses it.
fn check_here<R: Record>(
    src: &Connection,
    dst: &Connection,
    kinds: &std::collections::HashMap<Uuid, ItemKind>,
    rec: &R,
) -> std::result::Result<(), Result<String>> {
    let id = rec.meta().id;
    // (Read as a map only by kinds that hang on other items, the findings
    // among them: most records are parcels, which hang on none.)
    let json = if parent_fields(R::KIND).is_empty() {
        Value::Null
    } else {
        serde_json::to_value(rec).map_err(|e| Err(StoreError::Corrupt(e.to_string())))?
    };
    for (parent, want) in parents_with_kinds(R::KIND, &json) {
        let is = match kinds.get(&parent) {
            Some(&k) => Some(k),
            None => refs::kind_of_id(dst, parent).map_err(Err)?,
        };
        if let (Some(is), Some(want)) = (is, want)
            && is != want
        {
            return Err(Ok(format!(
                "it names {parent} as a {want}, which is a {is}"
            )));
        }
        if want.is_none() {
            return Err(Ok(format!(
                "the kind of {parent} it hangs on is unreadable"
            )));
        }
    }
    // A link's type fits the kinds of its ends, as `add link` and `edit`
    // refuse it otherwise (an "organisation arrested organisation" made
    // by an edit travelled on in the next export until 2026-12-07).
    if let Some(l) = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::Link>()
        && let Err(e) = l.check_kinds()
    {
        return Err(Ok(format!("{}: {}", e.field, e.message)));
    }
    // A finding held here is made lab-confirmed only with a laboratory
    // result that confirms it, in the file or here. (One new here may come
    // lab-confirmed without one: findings were lab-confirmed by a test
    // reference alone before results were recorded, and notebooks
    // upgraded since hold them.)
    let confirmed =
        |v: &Value| v.get("identification").and_then(Value::as_str) == Some("lab-confirmed");
    let here = |()| -> Result<Option<R>> { records::get::<R>(dst, id) };
    if R::KIND == ItemKind::Finding && confirmed(&json) {
        let held = here(()).map_err(Err)?;
        let made_so = match &held {
            Some(h) => !confirmed(
                &serde_json::to_value(h).map_err(|e| Err(StoreError::Corrupt(e.to_string())))?,
            ),
            None => false,
        };
        if made_so
            && !crate::store::related::confirmed_by_lab(src, id).map_err(Err)?
            && !crate::store::related::confirmed_by_lab(dst, id).map_err(Err)?
        {
            return Err(Ok(format!(
                "it is lab-confirmed without a laboratory result that confirms it ({})",
                records::LAB_CONFIRMED_BY_RESULT
            )));
        }
    }
    // A laboratory result agrees with its finding's substance.
    if let Some(x) =
        (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::LabResult>()
    {
        let finding = match records::get::<crate::domain::Finding>(src, x.finding_id) {
            Ok(Some(f)) => Some((f, src)),
            Ok(None) => records::get::<crate::domain::Finding>(dst, x.finding_id)
                .map_err(Err)?
                .map(|f| (f, dst)),
            Err(e) => return Err(Err(e)),
        };
        if let Some((f, conn)) = finding {
            let substance = match records::get::<crate::domain::Substance>(conn, f.substance_id)
                .map_err(Err)?
            {
                Some(s) => Some(s),
                None => records::get(dst, f.substance_id).map_err(Err)?,
            };
            if let Some(substance) = substance
                && let Err(e) = x.against_finding(&substance)
            {
                return Err(Ok(sanitize(&e.to_string()).into_owned()));
            }
        }
    }
    if let Some(d) = (rec as &dyn std::any::Any).downcast_ref::<crate::domain::evidence::Document>()
        && let Some(held) =
            records::get::<crate::domain::evidence::Document>(dst, id).map_err(Err)?
        && let Some(field) = d.fingerprint_changed(&held)
    {
        return Err(Ok(format!(
            "it changes the {field} of a document held here, and a document's fingerprint is never edited"
        )));
    }
    if R::KIND == ItemKind::Custody
        && let Some(held) = here(()).map_err(Err)?
        && records::to_json(&held).map_err(Err)? != records::to_json(rec).map_err(Err)?
    {
        return Err(Ok(
            "it would write over a custody entry held here, and custody entries are never edited"
                .into(),
        ));
    }
    Ok(())
}

/// Copies the bytes of the file's embedded documents (checked whole by
/// [`check_all`]) that this notebook does not hold yet.
fn receive_document_bytes(w: &Writer<'_>, src: &Connection) -> Result<usize> {
    let mut stmt = src.prepare("SELECT sha256, bytes FROM document_bytes")?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let (sha, bytes): (String, Vec<u8>) = (r.get(0)?, r.get(1)?);
        n += w
            .tx
            .prepare_cached("INSERT OR IGNORE INTO document_bytes (sha256, bytes) VALUES (?1, ?2)")?
            .execute(rusqlite::params![sha, bytes])?;
    }
    Ok(n)
}

/// The merge's `sources` row: the file, its hash, the exporting database,
/// the exporter and the signer.
fn insert_source(w: &Writer<'_>, rec: &Received, file_name: &str) -> Result<Uuid> {
    let m = &rec.manifest;
    let source_id = Uuid::now_v7();
    w.tx.execute(
        "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, source_db, exporter, signer, report)
         VALUES (?1, 'merge', ?2, ?3, ?4, ?5, ?6, ?7, ?8, '{}')",
        rusqlite::params![
            source_id,
            w.now,
            w.actor,
            file_name,
            rec.file_sha256,
            m.source_db,
            m.exporter,
            format!("{} ({})", rec.signer, rec.fingerprint)
        ],
    )?;
    Ok(source_id)
}

/// Whether a merge of a file with these bytes (its SHA-256) completed in
/// this notebook: the file passed every check then, and everything it
/// carried was received, its histories whole. (A merge that found nothing
/// new leaves no row, and one stopped midway says it is in progress.) The
/// merge's own audit entry must say so too: a `sources` row is not in the
/// audit log's chain, so one written out of band vouches for nothing,
/// and a forged audit entry is what `audit verify` finds. (The few
/// `sources` rows are read first, then each one's entries by the log's
/// item index: never the whole log.)
pub fn merged_whole(conn: &Connection, file_sha256: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT 1 FROM sources s CROSS JOIN audit a ON {}
             WHERE s.kind = 'merge' AND s.file_sha256 = ?1 AND json_valid(s.report)
               AND json_extract(s.report, '$.in_progress') IS NULL
               AND a.item_kind = {} AND a.action = {} AND json_valid(a.detail)
               AND json_extract(a.detail, '$.file_sha256') = ?1
               AND json_extract(a.detail, '$.written') = 1
             LIMIT 1",
            audit::sql_of_item("a.item_id", "s.id"),
            Name::Kind.sql("merge"),
            Name::Action.sql("merge")
        ))?
        .exists([file_sha256])?)
}

/// The merge proper, in short steps (see the module's notes): begun, or
/// resumed where a merge of the same file stopped.
fn merge_in_steps(
    dst: &mut Store,
    rec: &Received,
    base: MergeReport,
    total: usize,
    file_name: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<MergeReport> {
    let (same, checked) = check_all(&rec.conn, dst.conn())?;
    let parcels_here = records::count_kind(dst.conn(), ItemKind::Parcel)? > 0;
    let links_here = records::count_kind(dst.conn(), ItemKind::Link)? > 0;
    let (source_id, report, position, history) = dst.write(|w| {
        let stopped: Option<(Uuid, String)> =
            w.tx.query_row(
                "SELECT id, report FROM sources
                 WHERE kind = 'merge' AND file_sha256 = ?1 AND json_valid(report)
                   AND json_extract(report, '$.in_progress') IS NOT NULL
                 ORDER BY at DESC LIMIT 1",
                [&rec.file_sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, text)) = stopped
            && let Ok(p) = serde_json::from_str::<InProgress>(&text)
        {
            // A merge of this file running now in another process is not
            // joined: both would merge the same records, each counting
            // them in its own report (and its own audit entry).
            if let Some(r) = p.runner.as_ref().filter(|r| r.running_elsewhere()) {
                return Err(StoreError::Refused(format!(
                    "{} is being merged into this notebook right now by process {}; nothing was merged by this command: wait for that merge to finish (its report says what it merged)",
                    sanitize(&rec.file.display().to_string()),
                    r.pid
                )));
            }
            let report = MergeReport {
                added: p.report.added,
                updated: p.report.updated,
                unchanged: p.report.unchanged,
                conflicts: p.report.conflicts,
                new_conflicts: p.report.new_conflicts,
                renumbered: p.report.renumbered,
                ..base.clone()
            };
            return Ok((id, report, p.in_progress, p.history));
        }
        let source_id = insert_source(w, rec, file_name)?;
        save_progress(w, source_id, &base, 0, 0, 0)?;
        Ok((source_id, base.clone(), Position { step: 0, after: 0 }, 0))
    })?;
    let mut mg = Merger {
        log_db: log_of(&rec.manifest),
        src: &rec.conn,
        same,
        source_id,
        report: MergeReport { checked, ..report },
        done: 0,
        total,
        progress,
        redacted: rec.manifest.handling.redact_sources,
        parcels_here,
        links_here,
        deleted_elsewhere: received_deletions(dst.conn())?,
        open_conflicts: open_conflict_items(dst.conn())?,
        exhibit_numbers: refs::exhibits_by_number(dst.conn())?,
    };
    run_steps(dst, rec, &mut mg, &position, history, source_id)
        .map_err(|e| {
        StoreError::Stopped {
            what: format!(
                "the merge stopped midway ({} of the file's {} records read this time): what its finished steps wrote is kept, marked as this merge's in their provenance, and merging the file again goes on from there",
                mg.done, mg.total
            ),
            source: Box::new(e),
        }
    })
}

/// The steps of a merge from `position` on, then its last transaction.
fn run_steps(
    dst: &mut Store,
    rec: &Received,
    mg: &mut Merger<'_>,
    position: &Position,
    history: usize,
    source_id: Uuid,
) -> Result<MergeReport> {
    let from = |step: usize| match position.step.cmp(&step) {
        std::cmp::Ordering::Less => Some(0),
        std::cmp::Ordering::Equal => Some(position.after),
        std::cmp::Ordering::Greater => None,
    };
    for (step, kind) in MERGE_ORDER.into_iter().enumerate() {
        if let Some(a) = from(step) {
            crate::with_record_type!(kind, R => mg.kind_in_steps::<R>(dst, step, a, history)?);
        }
    }
    (mg.progress)(mg.done, mg.total);
    let mut report = mg.report.clone();
    // The histories of a file merged whole before are all here already
    // (a received log is only ever added to; `audit verify` says if a
    // row was taken out): offering them again would find none new.
    let history = if merged_whole(dst.conn(), &rec.file_sha256)? {
        history
    } else {
        receive_history_in_steps(dst, rec, source_id, &report, history)?
    };
    dst.write(|w| {
        apply_tombstones(w, rec, source_id, &mut report)?;
        apply_raised(w, rec, source_id, &mut report)?;
        report.targeting = super::targeting::merge(w, &rec.conn, &today(&w.now))?;
        let bytes = receive_document_bytes(w, &rec.conn)?;
        let changed =
            report.added + report.updated + report.new_conflicts + report.deleted + history + bytes
                > 0
                || report.targeting.changed()
                || !report.raised.is_empty()
                || report.settled_there > 0;
        if !changed {
            // Nothing new: the merge leaves nothing behind.
            w.tx.execute("DELETE FROM sources WHERE id = ?1", [source_id])?;
            return Ok(());
        }
        still_alike(&w.tx, &mut report)?;
        if history > 0 {
            report.histories = audit::anchor::anchors(&w.tx, &history_sources(rec)?)?;
        }
        record_merge(w, &mut report, source_id)
    })?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Deletions are taken with what they hang on first, and a hostile
    /// file's deletions that name each other as parents (a cycle no
    /// records make) are ordered in a few passes, not one per deletion.
    #[test]
    fn deletion_depths_order_parents_first_and_stop_on_a_cycle() {
        let id = |n: u128| Uuid::from_u128(n);
        let note_on = |on: Uuid, kind: &str| {
            json!({"item_id": on.to_string(), "item_kind": kind}).to_string()
        };
        let finding = json!({"parcel_id": id(1).to_string(), "substance_id": id(9).to_string()});
        let lab = json!({"finding_id": id(2).to_string()});
        let deleted = vec![
            (ItemKind::LabResult, id(3), lab.to_string(), false),
            (ItemKind::Finding, id(2), finding.to_string(), false),
            (ItemKind::Parcel, id(1), "{}".to_string(), false),
            (ItemKind::Note, id(4), note_on(id(3), "lab-result"), false),
        ];
        let d = deletion_depths(&deleted);
        assert_eq!(
            [d[&id(1)], d[&id(2)], d[&id(3)], d[&id(4)]],
            [0, 1, 2, 3],
            "{d:?}"
        );
        // Two notes on each other, and a chain of 100,000.
        let mut hostile = vec![
            (ItemKind::Note, id(10), note_on(id(11), "note"), false),
            (ItemKind::Note, id(11), note_on(id(10), "note"), false),
        ];
        for n in 0..100_000u128 {
            hostile.push((
                ItemKind::Note,
                id(100 + n),
                note_on(id(101 + n), "note"),
                false,
            ));
        }
        let d = deletion_depths(&hostile);
        assert!(d.values().all(|v| *v <= 16));
    }
}
