//! The audit log of schema 3 and before, where every entry copied the
//! whole record before and after the change, and its upgrade in place.
//!
//! The upgrade first recomputes the old chain. Then each old entry becomes
//! an entry of today's format with the same sequence number, time, actor,
//! action and item, the state proven by the record's JSON as the old entry
//! held it (so a record changed outside interdict before the upgrade still
//! differs from its audited state afterwards), and the changed fields; the
//! chain is hashed anew. A last entry, `upgrade`, records the old chain's
//! length, its head and whether it was intact; `verify` keeps reporting an
//! old chain that was found broken.

use super::{Fields, GENESIS, Shape, hex, shape};
use crate::store::error::Result;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The action of the entry an upgrade of the audit log appends.
pub const UPGRADE_ACTION: &str = "upgrade";

/// The old format's previous hash of the first entry (hex).
const LEGACY_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the old format.
pub struct OldEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub item_kind: String,
    pub item_id: Vec<u8>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The old format's entry hash (hex).
pub fn old_hash(e: &OldEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |b: Option<&[u8]>| match b {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    };
    field(Some(e.prev_hash.as_bytes()));
    field(Some(&e.seq.to_le_bytes()));
    field(Some(e.at.as_bytes()));
    field(Some(e.actor.as_bytes()));
    field(Some(e.action.as_bytes()));
    field(Some(e.item_kind.as_bytes()));
    field(Some(&e.item_id));
    field(e.before.as_deref().map(str::as_bytes));
    field(e.after.as_deref().map(str::as_bytes));
    hex(&h.finalize())
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<OldEntry> {
    Ok(OldEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        item_kind: r.get(4)?,
        item_id: r.get(5)?,
        before: r.get(6)?,
        after: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

/// The shape today's format gives an old entry.
pub fn convert(e: &OldEntry) -> Shape {
    shape(&e.item_kind, e.before.as_deref(), e.after.as_deref())
}

/// The old chain as it is walked in sequence order: its first break.
struct OldChain {
    expected: i64,
    prev: String,
    broken: Option<String>,
}

impl OldChain {
    fn new() -> OldChain {
        OldChain {
            expected: 1,
            prev: LEGACY_GENESIS.to_string(),
            broken: None,
        }
    }

    /// Takes the next entry.
    fn step(&mut self, e: &OldEntry) {
        if self.broken.is_none() {
            if e.seq != self.expected {
                self.broken = Some(format!(
                    "expected entry {} next at {}: entries are missing",
                    self.expected, e.seq
                ));
            } else if e.prev_hash != self.prev {
                self.broken = Some(format!(
                    "entry {} does not follow the entry before it (deleted, inserted or reordered entries)",
                    e.seq
                ));
            } else if old_hash(e) != e.hash {
                self.broken = Some(format!(
                    "entry {}: contents altered ({} {})",
                    e.seq, e.action, e.item_kind
                ));
            }
        }
        self.prev = e.hash.clone();
        self.expected = e.seq + 1;
    }

    /// An entry that cannot be read.
    fn unreadable(&mut self, err: &rusqlite::Error) {
        self.broken
            .get_or_insert(format!("entry {} cannot be read: {err}", self.expected));
        self.expected += 1;
    }
}

fn select_old(old_table: &str) -> String {
    format!(
        "SELECT seq, at, actor, action, item_kind, item_id, before, after, prev_hash, hash FROM {old_table} ORDER BY seq"
    )
}

/// Recomputes the old log `old_table`: its first break, if any.
pub fn check_log(conn: &Connection, old_table: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare(&select_old(old_table))?;
    let mut rows = stmt.query([])?;
    let mut chain = OldChain::new();
    while let Some(row) = rows.next()? {
        match read(row) {
            Ok(e) => chain.step(&e),
            Err(err) => chain.unreadable(&err),
        }
    }
    Ok(chain.broken)
}

/// Rewrites the old log `old_table` into the (empty) `audit` table, then
/// appends the upgrade entry. Returns the number of entries converted.
pub fn upgrade_log(
    conn: &Connection,
    old_table: &str,
    at: &str,
    actor: &str,
    db_id: uuid::Uuid,
    from_schema: i64,
) -> Result<i64> {
    let mut stmt = conn.prepare(&select_old(old_table))?;
    let mut rows = stmt.query([])?;
    let mut chain = OldChain::new();
    let mut prev = GENESIS.to_vec();
    let mut last_seq = 0;
    while let Some(row) = rows.next()? {
        let e = match read(row) {
            Ok(e) => e,
            Err(err) => {
                chain.unreadable(&err);
                continue;
            }
        };
        chain.step(&e);
        let s = convert(&e);
        let f = Fields {
            seq: e.seq,
            at: &e.at,
            actor: &e.actor,
            action: &e.action,
            item_kind: &e.item_kind,
            item_id: &e.item_id,
            state: s.state.as_deref(),
            version: s.version.as_ref().map(|h| h.as_slice()),
            detail: s.detail.as_deref(),
        };
        prev = super::insert_entry_as_text(conn, &prev, &f)?.to_vec();
        last_seq = e.seq;
    }
    let converted = last_seq;
    // The sequence goes on from the last old entry; a gap there is in the
    // record of the upgrade, as `broken`.
    let detail = json!({
        "from_schema": from_schema,
        "entries": converted,
        "old_head": chain.prev,
        "old_chain": match &chain.broken {
            None => Value::from("intact"),
            Some(why) => Value::from(format!("broken: {why}")),
        },
    })
    .to_string();
    drop(rows);
    drop(stmt);
    // (Into the log of schema 4, whose times are text.)
    // (Whose every entry keeps its hash whole, and no head apart.)
    let (seq, prev): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT seq + 1, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((1, GENESIS.to_vec()));
    let f = Fields {
        seq,
        at,
        actor,
        action: UPGRADE_ACTION,
        item_kind: "notebook",
        item_id: db_id.as_bytes(),
        state: None,
        version: None,
        detail: Some(&detail),
    };
    super::insert_entry_as_text(conn, &prev, &f)?;
    Ok(converted)
}

/// Rewrites an old `received_audit` table into today's, each entry as
/// [`convert`] shapes it; the entry keeps the hashes it came with.
pub fn upgrade_received(conn: &Connection, old_table: &str) -> Result<usize> {
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, at, actor, action, item_kind, item_id, before, after, prev_hash, hash, source_db FROM {old_table}"
    ))?;
    let mut rows = stmt.query([])?;
    let mut insert = super::insert_received(conn)?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        // A history another file sent with values of the wrong types
        // cannot be converted: it is left out (it only ever told merges
        // which versions that file had seen), and said in the log.
        let (e, source_db) = match read(row).and_then(|e| Ok((e, row.get::<_, Vec<u8>>(10)?))) {
            Ok(x) => x,
            Err(err) => {
                tracing::warn!(%err, "a received audit entry cannot be read; left out of the upgrade");
                continue;
            }
        };
        let s = convert(&e);
        insert.execute(
            rusqlite::params![
                source_db,
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.item_kind,
                e.item_id,
                s.state.as_deref(),
                s.version.as_ref().map(|h| h.as_slice()),
                s.detail,
                unhex(&e.prev_hash),
                unhex(&e.hash),
            ]
            .to_vec(),
        )?;
        n += 1;
    }
    Ok(n)
}

