//! Records against their audit trail: every record must be exactly as its
//! last audit entry left it, and every record the audit says exists must
//! exist. A row changed, added or deleted with the sqlite3 shell (outside
//! interdict, so outside the audit) is named here.

use super::audit;
use super::error::Result;
use super::records::{self, to_json};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCheck {
    pub checked: usize,
    /// What is wrong, one line each (at most `MAX_PROBLEMS`).
    pub problems: Vec<String>,
}

pub const MAX_PROBLEMS: usize = 100;

fn check_kind<R: Record>(conn: &Connection, out: &mut RecordCheck) -> Result<()> {
    records::each::<R, _>(conn, "1", [], usize::MAX, 0, |r| {
        out.checked += 1;
        if out.problems.len() >= MAX_PROBLEMS {
            return Ok(());
        }
        let id = r.meta().id;
        match audit::last_state(conn, id)? {
            None => out.problems.push(format!(
                "{} {} ({id}) has no audit entry: written outside interdict",
                R::KIND,
                r.label()
            )),
            Some((_, None)) => out.problems.push(format!(
                "{} {} ({id}) was deleted according to the audit, yet is present",
                R::KIND,
                r.label()
            )),
            Some((_, Some(state))) if !audit::same_state(&state, &to_json(&r)?) => {
                let cols = audit::differing_columns(R::KIND, &state, &to_json(&r)?);
                let which = if cols.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", cols.join(", "))
                };
                out.problems.push(format!(
                    "{} {} ({id}) differs from its last audited state{which}: changed outside interdict",
                    R::KIND,
                    r.label(),
                ))
            }
            _ => {}
        }
        Ok(())
    })
}

/// Checks every record against the audit log, and the audit log against
/// the records.
pub fn check(conn: &Connection) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    check_kind::<Case>(conn, &mut out)?;
    check_kind::<Parcel>(conn, &mut out)?;
    check_kind::<Substance>(conn, &mut out)?;
    check_kind::<Finding>(conn, &mut out)?;
    check_kind::<Link>(conn, &mut out)?;
    check_kind::<Note>(conn, &mut out)?;
    // Items whose last audited action leaves them in place must exist.
    let mut stmt = conn.prepare(
        "SELECT a.item_kind, a.item_id FROM audit a
         WHERE a.state IS NOT NULL AND a.item_kind IN ('case', 'parcel', 'substance', 'finding', 'link', 'note')
           AND a.seq = (SELECT max(seq) FROM audit b WHERE b.item_id = a.item_id)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if out.problems.len() >= MAX_PROBLEMS {
            break;
        }
        let kind: String = r.get(0)?;
        let id: Uuid = r.get(1)?;
        let Ok(k) = kind.parse::<ItemKind>() else {
            continue;
        };
        let exists = conn
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", k.table()))?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            out.problems.push(format!(
                "{k} {id} is missing: deleted outside interdict (the audit has no deletion)"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::new_record;
    use crate::store::create;
    use crate::store::testutil::temp_store;

    #[test]
    fn changes_outside_the_audit_are_named() {
        let (_d, mut s) = temp_store();
        s.write(|w| {
            let (mut c, _) = new_record::<Case>(&[("title", "Kept")])?;
            create::case(w, &mut c)?;
            let (mut p, _) = new_record::<Parcel>(&[("tracking", "RR123456785KZ")])?;
            create::parcel(w, &mut p)?;
            let (mut q, _) = new_record::<Parcel>(&[("tracking", "EE473124829CN")])?;
            create::parcel(w, &mut q)
        })
        .unwrap();
        let ok = check(s.conn()).unwrap();
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert!(ok.checked >= 3);
        // What someone with the sqlite3 shell could do.
        s.conn()
            .execute_batch(
                "UPDATE parcels SET concealment = 'none found' WHERE tracking = 'RR123456785KZ';
                 DELETE FROM parcels WHERE tracking = 'EE473124829CN';
                 UPDATE cases SET title = 'Quietly renamed';",
            )
            .unwrap();
        let bad = check(s.conn()).unwrap();
        let all = bad.problems.join("\n");
        assert!(
            all.contains("parcel RR123456785KZ") && all.contains("in concealment"),
            "{all}"
        );
        assert!(all.contains("in title"), "{all}");
        assert!(
            all.contains("is missing: deleted outside interdict"),
            "{all}"
        );
        assert_eq!(bad.problems.len(), 3, "{all}");
    }
}
