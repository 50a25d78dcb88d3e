//! What surrounds an item: its links, notes, findings and cases.

use super::error::Result;
use super::records::list_where;
use crate::domain::{Finding, ItemKind, Link, Note, Parcel};
use rusqlite::Connection;
use uuid::Uuid;

/// Links from or to an item (both directions), oldest first.
pub fn links_of(conn: &Connection, id: Uuid, limit: usize) -> Result<Vec<Link>> {
    list_where(conn, "from_id = ?1 OR to_id = ?1", [id], limit, 0)
}

pub fn notes_on(conn: &Connection, id: Uuid, limit: usize) -> Result<Vec<Note>> {
    list_where(conn, "item_id = ?1", [id], limit, 0)
}

/// How many notes are on an item.
pub fn notes_on_count(conn: &Connection, id: Uuid) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM notes WHERE item_id = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(n as usize)
}

/// How many findings name a substance (the parcels it was found in).
pub fn findings_of_substance_count(conn: &Connection, substance: Uuid) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM findings WHERE substance_id = ?1")?
        .query_row([substance], |r| r.get(0))?;
    Ok(n as usize)
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

/// The parcels a case includes, counted; the cases an item is in. Read
/// through the links' indexes by either end (which since schema 22 hold
/// the end alone: the type is read from the row).
const PARCELS_OF_CASE: &str = "SELECT count(*) FROM links WHERE from_id = ?1 AND link_type = 'includes' AND to_kind = 'parcel'";
const CASES_OF_ITEM: &str =
    "SELECT from_id FROM links WHERE to_id = ?1 AND link_type = 'includes' AND from_kind = 'case'";

/// How many parcels a case includes.
pub fn parcel_count_in_case(conn: &Connection, case: Uuid) -> Result<i64> {
    Ok(conn
        .prepare_cached(PARCELS_OF_CASE)?
        .query_row([case], |r| r.get(0))?)
}

/// The condition (SQL over the kind's table, the case's id bound as `?1`)
/// for the records of a kind that belong to a case: the parcels it
/// includes, their findings, the links from or to it, and the notes on it
/// or on what it includes. `None` for kinds a case does not hold.
pub fn in_case_condition(kind: ItemKind) -> Option<&'static str> {
    Some(match kind {
        ItemKind::Parcel => {
            "id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')"
        }
        ItemKind::Link => "from_id = ?1 OR to_id = ?1",
        ItemKind::Note => {
            "item_id = ?1 OR item_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')"
        }
        ItemKind::Finding => {
            "parcel_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')"
        }
        // People and organisations linked to the case or to a parcel it
        // includes.
        ItemKind::Person | ItemKind::Organisation => {
            "id IN (SELECT to_id FROM links WHERE from_id = ?1 UNION SELECT from_id FROM links WHERE to_id = ?1
                    UNION SELECT l.from_id FROM links l JOIN links i ON i.to_id = l.to_id
                          WHERE i.from_id = ?1 AND i.link_type = 'includes'
                    UNION SELECT l.to_id FROM links l JOIN links i ON i.to_id = l.from_id
                          WHERE i.from_id = ?1 AND i.link_type = 'includes')"
        }
        // The evidence trail of the parcels it includes.
        ItemKind::Inspection | ItemKind::Exhibit | ItemKind::Delivery => {
            "parcel_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')"
        }
        ItemKind::Custody => {
            "exhibit_id IN (SELECT e.id FROM exhibits e JOIN links i ON i.to_id = e.parcel_id
                            WHERE i.from_id = ?1 AND i.link_type = 'includes')"
        }
        ItemKind::LabResult => {
            "finding_id IN (SELECT f.id FROM findings f JOIN links i ON i.to_id = f.parcel_id
                            WHERE i.from_id = ?1 AND i.link_type = 'includes')"
        }
        // On the case, on what it includes, or on that evidence.
        ItemKind::Document => {
            "item_id = ?1 OR item_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')
             OR item_id IN (SELECT x.id FROM inspections x JOIN links i ON i.to_id = x.parcel_id WHERE i.from_id = ?1 AND i.link_type = 'includes')
             OR item_id IN (SELECT x.id FROM exhibits x JOIN links i ON i.to_id = x.parcel_id WHERE i.from_id = ?1 AND i.link_type = 'includes')
             OR item_id IN (SELECT x.id FROM deliveries x JOIN links i ON i.to_id = x.parcel_id WHERE i.from_id = ?1 AND i.link_type = 'includes')
             OR item_id IN (SELECT r.id FROM lab_results r JOIN findings f ON f.id = r.finding_id JOIN links i ON i.to_id = f.parcel_id WHERE i.from_id = ?1 AND i.link_type = 'includes')"
        }
        ItemKind::Case | ItemKind::Substance => return None,
    })
}

