//! SQLite through rusqlite: opening (pragmas, identity checks, migrations),
//! one write transaction per change, records, identifier and search
//! indexes, and the audit log. Plain blocking functions.

pub mod audit;
pub mod catalogue;
mod checkpointer;
pub mod create;
pub mod error;
pub mod fsinfo;
pub mod index;
pub mod integrity;
pub mod keys;
pub mod lockholder;
pub mod memdb;
pub mod migrations;
pub mod records;
pub mod refs;
pub mod related;
mod row_fields;
pub mod schema;
pub mod search;
pub mod sqlfn;
pub mod stamp;
pub mod upgrade;
pub mod warnlist;
pub mod workdir;
pub mod writers;

pub use error::{Result, StoreError};

use crate::domain::meta;
use ed25519_dalek::SigningKey;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The page cache of a bulk write ([`Store::bulk`]), in KiB.
const BULK_CACHE_KIB: i64 = 256 * 1024;
/// Log pages between checkpoints during a bulk write (16 MiB): fewer
/// checkpoints than the default's 4 MiB, yet a backlog small enough that
/// a colleague's write, whose commit may have to checkpoint it, stays
/// well under a second.
const BULK_CHECKPOINT_PAGES: i64 = 4 * 1024;
/// Log pages after which a job whose log a thread copies
/// ([`Store::copying_log`]) has its writer copy the rest and the log start
/// again (512 MiB): a few steps of a million-row import.
const COPIED_LOG_PAGES: i64 = 128 * 1024;

/// `PRAGMA application_id` of interdict files ("INTD").
pub const APPLICATION_ID: i32 = 0x494E_5444;

/// SQLITE_IOERR_SHMSIZE: the `-shm` file could not be extended.
const SQLITE_IOERR_SHMSIZE: i32 = 10 | (19 << 8);

/// The size the write-ahead log file is cut back to after a checkpoint.
pub const WAL_SIZE_LIMIT: i64 = 32 << 20;

/// The page size of a file this build makes: 8 KiB, not SQLite's 4. A
/// page's last few hundred bytes go unused where the next row does not fit
/// (most of all in the parcels, whose rows are about 330 bytes): 10 bytes
/// a parcel fewer at 100,000 (dbstat; 16 KiB gave no more). Files made
/// before keep theirs: it cannot change in WAL mode.
pub const PAGE_SIZE: i64 = 8192;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);

/// How long a write waits for another writer before giving up: 10 s, or
/// `INTERDICT_BUSY_TIMEOUT_MS` (read once; tests shorten it).
pub fn busy_timeout() -> Duration {
    static T: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *T.get_or_init(|| {
        std::env::var("INTERDICT_BUSY_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(BUSY_TIMEOUT_DEFAULT)
    })
}

/// How often a waiting writer looks whether the notebook is free again.
/// (SQLite's own busy wait sleeps up to 100 ms between looks, and so can
/// miss the moment a long job lets go between two of its steps.)
const BUSY_POLL: Duration = Duration::from_millis(2);

/// What a long job leaves between two of its transactions, for writers
/// waiting on it to take their turn.
const YIELD: Duration = Duration::from_millis(6);

thread_local! {
    /// How many times this thread has waited for the notebook (each look
    /// of [`busy_wait`]): a write during which it grew waited for
    /// another's. (Of the thread: the interface's loaders wait on their
    /// own threads, and their waits are not its saves'.)
    static BUSY_WAITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many times this thread has waited for the notebook so far.
pub fn busy_waits() -> u64 {
    BUSY_WAITS.with(std::cell::Cell::get)
}

/// SQLite's busy handler: look again every `BUSY_POLL`, for up to
/// `BUSY_TIMEOUT`.
fn busy_wait(tries: i32) -> bool {
    BUSY_WAITS.with(|n| n.set(n.get() + 1));
    let given = BUSY_POLL * tries.max(0) as u32;
    if given >= busy_timeout() {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Open without any possibility of writing (received files, read-only
    /// media). No migration is run.
    pub read_only: bool,
    /// Who the changes are attributed to.
    pub actor: String,
    /// A fixed time to stamp writes with instead of the clock's, for
    /// reproducible output (test fixtures, reviewed snapshots).
    pub clock: Option<String>,
    /// A group that may read and write a notebook this open creates (mode
    /// 0660, owned by the group); without it new files are the owner's only.
    pub group: Option<String>,
    /// The file is a private copy made to read an older file: its upgrade
    /// goes ahead over a broken audit chain (and records the break), as
    /// the original keeps the evidence. A notebook itself is never
    /// upgraded over a broken chain.
    pub private_copy: bool,
    /// The writer's own key (from their data directory): each write
    /// transaction's audit entries are sealed with it. Without one, writes
    /// are not sealed (and `audit verify` says so).
    pub seal_key: Option<Arc<SigningKey>>,
    /// Where this user keeps the heads of audit logs they wrote (their
    /// data directory), outside the notebook.
    pub checkpoints: Option<PathBuf>,
    /// The file to name the notebook by when it is read from elsewhere
    /// (an encrypted file, read from its decryption in memory): what
    /// [`Store::path`] gives.
    pub shown_as: Option<PathBuf>,
}

impl OpenOptions {
    pub fn new(actor: impl Into<String>) -> OpenOptions {
        OpenOptions {
            read_only: false,
            actor: actor.into(),
            clock: None,
            group: None,
            private_copy: false,
            seal_key: None,
            checkpoints: None,
            shown_as: None,
        }
    }
}

/// When a long series of writes commits: after half a second of work, so
/// that colleagues writing to the same file wait at most about that long
/// (the goal is under a second, whatever the job), or after
/// `BATCH_MAX_ROWS` rows. Larger
/// transactions write each index page to the log once for many rows
/// instead of once for a few.
pub struct Batch {
    started: Instant,
    max_rows: usize,
}

/// The most rows one [`Batch`] holds.
pub const BATCH_MAX_ROWS: usize = 100_000;
pub const BATCH_TIME: Duration = Duration::from_millis(500);

impl Batch {
    pub fn new() -> Batch {
        Batch::with_max(BATCH_MAX_ROWS)
    }

    pub fn with_max(max_rows: usize) -> Batch {
        Batch {
            started: Instant::now(),
            max_rows: max_rows.max(1),
        }
    }

    /// Whether a batch that holds `rows` rows should commit now.
    pub fn full(&self, rows: usize) -> bool {
        rows >= self.max_rows || (rows > 0 && self.started.elapsed() >= BATCH_TIME)
    }
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::new()
    }
}

/// The notebook file's size (with its write-ahead log) before and after
/// [`Store::compact`], in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Compacted {
    pub before: u64,
    pub after: u64,
}

/// A notebook's (or an export file's) own id, from its `meta`.
pub fn database_id(conn: &Connection) -> Result<Uuid> {
    let s: String = conn.query_row(
        "SELECT value FROM meta WHERE key = 'database_id'",
        [],
        |r| r.get(0),
    )?;
    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt(format!("bad database id {s:?}")))
}

/// An open notebook.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    db_id: Uuid,
    actor: String,
    read_only: bool,
    clock: Option<String>,
    private_copy: bool,
    /// An older file browsed read-only is read through an upgraded copy
    /// in private (a folder, or memory), removed when the store is dropped.
    _upgraded_copy: Option<memdb::PrivateCopy>,
    /// The file the connection reads: `path`, or that upgraded copy.
    read_path: PathBuf,
    indexing: bool,
    seal_key: Option<Arc<SigningKey>>,
    checkpoints: Option<PathBuf>,
    /// When the checkpoint was last written, and whether a write since
    /// has moved the head (written at most once a second, and on drop).
    checkpoint_at: Option<Instant>,
    checkpoint_due: bool,
    /// What screens the parcels this store writes, when installed.
    screen: Option<Arc<dyn Screen>>,
    /// When this store's last long transaction (a step of a big job)
    /// committed: the next one lets waiting writers in first.
    long_commit: Option<Instant>,
    /// The schema this open upgraded the file from, if it did.
    upgraded_from: Option<i64>,
    /// A signed export's `-wal` or `-journal`, beside it when it was
    /// opened and ignored (it is read immutable: the file alone).
    ignored_beside: Vec<PathBuf>,
    /// Read as the file stood when opened, alone (read-only, by an
    /// account that can make no `-shm` beside it): others' later writes
    /// are not seen.
    read_alone: bool,
}

/// A write in progress: one SQLite transaction, begun IMMEDIATE so that
/// concurrent writers queue on the busy timeout instead of failing.
pub struct Writer<'a> {
    pub tx: Transaction<'a>,
    pub actor: &'a str,
    pub db_id: Uuid,
    pub now: String,
    /// Whether writes keep the identifier and search indexes (off only in
    /// the build database of an export, whose index tables travel empty).
    pub indexing: bool,
    /// What screens each parcel written (see [`Screen`]).
    pub screen: Option<Arc<dyn Screen>>,
    /// The writers' names this transaction has put in `writers`.
    pub writers: writers::Kept,
    /// The identifier rows of the items this transaction creates, held to
    /// be written together in key order before it commits (see
    /// [`Writer::hold_index`]); `None`: each item's written with it.
    pub held_index: Option<index::Batch>,
}

