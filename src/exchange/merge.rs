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
//! The whole merge is one transaction, and a merge that finds nothing new
//! writes nothing, so merging the same file twice changes nothing. Every
//! added or updated record gets a provenance row naming the merge, whose
//! `sources` row names the file, its hash, the exporting database and the
//! signer; the merge itself is an audit entry.

use super::received::Received;
use crate::domain::text::sanitize;
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::{Result, Store, StoreError, Writer, audit, records, refs};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Items in conflict with this file (including ones recorded by an
    /// earlier merge of it and still open).
    pub conflicts: usize,
    /// Of those, found by this merge.
    pub new_conflicts: usize,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Renumbered {
    pub case_id: Uuid,
    pub there: String,
    pub here: String,
}

/// Every version of an item a database has seen (as version hashes):
/// its own audit and what came with earlier merges.
fn seen_versions(conn: &Connection, id: Uuid) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for sql in [
        "SELECT coalesce(version, substr(state, 1, 32)) FROM audit WHERE item_id = ?1 AND state IS NOT NULL",
        "SELECT coalesce(version, substr(state, 1, 32)) FROM received_audit WHERE item_id = ?1 AND state IS NOT NULL",
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

/// Whether the item's last audited action here removed it.
fn deleted_here(conn: &Connection, id: Uuid) -> Result<bool> {
    let last: Option<bool> = conn
        .prepare_cached(
            "SELECT state IS NULL FROM audit WHERE item_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(last == Some(true))
}

/// Ids a record (given as JSON) cannot stand without.
pub fn parents_of(kind: ItemKind, json: &str) -> Vec<Uuid> {
    serde_json::from_str(json)
        .map(|v| depends_on(kind, &v))
        .unwrap_or_default()
}

fn depends_on(kind: ItemKind, v: &Value) -> Vec<Uuid> {
    let fields: &[&str] = match kind {
        ItemKind::Finding => &["parcel_id", "substance_id"],
        ItemKind::Link => &["from_id", "to_id"],
        ItemKind::Note => &["item_id"],
        _ => &[],
    };
    fields
        .iter()
        .filter_map(|f| v.get(*f)?.as_str()?.parse().ok())
        .collect()
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

struct Merger<'a> {
    src: &'a Connection,
    source_id: Uuid,
    report: MergeReport,
    done: usize,
    total: usize,
    progress: &'a mut dyn FnMut(usize, usize),
}

enum Outcome {
    Unchanged,
    Put { added: bool },
    Conflict { local: Option<String> },
}

impl Merger<'_> {
    fn one<R: Record>(&mut self, w: &mut Writer<'_>, mut incoming: R) -> Result<()> {
        let id = incoming.meta().id;
        let local: Option<R> = records::get(&w.tx, id)?;
        let mut foreign_ref = None;
        if R::KIND == ItemKind::Case {
            foreign_ref = self.localise_case_ref(w, &mut incoming, local.as_ref())?;
        }
        let incoming_json = records::to_json(&incoming)?;
        let inc_value: Value = serde_json::from_str(&incoming_json)
            .map_err(|_| StoreError::Corrupt(format!("{} {id}: unreadable", R::KIND)))?;
        let inc_v = audit::version_hash(R::KIND, &incoming_json).to_vec();
        let key = audit::hex(&inc_v);
        let decided: Option<String> =
            w.tx.prepare_cached(
                "SELECT status FROM conflicts WHERE item_id = ?1 AND incoming_key = ?2",
            )?
            .query_row((id, &key), |r| r.get(0))
            .optional()?;
        let local_json = local.as_ref().map(records::to_json).transpose()?;
        let outcome = match (&decided, &local_json) {
            (Some(s), _) if s != "open" => Outcome::Unchanged,
            (Some(_), l) => Outcome::Conflict { local: l.clone() },
            (None, Some(l)) => {
                let loc_v = audit::version_hash(R::KIND, l).to_vec();
                if loc_v == inc_v || seen_versions(&w.tx, id)?.contains(&inc_v) {
                    Outcome::Unchanged
                } else if seen_versions(self.src, id)?.contains(&loc_v) {
                    Outcome::Put { added: false }
                } else {
                    Outcome::Conflict {
                        local: Some(l.clone()),
                    }
                }
            }
            (None, None) if deleted_here(&w.tx, id)? => {
                if seen_versions(&w.tx, id)?.contains(&inc_v) {
                    Outcome::Unchanged
                } else {
                    Outcome::Conflict { local: None }
                }
            }
            (None, None) => Outcome::Put { added: true },
        };
        // A record whose parent is missing here (deleted, or itself in
        // conflict) waits as a conflict rather than dangling.
        let outcome = match outcome {
            Outcome::Put { .. } if !self.parents_present(w, R::KIND, &inc_value)? => {
                Outcome::Conflict {
                    local: local_json.clone(),
                }
            }
            o => o,
        };
        match outcome {
            Outcome::Unchanged => self.report.unchanged += 1,
            Outcome::Put { added } => {
                records::put_verbatim(w, &incoming, "merge")?;
                w.tx.prepare_cached(
                    "INSERT OR REPLACE INTO provenance (item_id, source_id, action, line, foreign_ref)
                     VALUES (?1, ?2, ?3, NULL, ?4)",
                )?
                .execute((id, self.source_id, if added { "added" } else { "updated" }, &foreign_ref))?;
                if added {
                    self.report.added += 1;
                } else {
                    self.report.updated += 1;
                }
            }
            Outcome::Conflict { local } => {
                self.report.conflicts += 1;
                let n = w
                    .tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO conflicts (item_kind, item_id, source_id, local, incoming, incoming_key, detected_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute((
                        R::KIND.as_str(),
                        id,
                        self.source_id,
                        &local,
                        &incoming_json,
                        &key,
                        &w.now,
                    ))?;
                self.report.new_conflicts += n;
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

    fn kind<R: Record>(&mut self, w: &mut Writer<'_>) -> Result<()> {
        let src = self.src;
        // Records this notebook holds exactly as the file does (merging a
        // file again, most of them) are unchanged without further ado.
        // Cases are not: their references are made local first.
        let same = if R::KIND == ItemKind::Case {
            Default::default()
        } else {
            records::same_rows(src, &w.tx, R::KIND)?
        };
        records::each::<R, _>(src, "1", [], usize::MAX, 0, |r| {
            if same.contains(&r.meta().id) {
                self.report.unchanged += 1;
            } else {
                self.one(w, r)?;
            }
            self.done += 1;
            if self.done.is_multiple_of(1000) {
                (self.progress)(self.done, self.total);
            }
            Ok(())
        })
    }
}

/// Copies the histories that came with the file; returns how many entries
/// were new here.
fn receive_history(w: &Writer<'_>, rec: &Received) -> Result<usize> {
    let mut ins = audit::insert_received(&w.tx)?;
    let mut n = 0;
    let kinds = ItemKind::ALL
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    for sql in [
        format!("{} WHERE item_kind IN ({kinds})", audit::AS_RECEIVED),
        format!("SELECT {} FROM received_audit", audit::RECEIVED_COLUMNS),
    ] {
        let mut stmt = rec.conn.prepare(&sql)?;
        let mut rows = if sql.contains("?1") {
            stmt.query([rec.manifest.export_db])?
        } else {
            stmt.query([])?
        };
        while let Some(r) = rows.next()? {
            let vals: Vec<rusqlite::types::Value> =
                (0..12).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?;
            n += ins.execute(rusqlite::params_from_iter(vals))?;
        }
    }
    Ok(n)
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
        ..MergeReport::default()
    };
    dst.write_maybe(|w| {
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
        let mut mg = Merger {
            src: &rec.conn,
            source_id,
            report: base,
            done: 0,
            total,
            progress,
        };
        mg.kind::<Substance>(w)?;
        mg.kind::<Case>(w)?;
        mg.kind::<Parcel>(w)?;
        mg.kind::<Finding>(w)?;
        mg.kind::<Link>(w)?;
        mg.kind::<Note>(w)?;
        (mg.progress)(mg.done, mg.total);
        let history = receive_history(w, rec)?;
        let mut report = mg.report;
        let changed = report.added + report.updated + report.new_conflicts + history > 0;
        if !changed || dry_run {
            return Ok((report, false));
        }
        report.written = true;
        report.merge_id = Some(source_id);
        let json = serde_json::to_string(&report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        w.tx.execute(
            "UPDATE sources SET report = ?1 WHERE id = ?2",
            (&json, source_id),
        )?;
        audit::append(w, "merge", "merge", source_id, None, Some(&json))?;
        Ok((report, true))
    })
}
