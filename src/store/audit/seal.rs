//! Seals and checkpoints: what makes a shortened or rewritten audit log
//! visible to someone who did not do it.
//!
//! - A **seal** is the writer's ed25519 signature over the chain's hash at
//!   the last entry of each write transaction (and so over every entry
//!   before it), kept in the notebook (`audit_seals`, with the writer's
//!   public key in `audit_keys`). Rewriting the chain breaks every seal
//!   after the change; sealing it again takes the writers' private keys,
//!   which live in each user's own data directory.
//! - A **checkpoint** is the chain head a user last wrote or verified
//!   (entry number and hash), signed and kept outside the notebook in that
//!   user's data directory. A log cut back (newest entries dropped with
//!   their records and seals) or a file rolled back to an older copy no
//!   longer holds the head a checkpoint names.

use super::super::error::{Result, StoreError};
use super::hex;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Written before what a seal signs, so a seal is never valid as any
/// other interdict signature.
const SEAL_TAG: &[u8] = b"interdict-audit-seal-1";
/// Seals since 2026-12-07 sign the name their key is kept under too: a
/// name changed in `audit_keys` by hand (its trigger dropped) put every
/// seal of the key under someone else's name, and verify said nothing.
const NAMED_SEAL_TAG: &[u8] = b"interdict-audit-seal-2";
const CHECKPOINT_TAG: &[u8] = b"interdict-audit-checkpoint-1";

fn message(tag: &[u8], db: Uuid, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = tag.to_vec();
    m.extend_from_slice(db.as_bytes());
    m.extend_from_slice(&seq.to_le_bytes());
    m.extend_from_slice(hash);
    m
}

/// What a seal signs: the entry, and the name the sealing key is kept
/// under (its length first, so no name is the start of another's).
fn seal_message(db: Uuid, seq: i64, hash: &[u8], actor: &str) -> Vec<u8> {
    let mut m = message(NAMED_SEAL_TAG, db, seq, hash);
    m.extend_from_slice(&(actor.len() as u64).to_le_bytes());
    m.extend_from_slice(actor.as_bytes());
    m
}

/// Seals entry `seq` (whose hash is `hash`) with the writer's key, in the
/// writer's transaction.
pub fn seal(
    tx: &Connection,
    db: Uuid,
    key: &SigningKey,
    actor: &str,
    seq: i64,
    hash: &[u8],
) -> Result<()> {
    let public = key.verifying_key().to_bytes();
    // (A key is kept under the name it first sealed with.)
    let (id, kept_as): (i64, String) = match tx
        .prepare_cached("SELECT id, actor FROM audit_keys WHERE public_key = ?1")?
        .query_row([&public[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
    {
        Some(k) => k,
        None => {
            tx.prepare_cached("INSERT INTO audit_keys (public_key, actor) VALUES (?1, ?2)")?
                .execute((&public[..], actor))?;
            (tx.last_insert_rowid(), actor.to_string())
        }
    };
    let sig = key.sign(&seal_message(db, seq, hash, &kept_as));
    tx.prepare_cached("INSERT INTO audit_seals (seq, key, signature) VALUES (?1, ?2, ?3)")?
        .execute((seq, id, &sig.to_bytes()[..]))?;
    Ok(())
}

/// A key that sealed entries, as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Sealer {
    pub actor: String,
    pub fingerprint: String,
    pub seals: i64,
    /// The verifying user's own key.
    pub yours: bool,
}

/// What the seals and the checkpoint say.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SealReport {
    pub sealers: Vec<Sealer>,
    /// Entries up to this one are covered by a seal that verifies.
    pub sealed_to: i64,
    pub problems: Vec<String>,
    /// What the user's checkpoint showed, when there was one.
    pub checkpoint: Option<String>,
}

/// A short, comparable name for a public key: `SHA256:` and the first 16
/// bytes of its hash, base64 (as people compare SSH keys; as `interdict
/// keys show` prints it).
pub fn fingerprint(public: &[u8]) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(public);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(&d[..16])
    )
}

