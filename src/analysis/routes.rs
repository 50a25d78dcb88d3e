//! The route matrix: parcels by origin and destination (and by the transit
//! countries between), with how many held a controlled substance.

use super::Result;
use super::scope::Scope;
use crate::domain::ItemKind;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeMap;

/// A substance under a UN schedule (1961, 1971) or table (1988), as SQL
/// over `s`.
fn controlled() -> String {
    super::dims::controlled("s")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub origin: Option<String>,
    /// `None` in the matrix (all transits together) and for direct parcels.
    pub transit: Option<String>,
    pub destination: Option<String>,
    pub parcels: u64,
    /// Parcels found holding a controlled substance.
    pub controlled: u64,
    /// `controlled / parcels`.
    pub controlled_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routes {
    pub parcels: u64,
    pub controlled: u64,
    /// Origins and destinations, most parcels first.
    pub origins: Vec<Option<String>>,
    pub destinations: Vec<Option<String>>,
    /// Origin x destination, every transit together; most parcels first.
    pub matrix: Vec<Route>,
    /// Parcels that went through a transit country, by their whole path.
    pub via: Vec<Route>,
}

/// Origin, transit and destination.
type Path = (Option<String>, Option<String>, Option<String>);

fn route(origin: Option<String>, transit: Option<String>, destination: Option<String>) -> Route {
    Route {
        origin,
        transit,
        destination,
        parcels: 0,
        controlled: 0,
        controlled_share: 0.0,
    }
}

fn ranked(counts: BTreeMap<Option<String>, u64>) -> Vec<Option<String>> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(k, _)| k).collect()
}

fn finish(mut v: Vec<Route>) -> Vec<Route> {
    for r in &mut v {
        r.controlled_share = if r.parcels == 0 {
            0.0
        } else {
            r.controlled as f64 / r.parcels as f64
        };
    }
    v.sort_by(|a, b| {
        b.parcels.cmp(&a.parcels).then_with(|| {
            (&a.origin, &a.destination, &a.transit).cmp(&(&b.origin, &b.destination, &b.transit))
        })
    });
    v
}

/// The route matrix of the parcels in scope (of a parcel scope; other
/// kinds have no route).
pub fn routes(conn: &Connection, scope: &Scope) -> Result<Routes> {
    if scope.kind != ItemKind::Parcel {
        return Err(super::Error::input(
            "kind",
            format!("routes are parcels', not {}s'", scope.kind),
        ));
    }
    let (cond, params) = scope.condition();
    let path = "nullif(t.origin, ''), nullif(t.transit, ''), nullif(t.destination, '')";
    // The parcels per path, then those of them that held a controlled
    // substance, read from the findings (far fewer than the parcels) in
    // their own order: two passes, each as quick as a plain GROUP BY.
    let mut held: BTreeMap<Path, u64> = BTreeMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT {path}, count(DISTINCT t.n) FROM findings f \
         CROSS JOIN parcels t ON t.id = f.parcel_id CROSS JOIN substances s ON s.id = f.substance_id \
         WHERE {} AND {cond} GROUP BY 1, 2, 3",
        controlled()
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.clone()))?;
    while let Some(r) = rows.next()? {
        held.insert(
            (r.get(0)?, r.get(1)?, r.get(2)?),
            r.get::<_, i64>(3)? as u64,
        );
    }
    drop(rows);
    let mut stmt = conn.prepare(&format!(
        "SELECT {path}, count(*) FROM parcels t WHERE {cond} GROUP BY 1, 2, 3"
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut matrix: BTreeMap<(Option<String>, Option<String>), Route> = BTreeMap::new();
    let mut via = Vec::new();
    let (mut origins, mut destinations) = (BTreeMap::new(), BTreeMap::new());
    let (mut parcels, mut controlled) = (0, 0);
    while let Some(r) = rows.next()? {
        let (o, tr, d): Path = (r.get(0)?, r.get(1)?, r.get(2)?);
        let n = r.get::<_, i64>(3)? as u64;
        let c = held
            .get(&(o.clone(), tr.clone(), d.clone()))
            .copied()
            .unwrap_or(0);
        parcels += n;
        controlled += c;
        *origins.entry(o.clone()).or_default() += n;
        *destinations.entry(d.clone()).or_default() += n;
        let cell = matrix
            .entry((o.clone(), d.clone()))
            .or_insert_with(|| route(o.clone(), None, d.clone()));
        cell.parcels += n;
        cell.controlled += c;
        if tr.is_some() {
            let mut r = route(o, tr, d);
            r.parcels = n;
            r.controlled = c;
            via.push(r);
        }
    }
    Ok(Routes {
        parcels,
        controlled,
        origins: ranked(origins),
        destinations: ranked(destinations),
        matrix: finish(matrix.into_values().collect()),
        via: finish(via),
    })
}
