//! Rows that carry their own hash: the audit entries other notebooks sent
//! with merged records (`received_audit`), each hashed over the hash of
//! the entry before it and its own fields, and the bytes of embedded
//! documents (`document_bytes`), filed under their SHA-256. Both tables
//! can be large: each is read once, a row at a time.

use super::{RecordCheck, push};
use crate::domain::text::sanitize;
use crate::store::audit::names::Name;
use crate::store::audit::{self, Fields};
use crate::store::error::Result;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The last word of a problem line (as the record checks say it).
const OUTSIDE: &str = "changed outside interdict";

/// A received entry, as far as its neighbour needs it.
struct Seen {
    source: Vec<u8>,
    seq: i64,
    hash: Vec<u8>,
    /// Its hash recomputes from its previous hash and fields.
    recomputes: bool,
    /// Said already.
    reported: bool,
    what: String,
}

fn source_name(db: &[u8]) -> String {
    Uuid::from_slice(db).map_or_else(|_| audit::hex(db), |u| u.to_string())
}

/// Checks every received entry's hash, and the links between entries one
/// after the other in a source's log.
///
/// Two things interdict itself leaves make a hash that does not recompute,
/// or a link that does not hold, no proof on their own:
/// - an entry received before its notebook was upgraded from schema 3
///   keeps the hash of the old format, which the upgrade could not
///   recompute (it kept what the entry proves, not the whole record the
///   old hash covered), and such entries travel on with later exports;
/// - a notebook copied as a file and written in both copies has two logs
///   under one database id, and a notebook that merges from both holds
///   entries of each, one after the other, that do not link.
///
/// So an entry whose hash does not recompute is named where its log
/// proves it is of today's format: its neighbour recomputes and links to
/// it (an old-format hash never equals a hash of today's format, and the
/// neighbour's recomputing proves the hash it names). The entries nothing
/// proves, and the links that do not hold, are counted in notes.
pub(super) fn check_received(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM received_audit ORDER BY source_db, seq",
        audit::RECEIVED_READ
    ))?;
    let mut rows = stmt.query([])?;
    let mut prev: Option<Seen> = None;
    let (mut old, mut altered, mut unlinked) = (0usize, 0usize, 0usize);
    let altered_line = |s: &Seen| {
        format!(
            "received_audit row {} #{} ({}) does not recompute from its fields: {OUTSIDE}",
            source_name(&s.source),
            s.seq,
            s.what
        )
    };
    while let Some(r) = rows.next()? {
        out.checked += 1;
        let source: Vec<u8> = r.get(0)?;
        let seq: i64 = r.get(1)?;
        let (at, actor, action, kind): (String, String, String, String) = (
            crate::store::stamp::get(r, 2)?,
            r.get(3)?,
            Name::Action.get(r, 4)?,
            Name::Kind.get(r, 5)?,
        );
        let id: Vec<u8> = r.get(6)?;
        let (state, version): (Option<Vec<u8>>, Option<Vec<u8>>) = (r.get(7)?, r.get(8)?);
        let detail: Option<String> = r.get(9)?;
        let (prev_hash, hash): (Vec<u8>, Vec<u8>) = (r.get(10)?, r.get(11)?);
        let f = Fields {
            seq,
            at: &at,
            actor: &actor,
            action: &action,
            item_kind: &kind,
            item_id: &id,
            state: state.as_deref(),
            version: version.as_deref(),
            detail: detail.as_deref(),
        };
        let mut this = Seen {
            recomputes: audit::entry_hash(&prev_hash, &f) == hash.as_slice(),
            reported: false,
            what: format!(
                "{} {} {}",
                sanitize(&action),
                sanitize(&kind),
                source_name(&id)
            ),
            source,
            seq,
            hash,
        };
        if let Some(p) = prev.as_mut()
            && p.source == this.source
            && p.seq + 1 == this.seq
        {
            let linked = prev_hash == p.hash;
            match (p.recomputes, this.recomputes, linked) {
                // The later entry is of today's format and names the
                // earlier one's hash: that one is of today's format too.
                (false, true, true) if !p.reported => {
                    p.reported = true;
                    altered += 1;
                    push(out, altered_line(p));
                }
                // The earlier entry is of today's format and the later one
                // names its hash: so is the later one.
                (true, false, true) => {
                    this.reported = true;
                    altered += 1;
                    push(out, altered_line(&this));
                }
                (true, true, false) | (false, false, false) => unlinked += 1,
                _ => {}
            }
        }
        if let Some(p) = prev.replace(this)
            && !p.recomputes
            && !p.reported
        {
            old += 1;
        }
    }
    if let Some(p) = prev
        && !p.recomputes
        && !p.reported
    {
        old += 1;
    }
    if old > 0 {
        out.notes.push(format!(
            "{old} received audit {} not recompute in today's format and nothing proves they should: entries received before an upgrade from schema 3 keep their old hashes{}",
            if old == 1 { "entry does" } else { "entries do" },
            if altered > 0 {
                " (the entries named above are of today's format)"
            } else {
                ""
            }
        ));
    }
    check_anchors(conn, out)?;
    if unlinked > 0 {
        out.notes.push(format!(
            "{unlinked} received audit {} not name the hash of the entry before {} in its log: a notebook copied as a file and written in both copies does this, and so does an entry rewritten with its hash recomputed",
            if unlinked == 1 { "entry does" } else { "entries do" },
            if unlinked == 1 { "it" } else { "them" },
        ));
    }
    Ok(())
}

