//! [`Knowledge`] for a long screen: the notebook's answers with what can
//! be held in memory held there. Most identifiers of a manifest are in no
//! parcel of the notebook, and each of them cost several indexed queries
//! (seized parcels, open cases, other parcels from the sender, to the
//! recipient, at the address), each a walk down the identifier index.
//! Here:
//! - the watchlist is read once into a map (it is small: thousands);
//! - once the queries have cost as long as reading the identifier index
//!   would (a rent-or-buy rule: a short screen never pays for it, a long
//!   one pays at most twice what it should have), every identifier value
//!   of the notebook goes into a [`Presence`] filter, and a value the
//!   filter has never seen is answered "nowhere" without a query.
//!
//! The filter only ever answers "not there" for values that are not
//! there, so the answers are those of [`Live`]; what it saves is time.

use super::live::Live;
use super::score::{InCase, Knowledge, Other, Seen, Suspect, Watched};
use crate::domain::identifiers::IdentKind;
use crate::store::Result;
use crate::store::keys::ident_code;
use rusqlite::Connection;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The hash of an identifier (its kind's code and its value) the filter
/// is keyed by.
fn ident_hash(code: i64, value: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    code.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// Every identifier value of a notebook, as a blocked Bloom filter: a
/// value sets three bits of one 64-bit word (so reading and asking touch
/// one word each), 16 bits a value: about 1 % of absent values are taken
/// for present, and asked of the notebook. A notebook of a million
/// parcels (7.4 million values) takes 16 MiB.
pub struct Presence {
    words: Vec<u64>,
    /// How many words, less one (a power of two).
    mask: u64,
    pub values: u64,
}

/// Regions of the filter values are batched by while it is read, and
/// values a batch holds (together 2 MiB).
const REGIONS: usize = 256;
const BATCH: usize = 1024;

impl Presence {
    /// Reads every identifier of the notebook on `conn` (in one pass over
    /// the identifiers table).
    pub fn read(conn: &Connection) -> Result<Presence> {
        let n: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM identifiers", [], |r| {
            r.get(0)
        })?;
        let words = (n.max(1) as u64 / 4).next_power_of_two().max(64);
        let mut p = Presence {
            words: vec![0; words as usize],
            mask: words - 1,
            values: 0,
        };
        // Set in batches by region of the filter, so each batch's words
        // are in the processor's cache (set one by one, in the values'
        // order, each is a cache miss: half the reading's time).
        let mut pending: Vec<Vec<u64>> = (0..REGIONS).map(|_| Vec::with_capacity(BATCH)).collect();
        let shift = (p.mask + 1)
            .trailing_zeros()
            .saturating_sub(REGIONS.trailing_zeros());
        let mut stmt = conn.prepare("SELECT kind, value FROM identifiers")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let code: i64 = r.get(0)?;
            let value = r.get_ref(1)?.as_str().unwrap_or_default();
            let h = ident_hash(code, value);
            let (word, _) = p.place(h);
            let region = (word >> shift) & (REGIONS - 1);
            pending[region].push(h);
            if pending[region].len() == BATCH {
                p.set_all(&mut pending[region]);
            }
        }
        for mut batch in pending {
            p.set_all(&mut batch);
        }
        Ok(p)
    }

    fn set_all(&mut self, hashes: &mut Vec<u64>) {
        for h in hashes.drain(..) {
            let (word, bits) = self.place(h);
            self.words[word] |= bits;
            self.values += 1;
        }
    }

    /// The word a hash sets bits of (from its high half), and the three
    /// bits (six bits of its low half each).
    fn place(&self, h: u64) -> (usize, u64) {
        let word = ((h >> 32) & self.mask) as usize;
        let bits = (1u64 << (h & 63)) | (1u64 << ((h >> 6) & 63)) | (1u64 << ((h >> 12) & 63));
        (word, bits)
    }

    /// Whether the notebook may hold this identifier (false: it does not).
    pub fn may_hold(&self, kind: IdentKind, value: &str) -> bool {
        let (word, bits) = self.place(ident_hash(ident_code(kind), value));
        self.words[word] & bits == bits
    }
}

/// When a [`Known`] reads its [`Presence`] filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Once asking has cost what reading would.
    WhenPaid,
    Now,
    Never,
}

/// A watchlist entry as held in memory.
struct Entry {
    watched: Watched,
    expires_on: Option<String>,
}

/// [`Live`] with the watchlist held in memory and, once a screen is long
/// enough to pay for it, a [`Presence`] filter before the index.
pub struct Known<'a> {
    live: Live<'a>,
    conn: &'a Connection,
    today: String,
    watchlist: HashMap<(IdentKind, String), Vec<Entry>>,
    present: Option<Presence>,
    /// Time spent asking the notebook, and what reading the filter is
    /// expected to cost (`None`: the filter is read or never will be).
    asked: Duration,
    rent_until: Option<Duration>,
    /// Questions asked of the notebook, and spared by the filter.
    questions: u64,
    spared: u64,
    /// How long reading the filter took.
    reading: Duration,
}

/// What reading one identifier into the filter costs, about (measured on
/// the benchmark machine: 7.4 million values in about a second); the rule is
/// within a factor of two for any machine that reads and asks at the same
/// relative pace.
const PER_VALUE: Duration = Duration::from_nanos(150);

