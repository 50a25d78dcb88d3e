//! A file received from someone else, checked before anything reads it as
//! data: decrypted (age) if needed, opened read-only and immutable in
//! SQLite's defensive mode, its identity, schema version and integrity
//! checked, its manifest's signature verified and its content hash
//! recomputed. Any failure refuses the file, saying why. Nothing is
//! written anywhere: a file that came encrypted is decrypted into memory,
//! and so is any copy made to read it.

use super::export::{FORMAT, Manifest};
use super::{seal, signing};
use crate::store::memdb::{MemDb, PrivateCopy};
use crate::store::{APPLICATION_ID, Result, StoreError, migrations};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// An accepted export file, open read-only.
pub struct Received {
    pub conn: Connection,
    pub manifest: Manifest,
    /// Who signed it, as they named themselves, and their key.
    pub signer: String,
    pub public_key: String,
    pub fingerprint: String,
    /// The file as given, and the SHA-256 of its bytes.
    pub file: PathBuf,
    pub file_sha256: String,
    /// Whether a file of the same bytes was accepted whole before (a
    /// merge of it completed in the notebook it is offered to), so its
    /// integrity and content hash, which depend on nothing but those
    /// bytes, were not checked again.
    pub vouched: bool,
    /// The plaintext database (the file itself, or its decryption in
    /// memory, which lives as long as a connection to it).
    pub db_path: PathBuf,
    /// A `-wal` or `-journal` found beside the file: never read (the file
    /// is read immutable, alone, as it was signed), and said so.
    pub ignored_beside: Vec<PathBuf>,
    /// A file of an older schema is read through a private copy upgraded
    /// to this build's, made once it has passed every check.
    _upgraded: Option<PrivateCopy>,
    /// The work done reading the file so far, in thousands of SQLite
    /// instructions, against its bound.
    work: Arc<AtomicU64>,
}

/// The work reading a received file may take, in thousands of SQLite
/// instructions per page of the file (with a floor for small files):
/// checking, hashing and merging a real export takes about one (the
/// sharing benchmark's "work per page"), so only a file crafted to make
/// SQLite work without end reaches it. The schema check already refuses
/// the views, triggers and generated columns that could; this is the net
/// under it.
pub const WORK_PER_PAGE: u64 = 200;
const WORK_FLOOR: u64 = 2_000_000;

impl Received {
    /// Thousands of SQLite instructions spent reading the file so far.
    pub fn work(&self) -> u64 {
        self.work.load(Ordering::Relaxed)
    }
}

/// Bounds the work of reading on `conn`: past `limit` thousand
/// instructions, every statement on it is interrupted.
fn bound_work(conn: &mut Connection, limit: u64) -> Result<Arc<AtomicU64>> {
    let used = Arc::new(AtomicU64::new(0));
    let count = used.clone();
    conn.progress_handler(
        1000,
        Some(move || count.fetch_add(1, Ordering::Relaxed) + 1 > limit),
    )?;
    Ok(used)
}

/// A received file's content hash worked out on a connection and thread
/// of its own ([`signing::content_hash`]), stopped when dropped unfinished
/// (the file refused for another reason meanwhile).
struct Hashing {
    running: Option<std::thread::JoinHandle<(Result<String>, u64)>>,
    stop: Option<rusqlite::InterruptHandle>,
}

impl Hashing {
    fn start(path: &Path, limit: u64) -> Hashing {
        let path = path.to_path_buf();
        let (give, handle) = std::sync::mpsc::sync_channel(1);
        let running = std::thread::spawn(move || {
            let hashed = open_untrusted(&path).and_then(|mut conn| {
                let used = bound_work(&mut conn, limit)?;
                let _ = give.send(conn.get_interrupt_handle());
                let hash = signing::content_hash(&conn);
                Ok((hash, used.load(Ordering::Relaxed)))
            });
            match hashed {
                Ok((hash, used)) => (hash, used),
                Err(e) => (Err(e), 0),
            }
        });
        Hashing {
            running: Some(running),
            stop: handle.recv().ok(),
        }
    }

    /// The hash, and the work it took.
    fn finish(mut self) -> (Result<String>, u64) {
        self.stop = None;
        match self.running.take().map(|t| t.join()) {
            Some(Ok(out)) => out,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => (Err(StoreError::Corrupt("no content hash".into())), 0),
        }
    }
}

