//! Loading the demo data on a thread of its own, with its own connection,
//! so the interface keeps answering and shows how far it has come.

use crate::exchange::demo::{self, Summary};
use crate::store::{OpenOptions, Store};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::thread;

/// How many parcels the demo key loads.
pub const DEMO_PARCELS: usize = 2000;

enum Msg {
    Progress(usize, usize),
    Done(Result<Box<Summary>, String>),
}

pub struct DemoLoad {
    inbox: Receiver<Msg>,
    /// Parcels written so far, of how many.
    pub done: usize,
    pub total: usize,
}

/// What a poll found.
pub enum Polled {
    Nothing,
    Progress,
    Done(Result<Box<Summary>, String>),
}

impl DemoLoad {
    pub fn start(path: PathBuf, opts: OpenOptions, parcels: usize, seed: u64) -> DemoLoad {
        let (tx, inbox) = channel();
        let progress = tx.clone();
        let failed = tx.clone();
        let spawned = thread::Builder::new()
            .name("interdict-demo".into())
            .spawn(move || {
                let result = Store::open(&path, opts)
                    .and_then(|mut s| {
                        demo::generate(&mut s, parcels, seed, |d, t| {
                            let _ = progress.send(Msg::Progress(d, t));
                        })
                    })
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Done(result));
            });
        if let Err(e) = spawned {
            let _ = failed.send(Msg::Done(Err(format!("cannot start loading: {e}"))));
        }
        DemoLoad {
            inbox,
            done: 0,
            total: parcels,
        }
    }

    /// Takes what the loader has said since the last poll.
    pub fn poll(&mut self) -> Polled {
        let mut seen = Polled::Nothing;
        while let Ok(m) = self.inbox.try_recv() {
            match m {
                Msg::Progress(d, t) => {
                    self.done = d;
                    self.total = t;
                    seen = Polled::Progress;
                }
                Msg::Done(r) => return Polled::Done(r),
            }
        }
        seen
    }
}
