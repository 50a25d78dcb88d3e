//! Knowledge of a batch of parcels screened together (a manifest), over
//! what the notebook knows: parcels earlier in the batch count as the
//! notebook's do for the indicators that look at other parcels (the first
//! parcel from a sender, several senders to one recipient, several names
//! at one address), so twenty parcels to one flat in tomorrow's manifest
//! are seen before any of them is opened. Kept compact: identifiers,
//! senders and names as 64-bit hashes, earlier rows by their line.

use super::score::{
    HASH, InCase, Knowledge, Label, Other, Seen, Suspect, Watched, key_hash, sender_key,
};
use crate::domain::Parcel;
use crate::domain::identifiers::{IdentKind, Identifier};
use crate::store::Result;
use std::collections::HashSet;
use std::hash::BuildHasher;
use uuid::Uuid;

/// A set of hashes (hashed again with foldhash's fast hash: SipHash was
/// a tenth of remembering a row).
type Hashes = HashSet<u64, foldhash::fast::FixedState>;

fn key(kind: IdentKind, value: &str) -> u64 {
    HASH.hash_one((kind, value))
}

/// One earlier row's entry under a key: a hash (of its sender's key, or
/// of its recipient's name), its line, and the entry before it under the
/// same key (a chain through one vector: no allocation per key).
struct Entry {
    hash: u64,
    line: u32,
    next: u32,
}

/// The slot of `slots` (a power of two) a key is looked for in first, in
/// [`Keys`] and [`Heads`]. (The keys are hashes already; the high bits
/// spread them.)
fn home(key: u64, slots: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize & (slots - 1)
}

/// Whether a table of `slots` holding `len` keys must grow to take one
/// more (at most 7/8 full).
fn full(len: usize, slots: usize) -> bool {
    (len + 1) * 8 > slots * 7
}

/// The slots a table needs to hold `keys` keys without growing.
fn slots_for(keys: usize) -> usize {
    (keys.saturating_mul(8) / 7 + 1).next_power_of_two()
}

/// A set of keys (64-bit hashes): open addressing with linear probing,
/// 8 bytes a slot, 0 for an empty one (a key of 0 is held as 1: one more
/// in 2^64 that two values meet, as their hashes might anyway). Unlike a
/// `HashSet`, the slot a key is looked for in first can be brought into
/// the cache ahead ([`Keys::touch`]).
#[derive(Default)]
struct Keys {
    slots: Vec<u64>,
    len: usize,
}

impl Keys {
    fn home(&self, key: u64) -> usize {
        home(key, self.slots.len())
    }

    /// The slot of `key`, or the empty one where it would go.
    fn slot(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i] != 0 && self.slots[i] != key {
            i = (i + 1) & mask;
        }
        i
    }

    fn held(key: u64) -> u64 {
        key.max(1)
    }

    fn contains(&self, key: u64) -> bool {
        !self.slots.is_empty() && self.slots[self.slot(Self::held(key))] != 0
    }

    fn touch(&self, key: u64) {
        if !self.slots.is_empty() {
            super::prefetch::prefetch(&self.slots[self.home(Self::held(key))]);
        }
    }

    fn insert(&mut self, key: u64) {
        if full(self.len, self.slots.len()) {
            self.grow((self.slots.len() * 2).max(1024));
        }
        let key = Self::held(key);
        let i = self.slot(key);
        if self.slots[i] == 0 {
            self.slots[i] = key;
            self.len += 1;
        }
    }

    /// Room for `keys` keys in all without growing.
    fn reserve(&mut self, keys: usize) {
        let slots = slots_for(keys);
        if slots > self.slots.len() {
            self.grow(slots);
        }
    }

    fn grow(&mut self, slots: usize) {
        let old = std::mem::replace(
            self,
            Keys {
                slots: vec![0; slots],
                len: 0,
            },
        );
        for k in old.slots.into_iter().filter(|k| *k != 0) {
            self.insert(k);
        }
    }
}

/// Keys (64-bit hashes) to the newest entry under each: open addressing
/// with linear probing, the keys and the entries in arrays of their own,
/// 12 bytes a slot (a `HashMap<u64, u32>` takes 17: its pairs are padded
/// to 16). A million-row manifest has millions of keys.
#[derive(Default)]
struct Heads {
    keys: Vec<u64>,
    /// `END`: an empty slot.
    at: Vec<u32>,
    len: usize,
}