impl Writer<'_> {
    /// From now on in this transaction, the identifier rows of each item
    /// created are held and written together, in key order, before it
    /// commits (or at [`Writer::write_held_index`]): each index page is
    /// filled once, where row by row each insert walks the B-tree. Not
    /// when screening a parcel would read the rows of those written
    /// before it (a profile or the watchlist in force). A bulk writer
    /// that reads the index itself writes the held rows first.
    pub fn hold_index(&mut self) -> Result<()> {
        let idle = match self.screen.clone() {
            Some(s) => s.idle(self)?,
            None => true,
        };
        if self.indexing && idle && self.held_index.is_none() {
            self.held_index = Some(index::Batch::new(usize::MAX));
        }
        Ok(())
    }

    /// Writes the identifier rows held so far (still holding the next).
    pub fn write_held_index(&mut self) -> Result<()> {
        if let Some(b) = self.held_index.as_mut() {
            b.flush(&self.tx)?;
        }
        Ok(())
    }
}

/// Work that runs inside the transaction of every parcel written (typed,
/// edited, imported, merged): screening it against the risk profiles and
/// watchlists. Installed on a store by the layer that knows how
/// (`targeting`), which the store itself does not import.
pub trait Screen: Send + Sync {
    /// `parcel` was just written (its row and index rows are in place) as
    /// item `item`; `new`: it was not in the notebook before (so it has
    /// no hits stored yet).
    fn parcel(
        &self,
        w: &Writer<'_>,
        item: i64,
        parcel: &crate::domain::Parcel,
        new: bool,
    ) -> Result<()>;

    /// Whether screening a parcel now would read and write nothing (no
    /// profile, no watchlist): then the identifier rows of the parcels a
    /// step writes may wait for the step's end (nothing reads them
    /// before), to be written together in key order.
    fn idle(&self, _w: &Writer<'_>) -> Result<bool> {
        Ok(false)
    }
}

/// The process's limit on the size of a file it writes (`ulimit -f`), in
/// KiB, when it has one: a write past it fails as an I/O error.
fn file_size_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` only writes the struct it is given.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut l) } == 0;
        (ok && l.rlim_cur != libc::RLIM_INFINITY).then_some(l.rlim_cur / 1024)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotSqlite { path: path.into() },
        Some(ErrorCode::ReadOnly) => match lockholder::side_file_not_writable(path) {
            // (Read-only because of another account's `-shm`: said so, not
            // as a notebook opened read-only.)
            Some((file, owner, wal_len)) => StoreError::SideFilesNotYours {
                path: path.into(),
                file,
                owner,
                wal_len,
            },
            None => StoreError::ReadOnly { path: path.into() },
        },
        // (A write says more: see `Store::holders`.)
        Some(ErrorCode::DatabaseBusy) => StoreError::Busy {
            path: path.into(),
            holder: lockholder::write_lock_holder(path)
                .map(|h| format!(" (held by {h})"))
                .unwrap_or_default(),
        },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { path: path.into() },
        // The shared-memory index could not grow: on Linux, a full disk.
        Some(ErrorCode::SystemIoFailure) if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == SQLITE_IOERR_SHMSIZE) => {
            StoreError::DiskFull { path: path.into() }
        }
        // (Not "cannot open": met midway through an import as often as
        // at the open.)
        Some(ErrorCode::SystemIoFailure) => StoreError::Io {
            path: path.into(),
            message: match file_size_limit() {
                Some(kib) => format!(
                    "the system refused a read or write: {e} (is the disk full or failing, or this shell's file-size limit of {kib} KiB, `ulimit -f`, reached? the write that met it was not made; what was committed before it stays)"
                ),
                None => format!(
                    "the system refused a read or write: {e} (is the disk full or failing? nothing of this change was written)"
                ),
            },
        },
        Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => StoreError::Open {
            path: path.into(),
            message: e.to_string(),
        },
        _ => StoreError::Sqlite(e),
    }
}

/// A big job that marks its `sources` row while it runs (a merge, with
/// its progress; an import).
#[derive(Debug, Clone)]
pub struct UnderWay {
    pub actor: String,
    /// `merge` or `import`.
    pub kind: String,
    pub file: String,
    pub at: String,
    /// The row's report so far (JSON).
    pub report: String,
}

/// The big jobs under way in a notebook, or stopped midway.
pub fn under_way(conn: &Connection) -> Result<Vec<UnderWay>> {
    let mut stmt = conn.prepare(
        "SELECT actor, kind, file_name, at, report FROM sources
         WHERE json_valid(report) AND (json_extract(report, '$.in_progress') IS NOT NULL
               OR json_extract(report, '$.outcome') = 'in-progress')",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UnderWay {
            actor: r.get(0)?,
            kind: r.get(1)?,
            file: r.get(2)?,
            at: r.get(3)?,
            report: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Seals the head of the log, unless it is sealed already.
fn seal_head(tx: &Connection, db: Uuid, key: &SigningKey, actor: &str) -> Result<()> {
    let Some((seq, hash)) = audit::head(tx)? else {
        return Ok(());
    };
    let sealed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit_seals WHERE seq = ?1)",
        [seq],
        |r| r.get(0),
    )?;
    if !sealed {
        audit::seal::seal(tx, db, key, actor, seq, &hash)?;
    }
    Ok(())
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.checkpoint_due {
            self.record_checkpoint();
        }
    }
}

/// Creates an empty notebook file readable and writable by its owner only,
/// or also by `group`. SQLite gives the `-wal` and `-shm` files beside it
/// the same mode (their group is the directory's when it is setgid).
/// Whether `path` is a loop of symbolic links.
fn links_in_a_loop(path: &Path) -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata(path).err().and_then(|e| e.raw_os_error()) == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The error for a file that is not there to read: none, a symbolic link
/// to none, or a loop of links (each was "no such file", and the user
/// looked for a file).
pub fn no_file(path: &Path) -> StoreError {
    let message = if links_in_a_loop(path) {
        "a loop of symbolic links, each leading to the next and none to a file"
    } else if std::fs::symlink_metadata(path).is_ok() {
        "a symbolic link to no file"
    } else {
        "no such file"
    };
    StoreError::Open {
        path: path.into(),
        message: message.into(),
    }
}

fn create_private(path: &Path, group: Option<&str>) -> Result<()> {
    let gid = group.map(|g| group_id(g, path)).transpose()?;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(if gid.is_some() { 0o660 } else { 0o600 });
    }
    let err = |e: std::io::Error| StoreError::Open {
        path: path.into(),
        message: e.to_string(),
    };
    match o.open(path) {
        Ok(_) => {
            #[cfg(unix)]
            if let Some(gid) = gid {
                use std::os::unix::fs::PermissionsExt;
                // The file made is taken away again when it cannot be the
                // group's (an empty file of mode 0640 was left, and the
                // next open made it a notebook of its owner's alone).
                let given = std::os::unix::fs::chown(path, None, Some(gid)).and_then(|()| {
                    // The umask may have taken the group bits away.
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
                });
                if let Err(e) = given {
                    let _ = std::fs::remove_file(path);
                    let name = group.unwrap_or_default();
                    return Err(StoreError::Open {
                        path: path.into(),
                        message: if e.kind() == std::io::ErrorKind::PermissionDenied {
                            format!(
                                "--file-group {name}: the notebook cannot be given to group {name}: you are not in it (`id` lists your groups); nothing was created"
                            )
                        } else {
                            format!("--file-group {name}: {e}; nothing was created")
                        },
                    });
                }
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e)),
    }
}

/// Gives back write permission on this account's own `-shm` and `-wal`
/// beside the notebook, as the notebook's own permissions allow: SQLite
/// makes them with the notebook's mode, so a browse while the owner had
/// made the file read-only (0400) left a `-shm` of mode 0400, and every
/// write after refused "the database is open read-only".
fn mend_side_files(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: `geteuid` reads the process's own id.
        let me = unsafe { libc::geteuid() };
        let Ok(db) = std::fs::metadata(path) else {
            return;
        };
        let shared = db.mode() & 0o060;
        for suffix in ["-shm", "-wal"] {
            let f = fsinfo::beside(path, suffix);
            if let Ok(m) = std::fs::symlink_metadata(&f)
                && m.is_file()
                && m.uid() == me
            {
                // The notebook's group too, where the team shares it (in a
                // folder without the setgid bit they were made the
                // maker's group, and a colleague's open failed "unable to
                // open database file" while the maker had it open).
                if shared != 0 && m.gid() != db.gid() {
                    let _ = std::os::unix::fs::chown(&f, None, Some(db.gid()));
                }
                let mode = m.mode() & 0o777;
                let want = mode | 0o600 | shared;
                if want != mode {
                    let _ = std::fs::set_permissions(&f, std::fs::Permissions::from_mode(want));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The id of a group, by name or number, from `/etc/group`.
fn group_id(name: &str, path: &Path) -> Result<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(n);
    }
    fsinfo::groups()
        .into_iter()
        .find_map(|(n, id)| (n == name).then_some(id))
        .ok_or_else(|| StoreError::Open {
            path: path.into(),
            message: format!("no group {name:?} on this system (see /etc/group)"),
        })
}

/// Another connection (opened with `flags`, for one thread) to the file
/// `conn` reads; `None` for a database without a file (in memory) or when
/// it cannot be opened.
fn second_connection(conn: &Connection, flags: OpenFlags) -> Option<Connection> {
    let path = conn.path().filter(|p| !p.is_empty())?;
    let second = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).ok()?;
    sqlfn::register(&second).ok()?;
    Some(second)
}

/// Runs `f`, a piece of work of many small reads on `conn`, in one read
/// transaction when `conn` is not in one already: one snapshot for all of
/// it, and the file's read lock taken once instead of by every statement
/// (a walk of two hops makes hundreds of them).
pub fn in_one_read<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if !conn.is_autocommit() {
        return f();
    }
    /// Ends the transaction however `f` ends, a panic included, so that
    /// the connection's next write is never caught inside it.
    struct End<'a>(&'a Connection);
    impl Drop for End<'_> {
        fn drop(&mut self) {
            if !self.0.is_autocommit() {
                let _ = self.0.execute_batch("ROLLBACK");
            }
        }
    }
    conn.execute_batch("BEGIN")?;
    let end = End(conn);
    let out = f()?;
    // Nothing was written: this only lets go of the lock.
    end.0.execute_batch("COMMIT")?;
    Ok(out)
}

/// A second read-only connection to the file `conn` reads, for work split
/// over both cores; `None` for a database without a file (in memory) or
/// when it cannot be opened (the caller then works on one core).
pub fn second_reader(conn: &Connection) -> Option<Connection> {
    let c = second_connection(conn, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // As patient with a writer as the notebook's own connection.
    c.busy_timeout(busy_timeout()).ok()?;
    Some(c)
}

/// A private copy of the database open on `conn` (the file `path`, of an
/// older schema), upgraded to the latest schema and indexed: where it
/// lives (a private temporary directory, or memory when `path` is in
/// memory, the plaintext of a file that came encrypted), removed when
/// dropped, and the copy's path. The file itself is only read.
pub fn upgraded_copy_of(
    conn: &Connection,
    path: &Path,
    actor: &str,
    clock: Option<String>,
) -> Result<(memdb::PrivateCopy, PathBuf)> {
    let (held, copy) = if memdb::is_memdb(path) {
        let mem = memdb::MemDb::copy_of(conn, memdb::size_of(conn)?)?;
        let copy = mem.path().to_path_buf();
        (memdb::PrivateCopy::Memory(mem), copy)
    } else {
        let (dir, copy) = copy_to_disk(conn, path)?;
        (memdb::PrivateCopy::Folder(dir), copy)
    };
    let mut opts = OpenOptions::new(actor);
    opts.clock = clock;
    opts.private_copy = true;
    let mut upgraded = Store::open(&copy, opts)?;
    if !upgraded.indexed()? {
        upgraded.write(|w| upgrade::rebuild_indexes(&w.tx).map(drop))?;
    }
    // The copy is read as a received file is: in rollback-journal mode,
    // so that read-only connections need nothing beside it.
    upgraded
        .conn
        .pragma_update(None, "journal_mode", "DELETE")?;
    drop(upgraded);
    tracing::info!(file = %path.display(), "reading an upgraded private copy");
    Ok((held, copy))
}

/// Copies the main database of `from` into `to`, every page in one step:
/// one read transaction, so writes made meanwhile by others neither wait
/// on it nor make it start over.
pub(crate) fn copy_database(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = rusqlite::backup::Backup::new(from, to)?;
    // A lock in the way (busy or locked) is waited out as a writer would.
    for _ in 0..busy_timeout().as_millis() / BUSY_POLL.as_millis() {
        if backup.step(-1)? == rusqlite::backup::StepResult::Done {
            return Ok(());
        }
        std::thread::sleep(BUSY_POLL);
    }
    Err(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some("the database stayed locked while it was being copied".into()),
    ))
}

/// A copy of the database open on `conn` (the file `path`) in a private
/// temporary directory.
fn copy_to_disk(conn: &Connection, path: &Path) -> Result<(tempfile::TempDir, PathBuf)> {
    let io = |e: std::io::Error| StoreError::Open {
        path: path.into(),
        message: format!("cannot make a private copy to upgrade it: {e}"),
    };
    // Private (0700), named for this process, so the copies of sessions
    // killed before are swept now, as nothing else would remove them.
    let dir = workdir::work_dir_in(&std::env::temp_dir(), "upgraded")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    let copy = dir.path().join("upgraded.db");
    let mut to = Connection::open(&copy).map_err(|e| classify(&copy, e))?;
    copy_database(conn, &mut to).map_err(|e| classify(path, e))?;
    Ok((dir, copy))
}

/// Refuses what is there but is not a regular file (after symbolic
/// links): a named pipe, which an open would wait on for ever, a device,
/// a folder.
pub fn must_be_a_file(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(StoreError::Open {
            path: path.into(),
            message: if m.is_dir() {
                "a folder, not a file".into()
            } else {
                "not a regular file (a named pipe, a device or a socket)".into()
            },
        }),
        _ => Ok(()),
    }
}

/// The URI that opens `path` read-only and immutable: SQLite reads the
/// file alone, as it is, taking no lock, ignoring any `-wal` or
/// `-journal` beside it and creating nothing (no `-shm`).
pub fn immutable_uri(path: &Path) -> String {
    let text = path
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    // (An absolute path gets an empty authority: `file:///...`, so a
    // path beginning `//` is never read as a host.)
    let sep = if text.starts_with('/') { "//" } else { "" };
    format!("file:{sep}{text}?mode=ro&immutable=1")
}

