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

/// How often the log is looked at when no commit has said so (a
/// colleague's writes; a commit whose word was lost).
const EVERY: Duration = Duration::from_millis(50);

/// What the thread hears.
enum Word {
    /// The writer committed: copy now, and say so on the channel given
    /// just before beginning (see [`Checkpointer::on_commit`]).
    Committed(mpsc::SyncSender<()>),
    /// Copy what is left and end.
    Stop,
}

/// The thread, stopped (after a last copy) and joined when dropped.
pub(super) struct Checkpointer {
    words: mpsc::Sender<Word>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts copying the log of the file `conn` writes. `None` when
    /// there is no such file to open a second connection to (a database
    /// in memory), it is not in write-ahead-log mode, or the thread cannot
    /// start: the writer then checkpoints itself.
    pub fn start(conn: &Connection) -> Option<Checkpointer> {
        let c = super::second_connection(conn, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        let (words, heard) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || run(&c, &heard))
            .ok()?;
        Some(Checkpointer {
            words,
            thread: Some(thread),
        })
    }

    /// What the writer calls after each commit (from its write-ahead-log
    /// hook): tells the thread to copy now, and waits (up to 50 ms) until
    /// it is about to. A colleague's write in the moment the job then
    /// leaves between its steps finds the copying begun, and leaves it to
    /// this thread (SQLite's checkpoint after a commit gives up at once
    /// when another is running), instead of copying a whole step's pages
    /// itself, which kept it waiting more than a second.
    pub fn on_commit(&self) -> impl Fn() + Send + 'static {
        let words = self.words.clone();
        move || {
            let (said, heard) = mpsc::sync_channel(1);
            if words.send(Word::Committed(said)).is_ok() {
                let _ = heard.recv_timeout(Duration::from_millis(50));
            }
        }
    }

    /// Stops the thread once it has copied what the log holds.
    pub fn stop(self) {}
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.words.send(Word::Stop);
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

fn run(c: &Connection, heard: &mpsc::Receiver<Word>) {
    loop {
        match heard.recv_timeout(EVERY) {
            Ok(Word::Committed(said)) => {
                let _ = said.send(());
                checkpoint(c);
            }
            Err(RecvTimeoutError::Timeout) => checkpoint(c),
            Ok(Word::Stop) | Err(RecvTimeoutError::Disconnected) => break,
        }
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
