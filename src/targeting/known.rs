//! [`Knowledge`] for a long screen: the notebook's answers with what can
//! be held in memory held there. Most identifiers of a manifest are in no
//! parcel of the notebook, and each of them cost several indexed queries
//! (seized parcels, open cases, other parcels from the sender, to the
//! recipient, at the address), each a walk down the identifier index.
//! Here:
//! - the watchlist is read once into a map (it is small: thousands);
//! - three filters stand before the questions: every identifier value of
//!   the notebook, those of seized parcels, those of parcels in open
//!   cases ([`Presence`]); a value a filter has never seen is answered
//!   "nowhere" without a query;
//! - each filter is read once the questions it would have spared have
//!   cost as long as reading it would (a rent-or-buy rule: a short screen
//!   never pays for it, a long one pays at most about twice what it
//!   should have), or will have by the end of the file when the screen
//!   says how far it is ([`Ahead`](super::batch::Ahead));
//! - a long screen has them read beside it from the start, on two
//!   threads and connections of their own with the same snapshot, and
//!   waits for them ([`Beside`]); the seized parcels' filter then also
//!   keeps the newest seized parcel of each value (`Newest`).
//!
//! A filter only ever answers "not there" for values that are not
//! there, so the answers are those of [`Live`]; what it saves is time.

use super::live::Live;
use super::score::{InCase, Knowledge, Other, Seen, Suspect, Watched};
use crate::domain::Parcel;
use crate::domain::identifiers::IdentKind;
use crate::store::keys::ident_code;
use crate::store::{Result, StoreError};
use rusqlite::Connection;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The hash of an identifier (its kind's code and its value) the filter
/// is keyed by.
fn ident_hash(code: i64, value: &[u8]) -> u64 {
    super::score::HASH.hash_one((code, value))
}

/// Hands `f` each distinct value of the index's kind `code`, in order;
/// false (read in part) once `stop` is set. A value held by many items
/// (a declared content on thousands of parcels) is read a few times and
/// then stepped over with a new search past it, not row by row.
fn each_value_of(
    conn: &Connection,
    code: i64,
    stop: &AtomicBool,
    mut f: impl FnMut(&[u8]),
) -> Result<bool> {
    /// Rows of one value read before the rest of them are stepped over.
    const STEP_AFTER: u32 = 8;
    let mut all =
        conn.prepare_cached("SELECT value FROM occurrences WHERE kind = ?1 ORDER BY value")?;
    let mut after = conn.prepare_cached(
        "SELECT value FROM occurrences WHERE kind = ?1 AND value > ?2 ORDER BY value",
    )?;
    let mut rows = all.query([code])?;
    let mut last: Option<Vec<u8>> = None;
    let (mut same, mut read) = (0u32, 0u32);
    while let Some(r) = rows.next()? {
        read = read.wrapping_add(1);
        if read.is_multiple_of(1 << 16) && stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        // (As bytes: the index's values are UTF-8, and checking each of
        // millions again was a tenth of reading them.)
        let value = r.get_ref(0)?.as_bytes().unwrap_or_default();
        match &mut last {
            Some(held) if held.as_slice() == value => {
                same += 1;
                if same == STEP_AFTER {
                    drop(rows);
                    // (Bound as text, as the values are stored: a blob
                    // sorts after every text.)
                    let text = rusqlite::types::ToSqlOutput::Borrowed(
                        rusqlite::types::ValueRef::Text(held),
                    );
                    rows = after.query((code, text))?;
                    same = 0;
                }
            }
            Some(held) => {
                f(value);
                held.clear();
                held.extend_from_slice(value);
                same = 0;
            }
            None => {
                f(value);
                last = Some(value.to_vec());
            }
        }
    }
    Ok(true)
}

/// Identifier values of a notebook, as a split-block Bloom filter (as
/// Parquet's): a value sets one bit in each of the eight 64-bit words of
/// one 64-byte block (so reading and asking touch one cache line each),
/// at [`BITS_PER_VALUE`] bits a value: about 1 in 1,000 absent values is
/// taken for present, and asked of the notebook. The whole index of a
/// million parcels (7.4 million values) takes 14 MiB.
pub struct Presence {
    blocks: Vec<Block>,
    pub values: u64,
    /// For the seized parcels' filter read beside a screen: the newest
    /// seized parcel of each value, by hash ([`Newest`]).
    newest: Option<Newest>,
}

/// The newest parcel (its number) of each identifier of a gate, by the
/// identifier's hash, sorted: 12 bytes a value (9 MiB for the 786,000
/// values of a million parcels' seized ones). A hash it does not hold is
/// on no such parcel; one it holds is checked against the notebook with
/// one lookup (two values could share a hash), not looked for among every
/// parcel that has the value (a common name is on hundreds).
struct Newest {
    hashes: Vec<u64>,
    numbers: Vec<u32>,
}

impl Newest {
    /// From (value hash, parcel number) pairs: the newest (highest)
    /// number of each hash (two values of one hash kept as the newer of
    /// the two: a check finds which).
    fn of(mut by_hash: Vec<(u64, u32)>) -> Newest {
        by_hash.sort_unstable();
        by_hash.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                kept.1 = kept.1.max(later.1);
                true
            } else {
                false
            }
        });
        Newest {
            hashes: by_hash.iter().map(|p| p.0).collect(),
            numbers: by_hash.iter().map(|p| p.1).collect(),
        }
    }

    /// The newest parcel's number of the values of this hash, if any.
    fn get(&self, h: u64) -> Option<u32> {
        let at = self.hashes.binary_search(&h).ok()?;
        self.numbers.get(at).copied()
    }
}

/// Eight words, one cache line.
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Block([u64; 8]);

/// Bits of filter a value. (A blocked filter of three bits in one word,
/// at 8 to 16 bits a value, took 2 to 4 % of absent values for present:
/// more than half the screen's questions to the notebook were those.)
const BITS_PER_VALUE: u64 = 16;

