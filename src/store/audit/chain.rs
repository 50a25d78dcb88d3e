//! Where the chain's hashes are kept (schema 16 on). Each entry's hash
//! follows from the hash of the entry before it and its own fields, so the
//! log keeps in full only every [`EVERY`]th entry's hash (a reader of one
//! entry's hash works it out from the last one kept, at most
//! `EVERY - 1` entries back) and the head's (`audit_head`, which the next
//! entry is chained to). Every other entry keeps the first [`TAG_LEN`]
//! bytes of its hash: enough for `audit verify` to name the very entry an
//! out-of-band change touched, as when every hash was whole, and for an
//! export to tell an entry it cannot prove from one it can. A change made
//! to fit those bytes (2^32 tries) still breaks the whole hash kept at the
//! next multiple of `EVERY` or at the head.

use super::{ENTRY_COLUMNS, EntryRow, Fields, GENESIS, entry_hash, entry_row};
use crate::store::error::Result;
use rusqlite::{Connection, OptionalExtension};

/// Every how many entries the log keeps a whole hash.
pub const EVERY: i64 = 16;

/// How many bytes of its hash every other entry keeps.
pub const TAG_LEN: usize = 4;

/// What the log stores of entry `seq`'s hash.
pub fn kept(seq: i64, hash: &[u8; 32]) -> &[u8] {
    if seq % EVERY == 0 {
        hash
    } else {
        &hash[..TAG_LEN]
    }
}

/// Whether `stored` (what the log holds of an entry's hash) is what it
/// keeps of `computed`.
pub fn agrees(stored: &[u8], computed: &[u8; 32]) -> bool {
    !stored.is_empty() && computed.starts_with(stored) && matches!(stored.len(), TAG_LEN | 32)
}

/// The hash an entry is handed on with (an export, a merge's copy): the
/// one its fields and the chain give, when the log's own bytes agree with
/// it; else the log's bytes as they are, which no receiver can recompute,
/// so the entry arrives as unproven as it is here.
pub fn handed_on(stored: &[u8], computed: &[u8; 32]) -> Vec<u8> {
    if agrees(stored, computed) {
        computed.to_vec()
    } else {
        stored.to_vec()
    }
}

/// Records `hash` as entry `seq`'s, the head of the chain (its row
/// rewritten in place once there is one).
pub(crate) fn set_head(conn: &Connection, seq: i64, hash: &[u8]) -> Result<()> {
    let changed = conn
        .prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE one = 1")?
        .execute(rusqlite::params![seq, hash])?;
    if changed == 0 {
        conn.prepare_cached("INSERT INTO audit_head (one, seq, hash) VALUES (1, ?1, ?2)")?
            .execute(rusqlite::params![seq, hash])?;
    }
    Ok(())
}

/// The head as `audit_head` records it.
pub(crate) fn recorded_head(conn: &Connection) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(conn
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE one = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The last entry's number and hash: as `audit_head` records it when it
/// names the last entry, else worked out from the entries.
pub fn head(conn: &Connection) -> Result<Option<(i64, Vec<u8>)>> {
    // (One statement: every write asks it before its entry.)
    let (last, recorded): (Option<i64>, Option<(i64, Vec<u8>)>) = conn
        .prepare_cached(
            "SELECT (SELECT max(seq) FROM audit), h.seq, h.hash
               FROM (SELECT 1) LEFT JOIN audit_head h ON h.one = 1",
        )?
        .query_row([], |r| {
            let seq: Option<i64> = r.get(1)?;
            let hash: Option<Vec<u8>> = r.get(2)?;
            Ok((r.get(0)?, seq.zip(hash)))
        })?;
    let Some(last) = last else {
        return Ok(None);
    };
    if let Some((seq, hash)) = recorded
        && seq == last
    {
        return Ok(Some((seq, hash)));
    }
    Ok(hash_at(conn, last)?.map(|h| (last, h.to_vec())))
}

/// The last whole hash the log keeps at or before entry `seq`, and its
/// entry's number (the genesis, 0, when there is none).
fn kept_at_or_before(conn: &Connection, seq: i64) -> Result<(i64, Vec<u8>)> {
    if let Some((h, hash)) = recorded_head(conn)?
        && h <= seq
        && h > seq - EVERY
    {
        return Ok((h, hash));
    }
    Ok(conn
        .prepare_cached(
            "SELECT seq, hash FROM audit WHERE seq <= ?1 AND length(hash) = 32
              ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_vec())))
}

/// The fields of an entry as `entry_row` reads them.
pub(crate) fn fields_of(e: &EntryRow) -> Fields<'_> {
    Fields {
        seq: e.0,
        at: &e.1,
        actor: &e.2,
        action: &e.3,
        item_kind: &e.4,
        item_id: &e.5,
        state: e.6.as_deref(),
        version: e.7.as_deref(),
        detail: e.8.as_deref(),
    }
}

/// Entry `seq`'s hash, worked out from the last whole hash kept before
/// it; none when there is no such entry.
pub fn hash_at(conn: &Connection, seq: i64) -> Result<Option<[u8; 32]>> {
    if seq == 0 {
        return Ok(Some(GENESIS));
    }
    let mut found = None;
    walk_from(conn, seq - 1, Some(seq), |_, e, _, hash| {
        if e.0 == seq {
            found = Some(*hash);
        }
        Ok(true)
    })?;
    Ok(found)
}

