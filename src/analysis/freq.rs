//! Frequency sheets: the distinct values of a dimension over a scope, each
//! with how many items have it and their share.

use super::Result;
use super::dims::{Dim, Source};
use super::scope::Scope;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreqRow {
    /// `None`: the items with no value.
    pub value: Option<String>,
    pub count: u64,
    /// Of the items in scope, 0..=1.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Freq {
    pub field: String,
    pub label: String,
    pub kind: String,
    /// Items in scope.
    pub total: u64,
    /// An item may have several values: shares may add up to more than 1.
    pub many: bool,
    /// Most frequent first (ties by value).
    pub rows: Vec<FreqRow>,
}

/// How a sheet is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Count,
    Value,
}

impl Freq {
    pub fn sort(&mut self, order: Order) {
        match order {
            Order::Count => self
                .rows
                .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value))),
            Order::Value => self.rows.sort_by(|a, b| a.value.cmp(&b.value)),
        }
    }
}

/// The frequency sheet of `dim` over `scope`.
pub fn freq(conn: &Connection, scope: &Scope, dim: &Dim) -> Result<Freq> {
    let table = scope.kind.table();
    let (cond, params) = scope.condition();
    let total = super::scope::count(conn, scope)?;
    let sql = match &dim.source {
        Source::Expr(e) => {
            format!("SELECT {e} AS v, count(*) FROM {table} t WHERE {cond} GROUP BY v")
        }
        // Items with none of the values are counted as one empty row, so
        // that the sheet accounts for every item in scope.
        Source::Many { join, value } => format!(
            "SELECT {value} AS v, count(DISTINCT t.n) FROM {table} t {join} WHERE {cond} GROUP BY v"
        ),
    };
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut merged: std::collections::BTreeMap<Option<String>, u64> = Default::default();
    while let Some(r) = rows.next()? {
        let v = dim.decode(r.get_ref(0)?);
        let n: i64 = r.get(1)?;
        *merged.entry(v).or_default() += n as u64;
    }
    drop(rows);
    if dim.is_many() {
        let with: u64 = {
            let Source::Many { join, value } = &dim.source else {
                unreachable!()
            };
            let (cond, params) = scope.condition();
            conn.query_row(
                &format!(
                    "SELECT count(DISTINCT t.n) FROM {table} t {join} \
                     WHERE {cond} AND coalesce({value}, '') <> ''"
                ),
                rusqlite::params_from_iter(params),
                |r| r.get::<_, i64>(0),
            )? as u64
        };
        merged.remove(&None);
        if total > with {
            merged.insert(None, total - with);
        }
    }
    let mut out = Freq {
        field: dim.name.clone(),
        label: dim.label.clone(),
        kind: scope.kind.to_string(),
        total,
        many: dim.is_many(),
        rows: merged
            .into_iter()
            .map(|(value, count)| FreqRow {
                value,
                count,
                share: if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                },
            })
            .collect(),
    };
    out.sort(Order::Count);
    Ok(out)
}