/// Odd constants that spread a hash's low half over a block's words, one
/// bit each (Parquet's).
const SALT: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// Regions of the filter values are batched by while it is read, and
/// values a batch holds (together 2 MiB).
const REGIONS: usize = 256;
const BATCH: usize = 1024;

impl Presence {
    /// Every gate's filter, each handed to `send` as soon as it is read
    /// (`send` returns false to stop; so does `stop`), the whole index's
    /// first: it answers for the others until they come. The narrower
    /// gates' values are worked out from their parcels' records (the index
    /// has no way in by item).
    ///
    /// With a `second` connection (in the same snapshot) the index is read
    /// in two halves of its ids, one on each core, and the narrower gates
    /// at the same time, one on each.
    fn each_of(
        conn: &Connection,
        second: Option<Connection>,
        stop: &AtomicBool,
        read: &AtomicU64,
        send: &mut dyn FnMut(Gate, Result<Presence>) -> bool,
    ) {
        let top = match crate::store::index::size_estimate(conn) {
            Ok(top) => top,
            Err(e) => {
                for gate in Gate::ALL {
                    if !send(gate, Err(StoreError::Corrupt(e.to_string()))) {
                        return;
                    }
                }
                return;
            }
        };
        // (What a screen shows while it waits: read of `top`.)
        read.fetch_or(top.min(u64::from(u32::MAX)) << 32, Ordering::Relaxed);
        let (any, second) = Presence::whole(conn, second, top, stop, read);
        let any = match any {
            Ok(None) => return,
            Ok(Some(any)) => Ok(any),
            Err(e) => Err(e),
        };
        if !send(Gate::Any, any) {
            return;
        }
        if let Some(other) = second {
            // The two narrower gates at once, one on each connection.
            std::thread::scope(|s| {
                let later = s.spawn(move || Presence::of_parcels(&other, Gate::OpenCase, stop));
                let seized = Presence::of_parcels(conn, Gate::Seized, stop);
                let read = later
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Corrupt("reading a filter failed".into())));
                for (gate, read) in [(Gate::Seized, seized), (Gate::OpenCase, read)] {
                    match read {
                        Ok(None) => return,
                        Ok(Some(p)) => {
                            if stop.load(Ordering::Relaxed) || !send(gate, Ok(p)) {
                                return;
                            }
                        }
                        Err(e) => {
                            if !send(gate, Err(e)) {
                                return;
                            }
                        }
                    }
                }
            });
            return;
        }
        for gate in [Gate::Seized, Gate::OpenCase] {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let read = match Presence::of_parcels(conn, gate, stop) {
                Ok(None) => return,
                Ok(Some(p)) => Ok(p),
                Err(e) => Err(e),
            };
            if stop.load(Ordering::Relaxed) || !send(gate, read) {
                return;
            }
        }
    }

    /// The whole index's filter (about `top` values); `None` once `stop`
    /// is set. With a `second` connection, the kinds after the phones
    /// (about four in seven of a parcel's values) are read on it, on a
    /// thread of its own, and the halves' filters joined; the connection
    /// is given back.
    fn whole(
        conn: &Connection,
        second: Option<Connection>,
        top: u64,
        stop: &AtomicBool,
        read: &AtomicU64,
    ) -> (Result<Option<Presence>>, Option<Connection>) {
        let mid = if second.is_some() {
            ident_code(IdentKind::Phone)
        } else {
            i64::MAX
        };
        std::thread::scope(|s| {
            let upper = second.map(|c| {
                s.spawn(move || {
                    let got = Presence::hashed_range(&c, mid + 1, i64::MAX, top, stop, read);
                    (got, c)
                })
            });
            let lower = Presence::hashed_range(conn, i64::MIN, mid, top, stop, read);
            match upper.map(|h| h.join()) {
                None => (lower, None),
                Some(Ok((upper, c))) => (Presence::joined(lower, upper), Some(c)),
                Some(Err(_)) => (
                    Err(StoreError::Corrupt("reading a filter failed".into())),
                    None,
                ),
            }
        })
    }

    /// The filter of the identifiers whose kind codes run from `from` to
    /// `to`, sized for `expected` values in all (so that the halves'
    /// filters join). Adds the values read to `read` as it goes (for
    /// progress: about three in four of the estimate it is told of, which
    /// counts occurrences, the values of a parcel held by others too).
    fn hashed_range(
        conn: &Connection,
        from: i64,
        to: i64,
        expected: u64,
        stop: &AtomicBool,
        read: &AtomicU64,
    ) -> Result<Option<Presence>> {
        let mut any = Filling::sized(expected);
        let mut count = 0u32;
        // One kind at a time: no kind read on each row.
        for kind in IdentKind::ALL.into_iter().filter(|k| k.is_exact()) {
            let code = ident_code(kind);
            if !(from..=to).contains(&code) {
                continue;
            }
            let done = each_value_of(conn, code, stop, |value| {
                count += 1;
                if count == 1 << 14 {
                    read.fetch_add(u64::from(count), Ordering::Relaxed);
                    count = 0;
                }
                any.add(ident_hash(code, value));
            })?;
            if !done {
                return Ok(None);
            }
        }
        read.fetch_add(u64::from(count), Ordering::Relaxed);
        Ok(Some(any.done()))
    }

    /// Two filters of the same size as one: what either holds.
    fn joined(
        a: Result<Option<Presence>>,
        b: Result<Option<Presence>>,
    ) -> Result<Option<Presence>> {
        let (Some(mut a), Some(b)) = (a?, b?) else {
            return Ok(None);
        };
        if a.blocks.len() != b.blocks.len() {
            return Err(StoreError::Corrupt("filters of two sizes".into()));
        }
        for (x, y) in a.blocks.iter_mut().zip(&b.blocks) {
            for (w, v) in x.0.iter_mut().zip(y.0) {
                *w |= v;
            }
        }
        a.values += b.values;
        Ok(Some(a))
    }

    /// The filter of a narrower gate: the exact identifiers of its
    /// parcels, worked out from their records as the index holds them,
    /// each once, and the values it has beside the index
    /// ([`Gate::also`]). For the seized parcels the newest of each value
    /// is kept too ([`Newest`]). `None` once `stop` is set.
    fn of_parcels(conn: &Connection, gate: Gate, stop: &AtomicBool) -> Result<Option<Presence>> {
        let Some(condition) = gate.parcels() else {
            return Err(StoreError::Corrupt(format!("{gate:?} has no parcels")));
        };
        let numbered = gate == Gate::Seized;
        let mut hashes = Vec::new();
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        // (Kept only while every number fits in 32 bits; else asked as
        // before.)
        let mut fits = true;
        let (start, mut read) = (Instant::now(), 0u32);
        let only = Some(&crate::domain::parcel::IDENTIFIER_FIELDS[..]);
        let whole =
            crate::store::records::each_fields_where::<Parcel>(conn, condition, only, |n, p| {
                read = read.wrapping_add(1);
                if read.is_multiple_of(1 << 12) && stop.load(Ordering::Relaxed) {
                    return Ok(false);
                }
                let n = u32::try_from(n).ok();
                fits &= n.is_some();
                gate.also(&p, &mut hashes);
                for i in p.identifiers_of(false) {
                    let h = ident_hash(ident_code(i.kind), i.value.as_bytes());
                    hashes.push(h);
                    if let (true, true, Some(n)) = (numbered, fits, n) {
                        pairs.push((h, n));
                    }
                }
                Ok(true)
            })?;
        if !whole {
            return Ok(None);
        }
        tracing::debug!(
            ?gate,
            parcels = read,
            values = hashes.len(),
            ms = start.elapsed().as_millis() as u64,
            "a gate's values worked out from its parcels"
        );
        hashes.sort_unstable();
        hashes.dedup();
        let mut f = Filling::sized(hashes.len() as u64);
        for h in hashes {
            f.add(h);
        }
        let mut p = f.done();
        p.newest = (numbered && fits).then(|| Newest::of(pairs));
        Ok(Some(p))
    }

    fn set_all(&mut self, hashes: &mut Vec<u64>) {
        for h in hashes.drain(..) {
            let at = self.block(h);
            let bits = Self::bits(h);
            for (w, b) in self.blocks[at].0.iter_mut().zip(bits) {
                *w |= b;
            }
            self.values += 1;
        }
    }

    /// The block a hash sets bits of (from its high half, spread over
    /// however many blocks there are).
    fn block(&self, h: u64) -> usize {
        (((h >> 32) * self.blocks.len() as u64) >> 32) as usize
    }

    /// The bit of each word of its block a hash sets (from its low half).
    fn bits(h: u64) -> [u64; 8] {
        let low = h as u32;
        SALT.map(|s| 1u64 << (low.wrapping_mul(s) >> 26))
    }

    /// Whether the notebook may hold this identifier (false: it does not).
    pub fn may_hold(&self, kind: IdentKind, value: &str) -> bool {
        self.may_hold_hash(ident_hash(ident_code(kind), value.as_bytes()))
    }

    /// [`Presence::may_hold`] of a value's [`ident_hash`].
    fn may_hold_hash(&self, h: u64) -> bool {
        let block = &self.blocks[self.block(h)].0;
        block.iter().zip(Self::bits(h)).all(|(w, b)| w & b == b)
    }

    /// The bytes the filter holds.
    pub fn bytes(&self) -> usize {
        self.blocks.len() * std::mem::size_of::<Block>()
    }
}