/// Reads the entries after `after` in order (to `until` when given), each
/// with the hash of the one before it and its own, worked out from the
/// last whole hash kept at or before `after`. `each` gets the row as
/// stored, the entry as read, the previous hash and its hash, and says
/// whether to go on.
pub fn walk_from(
    conn: &Connection,
    after: i64,
    until: Option<i64>,
    mut each: impl FnMut(&rusqlite::Row<'_>, &EntryRow, &[u8], &[u8; 32]) -> Result<bool>,
) -> Result<()> {
    let (from, mut prev) = kept_at_or_before(conn, after.max(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
    ))?;
    let mut rows = stmt.query([from, until.unwrap_or(i64::MAX)])?;
    while let Some(r) = rows.next()? {
        let e = entry_row(r)?;
        let hash = entry_hash(&prev, &fields_of(&e));
        if e.0 > after && !each(r, &e, &prev, &hash)? {
            break;
        }
        prev.clear();
        prev.extend_from_slice(&hash);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::tests::{add_cases, tamper};
    use crate::store::audit::{self, Verdict};
    use crate::store::testutil::temp_store;
    use crate::store::{OpenOptions, Store};

    /// Every entry's hash, worked out from the genesis.
    fn whole_chain(conn: &Connection) -> Vec<(i64, [u8; 32])> {
        let mut out = Vec::new();
        let mut prev = GENESIS.to_vec();
        let mut stmt = conn
            .prepare(&format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq"))
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let e = entry_row(r).unwrap();
            let h = entry_hash(&prev, &fields_of(&e));
            out.push((e.0, h));
            prev = h.to_vec();
        }
        out
    }

    fn stored(conn: &Connection, seq: i64) -> Vec<u8> {
        conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn the_log_keeps_every_16th_hash_and_the_heads_whole_and_a_tag_of_the_rest() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 40);
        assert_eq!(s.cut_within_pages().unwrap(), 0, "a new file cut nothing");
        let chain = whole_chain(s.conn());
        assert!(chain.len() > 2 * EVERY as usize, "{}", chain.len());
        for (seq, h) in &chain {
            let kept = stored(s.conn(), *seq);
            if seq % EVERY == 0 {
                assert_eq!(kept, h.to_vec(), "entry {seq}");
            } else {
                assert_eq!(kept, h[..TAG_LEN].to_vec(), "entry {seq}");
            }
            assert_eq!(hash_at(s.conn(), *seq).unwrap(), Some(*h), "entry {seq}");
        }
        // What `audit log` shows: every entry's whole hash, read together
        // (the newest) or one item's apart.
        let whole: std::collections::HashMap<i64, String> =
            chain.iter().map(|(q, h)| (*q, audit::hex(h))).collect();
        let recent = audit::recent(s.conn(), 1000).unwrap();
        assert_eq!(recent.len(), chain.len());
        for e in &recent {
            assert_eq!(e.hash, whole[&e.seq], "entry {}", e.seq);
            for h in audit::history(s.conn(), e.item_id).unwrap() {
                assert_eq!(h.hash, whole[&h.seq], "entry {} of its item", h.seq);
            }
        }
        let (last, last_hash) = *chain.last().unwrap();
        assert_eq!(
            head(s.conn()).unwrap(),
            Some((last, last_hash.to_vec())),
            "the head as recorded"
        );
        assert_eq!(hash_at(s.conn(), last + 1).unwrap(), None);
        // The head worked out when its record does not name the last entry.
        s.conn().execute_batch("DELETE FROM audit_head").unwrap();
        assert_eq!(head(s.conn()).unwrap(), Some((last, last_hash.to_vec())));
        match audit::verify(s.conn()).unwrap() {
            Verdict::Broken { reason, .. } => assert!(reason.contains("head"), "{reason}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn verify_names_the_very_entry_a_change_touched_though_it_keeps_a_tag() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 40);
        assert!(matches!(
            audit::verify(s.conn()).unwrap(),
            Verdict::Intact { .. }
        ));
        let last: i64 = s
            .conn()
            .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
            .unwrap();
        // Neither a multiple of 16 nor the head: an entry that keeps a tag.
        let seq = (last - 3..last).find(|q| q % EVERY != 0).unwrap();
        tamper(
            &s,
            &format!("UPDATE audit SET actor = 'mallory' WHERE seq = {seq}"),
        );
        match audit::verify(s.conn()).unwrap() {
            Verdict::Broken { seq: at, .. } => assert_eq!(at, seq),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn newest_entries_removed_are_found_by_the_head() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 5);
        tamper(
            &s,
            "DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)",
        );
        match audit::verify(s.conn()).unwrap() {
            Verdict::Broken { reason, .. } => {
                assert!(reason.contains("newest entries were removed"), "{reason}")
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn an_entry_that_does_not_prove_is_handed_on_unproven() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 20);
        let chain = whole_chain(s.conn());
        let (seq, _) = *chain.iter().rev().find(|(q, _)| q % EVERY != 0).unwrap();
        let other = uuid::Uuid::now_v7();
        let handed = |s: &Store| {
            let mut out = Vec::new();
            walk_from(s.conn(), 0, None, |r, e, prev, hash| {
                let v = audit::as_received_owned(other, r, prev, hash)?;
                out.push((e.0, v));
                Ok(true)
            })
            .unwrap();
            out
        };
        use rusqlite::types::Value as Sql;
        let blob = |v: &Sql| match v {
            Sql::Blob(b) => b.clone(),
            v => panic!("{v:?}"),
        };
        for ((q, v), (_, h)) in handed(&s).iter().zip(&chain) {
            assert_eq!(blob(&v[11]), h.to_vec(), "entry {q} carries its whole hash");
        }
        tamper(
            &s,
            &format!("UPDATE audit SET actor = 'mallory' WHERE seq = {seq}"),
        );
        // As a merge receives it: the entry does not recompute there.
        let mut ins = audit::insert_received(s.conn()).unwrap();
        for (_, v) in handed(&s) {
            ins.execute(v).unwrap();
        }
        drop(ins);
        let problems = crate::store::integrity::check_tables(s.conn())
            .unwrap()
            .problems
            .join("\n");
        assert!(
            problems.contains(&format!("#{seq}")) && problems.contains("does not recompute"),
            "{problems}"
        );
    }

    /// A log of schema 15 (every hash whole, no head apart) upgrades to
    /// tags and a recorded head, every hash the same, and an entry
    /// changed before the upgrade is still named.
    #[test]
    fn a_schema_15_log_keeps_its_hashes_and_its_breaks_through_the_upgrade() {
        let (d, mut s) = temp_store();
        add_cases(&mut s, 40);
        let chain = whole_chain(s.conn());
        let altered = chain[chain.len() - 5].0;
        assert_ne!(altered % EVERY, 0);
        {
            let c = s.conn();
            c.execute_batch(include_str!("../../../tests/fixtures/schema17.sql"))
                .unwrap();
            c.execute_batch(
                "DROP TRIGGER audit_no_update; DROP TABLE audit_head;
                 DROP INDEX audit_item; CREATE INDEX audit_item ON audit (item_id);",
            )
            .unwrap();
            for (seq, h) in &chain {
                c.execute("UPDATE audit SET hash = ?1 WHERE seq = ?2", (&h[..], seq))
                    .unwrap();
            }
            c.execute(
                "UPDATE audit SET actor = 'mallory' WHERE seq = ?1",
                [altered],
            )
            .unwrap();
            c.execute_batch(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\nBEGIN\n    SELECT RAISE(ABORT, 'the audit log is append-only');\nEND;",
            )
            .unwrap();
            c.pragma_update(None, "user_version", 15).unwrap();
        }
        drop(s);
        let s = Store::open(&d.path().join("t.db"), OpenOptions::new("t")).unwrap();
        assert_eq!(s.upgraded_from(), Some(15));
        let tags = chain.iter().filter(|(q, _)| q % EVERY != 0).count() as u64;
        // (And from before schemas 20 and 21, each record's origin and the
        // last change of each never changed: the 40 cases, and the
        // catalogue's substances.)
        let records: i64 = s
            .conn()
            .query_row(
                "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM substances)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let unchanged: i64 = s
            .conn()
            .query_row(
                "SELECT (SELECT 6 * count(*) FROM cases WHERE updated_at = '')
                      + (SELECT 6 * count(*) FROM substances WHERE updated_at = '')
                      + (SELECT coalesce(sum(length(w.name)), 0) FROM cases JOIN writers w ON w.k = created_by WHERE updated_by = '')
                      + (SELECT coalesce(sum(length(w.name)), 0) FROM substances JOIN writers w ON w.k = created_by WHERE updated_by = '')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(unchanged > 0);
        // (And from before schema 23, each writer's name made a key.)
        let mut named = 0;
        for (t, col) in crate::store::writers::columns() {
            let n: i64 = s
                .conn()
                .query_row(
                    &format!(
                        "SELECT coalesce(sum(length(w.name) - length(t.{col})), 0)
                           FROM {t} t JOIN writers w ON w.k = t.{col}"
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            named += n;
        }
        assert!(named > 40 * 3, "{named}");
        assert_eq!(
            s.cut_within_pages().unwrap(),
            tags * 28 + records as u64 * 15 + unchanged as u64 + named as u64,
            "said on the open"
        );
        for (seq, h) in &chain {
            let kept = stored(s.conn(), *seq);
            assert_eq!(kept.len(), if seq % EVERY == 0 { 32 } else { TAG_LEN });
            assert!(h.starts_with(&kept), "entry {seq}");
        }
        let (last, last_hash) = *chain.last().unwrap();
        assert_eq!(
            recorded_head(s.conn()).unwrap(),
            Some((last, last_hash.to_vec()))
        );
        match audit::verify(s.conn()).unwrap() {
            Verdict::Broken { seq, .. } => assert_eq!(seq, altered),
            v => panic!("{v:?}"),
        }
    }
}
