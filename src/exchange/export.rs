//! Export: chosen cases (and everything they reach) or the whole notebook
//! as an ordinary interdict database file, with a signed manifest.
//!
//! The source is read inside one read transaction, a consistent snapshot
//! however many others write meanwhile. The records are written into a
//! fresh build database beside the output, which is then copied with
//! `VACUUM INTO` (never a copy of a live file), hashed, and signed.
//! TLP:RED items are left out unless named; `redact_sources` strips the
//! source details from notes (and leaves their history behind, which
//! would show them).

use super::handling::{self, Release};
use super::signing;
use crate::domain::{ItemKind, Link, Note, Record};
use crate::store::{
    OpenOptions, Result, Store, StoreError, Writer, audit, migrations, records, related,
};
use ed25519_dalek::SigningKey;
use rusqlite::Connection;
use rusqlite::types::ToSqlOutput;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::Path;
use uuid::Uuid;

/// The `format` field of every manifest.
pub const FORMAT: &str = "interdict-export";
pub const FORMAT_VERSION: u32 = 1;

pub struct ExportOptions<'a> {
    /// Cases to export with what they reach; ignored with `all`.
    pub cases: Vec<Uuid>,
    pub all: bool,
    /// TLP:RED items to include, asked for by name.
    pub include_red: Vec<Uuid>,
    /// Let TLP:AMBER+STRICT items go (they are named in the manifest).
    pub amber_strict: bool,
    pub redact_sources: bool,
    pub key: &'a SigningKey,
    /// age recipients; empty writes a plain database file.
    pub encrypt_to: Vec<age::x25519::Recipient>,
}

/// What an export file says about itself. Signed; holds the content hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub schema_version: i64,
    /// The export file's own database id.
    pub export_db: Uuid,
    /// The database the records were exported from.
    pub source_db: Uuid,
    /// In an export of an export (a received file opened read-only and
    /// exported again), the database whose log left the records as they
    /// stand: their last states are its (the newest of any history came
    /// first, and a record renumbered at a third post was "changed
    /// outside interdict"). Absent otherwise, and from files made before
    /// a later session of 2026-12-07.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_from: Option<Uuid>,
    pub exporter: String,
    pub exported_at: String,
    pub selection: Selection,
    pub handling: Handling,
    /// Records exported, by kind.
    pub counts: BTreeMap<String, usize>,
    pub content_hash: String,
    /// The head of the source notebook's audit log when it was exported
    /// (signed with the rest): a receiver keeps it as a checkpoint of the
    /// source, so a later export from a log cut back or rolled back shows.
    /// Absent from exports made before it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
}

/// An audit log's last entry: its number and hash (hex).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Selection {
    pub all: bool,
    /// References of the chosen cases.
    pub cases: Vec<String>,
}

/// The handling rules applied.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Handling {
    /// Items left out: TLP:RED ones not named, TLP:AMBER+STRICT ones
    /// without `--amber-strict`, and what hung on them (their notes, links,
    /// the parcels only they included, with their findings).
    pub withheld_red: usize,
    /// TLP:RED items included because they were named.
    pub included_red: Vec<String>,
    pub redact_sources: bool,
    pub redacted_notes: usize,
    /// TLP:AMBER+STRICT items that went (with `--amber-strict`).
    #[serde(default)]
    pub amber_strict: Vec<String>,
    /// Records withheld for their label that a receiver may hold under a
    /// looser one: their id, kind and label only (see
    /// [`handling::Raised`]). Absent from files made before 2026-12-07.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raised: Vec<handling::Raised>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub file: String,
    pub encrypted: bool,
    pub signer: String,
    pub fingerprint: String,
    pub manifest: Manifest,
}

/// The chosen records, by kind, in the order they are written.
#[derive(Default)]
struct Picked {
    seen: HashSet<Uuid>,
    ids: BTreeMap<ItemKind, Vec<Uuid>>,
    withheld: HashSet<Uuid>,
    /// Of those, the ones withheld for their own label.
    labelled: BTreeMap<Uuid, ItemKind>,
}

impl Picked {
    fn add(&mut self, kind: ItemKind, id: Uuid) -> bool {
        if self.seen.insert(id) {
            self.ids.entry(kind).or_default().push(id);
            true
        } else {
            false
        }
    }
    fn of(&self, kind: ItemKind) -> &[Uuid] {
        self.ids.get(&kind).map_or(&[], Vec::as_slice)
    }

    fn by_kind(&self) -> Vec<(ItemKind, Vec<Uuid>)> {
        self.ids.iter().map(|(k, ids)| (*k, ids.clone())).collect()
    }
}

/// The check of the records an export picked against their last audit
/// entries (`integrity::first_unproven`), on a thread of its own with a
/// second read connection; given up if the export stops first.
struct Proving {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    running: Option<std::thread::JoinHandle<Result<Option<String>>>>,
}