/// Opens `path` read-only and immutable (see [`immutable_uri`]).
pub fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// The files beside `path` that SQLite would apply to it on an ordinary
/// open and that an immutable open ignores: its write-ahead log (`-wal`)
/// and its rollback journal (`-journal`), when there.
pub fn side_files(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-journal"]
        .iter()
        .map(|s| fsinfo::beside(path, s))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect()
}

/// Whether `path` is a signed export (a file holding an export manifest),
/// found without writing anything and whatever its header's journal mode
/// or the files beside it: read immutable, the file alone (a `-wal` or
/// hot `-journal` beside it, which no signature covers, is neither read
/// nor applied). False for anything else, including what cannot be read.
pub fn is_export_file(path: &Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    if read.is_err() || &head != b"SQLite format 3\0" {
        return false;
    }
    open_immutable(path)
        .ok()
        .is_some_and(|c| is_export(&c).unwrap_or(false))
}

/// Refuses a file whose header's file-format bytes (18 and 19: the write
/// and read versions, 1 for a rollback journal, 2 for a write-ahead log)
/// are neither: SQLite would read such a file as read-only or refuse it,
/// and the error would speak of permissions. Nothing that is not an
/// SQLite file, or is too short to have a header, is looked at here.
fn check_format_bytes(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = [0u8; 20];
    let Ok(()) = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)) else {
        return Ok(());
    };
    if &head[..16] != b"SQLite format 3\0" {
        return Ok(());
    }
    let (write, read) = (head[18], head[19]);
    if !(1..=2).contains(&write) || !(1..=2).contains(&read) {
        return Err(StoreError::Open {
            path: path.into(),
            message: format!(
                "the file is damaged: its header's file-format bytes (18 and 19) are {write} and {read}, where SQLite writes 1 or 2; not a notebook or export this build opens (it was not changed)"
            ),
        });
    }
    Ok(())
}

/// What is said of the `-wal` and `-journal` files found beside a signed
/// export (see [`side_files`]): ignored, since no signature covers them.
pub fn ignored_text(beside: &[PathBuf]) -> Option<String> {
    if beside.is_empty() {
        return None;
    }
    let names: Vec<String> = beside.iter().map(|p| p.display().to_string()).collect();
    let one = names.len() == 1;
    Some(format!(
        "{} beside it {} ignored: no signature covers {} (changes written after signing, or a write left unfinished); the file is read alone, as it was signed",
        names.join(" and "),
        if one { "is" } else { "are" },
        if one { "it" } else { "them" }
    ))
}

/// An SQLite error met while opening `path` that says the file is not a
/// database or is malformed, said as what it is: the file, damaged.
fn named_damage(path: &Path, e: StoreError) -> StoreError {
    let StoreError::Sqlite(err) = &e else {
        return e;
    };
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Open {
            path: path.into(),
            message: format!(
                "the file is damaged (SQLite: {}): it fails SQLite's checks, so it is not a notebook or export this build can read (it was not changed)",
                match err {
                    rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
                    other => other.to_string(),
                }
            ),
        },
        Some(ErrorCode::NotADatabase) => StoreError::NotSqlite { path: path.into() },
        _ => e,
    }
}

/// The schema version of an existing file, read without writing a byte;
/// `None` when it cannot be read as SQLite.
pub fn schema_version_of(path: &Path) -> Option<i64> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .ok()
}