impl Heads {
    fn slot(&self, key: u64) -> usize {
        let mask = self.keys.len() - 1;
        let mut i = self.home(key);
        while self.at[i] != END && self.keys[i] != key {
            i = (i + 1) & mask;
        }
        i
    }

    /// Starts bringing the slot where `key` is looked for first into the
    /// processor's cache ([`prefetch`](super::prefetch::prefetch)).
    fn touch(&self, key: u64) {
        if self.keys.is_empty() {
            return;
        }
        let i = self.home(key);
        super::prefetch::prefetch(&self.keys[i]);
        super::prefetch::prefetch(&self.at[i]);
    }

    /// The slot `key` is looked for in first. (The keys are hashes
    /// already; the high bits spread them.)
    fn home(&self, key: u64) -> usize {
        home(key, self.keys.len())
    }

    fn get(&self, key: u64) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        let at = self.at[self.slot(key)];
        (at != END).then_some(at)
    }

    /// Makes room for `keys` keys in all, now, so that the table does not
    /// grow later (growing holds the old table and the new one at once: at
    /// the end of a million-row screen, 25 MiB over its peak).
    fn reserve(&mut self, keys: usize) {
        let slots = slots_for(keys);
        if slots > self.keys.len() {
            self.grow(slots);
        }
    }

    fn grow(&mut self, slots: usize) {
        let old = std::mem::take(self);
        *self = Heads {
            keys: vec![0; slots],
            at: vec![END; slots],
            len: 0,
        };
        for (k, a) in old.keys.into_iter().zip(old.at) {
            if a != END {
                self.insert(k, a);
            }
        }
    }

    /// Sets the key's entry; the one it had.
    fn insert(&mut self, key: u64, at: u32) -> Option<u32> {
        // Grown at seven eighths full.
        if full(self.len, self.keys.len()) {
            self.grow((self.keys.len() * 2).max(1024));
        }
        let i = self.slot(key);
        let before = self.at[i];
        self.keys[i] = key;
        self.at[i] = at;
        if before == END {
            self.len += 1;
            None
        } else {
            Some(before)
        }
    }
}

/// Entries chained by key.
#[derive(Default)]
struct Chains {
    head: Heads,
    /// In blocks of [`BLOCK`] entries: a block is never moved, so growing
    /// never holds the old entries and a copy twice their size at once
    /// (as a vector's doubling does, with an allocator that copies).
    blocks: Vec<Vec<Entry>>,
    len: u32,
}

const END: u32 = u32::MAX;

/// Entries a block of [`Chains`] holds (1 MiB).
const BLOCK: usize = 1 << 16;

