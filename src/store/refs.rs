//! Turning what a person types (`C-0042`, a tracking number, a substance
//! name or synonym, a record id) into the item it designates.

use super::error::{Result, StoreError};
use super::records;
use crate::domain::case::{parse_reference, reference};
use crate::domain::{ItemKind, Substance, tracking};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRef {
    pub kind: ItemKind,
    pub id: Uuid,
    pub label: String,
}

/// The kind of the item with this id, if any item has it.
pub fn kind_of_id(conn: &Connection, id: Uuid) -> Result<Option<ItemKind>> {
    for kind in ItemKind::ALL {
        let found = conn
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", kind.table()))?
            .query_row([id], |_| Ok(()))
            .optional()?;
        if found.is_some() {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

fn item(conn: &Connection, kind: ItemKind, id: Uuid) -> Result<ItemRef> {
    Ok(ItemRef {
        kind,
        id,
        label: records::label_of(conn, kind, id)?,
    })
}

/// Resolves a reference typed by a person.
pub fn resolve(conn: &Connection, text: &str) -> Result<ItemRef> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::NotFound(
            "an empty reference names nothing".into(),
        ));
    }
    if let Ok(id) = Uuid::parse_str(t) {
        return match kind_of_id(conn, id)? {
            Some(kind) => item(conn, kind, id),
            None => Err(StoreError::NotFound(format!("no item has id {id}"))),
        };
    }
    if let Some(n) = parse_reference(t) {
        let r = reference(n);
        let id: Option<Uuid> = conn
            .prepare_cached("SELECT id FROM cases WHERE \"ref\" = ?1")?
            .query_row([&r], |row| row.get(0))
            .optional()?;
        return match id {
            Some(id) => item(conn, ItemKind::Case, id),
            None => Err(StoreError::NotFound(format!("no case {r}"))),
        };
    }
    if let Ok(tr) = tracking::parse(t) {
        let mut stmt = conn.prepare_cached("SELECT id FROM parcels WHERE tracking = ?1 LIMIT 5")?;
        let ids: Vec<Uuid> = stmt
            .query_map([&tr.canonical], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [id] => return item(conn, ItemKind::Parcel, *id),
            [] => {}
            many => {
                return Err(StoreError::Ambiguous(format!(
                    "{} parcels have tracking number {}; name one by id: {}",
                    many.len(),
                    tr.canonical,
                    many.iter()
                        .map(Uuid::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    let substances = substances_called(conn, t)?;
    match substances.as_slice() {
        [s] => return item(conn, ItemKind::Substance, s.meta.id),
        [] => {}
        many => {
            return Err(StoreError::Ambiguous(format!(
                "{t:?} names {} substances: {}",
                many.len(),
                many.iter()
                    .map(|s| format!("{} ({})", s.name, s.meta.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Err(StoreError::NotFound(format!(
        "no case, parcel or substance matches {t:?} (try: interdict search {t:?})"
    )))
}

/// Substances whose name or synonym is `name`, ignoring case. Exact names
/// win over synonyms.
pub fn substances_called(conn: &Connection, name: &str) -> Result<Vec<Substance>> {
    let exact = records::list_where::<Substance, _>(
        conn,
        "name = ?1 COLLATE NOCASE",
        [name.trim()],
        10,
        0,
    )?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    let like = format!("%{}%", name.trim().replace(['%', '_'], ""));
    let candidates = records::list_where::<Substance, _>(conn, "synonyms LIKE ?1", [like], 100, 0)?;
    Ok(candidates
        .into_iter()
        .filter(|s| s.is_called(name))
        .collect())
}

/// Resolves a reference that must be of one kind.
pub fn resolve_kind(conn: &Connection, text: &str, kind: ItemKind) -> Result<ItemRef> {
    let r = resolve(conn, text)?;
    if r.kind != kind {
        return Err(StoreError::NotFound(format!(
            "{text:?} is a {}, not a {kind}",
            r.kind
        )));
    }
    Ok(r)
}

/// The next free case reference.
pub fn next_case_reference(conn: &Connection) -> Result<String> {
    // References outside the range a notebook numbers in (a hostile file's
    // `C-9223372036854775807`) do not move the numbering.
    let max: Option<i64> = conn.query_row(
        "SELECT max(CAST(substr(\"ref\", 3) AS INTEGER)) FROM cases \
         WHERE CAST(substr(\"ref\", 3) AS INTEGER) BETWEEN 1 AND ?1",
        [crate::domain::case::MAX_CASE_NUMBER],
        |r| r.get(0),
    )?;
    let next = max.unwrap_or(0).saturating_add(1);
    if next > crate::domain::case::MAX_CASE_NUMBER {
        return Err(StoreError::Refused(format!(
            "every case number up to {} is taken",
            crate::domain::case::MAX_CASE_NUMBER
        )));
    }
    Ok(reference(next))
}