impl Store {
    /// Opens (creating if needed) a notebook file. A file that is not
    /// SQLite, another application's database, or one from a newer
    /// interdict is refused before anything is written to it.
    ///
    /// A signed export (a file holding an export manifest) is opened
    /// read-only and immutable whatever was asked and whatever its header
    /// or the files beside it say: what is read is the file alone, as it
    /// was signed (a `-wal` or `-journal` beside it is neither read nor
    /// applied, see [`Store::ignored_beside`]), and nothing is written to
    /// it or created beside it. A damaged file is named as such.
    pub fn open(path: &Path, mut opts: OpenOptions) -> Result<Store> {
        let on_disk = !memdb::is_memdb(path) && path.exists();
        if on_disk {
            check_format_bytes(path)?;
        }
        // (A private copy is the reader's own, made to be written.)
        let export = on_disk && !opts.private_copy && is_export_file(path);
        if export {
            opts.read_only = true;
        }
        // A writable open applies a `-wal` beside the file before it can
        // tell the file is damaged: "it was not changed" is then not
        // known (a stale log of another file was applied, and the file
        // called unchanged).
        let applied = on_disk
            && !opts.read_only
            && std::fs::metadata(fsinfo::beside(path, "-wal")).is_ok_and(|m| m.len() > 0);
        Store::open_file(path, opts, export).map_err(|e| {
            let e = match named_damage(path, e) {
                StoreError::Open { path, message } if applied => StoreError::Open {
                    path,
                    message: message.replace(
                        "(it was not changed)",
                        "(a write-ahead log beside it, its -wal, was applied as it opened: if that log was another file's, as a backup restored beside an old -wal, the file was changed by it; restore it from a copy)",
                    ),
                },
                e => e,
            };
            // What was ignored beside an export is said with what went
            // wrong reading it.
            let beside = if export { side_files(path) } else { Vec::new() };
            match (e, ignored_text(&beside)) {
                (StoreError::Open { path, message }, Some(t)) => StoreError::Open {
                    path,
                    message: format!("{message}; {t}"),
                },
                (e, _) => e,
            }
        })
    }

    fn open_file(path: &Path, opts: OpenOptions, export: bool) -> Result<Store> {
        let c = |e| classify(path, e);
        let flags = if opts.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        // (An in-memory database of this process is there while its
        // holder is.)
        let exists = memdb::is_memdb(path) || path.exists();
        // (A writable open through a link to a file not made yet makes
        // it, as ever; a loop of links leads to none.)
        if !exists && (opts.read_only || links_in_a_loop(path)) {
            return Err(no_file(path));
        }
        if !opts.read_only && !exists {
            create_private(path, opts.group.as_deref())?;
        }
        if !opts.read_only && exists && !export {
            mend_side_files(path);
        }
        let mut conn = if export {
            open_immutable(path).map_err(c)?
        } else {
            Connection::open_with_flags(path, flags).map_err(c)?
        };
        conn.busy_handler(Some(busy_wait)).map_err(c)?;
        sqlfn::register(&conn).map_err(c)?;
        // Room for every statement a write prepares (records, indexes,
        // audit, seals, screening): with rusqlite's default of 16, a parcel
        // saved with screening prepared most of its statements again each
        // time (43 % of an import's time went to SQLite's parser).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut read_alone = false;
        let app_id: i32 = match conn.pragma_query_value(None, "application_id", |r| r.get(0)) {
            Ok(v) => v,
            // Read-only, where this account can make no `-shm` beside
            // the notebook (its folder is not writable to it) and no one
            // has it open: read as the file stands, alone, as an export
            // is (a colleague with read permission could not even list).
            // Nothing waits in a log no one has open.
            Err(e)
                if opts.read_only
                    && !export
                    && e.sqlite_error_code() == Some(ErrorCode::ReadOnly)
                    && !side_files(path)
                        .iter()
                        .any(|f| std::fs::metadata(f).is_ok_and(|m| m.len() > 0)) =>
            {
                conn = open_immutable(path).map_err(c)?;
                conn.busy_handler(Some(busy_wait)).map_err(c)?;
                sqlfn::register(&conn).map_err(c)?;
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                read_alone = true;
                conn.pragma_query_value(None, "application_id", |r| r.get(0))
                    .map_err(c)?
            }
            Err(e) => return Err(c(e)),
        };
        // (The first read made the `-shm`, when no one had the notebook
        // open: made the notebook's group's and mode's as it should be.)
        if !export && !memdb::is_memdb(path) {
            mend_side_files(path);
        }
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(c)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(c)?;
        let fresh = app_id == 0 && tables == 0;
        if app_id != APPLICATION_ID && !fresh {
            return Err(StoreError::NotInterdict { path: path.into() });
        }
        // Tables but no schema version: no notebook is ever left so (the
        // version is set in the transaction that makes the tables), so
        // another tool changed it; upgrading it from nothing would fail on
        // the tables it has, after changing the file's header.
        if version == 0 && tables > 0 {
            return Err(StoreError::Open {
                path: path.into(),
                message: "it holds tables but no schema version (set to 0 by another tool?): not a notebook this build can read or upgrade; it was not changed".into(),
            });
        }
        // (No interdict writes one below 0: upgraded "from" it, the first
        // migration failed on tables it has, in 7 KB of SQL.)
        if version < 0 {
            return Err(StoreError::Open {
                path: path.into(),
                message: format!(
                    "its schema version is {version}, which no interdict writes (set by another tool?): not a notebook this build can read or upgrade; it was not changed"
                ),
            });
        }
        if version > migrations::latest() {
            return Err(StoreError::NewerSchema {
                path: path.into(),
                found: version,
                supported: migrations::latest(),
            });
        }
        // Nothing is read or written through objects interdict did not
        // make: a foreign view or generated column would run inside its
        // reads, a foreign trigger inside its writes.
        // (An object of interdict's that is missing runs nothing: the
        // writes that need it fail, and `audit verify` names it.)
        if version > 0 {
            let found = if export {
                schema::received_differences(&conn, version)?
            } else {
                schema::differences(&conn, version)?
            };
            if found.iter().any(|d| !d.missing) {
                return Err(StoreError::ForeignSchema {
                    path: path.into(),
                    differences: schema::lines(&found),
                });
            }
        }
        // One plan per statement, whatever the values bound: without this,
        // SQLite re-prepares cached statements when their bindings change
        // (a sixth of the time of a large import went there).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(c)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(c)?;
        conn.pragma_update(None, "trusted_schema", false)
            .map_err(c)?;
        let mut store = Store {
            conn,
            path: opts.shown_as.clone().unwrap_or_else(|| path.into()),
            db_id: Uuid::nil(),
            actor: opts.actor,
            read_only: opts.read_only,
            clock: opts.clock,
            private_copy: opts.private_copy,
            _upgraded_copy: None,
            read_path: path.into(),
            indexing: true,
            seal_key: opts.seal_key,
            checkpoints: opts.checkpoints,
            checkpoint_at: None,
            checkpoint_due: false,
            screen: None,
            long_commit: None,
            upgraded_from: None,
            ignored_beside: if export { side_files(path) } else { Vec::new() },
            read_alone,
        };
        if opts.read_only {
            // (Nothing in it: an empty file, or a database with no table;
            // "an SQLite database, but not an interdict notebook" said of
            // a file of 0 bytes, what `merge` calls no database.)
            if fresh {
                return Err(StoreError::Open {
                    path: path.into(),
                    message: "the file holds nothing (no notebook was ever made in it; the file was not changed): open it without --read-only to make one".into(),
                });
            }
            if version < migrations::READABLE_FROM {
                return Err(StoreError::Open {
                    path: path.into(),
                    message: format!(
                        "schema version {version} is older than this build reads ({}); open it once without --read-only to upgrade it",
                        migrations::READABLE_FROM
                    ),
                });
            }
            // A received export is read as it came: a value longer than
            // any notebook takes is refused before it is indexed.
            if is_export(&store.conn)? {
                records::check_sizes(&store.conn)?;
            }
            // An older file, or an export (which carries no index rows:
            // they are rebuilt from its records by whoever reads it; one
            // that has some, written into after it was signed, is read
            // the same way, so that nothing else opens the file itself).
            if version < migrations::latest() || export || !store.indexed()? {
                // (Damage found reading the copy is the file's.)
                let (dir, copy) = store.upgraded_copy().map_err(|e| match e {
                    StoreError::Open { message, .. } => StoreError::Open {
                        path: path.into(),
                        message,
                    },
                    StoreError::NotSqlite { .. } => StoreError::NotSqlite { path: path.into() },
                    e => named_damage(path, e),
                })?;
                store.conn = Connection::open_with_flags(&copy, flags).map_err(c)?;
                store.conn.busy_handler(Some(busy_wait)).map_err(c)?;
                sqlfn::register(&store.conn).map_err(c)?;
                store
                    .conn
                    .set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                store
                    .conn
                    .set_db_config(
                        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                        true,
                    )
                    .map_err(c)?;
                store
                    .conn
                    .pragma_update(None, "trusted_schema", false)
                    .map_err(c)?;
                store._upgraded_copy = Some(dir);
                store.read_path = copy;
            }
        } else {
            if fresh {
                // Before the first table, and before WAL (which fixes it).
                store
                    .conn
                    .pragma_update(None, "page_size", PAGE_SIZE)
                    .map_err(c)?;
            }
            let mode: String = store
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(c)?;
            tracing::debug!(%mode, path = %path.display(), "opened");
            store
                .conn
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(c)?;
            // After a checkpoint restarts the log, cut its file back to this
            // size, so a burst of writes does not leave it large for good.
            store
                .conn
                .pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
                .map_err(c)?;
            store.migrate().map_err(|e| match e {
                StoreError::Sqlite(e) => classify(path, e),
                other => other,
            })?;
            // An export opened for writing: its index rows travel empty.
            // Built with a page cache that holds them (without it, at
            // 100,000 parcels, SQLite wrote 3 GB of pages spilled from
            // its cache and read them back); a private copy (a received
            // file read `--read-only`), thrown away if this fails, is
            // written as a scratch file.
            if !store.indexed()? {
                if store.private_copy {
                    store.as_scratch()?;
                }
                store.bulk(|s| s.write(|w| upgrade::rebuild_indexes(&w.tx).map(drop)))??;
            }
        }
        store.db_id = store.load_db_id()?;
        // The shipped catalogue's later revisions, once per notebook.
        if !store.read_only
            && !store.private_copy
            && catalogue::revision(&store.conn)? < catalogue::latest_revision()
        {
            let r = store.write(catalogue::revise)?;
            tracing::info!(changed = r.changed, added = r.added, "catalogue revised");
        }
        Ok(store)
    }