impl Chains {
    fn push(&mut self, key: u64, hash: u64, line: u64) {
        let at = self.len;
        let next = self.head.insert(key, at).unwrap_or(END);
        if self.blocks.last().is_none_or(|b| b.len() == BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        if let Some(b) = self.blocks.last_mut() {
            b.push(Entry {
                hash,
                line: u32::try_from(line).unwrap_or(u32::MAX),
                next,
            });
        }
        self.len += 1;
    }

    fn get(&self, at: u32) -> Option<&Entry> {
        let at = at as usize;
        self.blocks.get(at / BLOCK)?.get(at % BLOCK)
    }

    fn each(&self, key: u64) -> impl Iterator<Item = &Entry> {
        let mut at = self.head.get(key).unwrap_or(END);
        std::iter::from_fn(move || {
            let e = self.get(at)?;
            at = e.next;
            Some(e)
        })
    }
}

/// A knowledge `K` with the batch's earlier rows over it, in about 70
/// bytes a row: hashes and line numbers, no text.
pub struct Batch<K> {
    inner: K,
    /// Sender identifiers (phone, e-mail, address) of earlier rows.
    senders: Keys,
    /// Per recipient identifier: the earlier rows' senders.
    to: Chains,
    /// Per recipient address: the earlier rows' recipient names.
    names: Chains,
    /// Values on the warning list (placeholders, hubs): never remembered,
    /// so twenty parcels to "poste restante" are no cluster.
    stoplist: Hashes,
    /// The warning list's addresses, each of which makes an address that
    /// holds its words a placeholder too ([`warnlist::holds`]).
    ///
    /// [`warnlist::holds`]: crate::store::warnlist::holds
    stop_addresses: Vec<String>,
    /// Each tracking number of the batch, with the line it first came on
    /// (a manifest listing one parcel twice is said, both lines).
    trackings: Heads,
    /// Whether room was made for the keys the rest of the batch will
    /// bring ([`Batch::ahead`]: sized from the first rows' rate, so a
    /// file whose later rows repeat more than its first may get up to one
    /// doubling more room than it fills).
    sized: bool,
    /// Each remembered line's date (posted, else seized) as [`day`]
    /// numbers, 0 for none: what a window of days reads of the batch's
    /// rows (two bytes a line).
    dates: Vec<u16>,
}

/// A date (`YYYY-MM-DD`, at the start of the text) as a day number from
/// 2000-01-01, counted from 1 (0: none, or outside 2000-2178).
fn day(text: &str) -> u16 {
    let Some(d) = text
        .get(..10)
        .and_then(|t| t.parse::<jiff::civil::Date>().ok())
    else {
        return 0;
    };
    let from = jiff::civil::date(2000, 1, 1);
    // (A date's difference is in days.)
    u16::try_from(i64::from((d - from).get_days()) + 1).unwrap_or(0)
}

/// A knowledge told how far a batch is (see [`Batch::ahead`]).
/// The roles of a row's identifiers the batch remembers, by the tables
/// they go in: the senders seen; the recipients (their senders); and the
/// recipients' addresses, also with the names sent to them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Sender,
    Recipient,
    RecipientAddress,
}

impl Role {
    fn of(role: &str) -> Option<Role> {
        match role {
            "sender_phone" | "sender_email" | "sender_address" => Some(Role::Sender),
            "recipient_phone" | "recipient_email" => Some(Role::Recipient),
            "recipient_address" => Some(Role::RecipientAddress),
            _ => None,
        }
    }
}

/// What can bring a row's lookups into the cache ahead of them
/// ([`Batch::expect`]).
pub trait Expect {
    fn expect(&mut self, ids: &[Identifier]);
}

pub trait Ahead {
    fn ahead(&mut self, done: u64, all: u64);
}

impl<K: Knowledge> Batch<K> {
    pub fn new(inner: K) -> Batch<K> {
        Batch {
            inner,
            senders: Keys::default(),
            to: Chains::default(),
            names: Chains::default(),
            stoplist: Hashes::default(),
            stop_addresses: Vec::new(),
            trackings: Heads::default(),
            sized: false,
            dates: Vec::new(),
        }
    }

