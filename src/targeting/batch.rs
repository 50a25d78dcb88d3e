//! Knowledge of a batch of parcels screened together (a manifest), over
//! what the notebook knows: parcels earlier in the batch count as the
//! notebook's do for the indicators that look at other parcels (the first
//! parcel from a sender, several senders to one recipient, several names
//! at one address), so twenty parcels to one flat in tomorrow's manifest
//! are seen before any of them is opened. Kept compact: identifiers as
//! 64-bit hashes, names and sender keys once each.

use super::score::{InCase, Knowledge, Seen, Suspect, Watched, sender_key};
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

/// A knowledge `K` with the batch's earlier rows over it.
pub struct Batch<K> {
    inner: K,
    /// Sender identifiers (phone, e-mail, address) of earlier rows.
    senders: HashSet<u64>,
    /// Per recipient identifier: the earlier rows' sender keys and lines.
    to: HashMap<u64, Vec<(u32, u64)>>,
    /// Per recipient address: the earlier rows' recipient names.
    names: HashMap<u64, Vec<u32>>,
    /// Sender keys and names, each kept once (indexes above point here).
    strings: Vec<Box<str>>,
    interned: HashMap<Box<str>, u32>,
}

impl<K: Knowledge> Batch<K> {
    pub fn new(inner: K) -> Batch<K> {
        Batch {
            inner,
            senders: HashSet::new(),
            to: HashMap::new(),
            names: HashMap::new(),
            strings: Vec::new(),
            interned: HashMap::new(),
        }
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.interned.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.into());
        self.interned.insert(s.into(), i);
        i
    }

    /// Remembers a row of the batch (after it was scored), by its line,
    /// with its identifiers.
    pub fn remember(&mut self, p: &Parcel, ids: &[Identifier], line: u64) {
        let sender = sender_key(ids);
        let s = self.intern(&sender);
        for i in ids {
            match i.role {
                "sender_phone" | "sender_email" | "sender_address" => {
                    self.senders.insert(key(i.kind, &i.value));
                }
                "recipient_phone" | "recipient_email" | "recipient_address" => {
                    self.to
                        .entry(key(i.kind, &i.value))
                        .or_default()
                        .push((s, line));
                    if i.role == "recipient_address"
                        && let Some(n) = p.recipient_name.as_deref()
                    {
                        let n = self.intern(&crate::domain::text::name_key(n));
                        self.names.entry(key(i.kind, &i.value)).or_default().push(n);
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
    ) -> Result<Vec<(String, String)>> {
        let mut out = self.inner.senders_to(kind, value, since, except)?;
        if let Some(rows) = self.to.get(&key(kind, value)) {
            for (s, line) in rows {
                out.push((
                    self.strings[*s as usize].to_string(),
                    format!("line {line}"),
                ));
            }
        }
        Ok(out)
    }
    fn names_at(&mut self, address: &str, except: Uuid) -> Result<Vec<String>> {
        let mut out = self.inner.names_at(address, except)?;
        if let Some(names) = self.names.get(&key(IdentKind::Address, address)) {
            out.extend(names.iter().map(|n| self.strings[*n as usize].to_string()));
        }
        Ok(out)
    }
    fn substance_terms(&mut self) -> Result<std::sync::Arc<Vec<(String, String)>>> {
        self.inner.substance_terms()
    }
}
