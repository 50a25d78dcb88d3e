//! Conflicts a merge left for a person: both versions of an item edited on
//! both sides, listed field by field, until someone chooses. Choosing is
//! audited, and the version not chosen stays in the conflict row and in
//! the audit entry, so no edit disappears without a trace.

use crate::domain::text::sanitize;
use crate::domain::{ItemKind, Record};
use crate::store::{Result, Store, StoreError, Writer, audit, records, refs};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub item_kind: String,
    pub item_id: Uuid,
    /// What people call the item (its local label, or the incoming one
    /// when it was deleted here).
    pub label: String,
    /// The version here; None when the item was deleted here.
    pub local: Option<String>,
    pub incoming: String,
    /// The version both sides last shared, when the merge found it: a
    /// field that differs from it on one side only was merged, so the
    /// fields listed are those both sides changed.
    pub base: Option<String>,
    /// The incoming version's key: its version hash, or `deleted:` and
    /// the version deleted there when a deletion met an edit here.
    pub incoming_key: String,
    pub file: String,
    pub signer: Option<String>,
    pub detected_at: String,
    pub status: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    /// An open deletion's: what taking it would delete here with the
    /// item (see [`deleted_with`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted_with: Vec<String>,
    /// The item was never in this notebook (a record new there that
    /// waits on an item deleted here): its side here is said as not
    /// here, not as deleted here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub never_here: bool,
    /// An open conflict's item as it stands here now, when it was edited
    /// (or deleted: `Some(None)`) here since the conflict was filed: the
    /// "here" column shows it, since keeping the local version keeps it
    /// (`local` stays the version the conflict was filed against).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub here_now: Option<Option<String>>,
}

/// One field that differs: name, local value, incoming value (JSON text;
/// absent fields are `null`), and its value in the version both sides
/// last shared, when known.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldDiff {
    pub field: String,
    pub local: String,
    pub incoming: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

impl Conflict {
    /// Whether this is a deletion there that met an edit here (the
    /// incoming version is the record as it was deleted).
    pub fn is_deletion(&self) -> bool {
        self.incoming_key.starts_with("deleted:")
    }

    /// The fields that differ between the two versions (provenance
    /// included: who changed it when, on each side).
    /// The fields of the conflict edited here since it was filed, each
    /// with its value now: what taking the incoming side replaces (it is
    /// said, not done in silence).
    pub fn replaced_since(&self) -> Vec<(String, String)> {
        let obj = |s: Option<&str>| -> serde_json::Map<String, Value> {
            s.and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default()
        };
        let Some(Some(now)) = &self.here_now else {
            return Vec::new();
        };
        if self.local.is_none() || self.is_deletion() {
            return Vec::new();
        }
        let (l, i, now) = (
            obj(self.local.as_deref()),
            obj(Some(&self.incoming)),
            obj(Some(now)),
        );
        let given = |m: &serde_json::Map<String, Value>, k: &str| -> Option<Value> {
            m.get(k).filter(|v| !v.is_null()).cloned()
        };
        let mut keys: Vec<&String> = l.keys().chain(i.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| !matches!(k.as_str(), "updated_at" | "updated_by"))
            .filter(|k| {
                let (l, i, n) = (given(&l, k), given(&i, k), given(&now, k));
                l != i && n != l && n != i
            })
            .map(|k| {
                let shown = match now.get(k) {
                    None | Some(Value::Null) => "(none)".to_string(),
                    Some(Value::String(s)) => sanitize(s).into_owned(),
                    Some(v) => sanitize(&v.to_string()).into_owned(),
                };
                (k.clone(), shown)
            })
            .collect()
    }