    /// Leaves these values (kind, value as the index holds it) out of what
    /// is remembered: the notebook's warning list.
    pub fn without<'a>(mut self, values: impl IntoIterator<Item = (IdentKind, &'a str)>) -> Self {
        let values: Vec<(IdentKind, &str)> = values.into_iter().collect();
        self.stoplist = values.iter().map(|(k, v)| key(*k, v)).collect();
        self.stop_addresses = values
            .iter()
            .filter(|(k, _)| *k == IdentKind::Address)
            .map(|(_, v)| v.to_string())
            .collect();
        self
    }

    /// Whether a value is on the warning list, an address by the words
    /// of one listed.
    fn stopped(&self, i: &Identifier) -> bool {
        crate::store::warnlist::held_by(
            i.kind,
            &i.value,
            self.stoplist.contains(&key(i.kind, &i.value)),
            self.stop_addresses.iter().map(String::as_str),
        )
    }

    /// Starts bringing what questions about this row will look at into
    /// the processor's cache (the notebook's filters, and the slots of
    /// the earlier rows' tables its identifiers fall in), and returns at
    /// once: a screen says it a row ahead.
    pub fn expect(&mut self, ids: &[Identifier])
    where
        K: Expect,
    {
        self.inner.expect(ids);
        for i in ids.iter().filter(|i| i.kind.is_exact()) {
            let k = key(i.kind, &i.value);
            match Role::of(i.role) {
                Some(Role::Sender) => self.senders.touch(k),
                Some(Role::Recipient) => self.to.head.touch(k),
                Some(Role::RecipientAddress) => {
                    self.to.head.touch(k);
                    self.names.head.touch(k);
                }
                None => {}
            }
        }
    }

    /// Remembers a row of the batch (after it was scored), by its line,
    /// with its identifiers.
    pub fn remember(&mut self, p: &Parcel, ids: &[Identifier], line: u64) {
        let sender = key_hash(sender_key(ids));
        if let Some(d) = p.posted_on.as_deref().or(p.seized_on.as_deref()).map(day)
            && d > 0
            && let Ok(at) = usize::try_from(line)
            && at < u32::MAX as usize
        {
            if self.dates.len() <= at {
                self.dates.resize(at + 1, 0);
            }
            self.dates[at] = d;
        }
        // (Exact values only: the sound keys share their roles.)
        for i in ids
            .iter()
            .filter(|i| i.kind.is_exact() && !self.stopped(i))
            .collect::<Vec<_>>()
        {
            let Some(role) = Role::of(i.role) else {
                continue;
            };
            match role {
                Role::Sender => self.senders.insert(key(i.kind, &i.value)),
                Role::Recipient | Role::RecipientAddress => {
                    self.to.push(key(i.kind, &i.value), sender, line);
                    if role == Role::RecipientAddress
                        && let Some(n) = p.recipient_name.as_deref()
                    {
                        // (The name's key as the identifiers hold it, when
                        // they do: worked out again it was a tenth of this.)
                        let held = ids
                            .iter()
                            .find(|i| i.kind == IdentKind::Name && i.role == "recipient_name");
                        let name = match held {
                            Some(i) => key_hash(&i.value),
                            None => key_hash(&crate::domain::text::name_key(n)),
                        };
                        self.names.push(key(i.kind, &i.value), name, line);
                    }
                }
            }
        }
    }

    /// The line an earlier row of the batch with this row's tracking
    /// number came on, if one did; else this row's line is kept as its
    /// number's first.
    pub fn first_line_of(&mut self, ids: &[Identifier], line: u64) -> Option<u64> {
        let t = ids
            .iter()
            .find(|i| i.kind == IdentKind::Tracking && i.role == "tracking")?;
        let k = key(t.kind, &t.value);
        match self.trackings.get(k) {
            Some(first) => Some(u64::from(first)),
            None => {
                // (Lines past four thousand million kept as the last
                // one: no file has them.)
                self.trackings
                    .insert(k, u32::try_from(line).unwrap_or(END - 1));
                None
            }
        }
    }

    /// How far the batch is: `done` of about `all` rows. The first time,
    /// room is made for the keys the rest will bring (at the rate so far),
    /// so that the tables are not grown, and copied, a dozen times over,
    /// the last time near the end (old and new held at once: the peak).
    pub fn ahead(&mut self, done: u64, all: u64)
    where
        K: Ahead,
    {
        if !self.sized && done > 0 {
            self.sized = true;
            // What each holds after `done` rows, grown to `all` rows.
            let at_end = |now: usize| (now as f64 * all.max(done) as f64 / done as f64) as usize;
            self.senders.reserve(at_end(self.senders.len));
            self.to.head.reserve(at_end(self.to.head.len));
            self.names.head.reserve(at_end(self.names.head.len));
            self.trackings.reserve(at_end(self.trackings.len));
        }
        self.inner.ahead(done, all);
    }

    pub fn inner(&mut self) -> &mut K {
        &mut self.inner
    }
}

