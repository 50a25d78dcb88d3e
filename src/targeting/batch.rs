//! Knowledge of a batch of parcels screened together (a manifest), over
//! what the notebook knows: parcels earlier in the batch count as the
//! notebook's do for the indicators that look at other parcels (the first
//! parcel from a sender, several senders to one recipient, several names
//! at one address), so twenty parcels to one flat in tomorrow's manifest
//! are seen before any of them is opened. Kept compact: identifiers,
//! senders and names as 64-bit hashes, earlier rows by their line.

use super::score::{InCase, Knowledge, Other, Seen, Suspect, Watched, key_hash, sender_key};
use crate::domain::Parcel;
use crate::domain::identifiers::{IdentKind, Identifier};
use crate::store::Result;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use uuid::Uuid;

fn key(kind: IdentKind, value: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    kind.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// One earlier row's entry under a key: a hash (of its sender's key, or
/// of its recipient's name), its line, and the entry before it under the
/// same key (a chain through one vector: no allocation per key).
struct Entry {
    hash: u64,
    line: u32,
    next: u32,
}

/// Entries chained by key.
#[derive(Default)]
struct Chains {
    head: HashMap<u64, u32>,
    entries: Vec<Entry>,
}

const END: u32 = u32::MAX;

impl Chains {
    fn push(&mut self, key: u64, hash: u64, line: u64) {
        let at = self.entries.len() as u32;
        let next = self.head.insert(key, at).unwrap_or(END);
        self.entries.push(Entry {
            hash,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            next,
        });
    }

    fn each(&self, key: u64) -> impl Iterator<Item = &Entry> {
        let mut at = self.head.get(&key).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            let e = self.entries.get(at as usize)?;
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
    senders: HashSet<u64>,
    /// Per recipient identifier: the earlier rows' senders.
    to: Chains,
    /// Per recipient address: the earlier rows' recipient names.
    names: Chains,
    /// Values on the warning list (placeholders, hubs): never remembered,
    /// so twenty parcels to "poste restante" are no cluster.
    stoplist: HashSet<u64>,
}

impl<K: Knowledge> Batch<K> {
    pub fn new(inner: K) -> Batch<K> {
        Batch {
            inner,
            senders: HashSet::new(),
            to: Chains::default(),
            names: Chains::default(),
            stoplist: HashSet::new(),
        }
    }

    /// Leaves these values (kind, value as the index holds it) out of what
    /// is remembered: the notebook's warning list.
    pub fn without<'a>(mut self, values: impl IntoIterator<Item = (IdentKind, &'a str)>) -> Self {
        self.stoplist = values.into_iter().map(|(k, v)| key(k, v)).collect();
        self
    }

    /// Remembers a row of the batch (after it was scored), by its line,
    /// with its identifiers.
    pub fn remember(&mut self, p: &Parcel, ids: &[Identifier], line: u64) {
        let sender = key_hash(&sender_key(ids));
        // (Exact values only: the sound keys share their roles.)
        for i in ids
            .iter()
            .filter(|i| i.kind.is_exact() && !self.stoplist.contains(&key(i.kind, &i.value)))
        {
            match i.role {
                "sender_phone" | "sender_email" | "sender_address" => {
                    self.senders.insert(key(i.kind, &i.value));
                }
                "recipient_phone" | "recipient_email" | "recipient_address" => {
                    self.to.push(key(i.kind, &i.value), sender, line);
                    if i.role == "recipient_address"
                        && let Some(n) = p.recipient_name.as_deref()
                    {
                        let name = key_hash(&crate::domain::text::name_key(n));
                        self.names.push(key(i.kind, &i.value), name, line);
                    }
                }
                _ => {}
            }
        }
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
        let here = usize::from(self.senders.contains(&key(kind, value)));
        Ok(here + self.inner.others_with(kind, value, except)?)
    }
    fn senders_to(
        &mut self,
        kind: IdentKind,
        value: &str,
        since: &str,
        except: Uuid,
    ) -> Result<Vec<Other>> {
        let mut out = self.inner.senders_to(kind, value, since, except)?;
        out.extend(self.to.each(key(kind, value)).map(|e| Other {
            key: e.hash,
            label: format!("line {}", e.line),
        }));
        Ok(out)
    }
    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<Other>> {
        let mut out = self.inner.names_at(address, except)?;
        out.extend(
            self.names
                .each(key(IdentKind::Address, address))
                .map(|e| Other {
                    key: e.hash,
                    label: format!("line {}", e.line),
                }),
        );
        Ok(out)
    }
    fn substance_terms(&mut self) -> Result<std::sync::Arc<super::terms::Terms>> {
        self.inner.substance_terms()
    }
}
