//! Where each received history stood when a merge last added to it: a
//! merge's own audit entry (hash-chained, sealed) names, for each log it
//! received entries of, how many entries this notebook then held of that
//! log, its last sequence number and a SHA-256 over every column of
//! every entry, in order. `audit verify` works the same out of the table
//! and names a log that differs: an entry deleted, added, moved to
//! another number or log, or rewritten with its hashes left or
//! recomputed (each of which passed before, as an entry no later one
//! named, or as one "of the format before schema 4").

use crate::store::audit::names::Name;
use crate::store::error::Result;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// One received log as a merge left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryAnchor {
    pub source_db: Uuid,
    pub entries: u64,
    pub last_seq: i64,
    pub sha256: String,
}

/// The key of a merge's audit entry (its report) that holds its anchors.
pub const KEY: &str = "received_histories";

/// Where the received log of `source_db` stands now.
pub fn anchor(conn: &Connection, source_db: Uuid) -> Result<HistoryAnchor> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM received_audit WHERE source_db = ?1 ORDER BY seq",
        super::RECEIVED_COLUMNS
    ))?;
    let mut rows = stmt.query([source_db])?;
    let mut h = Sha256::new();
    let (mut entries, mut last_seq) = (0u64, 0i64);
    while let Some(r) = rows.next()? {
        entries += 1;
        last_seq = r.get(1)?;
        for i in 0..12 {
            add(&mut h, r.get_ref(i)?);
        }
    }
    Ok(HistoryAnchor {
        source_db,
        entries,
        last_seq,
        sha256: super::hex(&h.finalize()),
    })
}

/// One column's value, typed and with its length, into the hash.
fn add(h: &mut Sha256, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => h.update([0u8]),
        ValueRef::Integer(i) => {
            h.update([1u8]);
            h.update(i.to_le_bytes());
        }
        ValueRef::Real(f) => {
            h.update([2u8]);
            h.update(f.to_le_bytes());
        }
        ValueRef::Text(t) => {
            h.update([3u8]);
            h.update((t.len() as u64).to_le_bytes());
            h.update(t);
        }
        ValueRef::Blob(b) => {
            h.update([4u8]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    }
}

/// The anchors of the logs a merge received entries of: each of
/// `sources` as it stands now.
pub fn anchors(conn: &Connection, sources: &[Uuid]) -> Result<Vec<HistoryAnchor>> {
    sources.iter().map(|s| anchor(conn, *s)).collect()
}

/// What the log's merges say of the received histories: each log's
/// latest anchor, with when its merge was made; and whether every merge
/// in the log names its anchors (merges by a build before them do not:
/// a log received then has none).
pub struct Anchored {
    pub latest: BTreeMap<Uuid, (HistoryAnchor, String)>,
    pub every_merge: bool,
    /// Whether any merge named anchors at all.
    pub any: bool,
}

/// Reads [`Anchored`] from the notebook's own log.
pub fn read(conn: &Connection) -> Result<Anchored> {
    let mut stmt = conn.prepare(&format!(
        "SELECT at, detail FROM audit WHERE action = {} AND item_kind = {} ORDER BY seq",
        Name::Action.sql("merge"),
        Name::Kind.sql("merge"),
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Anchored {
        latest: BTreeMap::new(),
        every_merge: true,
        any: false,
    };
    while let Some(r) = rows.next()? {
        let at = crate::store::stamp::get(r, 0)?;
        let detail: Option<String> = r.get(1)?;
        let given = detail
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .and_then(|v| v.get(KEY).cloned())
            .and_then(|v| serde_json::from_value::<Vec<HistoryAnchor>>(v).ok());
        match given {
            Some(list) => {
                out.any = true;
                for a in list {
                    out.latest.insert(a.source_db, (a, at.clone()));
                }
            }
            None => out.every_merge = false,
        }
    }
    Ok(out)
}