impl Proving {
    fn start(conn: &Connection, picked: &Picked) -> Proving {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let running = crate::store::second_reader(conn).map(|reader| {
            let ids = picked.by_kind();
            let stop = stop.clone();
            std::thread::spawn(move || {
                crate::store::integrity::first_unproven(&reader, &ids, &stop)
            })
        });
        Proving { stop, running }
    }

    /// The first record not as its history leaves it, if any (checked on
    /// `conn` here when no second connection could be opened).
    fn finish(mut self, conn: &Connection, picked: &Picked) -> Result<Option<String>> {
        match self.running.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => crate::store::integrity::first_unproven(conn, &picked.by_kind(), &self.stop),
        }
    }
}

impl Drop for Proving {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Cases and everything they reach: the items linked to them, and on from
/// those over links (never into another case that was not chosen, never
/// on through a substance, which many unrelated parcels share), the
/// findings of reached parcels and their substances, and the notes on
/// every reached item.
fn pick_cases(conn: &Connection, cases: &[Uuid], rel: &Release) -> Result<Picked> {
    let mut p = Picked::default();
    let chosen: HashSet<Uuid> = cases.iter().copied().collect();
    // Each item to follow on from, and whether it was reached from a
    // person or shop.
    let mut queue: VecDeque<(ItemKind, Uuid, bool)> = VecDeque::new();
    for &c in cases {
        if p.add(ItemKind::Case, c) {
            queue.push_back((ItemKind::Case, c, false));
        }
    }
    // The parcels that belong only to cases held back (a RED case's,
    // reached over a link from a chosen case's parcel) go with those
    // cases, as `export --all` leaves them out.
    let mut held_cases = HashSet::new();
    {
        let mut stmt = conn.prepare("SELECT id FROM cases")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            if !chosen.contains(&id)
                && handling::held_back(conn, ItemKind::Case, id, rel)?.is_some()
            {
                held_cases.insert(id);
            }
        }
    }
    let only_held = handling::only_in_withheld(conn, &held_cases)?;
    let allowed = |p: &mut Picked, kind: ItemKind, id: Uuid| -> Result<bool> {
        if only_held.contains(&id) {
            p.withheld.insert(id);
            return Ok(false);
        }
        if handling::held_back(conn, kind, id, rel)?.is_some() {
            p.withheld.insert(id);
            p.labelled.insert(id, kind);
            return Ok(false);
        }
        Ok(true)
    };
    let is_party = |k: ItemKind| matches!(k, ItemKind::Person | ItemKind::Organisation);
    while let Some((kind, id, from_party)) = queue.pop_front() {
        // People and shops go with their notes, and are followed on only
        // to the people and shops they are linked to (who runs the shop,
        // the exchange a buyer paid through: they were left out), and
        // those no further: a shop linked to the parcels of other
        // investigations does not take those along.
        let party = is_party(kind);
        for l in related::links_of(conn, id, usize::MAX)?
            .into_iter()
            .filter(|_| !(party && from_party))
        {
            let (okind, other) = if l.from_id == id {
                (l.to_kind, l.to_id)
            } else {
                (l.from_kind, l.from_id)
            };
            if party && !is_party(okind) {
                continue;
            }
            if okind == ItemKind::Case && !chosen.contains(&other) {
                continue;
            }
            if !allowed(&mut p, okind, other)? {
                continue;
            }
            if okind == ItemKind::Substance {
                p.add(okind, other);
            } else if p.add(okind, other) {
                queue.push_back((okind, other, party));
            }
            p.add(ItemKind::Link, l.meta.id);
        }
        if kind == ItemKind::Parcel {
            for f in related::findings_in_parcel(conn, id)? {
                p.add(ItemKind::Substance, f.substance_id);
                p.add(ItemKind::Finding, f.meta.id);
            }
            // Its evidence trail, and the documents on it.
            for (k, e) in related::evidence_of_parcel(conn, id)? {
                if p.add(k, e) && k != ItemKind::Custody {
                    queue.push_back((k, e, false));
                }
            }
        }
        for (k, d) in related::documents_of(conn, id)? {
            p.add(k, d);
        }
        for n in related::notes_on(conn, id, usize::MAX)? {
            if allowed(&mut p, ItemKind::Note, n.meta.id)? && p.add(ItemKind::Note, n.meta.id) {
                queue.push_back((ItemKind::Note, n.meta.id, false));
            }
        }
    }
    Ok(p)
}