/// Checks each received log against where the last merge that added to
/// it says it stood ([`audit::anchor`]): a log that differs was changed
/// outside interdict since (an entry deleted, added, moved or rewritten,
/// whatever its hashes say). When every merge in the log names its
/// anchors, a log none names was written outside interdict too. A merge
/// stopped midway, which copies histories before it records itself,
/// leaves its logs ahead of their anchors: said, not blamed.
pub(super) fn check_anchors(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    let anchored = audit::anchor::read(conn)?;
    if !anchored.any {
        return Ok(());
    }
    let stopped = crate::store::under_way(conn)?
        .iter()
        .any(|j| j.kind == "merge");
    let mut ahead = 0;
    for (source, (then, at)) in &anchored.latest {
        out.checked += 1;
        let now = audit::anchor::anchor(conn, *source)?;
        if now == *then {
            continue;
        }
        if stopped && now.entries > then.entries {
            ahead += 1;
            continue;
        }
        push(
            out,
            format!(
                "received history of {source} is not as the merge of {} left it ({} entries up to #{} then, {} up to #{} now): entries deleted, added, moved or rewritten: {OUTSIDE}",
                sanitize(at),
                then.entries,
                then.last_seq,
                now.entries,
                now.last_seq,
            ),
        );
    }
    if anchored.every_merge {
        let mut stmt = conn.prepare("SELECT DISTINCT source_db FROM received_audit")?;
        let sources: Vec<Uuid> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for s in sources {
            if !anchored.latest.contains_key(&s) {
                push(
                    out,
                    format!(
                        "received history of {s} came with no merge the log records: written {OUTSIDE}"
                    ),
                );
            }
        }
    }
    if ahead > 0 {
        out.notes.push(format!(
            "{ahead} received {} ahead of the last merge that recorded {}: a merge stopped midway copies histories first; merging its file again finishes it",
            if ahead == 1 { "history is" } else { "histories are" },
            if ahead == 1 { "it" } else { "them" },
        ));
    }
    Ok(())
}