/// A [`Presence`] being read: values are set in batches by region of
/// the filter, so each batch's blocks are in the processor's cache (set
/// one by one, in the values' order, each is a cache miss: half the
/// reading's time).
struct Filling {
    p: Presence,
    pending: Vec<Vec<u64>>,
}

impl Filling {
    /// An empty filter for about `expected` values (a filter sized for
    /// fewer answers more often "may").
    fn sized(expected: u64) -> Filling {
        let blocks = (expected.max(1) * BITS_PER_VALUE)
            .div_ceil(512)
            .max(REGIONS as u64);
        Filling {
            p: Presence {
                blocks: vec![Block::default(); blocks as usize],
                values: 0,
                newest: None,
            },
            pending: (0..REGIONS).map(|_| Vec::with_capacity(BATCH)).collect(),
        }
    }

    fn add(&mut self, h: u64) {
        let region = self.p.block(h) * REGIONS / self.p.blocks.len();
        let pending = &mut self.pending[region];
        pending.push(h);
        if pending.len() == BATCH {
            self.p.set_all(pending);
        }
    }

    fn done(mut self) -> Presence {
        for batch in &mut self.pending {
            self.p.set_all(batch);
        }
        self.p
    }
}

/// When a [`Known`] reads its [`Presence`] filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Once asking has cost what reading would.
    WhenPaid,
    Now,
    Never,
    /// On threads and connections of their own, from the start, with
    /// the same snapshot, waited for ([`Beside`]); as `WhenPaid` when
    /// that cannot be had.
    Beside,
}

/// The filters read beside a screen: on two connections of their own,
/// on two threads (one when a second connection cannot be had), while
/// the screen's reading thread queues its first rows and the scoring
/// waits ([`Known::beside`]), so that both cores read them.
///
/// Their connections read what the screen's does: another connection
/// takes the notebook's write lock for the moment all take their
/// snapshots (nothing can be committed in between; colleagues' writes
/// wait a few milliseconds), then lets it go.
pub struct Beside {
    rx: mpsc::Receiver<(Gate, Result<Presence>)>,
    stop: Arc<AtomicBool>,
    /// Identifiers of the whole index read so far (the low 32 bits),
    /// of how many (its highest id, the high 32), for progress.
    read: Arc<AtomicU64>,
}

