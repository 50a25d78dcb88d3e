//! Live filtering on a worker thread with its own read-only connection, so
//! typing never waits for a search: each keystroke supersedes the search in
//! flight, which notices and gives up. The worker keeps each kind's texts
//! in memory ([`search::LiveSearch`]), reloading them when another
//! connection has written, and narrows as the query grows.

use super::data::{self, Row};
use crate::domain::ItemKind;
use crate::store::search;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread;
use std::time::Duration;

struct Request {
    generation: u64,
    query: String,
    kind: ItemKind,
    limit: usize,
    /// How many rows the screen shows: ranked, read and sent first.
    first: usize,
    /// Only load the kind's texts, ahead of the first keystroke.
    warm: bool,
}

/// The rows matching one query, best first: the first screenful as soon
/// as it is ready, then (unless a newer query came) all of them.
pub struct Reply {
    pub generation: u64,
    pub query: String,
    pub rows: Result<Vec<Row>, String>,
    /// False for the first screenful when more rows follow.
    pub complete: bool,
}

/// At most this many matches are listed by a live filter.
pub const FILTER_LIMIT: usize = 1000;

pub struct Searcher {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
    latest: Arc<AtomicU64>,
    /// How many kinds' texts have been loaded ahead of a search.
    warmed: Arc<AtomicU64>,
    /// The generation whose reply has not arrived yet.
    pending: Option<u64>,
    /// Set when the searcher is dropped: the worker gives up what it is
    /// loading or searching and ends, instead of reading a million texts
    /// for nobody.
    closed: Arc<AtomicBool>,
    worker: Option<thread::JoinHandle<()>>,
    /// Milliseconds each search waits before it starts: none but in tests
    /// of keys typed ahead of a filter's rows (a search of a million
    /// texts, on a test's few).
    #[cfg(test)]
    pub(super) hold: Arc<AtomicU64>,
}

impl Drop for Searcher {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        close_worker(&mut self.requests, self.worker.take());
    }
}

/// Ends a worker thread and waits for it: its requests' channel closed
/// (a worker waiting for one ends), then joined. Its connection is closed
/// before the notebook's own, which, the last, folds the log into the
/// file (a connection left open at exit left the log beside it, and a
/// copy of the notebook file alone without what the session wrote).
pub(super) fn close_worker<T>(requests: &mut Sender<T>, worker: Option<thread::JoinHandle<()>>) {
    *requests = channel().0;
    if let Some(w) = worker {
        let _ = w.join();
    }
}

/// A read-only connection of its own for a worker thread (searches,
/// counts), waiting up to five seconds for a writer.
pub(super) fn worker_connection(path: &Path) -> Result<Connection, String> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    // A notebook the interface reads alone (no `-shm` can be made beside
    // it by this account) is read so here too.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
        && e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly)
    {
        conn =
            crate::store::open_immutable(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let _ = conn.busy_timeout(Duration::from_secs(5));
    // (Counts key identifiers in SQL, as every store connection does.)
    crate::store::sqlfn::register(&conn).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(conn)
}

impl Searcher {
    pub fn start(path: &Path) -> Result<Searcher, String> {
        let conn = worker_connection(path)?;
        let (requests, inbox) = channel::<Request>();
        let (outbox, replies) = channel::<Reply>();
        let latest = Arc::new(AtomicU64::new(0));
        let warmed = Arc::new(AtomicU64::new(0));
        let closed = Arc::new(AtomicBool::new(false));
        let hold = Arc::new(AtomicU64::new(0));
        let (seen, done, gone, held) =
            (latest.clone(), warmed.clone(), closed.clone(), hold.clone());
        let worker = thread::Builder::new()
            .name("interdict-search".into())
            .spawn(move || worker(conn, inbox, outbox, seen, done, gone, held))
            .map_err(|e| e.to_string())?;
        Ok(Searcher {
            requests,
            replies,
            latest,
            warmed,
            pending: None,
            closed,
            worker: Some(worker),
            #[cfg(test)]
            hold,
        })
    }

    /// Asks for the best `limit` matches of a search, the first `first`
    /// (the rows the screen shows) sent ahead of the rest; any search in
    /// flight is abandoned.
    pub fn request(&mut self, query: &str, kind: ItemKind, limit: usize, first: usize) {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        self.pending = Some(generation);
        let _ = self.requests.send(Request {
            generation,
            query: query.to_string(),
            kind,
            limit,
            first,
            warm: false,
        });
    }

    /// Asks for a kind's texts to be loaded now, so that the first
    /// keystroke of a filter does not wait for them. Never supersedes a
    /// search, and answers nothing.
    pub fn warm(&mut self, kind: ItemKind) {
        let _ = self.requests.send(Request {
            generation: 0,
            query: String::new(),
            kind,
            limit: 0,
            first: 0,
            warm: true,
        });
    }

    /// How many kinds' texts have been loaded ahead of a search so far.
    pub fn warmed(&self) -> u64 {
        self.warmed.load(Ordering::SeqCst)
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The reply to the latest request, if it has arrived; older replies
    /// are dropped. Waits at most `wait`.
    pub fn poll(&mut self, wait: Duration) -> Option<Reply> {
        let want = self.pending?;
        let deadline = std::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(r) if r.generation == want => {
                    if r.complete {
                        self.pending = None;
                    }
                    return Some(r);
                }
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    self.pending = None;
                    return None;
                }
            }
        }
    }
}

