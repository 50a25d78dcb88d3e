//! Trends: seizures per week or month over a period, split by a dimension
//! (substance group, substance, concealment, origin, carrier...), each
//! series with its change against the period before, rising ones first.

use super::dims::{Dim, Source};
use super::scope::Scope;
use super::{Error, Result, parse_date};
use crate::domain::ItemKind;
use jiff::ToSpan;
use jiff::civil::Date;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Week,
    Month,
}

impl Every {
    pub fn parse(s: &str) -> Option<Every> {
        match s.trim().to_ascii_lowercase().as_str() {
            "week" | "weekly" | "w" => Some(Every::Week),
            "month" | "monthly" | "m" => Some(Every::Month),
            _ => None,
        }
    }
    /// The bucket a date falls in, as SQL over a date expression.
    fn sql(self, d: &str) -> String {
        match self {
            Every::Week => format!("date({d}, 'weekday 0', '-6 days')"),
            Every::Month => format!("substr({d}, 1, 7)"),
        }
    }
    /// The bucket a date falls in: a week by its Monday, a month `YYYY-MM`.
    pub fn bucket(self, d: Date) -> String {
        match self {
            Every::Week => self.start(d).to_string(),
            Every::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    }
    /// The first day of the bucket a date falls in.
    fn start(self, d: Date) -> Date {
        match self {
            Every::Week => d
                .checked_sub((d.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(d),
            Every::Month => d.first_of_month(),
        }
    }
    fn step(self, d: Date) -> Option<Date> {
        match self {
            Every::Week => d.checked_add(7.days()).ok(),
            Every::Month => d.first_of_month().checked_add(1.month()).ok(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The dimension's value (`None`: items without one; the whole count
    /// when the trend is not split).
    pub value: Option<String>,
    /// Seizures per bucket of the period, in bucket order.
    pub counts: Vec<u64>,
    /// In the period, and in the period of the same length before it.
    pub current: u64,
    pub previous: u64,
    /// `current - previous`.
    pub change: i64,
    /// The change as a share of `previous` (`None` when `previous` is 0).
    pub change_share: Option<f64>,
}

impl Series {
    /// The change as people read it: `+40%`, `new` when there was nothing
    /// before, nothing when there is nothing either way.
    pub fn change_text(&self) -> String {
        match self.change_share {
            Some(x) => format!("{:+.0}%", x * 100.0),
            None if self.current > 0 => "new".into(),
            None => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub every: Every,
    /// The dimension the series split by (`None`: one series, all seizures).
    pub by: Option<String>,
    pub since: String,
    pub until: String,
    pub previous_since: String,
    pub previous_until: String,
    /// Bucket labels: weeks by their Monday, months `YYYY-MM`.
    pub buckets: Vec<String>,
    /// Every seizure in the period, per bucket.
    pub total: Vec<u64>,
    /// Most rising first: largest `change`, then largest `current`.
    pub series: Vec<Series>,
}

/// The period a trend covers: the scope's, or where it gives no start,
/// the `months` months (in whole weeks or months) up to its end, which is
/// the latest seizure in scope when it gives none.
pub fn period(conn: &Connection, scope: &Scope, every: Every, months: u32) -> Result<(Date, Date)> {
    let months = months.clamp(1, 1200) as i64;
    let mut open = scope.clone();
    open.since = None;
    open.until = None;
    let (cond, params) = open.condition();
    let latest: Option<String> = conn.query_row(
        &format!("SELECT max(t.seized_on) FROM parcels t WHERE t.seized_on IS NOT NULL AND {cond}"),
        rusqlite::params_from_iter(params),
        |r| r.get(0),
    )?;
    let until = match (&scope.until, latest) {
        (Some(u), _) => parse_date("until", u)?,
        (None, Some(l)) => parse_date("latest seizure", &l)?,
        (None, None) => jiff::ZonedDateTime::now().date(),
    };
    let since = match (&scope.since, every) {
        (Some(s), _) => parse_date("since", s)?,
        (None, Every::Month) => until
            .first_of_month()
            .checked_sub((months - 1).months())
            .map_err(|e| Error::input("period", e.to_string()))?,
        (None, Every::Week) => every
            .start(until)
            .checked_sub((months * 52 / 12 - 1).max(0).weeks())
            .map_err(|e| Error::input("period", e.to_string()))?,
    };
    Ok((since, until))
}

/// Seizures (parcels with a seizure date) in scope per bucket, split by
/// `by`, over the scope's period or `months` up to its end ([`period`]).
pub fn trend(
    conn: &Connection,
    scope: &Scope,
    by: Option<&Dim>,
    every: Every,
    months: u32,
) -> Result<Trend> {
    if scope.kind != ItemKind::Parcel {
        return Err(Error::input(
            "kind",
            format!(
                "trends count seizures, which are parcels, not {}s",
                scope.kind
            ),
        ));
    }
    let (since, until) = period(conn, scope, every, months)?;
    if since > until {
        return Err(Error::input(
            "period",
            format!("it starts ({since}) after it ends ({until})"),
        ));
    }
    let days = until
        .since(since)
        .map_err(|e| Error::input("period", e.to_string()))?;
    let days = days.get_days() as i64 + 1;
    let prev_until = since
        .yesterday()
        .map_err(|e| Error::input("period", e.to_string()))?;
    let prev_since = since
        .checked_sub(days.days())
        .map_err(|e| Error::input("period", e.to_string()))?;
    let mut buckets = Vec::new();
    let mut at = every.start(since);
    while at <= until && buckets.len() < 10_000 {
        buckets.push(every.bucket(at));
        match every.step(at) {
            Some(n) => at = n,
            None => break,
        }
    }
    let place: HashMap<&str, usize> = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| (b.as_str(), i))
        .collect();

    let mut wide = scope.clone();
    wide.since = Some(prev_since.to_string());
    wide.until = Some(until.to_string());
    let (cond, params) = wide.condition();
    let b = every.sql("t.seized_on");
    let current = format!("t.seized_on >= '{since}'");
    // Rows of (in the period?, bucket, value, seizures).
    let mut found: Vec<Counted> = Vec::new();
    // Seizures in the period per bucket, when the reading gave them.
    let mut seized: Option<PerBucket> = None;
    let mut read = |sql: &str, flags: Option<&[(String, String)]>| -> Result<()> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.clone()))?;
        while let Some(r) = rows.next()? {
            let is_current: bool = r.get(0)?;
            let bucket: Option<String> = r.get(1)?;
            match flags {
                Some(flags) => {
                    for (i, (name, _)) in flags.iter().enumerate() {
                        let n = r.get::<_, i64>(2 + i)? as u64;
                        if n > 0 {
                            found.push((is_current, bucket.clone(), Some(name.clone()), n));
                        }
                    }
                }
                None => {
                    let value = match by {
                        Some(d) => d.decode(r.get_ref(2)?),
                        None => None,
                    };
                    found.push((is_current, bucket, value, r.get::<_, i64>(3)? as u64));
                }
            }
        }
        Ok(())
    };
    match by.map(|d| &d.source) {
        None => read(
            &format!(
                "SELECT {current}, {b}, NULL, count(*) FROM parcels t WHERE {cond} GROUP BY 1, 2"
            ),
            None,
        )?,
        Some(Source::Expr(e)) => read(
            &format!(
                "SELECT {current}, {b}, {e}, count(*) FROM parcels t WHERE {cond} GROUP BY 1, 2, 3"
            ),
            None,
        )?,
        Some(src @ Source::Many { value, .. }) => {
            let (rows, per_bucket) = many_values(
                conn,
                &format!("SELECT t.n, {current}, {b} FROM parcels t WHERE {cond}"),
                &params,
                &format!("SELECT t.n, {value} FROM {}", src.from("parcels")),
                by,
            )?;
            found = rows;
            seized = Some(per_bucket);
        }
        Some(Source::Flags(flags)) => {
            let sums = super::dims::counts_where(flags.iter().map(|(_, c)| c.as_str()));
            read(
                &format!(
                    "SELECT {current}, {b}, {} FROM parcels t WHERE {cond} GROUP BY 1, 2",
                    sums.join(", ")
                ),
                Some(flags),
            )?
        }
    }
    let mut total = vec![0u64; buckets.len()];
    let mut series: BTreeMap<Option<String>, Series> = BTreeMap::new();
    for (is_current, bucket, value, n) in found {
        let s = series.entry(value).or_insert_with(|| Series {
            value: None,
            counts: vec![0; buckets.len()],
            current: 0,
            previous: 0,
            change: 0,
            change_share: None,
        });
        if is_current {
            s.current += n;
            if let Some(&i) = bucket.as_deref().and_then(|b| place.get(b)) {
                s.counts[i] += n;
            }
        } else {
            s.previous += n;
        }
    }
    // The total counts each seizure once, whatever its values.
    if let Some(seized) = seized {
        for (bucket, n) in seized {
            if let Some(&i) = bucket.as_deref().and_then(|b| place.get(b)) {
                total[i] += n;
            }
        }
    } else if by.is_some_and(Dim::is_many) {
        let mut current = scope.clone();
        current.since = Some(since.to_string());
        current.until = Some(until.to_string());
        let (cond, params) = current.condition();
        let mut stmt = conn.prepare(&format!(
            "SELECT {b}, count(*) FROM parcels t WHERE {cond} GROUP BY 1"
        ))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        while let Some(r) = rows.next()? {
            let bucket: Option<String> = r.get(0)?;
            if let Some(&i) = bucket.as_deref().and_then(|b| place.get(b)) {
                total[i] += r.get::<_, i64>(1)? as u64;
            }
        }
    } else {
        for s in series.values() {
            for (t, c) in total.iter_mut().zip(&s.counts) {
                *t += c;
            }
        }
    }
    let mut series: Vec<Series> = series
        .into_iter()
        .map(|(value, mut s)| {
            s.value = value;
            s.change = s.current as i64 - s.previous as i64;
            s.change_share = (s.previous > 0).then(|| s.change as f64 / s.previous as f64);
            s
        })
        .collect();
    series.sort_by(|a, b| {
        b.change
            .cmp(&a.change)
            .then(b.current.cmp(&a.current))
            .then_with(|| a.value.cmp(&b.value))
    });
    Ok(Trend {
        every,
        by: by.map(|d| d.name.clone()),
        since: since.to_string(),
        until: until.to_string(),
        previous_since: prev_since.to_string(),
        previous_until: prev_until.to_string(),
        buckets,
        total,
        series,
    })
}

/// A row of counts: in the period (not the one before)?, bucket, value,
/// seizures.
type Counted = (bool, Option<String>, Option<String>, u64);

/// A count per bucket (by its label).
type PerBucket = Vec<(Option<String>, u64)>;

/// The [`Counted`] rows of a dimension with
/// any number of values per parcel, each parcel counted once per value.
/// Read in two passes joined here by parcel number rather than in one
/// `GROUP BY ... count(DISTINCT)` over the join: the parcels in scope and
/// period with their buckets (from the seizure-date index alone when the
/// scope is a period only), then every parcel's values (findings first,
/// a parcel's number reached through its id index, never its row), kept
/// for the parcels of the first pass. A seizure's date is then read from
/// the small index instead of the parcel's row (a trend of three years at
/// 1M parcels: see the README's table). Also gives the seizures of the
/// period per bucket (the trend's total), counted from the first pass.
fn many_values(
    conn: &Connection,
    dated_sql: &str,
    params: &[rusqlite::types::Value],
    values_sql: &str,
    by: Option<&Dim>,
) -> Result<(Vec<Counted>, PerBucket)> {
    // Buckets by text, each parcel in scope by number.
    let mut bucket_of: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<Option<String>> = Vec::new();
    let mut no_bucket: Option<u32> = None;
    let mut dated: HashMap<i64, (bool, u32)> = HashMap::new();
    let mut stmt = conn.prepare(dated_sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        let n: i64 = r.get(0)?;
        let is_current: bool = r.get(1)?;
        let bucket = match r.get_ref(2)?.as_str_or_null() {
            Ok(Some(b)) => match bucket_of.get(b) {
                Some(&i) => i,
                None => {
                    bucket_of.insert(b.to_string(), names.len() as u32);
                    names.push(Some(b.to_string()));
                    names.len() as u32 - 1
                }
            },
            _ => *no_bucket.get_or_insert_with(|| {
                names.push(None);
                names.len() as u32 - 1
            }),
        };
        dated.insert(n, (is_current, bucket));
    }
    // Each parcel's values, once each.
    let mut pairs: Vec<(i64, Option<String>)> = Vec::new();
    let mut stmt = conn.prepare(values_sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let n: i64 = r.get(0)?;
        if dated.contains_key(&n) {
            let value = by.and_then(|d| d.decode(r.get_ref(1).ok()?));
            pairs.push((n, value));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut counts: HashMap<(bool, u32, Option<String>), u64> = HashMap::new();
    for (n, value) in pairs {
        if let Some(&(is_current, bucket)) = dated.get(&n) {
            *counts.entry((is_current, bucket, value)).or_insert(0) += 1;
        }
    }
    // The parcels of the period per bucket, whatever their values: the
    // trend's total, read here already.
    let mut seized = vec![0u64; names.len()];
    for &(is_current, bucket) in dated.values() {
        if is_current {
            seized[bucket as usize] += 1;
        }
    }
    let seized = names.iter().cloned().zip(seized).collect();
    let found = counts
        .into_iter()
        .map(|((is_current, bucket, value), n)| {
            (is_current, names[bucket as usize].clone(), value, n)
        })
        .collect();
    Ok((found, seized))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_mondays_and_months() {
        let d: Date = "2026-11-29".parse().unwrap(); // a Sunday
        assert_eq!(Every::Week.bucket(d), "2026-11-23");
        assert_eq!(
            Every::Week.bucket("2026-11-23".parse().unwrap()),
            "2026-11-23"
        );
        assert_eq!(Every::Month.bucket(d), "2026-11");
        assert_eq!(Every::parse("Weekly"), Some(Every::Week));
        assert_eq!(Every::parse("fortnight"), None);
    }

    /// The latest seizure, with or without a scope, is read from the index
    /// by date, which holds only the parcels seized (schema 19).
    #[test]
    fn the_latest_seizure_is_read_from_the_index_of_dates() {
        use crate::domain::Parcel;
        use crate::domain::record::new_record;
        let (_d, mut s) = crate::store::testutil::temp_store();
        s.write(|w| {
            for (t, on) in [
                ("RR123456785KZ", Some("2026-03-04")),
                ("EE473124829CN", Some("2026-05-06")),
                ("CP000000080KZ", None),
            ] {
                let mut fields = vec![("tracking", t)];
                if let Some(on) = on {
                    fields.extend([("status", "seized"), ("seized_on", on)]);
                }
                let (mut p, _) = new_record::<Parcel>(&fields)?;
                crate::store::create::parcel(w, &mut p)?;
            }
            Ok(())
        })
        .unwrap();
        let c = s.conn();
        assert_eq!(
            super::super::emerging::latest_seizure(c)
                .unwrap()
                .as_deref(),
            Some("2026-05-06")
        );
        let (_, until) = period(c, &Scope::new(ItemKind::Parcel), Every::Month, 3).unwrap();
        assert_eq!(until.to_string(), "2026-05-06");
        let indexed: i64 = c
            .query_row(
                "SELECT count(*) FROM parcels INDEXED BY parcels_seized_on WHERE seized_on IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 2);
        let plan = &crate::store::testutil::plan(c, super::super::emerging::LATEST_SEIZURE, [])[0];
        assert!(plan.contains("COVERING INDEX parcels_seized_on"), "{plan}");
    }

    #[test]
    fn sqlite_places_dates_in_the_same_weeks_as_the_code() {
        let conn = Connection::open_in_memory().unwrap();
        let mut d: Date = "2024-12-25".parse().unwrap();
        for _ in 0..40 {
            let sql: String = conn
                .query_row(
                    &format!("SELECT {}", Every::Week.sql("?1")),
                    [d.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(sql, Every::Week.bucket(d), "{d}");
            d = d.tomorrow().unwrap();
        }
    }
}