impl Beside {
    /// Starts reading the filters of the notebook at `path` beside
    /// `screen`, a connection of the same notebook in a transaction that
    /// has read nothing yet. `None` (nothing started; `screen` still has
    /// read nothing) when the write lock or a connection cannot be had:
    /// the file is not writable, or another writer holds it.
    pub fn start(path: &Path, screen: &Connection) -> Option<Beside> {
        use rusqlite::OpenFlags;
        let open = |flags: OpenFlags| {
            let c =
                Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).ok()?;
            c.busy_timeout(Duration::from_millis(100)).ok()?;
            Some(c)
        };
        let lock = open(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let own = open(OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        // A second one, for the second core (the filters are read in
        // halves); without it they are read on one.
        let second = open(OpenFlags::SQLITE_OPEN_READ_ONLY);
        lock.execute_batch("BEGIN IMMEDIATE").ok()?;
        // Every snapshot taken while nothing can be committed.
        let first_read = |c: &Connection| {
            c.execute_batch("BEGIN").is_ok()
                && c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .is_ok()
        };
        let taken = first_read(&own)
            && screen
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .is_ok();
        let second = second.filter(|c| taken && first_read(c));
        let _ = lock.execute_batch("ROLLBACK");
        drop(lock);
        if !taken {
            return None;
        }
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let read = Arc::new(AtomicU64::new(0));
        let counted = read.clone();
        std::thread::Builder::new()
            .name("screen-filters".into())
            .spawn(move || {
                let start = Instant::now();
                Presence::each_of(&own, second, &stopped, &counted, &mut |gate, read| {
                    tracing::debug!(
                        ?gate,
                        ms = start.elapsed().as_millis() as u64,
                        "filter read beside the screen"
                    );
                    tx.send((gate, read)).is_ok()
                });
            })
            .ok()?;
        Some(Beside { rx, stop, read })
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How long a gate's questions run before what its filter would hold is
/// counted (the counts take tens of milliseconds on a million parcels: a
/// short screen never pays them).
const COUNT_AFTER: Duration = Duration::from_millis(50);

/// A watchlist entry as held in memory.
struct Entry {
    watched: Watched,
    expires_on: Option<String>,
}

/// The filters a [`Known`] keeps, each before the questions it alone can
/// spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Every identifier of the notebook: other parcels from a sender, to a
    /// recipient, at an address.
    Any,
    /// The identifiers of seized parcels: seen on a seized parcel, a
    /// suspect's name.
    Seized,
    /// The identifiers of parcels in open cases.
    OpenCase,
}

impl Gate {
    const ALL: [Gate; 3] = [Gate::Any, Gate::Seized, Gate::OpenCase];

    /// The parcels behind a narrower gate, as a condition on `parcels`;
    /// `None` for the whole index.
    fn parcels(self) -> Option<&'static str> {
        match self {
            Gate::Any => None,
            // As `Live::seized_with` and `Live::suspects` ask.
            Gate::Seized => Some("status = 'seized'"),
            // As `Live::open_case_with` asks.
            // (By number: the rows then come in the table's order, not
            // looked up one by one in the order of their ids.)
            Gate::OpenCase => Some(
                "n IN (SELECT p.n FROM links l
                       JOIN cases c ON c.id = l.from_id AND c.status IN ('open', 'active')
                       JOIN parcels p ON p.id = l.to_id
                       WHERE l.link_type = 'includes' AND l.from_kind = 'case')",
            ),
        }
    }

    /// Adds to `out` the hashes of the parcel's values behind the gate
    /// that are not in the identifier index: a seized parcel's name sounds
    /// (as `Live::suspects` asks).
    fn also(self, p: &Parcel, out: &mut Vec<u64>) {
        if self != Gate::Seized {
            return;
        }
        let code = ident_code(IdentKind::NameSound);
        for name in [&p.sender_name, &p.recipient_name] {
            if let Some(key) = name
                .as_deref()
                .and_then(crate::domain::identifiers::name_sound_key)
            {
                out.push(ident_hash(code, key.as_bytes()));
            }
        }
    }

    /// How many parcels the gate's identifiers come from, and what reading
    /// one identifier costs, about (measured on the benchmark machine:
    /// 7.4 million values of the whole index in about a second; the
    /// narrower gates' worked out from their parcels, 2026-12-05: 1.1 us
    /// a value for the seized parcels', 1.9 for the open cases', whose
    /// parcels are found through their links). The rent rule is within a
    /// factor of two on any machine that reads and asks at the same
    /// relative pace.
    fn estimate(self, conn: &Connection) -> Result<(u64, Duration)> {
        let count = |sql: &str| -> Result<u64> {
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
        };
        // Rowid maxima: read at once, where counting a million rows is not.
        let ids = crate::store::index::size_estimate(conn)?;
        let per_parcel = || -> Result<u64> {
            let parcels = count("SELECT coalesce(max(n), 0) FROM parcels")?.max(1);
            Ok((ids / parcels).max(4) + 2)
        };
        Ok(match self {
            Gate::Any => (ids, Duration::from_nanos(150)),
            Gate::Seized => (
                count("SELECT count(*) FROM parcels WHERE status = 'seized'")? * per_parcel()?,
                Duration::from_nanos(1_100),
            ),
            Gate::OpenCase => (
                count(
                    "SELECT count(*) FROM links l
                     JOIN cases c ON c.id = l.from_id AND c.status IN ('open', 'active')
                     WHERE l.link_type = 'includes' AND l.from_kind = 'case'",
                )? * per_parcel()?,
                Duration::from_nanos(1_900),
            ),
        })
    }
}