/// Ids of the records of a kind that belong to a case (see
/// [`in_case_condition`]); none for kinds a case does not hold.
pub fn ids_in_case(conn: &Connection, kind: ItemKind, case: Uuid) -> Result<Vec<Uuid>> {
    let Some(cond) = in_case_condition(kind) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare(&format!("SELECT id FROM {} WHERE {cond}", kind.table()))?;
    let rows = stmt.query_map([case], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ids of the cases that include an item.
pub fn cases_including(conn: &Connection, item: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(CASES_OF_ITEM)?;
    let rows = stmt.query_map([item], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a laboratory result confirms the finding: it says confirmed,
/// by methods that can identify a substance under SWGDRUG (a result
/// stored otherwise, by a release before the rule or out of band,
/// confirms nothing).
pub fn confirmed_by_lab(conn: &Connection, finding: Uuid) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT method FROM lab_results WHERE finding_id = ?1 AND outcome = 'confirmed'",
    )?;
    let methods = stmt.query_map([finding], |r| r.get::<_, String>(0))?;
    for m in methods {
        if crate::domain::evidence::lab::identifies(&m?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The results that confirm a finding, each as its test reference names
/// it (`LABORATORY REFERENCE`).
pub fn confirming_results(conn: &Connection, finding: Uuid) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT method, laboratory, reference FROM lab_results \
         WHERE finding_id = ?1 AND outcome = 'confirmed'",
    )?;
    let rows = stmt.query_map([finding], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (method, lab, reference) = row?;
        if crate::domain::evidence::lab::identifies(&method) {
            out.push(format!("{lab} {reference}"));
        }
    }
    Ok(out)
}

/// A parcel's evidence trail: its inspections, exhibits and their custody
/// entries, controlled-delivery outcomes, and the laboratory results on its
/// findings, each with its kind.
pub fn evidence_of_parcel(conn: &Connection, parcel: Uuid) -> Result<Vec<(ItemKind, Uuid)>> {
    let mut out = Vec::new();
    let mut q = |kind: ItemKind, sql: &str| -> Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([parcel], |r| r.get::<_, Uuid>(0))?;
        for id in rows {
            out.push((kind, id?));
        }
        Ok(())
    };
    q(
        ItemKind::Inspection,
        "SELECT id FROM inspections WHERE parcel_id = ?1 ORDER BY n",
    )?;
    q(
        ItemKind::Exhibit,
        "SELECT id FROM exhibits WHERE parcel_id = ?1 ORDER BY n",
    )?;
    q(
        ItemKind::Custody,
        "SELECT c.id FROM custody c JOIN exhibits e ON e.id = c.exhibit_id WHERE e.parcel_id = ?1 ORDER BY c.n",
    )?;
    q(
        ItemKind::Delivery,
        "SELECT id FROM deliveries WHERE parcel_id = ?1 ORDER BY n",
    )?;
    q(
        ItemKind::LabResult,
        "SELECT r.id FROM lab_results r JOIN findings f ON f.id = r.finding_id WHERE f.parcel_id = ?1 ORDER BY r.n",
    )?;
    Ok(out)
}

/// The documents on an item.
pub fn documents_of(conn: &Connection, item: Uuid) -> Result<Vec<(ItemKind, Uuid)>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM documents WHERE item_id = ?1 ORDER BY n")?;
    let rows = stmt.query_map([item], |r| r.get::<_, Uuid>(0))?;
    Ok(rows
        .map(|r| r.map(|id| (ItemKind::Document, id)))
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::domain::{Case, Parcel};
    use crate::store::create;
    use crate::store::testutil::temp_store;

    /// A case's parcels and a parcel's cases are found through the links'
    /// indexes by either end, which hold the end alone (schema 22).
    #[test]
    fn a_cases_links_are_read_through_the_index_of_their_end() {
        let (_d, mut s) = temp_store();
        let (case, parcels) = s
            .write(|w| {
                let (mut c, _) = new_record::<Case>(&[("title", "Steppe route")])?;
                create::case(w, &mut c)?;
                let mut parcels = Vec::new();
                for t in ["RR123456785KZ", "EE473124829CN", "CP000000080KZ"] {
                    let (mut p, _) = new_record::<Parcel>(&[("tracking", t)])?;
                    create::parcel(w, &mut p)?;
                    create::include_in_case(w, c.meta.id, p.meta.id)?;
                    parcels.push(p.meta.id);
                }
                Ok((c.meta.id, parcels))
            })
            .unwrap();
        assert_eq!(parcel_count_in_case(s.conn(), case).unwrap(), 3);
        assert_eq!(cases_including(s.conn(), parcels[1]).unwrap(), [case]);
        assert_eq!(parcels_in_case(s.conn(), case, 10, 0).unwrap().len(), 3);
        for (sql, index) in [
            (PARCELS_OF_CASE, "links_from (from_id=?)"),
            (CASES_OF_ITEM, "links_to (to_id=?)"),
        ] {
            let plan = &crate::store::testutil::plan(s.conn(), sql, [case])[0];
            assert!(
                plan.contains(&format!("USING INDEX {index}")),
                "{sql}: {plan}"
            );
        }
        let cols: Vec<String> = s
            .conn()
            .prepare("SELECT name FROM pragma_index_info('links_from')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(cols, ["from_id"]);
    }
}

/// One merge or import an item came through (or was changed by): the
/// `sources` row and what it did to the item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CameThrough {
    /// `merge` or `import`.
    pub kind: String,
    pub at: String,
    /// Who ran it here.
    pub by: String,
    pub file_name: String,
    pub file_sha256: String,
    /// Who exported the file and whose key signed it (merges).
    pub exporter: Option<String>,
    pub signer: Option<String>,
    /// `added`, `updated`, `import`...
    pub action: String,
    /// The line of an imported row.
    pub line: Option<i64>,
    /// A case's reference in the file, where it was renumbered here.
    pub foreign_ref: Option<String>,
}

/// The merges and imports `item` came through, oldest first.
pub fn came_through(conn: &Connection, item: Uuid) -> Result<Vec<CameThrough>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.kind, s.at, s.actor, s.file_name, s.file_sha256, s.exporter, s.signer,
                p.action, p.line, p.foreign_ref
           FROM provenance p JOIN sources s ON s.id = p.source_id
          WHERE p.item_id = ?1 ORDER BY s.at",
    )?;
    let rows = stmt.query_map([item], |r| {
        Ok(CameThrough {
            kind: r.get(0)?,
            at: r.get(1)?,
            by: r.get(2)?,
            file_name: r.get(3)?,
            file_sha256: r.get(4)?,
            exporter: r.get(5)?,
            signer: r.get(6)?,
            action: r.get(7)?,
            line: r.get(8)?,
            foreign_ref: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl CameThrough {
    /// One line, as `show` prints it.
    pub fn line(&self) -> String {
        let mut s = if self.kind == "import" {
            format!("imported {} from {}", self.at, self.file_name)
        } else {
            format!(
                "merged ({}) {} from {}",
                self.action, self.at, self.file_name
            )
        };
        if let Some(l) = self.line {
            s.push_str(&format!(", line {l}"));
        }
        if let Some(e) = self.exporter.as_deref().filter(|e| !e.is_empty()) {
            s.push_str(&format!(", exported by {e}"));
        }
        if let Some(g) = self.signer.as_deref().filter(|g| !g.is_empty()) {
            s.push_str(&format!(", signed by {g}"));
        }
        if let Some(r) = &self.foreign_ref {
            s.push_str(&format!(", {r} there"));
        }
        s.push_str(&format!(", by {} here", self.by));
        s
    }
}