    /// How the side here is said when the conflict holds no version
    /// here: never here, or deleted here.
    pub fn absent_here(&self) -> Option<&'static str> {
        self.local.is_none().then_some(if self.never_here {
            "(not here)"
        } else {
            "(deleted here)"
        })
    }

    pub fn diff(&self) -> Vec<FieldDiff> {
        let obj = |s: Option<&str>| -> serde_json::Map<String, Value> {
            s.and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default()
        };
        let (l, i) = (obj(self.local.as_deref()), obj(Some(&self.incoming)));
        let b = self.base.as_deref().map(|b| obj(Some(b)));
        let now = self.here_now.as_ref().map(|n| obj(n.as_deref()));
        let mut keys: Vec<&String> = l.keys().chain(i.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| l.get(*k) != i.get(*k))
            .map(|k| {
                let show = |v: Option<&Value>| match v {
                    None => "(none)".to_string(),
                    Some(Value::String(s)) => sanitize(s).into_owned(),
                    Some(v) => sanitize(&v.to_string()).into_owned(),
                };
                FieldDiff {
                    field: k.clone(),
                    local: match self.absent_here() {
                        Some(said) => said.into(),
                        None if matches!(self.here_now, Some(None)) => "(deleted here)".into(),
                        None => show(now.as_ref().unwrap_or(&l).get(k)),
                    },
                    incoming: if self.is_deletion() {
                        "(deleted there)".into()
                    } else {
                        show(i.get(k))
                    },
                    base: b.as_ref().map(|b| show(b.get(k))),
                }
            })
            .collect()
    }
}

const SELECT: &str =
    "SELECT c.id, c.item_kind, c.item_id, c.local, c.incoming, s.file_name, s.signer,
        c.detected_at, c.status, c.resolved_by, c.resolved_at, c.base, c.incoming_key
    FROM conflicts c JOIN sources s ON s.id = c.source_id";

fn from_row(conn: &Connection, r: &rusqlite::Row<'_>) -> Result<Conflict> {
    let kind: String = r.get(1)?;
    let item_id: Uuid = r.get(2)?;
    let local: Option<String> = r.get(3)?;
    let incoming: String = r.get(4)?;
    // (A record deleted here since the conflict was filed, a deletion
    // taken, is named as its version here gave it: it was named
    // "(missing parcel ID)".)
    fn label_in<R: Record>(json: &str) -> Option<String> {
        serde_json::from_str::<R>(json).ok().map(|r| r.label())
    }
    let label = match (kind.parse::<ItemKind>(), &local) {
        (Ok(k), Some(l)) => match records::label_of(conn, k, item_id)? {
            gone if gone.starts_with("(missing ") => {
                crate::with_record_type!(k, R => label_in::<R>(l)).unwrap_or(gone)
            }
            here => here,
        },
        _ => serde_json::from_str::<Value>(&incoming)
            .ok()
            .and_then(|v| {
                ["ref", "tracking", "name", "text", "link_type", "form"]
                    .iter()
                    .find_map(|f| v.get(*f)?.as_str().map(str::to_string))
            })
            .unwrap_or_else(|| item_id.to_string()),
    };
    Ok::<_, StoreError>(Conflict {
        id: r.get(0)?,
        item_kind: kind,
        item_id,
        label: sanitize(&label).into_owned(),
        local,
        incoming,
        file: sanitize(&r.get::<_, String>(5)?).into_owned(),
        signer: r
            .get::<_, Option<String>>(6)?
            .map(|s| sanitize(&s).into_owned()),
        detected_at: r.get(7)?,
        status: r.get(8)?,
        resolved_by: r.get(9)?,
        resolved_at: r.get(10)?,
        base: r.get(11)?,
        incoming_key: r.get(12)?,
        deleted_with: Vec::new(),
        never_here: false,
        here_now: None,
    })
    .and_then(|mut c| {
        c.deleted_with = deleted_with(conn, &c)?;
        c.here_now = here_now(conn, &c)?;
        // (Never deleted here: an item first written here by the
        // settlement of this conflict, its incoming side taken, was said
        // "(deleted here)" once it had entries.)
        c.never_here = c.local.is_none()
            && !conn
                .prepare_cached(&format!(
                    "SELECT 1 FROM audit WHERE {} AND state IS NULL",
                    crate::store::audit::sql_of_item("item_id", "?1")
                ))?
                .exists([c.item_id])?;
        Ok(c)
    })
}

/// An open conflict's item as it stands here, when that is not the
/// version the conflict was filed against: `Some(None)` when it was
/// deleted here since. Its stamps aside: an edit is a change of a field.
fn here_now(conn: &Connection, c: &Conflict) -> Result<Option<Option<String>>> {
    let (Some(local), true, Ok(kind)) = (
        &c.local,
        c.status == "open",
        c.item_kind.parse::<ItemKind>(),
    ) else {
        return Ok(None);
    };
    fn json_of<R: Record>(conn: &Connection, id: Uuid) -> Result<Option<String>> {
        records::get::<R>(conn, id)?
            .map(|r| records::to_json(&r))
            .transpose()
    }
    let now = crate::with_record_type!(kind, R => json_of::<R>(conn, c.item_id)?);
    let fields = |json: &str| -> serde_json::Map<String, Value> {
        let mut m: serde_json::Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
        m.retain(|k, v| !v.is_null() && !matches!(k.as_str(), "updated_at" | "updated_by"));
        m
    };
    Ok(match now {
        Some(now) if fields(&now) == fields(local) => None,
        now => Some(now),
    })
}

