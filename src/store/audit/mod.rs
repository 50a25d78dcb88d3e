//! The audit log: append-only and hash-chained. Each entry's hash covers
//! the previous entry's hash and every field of the entry, so altering,
//! deleting or reordering any entry breaks the chain from there on.
//!
//! An entry about a record holds what the record's state became, not a
//! copy of it: the SHA-256 of the record's canonical JSON (`state`; for a
//! case also of its JSON less the file-local reference, `version`, which
//! merges compare), and for a change the fields it changed, old and new
//! (`detail`). A deletion keeps the deleted record whole in `detail`, so
//! nothing deleted is lost. Any record's earlier states can be rebuilt
//! from its current row by undoing the changes in turn, and each rebuilt
//! state is proven by its hash. Entries about other things (a merge, an
//! import, a warning-list entry, a match decision) describe them in
//! `detail`.

pub mod anchor;
pub mod chain;
pub mod legacy;
pub mod names;
pub use names::MERGED_FIELDS;
pub mod seal;

use super::Writer;
use super::error::Result;
use crate::domain::ItemKind;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The previous hash of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// Written before every entry's fields in its hash, so that an entry of
/// this format never hashes like one of the format before it.
const HASH_TAG: &[u8] = b"interdict-audit-4";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub item_kind: String,
    pub item_id: Uuid,
    /// SHA-256 (hex) of the record's canonical JSON after this entry;
    /// none when the entry deleted the record or is not about a record.
    pub state: Option<String>,
    /// SHA-256 (hex) of a case's JSON less its file-local reference.
    pub version: Option<String>,
    /// The fields changed (`{"field": [old, new]}`), the deleted record, or
    /// the description of an entry about something else.
    pub detail: Option<String>,
    pub hash: String,
    /// The database whose log holds the entry, when it is not this one's:
    /// a history that came with a merged or exported record (`seq` is
    /// then that log's number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_db: Option<Uuid>,
}

/// What an entry records, derived from a record's JSON before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub state: Option<Vec<u8>>,
    pub version: Option<[u8; 32]>,
    pub detail: Option<String>,
}

/// SHA-256 of a record's canonical JSON (`records::to_json`).
pub fn state_hash(json: &str) -> [u8; 32] {
    Sha256::digest(json.as_bytes()).into()
}

/// The length of an entry's hash, and of the hash at the start of a
/// state written before schema 16.
pub const HASH_LEN: usize = 32;

/// How many bytes of its SHA-256 a state written from schema 16 on keeps
/// (a change made outside interdict that kept them would take 2^128
/// tries).
pub const STATE_HASH_LEN: usize = 16;

/// One byte from a column's name and value (FNV-1a), to tell which
/// columns of a record differ from its audited state.
fn fingerprint(column: &str, value: &Value) -> u8 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(column.as_bytes());
    eat(&[0]);
    match value {
        Value::Null => eat(b"null"),
        Value::String(s) => eat(s.as_bytes()),
        other => eat(other.to_string().as_bytes()),
    }
    (h ^ (h >> 32) ^ (h >> 16) ^ (h >> 8)) as u8
}

/// A record's state as the audit keeps it: the first [`STATE_HASH_LEN`]
/// bytes of the SHA-256 of its canonical JSON, then one fingerprint byte
/// per column of its kind (in column order), which name the columns a
/// change made outside interdict touched. States written before schema
/// 16 hold the whole hash, and are read as such (see
/// [`differing_columns`]).
pub fn state_of(kind: ItemKind, json: &str) -> Vec<u8> {
    let map: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
    state_of_map(kind, &map, json)
}

/// [`state_of`] from the record's fields as a map (nulls may be present or
/// left out) and its canonical JSON, without reading the JSON again.
pub fn state_of_map(kind: ItemKind, map: &Map<String, Value>, json: &str) -> Vec<u8> {
    let cols = super::records::kind_columns(kind);
    let mut out = Vec::with_capacity(STATE_HASH_LEN + cols.len());
    out.extend_from_slice(&state_hash(json)[..STATE_HASH_LEN]);
    for col in cols {
        out.push(fingerprint(col, map.get(*col).unwrap_or(&Value::Null)));
    }
    out
}

/// Whether a record's JSON is the state `stored` proves (a state of
/// either form: both begin with the hash's first bytes).
pub fn same_state(stored: &[u8], json: &str) -> bool {
    stored.len() >= STATE_HASH_LEN && state_hash(json).starts_with(&stored[..STATE_HASH_LEN])
}

/// Where the fingerprints of a stored state of `kind` begin: after 16
/// bytes of hash in a state of schema 16's form, which is 16 bytes longer
/// than the kind's columns; after 32 in one of the form before (32 bytes
/// longer than the kind's columns were then). The two meet only for a
/// kind given exactly 16 columns more since a state of the old form was
/// written: `the_two_state_forms_stay_apart` holds each kind's count.
fn fingerprints_at(kind: ItemKind, stored: &[u8]) -> usize {
    if stored.len() == STATE_HASH_LEN + super::records::kind_columns(kind).len() {
        STATE_HASH_LEN
    } else {
        HASH_LEN
    }
}

/// The columns of a record (as JSON) whose fingerprints differ from the
/// audited state `stored`: where a change made outside interdict lies.
pub fn differing_columns(kind: ItemKind, stored: &[u8], json: &str) -> Vec<&'static str> {
    let now = state_of(kind, json);
    let at = fingerprints_at(kind, stored);
    super::records::kind_columns(kind)
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| stored.get(at + i) != now.get(STATE_HASH_LEN + i))
        .map(|(_, c)| c)
        .collect()
}

/// The part of a record two files compare on merge: its JSON less what is
/// local to one file (a case's reference). `None` when it is the whole.
pub fn version_value(kind: ItemKind, json: &str) -> Option<Value> {
    if kind != ItemKind::Case {
        return None;
    }
    let mut v: Value = serde_json::from_str(json).ok()?;
    v.as_object_mut()?.remove("ref");
    Some(v)
}

