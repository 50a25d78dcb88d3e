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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread;
use std::time::Duration;

struct Request {
    generation: u64,
    query: String,
    kind: ItemKind,
    limit: usize,
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

/// Rows sent ahead of the rest: more than a terminal shows.
pub const FIRST_ROWS: usize = 100;

pub struct Searcher {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
    latest: Arc<AtomicU64>,
    /// The generation whose reply has not arrived yet.
    pending: Option<u64>,
}

impl Searcher {
    pub fn start(path: &Path) -> Result<Searcher, String> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let _ = conn.busy_timeout(Duration::from_secs(5));
        let (requests, inbox) = channel::<Request>();
        let (outbox, replies) = channel::<Reply>();
        let latest = Arc::new(AtomicU64::new(0));
        let seen = latest.clone();
        thread::Builder::new()
            .name("interdict-search".into())
            .spawn(move || worker(conn, inbox, outbox, seen))
            .map_err(|e| e.to_string())?;
        Ok(Searcher {
            requests,
            replies,
            latest,
            pending: None,
        })
    }

    /// Asks for a search; any search in flight is abandoned.
    pub fn request(&mut self, query: &str, kind: ItemKind, limit: usize) {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        self.pending = Some(generation);
        let _ = self.requests.send(Request {
            generation,
            query: query.to_string(),
            kind,
            limit,
        });
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
) {
    let cancel = latest.clone();
    // One in-memory index per kind searched, kept between keystrokes.
    let mut indexes: Vec<search::LiveSearch> = Vec::new();
    while let Ok(mut req) = inbox.recv() {
        // Only the newest request matters.
        while let Ok(newer) = inbox.try_recv() {
            req = newer;
        }
        let generation = req.generation;
        let stale = || cancel.load(Ordering::SeqCst) != generation;
        let at = match indexes.iter().position(|s| s.kind() == Some(req.kind)) {
            Some(at) => at,
            None => {
                // The rows shown do not mark the matched characters.
                indexes.push(search::LiveSearch::new(Some(req.kind)).without_positions());
                indexes.len() - 1
            }
        };
        let hits = match indexes[at].search(&conn, &req.query, req.limit, &stale) {
            Ok(Some(hits)) => hits,
            Ok(None) => continue,
            Err(e) => {
                let reply = Reply {
                    generation,
                    query: req.query,
                    rows: Err(e.to_string()),
                    complete: true,
                };
                if outbox.send(reply).is_err() {
                    break;
                }
                continue;
            }
        };
        let rows_of = |hits: &[search::Hit]| -> Vec<Row> {
            hits.iter()
                .filter_map(|h| data::row_of(&conn, h.kind, h.id).ok().flatten())
                .collect()
        };
        // The first screenful now; the rest (for scrolling) after it.
        let first = hits.len().min(FIRST_ROWS);
        let mut rows = rows_of(&hits[..first]);
        let complete = first == hits.len();
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
        rows.extend(rows_of(&hits[first..]));
        let reply = Reply {
            generation,
            query: req.query,
            rows: Ok(rows),
            complete: true,
        };
        if outbox.send(reply).is_err() {
            break;
        }
    }
}