/// What taking an open deletion conflict's incoming side would delete
/// here with its item (which is left out), each as its kind and label:
/// the notes, findings, links and the rest that hang on it, which the
/// deleter may never have seen. Empty for any other conflict, and where
/// the deletion would be refused (a custody log).
pub fn deleted_with(conn: &Connection, c: &Conflict) -> Result<Vec<String>> {
    let Ok(kind) = c.item_kind.parse::<ItemKind>() else {
        return Ok(Vec::new());
    };
    if !c.is_deletion() || c.status != "open" || refs::kind_of_id(conn, c.item_id)?.is_none() {
        return Ok(Vec::new());
    }
    let doomed = match records::doomed(conn, kind, c.item_id) {
        Ok(d) => d,
        Err(StoreError::Refused(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    doomed
        .into_iter()
        .filter(|d| d.1 != c.item_id)
        .map(|(k, id)| {
            let text = match k {
                ItemKind::Link => match records::get::<crate::domain::Link>(conn, id)? {
                    Some(l) => format!(
                        "link {} {} -> {}",
                        l.link_type,
                        records::label_of(conn, l.from_kind, l.from_id)?,
                        records::label_of(conn, l.to_kind, l.to_id)?
                    ),
                    None => format!("link {id}"),
                },
                ItemKind::Finding => match records::get::<crate::domain::Finding>(conn, id)? {
                    Some(f) => format!(
                        "finding of {}, {}",
                        records::label_of(conn, ItemKind::Substance, f.substance_id)?,
                        f.label()
                    ),
                    None => format!("finding {id}"),
                },
                _ => records::kind_and_label(conn, k, id)?,
            };
            Ok(sanitize(&text).into_owned())
        })
        .collect()
}

/// Conflicts, oldest first: the open ones, or all.
pub fn list(conn: &Connection, all: bool) -> Result<Vec<Conflict>> {
    let sql = format!(
        "{SELECT} {} ORDER BY c.id",
        if all { "" } else { "WHERE c.status = 'open'" }
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(conn, r)?);
    }
    Ok(out)
}

pub fn open_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM conflicts WHERE status = 'open'",
        [],
        |r| r.get(0),
    )?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Conflict> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE c.id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => from_row(conn, r),
        None => Err(StoreError::NotFound(format!("no conflict {id}"))),
    }
}

/// Which version a person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Local,
    Incoming,
}

fn put_incoming<R: Record>(w: &mut Writer<'_>, c: &Conflict) -> Result<()> {
    // What the other side gave otherwise than this one had it when the
    // conflict was filed, over the record as it stands now: edits made
    // here since, and fields the conflict is not about, stay.
    let now = records::get::<R>(&w.tx, c.item_id)?;
    let json = &match (&c.local, &now) {
        (Some(local), Some(now)) => incoming_over(local, &c.incoming, &records::to_json(now)?)?,
        _ => c.incoming.clone(),
    };
    let mut rec: R = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("the incoming {} is unreadable: {e}", R::KIND)))?;
    // Who first wrote the record, when and where, is no field to take:
    // the record here keeps its creation (the other side's was written
    // over it).
    if let Some(now) = &now {
        let (here, m) = (now.meta(), rec.meta_mut());
        m.created_at = here.created_at.clone();
        m.created_by = here.created_by.clone();
        m.origin_db = here.origin_db;
    }
    for parent in super::merge::parents_of(R::KIND, json) {
        if refs::kind_of_id(&w.tx, parent)?.is_none() {
            // The conflict that would bring it back, when there is one.
            let waiting: Option<(i64, String)> = w
                .tx
                .prepare_cached(
                    "SELECT id, item_kind FROM conflicts WHERE item_id = ?1 AND status = 'open' ORDER BY id LIMIT 1",
                )?
                .query_row([parent], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            return Err(StoreError::NotFound(match waiting {
                Some((id, kind)) => format!(
                    "the incoming {} needs {kind} {parent}, which is not in this notebook; take it back first with `interdict conflicts resolve {id} --keep incoming`, or keep this one out with `--keep local`",
                    R::KIND
                ),
                None => format!(
                    "the incoming {} needs item {parent}, which is not in this notebook and no open conflict brings back; keep this one out with `--keep local`",
                    R::KIND
                ),
            }));
        }
    }
    if R::KIND == ItemKind::Case {
        let there = serde_json::from_str::<Value>(json)
            .ok()
            .and_then(|v| v.get("ref")?.as_str().map(str::to_string))
            .unwrap_or_default();
        let here = super::merge::case_ref_here(&w.tx, rec.meta().id, &there)?;
        super::merge::set_case_ref(&mut rec, &here)?;
    }
    settled(w, &mut rec);
    put_settlement(w, &rec, "resolve-incoming", c)
}