/// The hash of a record's version where it is not the whole record (a
/// case's), else `None`.
fn part_version_hash(kind: ItemKind, json: &str) -> Option<[u8; 32]> {
    version_value(kind, json).map(|v| Sha256::digest(v.to_string().as_bytes()).into())
}

/// The version hash of a record's JSON: what merges compare.
pub fn version_hash(kind: ItemKind, json: &str) -> [u8; 32] {
    part_version_hash(kind, json).unwrap_or_else(|| state_hash(json))
}

/// `{"field": [old, new]}` for every field whose value differs.
pub fn diff(before: &str, after: &str) -> String {
    let parse = |s: &str| -> Map<String, Value> { serde_json::from_str(s).unwrap_or_default() };
    let (b, a) = (parse(before), parse(after));
    let mut out = Map::new();
    for k in b.keys().chain(a.keys()) {
        if out.contains_key(k) {
            continue;
        }
        let (x, y) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if x != y {
            out.insert(k.clone(), Value::Array(vec![x.clone(), y.clone()]));
        }
    }
    Value::Object(out).to_string()
}

/// The detail of a record's entry (`detail`, its changed fields as
/// `[before, after]`; `None`: none) when the write settled a conflict
/// about `fields`: each of them that the write left as it was is named
/// too, as `[value, value]` (its value in `json`, the record written). A
/// merge that meets another post's settlement of the same conflict learns
/// from the two entries which fields each post decided ([`settled_fields`]);
/// the state before the entry is rebuilt from it as from any other. The
/// other side's version it settled over, when given, is named under
/// [`SETTLED_OVER`] (a text, where each field holds a pair).
pub fn name_settled(
    detail: Option<&str>,
    json: &str,
    fields: &[String],
    over: Option<&str>,
) -> String {
    let mut out: Map<String, Value> = detail
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let now: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
    for f in fields {
        if !out.contains_key(f) {
            let v = now.get(f).cloned().unwrap_or(Value::Null);
            out.insert(f.clone(), Value::Array(vec![v.clone(), v]));
        }
    }
    if let Some(over) = over {
        out.insert(SETTLED_OVER.into(), Value::String(over.into()));
    }
    Value::Object(out).to_string()
}

/// The key under which a settlement's detail names the other side's
/// version it settled over ([`name_settled`]; a conflict kept over a
/// deletion names the deletion's key there too). No record has a field
/// of that name.
pub const SETTLED_OVER: &str = "over";

/// The other side's version (its version key, in hex) an entry's detail
/// says it settled over, when it says ([`name_settled`]).
pub fn settled_over(detail: Option<&str>) -> Option<String> {
    let map: Map<String, Value> = serde_json::from_str(detail?).ok()?;
    map.get(SETTLED_OVER)?.as_str().map(str::to_string)
}

/// The fields a record's entry of `action` decided as the settlement of
/// a conflict: `None` when the entry settled none (any action but a
/// `resolve-*` that wrote the record); of a settlement, the fields its
/// detail names ([`name_settled`]), or every field (`Some` of an empty
/// set) when it names none (a field kept as it was went unnamed until
/// 2026-12-07).
pub fn settled_fields(
    action: &str,
    detail: Option<&str>,
) -> Option<std::collections::BTreeSet<String>> {
    if !action.starts_with("resolve") {
        return None;
    }
    let map: Map<String, Value> = detail
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    Some(
        map.into_iter()
            .filter(|(k, v)| v.is_array() && !crate::domain::Meta::COLUMNS.contains(&k.as_str()))
            .map(|(k, _)| k)
            .collect(),
    )
}

/// What an entry about `kind` records when the item went from `before` to
/// `after` (JSON; `None` for not there). For records: the state after,
/// and the fields changed, or the whole record when deleted. For anything
/// else: its description (`after`, or `before` when it was removed).
pub fn shape(kind: &str, before: Option<&str>, after: Option<&str>) -> Shape {
    let Ok(k) = kind.parse::<ItemKind>() else {
        return Shape {
            state: None,
            version: None,
            detail: after.or(before).map(str::to_string),
        };
    };
    match after {
        Some(a) => Shape {
            state: Some(state_of(k, a)),
            version: part_version_hash(k, a),
            detail: before.map(|b| diff(b, a)),
        },
        None => Shape {
            state: None,
            version: None,
            detail: before.map(str::to_string),
        },
    }
}

