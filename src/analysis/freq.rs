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
    let mut merged: std::collections::BTreeMap<Option<String>, u64> = Default::default();
    // Each source is counted in one pass over what it reads; the items in
    // scope are the sum of the groups where every item has one value.
    let total = match &dim.source {
        Source::Expr(e) => {
            let sql = format!("SELECT {e} AS v, count(*) FROM {table} t WHERE {cond} GROUP BY v");
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let v = dim.decode(r.get_ref(0)?);
                *merged.entry(v).or_default() += r.get::<_, i64>(1)? as u64;
            }
            merged.values().sum()
        }
        Source::Many { value, .. } => {
            let total = super::scope::count(conn, scope)?;
            // Each (item, value) once; the items with any value, to count
            // those with none as one empty row, so that the sheet accounts
            // for every item in scope.
            let sql = format!(
                "SELECT DISTINCT t.n, {value} FROM {} WHERE {cond}",
                dim.source.from(table)
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            let mut with = std::collections::HashSet::new();
            while let Some(r) = rows.next()? {
                if let Some(v) = dim.decode(r.get_ref(1)?) {
                    with.insert(r.get::<_, i64>(0)?);
                    *merged.entry(Some(v)).or_default() += 1;
                }
            }
            let with = with.len() as u64;
            if total > with {
                merged.insert(None, total - with);
            }
            total
        }
        Source::Flags(flags) => {
            let none = Source::no_flag(flags);
            let conditions = flags.iter().map(|(_, c)| c.as_str());
            let mut sums = super::dims::counts_where(conditions.chain([none.as_str()]));
            sums.push("count(*)".into());
            let sql = format!("SELECT {} FROM {table} t WHERE {cond}", sums.join(", "));
            let counts: Vec<i64> =
                conn.query_row(&sql, rusqlite::params_from_iter(params), |r| {
                    (0..flags.len() + 2).map(|i| r.get(i)).collect()
                })?;
            for (i, n) in counts.iter().take(flags.len() + 1).enumerate() {
                if *n > 0 {
                    let v = flags.get(i).map(|(name, _)| name.clone());
                    merged.insert(v, *n as u64);
                }
            }
            counts.last().copied().unwrap_or(0) as u64
        }
    };
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
