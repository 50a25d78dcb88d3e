//! Copying a long job's write-ahead log into the database file on a
//! thread of its own.
//!
//! Each step of an import commits every page it changed to the log, and a
//! checkpoint copies them into the file (and syncs it). When the writing
//! connection checkpoints after its own commits, that copying and the
//! wait for the disk come between one step and the next: at a million
//! rows, a quarter of the import's time, since the identifier index takes
//! its new values at random places and nearly every value dirties a page
//! of its own. Here a second connection copies the log while the writer
//! goes on (SQLite's passive checkpoint: it takes no lock a writer or a
//! reader waits on, and only copies what every reader has moved past).

use rusqlite::{Connection, OpenFlags};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the log is looked at while the job writes: soon after each
/// of the writer's commits, so that a colleague's write in the moment the
/// job leaves between its steps finds the copying begun (and leaves it to
/// this thread) rather than a whole step's pages to copy itself. A look
/// that finds nothing new costs a few microseconds.
const EVERY: Duration = Duration::from_millis(5);

/// The thread, stopped (after a last copy) and joined when dropped.
pub(super) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts copying the log of the file `conn` writes. `None` when there is no such
    /// file to open a second connection to (a database in memory), it is
    /// not in write-ahead-log mode, or the thread cannot start: the writer
    /// then checkpoints itself.
    pub fn start(conn: &Connection) -> Option<Checkpointer> {
        let path = conn.path().filter(|p| !p.is_empty())?;
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || run(&c, &stopped))
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the thread once it has copied what the log holds.
    pub fn stop(self) {}
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A passive checkpoint. One that cannot run (another connection is
/// checkpointing, and copies the frames itself) is left for the next look.
fn checkpoint(c: &Connection) {
    if let Err(e) = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "background checkpoint");
    }
}

fn run(c: &Connection, stopped: &mpsc::Receiver<()>) {
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
        checkpoint(c);
    }
    checkpoint(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn the_log_is_copied_into_the_file_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let c = Connection::open(&path).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        c.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB)")
            .unwrap();
        let copier = Checkpointer::start(&c).expect("a file in WAL mode");
        for _ in 0..50 {
            c.execute("INSERT INTO t VALUES (zeroblob(8192))", [])
                .unwrap();
        }
        // The writer never checkpoints (autocheckpoint off): the file
        // grows only by the thread's copying, while the copier runs.
        let start = Instant::now();
        while std::fs::metadata(&path).unwrap().len() < 50 * 8192 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the log was not copied into the file"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        for _ in 0..50 {
            c.execute("INSERT INTO t VALUES (zeroblob(8192))", [])
                .unwrap();
        }
        copier.stop();
        // Stopping copies the rest (the writer still never checkpoints).
        assert!(std::fs::metadata(&path).unwrap().len() >= 100 * 8192);
    }

    #[test]
    fn no_thread_for_a_database_in_memory_or_not_in_wal_mode() {
        let mem = Connection::open_in_memory().unwrap();
        assert!(Checkpointer::start(&mem).is_none());
        let dir = tempfile::tempdir().unwrap();
        let c = Connection::open(dir.path().join("d.db")).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(Checkpointer::start(&c).is_none());
    }
}