/// Bytes from hex; text that is not hex is kept as its bytes.
fn unhex(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return bytes.to_vec();
    }
    bytes
        .chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            d(p[0]) << 4 | d(p[1])
        })
        .collect()
}

/// What an upgrade entry says of a broken old chain, if it was broken.
pub fn broken_before(detail: &str) -> Option<String> {
    let v: Value = serde_json::from_str(detail).ok()?;
    let chain = v.get("old_chain")?.as_str()?;
    let why = chain.strip_prefix("broken: ")?;
    Some(format!(
        "the audit log was already broken when it was upgraded from schema {}: {why}",
        v.get("from_schema").and_then(Value::as_i64).unwrap_or(0)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhex_reads_hashes_and_keeps_other_text() {
        assert_eq!(unhex("00ff10"), vec![0, 255, 16]);
        assert_eq!(unhex("xyz"), b"xyz".to_vec());
    }

    #[test]
    fn an_upgrade_entry_reports_a_broken_old_chain_only() {
        let ok = json!({"from_schema": 3, "old_chain": "intact"}).to_string();
        assert_eq!(broken_before(&ok), None);
        let bad =
            json!({"from_schema": 3, "old_chain": "broken: entry 4: contents altered"}).to_string();
        let why = broken_before(&bad).unwrap();
        assert!(why.contains("schema 3") && why.contains("entry 4"), "{why}");
    }
}
