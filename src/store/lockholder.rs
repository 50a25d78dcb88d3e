//! Who holds a notebook's write lock, when a write has waited too long:
//! asked of the system (`fcntl(F_GETLK)`) for the lock SQLite takes to
//! write (in write-ahead-log mode, byte 120 of the `-shm` file; otherwise
//! the reserved byte of the database file). The system answers with the
//! process holding a lock that conflicts, whatever file system the
//! notebook is on; this process's own locks never conflict, so the answer
//! is always another process.
//!
//! A file this process has open through SQLite loses all of this
//! process's locks on it when any descriptor of it is closed (POSIX), so
//! the descriptor opened to ask is kept open, one per file, for as long
//! as the process runs.

use std::path::Path;
use std::time::Duration;

/// A process holding the write lock, as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// The account it runs under.
    pub user: String,
    /// Its command line (cut short).
    pub command: String,
    /// How long the process has run.
    pub running: Option<Duration>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "process {} of {} ({})",
            self.pid,
            crate::domain::text::sanitize(&self.user),
            crate::domain::text::sanitize(&self.command)
        )?;
        if let Some(r) = self.running {
            write!(f, ", running for {}", took(r))?;
        }
        Ok(())
    }
}

/// A duration as people say it: `42 s`, `5 min 3 s`, `2 h 10 min`.
pub fn took(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// The byte SQLite's write lock takes in a `-shm` file (WAL_WRITE_LOCK).
const WAL_WRITE_BYTE: i64 = 120;
/// The reserved byte of a database file in rollback-journal mode.
const RESERVED_BYTE: i64 = 0x4000_0001;

/// The byte of a `-shm` file every connection holds a shared lock on for
/// as long as it has the notebook open (SQLite's DMS byte).
const WAL_OPEN_BYTE: i64 = 128;

fn shm_of(db: &Path) -> std::path::PathBuf {
    super::fsinfo::beside(db, "-shm")
}

/// The process other than this one holding the write lock of the notebook
/// at `db`, if the system says (`None` where it cannot be asked, or when no
/// one holds it).
pub fn write_lock_holder(db: &Path) -> Option<Holder> {
    let shm = shm_of(db);
    [(shm.as_path(), WAL_WRITE_BYTE), (db, RESERVED_BYTE)]
        .into_iter()
        .find_map(|(file, byte)| holder_of(file, byte))
        .map(describe)
}

/// A process other than this one that has the notebook at `db` open (in
/// write-ahead-log mode), if the system says: `None` where it cannot be
/// asked, or when no other process has it open.
pub fn other_user(db: &Path) -> Option<Holder> {
    holder_of(&shm_of(db), WAL_OPEN_BYTE).map(describe)
}

/// The process holding a lock over `byte` of `file` that a write lock
/// there would conflict with.
#[cfg(unix)]
fn holder_of(file: &Path, byte: i64) -> Option<u32> {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::libc;
    use std::os::unix::fs::MetadataExt;
    use std::sync::Mutex;
    /// The descriptors opened to ask, by device and inode: never closed
    /// (see the module's note).
    static KEPT: Mutex<Vec<(u64, u64, std::fs::File)>> = Mutex::new(Vec::new());
    let m = std::fs::metadata(file).ok()?;
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    let at = match kept
        .iter()
        .position(|(dev, ino, _)| (*dev, *ino) == (m.dev(), m.ino()))
    {
        Some(i) => i,
        None => {
            let f = std::fs::File::open(file).ok()?;
            // (Another file may have taken the name between the two looks.)
            let fm = f.metadata().ok()?;
            kept.push((fm.dev(), fm.ino(), f));
            kept.len() - 1
        }
    };
    // SAFETY: all-zero is a valid value of this plain C struct.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = byte as _;
    lock.l_len = 1;
    fcntl(&kept[at].2, FcntlArg::F_GETLK(&mut lock)).ok()?;
    (i32::from(lock.l_type) != libc::F_UNLCK && lock.l_pid > 0).then_some(lock.l_pid as u32)
}

#[cfg(not(unix))]
fn holder_of(_file: &Path, _byte: i64) -> Option<u32> {
    None
}

fn describe(pid: u32) -> Holder {
    let proc = |what: &str| std::fs::read_to_string(format!("/proc/{pid}/{what}")).ok();
    let command = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .map(|b| {
            let s = String::from_utf8_lossy(&b).replace('\0', " ");
            crate::domain::text::truncate(s.trim(), 80).into_owned()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "?".into());
    let uid = proc("status").and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok())
    });
    let user = uid
        .map(|u| user_name(u).unwrap_or_else(|| format!("uid {u}")))
        .unwrap_or_else(|| "?".into());
    let running = proc("stat")
        .zip(std::fs::read_to_string("/proc/uptime").ok())
        .and_then(|(stat, up)| {
            // Field 22 (start time, in clock ticks after boot) counts from the
            // end of the command name, which may hold spaces.
            let after = &stat[stat.rfind(')')? + 1..];
            let ticks: u64 = after.split_whitespace().nth(19)?.parse().ok()?;
            let up: f64 = up.split_whitespace().next()?.parse().ok()?;
            // Linux reports ticks at USER_HZ, 100 a second.
            Some(Duration::from_secs_f64(
                (up - ticks as f64 / 100.0).max(0.0),
            ))
        });
    Holder {
        pid,
        user,
        command,
        running,
    }
}

/// A file SQLite keeps beside the notebook (`-shm`, `-wal`) that this
/// process cannot write, as another account's read-only open leaves them
/// when the notebook's owner had it closed: the file, its owner's name,
/// and the `-wal`'s length (nothing waiting in it when 0).
#[cfg(unix)]
pub fn side_file_not_writable(db: &Path) -> Option<(std::path::PathBuf, String, u64)> {
    use std::os::unix::fs::MetadataExt;
    let beside = |suffix: &str| super::fsinfo::beside(db, suffix);
    let wal_len = std::fs::metadata(beside("-wal")).map_or(0, |m| m.len());
    ["-shm", "-wal"].iter().find_map(|suffix| {
        let file = beside(suffix);
        let meta = std::fs::metadata(&file).ok()?;
        super::fsinfo::not_writable_by_me(&file).then(|| {
            let owner = user_name(meta.uid()).unwrap_or_else(|| format!("uid {}", meta.uid()));
            (file, owner, wal_len)
        })
    })
}

#[cfg(not(unix))]
pub fn side_file_not_writable(_db: &Path) -> Option<(std::path::PathBuf, String, u64)> {
    None
}

/// The name of the account `uid`, from `/etc/passwd`.
pub(crate) fn user_name(uid: u32) -> Option<String> {
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_of_this_process_is_not_another_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("nb.db");
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.execute_batch("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .unwrap();
        assert_eq!(write_lock_holder(&db), None);
        assert_eq!(
            write_lock_holder(&db),
            None,
            "asked again, of the kept file"
        );
        c.execute_batch("COMMIT").unwrap();
        assert_eq!(write_lock_holder(&dir.path().join("none.db")), None);
        assert_eq!(other_user(&db), None, "this process's own connection");
    }
    // A real holder, another process, is named in tests/busy.rs.
}