fn worker(
    conn: Connection,
    inbox: Receiver<Request>,
    outbox: Sender<Reply>,
    latest: Arc<AtomicU64>,
    warmed: Arc<AtomicU64>,
    closed: Arc<AtomicBool>,
    hold: Arc<AtomicU64>,
) {
    let cancel = latest.clone();
    let gone = || closed.load(Ordering::SeqCst);
    // One in-memory index per kind searched, kept between keystrokes.
    let mut indexes: Vec<search::LiveSearch> = Vec::new();
    let index_of = |indexes: &mut Vec<search::LiveSearch>, kind: ItemKind| -> usize {
        match indexes.iter().position(|s| s.kind() == Some(kind)) {
            Some(at) => at,
            None => {
                // The rows shown do not mark the matched characters.
                indexes.push(search::LiveSearch::new(Some(kind)).without_positions());
                indexes.len() - 1
            }
        }
    };
    let mut warms: Vec<ItemKind> = Vec::new();
    loop {
        // Searches first; loading ahead only when none waits.
        let next = match inbox.try_recv() {
            Ok(r) => r,
            Err(_) => match warms.pop() {
                Some(kind) => {
                    let at = index_of(&mut indexes, kind);
                    // Not given up for a search that comes meanwhile: it
                    // would start the same load again; only when the
                    // searcher is gone.
                    match indexes[at].refresh(&conn, &gone) {
                        Ok(Some(())) => {
                            warmed.fetch_add(1, Ordering::SeqCst);
                        }
                        _ if gone() => break,
                        _ => {}
                    }
                    continue;
                }
                None => match inbox.recv() {
                    Ok(r) => r,
                    Err(_) => break,
                },
            },
        };
        let mut req = next;
        if req.warm {
            if !warms.contains(&req.kind) {
                warms.insert(0, req.kind);
            }
            continue;
        }
        // Only the newest search matters.
        while let Ok(newer) = inbox.try_recv() {
            if newer.warm {
                if !warms.contains(&newer.kind) {
                    warms.insert(0, newer.kind);
                }
            } else {
                req = newer;
            }
        }
        let generation = req.generation;
        match hold.load(Ordering::SeqCst) {
            0 => {}
            ms => thread::sleep(std::time::Duration::from_millis(ms)),
        }
        let stale = || cancel.load(Ordering::SeqCst) != generation || gone();
        let at = index_of(&mut indexes, req.kind);
        let index = &mut indexes[at];
        let fail = |e: crate::store::StoreError, query: String| Reply {
            generation,
            query,
            rows: Err(e.to_string()),
            complete: true,
        };
        // The first screenful ranked, read and sent first (the best few
        // dozen of a million rows are found long before the best 1000, and
        // each row sent is read from the notebook), then the rest.
        let shown = req.limit.min(req.first.max(1));
        let ranked = match index.ranked(&conn, &req.query, shown, &stale) {
            Ok(Some(ranked)) => ranked,
            Ok(None) => continue,
            Err(e) => {
                if outbox.send(fail(e, req.query)).is_err() {
                    break;
                }
                continue;
            }
        };
        // Each row with the characters that matched marked, here rather
        // than on every frame; the hits read from the notebook only as
        // they are shown.
        let rows_of = |index: &search::LiveSearch,
                       ranked: &search::Ranked,
                       range: std::ops::Range<usize>|
         -> crate::store::Result<Vec<Row>> {
            Ok(data::rows_of_hits(
                &conn,
                &index.hits(&conn, ranked, range)?,
                &req.query,
            ))
        };
        let mut rows = match rows_of(index, &ranked, 0..ranked.len()) {
            Ok(rows) => rows,
            Err(e) => {
                if outbox.send(fail(e, req.query)).is_err() {
                    break;
                }
                continue;
            }
        };
        // Fewer than asked for: there are no more.
        let complete = ranked.len() < shown || shown == req.limit;
        let reply = Reply {
            generation,
            query: req.query.clone(),
            rows: Ok(if complete {
                std::mem::take(&mut rows)
            } else {
                rows.clone()
            }),
            complete,
        };
        if outbox.send(reply).is_err() {
            break;
        }
        if complete || stale() {
            continue;
        }
        let all = match index.ranked(&conn, &req.query, req.limit, &stale) {
            Ok(Some(all)) => Ok(all),
            Ok(None) => continue,
            Err(e) => Err(e),
        };
        // The best few of the same texts are the first few of the best
        // 1000; texts loaded again meanwhile are read whole.
        let rest = all.and_then(|all| {
            if all.same_load(&ranked) {
                rows_of(index, &all, ranked.len()..all.len())
            } else {
                rows.clear();
                rows_of(index, &all, 0..all.len())
            }
        });
        let reply = match rest {
            Ok(rest) => {
                rows.extend(rest);
                Reply {
                    generation,
                    query: req.query,
                    rows: Ok(rows),
                    complete: true,
                }
            }
            Err(e) => fail(e, req.query),
        };
        if outbox.send(reply).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::new_record;
    use crate::store::{OpenOptions, Store, create};

    /// Asked to, the worker loads a kind's texts before any search, and a
    /// search after it finds what the texts hold.
    #[test]
    fn texts_load_ahead_of_the_first_search() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let mut store = Store::open(&path, OpenOptions::new("t")).unwrap();
        store
            .write(|w| {
                let (mut p, _) = new_record::<Parcel>(&[
                    ("tracking", "RR123456785KZ"),
                    ("declared_contents", "pigment from Almaty"),
                ])?;
                create::parcel(w, &mut p).map(drop)
            })
            .unwrap();
        let mut s = Searcher::start(&path).unwrap();
        assert_eq!(s.warmed(), 0);
        s.warm(ItemKind::Parcel);
        let start = std::time::Instant::now();
        while s.warmed() == 0 {
            assert!(start.elapsed() < Duration::from_secs(20), "never loaded");
            thread::sleep(Duration::from_millis(10));
        }
        s.request("almty", ItemKind::Parcel, 10, 5);
        let reply = loop {
            if let Some(r) = s.poll(Duration::from_secs(5))
                && r.complete
            {
                break r;
            }
        };
        assert_eq!(reply.rows.unwrap().len(), 1);
    }

    /// A worker's connection counts identifiers as the store's do: the
    /// counts view of recipient phones failed with "no such function:
    /// ident_key" on the analyst's connection.
    #[test]
    fn a_workers_connection_keys_identifiers_in_sql() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(Store::open(&path, OpenOptions::new("t")).unwrap());
        let conn = worker_connection(&path).unwrap();
        let key: Option<String> = conn
            .query_row("SELECT ident_key('phone', '87015550142', 'KZ')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(key.as_deref(), Some("+77015550142"));
    }
}