impl Drop for Hashing {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.interrupt();
        }
    }
}

fn refuse(file: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::Refused(format!("{}: {why}", file.display()))
}

/// A received file's plaintext, its first bytes checked: the file itself,
/// or, when it came encrypted, its decryption, held in this process's
/// memory (never written to disk, so a session killed while reading it
/// leaves no plaintext behind).
pub struct Plain {
    /// Where to open it.
    pub path: PathBuf,
    /// The in-memory database holding a decrypted file.
    memory: Option<MemDb>,
    /// The SQLite header of the plaintext as received.
    head: [u8; 100],
}

impl Plain {
    /// Whether the plaintext is a decryption held in memory.
    pub fn in_memory(&self) -> bool {
        self.memory.is_some()
    }
}

/// Decrypts `file` if it is age-encrypted, and checks that the plaintext
/// is an SQLite database and nothing more (the signature covers the
/// database, so a tail after its last page is refused, as is a file cut
/// short).
pub fn plaintext(file: &Path, identity: Option<&Path>) -> Result<Plain> {
    if !file.exists() {
        return Err(crate::store::no_file(file));
    }
    // A named pipe would be waited on for ever, a device read without
    // end: only a file is read.
    crate::store::must_be_a_file(file)?;
    if !seal::is_encrypted(file)? {
        use std::io::Read;
        let mut head = [0u8; 100];
        let mut f = std::fs::File::open(file).map_err(|e| refuse(file, e))?;
        let n = f.read(&mut head).map_err(|e| refuse(file, e))?;
        let len = f.metadata().map_err(|e| refuse(file, e))?.len();
        check_image(file, &head[..n], len).map_err(|e| with_beside(file, e))?;
        return Ok(Plain {
            path: file.to_path_buf(),
            memory: None,
            head,
        });
    }
    let Some(identity) = identity else {
        return Err(StoreError::Refused(format!(
            "{}: the file is encrypted (age); pass --identity FILE with the key it was encrypted to",
            file.display()
        )));
    };
    // Decryptions and indexed copies that earlier releases wrote to disk,
    // left by sessions killed while they read them, are swept (making and
    // dropping an empty private folder of this process's sweeps them).
    for what in ["received", "upgraded"] {
        drop(seal::work_dir_in(&std::env::temp_dir(), what)?);
    }
    let bytes = seal::decrypt(file, identity, seal::max_received()?)?;
    let head_len = bytes.len().min(100);
    check_image(file, &bytes[..head_len], bytes.len() as u64)?;
    let mut head = [0u8; 100];
    head.copy_from_slice(&bytes[..100]);
    let memory = MemDb::load(bytes).map_err(|e| refuse(file, format!("damaged: {e}")))?;
    Ok(Plain {
        path: memory.path().to_path_buf(),
        memory: Some(memory),
        head,
    })
}

/// Refuses an image (`head` its first bytes, `len` its length) that is
/// not an SQLite database, or not exactly one: bytes after its last page,
/// or fewer than its header gives.
fn check_image(file: &Path, head: &[u8], len: u64) -> Result<()> {
    let Ok(head) = <&[u8; 100]>::try_from(head) else {
        return Err(refuse(
            file,
            "not an interdict export (not an SQLite database)",
        ));
    };
    if &head[..16] != b"SQLite format 3\0" {
        return Err(refuse(
            file,
            "not an interdict export (not an SQLite database)",
        ));
    }
    // (The file-format bytes: 1 for a rollback journal, 2 for a
    // write-ahead log; anything else SQLite reads as read-only or refuses.)
    let (write, read) = (head[18], head[19]);
    if !(1..=2).contains(&write) || !(1..=2).contains(&read) {
        return Err(refuse(
            file,
            format!(
                "damaged: its header's file-format bytes (18 and 19) are {write} and {read}, where SQLite writes 1 or 2"
            ),
        ));
    }
    if let Some(size) = database_size(head)
        && len != size
    {
        return Err(refuse(
            file,
            if len > size {
                format!(
                    "{} bytes after the database's end: the file is not as it was signed",
                    len - size
                )
            } else {
                format!("cut short: {len} bytes of the {size} its header gives")
            },
        ));
    }
    Ok(())
}

