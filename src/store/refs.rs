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
    let parties = parties_called(conn, t)?;
    match parties.as_slice() {
        [(kind, id)] => return item(conn, *kind, *id),
        [] => {}
        many => {
            let mut names = Vec::new();
            for (kind, id) in many {
                names.push(format!(
                    "{kind} {} ({id})",
                    records::label_of(conn, *kind, *id)?
                ));
            }
            return Err(StoreError::Ambiguous(format!(
                "{t:?} names {} people or organisations: {}",
                many.len(),
                names.join(", ")
            )));
        }
    }
    // An exhibit by its number.
    let exhibit: Option<Uuid> = conn
        .prepare_cached("SELECT id FROM exhibits WHERE number = ?1 LIMIT 1")?
        .query_row([t], |r| r.get(0))
        .optional()?;
    if let Some(id) = exhibit {
        return item(conn, ItemKind::Exhibit, id);
    }
    // A finding as PARCEL:SUBSTANCE.
    if let Some((p, s)) = t.rsplit_once(':')
        && let Ok(parcel) = resolve_kind(conn, p, ItemKind::Parcel)
    {
        let subs: Vec<Uuid> = substances_called(conn, s.trim())?
            .into_iter()
            .map(|s| s.meta.id)
            .collect();
        let found: Vec<Uuid> = crate::store::related::findings_in_parcel(conn, parcel.id)?
            .into_iter()
            .filter(|f| subs.contains(&f.substance_id))
            .map(|f| f.meta.id)
            .collect();
        match found.as_slice() {
            [id] => return item(conn, ItemKind::Finding, *id),
            [] => {
                return Err(StoreError::NotFound(format!(
                    "parcel {} has no finding of {:?}",
                    parcel.label,
                    s.trim()
                )));
            }
            many => {
                return Err(StoreError::Ambiguous(format!(
                    "parcel {} has {} findings of {:?}; name one by id: {}",
                    parcel.label,
                    many.len(),
                    s.trim(),
                    many.iter()
                        .map(Uuid::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    Err(StoreError::NotFound(format!(
        "no case, parcel, substance, person, organisation, exhibit or finding (PARCEL:SUBSTANCE) matches {t:?} (try: interdict search {t:?})"
    )))
}

/// People and organisations whose name or alias is `name` (in any script
/// or word order: `PETROV, Ivan` and `Иван Петров` name Ivan Petrov), or
/// whose handle it is (`@shop_bot`), through the identifier index.
pub fn parties_called(conn: &Connection, name: &str) -> Result<Vec<(ItemKind, Uuid)>> {
    use crate::domain::identifiers::{self as ids, IdentKind};
    let mut keys = Vec::new();
    if let Some(k) = ids::name_key(name) {
        keys.push((IdentKind::Name, k));
    }
    if let Some(h) = crate::domain::online::telegram(name).filter(|_| name.trim().starts_with('@'))
    {
        keys.push((IdentKind::Handle, h));
    }
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT item FROM occurrences WHERE kind = ?1 AND value = ?2 AND role IN (?3, ?4)",
    )?;
    let (name_role, contacts_role) = (
        super::keys::role_code("name")?,
        super::keys::role_code("contacts")?,
    );
    for (kind, value) in keys {
        let items: Vec<i64> = stmt
            .query_map(
                (
                    super::keys::ident_code(kind),
                    &value,
                    name_role,
                    contacts_role,
                ),
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        for key in items {
            if let Some((k, id)) = super::keys::id_of(conn, key)?
                && matches!(k, ItemKind::Person | ItemKind::Organisation)
                && !out.contains(&(k, id))
            {
                out.push((k, id));
            }
        }
    }
    Ok(out)
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
    let found: Vec<Substance> = candidates
        .into_iter()
        .filter(|s| s.is_called(name))
        .collect();
    // SQLite folds the case of ASCII letters only: `Мефедрон` is looked
    // for among every substance (a few hundred).
    if found.is_empty() && !name.is_ascii() {
        return Ok(
            records::list_where::<Substance, _>(conn, "1", [], usize::MAX, 0)?
                .into_iter()
                .filter(|s| s.is_called(name))
                .collect(),
        );
    }
    Ok(found)
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
