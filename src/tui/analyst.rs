//! Counts and charts computed on a worker thread with its own read-only
//! connection, so the interface stays responsive while a view computes.
//! Each request supersedes the one in flight: SQLite's progress handler
//! sees the newer generation and interrupts the running statement, and a
//! superseded answer is never delivered.

use crate::analysis::{self, Dim, Scope, emerging, freq, routes, scope, timeline, trend};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Job {
    Freq {
        scope: Scope,
        dim: Dim,
    },
    Trend {
        scope: Scope,
        by: Option<Dim>,
        every: trend::Every,
        months: u32,
    },
    Routes {
        scope: Scope,
    },
    /// Substances first seen in the `months` up to the latest seizure.
    Emerging {
        scope: Scope,
        months: u32,
    },
    Timeline {
        case: Uuid,
    },
    /// The record numbers of the items in a scope, for a pane to list.
    Subset {
        scope: Scope,
    },
}

#[derive(Debug, Clone)]
pub enum Output {
    Freq(freq::Freq),
    Trend(trend::Trend),
    Routes(routes::Routes),
    Emerging(emerging::Emerging),
    Timeline(timeline::Timeline),
    Subset(Vec<i64>),
}

/// Carries out a job on a connection (on the worker, or on the input
/// thread when the worker could not start).
pub fn run(conn: &Connection, job: &Job) -> analysis::Result<Output> {
    Ok(match job {
        Job::Freq { scope, dim } => Output::Freq(freq::freq(conn, scope, dim)?),
        Job::Trend {
            scope,
            by,
            every,
            months,
        } => Output::Trend(trend::trend(conn, scope, by.as_ref(), *every, *months)?),
        Job::Routes { scope } => Output::Routes(routes::routes(conn, scope)?),
        Job::Emerging { scope, months } => {
            let Some(until) = emerging::latest_seizure(conn)? else {
                return Ok(Output::Emerging(emerging::Emerging {
                    since: String::new(),
                    until: String::new(),
                    substances: Vec::new(),
                }));
            };
            let since = emerging::months_before(&until, *months)?;
            Output::Emerging(emerging::emerging(conn, scope, &since, Some(&until))?)
        }
        Job::Timeline { case } => Output::Timeline(timeline::timeline(conn, *case)?),
        Job::Subset { scope } => Output::Subset(scope::numbers(conn, scope)?),
    })
}

struct Request {
    generation: u64,
    job: Job,
}

pub struct Analyst {
    requests: Sender<Request>,
    replies: Receiver<(u64, Result<Output, String>)>,
    latest: Arc<AtomicU64>,
    closed: Arc<AtomicBool>,
    worker: Option<thread::JoinHandle<()>>,
}

impl Drop for Analyst {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        // Whatever runs gives up at its next progress check.
        self.latest.fetch_add(1, Ordering::SeqCst);
        super::searcher::close_worker(&mut self.requests, self.worker.take());
    }
}

impl Analyst {
    pub fn start(path: &Path) -> Result<Analyst, String> {
        let conn = super::searcher::worker_connection(path)?;
        let (requests, inbox) = channel::<Request>();
        let (outbox, replies) = channel();
        let latest = Arc::new(AtomicU64::new(0));
        let closed = Arc::new(AtomicBool::new(false));
        let (seen, gone) = (latest.clone(), closed.clone());
        let worker = thread::Builder::new()
            .name("interdict-analyst".into())
            .spawn(move || worker(conn, inbox, outbox, seen, gone))
            .map_err(|e| e.to_string())?;
        Ok(Analyst {
            requests,
            replies,
            latest,
            closed,
            worker: Some(worker),
        })
    }

    /// Asks for a job; the one in flight, if any, is abandoned. Returns
    /// the job's generation.
    pub fn request(&mut self, job: Job) -> u64 {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.requests.send(Request { generation, job });
        generation
    }

    /// The answer to the latest request, if it has come (older answers are
    /// dropped).
    pub fn poll(&mut self, wait: Duration) -> Option<(u64, Result<Output, String>)> {
        let latest = self.latest.load(Ordering::SeqCst);
        let first = if wait.is_zero() {
            self.replies.try_recv().ok()
        } else {
            self.replies.recv_timeout(wait).ok()
        };
        let mut last = first?;
        while let Ok(r) = self.replies.try_recv() {
            last = r;
        }
        (last.0 == latest).then_some(last)
    }
}

fn worker(
    mut conn: Connection,
    inbox: Receiver<Request>,
    outbox: Sender<(u64, Result<Output, String>)>,
    latest: Arc<AtomicU64>,
    closed: Arc<AtomicBool>,
) {
    while let Ok(mut req) = inbox.recv() {
        // Only the newest request is worth answering.
        while let Ok(newer) = inbox.try_recv() {
            req = newer;
        }
        if closed.load(Ordering::SeqCst) {
            return;
        }
        let generation = req.generation;
        let watch = latest.clone();
        // Without the handler a superseded count runs to its end, and is
        // then dropped: slower, never wrong.
        if let Err(e) = conn.progress_handler(
            10_000,
            Some(move || watch.load(Ordering::SeqCst) != generation),
        ) {
            tracing::warn!("counts cannot be interrupted: {e}");
        }
        let result = run(&conn, &req.job);
        let _ = conn.progress_handler(0, None::<fn() -> bool>);
        if latest.load(Ordering::SeqCst) != generation {
            continue;
        }
        let reply = result.map_err(|e| e.to_string());
        if outbox.send((generation, reply)).is_err() {
            return;
        }
    }
}