/// Every record, less those held back (see [`handling`]) and what hangs on
/// them: the parcels only they include, with their findings, and the
/// notes and links on any of these.
fn pick_all(conn: &Connection, rel: &Release) -> Result<Picked> {
    let mut p = Picked::default();
    fn ids(conn: &Connection, table: &str) -> Result<Vec<Uuid>> {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {table} ORDER BY rowid"))?;
        let rows = stmt.query_map([], |r| r.get::<_, Uuid>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    for kind in [
        ItemKind::Case,
        ItemKind::Note,
        ItemKind::Person,
        ItemKind::Organisation,
    ] {
        for id in ids(conn, kind.table())? {
            if handling::held_back(conn, kind, id, rel)?.is_some() {
                p.withheld.insert(id);
                p.labelled.insert(id, kind);
            }
        }
    }
    let parcels = handling::only_in_withheld(conn, &p.withheld)?;
    p.withheld.extend(handling::findings_of(conn, &parcels)?);
    for &parcel in &parcels {
        p.withheld.extend(
            related::evidence_of_parcel(conn, parcel)?
                .into_iter()
                .map(|(_, id)| id),
        );
    }
    p.withheld.extend(parcels);
    // Documents on anything withheld.
    let mut docs = Vec::new();
    records::each::<crate::domain::evidence::Document, _>(conn, "1", [], usize::MAX, 0, |d| {
        if p.withheld.contains(&d.item_id) {
            docs.push(d.meta.id);
        }
        Ok(())
    })?;
    p.withheld.extend(docs);
    // Notes on withheld items, and notes on those, are withheld too.
    loop {
        let before = p.withheld.len();
        records::each::<Note, _>(conn, "1", [], usize::MAX, 0, |n| {
            if p.withheld.contains(&n.item_id) {
                p.withheld.insert(n.meta.id);
            }
            Ok(())
        })?;
        if p.withheld.len() == before {
            break;
        }
    }
    for kind in ItemKind::ALL {
        if kind == ItemKind::Link {
            continue;
        }
        for id in ids(conn, kind.table())? {
            if !p.withheld.contains(&id) {
                p.add(kind, id);
            }
        }
    }
    records::each::<Link, _>(conn, "1", [], usize::MAX, 0, |l| {
        if !p.withheld.contains(&l.from_id) && !p.withheld.contains(&l.to_id) {
            p.add(ItemKind::Link, l.meta.id);
        }
        Ok(())
    })?;
    Ok(p)
}

/// Where a long export has got to: (stage, done, total).
pub type ProgressFn<'a> = &'a mut dyn FnMut(&'static str, usize, usize);

struct Progress<'a> {
    done: usize,
    total: usize,
    f: ProgressFn<'a>,
}

impl Progress<'_> {
    fn tick(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(1000) || self.done == self.total {
            (self.f)("records", self.done, self.total);
        }
    }
}

/// Copies the chosen records of one kind from the source into the build
/// database. Without `change`, each row goes as it stands (see
/// [`records::copy_row`]) and its id joins `carried`, the records whose
/// history goes with them: the file holds no audit entry of its own for
/// them, their history from the source (which ends in the state they are
/// in) says what they are. A record the build database was made with (the
/// catalogue) is written over, audited, where the source's differs.
/// With `change` (a redaction), each record is read, changed and written
/// with an audit entry of the file's own; one the change altered goes
/// without its history, which would show what was taken out.
fn copy_kind<R: Record>(
    src: &Connection,
    w: &mut Writer<'_>,
    ids: &[Uuid],
    prog: &mut Progress<'_>,
    carried: &mut Vec<Uuid>,
    mut change: Option<&mut dyn FnMut(&mut R) -> bool>,
) -> Result<usize> {
    for &id in ids {
        prog.tick();
        let Some(change) = change.as_mut() else {
            if !records::copy_row::<R>(src, w, id)? {
                let rec: R = records::must_get(src, id)?;
                let held = records::get::<R>(&w.tx, id)?
                    .map(|r| records::to_json(&r))
                    .transpose()?;
                if held != Some(records::to_json(&rec)?) {
                    records::put_verbatim(w, &rec, "export")?;
                }
            }
            carried.push(id);
            continue;
        };
        let mut rec: R = records::must_get(src, id)?;
        let changed = change(&mut rec);
        records::put_verbatim(w, &rec, "export")?;
        if !changed {
            carried.push(id);
        }
    }
    Ok(ids.len())
}

/// The items deleted here whose deletion travels with an export of
/// `picked`: those the export's records held (a note, finding, link or
/// evidence on an exported item, or on another such deleted item), the
/// items a deleted link of an exported case joined, and with `all` every
/// other deleted item that no withheld item held. A withheld case's
/// deletions stay behind with it, and with `redact` so do notes (their
/// history would show their sources). A deleted item the handling rules
/// hold back (TLP:RED not named, TLP:AMBER+STRICT not let go, by the
/// label the record had when deleted) stays behind as it would alive, and
/// so does what it held: its deletion keeps the whole record.
fn tombstones(
    conn: &Connection,
    picked: &Picked,
    rel: &handling::Release,
    all: bool,
    redact: bool,
    labelled: &mut BTreeMap<Uuid, (ItemKind, String, Option<Uuid>)>,
) -> Result<Vec<Uuid>> {
    let kinds = audit::names::sql_record_kinds();
    let mut stmt = conn.prepare(&format!(
        "SELECT a.item_kind, a.item_id, a.detail FROM audit a
          WHERE a.state IS NULL AND a.detail IS NOT NULL AND a.item_kind IN ({kinds})
            AND a.seq = (SELECT max(b.seq) FROM audit b WHERE {})",
        audit::sql_of_item("b.item_id", "a.item_id")
    ))?;
    let mut deleted: Vec<(ItemKind, Uuid, Vec<Uuid>)> = Vec::new();
    let mut withheld: HashSet<Uuid> = HashSet::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (kind, id, detail): (String, Uuid, String) =
            (audit::names::Name::Kind.get(r, 0)?, r.get(1)?, r.get(2)?);
        let Ok(kind) = kind.parse::<ItemKind>() else {
            continue;
        };
        if redact && kind == ItemKind::Note {
            continue;
        }
        let parents = super::merge::parents_of(kind, &detail);
        let tlp = tlp_in(&detail);
        if handling::held_back_as(tlp.as_deref(), id, rel).is_some() {
            // Held back for its own label: named by its label (see
            // [`handling::Raised`]) when the export is of everything or
            // it hung on an exported item.
            if let Some(tlp) = tlp
                && (all || parents.iter().any(|p| picked.seen.contains(p)))
            {
                let origin = serde_json::from_str::<serde_json::Value>(&detail)
                    .ok()
                    .and_then(|v| v.get("origin_db")?.as_str()?.parse().ok());
                labelled.insert(id, (kind, tlp, origin));
            }
            withheld.insert(id);
            continue;
        }
        deleted.push((kind, id, parents));
    }
    // What a held-back deletion held stays with it (a deleted note on a
    // deleted TLP:RED case), as it does behind a withheld item.
    loop {
        let before = withheld.len();
        for (_, id, parents) in &deleted {
            if parents.iter().any(|p| withheld.contains(p)) {
                withheld.insert(*id);
            }
        }
        if withheld.len() == before {
            break;
        }
    }
    deleted.retain(|(_, id, _)| !withheld.contains(id));
    let picked_withheld = &picked.withheld;
    let withheld_any = |p: &Uuid| picked_withheld.contains(p) || withheld.contains(p);
    let mut sent: HashSet<Uuid> = HashSet::new();
    held_by_sent(&deleted, &picked.seen, &withheld_any, &mut sent);
    // Deleted items a sent deletion joined or held (a parcel its case's
    // deleted link named).
    let named: HashSet<Uuid> = deleted
        .iter()
        .filter(|d| sent.contains(&d.1))
        .flat_map(|d| d.2.iter().copied())
        .collect();
    // With everything exported: the rest. Never one a deletion not sent
    // (one of a withheld item) held or joined.
    let held_back: HashSet<Uuid> = deleted
        .iter()
        .filter(|d| !sent.contains(&d.1) && d.2.iter().any(withheld_any))
        .flat_map(|d| d.2.iter().copied())
        .collect();
    // (One a sent deletion named goes whatever else held it: a person
    // deleted with its link to the case and its link to a withheld bank
    // stayed at the partner, with its notes.)
    for (_, id, parents) in &deleted {
        if parents.is_empty()
            && !withheld_any(id)
            && (named.contains(id) || (all && !held_back.contains(id)))
        {
            sent.insert(*id);
        }
    }
    // What those held in turn (the notes and findings of a deleted parcel
    // its case's deleted link named): their deletions went with the
    // parcel's, and without them the receiver met the parcel's deletion
    // as one the deleter never saw hung on (a conflict with no field).
    held_by_sent(&deleted, &picked.seen, &withheld_any, &mut sent);
    let mut out: Vec<Uuid> = sent.into_iter().collect();
    out.sort();
    Ok(out)
}