/// The record `now`, with each field that the `incoming` version gives
/// otherwise than `local` (the version here when the conflict was filed)
/// taken from `incoming` (as JSON objects; its stamps are the settling
/// write's own).
fn incoming_over(local: &str, incoming: &str, now: &str) -> Result<String> {
    let object = |json: &str| -> Result<serde_json::Map<String, Value>> {
        match serde_json::from_str(json) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(StoreError::Corrupt(
                "a version of the conflict is unreadable".into(),
            )),
        }
    };
    let (local, incoming, mut now) = (object(local)?, object(incoming)?, object(now)?);
    let fields: std::collections::BTreeSet<&String> = local.keys().chain(incoming.keys()).collect();
    for k in fields {
        let given = incoming.get(k).filter(|v| !v.is_null());
        if local.get(k).filter(|v| !v.is_null()) == given
            || matches!(k.as_str(), "updated_at" | "updated_by")
        {
            continue;
        }
        match given {
            Some(v) => now.insert(k.clone(), v.clone()),
            None => now.remove(k.as_str()),
        };
    }
    serde_json::to_string(&now).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A settled record is a new version, made by the person who settled it
/// now: it supersedes both sides' versions, so the other post takes it
/// on its next merge. Written with the chosen side's own stamp, it would
/// be a version both posts had already seen (each side's, or the one a
/// field merge made), and two posts that each took the other's would
/// keep them for ever.
fn settled<R: Record>(w: &Writer<'_>, rec: &mut R) {
    let m = rec.meta_mut();
    m.updated_at = w.now.clone();
    m.updated_by = w.actor.to_string();
}

/// The local version kept over the incoming one: written again as the
/// settled version (see [`settled`]).
fn keep_local<R: Record>(w: &mut Writer<'_>, c: &Conflict) -> Result<()> {
    let mut rec: R = records::must_get(&w.tx, c.item_id)?;
    settled(w, &mut rec);
    put_settlement(w, &rec, "resolve-keep-local", c)
}

/// Writes `rec` as conflict `c`'s settlement by `action`: its audit entry
/// names the fields it decides and the incoming version it settled over
/// (a post that meets the entry relayed knows which version it saw).
fn put_settlement<R: Record>(
    w: &mut Writer<'_>,
    rec: &R,
    action: &str,
    c: &Conflict,
) -> Result<()> {
    records::put_settled(
        w,
        rec,
        action,
        records::Settles {
            fields: &settles::<R>(c),
            over: Some(&c.incoming_key),
        },
    )
}

/// The fields settling conflict `c` decides, as its audit entry names
/// them: those it is about, less a case's reference (each notebook's own).
fn settles<R: Record>(c: &Conflict) -> Vec<String> {
    fields_of(c)
        .into_iter()
        .filter(|f| !(R::KIND == ItemKind::Case && f == "ref"))
        .collect()
}

/// The fields a conflict is about: those its two versions give
/// otherwise (who changed it when aside).
fn fields_of(c: &Conflict) -> std::collections::BTreeSet<String> {
    c.diff()
        .into_iter()
        .map(|d| d.field)
        .filter(|f| !matches!(f.as_str(), "updated_at" | "updated_by"))
        .collect()
}

