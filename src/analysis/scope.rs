//! Which items a count is over: a kind, optionally one case's share of it,
//! a period, values chosen on earlier counts (facets) and a list of items
//! (a live filter's matches). Turned into one SQL condition over the
//! kind's table, aliased `t`, with every value bound.

use super::dims::{self, Dim, Source};
use crate::domain::ItemKind;
use rusqlite::types::Value;
use uuid::Uuid;

/// A value chosen on a frequency sheet: items whose `dim` is `value`
/// (`None`: items without one).
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    pub dim: Dim,
    pub value: Option<String>,
}

impl Facet {
    /// How it reads in a title: `carrier = China Post`.
    pub fn describe(&self) -> String {
        format!(
            "{} = {}",
            self.dim.name,
            self.value.as_deref().unwrap_or("(none)")
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub kind: ItemKind,
    /// Only what this case holds: its parcels, the substances found in
    /// them, the links from or to it, the case itself.
    pub case: Option<Uuid>,
    /// The period, as inclusive dates `YYYY-MM-DD` of the kind's date
    /// ([`dims::date_expr`]; a substance is in it when one of its findings'
    /// parcels was seized in it).
    pub since: Option<String>,
    pub until: Option<String>,
    pub facets: Vec<Facet>,
    /// Only these records (by number in the file).
    pub items: Option<Vec<i64>>,
    /// The items are the best matches of a search that matched more (the
    /// interface's live filter keeps its best 1,000): titles say so.
    pub items_capped: bool,
}

impl Scope {
    pub fn new(kind: ItemKind) -> Scope {
        Scope {
            kind,
            case: None,
            since: None,
            until: None,
            facets: Vec::new(),
            items: None,
            items_capped: false,
        }
    }

    /// The condition over `t` and its bound values (`?` placeholders in
    /// order).
    pub fn condition(&self) -> (String, Vec<Value>) {
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(case) = self.case {
            let parcels = "SELECT to_id FROM links WHERE from_id = ? AND link_type = 'includes' AND to_kind = 'parcel'";
            let bound = Value::Blob(case.as_bytes().to_vec());
            match self.kind {
                ItemKind::Parcel => {
                    conds.push(format!("t.id IN ({parcels})"));
                    params.push(bound);
                }
                ItemKind::Substance => {
                    conds.push(format!(
                        "t.id IN (SELECT substance_id FROM findings WHERE parcel_id IN ({parcels}))"
                    ));
                    params.push(bound);
                }
                ItemKind::Link => {
                    conds.push("(t.from_id = ? OR t.to_id = ?)".into());
                    params.push(bound.clone());
                    params.push(bound);
                }
                _ => {
                    conds.push("t.id = ?".into());
                    params.push(bound);
                }
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let lo = self.since.clone().unwrap_or_default();
            let hi = self.until.clone().unwrap_or_else(|| "9999-12-31".into());
            match dims::date_expr(self.kind) {
                // A link's time kept as a number (`store::stamp`) is
                // compared as one, with the first and last millisecond of
                // the period, not made into a date row by row.
                Some(_) if self.kind == ItemKind::Link => {
                    conds.push(
                        "CASE typeof(t.created_at) WHEN 'integer' THEN t.created_at BETWEEN ? AND ? \
                         ELSE substr(t.created_at, 1, 10) BETWEEN ? AND ? END"
                            .into(),
                    );
                    let ms = |day: &str, time: &str| {
                        crate::store::stamp::millis(&format!("{day}T{time}Z"))
                    };
                    params.push(Value::Integer(ms(&lo, "00:00:00.000").unwrap_or(i64::MIN)));
                    params.push(Value::Integer(ms(&hi, "23:59:59.999").unwrap_or(i64::MAX)));
                }
                Some(d) => conds.push(format!("{d} BETWEEN ? AND ?")),
                None => conds.push(
                    "EXISTS (SELECT 1 FROM findings f JOIN parcels p ON p.id = f.parcel_id \
                     WHERE f.substance_id = t.id AND p.seized_on BETWEEN ? AND ?)"
                        .into(),
                ),
            }
            params.push(Value::Text(lo));
            params.push(Value::Text(hi));
        }
        for f in &self.facets {
            let table = f.dim.kind.table();
            match (&f.dim.source, &f.value) {
                (Source::Expr(e), Some(v)) => {
                    let (cond, values) = f.dim.equals(e, v);
                    conds.push(cond);
                    params.extend(values);
                }
                (Source::Expr(e), None) => conds.push(format!("coalesce({e}, '') = ''")),
                (Source::Many { join, value, .. }, Some(v)) => {
                    conds.push(format!(
                        "t.n IN (SELECT t.n FROM {table} t {join} WHERE {value} = ?)"
                    ));
                    params.push(f.dim.encode(v));
                }
                (Source::Many { join, value, .. }, None) => conds.push(format!(
                    "t.n NOT IN (SELECT t.n FROM {table} t {join} WHERE coalesce({value}, '') <> '')"
                )),
                (Source::Flags(flags), Some(v)) => {
                    match flags.iter().find(|(name, _)| name == v) {
                        Some((_, c)) => conds.push(format!("({c})")),
                        None => conds.push("0".into()),
                    }
                }
                (Source::Flags(flags), None) => conds.push(Source::no_flag(flags)),
            }
        }
        if let Some(items) = &self.items {
            conds.push("t.n IN (SELECT value FROM json_each(?))".into());
            params.push(Value::Text(
                serde_json::to_string(items).unwrap_or_else(|_| "[]".into()),
            ));
        }
        if conds.is_empty() {
            ("1".into(), params)
        } else {
            (conds.join(" AND "), params)
        }
    }

    /// What the scope holds, in words, for titles: `parcels of C-0042,
    /// 2026-01-01..2026-03-31, carrier = China Post`.
    pub fn describe(&self, case_ref: Option<&str>) -> String {
        let mut parts = vec![match (self.case, case_ref) {
            (Some(_), Some(r)) => format!("{}s of {r}", self.kind),
            (Some(_), None) => format!("{}s of one case", self.kind),
            _ => format!("all {}s", self.kind),
        }];
        if self.since.is_some() || self.until.is_some() {
            parts.push(format!(
                "{}..{}",
                self.since.as_deref().unwrap_or(""),
                self.until.as_deref().unwrap_or("")
            ));
        }
        parts.extend(self.facets.iter().map(Facet::describe));
        match &self.items {
            Some(items) if self.items_capped => {
                parts.push(format!("only the best {} filter matches", items.len()))
            }
            Some(items) => parts.push(format!("{} filtered", items.len())),
            None => {}
        }
        parts.join(", ")
    }
}

/// The record numbers of the items in a scope, in the order they were
/// written (for a pane that lists only them).
pub fn numbers(conn: &rusqlite::Connection, scope: &Scope) -> super::Result<Vec<i64>> {
    let (cond, params) = scope.condition();
    let sql = format!(
        "SELECT t.n FROM {} t WHERE {cond} ORDER BY t.n",
        scope.kind.table()
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many items a scope holds.
pub fn count(conn: &rusqlite::Connection, scope: &Scope) -> super::Result<u64> {
    let (cond, params) = scope.condition();
    let sql = format!("SELECT count(*) FROM {} t WHERE {cond}", scope.kind.table());
    let n: i64 = conn.query_row(&sql, rusqlite::params_from_iter(params), |r| r.get(0))?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A period over links holds the links made in it, their times kept
    /// as numbers or (another shape) as text, to the last millisecond of
    /// its last day.
    #[test]
    fn a_period_of_links_compares_their_stored_times() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE links (n INTEGER PRIMARY KEY, id BLOB, created_at)")
            .unwrap();
        let stored = [
            crate::store::stamp::encode("2026-01-31T23:59:59.999Z"),
            crate::store::stamp::encode("2026-02-01T00:00:00.000Z"),
            crate::store::stamp::encode("2026-02-10T23:59:59.999Z"),
            Value::Text("2026-02-15T08:00:00Z".into()),
            crate::store::stamp::encode("2026-02-11T00:00:00.000Z"),
            crate::store::stamp::encode("2026-03-01T00:00:00.000Z"),
        ];
        for v in &stored {
            c.execute("INSERT INTO links (created_at) VALUES (?1)", [v])
                .unwrap();
        }
        let numbers = |since: Option<&str>, until: Option<&str>| -> Vec<i64> {
            let mut s = Scope::new(ItemKind::Link);
            s.since = since.map(Into::into);
            s.until = until.map(Into::into);
            numbers(&c, &s).unwrap()
        };
        assert_eq!(
            numbers(Some("2026-02-01"), Some("2026-02-28")),
            [2, 3, 4, 5]
        );
        assert_eq!(numbers(Some("2026-02-01"), Some("2026-02-10")), [2, 3]);
        assert_eq!(numbers(Some("2026-02-11"), None), [4, 5, 6]);
        assert_eq!(numbers(None, Some("2026-01-31")), [1]);
    }
}