impl<K: Knowledge> Knowledge for Batch<K> {
    fn watched(&mut self, kind: IdentKind, value: &str) -> Result<Vec<Watched>> {
        self.inner.watched(kind, value)
    }
    fn seized_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<Option<Seen>> {
        self.inner.seized_with(kind, value, except)
    }
    fn open_case_with(
        &mut self,
        kind: IdentKind,
        value: &str,
        except: Uuid,
    ) -> Result<Option<InCase>> {
        self.inner.open_case_with(kind, value, except)
    }
    fn suspects(&mut self, name_sound: &str) -> Result<Vec<Suspect>> {
        self.inner.suspects(name_sound)
    }
    fn others_with(&mut self, kind: IdentKind, value: &str, except: Uuid) -> Result<usize> {
        let here = usize::from(self.senders.contains(key(kind, value)));
        Ok(here + self.inner.others_with(kind, value, except)?)
    }
    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
        need: usize,
    ) -> Result<Vec<Other>> {
        // The batch's rows in the window by their own dates (a row with
        // none is of now); the notebook's by theirs.
        let from = day(since);
        let dates = &self.dates;
        let here: Vec<Other> = self
            .to
            .each(key(kind, value))
            .filter(|e| {
                let d = dates.get(e.line as usize).copied().unwrap_or(0);
                d == 0 || from == 0 || d >= from
            })
            .map(|e| Other {
                key: e.hash,
                label: Label::Line(e.line),
            })
            .collect();
        // The notebook need only make up what the batch's rows do not.
        let need = need.saturating_sub(here.len());
        let mut out = self.inner.senders_to(kind, value, since, except, need)?;
        out.extend(here);
        Ok(out)
    }
    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<Other>> {
        let mut out = self.inner.names_at(address, except)?;
        out.extend(
            self.names
                .each(key(IdentKind::Address, address))
                .map(|e| Other {
                    key: e.hash,
                    label: Label::Line(e.line),
                }),
        );
        Ok(out)
    }
    fn substance_terms(&mut self) -> Result<std::sync::Arc<super::terms::Terms>> {
        self.inner.substance_terms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_run_newest_first_across_blocks() {
        let mut c = Chains::default();
        let n = BLOCK as u64 * 2 + 10;
        for line in 0..n {
            c.push(line % 3, line * 7, line);
        }
        for key in 0..3 {
            let lines: Vec<u32> = c.each(key).map(|e| e.line).collect();
            let want: Vec<u32> = (0..n)
                .rev()
                .filter(|l| l % 3 == key)
                .map(|l| l as u32)
                .collect();
            assert_eq!(lines, want, "key {key}");
            assert!(c.each(key).all(|e| e.hash == u64::from(e.line) * 7));
        }
        assert_eq!(c.each(99).count(), 0);
    }

    #[test]
    fn keys_hold_every_key_through_growth_and_reserving() {
        let mut k = Keys::default();
        assert!(!k.contains(5));
        let mut x = 0x9876_5432_u64;
        let mut all = Vec::new();
        for i in 0..30_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Zero, repeats and neighbours of one home slot among them.
            let key = match i % 5 {
                0 => 0,
                1 => x % 100,
                _ => x,
            };
            k.insert(key);
            all.push(key);
            if i == 10_000 {
                k.reserve(40_000);
            }
        }
        for key in &all {
            assert!(k.contains(*key), "{key}");
            k.touch(*key);
        }
        let distinct: std::collections::HashSet<u64> = all.iter().map(|k| (*k).max(1)).collect();
        assert_eq!(k.len, distinct.len());
        assert!(!k.contains(u64::MAX - 3));
    }

    #[test]
    fn heads_keep_the_newest_entry_of_every_key_through_growth() {
        let mut h = Heads::default();
        let mut m = std::collections::HashMap::new();
        let mut x = 0x1234_5678_u64;
        for i in 0..50_000u32 {
            // Keys that repeat, and a key of 0.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = if i % 7 == 0 { 0 } else { x % 20_000 };
            assert_eq!(h.insert(key, i), m.insert(key, i), "key {key}");
        }
        assert_eq!(h.len, m.len());
        for (k, v) in &m {
            assert_eq!(h.get(*k), Some(*v));
        }
        assert_eq!(h.get(u64::MAX), None);
    }

    /// Room made mid-way keeps every entry, and the keys reserved for come
    /// in without the table growing again.
    #[test]
    fn heads_reserved_for_hold_their_keys_without_growing() {
        let mut h = Heads::default();
        for k in 0..1000u64 {
            h.insert(k * 7919, k as u32);
        }
        h.reserve(100_000);
        let slots = h.keys.len();
        assert!(slots * 7 >= 100_000 * 8, "{slots}");
        for k in 1000..100_000u64 {
            h.insert(k * 7919, k as u32);
        }
        assert_eq!(h.keys.len(), slots, "not grown");
        assert_eq!(h.len, 100_000);
        for k in 0..100_000u64 {
            assert_eq!(h.get(k * 7919), Some(k as u32));
        }
        // Reserving for fewer than it holds changes nothing.
        h.reserve(10);
        assert_eq!(h.keys.len(), slots);
    }
}