    /// Screens every parcel this store writes from now on with `screen`.
    pub fn set_screen(&mut self, screen: Arc<dyn Screen>) {
        self.screen = Some(screen);
    }

    /// What screens the parcels this store writes, if anything does.
    pub fn screen(&self) -> Option<Arc<dyn Screen>> {
        self.screen.clone()
    }

    /// Writes without the identifier and search indexes: for a database
    /// whose index tables are left empty (an export being built).
    pub fn without_indexes(&mut self) {
        self.indexing = false;
    }

    /// Makes this a scratch file that nobody else opens and that is
    /// thrown away if the work on it fails (an export being built): its
    /// rollback journal kept in memory and no waits for the disk, so each
    /// page is written once, into the file itself (not first into a log
    /// and then copied). The file is left in rollback-journal mode, as a
    /// received file must be.
    pub fn as_scratch(&mut self) -> Result<()> {
        let mode: String =
            self.conn
                .pragma_update_and_check(None, "journal_mode", "MEMORY", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::Corrupt(format!(
                "a scratch file stayed in journal mode {mode}"
            )));
        }
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        Ok(())
    }

    /// Whether the index tables hold the records' rows: false for a file
    /// with records and neither search rows nor identifier index rows (an
    /// export, written without them; a parcel has no stored search row,
    /// but always its tracking number in the identifier index).
    pub fn indexed(&self) -> Result<bool> {
        let bare: bool = self.conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM search_items)
                AND NOT EXISTS (SELECT 1 FROM occurrences)
                AND (EXISTS (SELECT 1 FROM parcels) OR EXISTS (SELECT 1 FROM cases)
                     OR EXISTS (SELECT 1 FROM notes) OR EXISTS (SELECT 1 FROM substances)
                     OR EXISTS (SELECT 1 FROM findings) OR EXISTS (SELECT 1 FROM links))",
            [],
            |r| r.get(0),
        )?;
        Ok(!bare)
    }

    /// A private copy of the notebook as it is now, open for writing, to
    /// try a change out on (a dry run) without holding the notebook's
    /// write lock meanwhile: read in one read transaction (which writers
    /// do not wait on), into a private folder (0700) beside the notebook,
    /// removed when the returned folder is dropped. Its writes are not
    /// sealed nor checkpointed: it is not the notebook.
    pub fn trial_copy(&self) -> Result<(tempfile::TempDir, Store)> {
        let parent = self
            .read_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = workdir::work_dir_in(parent, "trial")?;
        let copy = dir.path().join("trial.db");
        // The owner's only, as every notebook file is (SQLite would make
        // it by the umask).
        create_private(&copy, None)?;
        {
            let mut to = Connection::open(&copy).map_err(|e| classify(&copy, e))?;
            copy_database(&self.conn, &mut to).map_err(|e| classify(&self.path, e))?;
        }
        let mut opts = OpenOptions::new(self.actor.clone());
        opts.clock = self.clock.clone();
        let store = Store::open(&copy, opts)?;
        Ok((dir, store))
    }

    /// A private copy of this (older, read-only) file, upgraded to the
    /// latest schema: where it lives, and its path.
    fn upgraded_copy(&self) -> Result<(memdb::PrivateCopy, PathBuf)> {
        upgraded_copy_of(&self.conn, &self.read_path, &self.actor, self.clock.clone())
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version >= migrations::latest() {
            return Ok(());
        }
        // Upgrades rebuild tables that others refer to: foreign keys are
        // checked once, at the end, instead of on each step.
        self.conn.pragma_update(None, "foreign_keys", false)?;
        let out = self.migrate_from();
        self.conn.pragma_update(None, "foreign_keys", true)?;
        if out.is_ok() && version > 0 && !self.private_copy {
            self.upgraded_from = Some(version);
        }
        out
    }

    /// The schema this open upgraded the file from, if it did (not a
    /// private copy's upgrade, nor a new file's making).
    pub fn upgraded_from(&self) -> Option<i64> {
        self.upgraded_from
    }

    /// The bytes of the file's free pages (SQLite's free list): what
    /// [`Store::compact`] would give back at least.
    pub fn free_bytes(&self) -> Result<u64> {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "freelist_count", |r| r.get(0))?;
        let size: i64 = self
            .conn
            .pragma_query_value(None, "page_size", |r| r.get(0))?;
        Ok(u64::try_from(pages * size).unwrap_or(0))
    }

    /// About how many bytes the upgrade this open made cut out of rows
    /// it left in their pages (the pages stay as large until later writes
    /// fill them or `compact` packs them): from before schema 16, the
    /// hashes of the audit entries it cut to their tags (`audit::chain`);
    /// from before 20, each record's 16-byte origin made a number (a byte,
    /// for the few origins of a notebook); from before 21, the time (6
    /// bytes) and author of the last change of each record never changed;
    /// from before 23, each writer's name in records and audit entries
    /// made a key (a byte or two).
    pub fn cut_within_pages(&self) -> Result<u64> {
        let Some(from) = self.upgraded_from() else {
            return Ok(0);
        };
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let mut cut = 0;
        if from < 16 {
            let entries = count(&format!(
                "SELECT count(*) FROM audit WHERE length(hash) = {}",
                audit::chain::TAG_LEN
            ))?;
            cut += entries * (audit::HASH_LEN - audit::chain::TAG_LEN) as u64;
        }
        for kind in crate::domain::ItemKind::ALL {
            let t = kind.table();
            if from < 20 {
                cut += 15 * count(&format!("SELECT count(*) FROM {t}"))?;
            }
            if from < 21 {
                cut += count(&format!(
                    "SELECT coalesce(sum(iif(updated_at = '', 6, 0)
                                       + iif(updated_by = '', length(CAST({} AS BLOB)), 0)), 0)
                     FROM {t} WHERE updated_at = '' OR updated_by = ''",
                    writers::read(&format!("{t}.created_by"))
                ))?;
            }
        }
        if from < writers::SINCE {
            for (t, col) in writers::columns() {
                let c = format!("{t}.\"{col}\"");
                cut += count(&format!(
                    "SELECT coalesce(sum(length(CAST({} AS BLOB)) - length({c})), 0)
                       FROM {t} WHERE typeof({c}) = 'blob'",
                    writers::read(&c)
                ))?;
            }
        }
        Ok(cut)
    }

    fn migrate_from(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version >= migrations::latest() {
            return Ok(());
        }
        let now = self.clock.clone().unwrap_or_else(meta::now);
        // Rows that already refer to missing records (a record deleted with
        // the sqlite3 shell) are the audit's to name; the upgrade must only
        // not add any.
        let dangling = |tx: &Transaction<'_>| -> Result<i64> {
            Ok(
                tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?,
            )
        };
        let before = dangling(&tx)?;
        migrations::apply(
            &tx,
            version,
            migrations::MIGRATIONS,
            &upgrade::Ctx {
                from: version,
                actor: &self.actor,
                now: &now,
                private_copy: self.private_copy,
            },
        )?;
        let after = dangling(&tx)?;
        if after > before {
            return Err(StoreError::Corrupt(format!(
                "{}: the upgrade to schema {} would leave {} rows referring to missing records; nothing was changed",
                self.path.display(),
                migrations::latest(),
                after - before
            )));
        }
        if version == 0 {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            let db_id = Uuid::now_v7();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('database_id', ?1), ('created_at', ?2), ('created_by', ?3)",
                (db_id.to_string(), &now, &self.actor),
            )?;
            let mut w = Writer {
                tx,
                actor: &self.actor,
                db_id,
                now,
                indexing: true,
                screen: None,
                writers: writers::Kept::default(),
                held_index: None,
            };
            catalogue::load(&mut w)?;
            warnlist::seed(&mut w)?;
            if let Some(key) = &self.seal_key {
                seal_head(&w.tx, db_id, key, &self.actor)?;
            }
            w.tx.commit()?;
        } else {
            // The log as it stands at the upgrade is sealed by whoever
            // upgrades it (no log had seals before schema 5).
            if version < 5
                && let Some(key) = &self.seal_key
            {
                seal_head(&tx, database_id(&tx)?, key, &self.actor)?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    fn load_db_id(&self) -> Result<Uuid> {
        let s: String = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'database_id'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| classify(&self.path, e))?;
        Uuid::parse_str(&s).map_err(|_| {
            StoreError::Corrupt(format!("{}: bad database id {s:?}", self.path.display()))
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }
    /// The notebook's file, as the user named it.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The file the notebook is read from: its own path, or the private
    /// upgraded and indexed copy an older file or an export is read
    /// through. Other connections to the same data open this one.
    pub fn read_path(&self) -> &Path {
        &self.read_path
    }
    pub fn db_id(&self) -> Uuid {
        self.db_id
    }
    pub fn actor(&self) -> &str {
        &self.actor
    }
    /// How to open another connection that writes to this notebook as
    /// this one does (the same actor and clock), for work on a thread of
    /// its own.
    pub fn writer_options(&self) -> OpenOptions {
        let mut o = OpenOptions::new(self.actor.clone());
        o.clock = self.clock.clone();
        o.seal_key = self.seal_key.clone();
        o.checkpoints = self.checkpoints.clone();
        o
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The files beside a signed export that SQLite would have applied to
    /// it (a `-wal`, a hot `-journal`) and that this open ignored: the
    /// export is read as the file alone. Empty for anything else.
    pub fn ignored_beside(&self) -> &[PathBuf] {
        &self.ignored_beside
    }

    /// Whether the notebook is read as it stood when opened, alone (see
    /// `read_alone`).
    pub fn read_alone(&self) -> bool {
        self.read_alone
    }

    /// Whether this file is an export (it holds a manifest).
    pub fn has_export_manifest(&self) -> Result<bool> {
        Ok(is_export(&self.conn).unwrap_or(false))
    }

    /// Runs `f` in one write transaction: everything it writes commits
    /// together, or nothing does.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_maybe(|w| f(w).map(|t| (t, true)))
    }

    /// Packs the notebook: SQLite's `VACUUM` writes every table and index
    /// again, their pages full, and gives the free pages back (an
    /// upgrade's old tables, deleted rows, index pages that writes over
    /// time left part filled). Nothing it holds changes: no record, audit
    /// entry or hash. It takes the notebook for itself while it runs (about
    /// a minute at a million parcels), so it is refused while another
    /// process has the notebook open. `starting` is called once nothing
    /// stands in its way, before the work.
    pub fn compact(&mut self, starting: impl FnOnce()) -> Result<Compacted> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        if let Some(h) = lockholder::other_user(&self.path) {
            return Err(StoreError::Refused(format!(
                "{}: {h} has the notebook open; compact it when no one else has it open (it takes the file for itself while it runs). Nothing was changed.",
                self.path.display()
            )));
        }
        let size = |path: &Path| -> u64 {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            [path.to_path_buf(), PathBuf::from(wal)]
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .map(|m| m.len())
                .sum()
        };
        let before = size(&self.path);
        starting();
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(Compacted {
            before,
            after: size(&self.path),
        })
    }

    /// Runs `f` (a long series of writes: an import, demo data) with a page
    /// cache that holds the indexes' working set and fewer, larger
    /// checkpoints, then puts the connection's settings back and frees the
    /// cache. Without it, a million-row import reads most index pages from
    /// the file once per row and checkpoints every 4 MiB of log.
    pub fn bulk<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> Result<T> {
        let get = |name: &str| -> Result<i64> {
            Ok(self.conn.pragma_query_value(None, name, |r| r.get(0))?)
        };
        let (cache, checkpoint, temp) = (
            get("cache_size")?,
            get("wal_autocheckpoint")?,
            get("temp_store")?,
        );
        self.conn
            .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", BULK_CHECKPOINT_PAGES)?;
        // Statement journals in memory: a statement that may write several
        // rows (an `INSERT OR REPLACE`) journals each page it changes for
        // the first time in the statement, and once one statement's
        // journal passed 64 KiB SQLite wrote every later one of the
        // transaction to a file (6 % of a merge, in `pwrite`s).
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        let out = f(self);
        self.conn.pragma_update(None, "cache_size", cache)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", checkpoint)?;
        self.conn.pragma_update(None, "temp_store", temp)?;
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(out)
    }

    /// Runs `f` (a job of many steps: the CSV import) while a thread of
    /// its own copies the write-ahead log into the file, on the other
    /// core, instead of this connection doing it after its commits (where
    /// the copying and the disk's sync came between one step and the
    /// next). Where no such thread can run (a database in memory), this
    /// connection checkpoints as before. With a copier the log grows to
    /// 512 MiB between restarts. (Tried for the merge and the demo's
    /// generation too, and left out there: a colleague's write beside them
    /// then sometimes waited 1.0-1.4 s, over the second allowed.)
    pub fn copying_log<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> Result<T> {
        let Some(copier) = checkpointer::Checkpointer::start(&self.conn) else {
            return Ok(f(self));
        };
        let checkpoint: i64 = self
            .conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
        // After each commit, the copier is told at once. The log starts
        // again from its beginning only when a write begins with all of it
        // copied, which a copier one step behind never lets happen: once
        // it holds 512 MiB, this connection copies the rest itself (most
        // of it is in the file already). (This hook stands in for
        // SQLite's own checkpoint after commits.)
        let told = copier.on_commit();
        self.conn
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
                if i64::from(pages) >= COPIED_LOG_PAGES {
                    let _ = wal.checkpoint();
                }
                told();
                Ok(())
            }))?;
        let out = f(self);
        self.conn
            .wal_hook(None::<fn(&mut rusqlite::hooks::Wal, i32) -> rusqlite::Result<()>>)?;
        copier.stop();
        // (Setting it again puts SQLite's own hook back.)
        self.conn
            .pragma_update(None, "wal_autocheckpoint", checkpoint)?;
        Ok(out)
    }

    /// Like `write`, but `f` decides whether its work is kept: it returns
    /// `(value, false)` to roll everything back (a dry run, or a merge that
    /// found nothing new).
    pub fn write_maybe<T>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let path = self.path.clone();
        let fix = |e: StoreError| match e {
            StoreError::Sqlite(e) => classify(&path, e),
            other => other,
        };
        let result = self.write_steps(&path, fix, f);
        // Who holds the notebook, when a big job of someone's says so.
        match result {
            Err(StoreError::Busy { path, .. }) => Err(StoreError::Busy {
                holder: self.holders(),
                path,
            }),
            other => other,
        }
    }

    /// Who holds the notebook, as a busy write names them: the process
    /// holding its write lock (who runs it, what it is, how long it has
    /// run), and the big jobs under way that say so.
    fn holders(&self) -> String {
        let mut found: Vec<String> = Vec::new();
        if let Some(h) = lockholder::write_lock_holder(&self.path) {
            found.push(format!("held by {h}"));
        }
        let jobs: Vec<String> = under_way(&self.conn)
            .unwrap_or_default()
            .iter()
            .map(|j| format!("{}'s {} of {} since {}", j.actor, j.kind, j.file, j.at))
            .collect();
        if !jobs.is_empty() {
            found.push(format!(
                "{} under way",
                crate::domain::text::sanitize(&jobs.join("; "))
            ));
        }
        if found.is_empty() {
            String::new()
        } else {
            format!(" ({})", found.join("; "))
        }
    }

    fn write_steps<T>(
        &mut self,
        path: &Path,
        fix: impl Fn(StoreError) -> StoreError,
        f: impl FnOnce(&mut Writer<'_>) -> Result<(T, bool)>,
    ) -> Result<T> {
        // Right after a long step of this store's, writers waiting on it
        // (polling every few milliseconds) take their turn first.
        if self.long_commit.take().is_some_and(|t| t.elapsed() < YIELD) {
            std::thread::sleep(YIELD);
        }
        let began = Instant::now();
        let (out, moved) = {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| classify(path, e))?;
            let mut w = Writer {
                tx,
                actor: &self.actor,
                db_id: self.db_id,
                now: self.clock.clone().unwrap_or_else(meta::now),
                indexing: self.indexing,
                screen: self.screen.clone(),
                writers: writers::Kept::default(),
                held_index: None,
            };
            let before = match &self.seal_key {
                Some(_) => audit::head(&w.tx).map_err(&fix)?.map(|h| h.0),
                None => None,
            };
            let (out, keep) = f(&mut w).map_err(&fix)?;
            let mut moved = false;
            if keep {
                w.write_held_index().map_err(&fix)?;
                // The transaction's entries sealed with the writer's key.
                if let Some(key) = &self.seal_key
                    && let Some((seq, hash)) = audit::head(&w.tx).map_err(&fix)?
                    && Some(seq) != before
                {
                    audit::seal::seal(&w.tx, self.db_id, key, &self.actor, seq, &hash)
                        .map_err(&fix)?;
                    moved = true;
                }
                w.tx.commit().map_err(|e| classify(path, e))?;
            }
            (out, moved)
        };
        if began.elapsed() >= Duration::from_millis(100) {
            self.long_commit = Some(Instant::now());
        }
        if moved {
            self.checkpoint_due = true;
            if self
                .checkpoint_at
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
            {
                self.record_checkpoint();
            }
        }
        Ok(out)
    }

    /// Keeps the head of the log in this user's data directory (a warning
    /// if it cannot be written: the write itself is done).
    pub fn record_checkpoint(&mut self) {
        let (Some(dir), Some(key)) = (&self.checkpoints, &self.seal_key) else {
            return;
        };
        self.checkpoint_at = Some(Instant::now());
        self.checkpoint_due = false;
        // Moved on only from an entry the log still holds as it was seen:
        // a file rolled back to an older copy and written to grew past
        // the entry, and the next write moved the checkpoint on, hiding
        // the rollback from `audit verify` for good.
        match self.checkpoint_problem() {
            Ok(None) => {}
            Ok(Some(p)) => return tracing::warn!("audit checkpoint kept where it was: {p}"),
            Err(e) => return tracing::warn!("audit checkpoint not recorded: {e}"),
        }
        let head = match audit::head(&self.conn) {
            Ok(Some(h)) => h,
            Ok(None) => return,
            Err(e) => return tracing::warn!("audit checkpoint not recorded: {e}"),
        };
        let now = self.clock.clone().unwrap_or_else(meta::now);
        if let Err(e) =
            audit::seal::record_checkpoint(dir, self.db_id, &self.path, key, head.0, &head.1, &now)
        {
            tracing::warn!("{e}");
        }
    }

    /// What the log says against this user's checkpoint of it, when it
    /// no longer holds the entry the checkpoint names as it was seen (see
    /// [`audit::seal::checkpoint_problem`]); `None` too when writes are
    /// not sealed or no checkpoint was kept.
    pub fn checkpoint_problem(&self) -> Result<Option<String>> {
        let (Some(dir), Some(key)) = (&self.checkpoints, &self.seal_key) else {
            return Ok(None);
        };
        match audit::seal::read_checkpoint(dir, self.db_id, &key.verifying_key()) {
            Some(cp) => audit::seal::checkpoint_problem(&self.conn, &cp),
            None => Ok(None),
        }
    }

    /// Takes the log as it stands as this user's checkpoint, whatever was
    /// kept before (`audit verify --accept-log`, once what it named against
    /// the checkpoint has been looked into).
    pub fn replace_checkpoint(&mut self) -> Result<()> {
        let (Some(dir), Some(key)) = (&self.checkpoints, &self.seal_key) else {
            return Ok(());
        };
        let Some((seq, hash)) = audit::head(&self.conn)? else {
            return Ok(());
        };
        let now = self.clock.clone().unwrap_or_else(meta::now);
        audit::seal::write_checkpoint(dir, self.db_id, &self.path, key, seq, &hash, &now)
    }

    /// This user's key and checkpoint folder, if writes are sealed.
    pub fn sealing(&self) -> Option<(&SigningKey, Option<&Path>)> {
        self.seal_key
            .as_deref()
            .map(|k| (k, self.checkpoints.as_deref()))
    }
}

