//! Databases held in this process's memory (SQLite's `memdb` VFS), under
//! a name the process's other connections open them by: the plaintext of
//! a received file that came encrypted, and the copies made to read it.
//! Nothing of them is ever written to disk, so a session killed while
//! reading one leaves no plaintext behind.
//!
//! Such a database is named by a path of the form
//! `file:/interdict-mem-<pid>-<n>?vfs=memdb` (SQLite is built to read
//! file names as URIs), which `Connection::open_with_flags` and every
//! other opener in the store accept as they are; it lives as long as a
//! connection to it is open, and the [`MemDb`] value keeps one. (SQLite
//! names no file for such a connection, so a second reader is not opened
//! beside it: work on it runs on one core.)

use super::{Result, StoreError};
use rusqlite::{Connection, MAIN_DB, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the names of this process's in-memory databases begin with.
const NAME_PREFIX: &str = "/interdict-mem-";

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Room an in-memory database may grow to beyond the image it was made
/// from (an export's search and identifier rows, rebuilt to read it,
/// take about as much again as its records): four times the image, and
/// never less than SQLite's own default of 1 GiB.
fn room_for(image: u64) -> i64 {
    i64::try_from(image.saturating_mul(4))
        .unwrap_or(i64::MAX)
        .max(1 << 30)
}

/// A database in this process's memory, freed when the last connection to
/// it closes (this value holds one).
pub struct MemDb {
    path: PathBuf,
    _keeper: Connection,
}

impl std::fmt::Debug for MemDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemDb").field("path", &self.path).finish()
    }
}

/// The openable path of the in-memory database SQLite names `name`.
fn uri(name: &str) -> PathBuf {
    PathBuf::from(format!("file:{name}?vfs=memdb"))
}

/// Whether `path` names an in-memory database of this module.
pub fn is_memdb(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|p| p.starts_with("file:/interdict-mem-") && p.ends_with("?vfs=memdb"))
}

fn sqlite(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(e)
}

impl MemDb {
    /// A new, empty database that may grow to `room` bytes.
    fn empty(room: i64) -> Result<MemDb> {
        let name = format!(
            "{NAME_PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = uri(&name);
        let keeper = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        set_room(&keeper, room)?;
        Ok(MemDb {
            path,
            _keeper: keeper,
        })
    }

    /// A new, empty database with room for a copy of a database of
    /// `size` bytes and what may be built beside it.
    pub fn empty_for(size: u64) -> Result<MemDb> {
        MemDb::empty(room_for(size))
    }

    /// A database holding the SQLite file image `bytes`, as it is (not a
    /// byte of it checked: that is for whoever reads it, read-only).
    pub fn load(bytes: Vec<u8>) -> Result<MemDb> {
        let size = bytes.len();
        let mut image = Connection::open_in_memory().map_err(sqlite)?;
        image
            .deserialize_read_exact(MAIN_DB, bytes.as_slice(), size, true)
            .map_err(sqlite)?;
        drop(bytes);
        MemDb::copy_of(&image, size as u64)
    }

    /// A copy of the main database of `conn` (of `size` bytes).
    pub fn copy_of(conn: &Connection, size: u64) -> Result<MemDb> {
        let mem = MemDb::empty(room_for(size))?;
        let mut to = Connection::open_with_flags(
            &mem.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        super::copy_database(conn, &mut to).map_err(sqlite)?;
        Ok(mem)
    }

    /// The path other connections open it by.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Lets the in-memory database `conn` has open grow to `room` bytes (the
/// memdb VFS refuses to grow past a limit of 1 GiB unless told).
fn set_room(conn: &Connection, room: i64) -> Result<()> {
    let mut limit: i64 = room;
    // SAFETY: the handle is that of a live connection, borrowed for the
    // call; the schema name is a NUL-terminated C string literal; the
    // SQLITE_FCNTL_SIZE_LIMIT argument is a pointer to an sqlite3_int64,
    // which `limit` is, alive for the call, and nothing keeps it after.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_SIZE_LIMIT,
            (&raw mut limit).cast(),
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(StoreError::Corrupt(format!(
            "cannot size an in-memory database (SQLite code {rc})"
        )));
    }
    Ok(())
}

/// The size in bytes of the main database `conn` has open.
pub fn size_of(conn: &Connection) -> Result<u64> {
    let pages: i64 = conn
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .map_err(sqlite)?;
    let page: i64 = conn
        .pragma_query_value(None, "page_size", |r| r.get(0))
        .map_err(sqlite)?;
    Ok((pages.max(0) as u64) * (page.max(0) as u64))
}

/// Where a private copy of a notebook lives: a private folder on disk, or
/// this process's memory (a copy of a file that came encrypted). Either
/// goes when this value is dropped.
#[derive(Debug)]
pub enum PrivateCopy {
    Folder(tempfile::TempDir),
    Memory(MemDb),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
            .unwrap();
        drop(c);
        std::fs::read(p).unwrap()
    }

    #[test]
    fn a_loaded_image_is_shared_by_name_and_freed_with_its_holder() {
        let mem = MemDb::load(image()).unwrap();
        assert!(is_memdb(mem.path()), "{}", mem.path().display());
        let other =
            Connection::open_with_flags(mem.path(), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let n: i64 = other
            .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6);
        // Read-only connections write nothing.
        assert!(other.execute("INSERT INTO t VALUES (4)", []).is_err());
        // Copies are databases of their own.
        let copy = MemDb::copy_of(&other, size_of(&other).unwrap()).unwrap();
        let c = Connection::open(copy.path()).unwrap();
        c.execute("INSERT INTO t VALUES (10)", []).unwrap();
        let n: i64 = other
            .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6, "the copy's write is its own");
        drop((c, copy, other));
        // Gone with the last connection: the same name is empty again.
        let path = mem.path().to_path_buf();
        drop(mem);
        let c = Connection::open(&path).unwrap();
        let tables: i64 = c
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
        assert!(!is_memdb(Path::new("/tmp/interdict-mem-1-1")));
    }

    #[test]
    fn the_room_given_is_the_room_it_has() {
        // Told 8 MiB, it refuses a 16 MiB row (and so, told 4 GiB, it
        // grows past the 1 GiB default).
        let mem = MemDb::empty(8 << 20).unwrap();
        let c = Connection::open(mem.path()).unwrap();
        c.execute_batch("CREATE TABLE b(x)").unwrap();
        c.execute("INSERT INTO b VALUES (zeroblob(4 * 1024 * 1024))", [])
            .unwrap();
        let e = c
            .execute("INSERT INTO b VALUES (zeroblob(16 * 1024 * 1024))", [])
            .unwrap_err();
        assert_eq!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DiskFull),
            "{e}"
        );
        assert_eq!(room_for(600 << 20), 2400 << 20);
        assert_eq!(room_for(1), 1 << 30);
    }
}
