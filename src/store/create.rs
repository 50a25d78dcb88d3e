//! Creating records with the rules that involve other records: case
//! references, duplicate tracking numbers, links and findings whose ends
//! must exist.

use super::error::{Result, StoreError};
use super::{Writer, records, refs};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record};
use rusqlite::OptionalExtension;
use uuid::Uuid;

/// Creates a case, giving it the next reference (`C-0042`).
pub fn case(w: &mut Writer<'_>, c: &mut Case) -> Result<Vec<String>> {
    c.reference = refs::next_case_reference(&w.tx)?;
    records::insert(w, c)
}

/// Creates a parcel; a tracking number already in the notebook is refused
/// (edit that parcel instead).
pub fn parcel(w: &mut Writer<'_>, p: &mut Parcel) -> Result<Vec<String>> {
    p.derive();
    if let Some(id) = tracked_by_another(&w.tx, p)? {
        return Err(StoreError::Duplicate(format!(
            "tracking: parcel {} is already in the notebook (id {id}); edit it instead",
            p.tracking
        )));
    }
    records::insert(w, p)
}

/// Another parcel here with `p`'s tracking number, if any (a new one is
/// refused; one received is kept beside it, both ids said).
pub fn tracked_by_another(conn: &rusqlite::Connection, p: &Parcel) -> Result<Option<Uuid>> {
    Ok(refs::parcels_tracked(conn, &p.tracking, 2)?
        .into_iter()
        .find(|o| *o != p.meta.id))
}

/// Refuses an edit that gives a parcel the tracking number of another
/// parcel in the notebook (two parcels of one number, which lookups by
/// number then refuse to choose between). Two posts' parcels of one
/// number met on merge are kept both: that is the merge's to say.
pub fn tracking_is_free(conn: &rusqlite::Connection, p: &Parcel, before: &Parcel) -> Result<()> {
    if p.tracking == before.tracking {
        return Ok(());
    }
    if let Some(other) = tracked_by_another(conn, p)? {
        return Err(StoreError::Duplicate(format!(
            "tracking: parcel {} is already in the notebook (id {other}); a parcel's number is its own",
            p.tracking
        )));
    }
    Ok(())
}

/// Creates a substance; a name or synonym already in the notebook is
/// refused, so one substance is not filed twice under its names.
pub fn substance(w: &mut Writer<'_>, s: &mut crate::domain::Substance) -> Result<Vec<String>> {
    substance_is_new(&w.tx, s, None)?;
    records::insert(w, s)
}

/// Refuses a substance (new, or edited from `before`) whose name, or CAS
/// number, is another substance's in the notebook, or that takes as a
/// synonym another's name or synonym: the CAS number names one
/// substance, and one filed twice splits every count and trend of it; a
/// street name two substances answer to names neither. (Synonyms it held
/// before are not asked about again: the catalogue's own may overlap.)
pub fn substance_is_new(
    conn: &rusqlite::Connection,
    s: &crate::domain::Substance,
    before: Option<&crate::domain::Substance>,
) -> Result<()> {
    let other = |found: &crate::domain::Substance| found.meta.id != s.meta.id;
    // Another substance a name names.
    let named = |n: &str| -> Result<Option<crate::domain::Substance>> {
        Ok(refs::substances_called(conn, n)?
            .into_iter()
            .find(|f| other(f)))
    };
    for synonym in s
        .synonym_list()
        .filter(|n| !before.is_some_and(|b| b.is_called(n)))
    {
        if let Some(existing) = named(synonym)? {
            return Err(StoreError::Invalid(crate::domain::fields::FieldError {
                field: "synonyms".into(),
                message: format!(
                    "{synonym:?} already names {} (id {}) in the notebook; one name names one substance (an analogue is a substance of its own, linked analogue-of)",
                    existing.name, existing.meta.id
                ),
            }));
        }
    }
    if let Some(existing) = named(&s.name)? {
        return Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: "name".into(),
            message: format!(
                "{:?} is already in the notebook as {} (id {})",
                s.name, existing.name, existing.meta.id
            ),
        }));
    }
    if let Some(cas) = s.cas.as_deref().filter(|c| !c.trim().is_empty()) {
        let same = records::list_where::<crate::domain::Substance, _>(
            conn,
            "cas = ?1",
            [cas.trim()],
            2,
            0,
        )?;
        if let Some(existing) = same.into_iter().find(|f| other(f)) {
            return Err(StoreError::Invalid(crate::domain::fields::FieldError {
                field: "cas".into(),
                message: format!(
                    "CAS number {cas} is already in the notebook as {} (id {}); add {:?} to its synonyms instead (`interdict edit {:?} --set synonyms=...`)",
                    existing.name, existing.meta.id, s.name, existing.name
                ),
            }));
        }
    }
    Ok(())
}