/// Checks every seal against the entry it names (whose hash the chain
/// check has proven), and names the entries no seal covers, keys that
/// seal in the verifying user's name without being theirs, and names
/// sealed by more than one key.
pub fn verify(
    conn: &Connection,
    db: Uuid,
    own: Option<(&VerifyingKey, &str)>,
) -> Result<SealReport> {
    let mut out = SealReport::default();
    let mut keys: Vec<(i64, Vec<u8>, String, i64)> = conn
        .prepare(
            "SELECT k.id, k.public_key, k.actor, (SELECT count(*) FROM audit_seals s WHERE s.key = k.id)
             FROM audit_keys k ORDER BY k.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    keys.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
    let show = |s: &str| crate::domain::text::sanitize(s).into_owned();
    for (_, public, actor, seals) in &keys {
        let yours = own.is_some_and(|(k, _)| k.as_bytes() == public.as_slice());
        if let Some((_, me)) = own
            && actor == me
            && !yours
        {
            out.problems.push(format!(
                "{seals} seal(s) in your name ({}) by a key that is not yours ({}): someone else sealed entries as you",
                show(actor),
                fingerprint(public)
            ));
        }
        out.sealers.push(Sealer {
            actor: actor.clone(),
            fingerprint: fingerprint(public),
            seals: *seals,
            yours,
        });
    }
    for w in keys.windows(2) {
        if w[0].2 == w[1].2 {
            out.problems.push(format!(
                "{} sealed with more than one key ({} and {}): if they did not change keys, someone sealed in their name",
                show(&w[0].2),
                fingerprint(&w[0].1),
                fingerprint(&w[1].1)
            ));
        }
    }
    let mut stmt = conn.prepare(
        "SELECT s.seq, k.public_key, k.actor, s.signature
         FROM audit_seals s JOIN audit_keys k ON k.id = s.key
         ORDER BY s.seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (seq, public, actor, sig): (i64, Vec<u8>, String, Vec<u8>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        // The hash the chain gives the entry (`chain`: the log keeps
        // most only in part).
        let hash = super::chain::hash_at(conn, seq)?;
        let Some(hash) = hash else {
            out.problems.push(format!(
                "entry {seq} is sealed (by {}) but missing: entries were removed",
                show(&actor)
            ));
            continue;
        };
        let good = VerifyingKey::try_from(public.as_slice())
            .ok()
            .zip(Signature::from_slice(&sig).ok())
            .is_some_and(|(k, s)| {
                k.verify(&seal_message(db, seq, &hash, &actor), &s).is_ok()
                    // (A seal made before seals named their key's name:
                    // one made since never verifies this way.)
                    || k.verify(&message(SEAL_TAG, db, seq, &hash), &s).is_ok()
            });
        if good {
            out.sealed_to = seq;
        } else {
            out.problems.push(format!(
                "the seal of entry {seq} (by {}) does not match it: the entries up to it were rewritten, or the name its key is kept under was changed",
                show(&actor)
            ));
        }
    }
    let last: Option<i64> = conn.query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))?;
    if let Some(last) = last
        && last > out.sealed_to
    {
        out.problems.push(format!(
            "entries {} to {last} are sealed by no one: written outside interdict, or by a writer without a key",
            out.sealed_to + 1
        ));
    }
    Ok(out)
}

/// The chain head a user saw, signed with their key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub database_id: Uuid,
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// The notebook's path when it was seen (for the reader).
    pub path: String,
    pub public_key: String,
    pub signature: String,
}

fn checkpoint_file(dir: &Path, db: Uuid) -> PathBuf {
    dir.join(format!("{db}.json"))
}

/// Records the head `seq`/`hash` of notebook `db` as seen by the holder
/// of `key`, unless a later one of the same chain is recorded already.
pub fn record_checkpoint(
    dir: &Path,
    db: Uuid,
    path: &Path,
    key: &SigningKey,
    seq: i64,
    hash: &[u8],
    at: &str,
) -> Result<()> {
    if let Some(cp) = read_checkpoint(dir, db, &key.verifying_key())
        && cp.seq > seq
    {
        return Ok(());
    }
    write_checkpoint(dir, db, path, key, seq, hash, at)
}

/// Records the head `seq`/`hash` of notebook `db` as seen by the holder
/// of `key`, whatever was recorded before (the user has looked into what
/// the log says against it, and takes the log as it stands).
pub fn write_checkpoint(
    dir: &Path,
    db: Uuid,
    path: &Path,
    key: &SigningKey,
    seq: i64,
    hash: &[u8],
    at: &str,
) -> Result<()> {
    let cp = Checkpoint {
        database_id: db,
        seq,
        hash: hex(hash),
        at: at.to_string(),
        path: path.to_string_lossy().into_owned(),
        public_key: hex(key.verifying_key().as_bytes()),
        signature: hex(&key.sign(&message(CHECKPOINT_TAG, db, seq, hash)).to_bytes()),
    };
    let text = crate::domain::json::pretty(&cp).unwrap_or_default();
    let io = |e: std::io::Error| StoreError::File {
        path: dir.into(),
        message: format!("cannot record the audit checkpoint: {e}"),
    };
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(io)?;
    // A new private file (0600) put in place in one step.
    let mut f = tempfile::Builder::new()
        .prefix(".checkpoint-")
        .tempfile_in(dir)
        .map_err(io)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(io)?;
    f.persist(checkpoint_file(dir, db))
        .map_err(|e| io(e.error))?;
    Ok(())
}