impl Entry {
    /// What the entry changed, for people: `title: "A" -> "B"; ...`.
    pub fn changes(&self) -> String {
        let Some(detail) = self.detail.as_deref() else {
            return String::new();
        };
        let Ok(map) = serde_json::from_str::<Map<String, Value>>(detail) else {
            return String::new();
        };
        let is_record = self.item_kind.parse::<ItemKind>().is_ok();
        if is_record && self.state.is_none() {
            // A deletion: the detail is the record as it was.
            return String::new();
        }
        let skip = crate::domain::Meta::COLUMNS;
        let mut parts = Vec::new();
        for (k, v) in &map {
            if skip.contains(&k.as_str()) {
                continue;
            }
            match (is_record, v) {
                // (A field a settlement kept as it was: `name_settled`.)
                (true, Value::Array(pair)) if pair.len() == 2 && pair[0] == pair[1] => {
                    parts.push(format!("{k}: kept {}", pair[0]))
                }
                (true, Value::Array(pair)) if pair.len() == 2 => {
                    parts.push(format!("{k}: {} -> {}", pair[0], pair[1]))
                }
                (true, _) => {}
                (false, v) if !v.is_null() => parts.push(format!("{k}={v}")),
                (false, _) => {}
            }
        }
        parts.join("; ")
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The fields of an entry, as its hash covers them.
pub struct Fields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub item_kind: &'a str,
    pub item_id: &'a [u8],
    pub state: Option<&'a [u8]>,
    pub version: Option<&'a [u8]>,
    pub detail: Option<&'a str>,
}

/// The hash of an entry: SHA-256 over the previous entry's hash and the
/// entry's length-prefixed fields, so no two different entries can be
/// read as the same byte string.
pub fn entry_hash(prev: &[u8], f: &Fields<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut field = |b: Option<&[u8]>| match b {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    };
    field(Some(HASH_TAG));
    field(Some(prev));
    field(Some(&f.seq.to_le_bytes()));
    field(Some(f.at.as_bytes()));
    field(Some(f.actor.as_bytes()));
    field(Some(f.action.as_bytes()));
    field(Some(f.item_kind.as_bytes()));
    field(Some(f.item_id));
    field(f.state);
    field(f.version);
    field(f.detail.map(str::as_bytes));
    h.finalize().into()
}

/// The head of the chain: the last entry's sequence number and hash.
pub fn head(conn: &Connection) -> Result<Option<(i64, Vec<u8>)>> {
    chain::head(conn)
}

/// Appends an entry in the writer's transaction. `before` and `after`
/// are the item's JSON (see [`shape`]).
pub fn append(
    w: &mut Writer<'_>,
    action: &str,
    kind: &str,
    id: Uuid,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    append_shape(w, action, kind, id, &shape(kind, before, after))
}

/// The shape of the entry that creates a record, from its fields as a map
/// and its canonical JSON.
pub fn created(kind: ItemKind, map: &Map<String, Value>, json: &str) -> Shape {
    Shape {
        state: Some(state_of_map(kind, map, json)),
        version: part_version_hash(kind, json),
        detail: None,
    }
}

/// [`shape`] of a write of a record of `kind` (`after`, given as its
/// fields as a map and its canonical JSON) over `before`, without reading
/// the JSON again.
pub fn shape_of_map(
    kind: ItemKind,
    before: Option<&str>,
    map: &Map<String, Value>,
    json: &str,
) -> Shape {
    Shape {
        detail: before.map(|b| diff(b, json)),
        ..created(kind, map, json)
    }
}

/// Appends an entry whose shape is already made.
pub fn append_shape(
    w: &mut Writer<'_>,
    action: &str,
    kind: &str,
    id: Uuid,
    s: &Shape,
) -> Result<()> {
    // (The writer's name put in `writers` once for the transaction.)
    w.writers
        .keep(&w.tx, rusqlite::types::ValueRef::Text(w.actor.as_bytes()))?;
    let (seq, prev) = next_at_head(&w.tx)?;
    insert_stored(
        &w.tx,
        &prev,
        &fields(seq, &w.now, w.actor, action, kind, &id, s),
        Stored::Kept,
    )
    .map(drop)
}

/// The fields of an entry of `shape` at `seq`.
fn fields<'a>(
    seq: i64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    kind: &'a str,
    id: &'a Uuid,
    s: &'a Shape,
) -> Fields<'a> {
    Fields {
        seq,
        at,
        actor,
        action,
        item_kind: kind,
        item_id: id.as_bytes(),
        state: s.state.as_deref(),
        version: s.version.as_ref().map(|h| h.as_slice()),
        detail: s.detail.as_deref(),
    }
}

/// The number and previous hash of the entry that goes at the head of the
/// chain of `conn`.
pub(crate) fn next_at_head(conn: &Connection) -> Result<(i64, Vec<u8>)> {
    Ok(match head(conn)? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    })
}

/// Appends an entry at the head of the chain of `conn`.
pub fn append_raw(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    kind: &str,
    id: Uuid,
    s: &Shape,
) -> Result<()> {
    let (seq, prev) = next_at_head(conn)?;
    insert_entry(conn, &prev, &fields(seq, at, actor, action, kind, &id, s)).map(drop)
}

/// Writes the entry `f` after the entry whose hash is `prev`; returns its
/// hash. Its time, action and kind are stored as `stamp` and `names` keep
/// them (schema 15 on).
pub fn insert_entry(conn: &Connection, prev: &[u8], f: &Fields<'_>) -> Result<[u8; 32]> {
    insert_stored(conn, prev, f, Stored::Coded)
}

/// How [`insert_stored`] stores an entry.
#[derive(Clone, Copy, PartialEq)]
enum Stored {
    /// As schema 15 on: time, action and kind as numbers, the actor as
    /// its key in `writers` (put there first).
    Coded,
    /// The same, its actor in `writers` already.
    Kept,
    /// As text, for the log of an upgrade before schema 15.
    Text,
}

/// [`insert_entry`] into the log of an upgrade before schema 15, whose
/// columns are text (a number there would be kept as its digits).
pub(crate) fn insert_entry_as_text(
    conn: &Connection,
    prev: &[u8],
    f: &Fields<'_>,
) -> Result<[u8; 32]> {
    insert_stored(conn, prev, f, Stored::Text)
}

fn insert_stored(conn: &Connection, prev: &[u8], f: &Fields<'_>, how: Stored) -> Result<[u8; 32]> {
    let coded = how != Stored::Text;
    use rusqlite::types::Value as Sql;
    let (at, action, kind) = if coded {
        (
            super::stamp::encode(f.at),
            names::Name::Action.encode(f.action),
            names::Name::Kind.encode(f.item_kind),
        )
    } else {
        (
            Sql::Text(f.at.to_string()),
            Sql::Text(f.action.to_string()),
            Sql::Text(f.item_kind.to_string()),
        )
    };
    let hash = entry_hash(prev, f);
    // A log of schema 16 on keeps a tag of most entries' hashes and the
    // head's apart (`chain`); the logs before it kept every hash whole.
    let stored: &[u8] = if coded {
        chain::kept(f.seq, &hash)
    } else {
        &hash
    };
    // (Its actor stored as its key in `writers`, from schema 23 on; the
    // logs of an upgrade before 15 keep it as text, as they did.)
    let sql = if coded {
        if how == Stored::Coded {
            super::writers::keep(conn, rusqlite::types::ValueRef::Text(f.actor.as_bytes()))?;
        }
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "INSERT INTO audit (seq, at, actor, action, item_kind, item_id, state, version, detail, hash)
                 VALUES (?1, ?2, {}, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                super::writers::written("?3")
            )
        });
        SQL.as_str()
    } else {
        "INSERT INTO audit (seq, at, actor, action, item_kind, item_id, state, version, detail, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    };
    conn.prepare_cached(sql)?.execute(rusqlite::params![
        f.seq, at, f.actor, action, kind, f.item_id, f.state, f.version, f.detail, stored
    ])?;
    if coded {
        chain::set_head(conn, f.seq, &hash)?;
    }
    Ok(hash)
}

