//! Who holds a notebook's write lock, when a write has waited too long:
//! read from the system's table of file locks (Linux: `/proc/locks`), by
//! the lock SQLite takes to write (in write-ahead-log mode, byte 120 of
//! the `-shm` file; otherwise the reserved byte of the database file).
//! Nothing is opened to find it: opening and closing a file this process
//! has locked through SQLite would drop SQLite's own locks on it.

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
const WAL_WRITE_BYTE: u64 = 120;
/// The reserved byte of a database file in rollback-journal mode.
const RESERVED_BYTE: u64 = 0x4000_0001;

/// The process other than this one holding the write lock of the notebook
/// at `db`, if the system says (Linux only; `None` elsewhere or when no
/// one holds it).
pub fn write_lock_holder(db: &Path) -> Option<Holder> {
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let shm = {
        let mut p = db.as_os_str().to_owned();
        p.push("-shm");
        std::path::PathBuf::from(p)
    };
    let me = std::process::id();
    for (file, byte) in [(shm.as_path(), WAL_WRITE_BYTE), (db, RESERVED_BYTE)] {
        let Some(key) = device_inode(file) else {
            continue;
        };
        if let Some(pid) = holder_in(&locks, &key, byte, me) {
            return Some(describe(pid));
        }
    }
    None
}

/// `/proc/locks`' name of a file: `major:minor:inode` (hex, hex, decimal).
fn device_inode(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        let dev = m.dev();
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        Some(format!("{major:02x}:{minor:02x}:{}", m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The process (not `me`) holding a write lock over `byte` of the file
/// `key` in a `/proc/locks` text.
fn holder_in(locks: &str, key: &str, byte: u64, me: u32) -> Option<u32> {
    locks.lines().find_map(|l| {
        // "1: POSIX  ADVISORY  WRITE 17014 fe:00:10084590 120 120"
        // (a line with "->" after the number is a process waiting for the
        // lock above it, not holding one).
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.get(1) == Some(&"->") {
            return None;
        }
        let (mode, pid, file, start, end) = (f.get(3)?, f.get(4)?, f.get(5)?, f.get(6)?, f.get(7)?);
        if *mode != "WRITE" || *file != key {
            return None;
        }
        let start: u64 = start.parse().ok()?;
        let end: u64 = if *end == "EOF" {
            u64::MAX
        } else {
            end.parse().ok()?
        };
        let pid: u32 = pid.parse().ok()?;
        (start <= byte && byte <= end && pid != me && pid != 0).then_some(pid)
    })
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

/// The name of the account `uid`, from `/etc/passwd`.
fn user_name(uid: u32) -> Option<String> {
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
    fn the_write_lock_is_read_from_the_lock_table() {
        let t = "1: POSIX  ADVISORY  WRITE 17014 fe:00:10084590 120 120\n\
                 2: POSIX  ADVISORY  READ 17015 fe:00:10084590 123 123\n\
                 3: POSIX  ADVISORY  WRITE 99 fe:00:777 0 EOF\n\
                 4: -> POSIX  ADVISORY  WRITE 98 fe:00:10084590 120 120\n";
        assert_eq!(holder_in(t, "fe:00:10084590", 120, 1), Some(17014));
        assert_eq!(holder_in(t, "fe:00:10084590", 120, 17014), None, "98 waits");
        assert_eq!(holder_in(t, "fe:00:10084590", 123, 1), None, "a reader");
        assert_eq!(holder_in(t, "fe:00:777", RESERVED_BYTE, 1), Some(99));
        assert_eq!(holder_in(t, "fe:00:1", 120, 1), None);
    }
    // A real holder, another process, is named in tests/busy.rs.
}
