//! `stats freq|trend|routes|emerging` and `timeline`: the analyst's counts
//! as tables for people, JSON for programs and CSV for spreadsheets.

use super::args::{Format, ScopeArgs, StatsCmd};
use super::output::{print_csv, print_json, print_table};
use crate::analysis::{self, Facet, Scope, dims, emerging, freq, routes, timeline, trend};
use crate::domain::ItemKind;
use crate::domain::text::{bar, spark};
use crate::store::Store;
use crate::store::refs;
use anyhow::{Result, bail};
use std::io::Write;

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn value(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".into())
}

/// The scope the options describe, over items of `kind`.
fn scope(store: &Store, kind: ItemKind, a: &ScopeArgs) -> Result<(Scope, Option<String>)> {
    let conn = store.conn();
    let mut s = Scope::new(kind);
    let mut case_ref = None;
    if let Some(c) = &a.case {
        let r = refs::resolve_kind(conn, c, ItemKind::Case)?;
        s.case = Some(r.id);
        case_ref = Some(r.label);
    }
    for (what, v, slot) in [
        ("--since", &a.since, &mut s.since),
        ("--until", &a.until, &mut s.until),
    ] {
        if let Some(d) = v {
            let d = analysis::parse_date(what, d).map_err(anyhow::Error::from)?;
            *slot = Some(d.to_string());
        }
    }
    // A period that ends before it starts holds nothing: refused, as
    // `stats trend` refuses it (a count said a silent 0).
    if let (Some(lo), Some(hi)) = (&s.since, &s.until)
        && lo > hi
    {
        bail!("period: it starts ({lo}) after it ends ({hi})");
    }
    for w in &a.facets {
        let Some((field, v)) = w.split_once('=') else {
            bail!("--where {w:?}: expected FIELD=VALUE");
        };
        let dim = dims::find(kind, field).map_err(|e| anyhow::anyhow!("--where: {e}"))?;
        let v = v.trim();
        // A substance by any of its names, as everywhere else (only the
        // catalogue's spelling matched: `substance=fentanyl` counted 0).
        let named;
        let v = if dim.name == "substance" && !v.is_empty() {
            named = refs::resolve_kind(conn, v, ItemKind::Substance)
                .map_err(|e| anyhow::anyhow!("--where {w:?}: {e}"))?
                .label;
            named.as_str()
        } else if !v.is_empty() {
            // As the field's values are written, or refused naming why
            // none can be (it counted a silent 0).
            named = dim
                .normalise(v)
                .map_err(|e| anyhow::anyhow!("--where {w:?}: {e}"))?;
            named.as_str()
        } else {
            v
        };
        s.facets.push(Facet {
            dim,
            value: (!v.is_empty()).then(|| v.to_string()),
        });
    }
    Ok((s, case_ref))
}