/// Whether the database is an export: it has a manifest table holding a
/// manifest.
pub(crate) fn is_export(conn: &Connection) -> Result<bool> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'export_manifest')",
        [],
        |r| r.get(0),
    )?;
    Ok(has_table
        && conn.query_row("SELECT EXISTS (SELECT 1 FROM export_manifest)", [], |r| {
            r.get(0)
        })?)
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    pub fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), OpenOptions::new("tester")).unwrap();
        (dir, store)
    }

    /// What `EXPLAIN QUERY PLAN` says of `sql` with `params`, a line for
    /// each step, in order.
    pub fn plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(params, |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::temp_store;
    use super::*;

    /// Compacting gives free pages back and changes nothing held: the
    /// same records, the same chain head, a clean check.
    #[test]
    fn compacting_shrinks_the_file_and_keeps_everything() {
        use crate::domain::record::new_record;
        use crate::domain::{Case, ItemKind};
        let (_d, mut s) = temp_store();
        let mut ids = Vec::new();
        s.write(|w| {
            for i in 0..1500 {
                let title = format!("case {i} {}", "x".repeat(300));
                let (mut c, _) = new_record::<Case>(&[("title", &title)])?;
                create::case(w, &mut c)?;
                ids.push(c.meta.id);
            }
            Ok(())
        })
        .unwrap();
        s.write(|w| {
            for id in &ids[100..] {
                records::delete(w, ItemKind::Case, *id)?;
            }
            Ok(())
        })
        .unwrap();
        let kept = |s: &Store| -> Vec<String> {
            ids[..100]
                .iter()
                .map(|id| records::stored_json(s.conn(), ItemKind::Case, *id).unwrap())
                .collect()
        };
        let (before, head) = (kept(&s), audit::verify(s.conn()).unwrap());
        let c = s.compact(|| {}).unwrap();
        assert!(c.after < c.before, "{c:?}");
        assert_eq!(kept(&s), before);
        assert_eq!(audit::verify(s.conn()).unwrap(), head);
        let check = integrity::check(s.conn()).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        // A read-only store is not compacted.
        let path = s.path().to_path_buf();
        drop(s);
        let mut ro = Store::open(
            &path,
            OpenOptions {
                read_only: true,
                ..OpenOptions::new("t")
            },
        )
        .unwrap();
        assert!(matches!(
            ro.compact(|| panic!("not started")),
            Err(StoreError::ReadOnly { .. })
        ));
    }

    #[test]
    fn many_reads_in_one_see_one_snapshot_and_let_it_go_after() {
        let (_d, s) = temp_store();
        s.conn
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let other = Connection::open(&s.path).unwrap();
        let count = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap()
        };
        let seen = in_one_read(&s.conn, || {
            let first = count(&s.conn);
            // A colleague's write between two reads of the same piece of work.
            other.execute("INSERT INTO t VALUES (2)", []).unwrap();
            assert!(!s.conn.is_autocommit());
            Ok((first, count(&s.conn)))
        })
        .unwrap();
        assert_eq!(seen, (1, 1), "one snapshot for the whole of it");
        assert!(s.conn.is_autocommit(), "the read lock let go");
        assert_eq!(count(&s.conn), 2, "the next read sees the write");
        // An error ends it too, and is what comes back.
        let failed: Result<()> = in_one_read(&s.conn, || Err(StoreError::Corrupt("no".into())));
        assert!(matches!(failed, Err(StoreError::Corrupt(_))));
        assert!(s.conn.is_autocommit());
        // Inside a transaction of the caller's: run as part of it, left open.
        s.conn.execute_batch("BEGIN").unwrap();
        assert_eq!(in_one_read(&s.conn, || Ok(count(&s.conn))).unwrap(), 2);
        assert!(
            !s.conn.is_autocommit(),
            "the caller's transaction still open"
        );
        s.conn.execute_batch("COMMIT").unwrap();
        // A panic halfway ends it as well.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = in_one_read(&s.conn, || -> Result<()> {
                count(&s.conn);
                panic!("halfway")
            });
        }));
        assert!(caught.is_err());
        assert!(s.conn.is_autocommit(), "no transaction left open");
    }

    #[test]
    fn a_job_has_its_log_copied_as_it_writes_and_the_settings_put_back() {
        let (_d, mut s) = temp_store();
        let path = s.path.clone();
        let before: i64 = s
            .conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        let grown = s
            .copying_log(|s| {
                let start = std::fs::metadata(&path).unwrap().len();
                s.conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
                for _ in 0..40 {
                    s.conn
                        .execute("INSERT INTO t VALUES (zeroblob(8192))", [])
                        .unwrap();
                }
                // The writer does not checkpoint (its hook only tells the
                // copier): the file grows by the copier's copying, soon
                // after the commits, not at the 50 ms look.
                let t = Instant::now();
                while std::fs::metadata(&path).unwrap().len() < start + 40 * 8192 {
                    assert!(t.elapsed() < Duration::from_secs(20), "never copied");
                    std::thread::sleep(Duration::from_millis(1));
                }
                true
            })
            .unwrap();
        assert!(grown);
        let after: i64 = s
            .conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(after, before);
    }

    #[test]
    fn new_file_gets_identity_pragmas_and_catalogue() {
        let (_d, s) = temp_store();
        let c = s.conn();
        let app: i32 = c
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID);
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, migrations::latest());
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let page: i64 = c
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        assert_eq!(page, PAGE_SIZE);
        let fk: i64 = c
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        assert!(!s.db_id().is_nil());
        let n: i64 = c
            .query_row("SELECT count(*) FROM substances", [], |r| r.get(0))
            .unwrap();
        assert!(n >= 150, "catalogue has {n} substances");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let (d, mut s) = temp_store();
        s.write(|w| {
            let (mut c, _) =
                crate::domain::record::new_record::<crate::domain::Case>(&[("title", "x")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        for f in ["t.db", "t.db-wal", "t.db-shm"] {
            let mode = std::fs::metadata(d.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}: {mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_configured_group_shares_new_files() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let d = tempfile::tempdir().unwrap();
        // A group this user is in: the group of a file it just made.
        let probe = d.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let gid = std::fs::metadata(&probe).unwrap().gid();
        let name = fsinfo::groups()
            .into_iter()
            .find_map(|(n, id)| (id == gid).then_some(n))
            .unwrap_or_else(|| gid.to_string());
        let mut opts = OpenOptions::new("a");
        opts.group = Some(name);
        let mut s = Store::open(&d.path().join("g.db"), opts).unwrap();
        s.write(|w| {
            let (mut c, _) =
                crate::domain::record::new_record::<crate::domain::Case>(&[("title", "x")])?;
            create::case(w, &mut c)
        })
        .unwrap();
        for f in ["g.db", "g.db-wal", "g.db-shm"] {
            let m = std::fs::metadata(d.path().join(f)).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, 0o660, "{f}");
            assert_eq!(m.gid(), gid, "{f}");
        }
        let mut opts = OpenOptions::new("a");
        opts.group = Some("no-such-group-here".into());
        let e = Store::open(&d.path().join("h.db"), opts).err().unwrap();
        assert!(e.to_string().contains("no group"), "{e}");
        assert!(!d.path().join("h.db").exists());
    }

    /// A version-2 file (with the trigram index, as an earlier build wrote
    /// it) is browsed read-only through an upgraded private copy, the file
    /// itself untouched, and upgraded in place on a writable open: the
    /// index is gone, the search rows are rebuilt from the records and
    /// search still finds the item.
    #[test]
    fn a_version_2_file_is_browsed_through_an_upgraded_copy_and_upgraded_on_write() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("v2.db");
        {
            let mut c = rusqlite::Connection::open(&path).unwrap();
            let tx = c.transaction().unwrap();
            migrations::apply(
                &tx,
                0,
                &migrations::MIGRATIONS[..2],
                &upgrade::Ctx {
                    from: 0,
                    actor: "t",
                    now: "now",
                    private_copy: false,
                },
            )
            .unwrap();
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            tx.execute_batch(
                "INSERT INTO meta (key, value) VALUES ('database_id', '0192f3a0-0000-7000-8000-000000000001');
                 INSERT INTO parcels (id, created_at, created_by, updated_at, updated_by, origin_db,
                                      tracking, tracking_kind, declared_contents, status)
                     VALUES (x'0192f3a0000070008000000000000002', '2026-01-01T00:00:00Z', 't',
                             '2026-01-01T00:00:00Z', 't', x'0192f3a0000070008000000000000001',
                             'RR123456785KZ', 's10', 'Almaty pigment', 'seized');
                 INSERT INTO search_items (item_id, kind, label, body)
                     VALUES (x'0192f3a0000070008000000000000002', 'parcel', 'RR123456785KZ', 'RR123456785KZ | Almaty pigment');
                 INSERT INTO search_fts (rowid, body) SELECT rowid, body FROM search_items;",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let version = |s: &Store| -> i64 {
            s.conn()
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap()
        };
        let has_fts = |s: &Store| -> bool {
            s.conn()
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE name = 'search_fts'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                > 0
        };
        let bytes = std::fs::read(&path).unwrap();
        let ro = Store::open(
            &path,
            OpenOptions {
                read_only: true,
                ..OpenOptions::new("t")
            },
        )
        .unwrap();
        assert_eq!(version(&ro), migrations::latest());
        assert_eq!(
            search::search(ro.conn(), "almty", None, 10).unwrap().len(),
            1
        );
        drop(ro);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was changed");
        let rw = Store::open(&path, OpenOptions::new("t")).unwrap();
        assert_eq!(version(&rw), migrations::latest());
        assert!(!has_fts(&rw));
        // (Parcels: the upgrade also brings the catalogue's latest
        // revision, whose long notes hold those letters in order too.)
        assert_eq!(
            search::search(
                rw.conn(),
                "almty",
                Some(crate::domain::ItemKind::Parcel),
                10
            )
            .unwrap()
            .len(),
            1
        );
    }

    #[test]
    fn reopening_keeps_the_database_id() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        let a = Store::open(&p, OpenOptions::new("a")).unwrap().db_id();
        let b = Store::open(&p, OpenOptions::new("b")).unwrap().db_id();
        assert_eq!(a, b);
    }

    #[test]
    fn garbage_file_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junk.db");
        let junk = b"this is not a database, just some text that is long enough".repeat(100);
        std::fs::write(&p, &junk).unwrap();
        let e = Store::open(&p, OpenOptions::new("t")).err().unwrap();
        assert!(matches!(e, StoreError::NotSqlite { .. }), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), junk);
    }

    /// A loop of symbolic links is said as one (it was "no such file"),
    /// read-only or not; a link to no file read read-only too.
    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_to_no_file_is_said_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("loop1.db"), dir.path().join("loop2.db"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let dangling = dir.path().join("gone.db");
        std::os::unix::fs::symlink(dir.path().join("nowhere.db"), &dangling).unwrap();
        for read_only in [true, false] {
            let mut o = OpenOptions::new("t");
            o.read_only = read_only;
            let e = Store::open(&a, o).err().unwrap().to_string();
            assert!(e.contains("a loop of symbolic links"), "{e}");
        }
        let mut o = OpenOptions::new("t");
        o.read_only = true;
        let e = Store::open(&dangling, o).err().unwrap().to_string();
        assert!(e.contains("a symbolic link to no file"), "{e}");
        assert!(!dir.path().join("nowhere.db").exists());
    }

    /// An empty file read read-only is said to hold nothing, not to be
    /// "an SQLite database, but not an interdict notebook".
    #[test]
    fn an_empty_file_read_only_is_said_to_hold_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.db");
        std::fs::write(&p, b"").unwrap();
        let mut o = OpenOptions::new("t");
        o.read_only = true;
        let e = Store::open(&p, o).err().unwrap().to_string();
        assert!(e.contains("the file holds nothing"), "{e}");
        assert!(!e.contains("an SQLite database"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"");
    }

    #[test]
    fn other_sqlite_database_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("other.db");
        {
            let c = Connection::open(&p).unwrap();
            c.execute_batch("CREATE TABLE x (a); INSERT INTO x VALUES (1);")
                .unwrap();
        }
        let before = std::fs::read(&p).unwrap();
        let e = Store::open(&p, OpenOptions::new("t")).err().unwrap();
        assert!(matches!(e, StoreError::NotInterdict { .. }), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn newer_schema_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.db");
        drop(Store::open(&p, OpenOptions::new("t")).unwrap());
        {
            let c = Connection::open(&p).unwrap();
            c.pragma_update(None, "user_version", migrations::latest() + 1)
                .unwrap();
        }
        let before = std::fs::read(&p).unwrap();
        let e = Store::open(&p, OpenOptions::new("t")).err().unwrap();
        assert!(matches!(e, StoreError::NewerSchema { .. }), "{e}");
        assert!(e.to_string().contains("newer"));
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn a_failing_write_leaves_nothing_behind() {
        use crate::domain::record::new_record;
        use crate::domain::{Case, Parcel};
        let (_d, mut s) = temp_store();
        let counts = |s: &Store| -> Vec<i64> {
            [
                "cases",
                "parcels",
                "links",
                "occurrences",
                "search_items",
                "audit",
            ]
            .iter()
            .map(|t| {
                s.conn()
                    .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                    .unwrap()
            })
            .collect()
        };
        let before = counts(&s);
        let e = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "half")])?;
                create::case(w, &mut c)?;
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("sender_phone", "+77015550142"),
                ])?;
                create::parcel(w, &mut p)?;
                create::include_in_case(w, c.meta.id, p.meta.id)?;
                // The second parcel repeats the tracking number: refused.
                let (mut dup, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
                create::parcel(w, &mut dup)?;
                Ok(())
            })
            .err()
            .unwrap();
        assert!(matches!(e, StoreError::Duplicate(_)), "{e}");
        assert_eq!(counts(&s), before);
        assert!(matches!(
            audit::verify(s.conn()).unwrap(),
            audit::Verdict::Intact { .. }
        ));
    }

    #[test]
    fn read_only_store_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ro.db");
        drop(Store::open(&p, OpenOptions::new("t")).unwrap());
        let mut opts = OpenOptions::new("t");
        opts.read_only = true;
        let mut s = Store::open(&p, opts).unwrap();
        let e = s.write(|_| Ok(())).err().unwrap();
        assert!(matches!(e, StoreError::ReadOnly { .. }));
    }

    #[test]
    fn a_write_that_waited_too_long_names_the_job_holding_the_notebook() {
        let (d, s) = temp_store();
        s.conn()
            .execute(
                "INSERT INTO sources (id, kind, at, actor, file_name, file_sha256, report)
                 VALUES (?1, 'merge', '2026-12-01T20:00:00Z', 'alice', 'tea.db', 'x', '{\"in_progress\":{\"step\":2,\"after\":10}}')",
                [Uuid::now_v7()],
            )
            .unwrap();
        assert_eq!(
            s.holders(),
            " (alice's merge of tea.db since 2026-12-01T20:00:00Z under way)"
        );
        // A second connection holding the write lock makes SQLite say
        // "busy", which reads as such.
        let other = Connection::open(d.path().join("t.db")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let c = Connection::open(d.path().join("t.db")).unwrap();
        c.busy_timeout(Duration::ZERO).unwrap();
        let e = c.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        let e = classify(Path::new("nb.db"), e);
        assert!(matches!(e, StoreError::Busy { .. }), "{e}");
        let e = StoreError::Busy {
            path: "nb.db".into(),
            holder: s.holders(),
        };
        assert!(
            e.to_string().contains("over 10 s (alice's merge of tea.db"),
            "{e}"
        );
        // Nothing under way: no guess.
        other.execute_batch("ROLLBACK").unwrap();
        s.conn().execute("DELETE FROM sources", []).unwrap();
        assert_eq!(s.holders(), "");
    }
}
