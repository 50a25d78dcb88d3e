//! What surrounds an item: its links, notes, findings and cases.

use super::error::Result;
use super::records::list_where;
use crate::domain::{Finding, Link, Note, Parcel};
use rusqlite::Connection;
use uuid::Uuid;

/// Links from or to an item (both directions), oldest first.
pub fn links_of(conn: &Connection, id: Uuid, limit: usize) -> Result<Vec<Link>> {
    list_where(conn, "from_id = ?1 OR to_id = ?1", [id], limit, 0)
}

pub fn notes_on(conn: &Connection, id: Uuid, limit: usize) -> Result<Vec<Note>> {
    list_where(conn, "item_id = ?1", [id], limit, 0)
}

pub fn findings_in_parcel(conn: &Connection, parcel: Uuid) -> Result<Vec<Finding>> {
    list_where(conn, "parcel_id = ?1", [parcel], 1000, 0)
}

pub fn findings_of_substance(
    conn: &Connection,
    substance: Uuid,
    limit: usize,
) -> Result<Vec<Finding>> {
    list_where(conn, "substance_id = ?1", [substance], limit, 0)
}

/// Parcels a case includes, in the order they were added to it.
pub fn parcels_in_case(
    conn: &Connection,
    case: Uuid,
    limit: usize,
    offset: usize,
) -> Result<Vec<Parcel>> {
    list_where(
        conn,
        "id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')",
        [case],
        limit,
        offset,
    )
}

/// Ids of the cases that include an item.
pub fn cases_including(conn: &Connection, item: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_id FROM links WHERE to_id = ?1 AND link_type = 'includes' AND from_kind = 'case'",
    )?;
    let rows = stmt.query_map([item], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
