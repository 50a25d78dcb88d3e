//! The audit log: append-only and hash-chained. Each entry's hash covers
//! the previous entry's hash and every field of the entry, so altering,
//! deleting or reordering any entry breaks the chain from there on.

use super::Writer;
use super::error::Result;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub item_kind: String,
    pub item_id: Uuid,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// What the entry changed, for people: `title: "A" -> "B"; ...`.
    pub fn changes(&self) -> String {
        changed_fields(self.before.as_deref(), self.after.as_deref())
    }
}

/// `title: "A" -> "B"; status: ...` from an audit entry's before and after.
fn changed_fields(before: Option<&str>, after: Option<&str>) -> String {
    use serde_json::{Map, Value};
    let parse = |s: Option<&str>| -> Map<String, Value> {
        s.and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let skip = crate::domain::Meta::COLUMNS;
    let mut keys: Vec<&String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| !skip.contains(&k.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut parts = Vec::new();
    for k in keys {
        let (x, y) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if x != y && !(before.is_none() && y.is_null()) {
            if before.is_none() {
                parts.push(format!("{k}={y}"));
            } else if after.is_none() {
                continue;
            } else {
                parts.push(format!("{k}: {x} -> {y}"));
            }
        }
    }
    parts.join("; ")
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The hash of an entry: SHA-256 over length-prefixed fields, so no two
/// different entries can be read as the same byte string.
pub fn entry_hash(e: &Entry) -> String {
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
    field(Some(e.item_id.as_bytes()));
    field(e.before.as_deref().map(str::as_bytes));
    field(e.after.as_deref().map(str::as_bytes));
    hex(&h.finalize())
}

/// Appends an entry in the writer's transaction.
pub fn append(
    w: &mut Writer<'_>,
    action: &str,
    kind: &str,
    id: Uuid,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    let last: Option<(i64, String)> =
        w.tx.prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let mut e = Entry {
        seq,
        at: w.now.clone(),
        actor: w.actor.to_string(),
        action: action.to_string(),
        item_kind: kind.to_string(),
        item_id: id,
        before: before.map(str::to_string),
        after: after.map(str::to_string),
        prev_hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    w.tx.prepare_cached(
        "INSERT INTO audit (seq, at, actor, action, item_kind, item_id, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(rusqlite::params![
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.item_kind,
        e.item_id,
        e.before,
        e.after,
        e.prev_hash,
        e.hash
    ])?;
    Ok(())
}

const SELECT: &str =
    "SELECT seq, at, actor, action, item_kind, item_id, before, after, prev_hash, hash FROM audit";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
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

/// An item's history, oldest first.
pub fn history(conn: &Connection, id: Uuid) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE item_id = ?1 ORDER BY seq"))?;
    let rows = stmt.query_map([id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The last `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY seq DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit as i64], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verdict {
    /// Every entry's hash recomputes and links to the one before.
    Intact { entries: i64, head: String },
    /// The first entry at which the chain fails, and how.
    Broken { seq: i64, reason: String },
}

/// Recomputes the whole chain, in sequence order.
pub fn verify(conn: &Connection) -> Result<Verdict> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    while let Some(row) = rows.next()? {
        let e = match from_row(row) {
            Ok(e) => e,
            Err(err) => {
                let seq: i64 = row.get(0).unwrap_or(expected_seq);
                return Ok(Verdict::Broken {
                    seq,
                    reason: format!("entry cannot be read: {err}"),
                });
            }
        };
        if e.seq != expected_seq {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason: format!("expected entry {expected_seq} next: entries are missing"),
            });
        }
        if e.prev_hash != prev {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason:
                    "does not follow the entry before it (deleted, inserted or reordered entries)"
                        .into(),
            });
        }
        if entry_hash(&e) != e.hash {
            return Ok(Verdict::Broken {
                seq: e.seq,
                reason: format!(
                    "contents altered ({} {} {})",
                    e.action, e.item_kind, e.item_id
                ),
            });
        }
        prev = e.hash;
        expected_seq += 1;
    }
    Ok(Verdict::Intact {
        entries: expected_seq - 1,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::records;
    use crate::store::testutil::temp_store;

    fn add_cases(s: &mut crate::store::Store, n: usize) {
        for i in 0..n {
            s.write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", &format!("case {i}"))])?;
                crate::store::create::case(w, &mut c)?;
                Ok(())
            })
            .unwrap();
        }
    }

    /// Rewrites the audit table the way someone with the sqlite3 shell could.
    fn tamper(s: &crate::store::Store, sql: &str) {
        s.conn()
            .execute_batch(&format!(
                "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {sql}"
            ))
            .unwrap();
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        match verify(s.conn()).unwrap() {
            Verdict::Intact { entries, .. } => assert!(entries >= 3),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn triggers_refuse_changes() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 1);
        assert!(
            s.conn()
                .execute("UPDATE audit SET actor = 'x'", [])
                .is_err()
        );
        assert!(s.conn().execute("DELETE FROM audit", []).is_err());
    }

    fn last_seq(s: &crate::store::Store) -> i64 {
        s.conn()
            .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn altered_entry_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let seq = last_seq(&s) - 1;
        tamper(
            &s,
            &format!("UPDATE audit SET actor = 'mallory' WHERE seq = {seq}"),
        );
        assert_eq!(
            verify(s.conn()).unwrap(),
            Verdict::Broken {
                seq,
                reason: format!(
                    "contents altered (create case {})",
                    s.conn()
                        .query_row("SELECT item_id FROM audit WHERE seq = ?1", [seq], |r| r
                            .get::<_, Uuid>(0))
                        .unwrap()
                )
            }
        );
    }

    #[test]
    fn deleted_entry_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let seq = last_seq(&s) - 1;
        tamper(&s, &format!("DELETE FROM audit WHERE seq = {seq}"));
        match verify(s.conn()).unwrap() {
            Verdict::Broken { seq: at, reason } => {
                assert_eq!(at, seq + 1);
                assert!(reason.contains("missing"));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn reordered_entries_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let a = last_seq(&s);
        let b = a - 1;
        // Swap the contents of two entries, keeping their sequence numbers.
        tamper(
            &s,
            &format!(
                "UPDATE audit SET seq = -1 WHERE seq = {a};
                 UPDATE audit SET seq = {a} WHERE seq = {b};
                 UPDATE audit SET seq = {b} WHERE seq = -1;"
            ),
        );
        assert!(matches!(verify(s.conn()).unwrap(), Verdict::Broken { seq, .. } if seq == b));
    }

    #[test]
    fn history_of_an_item() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "A")])?;
                crate::store::create::case(w, &mut c)?;
                crate::domain::record::set_fields(&mut c, &[("title", "B")])?;
                records::update(w, &mut c)?;
                Ok(c.meta.id)
            })
            .unwrap();
        let h = history(s.conn(), id).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].action, "create");
        assert!(h[1].before.as_deref().unwrap().contains("\"title\":\"A\""));
        assert!(h[1].after.as_deref().unwrap().contains("\"title\":\"B\""));
    }
}