/// The condition that finds the entries of the item whose id is `id` (an
/// SQL expression) by the log's index by item, `audit_item`, which holds
/// the last 4 bytes of each entry's 16-byte item id (schema 17; random in
/// every id interdict makes): `col` is the entries' `item_id` column. An
/// entry's item id compared any other way reads the whole log.
pub fn sql_of_item(col: &str, id: &str) -> String {
    format!("substr({col}, 13, 4) = substr({id}, 13, 4) AND {col} = {id}")
}

/// The columns of `received_audit`, in order.
pub const RECEIVED_COLUMNS: &str = "source_db, seq, at, actor, action, item_kind, item_id, state, version, detail, prev_hash, hash";

/// Where `actor` stands in [`RECEIVED_COLUMNS`] (from 0).
const RECEIVED_ACTOR: usize = 3;

/// An audit log's `actor` as reads give it: the writer's name for its key
/// (`writers`, schema 23 on), or the column as it stands where it holds
/// the name. (The text of `writers::read("actor")`, for the constants.)
macro_rules! actor_read {
    () => {
        "coalesce((SELECT w.name FROM writers w WHERE w.k = actor), actor) AS actor"
    };
}

/// [`RECEIVED_COLUMNS`] as a `SELECT` reads them (the actor its name).
pub const RECEIVED_READ: &str = concat!(
    "source_db, seq, at, ",
    actor_read!(),
    ", action, item_kind, item_id, state, version, detail, prev_hash, hash"
);

/// An entry of this file's log, a row of `ENTRY_COLUMNS` as stored, as
/// another file receives it: the values of `RECEIVED_COLUMNS`, with
/// `source_db` first and the hash of the entry before it and its own (as
/// [`chain::walk_from`] works them out; its own as [`chain::handed_on`]
/// hands it on).
pub fn as_received<'r>(
    source_db: &'r Uuid,
    r: &'r rusqlite::Row<'_>,
    prev: &[u8],
    hash: &[u8; 32],
) -> rusqlite::Result<Vec<rusqlite::types::ToSqlOutput<'r>>> {
    use rusqlite::types::{ToSqlOutput, Value as Sql};
    let mut out = Vec::with_capacity(12);
    out.push(ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Blob(
        source_db.as_bytes(),
    )));
    for i in 0..9 {
        out.push(ToSqlOutput::Borrowed(r.get_ref(i)?));
    }
    out.push(ToSqlOutput::Owned(Sql::Blob(prev.to_vec())));
    let stored = r.get_ref(9)?.as_blob().unwrap_or_default();
    out.push(ToSqlOutput::Owned(Sql::Blob(chain::handed_on(
        stored, hash,
    ))));
    Ok(out)
}

/// [`as_received`] as values of their own, to keep past the row.
pub fn as_received_owned(
    source_db: Uuid,
    r: &rusqlite::Row<'_>,
    prev: &[u8],
    hash: &[u8; 32],
) -> rusqlite::Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as Sql;
    let mut out = Vec::with_capacity(12);
    out.push(Sql::Blob(source_db.as_bytes().to_vec()));
    for i in 0..9 {
        out.push(r.get::<_, Sql>(i)?);
    }
    out.push(Sql::Blob(prev.to_vec()));
    let stored = r.get_ref(9)?.as_blob().unwrap_or_default();
    out.push(Sql::Blob(chain::handed_on(stored, hash)));
    Ok(out)
}

/// The entries of this file's log about `id`, as another file receives
/// them ([`as_received`]), in order.
pub fn item_as_received(
    conn: &Connection,
    source_db: Uuid,
    id: Uuid,
) -> Result<Vec<Vec<rusqlite::types::Value>>> {
    let seqs: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT seq FROM audit WHERE {} ORDER BY seq",
            sql_of_item("item_id", "?1")
        ))?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        chain::walk_from(conn, seq - 1, Some(seq), |r, _, prev, hash| {
            refuse_unchained(r, hash)?;
            out.push(as_received_owned(source_db, r, prev, hash)?);
            Ok(false)
        })?;
    }
    Ok(out)
}

/// Refuses an entry of this file's own log (a row of `ENTRY_COLUMNS`)
/// whose stored hash is not the one its fields and the chain give: the
/// log was changed behind interdict's back, and an export would sign a
/// history no one can vouch for (one signed a forged creator and weight,
/// and the colleague who merged it was told the log was intact).
pub fn refuse_unchained(r: &rusqlite::Row<'_>, hash: &[u8; 32]) -> Result<()> {
    let stored = r.get_ref(9)?.as_blob().unwrap_or_default();
    if chain::agrees(stored, hash) {
        return Ok(());
    }
    let seq: i64 = r.get(0)?;
    Err(crate::store::StoreError::Refused(format!(
        "the audit log does not hold together at entry {seq} (changed behind interdict's back: `interdict audit verify` names what): an export would sign a history no one can vouch for; nothing was exported"
    )))
}