/// Adds to `sent` each deletion held by what is exported (`seen`) or by
/// a deletion sent, to a fixed point; never one a withheld item held.
fn held_by_sent(
    deleted: &[(ItemKind, Uuid, Vec<Uuid>)],
    seen: &HashSet<Uuid>,
    withheld_any: &impl Fn(&Uuid) -> bool,
    sent: &mut HashSet<Uuid>,
) {
    loop {
        let before = sent.len();
        for (_, id, parents) in deleted {
            let held = |p: &Uuid| seen.contains(p) || sent.contains(p);
            if !sent.contains(id) && parents.iter().any(held) && !parents.iter().any(withheld_any) {
                sent.insert(*id);
            }
        }
        if sent.len() == before {
            break;
        }
    }
}

/// The TLP label of the record a deletion keeps (its `detail`), if any.
fn tlp_in(detail: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Labelled {
        tlp: Option<String>,
    }
    serde_json::from_str::<Labelled>(detail).ok()?.tlp
}

/// From this many items on, their histories are read in one pass over
/// the source's logs rather than looked up item by item (a case's export
/// is a few hundred items of a notebook of millions of entries; an export
/// of everything is most of them).
const ONE_PASS: usize = 5_000;

/// The audit entries of `ids` in the source (and those the source itself
/// received), into the export's `received_audit`.
fn copy_histories(src: &Connection, source_db: Uuid, dst: &Connection, ids: &[Uuid]) -> Result<()> {
    if ids.len() >= ONE_PASS {
        return histories_in_one_pass(src, source_db, dst, ids);
    }
    for &id in ids {
        copy_history(src, source_db, dst, id)?;
    }
    Ok(())
}