/// One gate's filter, and what it has cost and spared.
#[derive(Default)]
struct Filter {
    present: Option<Presence>,
    /// How many values it is expected to hold (`None`: not yet counted).
    expected: Option<u64>,
    /// Time spent on the questions it would spare, and what asking
    /// reaches next: first [`COUNT_AFTER`], when what the filter would
    /// hold is counted, then what reading it is expected to cost (`None`:
    /// read, or never to be).
    asked: Duration,
    rent_until: Option<Duration>,
    questions: u64,
    /// Questions asked, and time spent asking, before it was read.
    before: (u64, Duration),
    spared: u64,
    reading: Duration,
}

/// The watchlist's entries by kind, then value. (Both maps with a fast
/// hash: each row asks of a dozen identifiers, a million rows of them.)
type Watchlist = HashMap<
    IdentKind,
    HashMap<String, Vec<Entry>, foldhash::fast::RandomState>,
    foldhash::fast::RandomState,
>;

/// [`Live`] with the watchlist held in memory and, once a screen is long
/// enough to pay for each, [`Presence`] filters before the index.
pub struct Known<'a> {
    live: Live<'a>,
    conn: &'a Connection,
    today: String,
    /// By kind, then value (looked up without making a key).
    watchlist: Watchlist,
    filters: [Filter; 3],
    /// Parcels asked about so far, of about how many ([`Ahead`](super::batch::Ahead)).
    ahead: Option<(u64, u64)>,
    /// Filters being read beside the screen.
    beside: Option<Beside>,
}

impl<'a> Known<'a> {
    /// Knowledge of the notebook on `conn` as of `today`, over `live` (a
    /// [`Live`] of the same connection).
    pub fn new(conn: &'a Connection, live: Live<'a>, today: &str) -> Result<Known<'a>> {
        let mut watchlist = Watchlist::default();
        let mut stmt = conn.prepare(
            "SELECT w.kind, w.value, w.id, w.reason, c.\"ref\", c.id, w.added_by, w.expires_on
             FROM watchlist w LEFT JOIN cases c ON c.id = w.case_id ORDER BY w.added_at",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(kind) = crate::store::keys::ident_named(&r.get::<_, String>(0)?) else {
                continue;
            };
            watchlist
                .entry(kind)
                .or_default()
                .entry(r.get(1)?)
                .or_default()
                .push(Entry {
                    watched: super::live::watched_at(r, 2)?,
                    expires_on: r.get(7)?,
                });
        }
        drop(rows);
        drop(stmt);
        let mut filters: [Filter; 3] = Default::default();
        for f in &mut filters {
            f.rent_until = Some(COUNT_AFTER);
        }
        Ok(Known {
            live,
            conn,
            today: today.get(..10).unwrap_or(today).to_string(),
            watchlist,
            filters,
            ahead: None,
            beside: None,
        })
    }

    /// Reads the filters now, or never, or each when the questions it
    /// would spare have paid for it (as made).
    pub fn reading(mut self, when: Reading) -> Result<Known<'a>> {
        for gate in Gate::ALL {
            match when {
                Reading::Now => self.read(gate)?,
                Reading::Never => self.filters[gate as usize].rent_until = None,
                Reading::WhenPaid | Reading::Beside => {}
            }
        }
        Ok(self)
    }

    /// Takes the filters from `beside`, waiting for them at the first
    /// question (and reads none on its own meanwhile). Asked without them,
    /// each question was an indexed lookup: a million-row screen spent
    /// about 2 s of its scoring thread on those asked before its filters
    /// came, while a third thread took a share of both cores to read them;
    /// waiting, both cores read them, in halves.
    pub fn beside(mut self, beside: Beside) -> Known<'a> {
        for f in &mut self.filters {
            f.rent_until = None;
        }
        self.beside = Some(beside);
        self
    }

    /// Waits for the filters read beside and installs them; one that could
    /// not be read is read here, when paid for, as without.
    fn arrived(&mut self) {
        self.wait_for_filters(&mut |_, _| {});
    }

    /// Waits for the filters being read beside (when they are), telling
    /// `tick` how many of the notebook's identifiers have been read, of
    /// about how many, at once and then about five times a second.
    pub fn wait_for_filters(&mut self, tick: &mut dyn FnMut(u64, u64)) {
        let Some(b) = self.beside.take() else { return };
        let told = |tick: &mut dyn FnMut(u64, u64)| {
            let read = b.read.load(Ordering::Relaxed);
            tick(read & u64::from(u32::MAX), read >> 32);
        };
        told(tick);
        loop {
            let next = match b.rx.recv_timeout(Duration::from_millis(200)) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    told(tick);
                    continue;
                }
                next => next,
            };
            let Ok((gate, read)) = next else {
                // Stopped before the end: the rest are read here.
                for f in &mut self.filters {
                    if f.present.is_none() {
                        f.rent_until = Some(COUNT_AFTER);
                    }
                }
                return;
            };
            let f = &mut self.filters[gate as usize];
            match read {
                Ok(p) => {
                    f.present = Some(p);
                    f.before = (f.questions, f.asked);
                }
                Err(e) => {
                    tracing::warn!(?gate, "a filter read beside the screen failed: {e}");
                    f.rent_until = Some(COUNT_AFTER);
                }
            }
            if gate == Gate::OpenCase {
                return;
            }
        }
    }

    /// Counts what the gate's filter would hold; what reading it will cost.
    fn count(&mut self, gate: Gate) -> Result<Duration> {
        let (expected, per_value) = gate.estimate(self.conn)?;
        self.filters[gate as usize].expected = Some(expected);
        Ok(per_value * u32::try_from(expected).unwrap_or(u32::MAX))
    }

    fn read(&mut self, gate: Gate) -> Result<()> {
        let expected = match self.filters[gate as usize].expected {
            Some(e) => e,
            None => {
                self.count(gate)?;
                self.filters[gate as usize].expected.unwrap_or_default()
            }
        };
        let start = Instant::now();
        let f = &mut self.filters[gate as usize];
        f.rent_until = None;
        let never = AtomicBool::new(false);
        f.present = match gate {
            Gate::Any => Presence::hashed_range(
                self.conn,
                i64::MIN,
                i64::MAX,
                expected,
                &never,
                &AtomicU64::new(0),
            )?,
            _ => Presence::of_parcels(self.conn, gate, &never)?,
        };
        f.reading = start.elapsed();
        Ok(())
    }

    /// Whether the notebook may hold the value behind `gate`: false only
    /// when a filter read says it does not (the gate's own, or the whole
    /// index's until the gate's is read).
    fn may_hold(&mut self, gate: Gate, kind: IdentKind, value: &str) -> bool {
        if self.beside.is_some() {
            self.arrived();
        }
        let h = ident_hash(ident_code(kind), value.as_bytes());
        // The gate's own filter when it is read (what it holds, the whole
        // index's holds too: asking that one as well is one more cache
        // miss for nothing), else the whole index's.
        // (The whole index holds no sounds: a sound is asked of the gate's
        // own filter only.)
        let own = self.filters[gate as usize].present.as_ref();
        let any = self.filters[Gate::Any as usize].present.as_ref();
        let may = match own.or(any.filter(|_| kind.is_exact())) {
            Some(p) => p.may_hold_hash(h),
            None => true,
        };
        self.filters[gate as usize].spared += u64::from(!may);
        may
    }

    /// The notebook's parcel of this tracking number (as the identifier
    /// index holds it), if it has one: a manifest row it has a copy of,
    /// screened without that copy counting as another parcel (a row
    /// screened twice had its own stored copy as an earlier sender, or a
    /// seized parcel with its phone). Asked only when the whole index's
    /// filter may hold the number. Told to the knowledge below, for the
    /// row's questions.
    pub fn held_copy(&mut self, tracking: Option<&str>) -> Result<Option<Uuid>> {
        let held = match tracking {
            Some(t) if self.may_hold(Gate::Any, IdentKind::Tracking, t) => {
                crate::store::refs::parcels_tracked(self.conn, t, 1)?
                    .into_iter()
                    .next()
            }
            _ => None,
        };
        self.live.held_copy(held);
        Ok(held)
    }

    /// Asks the notebook, keeping the time it took against `gate`, and
    /// reads the gate's filter once the asking has cost what reading it
    /// would.
    fn ask<T>(&mut self, gate: Gate, f: impl FnOnce(&mut Live<'a>) -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let out = f(&mut self.live);
        let ahead = self.ahead;
        let filter = &mut self.filters[gate as usize];
        filter.asked += start.elapsed();
        filter.questions += 1;
        // Once counted, what asking will have cost by the end, when the
        // end is known; else what it has cost so far.
        let will = |f: &Filter| match ahead {
            Some((done, all)) if f.expected.is_some() && done > 0 => {
                f.asked.mul_f64(all.max(done) as f64 / done as f64)
            }
            _ => f.asked,
        };
        if filter.rent_until.is_some_and(|r| will(filter) >= r) {
            if filter.expected.is_none() {
                // Long enough to count what the filter would hold.
                let rent = self.count(gate)?;
                let filter = &mut self.filters[gate as usize];
                filter.rent_until = Some(rent);
                if will(filter) >= rent {
                    self.read(gate)?;
                }
            } else {
                self.read(gate)?;
            }
        }
        out
    }
}