pub fn stats(format: Format, store: &Store, cmd: &StatsCmd, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    match cmd {
        StatsCmd::Freq {
            field,
            kind,
            scope: a,
            limit,
            by_value,
        } => {
            let kind: ItemKind = kind
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--kind: {e}"))?;
            if !matches!(
                kind,
                ItemKind::Parcel | ItemKind::Case | ItemKind::Substance | ItemKind::Link
            ) {
                bail!("--kind {kind}: counts are of parcels, cases, substances or links");
            }
            let dim = dims::find(kind, field).map_err(|e| anyhow::anyhow!("FIELD: {e}"))?;
            let (scope, case_ref) = scope(store, kind, a)?;
            let mut f = freq::freq(conn, &scope, &dim)?;
            if *by_value {
                f.sort(freq::Order::Value);
            }
            if let Some(n) = limit {
                f.rows.truncate(*n);
            }
            match format {
                Format::Json => print_json(out, &f)?,
                Format::Csv => print_csv(
                    out,
                    &["value", "count", "share"],
                    f.rows.iter().map(|r| {
                        vec![
                            value(&r.value),
                            r.count.to_string(),
                            format!("{:.6}", r.share),
                        ]
                    }),
                )?,
                Format::Table => {
                    writeln!(
                        out,
                        "{} over {} ({} items{})",
                        f.label,
                        scope.describe(case_ref.as_deref()),
                        f.total,
                        if f.many {
                            "; an item may have several values"
                        } else {
                            ""
                        }
                    )?;
                    let max = f.rows.iter().map(|r| r.count).max().unwrap_or(0);
                    let rows: Vec<Vec<String>> = f
                        .rows
                        .iter()
                        .map(|r| {
                            vec![
                                value(&r.value),
                                r.count.to_string(),
                                percent(r.share),
                                bar(r.count, max, 24),
                            ]
                        })
                        .collect();
                    print_table(out, &["value", "count", "share", ""], &rows)?;
                }
            }
        }
        StatsCmd::Trend {
            by,
            every,
            scope: a,
        } => {
            let every = trend::Every::parse(every)
                .ok_or_else(|| anyhow::anyhow!("--every {every:?}: week or month"))?;
            let by = by
                .as_deref()
                .map(|b| dims::find(ItemKind::Parcel, b).map_err(|e| anyhow::anyhow!("--by: {e}")))
                .transpose()?;
            let (scope, case_ref) = scope(store, ItemKind::Parcel, a)?;
            let t = trend::trend(conn, &scope, by.as_ref(), every, 12)?;
            match format {
                Format::Json => print_json(out, &t)?,
                Format::Csv => {
                    let mut headers = vec!["series", "previous", "current", "change"];
                    headers.extend(t.buckets.iter().map(String::as_str));
                    let rows = t.series.iter().map(|s| {
                        let mut cells = vec![
                            value(&s.value),
                            s.previous.to_string(),
                            s.current.to_string(),
                            s.change.to_string(),
                        ];
                        cells.extend(s.counts.iter().map(u64::to_string));
                        cells
                    });
                    print_csv(out, &headers, rows)?;
                }
                Format::Table => {
                    writeln!(
                        out,
                        "Seizures per {} of {}, {}..{} (against {}..{})",
                        if every == trend::Every::Week {
                            "week"
                        } else {
                            "month"
                        },
                        // The period is the trend's, said once.
                        Scope {
                            since: None,
                            until: None,
                            ..scope.clone()
                        }
                        .describe(case_ref.as_deref()),
                        t.since,
                        t.until,
                        t.previous_since,
                        t.previous_until
                    )?;
                    writeln!(
                        out,
                        "all  {}  {}",
                        spark(&t.total),
                        t.total.iter().sum::<u64>()
                    )?;
                    let rows: Vec<Vec<String>> = t
                        .series
                        .iter()
                        .map(|s| {
                            vec![
                                if t.by.is_some() {
                                    value(&s.value)
                                } else {
                                    "all seizures".into()
                                },
                                s.previous.to_string(),
                                s.current.to_string(),
                                format!("{:+}", s.change),
                                s.change_text(),
                                spark(&s.counts),
                            ]
                        })
                        .collect();
                    let by = t.by.as_deref().unwrap_or("series");
                    print_table(
                        out,
                        &[by, "before", "now", "change", "%", "per period"],
                        &rows,
                    )?;
                }
            }
        }
        StatsCmd::Routes { scope: a } => {
            let (scope, case_ref) = scope(store, ItemKind::Parcel, a)?;
            let r = routes::routes(conn, &scope)?;
            let row = |level: &str, x: &routes::Route| {
                vec![
                    level.to_string(),
                    value(&x.origin),
                    x.transit.clone().unwrap_or_default(),
                    value(&x.destination),
                    x.parcels.to_string(),
                    x.controlled.to_string(),
                    percent(x.controlled_share),
                ]
            };
            let headers = [
                "level",
                "origin",
                "transit",
                "destination",
                "parcels",
                "controlled",
                "share",
            ];
            match format {
                Format::Json => print_json(out, &r)?,
                Format::Csv => print_csv(
                    out,
                    &headers,
                    (r.matrix.iter().map(|x| row("matrix", x)))
                        .chain(r.via.iter().map(|x| row("via", x))),
                )?,
                Format::Table => {
                    writeln!(
                        out,
                        "Routes of {}: {} parcels, {} ({}) held a controlled substance",
                        scope.describe(case_ref.as_deref()),
                        r.parcels,
                        r.controlled,
                        crate::analysis::percent_of(r.controlled, r.parcels)
                    )?;
                    writeln!(
                        out,
                        "(each cell: parcels, and the share that held a controlled substance)"
                    )?;
                    let mut headers = vec!["origin".to_string()];
                    headers.extend(r.destinations.iter().map(|d| format!("> {}", value(d))));
                    let cells: Vec<Vec<String>> = r
                        .origins
                        .iter()
                        .map(|o| {
                            let mut v = vec![value(o)];
                            for d in &r.destinations {
                                v.push(
                                    r.matrix
                                        .iter()
                                        .find(|x| &x.origin == o && &x.destination == d)
                                        .map(|x| {
                                            format!(
                                                "{} ({:.0}%)",
                                                x.parcels,
                                                x.controlled_share * 100.0
                                            )
                                        })
                                        .unwrap_or_else(|| "-".into()),
                                );
                            }
                            v
                        })
                        .collect();
                    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
                    print_table(out, &h, &cells)?;
                    if !r.via.is_empty() {
                        writeln!(out, "\nThrough a transit country:")?;
                        let rows: Vec<Vec<String>> = r
                            .via
                            .iter()
                            .map(|x| {
                                vec![
                                    format!(
                                        "{}>{}>{}",
                                        value(&x.origin),
                                        x.transit.as_deref().unwrap_or(""),
                                        value(&x.destination)
                                    ),
                                    x.parcels.to_string(),
                                    x.controlled.to_string(),
                                    percent(x.controlled_share),
                                ]
                            })
                            .collect();
                        print_table(out, &["path", "parcels", "controlled", "share"], &rows)?;
                    }
                }
            }
        }
        StatsCmd::Emerging { scope: a } => {
            let Some(since) = &a.since else {
                bail!("--since: required (the start of the period, YYYY-MM-DD)");
            };
            let (scope, _) = scope(store, ItemKind::Parcel, a)?;
            let e = emerging::emerging(conn, &scope, since, scope.until.as_deref())?;
            let row = |s: &emerging::Substance| {
                vec![
                    s.name.clone(),
                    s.group.clone(),
                    if s.in_catalogue {
                        "catalogue".into()
                    } else {
                        format!("added {}", s.added_on)
                    },
                    s.first_seen.clone(),
                    s.parcels.to_string(),
                    s.seen
                        .iter()
                        .take(3)
                        .map(|p| p.tracking.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            };
            let headers = [
                "substance",
                "group",
                "source",
                "first seen",
                "parcels",
                "first parcels",
            ];
            match format {
                Format::Json => print_json(out, &e)?,
                Format::Csv => print_csv(out, &headers, e.substances.iter().map(row))?,
                Format::Table => {
                    writeln!(out, "Substances first seen {}..{}:", e.since, e.until)?;
                    if e.substances.is_empty() {
                        writeln!(out, "none")?;
                    } else {
                        let rows: Vec<Vec<String>> = e.substances.iter().map(row).collect();
                        print_table(out, &headers, &rows)?;
                    }
                }
            }
        }
    }
    Ok(())
}

pub fn timeline(format: Format, store: &Store, case: &str, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let c = refs::resolve_kind(conn, case, ItemKind::Case)?;
    let t = timeline::timeline(conn, c.id)?;
    let row = |e: &timeline::Event| {
        vec![
            e.date.clone(),
            e.what.to_string(),
            e.text.clone(),
            e.item.as_ref().map(|i| i.label.clone()).unwrap_or_default(),
        ]
    };
    let headers = ["date", "what", "event", "item"];
    match format {
        Format::Json => print_json(out, &t)?,
        Format::Csv => print_csv(out, &headers, t.events.iter().map(row))?,
        Format::Table => {
            writeln!(
                out,
                "{} {}: {} events",
                t.case.label,
                t.title,
                t.events.len()
            )?;
            // (A note over several lines on one: its lines joined.)
            let rows: Vec<Vec<String>> = t
                .events
                .iter()
                .map(|e| {
                    let mut r = row(e)[..3].to_vec();
                    r[2] = timeline::one_line(&r[2]);
                    r
                })
                .collect();
            print_table(out, &headers[..3], &rows)?;
        }
    }
    Ok(())
}