/// [`copy_histories`] by reading the source's logs through once.
fn histories_in_one_pass(
    src: &Connection,
    source_db: Uuid,
    dst: &Connection,
    ids: &[Uuid],
) -> Result<()> {
    let wanted: HashSet<Uuid> = ids.iter().copied().collect();
    let wanted_row = |r: &rusqlite::Row<'_>, col: usize| -> Result<bool> {
        Ok(match r.get_ref(col)? {
            rusqlite::types::ValueRef::Blob(b) => {
                Uuid::from_slice(b).is_ok_and(|id| wanted.contains(&id))
            }
            _ => false,
        })
    };
    let mut ins = audit::insert_received(dst)?;
    // The source's own log in order, each entry with the hash of the one
    // before it and its own.
    // (Every entry read is checked against the chain: the whole log,
    // here.)
    audit::chain::walk_from(src, 0, None, |r, _, prev, hash| {
        audit::refuse_unchained(r, hash)?;
        if wanted_row(r, 5)? {
            ins.execute(audit::as_received(&source_db, r, prev, hash)?)?;
        }
        Ok(true)
    })?;
    // What the source itself received.
    let mut stmt = src.prepare(&format!(
        "SELECT {} FROM received_audit",
        audit::RECEIVED_READ
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if wanted_row(r, 6)? {
            ins.execute(
                (0..12)
                    .map(|i| r.get_ref(i).map(ToSqlOutput::Borrowed))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            )?;
        }
    }
    Ok(())
}

/// The item's audit entries in the source (and those the source itself
/// received), into the export's `received_audit`.
fn copy_history(src: &Connection, source_db: Uuid, dst: &Connection, id: Uuid) -> Result<()> {
    let mut rows = audit::item_as_received(src, source_db, id)?;
    let mut stmt = src.prepare_cached(&format!(
        "SELECT {} FROM received_audit WHERE item_id = ?2 AND ?1 IS NOT NULL",
        audit::RECEIVED_READ
    ))?;
    let mut it = stmt.query(rusqlite::params![source_db, id])?;
    while let Some(r) = it.next()? {
        rows.push((0..12).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?);
    }
    let mut ins = audit::insert_received(dst)?;
    for r in rows {
        ins.execute(r)?;
    }
    Ok(())
}

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::File {
        path: path.into(),
        message: e.to_string(),
    }
}

/// Writes the export file at `out`, which must not exist yet. `progress`
/// hears the stage and, for records, how many of how many are done. The
/// post's own targeting rules (its risk profiles, its watchlist entries
/// of no case) go only with the whole notebook (`all`); see
/// [`export_with`].
pub fn export(
    src: &Store,
    out: &Path,
    opts: &ExportOptions<'_>,
    progress: ProgressFn<'_>,
) -> Result<ExportReport> {
    export_with(src, out, opts, opts.all, progress)
}