impl super::batch::Expect for Known<'_> {
    /// Starts bringing the filter blocks that questions about these
    /// identifiers will look at into the processor's cache, and returns
    /// at once: said a row ahead, the blocks are there by the time the
    /// row is scored. (A filter of millions of values is far larger than
    /// the cache: asked one after another, each question waited for its
    /// own block, a tenth of the scoring thread's time.)
    fn expect(&mut self, ids: &[crate::domain::identifiers::Identifier]) {
        if self.beside.is_some() {
            self.arrived();
        }
        for id in ids {
            let h = ident_hash(ident_code(id.kind), id.value.as_bytes());
            for p in self.filters.iter().filter_map(|f| f.present.as_ref()) {
                super::prefetch::prefetch(&p.blocks[p.block(h)]);
            }
        }
    }
}

impl super::batch::Ahead for Known<'_> {
    /// How far the work is: `done` of about `all` parcels asked about. A
    /// filter is then read as soon as the asking it would spare *will*
    /// have cost what reading it does (a screen knows its file's size, so
    /// it need not pay twice for a long one), once its questions have run
    /// long enough to be counted.
    fn ahead(&mut self, done: u64, all: u64) {
        self.ahead = Some((done, all));
    }
}

impl Drop for Known<'_> {
    fn drop(&mut self) {
        for (f, gate) in self.filters.iter().zip(Gate::ALL) {
            tracing::info!(
                gate = ?gate,
                questions = f.questions,
                before = f.before.0,
                before_ms = f.before.1.as_millis() as u64,
                spared = f.spared,
                asking_ms = f.asked.as_millis() as u64,
                filter = ?f.present.as_ref().map(|p| p.values),
                expected = ?f.expected,
                filter_read_ms = f.reading.as_millis() as u64,
                "screen's questions to the notebook"
            );
        }
    }
}