/// `INSERT OR IGNORE INTO received_audit` of one row of
/// [`RECEIVED_COLUMNS`] (an entry already there is kept).
pub fn insert_received(conn: &Connection) -> Result<InsertReceived<'_>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "INSERT OR IGNORE INTO received_audit ({RECEIVED_COLUMNS}) VALUES ({})",
            (1..=12)
                .map(|i| {
                    if i == RECEIVED_ACTOR + 1 {
                        super::writers::written(&format!("?{i}"))
                    } else {
                        format!("?{i}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let stmt = conn.prepare_cached(&SQL)?;
    Ok(InsertReceived {
        conn,
        stmt,
        kept: Default::default(),
    })
}

/// The statement [`insert_received`] prepares, which puts each entry's
/// actor in `writers` before it stores the entry with the key.
pub struct InsertReceived<'c> {
    conn: &'c Connection,
    stmt: rusqlite::CachedStatement<'c>,
    kept: super::writers::Kept,
}

impl InsertReceived<'_> {
    /// Inserts one row of [`RECEIVED_COLUMNS`]' values; 1 if it was new.
    pub fn execute<T: rusqlite::ToSql>(&mut self, values: Vec<T>) -> rusqlite::Result<usize> {
        if let Some(actor) = values.get(RECEIVED_ACTOR) {
            let out = actor.to_sql()?;
            let name = match &out {
                rusqlite::types::ToSqlOutput::Borrowed(v) => *v,
                rusqlite::types::ToSqlOutput::Owned(v) => v.into(),
                _ => rusqlite::types::ValueRef::Null,
            };
            self.kept.keep(self.conn, name)?;
        }
        self.stmt.execute(rusqlite::params_from_iter(values))
    }
}

const SELECT: &str = concat!(
    "SELECT seq, at, ",
    actor_read!(),
    ", action, item_kind, item_id, state, version, detail, hash FROM audit"
);

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let hex_of = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(r.get::<_, Option<Vec<u8>>>(i)?.map(|b| hex(&b)))
    };
    Ok(Entry {
        seq: r.get(0)?,
        at: super::stamp::get(r, 1)?,
        actor: r.get(2)?,
        action: names::Name::Action.get(r, 3)?,
        item_kind: names::Name::Kind.get(r, 4)?,
        item_id: r.get(5)?,
        state: hex_of(6)?,
        version: hex_of(7)?,
        detail: r.get(8)?,
        hash: hex_of(9)?.unwrap_or_default(),
        from_db: None,
    })
}

/// An item's history in this notebook's own log, oldest first.
pub fn history(conn: &Connection, id: Uuid) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE {} ORDER BY seq",
        sql_of_item("item_id", "?1")
    ))?;
    let rows = stmt.query_map([id], from_row)?;
    whole_hashes(conn, rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// `entries` of this notebook's log with their whole hashes, where the
/// log keeps only a tag of them (`chain`).
fn whole_hashes(conn: &Connection, mut entries: Vec<Entry>) -> Result<Vec<Entry>> {
    let short: Vec<i64> = entries
        .iter()
        .filter(|e| e.hash.len() != 2 * HASH_LEN)
        .map(|e| e.seq)
        .collect();
    let (Some(&lo), Some(&hi)) = (short.iter().min(), short.iter().max()) else {
        return Ok(entries);
    };
    let mut found = std::collections::HashMap::new();
    if hi - lo < chain::EVERY * short.len() as i64 {
        // Close together (the last entries): one walk over them.
        chain::walk_from(conn, lo - 1, Some(hi), |_, e, _, h| {
            found.insert(e.0, *h);
            Ok(true)
        })?;
    } else {
        // Far apart (one item's): each from the whole hash before it.
        for seq in short {
            if let Some(h) = chain::hash_at(conn, seq)? {
                found.insert(seq, h);
            }
        }
    }
    for e in entries.iter_mut().filter(|e| e.hash.len() != 2 * HASH_LEN) {
        if let Some(h) = found.get(&e.seq) {
            e.hash = hex(h);
        }
    }
    Ok(entries)
}

/// An item's whole history, oldest first: this notebook's own entries and
/// those that came with it from other notebooks (merges; in an export,
/// the exporting notebook's), each log in its own order and the logs
/// interleaved by time. An exported record holds its history only there.
pub fn full_history(conn: &Connection, id: Uuid) -> Result<Vec<Entry>> {
    let mut logs: Vec<std::collections::VecDeque<Entry>> = vec![history(conn, id)?.into()];
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT seq, at, ",
        actor_read!(),
        ", action, item_kind, item_id, state, version, detail, hash, source_db
           FROM received_audit WHERE item_id = ?1 ORDER BY source_db, seq"
    ))?;
    let rows = stmt.query_map([id], |r| {
        Ok(Entry {
            from_db: Some(r.get(10)?),
            ..from_row(r)?
        })
    })?;
    // This notebook's own entries that came back with a partner's file
    // (its history of what it received from here) are the own log's, shown
    // once (they were shown twice, the second time as another log's).
    let own: Option<Uuid> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'database_id'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|s| Uuid::parse_str(&s).ok());
    for e in rows {
        let e = e?;
        if e.from_db.is_some() && e.from_db == own {
            continue;
        }
        match logs.last_mut() {
            Some(log) if log.back().is_some_and(|l| l.from_db == e.from_db) => log.push_back(e),
            _ => logs.push(std::collections::VecDeque::from([e])),
        }
    }
    // Merged by time, each log's own order kept (a clock set back in one
    // log does not reorder it).
    let mut out = Vec::with_capacity(logs.iter().map(|l| l.len()).sum());
    while let Some(next) = logs
        .iter_mut()
        .filter(|l| !l.is_empty())
        .min_by(|a, b| a[0].at.cmp(&b[0].at))
    {
        out.extend(next.pop_front());
    }
    Ok(out)
}

/// For each other notebook whose log holds some of `entries` (those of
/// [`full_history`]), who exported from it ([`log_owner`]), asked once.
pub fn log_owners(
    conn: &Connection,
    entries: &[Entry],
) -> Result<std::collections::HashMap<Uuid, Option<String>>> {
    let mut owners = std::collections::HashMap::new();
    for db in entries.iter().filter_map(|e| e.from_db) {
        if let std::collections::hash_map::Entry::Vacant(v) = owners.entry(db) {
            v.insert(log_owner(conn, db)?);
        }
    }
    Ok(owners)
}