/// Refuses to take the incoming version of conflict `c` over a newer
/// conflict of the same item already settled on any of its fields (or
/// settled by taking a deletion): the older version would put back
/// values that settling replaced, which no one would see happen.
fn settled_since(conn: &Connection, c: &Conflict) -> Result<()> {
    let newer: Vec<Conflict> = {
        let mut stmt = conn.prepare(&format!(
            "{SELECT} WHERE c.item_id = ?1 AND c.id > ?2 AND c.status != 'open' ORDER BY c.id"
        ))?;
        let rows = stmt.query_map((c.item_id, c.id), |r| Ok(from_row(conn, r)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .collect::<Result<_>>()?
    };
    let ours = fields_of(c);
    for n in newer {
        let over: Vec<String> = if n.is_deletion() && n.status == "took-incoming" {
            vec!["(the item, deleted)".to_string()]
        } else {
            fields_of(&n).intersection(&ours).cloned().collect()
        };
        if over.is_empty() {
            continue;
        }
        return Err(StoreError::Refused(format!(
            "conflict {} (from {}) is older than conflict {} (from {}) on the same {} {}, which {} settled at {} ({}) on {}: taking its incoming version would put back what that settled; close it with `interdict conflicts resolve {} --keep local`, or edit the item",
            c.id,
            c.file,
            n.id,
            n.file,
            c.item_kind,
            c.label,
            n.resolved_by.as_deref().unwrap_or("?"),
            n.resolved_at.as_deref().unwrap_or("?"),
            n.status,
            over.join(", "),
            c.id
        )));
    }
    Ok(())
}

/// Puts back what was deleted here together with the item `id` (in the
/// same transaction, as the deletion of an item takes its findings,
/// evidence, links and notes with it) and hangs on it, directly or through
/// another such record: each as it was when deleted, so it is the version
/// the other side holds and later merges find it unchanged. Returns how
/// many were put back.
pub(super) fn restore_what_hung_on(w: &mut Writer<'_>, id: Uuid) -> Result<usize> {
    // When the item was deleted here (as stored: compared as stored): the
    // deletions its log ends with (a settlement that kept the deletion
    // deleted it again, alone: what went with it went in the first).
    let ats: Vec<(Option<Vec<u8>>, rusqlite::types::Value)> =
        w.tx.prepare(&format!(
            "SELECT state, at FROM audit WHERE {} ORDER BY seq DESC",
            crate::store::audit::sql_of_item("item_id", "?1")
        ))?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let ats: Vec<rusqlite::types::Value> = ats
        .into_iter()
        // (Past the record just written back.)
        .skip_while(|(state, _)| state.is_some())
        .take_while(|(state, _)| state.is_none())
        .map(|(_, at)| at)
        .collect();
    // Everything deleted in those transactions, parents last (children
    // were deleted first), and not written since.
    let mut stmt = w.tx.prepare(&format!(
        "SELECT seq, item_kind, item_id, detail FROM audit a
          WHERE at = ?1 AND state IS NULL AND detail IS NOT NULL AND item_id != ?2
            AND NOT EXISTS (SELECT 1 FROM audit l WHERE {} AND l.seq > a.seq)
          ORDER BY seq DESC",
        crate::store::audit::sql_of_item("l.item_id", "a.item_id")
    ))?;
    let mut deleted: Vec<(String, Uuid, String)> = Vec::new();
    for at in ats.iter().rev() {
        deleted.extend(
            stmt.query_map((at, id), |r| {
                Ok((
                    crate::store::audit::names::Name::Kind.get(r, 1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
    }
    drop(stmt);
    let mut back = std::collections::HashSet::from([id]);
    let mut n = 0;
    for (kind, item, json) in deleted {
        let Ok(kind) = kind.parse::<ItemKind>() else {
            continue;
        };
        let parents = super::merge::parents_of(kind, &json);
        if !parents.iter().any(|p| back.contains(p)) || refs::kind_of_id(&w.tx, item)?.is_some() {
            continue;
        }
        // Its other parents must be here too.
        let mut all_here = true;
        for p in &parents {
            if !back.contains(p) && refs::kind_of_id(&w.tx, *p)?.is_none() {
                all_here = false;
            }
        }
        if !all_here {
            continue;
        }
        fn put<R: Record>(w: &mut Writer<'_>, json: &str) -> Result<()> {
            let rec: R = serde_json::from_str(json).map_err(|e| {
                StoreError::Corrupt(format!("a deleted {} is unreadable: {e}", R::KIND))
            })?;
            records::put_verbatim(w, &rec, "restore-with")
        }
        crate::with_record_type!(kind, R => put::<R>(w, &json)?);
        back.insert(item);
        n += 1;
    }
    Ok(n)
}

/// Settles a conflict. Taking the incoming version writes it over the
/// local one (or restores the item deleted here); keeping the local one
/// keeps its fields. Either way the record written is a new version
/// stamped by who settled it, when (so both posts converge on it), the
/// choice is audited, and the conflict stays listed as resolved with
/// both versions. An older conflict's incoming version is not taken over
/// a newer conflict of the same item settled on the same fields (see
/// [`settled_since`]).
pub fn resolve(store: &mut Store, id: i64, choice: Choice) -> Result<Conflict> {
    let already = |c: &Conflict| {
        StoreError::Duplicate(format!(
            "conflict {id} was already resolved ({}) by {} at {}",
            c.status,
            c.resolved_by.as_deref().unwrap_or("?"),
            c.resolved_at.as_deref().unwrap_or("?")
        ))
    };
    let c = get(store.conn(), id)?;
    let kind: ItemKind = c.item_kind.parse().map_err(|_| {
        StoreError::Corrupt(format!("conflict {id}: unknown kind {:?}", c.item_kind))
    })?;
    let deletion = c.is_deletion();
    store.write(|w| {
        // Read in the write that settles it: a colleague who settled it
        // between a read and this write was overwritten (both were told
        // it worked, and the record kept one choice while the conflict
        // said the other).
        let now = get(&w.tx, id)?;
        if now.status != "open" {
            return Err(already(&now));
        }
        if choice == Choice::Incoming {
            settled_since(&w.tx, &c)?;
        }
        let status = match choice {
            // The deletion that met an edit here, taken: deleted, with
            // what hangs on it.
            Choice::Incoming if deletion => {
                if refs::kind_of_id(&w.tx, c.item_id)?.is_some() {
                    records::delete(w, kind, c.item_id)?;
                }
                "took-incoming"
            }
            // Nothing here to keep: the record went since (a later
            // merge took the deleter's deletion, or a person deleted it).
            Choice::Local if deletion && refs::kind_of_id(&w.tx, c.item_id)?.is_none() => {
                return Err(StoreError::Refused(format!(
                    "the {kind} is no longer in this notebook (deleted here since; `interdict audit log {}` says by whom): there is no version here to keep; `--keep incoming` closes the conflict",
                    c.item_id
                )));
            }
            // Kept over the deletion: said so in the audit, so that the
            // side that deleted it takes it back on its next merge.
            Choice::Local if deletion => {
                let now = records::stored_json(&w.tx, kind, c.item_id)?;
                let mut shape = audit::shape(kind.as_str(), None, Some(&now));
                shape.detail = Some(serde_json::json!({ "over": c.incoming_key }).to_string());
                audit::append_shape(
                    w,
                    "resolve-keep-over-deletion",
                    kind.as_str(),
                    c.item_id,
                    &shape,
                )?;
                "kept-local"
            }
            Choice::Incoming => {
                crate::with_record_type!(kind, R => put_incoming::<R>(w, &c)?);
                // A record deleted here comes back with what hung on it.
                if c.local.is_none() {
                    restore_what_hung_on(w, c.item_id)?;
                }
                "took-incoming"
            }
            Choice::Local if refs::kind_of_id(&w.tx, c.item_id)?.is_some() => {
                crate::with_record_type!(kind, R => keep_local::<R>(w, &c)?);
                "kept-local"
            }
            // Kept deleted: the incoming version is audited as deleted
            // here, so the deletion travels over it.
            Choice::Local => {
                audit::append(
                    w,
                    "resolve-keep-local",
                    kind.as_str(),
                    c.item_id,
                    Some(&c.incoming),
                    None,
                )?;
                "kept-local"
            }
        };
        // What was taken from the file came through it: its provenance
        // names the merge, as a merge's own writes do (the record or
        // value taken showed no file, exporter or signer).
        if choice == Choice::Incoming {
            let action = if deletion {
                "deleted"
            } else if c.local.is_none() && c.never_here {
                "added"
            } else {
                "updated"
            };
            w.tx.execute(
                "INSERT INTO provenance (item_id, source_id, action, line, foreign_ref)
                 SELECT item_id, source_id, ?2, NULL, NULL FROM conflicts WHERE id = ?1
                 ON CONFLICT (item_id, source_id) DO UPDATE SET action = excluded.action",
                (id, action),
            )?;
        }
        w.tx.execute(
            "UPDATE conflicts SET status = ?1, resolved_by = ?2, resolved_at = ?3 WHERE id = ?4",
            (status, w.actor, &w.now, id),
        )?;
        Ok(())
    })?;
    get(store.conn(), id)
}