impl Knowledge for Known<'_> {
    fn watched(&mut self, kind: IdentKind, value: &str) -> Result<Vec<Watched>> {
        let today = self.today.as_str();
        Ok(self
            .watchlist
            .get(&kind)
            .and_then(|m| m.get(value))
            .into_iter()
            .flatten()
            .filter(|e| e.expires_on.as_deref().is_none_or(|d| d >= today))
            .map(|e| e.watched.clone())
            .collect())
    }

    fn seized_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<Option<Seen>> {
        if !self.may_hold(Gate::Seized, kind, value) {
            return Ok(None);
        }
        let newest = self.filters[Gate::Seized as usize]
            .present
            .as_ref()
            .and_then(|p| p.newest.as_ref())
            .map(|t| t.get(ident_hash(ident_code(kind), value.as_bytes())));
        match newest {
            // On no seized parcel (the filter took it for one that may be).
            Some(None) => {
                self.filters[Gate::Seized as usize].spared += 1;
                Ok(None)
            }
            // The newest seized parcel with it, when the notebook says so.
            Some(Some(n)) => self.ask(Gate::Seized, |l| {
                match l.seized_at(kind, value, n, except)? {
                    Some(seen) => Ok(Some(seen)),
                    None => l.seized_with(kind, value, except),
                }
            }),
            None => self.ask(Gate::Seized, |l| l.seized_with(kind, value, except)),
        }
    }

    fn open_case_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> Result<Option<InCase>> {
        if !self.may_hold(Gate::OpenCase, kind, value) {
            return Ok(None);
        }
        self.ask(Gate::OpenCase, |l| l.open_case_with(kind, value, except))
    }

    fn suspects(&mut self, name_sound: &str) -> Result<Vec<Suspect>> {
        if !self.may_hold(Gate::Seized, IdentKind::NameSound, name_sound) {
            // No seized parcel's name sounds so: only the watchlist's names.
            return self.live.watched_suspects(name_sound);
        }
        self.ask(Gate::Seized, |l| l.suspects(name_sound))
    }

    fn others_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<usize> {
        if !self.may_hold(Gate::Any, kind, value) {
            return Ok(0);
        }
        self.ask(Gate::Any, |l| l.others_with(kind, value, except))
    }

    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
        need: usize,
    ) -> Result<Vec<Other>> {
        if !self.may_hold(Gate::Any, kind, value) {
            return Ok(Vec::new());
        }
        self.ask(Gate::Any, |l| {
            l.senders_to(kind, value, since, except, need)
        })
    }

    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<Other>> {
        if !self.may_hold(Gate::Any, IdentKind::Address, address) {
            return Ok(Vec::new());
        }
        self.ask(Gate::Any, |l| l.names_at(address, except))
    }

    fn substance_terms(&mut self) -> Result<std::sync::Arc<super::terms::Terms>> {
        self.live.substance_terms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parcel;
    use crate::domain::record::new_record;
    use crate::store::create;
    use crate::store::testutil::temp_store;

    /// A filter never says "not there" of a value it was given, and takes
    /// about one absent value in a thousand for present (the blocked filter
    /// of three bits in one word it replaced took 2 to 4 %).
    #[test]
    fn a_filter_holds_every_value_and_few_others() {
        let mut filling = Filling::sized(200_000);
        for i in 0..200_000 {
            let value = format!("+7701{i}");
            filling.add(ident_hash(ident_code(IdentKind::Phone), value.as_bytes()));
        }
        let p = filling.done();
        assert_eq!(p.values, 200_000);
        assert!(p.bytes() <= 200_000 * 17 / 8, "{} bytes", p.bytes());
        for i in 0..200_000 {
            assert!(p.may_hold(IdentKind::Phone, &format!("+7701{i}")), "{i}");
        }
        let taken = (0..200_000)
            .filter(|i| p.may_hold(IdentKind::Phone, &format!("+7702{i}")))
            .count();
        assert!(
            taken < 600,
            "{taken} of 200,000 absent values taken for present"
        );
        // Another kind with the same value is another identifier.
        let other = (0..200_000)
            .filter(|i| p.may_hold(IdentKind::Email, &format!("+7701{i}")))
            .count();
        assert!(other < 600, "{other}");
    }

    /// The index read in two halves on two connections makes the filter
    /// it makes read whole on one, bit for bit.
    #[test]
    fn the_index_read_in_halves_makes_the_same_filter() {
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 200, 3, |_, _| {}).unwrap();
        let path = d.path().join("t.db");
        let one = Connection::open(&path).unwrap();
        let two = Connection::open(&path).unwrap();
        let top = one
            .query_row(
                "SELECT count(*) FROM (SELECT DISTINCT kind, value FROM occurrences)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as u64;
        assert!(top > 1000, "{top}");
        let stop = AtomicBool::new(false);
        let (whole, back) = Presence::whole(&one, None, top, &stop, &AtomicU64::new(0));
        assert!(back.is_none());
        let whole = whole.unwrap().unwrap();
        let counted = AtomicU64::new(0);
        let (halves, back) = Presence::whole(&one, Some(two), top, &stop, &counted);
        assert!(back.is_some(), "the second connection is given back");
        let halves = halves.unwrap().unwrap();
        assert_eq!(whole.values, halves.values);
        assert_eq!(whole.values, top, "every value, once");
        assert_eq!(
            counted.load(Ordering::Relaxed),
            whole.values,
            "every one counted"
        );
        assert!(
            whole
                .blocks
                .iter()
                .zip(&halves.blocks)
                .all(|(a, b)| a.0 == b.0),
            "the same bits"
        );
        // Stopped, neither half makes a filter.
        stop.store(true, Ordering::Relaxed);
        let two = Connection::open(&path).unwrap();
        let (read, _) = Presence::whole(&one, Some(two), top, &stop, &counted);
        let _ = read.unwrap();
    }

    /// Filters read beside a screen arrive, hold what the screen's
    /// snapshot holds (a parcel written after the screen began is in
    /// neither) and never say "not there" of a value that is.
    #[test]
    fn filters_read_beside_come_from_the_screens_snapshot() {
        filters_beside(false);
    }

    /// The same where the index holds a value of a kind far past the
    /// demo's (a notebook written so, by hand or by a crafted file), on
    /// no parcel: the halves the index is read in are uneven, with the
    /// same answers.
    #[test]
    fn filters_read_beside_with_a_far_kind() {
        filters_beside(true);
    }

    fn filters_beside(far: bool) {
        let (d, mut s) = temp_store();
        crate::exchange::demo::generate(&mut s, 300, 7, |_, _| {}).unwrap();
        if far {
            s.conn()
                .execute(
                    "INSERT INTO occurrences (kind, value, item, role) VALUES (?1, 'tqn2kmrsbcs3ixi1jo8fvz7zjubb5rsgtx', ?2, 1)",
                    (ident_code(IdentKind::Wallet), (999_999 << 4) | 2),
                )
                .unwrap();
        }
        let path = d.path().join("t.db");
        let screen = Connection::open(&path).unwrap();
        let tx = screen.unchecked_transaction().unwrap();
        let beside = Beside::start(&path, &tx).expect("the lock and a connection");
        // Written once both snapshots are taken.
        s.write(|w| {
            let (mut p, _) = new_record::<Parcel>(&[
                (
                    "tracking",
                    &crate::exchange::demo::s10_number("EE", 900_001, "CN"),
                ),
                ("origin", "CN"),
                ("destination", "KZ"),
                ("recipient_phone", "+7 701 999 1234"),
                ("recipient_name", "Beside Snapshotova"),
            ])?;
            create::parcel(w, &mut p)
        })
        .unwrap();
        let live = Live::new(&tx, "2026-12-01");
        let mut k = Known::new(&tx, live, "2026-12-01").unwrap().beside(beside);
        let start = Instant::now();
        while k.filters.iter().any(|f| f.present.is_none()) {
            k.arrived();
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the filters arrive"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let count = |sql: &str| -> u64 {
            tx.query_row(&format!("SELECT count(*) FROM ({sql})"), [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap() as u64
        };
        // The values beside the index: the seized parcels' name sounds.
        let also = |gate: Gate| -> u64 {
            if gate != Gate::Seized {
                return 0;
            }
            let mut stmt = tx
                .prepare("SELECT sender_name, recipient_name FROM parcels WHERE status = 'seized'")
                .unwrap();
            let mut keys: Vec<String> = stmt
                .query_map([], |r| Ok([r.get::<_, Option<String>>(0)?, r.get(1)?]))
                .unwrap()
                .flat_map(|r| r.unwrap())
                .flatten()
                .filter_map(|n| crate::domain::identifiers::name_sound_key(&n))
                .collect();
            keys.sort();
            keys.dedup();
            keys.len() as u64
        };
        for gate in Gate::ALL {
            let p = k.filters[gate as usize].present.as_ref().unwrap();
            // What the index holds of the gate's parcels (found by their
            // item keys, as no screen asks).
            let sql = match gate.parcels() {
                None => "SELECT DISTINCT kind, value FROM occurrences".to_string(),
                Some(parcels) => format!(
                    "SELECT DISTINCT kind, value FROM occurrences
                     WHERE (item & 15) = 2
                       AND (item >> 4) IN (SELECT n FROM parcels WHERE {parcels})"
                ),
            };
            assert_eq!(
                p.values,
                count(&sql) + also(gate),
                "{gate:?}: the screen's snapshot"
            );
            let mut stmt = tx.prepare(&sql).unwrap();
            let mut rows = stmt.query([]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                let kind = crate::store::keys::ident_of_code(r.get(0).unwrap()).unwrap();
                let value: String = r.get(1).unwrap();
                assert!(p.may_hold(kind, &value), "{gate:?} {kind:?} {value}");
            }
        }
        // The seized parcels' name sounds, which the identifier index does
        // not hold, are in the seized parcels' filter (suspects are asked
        // of it), the new parcel's not.
        let seized = k.filters[Gate::Seized as usize].present.as_ref().unwrap();
        let mut names = tx
            .prepare("SELECT recipient_name FROM parcels WHERE status = 'seized'")
            .unwrap();
        let mut rows = names.query([]).unwrap();
        let mut sounds = 0;
        while let Some(r) = rows.next().unwrap() {
            let name: Option<String> = r.get(0).unwrap();
            if let Some(key) = name
                .as_deref()
                .and_then(crate::domain::identifiers::name_sound_key)
            {
                assert!(seized.may_hold(IdentKind::NameSound, &key), "{key}");
                sounds += 1;
            }
        }
        assert!(sounds > 5, "{sounds}");
        let new = crate::domain::identifiers::name_sound_key("Beside Snapshotova").unwrap();
        assert!(!seized.may_hold(IdentKind::NameSound, &new), "{new}");
        assert!(k.beside.is_none(), "all arrived");
        assert!(
            k.filters[Gate::Seized as usize]
                .present
                .as_ref()
                .is_some_and(|p| p.newest.is_some()),
            "the seized parcels' newest, by value"
        );
        // Asked through the newest seized parcel by value, the answers are
        // the notebook's: for every identifier of every parcel (seized or
        // not), and as if asked about one of those parcels itself.
        let mut stmt = tx
            .prepare(
                "SELECT o.kind, o.value, p.id FROM occurrences o
                 JOIN parcels p ON p.n = (o.item >> 4) AND (o.item & 15) = 2",
            )
            .unwrap();
        let rows: Vec<(i64, String, Uuid)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut live = Live::new(&tx, "2026-12-01");
        let mut seen = 0;
        for (code, value, parcel) in rows {
            let kind = crate::store::keys::ident_of_code(code).unwrap();
            for except in [Uuid::nil(), parcel] {
                let want = live.seized_with(kind, &value, except).unwrap();
                let got = k.seized_with(kind, &value, except).unwrap();
                assert_eq!(
                    got.as_ref().map(|s| (&s.tracking, s.parcel, &s.case)),
                    want.as_ref().map(|s| (&s.tracking, s.parcel, &s.case)),
                    "{kind:?} {value} except {except}"
                );
                seen += usize::from(got.is_some());
            }
        }
        assert!(seen > 50, "{seen} answers on seized parcels");
    }
}