/// Who exported from the database `db`, as the files merged here (or,
/// in an export, its manifest) name them: the person whose log holds
/// entries that came from there. None for a database no file named (one
/// whose entries came on through another).
pub fn log_owner(conn: &Connection, db: Uuid) -> Result<Option<String>> {
    let merged: Option<String> = conn
        .prepare_cached(
            "SELECT exporter FROM sources WHERE source_db = ?1 AND exporter IS NOT NULL
              ORDER BY at DESC LIMIT 1",
        )?
        .query_row([db], |r| r.get(0))
        .optional()?;
    if merged.is_some() {
        return Ok(merged);
    }
    if !crate::store::is_export(conn)? {
        return Ok(None);
    }
    Ok(conn
        .query_row(
            "SELECT json_extract(manifest, '$.exporter') FROM export_manifest
              WHERE json_valid(manifest) AND json_extract(manifest, '$.source_db') = ?1 LIMIT 1",
            [db.to_string()],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// The last `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY seq DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit as i64], from_row)?;
    whole_hashes(conn, rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The last entry about an item: its action and state (none when it
/// deleted the item).
pub fn last_state(conn: &Connection, id: Uuid) -> Result<Option<(String, Option<Vec<u8>>)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT action, state FROM audit WHERE {} ORDER BY seq DESC LIMIT 1",
            sql_of_item("item_id", "?1")
        ))?
        .query_row([id], |r| Ok((names::Name::Action.get(r, 0)?, r.get(1)?)))
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Verdict {
    /// Every entry's hash recomputes and links to the one before.
    Intact { entries: i64, head: String },
    /// The first entry at which the chain fails, and how.
    Broken { seq: i64, reason: String },
}

/// An entry as `ENTRY_COLUMNS` reads it: seq, at, actor, action,
/// item_kind, item_id, state, version, detail, hash.
pub(crate) type EntryRow = (
    i64,
    String,
    String,
    String,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    Vec<u8>,
);

/// Reads an entry selected as `ENTRY_COLUMNS`.
pub(crate) fn entry_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok((
        row.get(0)?,
        super::stamp::get(row, 1)?,
        row.get(2)?,
        names::Name::Action.get(row, 3)?,
        names::Name::Kind.get(row, 4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ))
}

/// The columns of an entry, in `EntryRow`'s order.
pub(crate) const ENTRY_COLUMNS: &str = concat!(
    "seq, at, ",
    actor_read!(),
    ", action, item_kind, item_id, state, version, detail, hash"
);

/// Recomputes the whole chain, in sequence order. An upgrade entry that
/// found the chain of the format before it broken keeps saying so.
pub fn verify(conn: &Connection) -> Result<Verdict> {
    let mut stmt = conn.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_vec();
    while let Some(row) = rows.next()? {
        let (seq, at, actor, action, kind, id, state, version, detail, hash) = match entry_row(row)
        {
            Ok(c) => c,
            Err(err) => {
                let seq: i64 = row.get(0).unwrap_or(expected_seq);
                return Ok(Verdict::Broken {
                    seq,
                    reason: format!("entry cannot be read: {err}"),
                });
            }
        };
        if seq != expected_seq {
            return Ok(Verdict::Broken {
                seq,
                reason: format!("expected entry {expected_seq} next: entries are missing"),
            });
        }
        let f = Fields {
            seq,
            at: &at,
            actor: &actor,
            action: &action,
            item_kind: &kind,
            item_id: &id,
            state: state.as_deref(),
            version: version.as_deref(),
            detail: detail.as_deref(),
        };
        let computed = entry_hash(&prev, &f);
        if !chain::agrees(&hash, &computed) {
            let id = Uuid::from_slice(&id).map_or_else(|_| hex(&id), |u| u.to_string());
            return Ok(Verdict::Broken {
                seq,
                reason: format!(
                    "contents altered, or entries deleted, inserted or reordered before it ({action} {kind} {id})"
                ),
            });
        }
        if action == legacy::UPGRADE_ACTION
            && let Some(why) = detail.as_deref().and_then(legacy::broken_before)
        {
            return Ok(Verdict::Broken { seq, reason: why });
        }
        prev = computed.to_vec();
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    match chain::recorded_head(conn)? {
        None if last == 0 => {}
        None => {
            return Ok(Verdict::Broken {
                seq: last,
                reason: "the record of the log's head is missing: removed outside interdict".into(),
            });
        }
        Some((seq, hash)) if seq != last || hash != prev => {
            return Ok(Verdict::Broken {
                seq: last,
                reason: if seq > last {
                    format!(
                        "the log's head is entry {seq}, but it ends at entry {last}: newest entries were removed"
                    )
                } else if seq < last {
                    format!(
                        "the log's head is entry {seq}, but entries to {last} follow it: written outside interdict"
                    )
                } else {
                    "the last entry is not the head the log recorded: altered outside interdict"
                        .into()
                },
            });
        }
        Some(_) => {}
    }
    Ok(Verdict::Intact {
        entries: expected_seq - 1,
        head: hex(&prev),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A settlement's entry names the fields it decided, those it left
    /// as they were as `[value, value]`, and reads back as them; any
    /// other entry decided none, and an older settlement naming none
    /// decided every field.
    #[test]
    fn a_settlement_names_the_fields_it_decided() {
        let json = r#"{"title":"A","weight_g":460.0,"updated_at":"t2"}"#;
        let changed = r#"{"weight_g":[450.0,460.0],"updated_at":["t1","t2"]}"#;
        let fields = [
            "title".to_string(),
            "weight_g".to_string(),
            "note".to_string(),
        ];
        let d = name_settled(Some(changed), json, &fields, None);
        let m: Map<String, Value> = serde_json::from_str(&d).unwrap();
        assert_eq!(m["title"], serde_json::json!(["A", "A"]));
        assert_eq!(m["weight_g"], serde_json::json!([450.0, 460.0]));
        assert_eq!(m["note"], serde_json::json!([null, null]));
        let named = settled_fields("resolve-keep-local", Some(&d)).unwrap();
        assert_eq!(
            named.into_iter().collect::<Vec<_>>(),
            ["note", "title", "weight_g"]
        );
        assert_eq!(settled_fields("update", Some(&d)), None);
        assert_eq!(
            settled_fields("resolve-keep-local", Some(r#"{"updated_at":["t1","t2"]}"#)),
            Some(Default::default())
        );
        let e = Entry {
            seq: 1,
            at: "t2".into(),
            actor: "alice".into(),
            action: "resolve-keep-local".into(),
            item_kind: "case".into(),
            item_id: Uuid::nil(),
            state: Some(String::new()),
            version: None,
            detail: Some(d),
            hash: String::new(),
            from_db: None,
        };
        assert_eq!(
            e.changes(),
            r#"note: kept null; title: kept "A"; weight_g: 450.0 -> 460.0"#
        );
    }

    /// The constants' reading of `actor` is `writers::read`'s, and the
    /// received columns name the actor where the statements put it.
    #[test]
    fn the_actor_is_read_and_written_as_writers_says() {
        assert_eq!(
            actor_read!(),
            format!("{} AS actor", crate::store::writers::read("actor"))
        );
        assert_eq!(
            RECEIVED_COLUMNS.split(", ").nth(RECEIVED_ACTOR),
            Some("actor")
        );
    }
    use crate::domain::Case;
    use crate::domain::record::new_record;
    use crate::store::records;
    use crate::store::testutil::temp_store;

    #[test]
    fn a_shape_made_from_the_map_is_the_shape_made_from_the_json() {
        let (mut a, _) = new_record::<crate::domain::Parcel>(&[
            ("tracking", "RR123456785KZ"),
            ("recipient_name", "Aigerim Omarova"),
            ("weight_g", "450"),
        ])
        .unwrap();
        a.meta.id = uuid::Uuid::now_v7();
        let mut b = a.clone();
        b.recipient_name = Some("Aigerim Omarova-Sayn".into());
        let enc = records::encoded(&b).unwrap();
        let map = match serde_json::to_value(&b).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let (before, after) = (records::to_json(&a).unwrap(), enc.json().to_string());
        for was in [None, Some(before.as_str())] {
            let made = shape_of_map(ItemKind::Parcel, was, &map, &after);
            assert_eq!(made, shape("parcel", was, Some(&after)));
        }
        assert!(
            shape_of_map(ItemKind::Parcel, Some(&before), &map, &after)
                .detail
                .unwrap()
                .contains("recipient_name")
        );
    }

    pub(super) fn add_cases(s: &mut crate::store::Store, n: usize) {
        for i in 0..n {
            s.write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", &format!("case {i}"))])?;
                crate::store::create::case(w, &mut c)?;
                Ok(())
            })
            .unwrap();
        }
    }

    /// Rewrites the audit table the way someone with the sqlite3 shell could.
    pub(super) fn tamper(s: &crate::store::Store, sql: &str) {
        s.conn()
            .execute_batch(&format!(
                "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {sql}"
            ))
            .unwrap();
    }

    /// A record's whole history: its own log's entries and those received
    /// from another, merged by time, each log kept in its own order even
    /// where its clock went back.
    #[test]
    fn full_history_interleaves_logs_by_time_in_their_own_order() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 1);
        let id: Uuid = s
            .conn()
            .query_row("SELECT id FROM cases", [], |r| r.get(0))
            .unwrap();
        let own = history(s.conn(), id).unwrap();
        assert_eq!(own.len(), 1);
        let other = Uuid::now_v7();
        let mut ins = insert_received(s.conn()).unwrap();
        // Before the case was created here, and after; the third entry's
        // clock went back.
        for (seq, at) in [
            (7, "2000-01-01T00:00:00Z"),
            (8, "2999-01-01T00:00:00Z"),
            (9, "2998-01-01T00:00:00Z"),
        ] {
            ins.execute(
                rusqlite::params![
                    other,
                    seq,
                    at,
                    "elsewhere",
                    "edit",
                    "case",
                    id,
                    None::<Vec<u8>>,
                    None::<Vec<u8>>,
                    "{}",
                    vec![0u8; 32],
                    vec![seq as u8; 32],
                ]
                .to_vec(),
            )
            .unwrap();
        }
        drop(ins);
        let all = full_history(s.conn(), id).unwrap();
        let got: Vec<(i64, Option<Uuid>)> = all.iter().map(|e| (e.seq, e.from_db)).collect();
        assert_eq!(
            got,
            [
                (7, Some(other)),
                (own[0].seq, None),
                (8, Some(other)),
                (9, Some(other))
            ]
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        match verify(s.conn()).unwrap() {
            Verdict::Intact { entries, .. } => assert!(entries >= 3),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn triggers_refuse_changes() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 1);
        assert!(
            s.conn()
                .execute("UPDATE audit SET actor = 'x'", [])
                .is_err()
        );
        assert!(s.conn().execute("DELETE FROM audit", []).is_err());
    }

    fn last_seq(s: &crate::store::Store) -> i64 {
        s.conn()
            .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn altered_entry_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let seq = last_seq(&s) - 1;
        tamper(
            &s,
            &format!("UPDATE audit SET actor = 'mallory' WHERE seq = {seq}"),
        );
        assert_eq!(
            verify(s.conn()).unwrap(),
            Verdict::Broken {
                seq,
                reason: format!(
                    "contents altered, or entries deleted, inserted or reordered before it (create case {})",
                    s.conn()
                        .query_row("SELECT item_id FROM audit WHERE seq = ?1", [seq], |r| r
                            .get::<_, Uuid>(0))
                        .unwrap()
                )
            }
        );
    }

    #[test]
    fn deleted_entry_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let seq = last_seq(&s) - 1;
        tamper(&s, &format!("DELETE FROM audit WHERE seq = {seq}"));
        match verify(s.conn()).unwrap() {
            Verdict::Broken { seq: at, reason } => {
                assert_eq!(at, seq + 1);
                assert!(reason.contains("missing"));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn reordered_entries_detected() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let a = last_seq(&s);
        let b = a - 1;
        // Swap the contents of two entries, keeping their sequence numbers.
        tamper(
            &s,
            &format!(
                "UPDATE audit SET seq = -1 WHERE seq = {a};
                 UPDATE audit SET seq = {a} WHERE seq = {b};
                 UPDATE audit SET seq = {b} WHERE seq = -1;"
            ),
        );
        assert!(matches!(verify(s.conn()).unwrap(), Verdict::Broken { seq, .. } if seq == b));
    }

    #[test]
    fn history_of_an_item() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "A")])?;
                crate::store::create::case(w, &mut c)?;
                crate::domain::record::set_fields(&mut c, &[("title", "B")])?;
                records::update(w, &mut c)?;
                Ok(c.meta.id)
            })
            .unwrap();
        let h = history(s.conn(), id).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].action, "create");
        // The creation holds the state, not a copy of the record.
        assert!(h[0].detail.is_none());
        assert!(h[0].state.is_some());
        // The change holds the fields it changed, old and new, and the
        // state the record then had, which is its state now.
        let detail = h[1].detail.as_deref().unwrap();
        assert!(detail.contains("\"title\":[\"A\",\"B\"]"), "{detail}");
        assert!(!detail.contains("\"status\""), "{detail}");
        assert_eq!(h[1].changes(), "title: \"A\" -> \"B\"");
        let now: Case = records::must_get(s.conn(), id).unwrap();
        let stored = h[1].state.as_deref().unwrap();
        assert!(stored.starts_with(&hex(
            &state_hash(&records::to_json(&now).unwrap())[..STATE_HASH_LEN]
        )));
    }

    #[test]
    fn a_deletion_keeps_the_record_whole() {
        let (_d, mut s) = temp_store();
        let id = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "Gone"), ("summary", "kept")])?;
                crate::store::create::case(w, &mut c)?;
                Ok(c.meta.id)
            })
            .unwrap();
        s.write(|w| records::delete(w, crate::domain::ItemKind::Case, id).map(drop))
            .unwrap();
        let h = history(s.conn(), id).unwrap();
        let last = h.last().unwrap();
        assert_eq!(last.action, "delete");
        assert!(last.state.is_none());
        let gone: serde_json::Value =
            serde_json::from_str(last.detail.as_deref().unwrap()).unwrap();
        assert_eq!(gone["title"], "Gone");
        assert_eq!(gone["summary"], "kept");
        assert!(matches!(verify(s.conn()).unwrap(), Verdict::Intact { .. }));
    }

    /// Every way the code asks for an item's entries goes by the index,
    /// whose key is 4 bytes of the id, not the id.
    #[test]
    fn an_items_entries_are_found_by_the_index_of_4_bytes() {
        let (_d, mut s) = temp_store();
        add_cases(&mut s, 3);
        let id: Uuid = s
            .conn()
            .query_row(
                "SELECT item_id FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(history(s.conn(), id).unwrap().len(), 1);
        assert!(last_state(s.conn(), id).unwrap().is_some());
        for sql in [
            format!(
                "SELECT seq FROM audit WHERE {}",
                sql_of_item("item_id", "?1")
            ),
            format!(
                "SELECT a.seq FROM audit a WHERE a.seq = (SELECT max(b.seq) FROM audit b WHERE {}) AND ?1 IS NOT NULL",
                sql_of_item("b.item_id", "a.item_id")
            ),
        ] {
            let plan = crate::store::testutil::plan(s.conn(), &sql, [id]);
            assert!(
                plan.iter().any(|d| d.contains("USING INDEX audit_item")),
                "{sql}: {plan:?}"
            );
        }
        let size: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM pragma_index_xinfo('audit_item') WHERE name IS NULL AND cid = -2",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(size, 1, "the index holds an expression, not the column");
    }

    /// A state of schema 16 on: half the hash and a byte a column, the
    /// changed column named; a state of the form before still read.
    #[test]
    fn a_state_keeps_half_its_hash_and_reads_the_old_form() {
        let (c, _) = new_record::<Case>(&[("title", "Nitazenes by post")]).unwrap();
        let json = records::to_json(&c).unwrap();
        let cols = records::kind_columns(ItemKind::Case);
        let st = state_of(ItemKind::Case, &json);
        assert_eq!(st.len(), STATE_HASH_LEN + cols.len());
        assert!(same_state(&st, &json));
        let mut changed = c.clone();
        changed.title = "Quietly renamed".into();
        let after = records::to_json(&changed).unwrap();
        assert!(!same_state(&st, &after));
        assert_eq!(differing_columns(ItemKind::Case, &st, &after), ["title"]);
        assert!(differing_columns(ItemKind::Case, &st, &json).is_empty());
        // As a build before schema 16 wrote it: the whole hash.
        let mut old = state_hash(&json).to_vec();
        old.extend_from_slice(&st[STATE_HASH_LEN..]);
        assert!(same_state(&old, &json));
        assert!(!same_state(&old, &after));
        assert_eq!(differing_columns(ItemKind::Case, &old, &after), ["title"]);
        assert!(differing_columns(ItemKind::Case, &old, &json).is_empty());
    }

    /// Each kind's column count, on which telling the two forms of a state
    /// apart rests (`fingerprints_at`): a kind given columns must not
    /// reach 16 more than it had when any state of the form before
    /// schema 16 was written (add to this list only after checking that).
    #[test]
    fn the_two_state_forms_stay_apart() {
        let counts: Vec<(&str, usize)> = ItemKind::ALL
            .iter()
            .map(|k| (k.as_str(), records::kind_columns(*k).len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("case", 14),
                ("parcel", 36),
                ("substance", 16),
                ("finding", 14),
                ("link", 15),
                ("note", 16),
                ("person", 19),
                ("organisation", 18),
                ("inspection", 17),
                ("exhibit", 14),
                ("custody", 15),
                ("lab-result", 17),
                ("delivery", 13),
                ("document", 14),
            ],
            "a kind's columns changed: check that it has not reached 16 more than \
             it had at any schema from 4 to 15 (schema 4's tables: 0004_compact_store.sql), \
             then write its count here"
        );
    }

    #[test]
    fn a_case_version_leaves_out_its_reference() {
        let a = r#"{"ref":"C-0001","title":"A"}"#;
        let b = r#"{"ref":"C-0007","title":"A"}"#;
        assert_ne!(state_hash(a), state_hash(b));
        assert_eq!(
            version_hash(crate::domain::ItemKind::Case, a),
            version_hash(crate::domain::ItemKind::Case, b)
        );
        let s = shape("case", None, Some(a));
        assert!(s.version.is_some() && s.state.is_some());
        assert!(shape("parcel", None, Some(a)).version.is_none());
    }
}