/// Opens a database read-only, immutable (no lock, no journal, no byte of
/// it written) and defensive: a file, or an in-memory database of this
/// process.
pub fn open_untrusted(path: &Path) -> Result<Connection> {
    let uri = if crate::store::memdb::is_memdb(path) {
        format!("{}&mode=ro", path.display())
    } else {
        crate::store::immutable_uri(path)
    };
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    Ok(conn)
}

/// Checks a received export file and opens it.
pub fn open(file: &Path, identity: Option<&Path>) -> Result<Received> {
    accept(file, &plaintext(file, identity)?)
}

/// [`open`], but a file whose SHA-256 `vouched` knows (one whose merge
/// completed before, so its bytes passed every check then) has its
/// integrity check and content hash, which depend on nothing but those
/// bytes, taken as passed: merging a file again reads it once, not three
/// times. Its schema, manifest and signature are checked as always (the
/// signer's key may have been revoked since).
pub fn open_vouched(
    file: &Path,
    identity: Option<&Path>,
    vouched: &dyn Fn(&str) -> Result<bool>,
) -> Result<Received> {
    accept_vouched(file, &plaintext(file, identity)?, vouched)
}

/// What tells one file from another at a path, and a file from itself
/// written into: its device and inode, length, and change time (which no
/// one can set back).
fn file_stamp(file: &Path) -> Option<(u64, u64, u64, i64, i64)> {
    let m = std::fs::metadata(file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino(), m.len(), m.ctime(), m.ctime_nsec()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

/// The size an SQLite file's header gives for the database (page size x
/// pages), when the header's page count is current (written by SQLite
/// 3.7.0 or later, as every interdict file is).
fn database_size(head: &[u8; 100]) -> Option<u64> {
    let page = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let change = &head[24..28];
    let valid_for = &head[92..96];
    let pages = u64::from(u32::from_be_bytes([head[28], head[29], head[30], head[31]]));
    (change == valid_for && pages > 0 && page >= 512).then_some(page * pages)
}

/// Checks the plaintext `plain` of the received `file` and opens it.
pub fn accept(file: &Path, plain: &Plain) -> Result<Received> {
    accept_vouched(file, plain, &|_| Ok(false))
}

/// [`accept`], with the bytes `vouched` knows taken as checked (see
/// [`open_vouched`]). A refusal says too what was ignored beside the file.
pub fn accept_vouched(
    file: &Path,
    plain: &Plain,
    vouched: &dyn Fn(&str) -> Result<bool>,
) -> Result<Received> {
    let beside = if plain.in_memory() {
        Vec::new()
    } else {
        crate::store::side_files(&plain.path)
    };
    match accept_checked(file, plain, vouched) {
        Ok(mut r) => {
            r.ignored_beside = beside;
            Ok(r)
        }
        Err(e) => Err(with_beside(&plain.path, e)),
    }
}

/// Why a notebook (not an export) is refused as a received file.
const A_NOTEBOOK: &str = "not an export file (no manifest): a notebook, not an export (make one of it with `interdict --db FILE export --all`)";

/// A refusal of the received file `file`, saying too what was ignored
/// beside it (a `-wal` or `-journal`: the file is read alone). Not for a
/// notebook: its `-wal` is its own, and no signature was ever meant to
/// cover it.
fn with_beside(file: &Path, e: StoreError) -> StoreError {
    if crate::store::memdb::is_memdb(file)
        || matches!(&e, StoreError::Refused(why) if why.ends_with(A_NOTEBOOK))
    {
        return e;
    }
    match (
        e,
        crate::store::ignored_text(&crate::store::side_files(file)),
    ) {
        (StoreError::Refused(why), Some(t)) => StoreError::Refused(format!("{why} ({t})")),
        (e, _) => e,
    }
}

fn accept_checked(
    file: &Path,
    plain: &Plain,
    vouched: &dyn Fn(&str) -> Result<bool>,
) -> Result<Received> {
    let head = plain.head;
    let stamp = file_stamp(file);
    let file_sha256 = signing::file_sha256(file)?;
    // Only a file SQLite reads in place is vouched for by its hash: a
    // decryption in memory was read before it was hashed.
    let mut known = !plain.in_memory() && vouched(&file_sha256)?;
    let mut conn =
        open_untrusted(&plain.path).map_err(|e| refuse(file, format!("damaged: {e}")))?;
    // The file SQLite opened must be the one hashed: one renamed over it
    // or written into meanwhile (its change time moves) is checked whole.
    if known && (stamp.is_none() || file_stamp(file) != stamp) {
        known = false;
    }
    let pages = database_size(&head).map_or(0, |size| {
        size / u64::from(u16::from_be_bytes([head[16], head[17]])).max(512)
    });
    let limit = (pages * WORK_PER_PAGE).max(WORK_FLOOR);
    let work = bound_work(&mut conn, limit)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| refuse(file, format!("damaged: {e}")))?;
    if app_id != APPLICATION_ID {
        return Err(refuse(
            file,
            "an SQLite database, but not an interdict file",
        ));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > migrations::latest() {
        return Err(refuse(
            file,
            format!(
                "written by a newer interdict (schema version {version}; this build reads up to {}); upgrade interdict to merge it",
                migrations::latest()
            ),
        ));
    }
    if version < 2 {
        // Tables and no version: set to 0 by another tool (the file may
        // hold its manifest; "never signed" named the wrong cause).
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        return Err(refuse(
            file,
            if version == 0 && tables > 0 {
                "it holds tables but no schema version (set to 0 by another tool?): not a file this build can read; it was not changed"
            } else {
                "not an export file (no manifest): it was never signed"
            },
        ));
    }
    // Nothing is read from a file whose schema is not exactly the one its
    // version declares: a view, trigger or generated column of someone
    // else's would run inside the checks and the merge.
    let foreign = crate::store::schema::received_differences(&conn, version)
        .map_err(|e| refuse(file, format!("damaged: {e}")))?;
    // A signature or manifest table taken out is said for what it is.
    let only_missing = |table: &str| {
        !foreign.is_empty() && foreign.iter().all(|d| d.missing && d.text.contains(table))
    };
    if only_missing("export_signature") {
        return Err(refuse(
            file,
            "unsigned: the file has no signature table (it was taken out, or the file was never signed)",
        ));
    }
    if only_missing("export_manifest") {
        return Err(refuse(
            file,
            "not an export file (no manifest table): it was never signed",
        ));
    }
    if !foreign.is_empty() {
        return Err(refuse(
            file,
            format!(
                "its schema is not interdict's: {}",
                crate::store::error::brief(&crate::store::schema::lines(&foreign))
            ),
        ));
    }
    // The content hash (every row) on a second connection and core, while
    // this one checks every page; its work counts against the file's
    // bound as this connection's does. (A file decrypted into memory is
    // hashed here, after.)
    let hashing = (!known && !plain.in_memory()).then(|| Hashing::start(&plain.path, limit));
    // (Bytes known by their hash passed this check when they were merged.)
    if !known {
        let check: Vec<String> = {
            let mut stmt = conn
                .prepare("PRAGMA integrity_check(5)")
                .map_err(|e| refuse(file, format!("damaged: {e}")))?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| refuse(file, format!("damaged: {e}")))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| refuse(file, format!("damaged: {e}")))?
        };
        if check != ["ok"] {
            return Err(refuse(file, format!("damaged: {}", check.join("; "))));
        }
    }
    let manifests: Vec<String> = conn
        .prepare("SELECT manifest FROM export_manifest")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let sigs: Vec<(String, String, String, String)> = conn
        .prepare("SELECT algorithm, public_key, signer, signature FROM export_signature")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (text, (algorithm, public_key, signer, signature)) =
        match (manifests.as_slice(), sigs.as_slice()) {
            ([m], [s]) => (m.clone(), s.clone()),
            ([], _) => {
                return Err(refuse(file, A_NOTEBOOK));
            }
            ([_], []) => return Err(refuse(file, "unsigned: the manifest carries no signature")),
            _ => return Err(refuse(file, "more than one manifest or signature")),
        };
    if algorithm != "ed25519" {
        return Err(refuse(
            file,
            format!("signed with {algorithm:?}, which this build does not check"),
        ));
    }
    let key =
        signing::verify(&public_key, text.as_bytes(), &signature).map_err(|e| refuse(file, e))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| refuse(file, format!("unreadable manifest: {e}")))?;
    // The name beside the signature is not what the key signed: it must
    // be the exporter the signed manifest names, so no one can put
    // another's name on a file without signing it anew.
    if signer != manifest.exporter {
        return Err(refuse(
            file,
            format!(
                "signed as {:?}, but its signed manifest names the exporter {:?}: the signer's name was changed after signing",
                crate::domain::text::sanitize(&signer),
                crate::domain::text::sanitize(&manifest.exporter)
            ),
        ));
    }
    if manifest.format != FORMAT {
        return Err(refuse(
            file,
            format!("manifest of an unknown format {:?}", manifest.format),
        ));
    }
    // A file of a later version of the format may hold what this build
    // would read wrongly or leave out without a word (it was merged as if
    // of this one).
    if manifest.format_version != super::export::FORMAT_VERSION {
        return Err(refuse(
            file,
            if manifest.format_version > super::export::FORMAT_VERSION {
                format!(
                    "made by a later interdict (export format version {}; this build reads version {}): merge it with an interdict as new as the exporter's",
                    manifest.format_version,
                    super::export::FORMAT_VERSION
                )
            } else {
                format!(
                    "export format version {}, which no interdict writes (this build reads version {})",
                    manifest.format_version,
                    super::export::FORMAT_VERSION
                )
            },
        ));
    }
    // (And this one.)
    if !known {
        let hash = match hashing {
            Some(h) => {
                let (hash, used) = h.finish();
                work.fetch_add(used, Ordering::Relaxed);
                hash?
            }
            None => signing::content_hash(&conn)?,
        };
        if hash != manifest.content_hash {
            return Err(refuse(
                file,
                format!(
                    "its content does not match the signed manifest (hash {hash}, signed {}): the file was changed after {} signed it",
                    manifest.content_hash,
                    crate::domain::text::sanitize(&signer)
                ),
            ));
        }
    }
    // Checked as it came; read through today's schema.
    let (conn, upgraded, work) = if version < migrations::latest() {
        let (dir, copy) = crate::store::upgraded_copy_of(&conn, &plain.path, "interdict", None)?;
        drop(conn);
        let mut c = open_untrusted(&copy).map_err(|e| refuse(file, format!("damaged: {e}")))?;
        let w = bound_work(&mut c, limit)?;
        (c, Some(dir), w)
    } else {
        (conn, None, work)
    };
    Ok(Received {
        _upgraded: upgraded,
        conn,
        file_sha256,
        vouched: known,
        file: file.to_path_buf(),
        db_path: plain.path.clone(),
        ignored_beside: Vec::new(),
        signer,
        public_key,
        fingerprint: signing::fingerprint(&key),
        manifest,
        work,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_file_written_into_or_renamed_over_is_told_from_the_one_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
        std::fs::write(&a, b"the bytes hashed").unwrap();
        std::fs::write(&b, b"the bytes hashed").unwrap();
        let first = file_stamp(&a);
        assert!(first.is_some());
        assert_eq!(file_stamp(&a), first, "unchanged, the same");
        // The same bytes, another file renamed over it.
        std::fs::rename(&b, &a).unwrap();
        let renamed = file_stamp(&a);
        assert_ne!(renamed, first);
        // Written into in place, as long as before: its change time moves
        // (waited for, on file systems with a coarse clock).
        let mut now = renamed;
        for _ in 0..300 {
            std::fs::write(&a, b"the bytes HASHED").unwrap();
            now = file_stamp(&a);
            if now != renamed {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_ne!(now, renamed);
    }

    #[test]
    fn reading_past_the_bound_is_interrupted() {
        let mut c = Connection::open_in_memory().unwrap();
        let used = bound_work(&mut c, 1_000).unwrap();
        let endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
        let e = c
            .query_row(endless, [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        assert_eq!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::OperationInterrupted),
            "{e}"
        );
        assert!(used.load(Ordering::Relaxed) > 1_000);
        // Within the bound, work goes on as usual.
        let mut c = Connection::open_in_memory().unwrap();
        bound_work(&mut c, 1_000).unwrap();
        let n: i64 = c
            .query_row("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) SELECT count(*) FROM r", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1000);
    }
}