/// [`export`], carrying the post's own targeting rules (its risk
/// profiles and its watchlist entries of no case) when `with_profiles`.
/// Without them, an export carries only the watchlist entries of its
/// cases (see [`super::targeting`]).
pub fn export_with(
    src: &Store,
    out: &Path,
    opts: &ExportOptions<'_>,
    with_profiles: bool,
    progress: ProgressFn<'_>,
) -> Result<ExportReport> {
    if out.exists() {
        return Err(io(
            out,
            "the file exists; choose another name or remove it first",
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let conn = src.conn();
    // Where the export is built. An encrypted one is built in this
    // process's memory, so its plaintext never touches a disk (a kill
    // leaves nothing readable behind); a plain one in a private working
    // folder (0700) beside its output, after the folders of exports
    // killed before are swept.
    let place = if opts.encrypt_to.is_empty() {
        Place::Folder(super::seal::work_dir_in(&parent, "export")?)
    } else {
        Place::Memory(crate::store::memdb::MemDb::empty_for(
            crate::store::memdb::size_of(conn)?,
        )?)
    };
    let red_ok: HashSet<Uuid> = opts.include_red.iter().copied().collect();
    let rel = Release {
        include_red: red_ok.clone(),
        amber_strict: opts.amber_strict,
        redact_sources: opts.redact_sources,
    };
    for &c in &opts.cases {
        handling::check_chosen(conn, c, &rel)?;
    }

    // One read transaction: every record comes from the same snapshot.
    let snapshot = conn.unchecked_transaction()?;
    let audit_head = audit::head(&snapshot)?.map(|(seq, hash)| AuditHead {
        seq,
        hash: audit::hex(&hash),
    });
    let picked = if opts.all {
        pick_all(&snapshot, &rel)?
    } else {
        pick_cases(&snapshot, &opts.cases, &rel)?
    };
    // Each record's state against its last audit entry, on a second
    // connection and core while this one copies.
    let proving = Proving::start(conn, &picked);
    let mut build = Store::open(
        &place.build_path(),
        OpenOptions::new(src.actor().to_string()),
    )?;
    build.without_indexes();
    if let Place::Folder(_) = place {
        // Written once, straight into the file that is sent: no log to
        // copy it through, no compacted copy made of it afterwards.
        build.as_scratch()?;
    }
    // Its indexes made once the rows are in, each in one sorted pass
    // (kept up row by row, their pages were a tenth empty).
    let indexes = crate::store::schema::drop_indexes(build.conn(), &[])?;
    let export_db = build.db_id();
    let source_db = src.db_id();
    let mut counts = BTreeMap::new();
    let mut redacted = 0;
    let mut prog = Progress {
        done: 0,
        total: picked.seen.len(),
        f: progress,
    };
    // The records whose history goes with them.
    let mut carried: Vec<Uuid> = Vec::with_capacity(picked.seen.len());
    build.write(|w| {
        let mut n = |k: ItemKind, v: usize| {
            if v > 0 {
                counts.insert(k.as_str().to_string(), v);
            }
        };
        for kind in [
            ItemKind::Substance,
            ItemKind::Case,
            ItemKind::Parcel,
            ItemKind::Finding,
            ItemKind::Person,
            ItemKind::Organisation,
            ItemKind::Link,
            ItemKind::Inspection,
            ItemKind::Exhibit,
            ItemKind::Custody,
            ItemKind::LabResult,
            ItemKind::Delivery,
        ] {
            n(
                kind,
                crate::with_record_type!(kind, R => copy_kind::<R>(
                    &snapshot,
                    w,
                    picked.of(kind),
                    &mut prog,
                    &mut carried,
                    None,
                )?),
            );
        }
        let mut redact = |note: &mut Note| {
            if note.strip_sources() {
                redacted += 1;
            }
            // Its history would still show the source: leave it behind.
            true
        };
        n(
            ItemKind::Note,
            copy_kind::<Note>(
                &snapshot,
                w,
                picked.of(ItemKind::Note),
                &mut prog,
                &mut carried,
                opts.redact_sources
                    .then_some(&mut redact as &mut dyn FnMut(&mut Note) -> bool),
            )?,
        );
        let docs = picked.of(ItemKind::Document);
        n(
            ItemKind::Document,
            copy_kind::<crate::domain::evidence::Document>(
                &snapshot,
                w,
                docs,
                &mut prog,
                &mut carried,
                None,
            )?,
        );
        // The bytes of embedded documents travel with them.
        for &d in docs {
            let doc: crate::domain::evidence::Document = records::must_get(&snapshot, d)?;
            if doc.embedded == "yes"
                && let Some(b) = crate::evidence::files::embedded_bytes(&snapshot, &doc)?
            {
                w.tx.prepare_cached(
                    "INSERT OR IGNORE INTO document_bytes (sha256, bytes) VALUES (?1, ?2)",
                )?
                .execute(rusqlite::params![doc.sha256, b])?;
            }
        }
        copy_histories(&snapshot, source_db, &w.tx, &carried)
    })?;
    // The file holds the substance catalogue every notebook is made with,
    // besides the substances picked: counted as the file holds them, as
    // the receiver's merge counts them (a case's export said "1
    // substance" of a file of 305).
    let substances: usize = build
        .conn()
        .query_row("SELECT count(*) FROM substances", [], |r| {
            r.get::<_, i64>(0)
        })?
        .try_into()
        .unwrap_or(0);
    if substances > 0 {
        counts.insert(ItemKind::Substance.as_str().to_string(), substances);
    }
    // Deletions travel: the history (to its deletion, which keeps the
    // record whole) of what was deleted here and belonged to what is
    // exported, so the receiver deletes it too, or is asked.
    let mut labelled_gone = BTreeMap::new();
    let gone = tombstones(
        &snapshot,
        &picked,
        &rel,
        opts.all,
        opts.redact_sources,
        &mut labelled_gone,
    )?;
    build.write(|w| copy_histories(&snapshot, source_db, &w.tx, &gone))?;
    // The watchlist entries of the cases exported, and, asked for, the
    // post's own targeting (its profiles, its entries of no case), by the
    // same handling rules as records (see `super::targeting`).
    let exported: HashSet<Uuid> = picked.of(ItemKind::Case).iter().copied().collect();
    let targeting = build.write(|w| {
        super::targeting::export(
            &snapshot,
            &w.tx,
            &exported,
            &picked.withheld,
            &rel,
            with_profiles,
        )
    })?;
    for (what, n) in [
        ("profile", targeting.profiles),
        ("watchlist", targeting.watched),
    ] {
        if n > 0 {
            counts.insert(what.to_string(), n);
        }
    }
    let case_refs = opts
        .cases
        .iter()
        .map(|&c| records::label_of(&snapshot, ItemKind::Case, c))
        .collect::<Result<Vec<_>>>()?;
    let included_red = picked
        .seen
        .iter()
        .filter(|id| red_ok.contains(id))
        .map(|&id| {
            let kind = crate::store::refs::kind_of_id(&snapshot, id)?.unwrap_or(ItemKind::Note);
            records::label_of(&snapshot, kind, id)
        })
        .collect::<Result<Vec<_>>>()?;
    // (Of records, cases, notes, people and organisations carry a TLP
    // label; watchlist entries do too. A parcel that belongs only to
    // AMBER+STRICT cases is named as theirs: it may arrive without them.)
    let mut amber_strict = Vec::new();
    for kind in [
        ItemKind::Case,
        ItemKind::Note,
        ItemKind::Person,
        ItemKind::Organisation,
    ] {
        for &id in picked.of(kind) {
            if handling::is_amber_strict(&snapshot, kind, id)? {
                amber_strict.push(records::label_of(&snapshot, kind, id)?);
            }
        }
    }
    let mut strict_cases = HashSet::new();
    for c in records::list_where::<crate::domain::Case, _>(
        &snapshot,
        "tlp = 'AMBER+STRICT'",
        [],
        usize::MAX,
        0,
    )? {
        strict_cases.insert(c.meta.id);
    }
    if !strict_cases.is_empty() {
        let theirs = handling::only_in_withheld(&snapshot, &strict_cases)?;
        for &id in picked.of(ItemKind::Parcel) {
            if theirs.contains(&id) {
                amber_strict.push(format!(
                    "parcel {} (only in AMBER+STRICT cases)",
                    records::label_of(&snapshot, ItemKind::Parcel, id)?
                ));
            }
        }
    }
    amber_strict.extend(targeting.amber_strict);
    // Records withheld for their label that a receiver may hold under a
    // looser one: named (id, kind, label) so it raises its own.
    let mut raised = handling::raised(&snapshot, &picked.labelled, source_db)?;
    raised.extend(handling::raised_deleted(
        &snapshot,
        &labelled_gone,
        source_db,
    )?);
    snapshot.finish()?;

    // The index tables travel empty (the build wrote none): the receiver
    // rebuilds them from the records (a merge indexes what it writes; a
    // read-only open reads through an indexed private copy). They were a
    // third of the file and of the time to write it. (The catalogue the
    // build database was created with is indexed: those rows go too.)
    crate::store::index::clear(build.conn())?;
    build.conn().execute_batch("DELETE FROM search_items;")?;
    crate::store::schema::make_again(build.conn(), &indexes)?;
    // In rollback-journal mode, so that readers of the received file
    // never need to write beside it.
    (prog.f)("compacting", 0, 0);
    let mut file = match &place {
        Place::Folder(_) => {
            // The build itself, each table filled once (only the
            // catalogue's index rows were freed above). A compacted copy
            // (`VACUUM INTO`) came out 3 % smaller (91.0 MiB against
            // 93.8 for 100,000 parcels: the history table's pages as
            // filled row by row) and cost a fifth of the export's time
            // with the log it was written through. (Its manifest's
            // commit below, made durably, syncs the whole file.)
            drop(build);
            let file = Connection::open(place.build_path())?;
            let _: String =
                file.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
            file
        }
        Place::Memory(mem) => {
            // Compacted where it is; an in-memory database keeps a
            // rollback journal, as the file must.
            build.conn().execute_batch("VACUUM")?;
            drop(build);
            Connection::open(mem.path())?
        }
    };
    // A record changed here outside interdict (with the sqlite3 shell) is
    // not the state its history ends in: the file would vouch for it, and
    // its receivers refuse it. Said before anything is signed.
    if let Some(problem) = proving.finish(conn, &picked)? {
        return Err(StoreError::Refused(format!(
            "{problem}; `interdict audit verify` lists what changed outside interdict; nothing was exported"
        )));
    }
    (prog.f)("hashing and signing", 0, 0);
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version: migrations::latest(),
        export_db,
        source_db,
        records_from: crate::store::integrity::export_source(conn)?.map(|s| s.records),
        exporter: src.actor().to_string(),
        exported_at: crate::domain::meta::now(),
        selection: Selection {
            all: opts.all,
            cases: case_refs,
        },
        handling: Handling {
            withheld_red: picked.withheld.len() + targeting.withheld,
            included_red,
            redact_sources: opts.redact_sources,
            redacted_notes: redacted,
            amber_strict,
            raised,
        },
        counts,
        content_hash: signing::content_hash(&file)?,
        audit_head,
    };
    let text = serde_json::to_string(&manifest).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let public = opts.key.verifying_key();
    file.execute(
        "INSERT INTO export_manifest (manifest) VALUES (?1)",
        [&text],
    )?;
    file.execute(
        "INSERT INTO export_signature (algorithm, public_key, signer, signature) VALUES ('ed25519', ?1, ?2, ?3)",
        (
            signing::public_text(&public),
            src.actor(),
            signing::sign(opts.key, text.as_bytes()),
        ),
    )?;
    match &place {
        Place::Memory(_) => {
            let bytes = file.serialize(rusqlite::MAIN_DB)?;
            super::seal::encrypt_bytes(&bytes, out, &opts.encrypt_to)?;
            drop(bytes);
            file.close().map_err(|(_, e)| e)?;
        }
        Place::Folder(_) => {
            file.close().map_err(|(_, e)| e)?;
            finish_plain(&place.build_path(), out)?;
        }
    }
    Ok(ExportReport {
        file: out.display().to_string(),
        encrypted: !opts.encrypt_to.is_empty(),
        signer: src.actor().to_string(),
        fingerprint: signing::fingerprint(&public),
        manifest,
    })
}

/// Where an export is built: a private working folder, or this process's
/// memory (an encrypted export).
enum Place {
    Folder(tempfile::TempDir),
    Memory(crate::store::memdb::MemDb),
}

impl Place {
    fn build_path(&self) -> std::path::PathBuf {
        match self {
            Place::Folder(work) => work.path().join("build.db"),
            Place::Memory(mem) => mem.path().to_path_buf(),
        }
    }
}

/// Puts a finished plain export at its name, the owner's only, in one
/// step that never replaces a file that appeared there meanwhile (a hard
/// link is made or refused whole; the working folder is beside the
/// output, so on the same file system).
fn finish_plain(partial: &Path, out: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(partial, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(partial, e))?;
    }
    match std::fs::hard_link(partial, out) {
        Ok(()) => {
            std::fs::remove_file(partial).map_err(|e| io(partial, e))?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(io(
            out,
            "the file appeared while exporting; not overwritten",
        )),
        // A file system without hard links: moved, after a last look.
        Err(_) if !out.exists() => std::fs::rename(partial, out).map_err(|e| io(out, e)),
        Err(e) => Err(io(out, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::testutil::temp_store;

    fn received(conn: &Connection) -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM received_audit ORDER BY source_db, seq",
                audit::RECEIVED_READ
            ))
            .unwrap();
        stmt.query_map([], |r| (0..12).map(|i| r.get(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The one pass over the logs copies exactly what the lookups item by
    /// item copy: the same entries, each with the hash of the entry before
    /// it, whether that entry was copied or not.
    #[test]
    fn histories_in_one_pass_are_those_found_item_by_item() {
        let (_d, mut src) = temp_store();
        let mut ids = Vec::new();
        for i in 0..6 {
            let id = src
                .write(|w| {
                    let (mut c, _) = new_record::<Case>(&[("title", &format!("case {i}"))])?;
                    crate::store::create::case(w, &mut c)?;
                    Ok(c.meta.id)
                })
                .unwrap();
            ids.push(id);
        }
        src.write(|w| {
            let mut c: Case = records::must_get(&w.tx, ids[1])?;
            c.title = "renamed".into();
            records::update(w, &mut c)?;
            records::delete(w, ItemKind::Case, ids[4])?;
            Ok(())
        })
        .unwrap();
        // Every other case: entries between those copied are skipped.
        let some: Vec<Uuid> = ids.iter().step_by(2).copied().chain([ids[1]]).collect();
        let (_a, one) = temp_store();
        let (_b, each) = temp_store();
        let db = src.db_id();
        histories_in_one_pass(src.conn(), db, one.conn(), &some).unwrap();
        for &id in &some {
            copy_history(src.conn(), db, each.conn(), id).unwrap();
        }
        let (a, b) = (received(one.conn()), received(each.conn()));
        assert!(
            a.len() >= 5,
            "creations, the edit and the deletion: {}",
            a.len()
        );
        assert_eq!(a, b);
        // Not a case left out.
        let missing = ids[3].as_bytes().to_vec();
        assert!(
            a.iter()
                .all(|r| r[6] != rusqlite::types::Value::Blob(missing.clone()))
        );
    }

    /// An entry of the exporter's own log changed behind interdict's back
    /// is refused, item by item and in one pass, naming the entry: an
    /// export signed a forged creator and weight, and the colleague who
    /// merged it was told the log was intact.
    #[test]
    fn a_history_changed_behind_interdicts_back_is_never_handed_on() {
        let (_d, mut src) = temp_store();
        let id = src
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "case")])?;
                crate::store::create::case(w, &mut c)?;
                Ok(c.meta.id)
            })
            .unwrap();
        let db = src.db_id();
        let (_a, fine) = temp_store();
        copy_history(src.conn(), db, fine.conn(), id).unwrap();
        histories_in_one_pass(src.conn(), db, fine.conn(), &[id]).unwrap();
        src.conn()
            .execute_batch(
                "DROP TRIGGER audit_no_update;
                 UPDATE audit SET detail = 'forged' WHERE seq = (SELECT max(seq) FROM audit)",
            )
            .unwrap();
        let (_b, one) = temp_store();
        for e in [
            copy_history(src.conn(), db, one.conn(), id).unwrap_err(),
            histories_in_one_pass(src.conn(), db, one.conn(), &[id]).unwrap_err(),
        ] {
            assert!(
                e.to_string().contains("does not hold together at entry"),
                "{e}"
            );
        }
    }
}