fn kind_of(w: &Writer<'_>, id: Uuid) -> Result<ItemKind> {
    refs::kind_of_id(&w.tx, id)?.ok_or_else(|| StoreError::NotFound(format!("no item has id {id}")))
}

/// Another link than `l` between its ends, of its type (`l` oriented).
pub fn same_link(conn: &rusqlite::Connection, l: &Link) -> Result<Option<Uuid>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM links WHERE from_id = ?1 AND to_id = ?2 AND link_type = ?3 AND id != ?4",
        )?
        .query_row((l.from_id, l.to_id, &l.link_type, l.meta.id), |r| r.get(0))
        .optional()?)
}

/// Creates a link between two existing items. Linking an item to itself,
/// or repeating an identical link, is refused.
pub fn link(w: &mut Writer<'_>, l: &mut Link) -> Result<Vec<String>> {
    l.check_ends().map_err(StoreError::Invalid)?;
    l.from_kind = kind_of(w, l.from_id)?;
    l.to_kind = kind_of(w, l.to_id)?;
    l.orient().map_err(StoreError::Invalid)?;
    if let Some(id) = same_link(&w.tx, l)? {
        return Err(StoreError::Duplicate(format!(
            "that {} link already exists (id {id})",
            l.link_type
        )));
    }
    records::insert(w, l)
}

/// Puts an item into a case (an `includes` link), unless it is already.
pub fn include_in_case(w: &mut Writer<'_>, case_id: Uuid, item: Uuid) -> Result<()> {
    let exists: Option<i64> =
        w.tx.prepare_cached(
            "SELECT 1 FROM links WHERE from_id = ?1 AND to_id = ?2 AND link_type = 'includes'",
        )?
        .query_row((case_id, item), |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        let (mut l, _) = crate::domain::record::new_record::<Link>(&[("link_type", "includes")])?;
        l.from_id = case_id;
        l.to_id = item;
        link(w, &mut l)?;
    }
    Ok(())
}

/// Records a substance found in a parcel, as a presumptive
/// identification: it becomes lab-confirmed through a laboratory result.
pub fn finding(w: &mut Writer<'_>, f: &mut Finding) -> Result<Vec<String>> {
    if f.identification == "lab-confirmed" {
        return Err(StoreError::Invalid(crate::domain::fields::FieldError {
            field: "identification".into(),
            message: records::LAB_CONFIRMED_BY_RESULT.into(),
        }));
    }
    finding_of(w, f)
}

/// [`finding`] with whatever identification it has (the demo data writes
/// a lab-confirmed finding and its result together).
pub fn finding_of(w: &mut Writer<'_>, f: &mut Finding) -> Result<Vec<String>> {
    records::must_get::<Parcel>(&w.tx, f.parcel_id)?;
    records::must_get::<crate::domain::Substance>(&w.tx, f.substance_id)?;
    let heavier = records::finding_heavier_than_parcel(&w.tx, f)?;
    let mut warnings = records::insert(w, f)?;
    warnings.extend(heavier);
    Ok(warnings)
}

/// Adds a note or lead to an existing item.
pub fn note(w: &mut Writer<'_>, n: &mut Note) -> Result<Vec<String>> {
    n.item_kind = kind_of(w, n.item_id)?;
    records::insert(w, n)
}