impl<'a> Known<'a> {
    /// Knowledge of the notebook on `conn` as of `today`, over `live` (a
    /// [`Live`] of the same connection).
    pub fn new(conn: &'a Connection, live: Live<'a>, today: &str) -> Result<Known<'a>> {
        let mut watchlist: HashMap<(IdentKind, String), Vec<Entry>> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT w.kind, w.value, w.id, w.reason, c.\"ref\", c.id, w.added_by, w.expires_on
             FROM watchlist w LEFT JOIN cases c ON c.id = w.case_id ORDER BY w.added_at",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(kind) = crate::store::keys::ident_named(&r.get::<_, String>(0)?) else {
                continue;
            };
            let case = match (r.get(4)?, r.get(5)?) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            watchlist.entry((kind, r.get(1)?)).or_default().push(Entry {
                watched: Watched {
                    id: r.get(2)?,
                    reason: r.get(3)?,
                    case,
                    added_by: r.get(6)?,
                },
                expires_on: r.get(7)?,
            });
        }
        drop(rows);
        drop(stmt);
        let values: i64 =
            conn.query_row("SELECT coalesce(max(id), 0) FROM identifiers", [], |r| {
                r.get(0)
            })?;
        Ok(Known {
            live,
            conn,
            today: today.get(..10).unwrap_or(today).to_string(),
            watchlist,
            present: None,
            asked: Duration::ZERO,
            questions: 0,
            spared: 0,
            reading: Duration::ZERO,
            rent_until: Some(PER_VALUE * u32::try_from(values.max(0)).unwrap_or(u32::MAX)),
        })
    }

    /// Reads the filter now, or never, or when the questions have paid
    /// for it (as made).
    pub fn reading(mut self, when: Reading) -> Result<Known<'a>> {
        match when {
            Reading::Now => self.read_presence()?,
            Reading::Never => self.rent_until = None,
            Reading::WhenPaid => {}
        }
        Ok(self)
    }

    fn read_presence(&mut self) -> Result<()> {
        let start = Instant::now();
        self.rent_until = None;
        self.present = Some(Presence::read(self.conn)?);
        self.reading = start.elapsed();
        Ok(())
    }

    /// Whether the filter is read.
    pub fn has_presence(&self) -> bool {
        self.present.is_some()
    }

    /// Whether the notebook may hold the value: false only when the filter
    /// says it does not.
    fn may_hold(&mut self, kind: IdentKind, value: &str) -> bool {
        let may = self
            .present
            .as_ref()
            .is_none_or(|p| p.may_hold(kind, value));
        self.spared += u64::from(!may);
        may
    }

    /// Asks the notebook, keeping the time it took, and reads the filter
    /// once the asking has cost what the reading would.
    fn ask<T>(&mut self, f: impl FnOnce(&mut Live<'a>) -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let out = f(&mut self.live);
        self.asked += start.elapsed();
        self.questions += 1;
        if self.rent_until.is_some_and(|r| self.asked >= r) {
            self.read_presence()?;
        }
        out
    }
}

impl Drop for Known<'_> {
    fn drop(&mut self) {
        tracing::info!(
            questions = self.questions,
            spared = self.spared,
            asking_ms = self.asked.as_millis() as u64,
            filter = ?self.present.as_ref().map(|p| p.values),
            filter_read_ms = self.reading.as_millis() as u64,
            "screen's questions to the notebook"
        );
    }
}

impl Knowledge for Known<'_> {
    fn watched(&mut self, kind: IdentKind, value: &str) -> Result<Vec<Watched>> {
        let today = self.today.as_str();
        Ok(self
            .watchlist
            .get(&(kind, value.to_string()))
            .into_iter()
            .flatten()
            .filter(|e| e.expires_on.as_deref().is_none_or(|d| d >= today))
            .map(|e| e.watched.clone())
            .collect())
    }

    fn seized_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<Option<Seen>> {
        if !self.may_hold(kind, value) {
            return Ok(None);
        }
        self.ask(|l| l.seized_with(kind, value, except))
    }

    fn open_case_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> Result<Option<InCase>> {
        if !self.may_hold(kind, value) {
            return Ok(None);
        }
        self.ask(|l| l.open_case_with(kind, value, except))
    }

    fn suspects(&mut self, name_sound: &str) -> Result<Vec<Suspect>> {
        if !self.may_hold(IdentKind::NameSound, name_sound) {
            // No seized parcel's name sounds so: only the watchlist's names.
            return self.live.watched_suspects(name_sound);
        }
        self.ask(|l| l.suspects(name_sound))
    }

    fn others_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<usize> {
        if !self.may_hold(kind, value) {
            return Ok(0);
        }
        self.ask(|l| l.others_with(kind, value, except))
    }

    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
    ) -> Result<Vec<Other>> {
        if !self.may_hold(kind, value) {
            return Ok(Vec::new());
        }
        self.ask(|l| l.senders_to(kind, value, since, except))
    }

    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<Other>> {
        if !self.may_hold(IdentKind::Address, address) {
            return Ok(Vec::new());
        }
        self.ask(|l| l.names_at(address, except))
    }

    fn substance_terms(&mut self) -> Result<std::sync::Arc<super::terms::Terms>> {
        self.live.substance_terms()
    }
}
