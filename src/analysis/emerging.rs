//! Emerging substances: those first found in this notebook in a period,
//! whether new to it (added by someone) or in the catalogue all along and
//! never seen before, each with the parcels it was found in.

use super::scope::Scope;
use super::{Result, parse_date};
use crate::domain::ItemKind;
use jiff::ToSpan;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Parcels listed per substance, at most.
pub const PARCELS_SHOWN: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    pub id: Uuid,
    pub tracking: String,
    pub seized_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Substance {
    pub id: Uuid,
    pub name: String,
    pub group: String,
    /// Part of the substance catalogue (else added to this notebook by a
    /// person, an import or a merge).
    pub in_catalogue: bool,
    /// When its record was written here.
    pub added_on: String,
    /// The seizure date of the first parcel it was found in, anywhere in
    /// the notebook.
    pub first_seen: String,
    /// Parcels in scope it was found in during the period.
    pub parcels: u64,
    /// The first of them, by seizure date.
    pub seen: Vec<Seen>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Emerging {
    pub since: String,
    pub until: String,
    /// First seen in the period, earliest first.
    pub substances: Vec<Substance>,
}

/// The latest seizure date, read from the end of the index by date (which
/// holds only the parcels that have one, so the query must say so).
pub(crate) const LATEST_SEIZURE: &str =
    "SELECT max(seized_on) FROM parcels WHERE seized_on IS NOT NULL";

/// The latest seizure date in the notebook, if any.
pub fn latest_seizure(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row(LATEST_SEIZURE, [], |r| r.get(0))?)
}

/// Substances first found in `[since, until]` (until: the latest seizure)
/// that were found in a parcel in scope in that period. The scope's own
/// period is replaced by this one.
pub fn emerging(
    conn: &Connection,
    scope: &Scope,
    since: &str,
    until: Option<&str>,
) -> Result<Emerging> {
    if scope.kind != ItemKind::Parcel {
        return Err(super::Error::input(
            "kind",
            format!(
                "emerging substances are found in parcels, not {}s",
                scope.kind
            ),
        ));
    }
    let since = parse_date("since", since)?.to_string();
    let given = until.is_some();
    let until = match until {
        Some(u) => parse_date("until", u)?.to_string(),
        None => latest_seizure(conn)?.unwrap_or_else(|| since.clone()),
    };
    // (As a trend's: a period given that runs backwards said "none". One
    // that runs on to the latest seizure, after which nothing was seized,
    // holds nothing.)
    if given && since > until {
        return Err(super::Error::input(
            "period",
            format!("it starts ({since}) after it ends ({until})"),
        ));
    }
    // (The writer read through `writers`; the time as `stamp` stores it.)
    let mut firsts = conn.prepare(&format!(
        "SELECT s.id, s.name, s.\"group\", {} = 'catalogue', s.created_at, \
                min(p.seized_on) AS first \
         FROM findings f JOIN parcels p ON p.id = f.parcel_id JOIN substances s ON s.id = f.substance_id \
         WHERE p.seized_on IS NOT NULL GROUP BY s.n HAVING first BETWEEN ?1 AND ?2 \
         ORDER BY first, s.name",
        crate::store::records::read_column("s", "created_by")
    ))?;
    let found: Vec<Substance> = firsts
        .query_map([&since, &until], |r| {
            Ok(Substance {
                id: r.get(0)?,
                name: r.get(1)?,
                group: r.get(2)?,
                in_catalogue: r.get(3)?,
                added_on: crate::store::stamp::get(r, 4)?.chars().take(10).collect(),
                first_seen: r.get(5)?,
                parcels: 0,
                seen: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut within = scope.clone();
    within.since = Some(since.clone());
    within.until = Some(until.clone());
    let (cond, params) = within.condition();
    let sql = format!(
        "SELECT t.id, t.tracking, t.seized_on FROM parcels t WHERE {cond} \
         AND t.id IN (SELECT parcel_id FROM findings WHERE substance_id = ?) ORDER BY t.seized_on, t.n"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut substances = Vec::new();
    for mut s in found {
        let mut p = params.clone();
        p.push(rusqlite::types::Value::Blob(s.id.as_bytes().to_vec()));
        let seen: Vec<Seen> = stmt
            .query_map(rusqlite::params_from_iter(p), |r| {
                Ok(Seen {
                    id: r.get(0)?,
                    tracking: r.get(1)?,
                    seized_on: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        if seen.is_empty() {
            continue;
        }
        s.parcels = seen.len() as u64;
        s.seen = seen.into_iter().take(PARCELS_SHOWN).collect();
        substances.push(s);
    }
    Ok(Emerging {
        since,
        until,
        substances,
    })
}

/// The start of the `months` months that end on `until` (the interface's
/// emerging view looks back a quarter, then further).
pub fn months_before(until: &str, months: u32) -> Result<String> {
    let u = parse_date("until", until)?;
    let s = u
        .checked_sub((months as i64).months())
        .and_then(|d| d.tomorrow())
        .map_err(|e| super::Error::input("period", e.to_string()))?;
    Ok(s.to_string())
}
