//! The handling rules every output that leaves the notebook follows
//! (database exports, STIX bundles, graphs, incident summaries): a
//! TLP:RED case or note leaves only when named (`--include-red REF`), a
//! TLP:AMBER+STRICT one only when asked for (`--amber-strict`, and then it
//! is named in what leaves), and what belongs only to a withheld case (a
//! parcel no other case includes, its findings, its notes, the links to
//! it) is withheld with it.

use crate::domain::{ItemKind, Record};
use crate::store::{Result, StoreError, audit, records};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What the person exporting allowed to leave.
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// TLP:RED items named to go anyway.
    pub include_red: HashSet<Uuid>,
    /// Whether TLP:AMBER+STRICT items may go.
    pub amber_strict: bool,
    /// Notes leave without their source, grading and handling
    /// (`--redact-sources`; see `Note::strip_sources`).
    pub redact_sources: bool,
}

/// The TLP label of a case, a note, a person or an organisation (other
/// kinds carry none).
pub fn tlp_of(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<Option<String>> {
    let table = match kind {
        ItemKind::Case => "cases",
        ItemKind::Note => "notes",
        ItemKind::Person => "people",
        ItemKind::Organisation => "organisations",
        _ => return Ok(None),
    };
    Ok(conn
        .prepare_cached(&format!("SELECT tlp FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Why an item may not leave, if it may not.
pub fn held_back(
    conn: &Connection,
    kind: ItemKind,
    id: Uuid,
    rel: &Release,
) -> Result<Option<String>> {
    Ok(held_back_as(tlp_of(conn, kind, id)?.as_deref(), id, rel))
}

/// Why an item labelled `tlp` may not leave, if it may not: the rule of
/// [`held_back`] for a label read elsewhere (a deleted item's, from the
/// record its deletion keeps).
pub fn held_back_as(tlp: Option<&str>, id: Uuid, rel: &Release) -> Option<String> {
    match tlp {
        Some("RED") if !rel.include_red.contains(&id) => Some("TLP:RED".into()),
        Some("AMBER+STRICT") if !rel.amber_strict => Some("TLP:AMBER+STRICT".into()),
        _ => None,
    }
}

/// Refuses a case asked for by name that may not leave, saying how to
/// let it.
pub fn check_chosen(conn: &Connection, case: Uuid, rel: &Release) -> Result<()> {
    match held_back(conn, ItemKind::Case, case, rel)? {
        None => Ok(()),
        Some(why) => {
            let label = records::label_of(conn, ItemKind::Case, case)?;
            Err(StoreError::Refused(if why == "TLP:RED" {
                format!("case {label} is TLP:RED: name it with --include-red to export it")
            } else {
                format!(
                    "case {label} is TLP:AMBER+STRICT (its recipients' organisation only): pass --amber-strict to let it go; it is named in what leaves"
                )
            }))
        }
    }
}

/// How strict a TLP label is, least first: CLEAR, GREEN, AMBER,
/// AMBER+STRICT, RED (an unknown label ranks as AMBER).
pub fn tlp_rank(label: &str) -> usize {
    let upper = label.trim().to_ascii_uppercase();
    let l = upper.strip_prefix("TLP:").unwrap_or(&upper);
    crate::domain::fields::TLP
        .iter()
        .position(|t| *t == l)
        .unwrap_or(2)
}

/// Whether an item is AMBER+STRICT (to name it when it leaves).
pub fn is_amber_strict(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<bool> {
    Ok(tlp_of(conn, kind, id)?.as_deref() == Some("AMBER+STRICT"))
}

/// The parcels that belong only to withheld cases: included by at least
/// one of `withheld` and by no other case.
pub fn only_in_withheld(conn: &Connection, withheld: &HashSet<Uuid>) -> Result<HashSet<Uuid>> {
    let mut by_parcel: HashMap<Uuid, (bool, bool)> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT from_id, to_id FROM links WHERE link_type = 'includes' AND from_kind = 'case'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (case, item): (Uuid, Uuid) = (r.get(0)?, r.get(1)?);
        let e = by_parcel.entry(item).or_default();
        if withheld.contains(&case) {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }
    Ok(by_parcel
        .into_iter()
        .filter(|(_, (held, other))| *held && !*other)
        .map(|(id, _)| id)
        .collect())
}

/// The findings of these parcels.
pub fn findings_of(conn: &Connection, parcels: &HashSet<Uuid>) -> Result<HashSet<Uuid>> {
    let mut out = HashSet::new();
    let mut stmt = conn.prepare_cached("SELECT id FROM findings WHERE parcel_id = ?1")?;
    for p in parcels {
        for id in stmt.query_map([p], |r| r.get::<_, Uuid>(0))? {
            out.insert(id?);
        }
    }
    Ok(out)
}

/// A record an export withheld for its own label, whose label the file
/// says (signed, in its manifest) so that a receiver holding the record
/// under a looser one raises its own: a partner's note marked TLP:RED
/// here stays RED where it came from (it stayed AMBER there, and went on
/// to a third post as AMBER). Only the id, kind and label go: nothing a
/// receiver that does not hold the record learns from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Raised {
    pub kind: String,
    pub id: Uuid,
    pub tlp: String,
}

/// Of the records withheld for their own label (`labelled`), those a
/// partner may hold under a looser one: made at another notebook
/// (`origin` is not `here`), or whose label was changed here after it
/// was made (its log says so). A record made here RED and never
/// relabelled is never named.
pub fn raised(
    conn: &Connection,
    labelled: &std::collections::BTreeMap<Uuid, ItemKind>,
    here: Uuid,
) -> Result<Vec<Raised>> {
    let mut out = Vec::new();
    for (&id, &kind) in labelled {
        let Some(tlp) = tlp_of(conn, kind, id)? else {
            continue;
        };
        let origin: Option<Uuid> = crate::with_record_type!(kind, R => {
            records::get::<R>(conn, id)?.map(|r| r.meta().origin_db)
        });
        let Some(origin) = origin else {
            continue;
        };
        if origin != here || relabelled(conn, id)? {
            out.push(Raised {
                kind: kind.as_str().to_string(),
                id,
                tlp,
            });
        }
    }
    Ok(out)
}

/// Whether this notebook's log changed the record's label after it was
/// made (an entry whose changed fields name `tlp`, changed: a settlement
/// names a label it kept as it was too).
fn relabelled(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(audit::history(conn, id)?.iter().any(|e| {
        e.detail
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .is_some_and(|v| {
                v.get("tlp")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|p| p.len() == 2 && p[0] != p[1])
            })
    }))
}

/// [`raised`] for records deleted here whose deletion an export withheld
/// for the label they had (`labelled`: kind, label and origin, from the
/// record the deletion keeps): a partner's record marked RED here and
/// then deleted stays RED where it came from (it stayed GREEN there, and
/// went on).
pub fn raised_deleted(
    conn: &Connection,
    labelled: &std::collections::BTreeMap<Uuid, (ItemKind, String, Option<Uuid>)>,
    here: Uuid,
) -> Result<Vec<Raised>> {
    let mut out = Vec::new();
    for (&id, (kind, tlp, origin)) in labelled {
        if origin.is_some_and(|o| o != here) || relabelled(conn, id)? {
            out.push(Raised {
                kind: kind.as_str().to_string(),
                id,
                tlp: tlp.clone(),
            });
        }
    }
    Ok(out)
}