/// The user's checkpoint of notebook `db`, if there is one they signed.
pub fn read_checkpoint(dir: &Path, db: Uuid, own: &VerifyingKey) -> Option<Checkpoint> {
    let text = std::fs::read_to_string(checkpoint_file(dir, db)).ok()?;
    let cp: Checkpoint = serde_json::from_str(&text).ok()?;
    let hash = unhex(&cp.hash)?;
    let sig = Signature::from_slice(&unhex(&cp.signature)?).ok()?;
    (cp.database_id == db
        && cp.public_key == hex(own.as_bytes())
        && own
            .verify(&message(CHECKPOINT_TAG, db, cp.seq, &hash), &sig)
            .is_ok())
    .then_some(cp)
}

/// Bytes from hex digits (none for anything else).
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    s.len()
        .is_multiple_of(2)
        .then(|| {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// What a head reported for a log (an export's manifest says where its
/// source's log stood) says against the user's checkpoint of that log: a
/// warning when the log was cut back, rolled back or rewritten since.
pub fn against_checkpoint(cp: &Checkpoint, seq: i64, hash: &str) -> Option<String> {
    if seq < cp.seq {
        Some(format!(
            "its log stands at entry {seq}, but you saw entry {} of it on {}: newest entries were removed there, or the notebook was rolled back to an older copy",
            cp.seq, cp.at
        ))
    } else if seq == cp.seq && hash != cp.hash {
        Some(format!(
            "its entry {seq} is not the one you saw on {}: its log was rewritten",
            cp.at
        ))
    } else {
        None
    }
}

/// Compares the log with the user's checkpoint: the entry it names must
/// be there, with the hash it had.
pub fn check_checkpoint(conn: &Connection, cp: &Checkpoint, out: &mut SealReport) -> Result<()> {
    match checkpoint_problem(conn, cp)? {
        Some(p) => out.problems.push(p),
        None => out.checkpoint = Some(format!("holds entry {} as you saw it on {}", cp.seq, cp.at)),
    }
    Ok(())
}

/// What the log says against the user's checkpoint: `None` when it holds
/// the entry the checkpoint names, with the hash it had.
pub fn checkpoint_problem(conn: &Connection, cp: &Checkpoint) -> Result<Option<String>> {
    let hash = super::chain::hash_at(conn, cp.seq)?;
    let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))?;
    Ok(match hash {
        None => Some(format!(
            "the log ends at entry {last}, but you saw entry {} on {}: newest entries were removed, or the file was rolled back to an older copy",
            cp.seq, cp.at
        )),
        Some(h) if hex(&h) != cp.hash => Some(format!(
            "entry {} is not the one you saw on {}: the log was rewritten or the file replaced",
            cp.seq, cp.at
        )),
        Some(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::audit::{ENTRY_COLUMNS, EntryRow, Fields, GENESIS, entry_hash, entry_row};
    use crate::store::{OpenOptions, Store, create};
    use std::sync::Arc;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A notebook whose writes `tester` seals with key 1.
    fn sealed_store(dir: &tempfile::TempDir) -> Store {
        let mut o = OpenOptions::new("tester");
        o.seal_key = Some(Arc::new(key(1)));
        o.checkpoints = Some(dir.path().join("checkpoints"));
        let mut s = Store::open(&dir.path().join("nb.db"), o).unwrap();
        for i in 0..3 {
            s.write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", &format!("case {i}"))])?;
                create::case(w, &mut c)
            })
            .unwrap();
        }
        s
    }

    /// The number of the log's last entry.
    fn last_entry(s: &Store) -> i64 {
        s.conn()
            .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
            .unwrap()
    }

    fn report(s: &Store) -> SealReport {
        let own = key(1).verifying_key();
        verify(s.conn(), s.db_id(), Some((&own, "tester"))).unwrap()
    }

    /// Recomputes the whole chain after an entry was changed, as someone
    /// who knows the format (but not the writers' keys) could.
    fn rehash(s: &Store) {
        let c = s.conn();
        let rows: Vec<EntryRow> = c
            .prepare(&format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq"))
            .unwrap()
            .query_map([], entry_row)
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut prev = GENESIS.to_vec();
        for (seq, at, actor, action, kind, id, state, version, detail, _) in rows {
            let h = entry_hash(
                &prev,
                &Fields {
                    seq,
                    at: &at,
                    actor: &actor,
                    action: &action,
                    item_kind: &kind,
                    item_id: &id,
                    state: state.as_deref(),
                    version: version.as_deref(),
                    detail: detail.as_deref(),
                },
            );
            c.execute(
                "UPDATE audit SET hash = ?1 WHERE seq = ?2",
                (crate::store::audit::chain::kept(seq, &h), seq),
            )
            .unwrap();
            crate::store::audit::chain::set_head(c, seq, &h).unwrap();
            prev = h.to_vec();
        }
    }

    #[test]
    fn every_write_is_sealed_by_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let s = sealed_store(&dir);
        let r = report(&s);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.sealed_to, last_entry(&s));
        assert_eq!(r.sealers.len(), 1);
        assert!(
            r.sealers[0].yours && r.sealers[0].seals == 4,
            "{:?}",
            r.sealers
        );
    }

    #[test]
    fn a_chain_rewritten_and_rehashed_breaks_its_seals() {
        let dir = tempfile::tempdir().unwrap();
        let s = sealed_store(&dir);
        s.conn()
            .execute_batch("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = (SELECT max(seq) - 1 FROM audit);")
            .unwrap();
        rehash(&s);
        // The chain itself is intact again: only the seals tell.
        assert!(matches!(
            crate::store::audit::verify(s.conn()).unwrap(),
            crate::store::audit::Verdict::Intact { .. }
        ));
        let p = report(&s).problems.join("\n");
        assert!(
            p.contains("does not match it: the entries up to it were rewritten"),
            "{p}"
        );
    }

    #[test]
    fn a_sealing_key_given_another_name_breaks_its_seals() {
        let dir = tempfile::tempdir().unwrap();
        let s = sealed_store(&dir);
        assert!(report(&s).problems.is_empty(), "{:?}", report(&s).problems);
        // Someone with the sqlite3 shell puts the seals under another name.
        s.conn()
            .execute_batch(
                "DROP TRIGGER audit_keys_no_update; UPDATE audit_keys SET actor = 'mallory'",
            )
            .unwrap();
        let r = report(&s);
        let p = r.problems.join("\n");
        assert!(
            p.contains("the seal of entry") && p.contains("(by mallory) does not match it"),
            "{p}"
        );
        assert_eq!(r.sealed_to, 0, "{r:?}");
    }

    #[test]
    fn a_seal_made_before_seals_named_their_key_still_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let s = sealed_store(&dir);
        // Each seal signed as a release before 2026-12-07 signed it.
        let db = s.db_id();
        let seals: Vec<i64> = s
            .conn()
            .prepare("SELECT seq FROM audit_seals")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        s.conn()
            .execute_batch("DROP TRIGGER audit_seals_no_update")
            .unwrap();
        for seq in seals {
            let hash = crate::store::audit::chain::hash_at(s.conn(), seq)
                .unwrap()
                .unwrap();
            let sig = key(1).sign(&message(SEAL_TAG, db, seq, &hash));
            s.conn()
                .execute(
                    "UPDATE audit_seals SET signature = ?1 WHERE seq = ?2",
                    (&sig.to_bytes()[..], seq),
                )
                .unwrap();
        }
        let r = report(&s);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.sealed_to, last_entry(&s));
    }

    #[test]
    fn entries_added_without_a_seal_or_sealed_as_you_by_another_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = sealed_store(&dir);
        // A writer without a key (or someone with the sqlite3 shell and
        // the format) appends.
        s.seal_key = None;
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "unsealed")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        let p = report(&s).problems.join("\n");
        assert!(p.contains("are sealed by no one"), "{p}");
        // Sealed again by someone else's key under your name.
        s.seal_key = Some(Arc::new(key(2)));
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "in your name")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        let p = report(&s).problems.join("\n");
        assert!(
            p.contains("in your name (tester) by a key that is not yours"),
            "{p}"
        );
        assert!(p.contains("tester sealed with more than one key"), "{p}");
    }

    #[test]
    fn a_checkpoint_catches_a_log_cut_back_or_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let cps = dir.path().join("checkpoints");
        let mut s = sealed_store(&dir);
        let own = key(1).verifying_key();
        s.record_checkpoint();
        let cp = read_checkpoint(&cps, s.db_id(), &own).expect("recorded");
        let mut r = report(&s);
        check_checkpoint(s.conn(), &cp, &mut r).unwrap();
        assert!(r.problems.is_empty() && r.checkpoint.is_some(), "{r:?}");
        // The newest entries dropped with their seals: every seal left
        // verifies, so only the checkpoint can tell.
        s.conn()
            .execute_batch(&format!(
                "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_seals_no_delete;
                 DELETE FROM audit WHERE seq >= {0}; DELETE FROM audit_seals WHERE seq >= {0};",
                cp.seq - 1
            ))
            .unwrap();
        let mut r = report(&s);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        check_checkpoint(s.conn(), &cp, &mut r).unwrap();
        assert!(
            r.problems
                .join("\n")
                .contains(&format!("but you saw entry {}", cp.seq)),
            "{:?}",
            r.problems
        );
        // Someone else's checkpoint file in your folder is not yours.
        assert!(read_checkpoint(&cps, s.db_id(), &key(2).verifying_key()).is_none());
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