/// Checks that the bytes kept for each embedded document hash to the
/// SHA-256 they are filed under, and that every document said to be kept
/// in the notebook has its bytes.
pub(super) fn check_document_bytes(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    let mut stmt = conn.prepare("SELECT sha256, bytes FROM document_bytes")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.checked += 1;
        let key: String = r.get(0)?;
        // Read in place: a video need not be copied to be hashed.
        let now = match r.get_ref(1)? {
            rusqlite::types::ValueRef::Blob(b) => Sha256::digest(b),
            rusqlite::types::ValueRef::Text(t) => Sha256::digest(t),
            _ => Sha256::digest([]),
        };
        let now = audit::hex(&now);
        if now != key {
            push(
                out,
                format!(
                    "document_bytes row {} holds bytes whose SHA-256 is {now}: {OUTSIDE}",
                    sanitize(&key)
                ),
            );
        }
    }
    let mut stmt = conn.prepare(
        "SELECT d.id, d.path, d.sha256 FROM documents d
         WHERE d.embedded = 'yes'
           AND NOT EXISTS (SELECT 1 FROM document_bytes b WHERE b.sha256 = d.sha256)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (id, path, sha): (Uuid, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        push(
            out,
            format!(
                "document_bytes has no row {} for document {} ({id}), which is kept in the notebook: {OUTSIDE}",
                sanitize(&sha),
                sanitize(&path)
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::check_tables;
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::testutil::temp_store;
    use crate::store::{audit, create};
    use uuid::Uuid;

    /// A notebook holding, as received from another, a copy of its own
    /// history (as a merge stores the history that came with a file).
    fn received() -> (tempfile::TempDir, crate::store::Store, Uuid) {
        let (d, mut s) = temp_store();
        for i in 0..6 {
            s.write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", &format!("case {i}"))])?;
                create::case(w, &mut c).map(drop)
            })
            .unwrap();
        }
        let other = Uuid::now_v7();
        let mut rows = Vec::new();
        audit::chain::walk_from(s.conn(), 0, None, |r, _, prev, hash| {
            rows.push(audit::as_received_owned(other, r, prev, hash)?);
            Ok(true)
        })
        .unwrap();
        let mut ins = audit::insert_received(s.conn()).unwrap();
        for r in rows {
            ins.execute(r).unwrap();
        }
        drop(ins);
        (d, s, other)
    }

    #[test]
    fn received_history_changed_outside_interdict_is_named() {
        let (_d, s, other) = received();
        let ok = check_tables(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert!(ok.notes.is_empty(), "{:?}", ok.notes);
        let last: i64 = s
            .conn()
            .query_row("SELECT max(seq) FROM received_audit", [], |r| r.get(0))
            .unwrap();
        assert!(last > 8, "{last}");
        // An entry's author changed; another's link to the one before.
        s.conn()
            .execute_batch(&format!(
                "UPDATE received_audit SET actor = 'mallory' WHERE seq = {};
                 UPDATE received_audit SET prev_hash = zeroblob(32) WHERE seq = {};",
                last - 1,
                last - 4
            ))
            .unwrap();
        // One rewritten whole, its hash recomputed by someone who knows
        // the format: the entry after it no longer names its hash.
        let forged = last - 7;
        type Row = (
            String,
            String,
            String,
            Vec<u8>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<String>,
        );
        let (at, action, kind, id, state, version, detail): Row = s
            .conn()
            .query_row(
                "SELECT at, action, item_kind, item_id, state, version, detail FROM received_audit WHERE seq = ?1",
                [forged],
                |r| Ok((crate::store::stamp::get(r, 0)?, super::Name::Action.get(r, 1)?, super::Name::Kind.get(r, 2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .unwrap();
        let prev: Vec<u8> = s
            .conn()
            .query_row(
                "SELECT hash FROM received_audit WHERE seq = ?1",
                [forged - 1],
                |r| r.get(0),
            )
            .unwrap();
        let f = audit::Fields {
            seq: forged,
            at: &at,
            actor: "mallory",
            action: &action,
            item_kind: &kind,
            item_id: &id,
            state: state.as_deref(),
            version: version.as_deref(),
            detail: detail.as_deref(),
        };
        s.conn()
            .execute(
                "UPDATE received_audit SET actor = 'mallory', hash = ?2 WHERE seq = ?1",
                rusqlite::params![forged, audit::entry_hash(&prev, &f).as_slice()],
            )
            .unwrap();
        let bad = check_tables(s.conn()).unwrap();
        let all = bad.problems.join("\n");
        for seq in [last - 1, last - 4] {
            assert!(
                all.contains(&format!("received_audit row {other} #{seq} ("))
                    && all
                        .contains("does not recompute from its fields: changed outside interdict"),
                "{all}"
            );
        }
        assert_eq!(bad.problems.len(), 2, "{all}");
        // The entry rewritten whole is said, not proven: so would the
        // place where two copies of a notebook part be.
        assert_eq!(
            bad.notes,
            [
                "1 received audit entry does not name the hash of the entry before it in its log: a notebook copied as a file and written in both copies does this, and so does an entry rewritten with its hash recomputed"
            ],
        );
    }

    #[test]
    fn an_entry_in_the_old_format_with_nothing_beside_it_is_a_note() {
        let (_d, s, _) = received();
        // Alone in its source's log, an entry whose hash does not
        // recompute may be one received before an upgrade from schema 3.
        s.conn()
            .execute_batch(
                "DELETE FROM received_audit WHERE seq IN (2, 4);
                 UPDATE received_audit SET actor = 'before schema 4' WHERE seq = 3;",
            )
            .unwrap();
        let r = check_tables(s.conn()).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        assert!(
            r.notes[0].starts_with("1 received audit entry does not recompute"),
            "{:?}",
            r.notes
        );
    }
}
