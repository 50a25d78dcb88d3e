//! The cross-referencing commands: xref, path, cluster, clusters, central,
//! warnlist, matches and the Graphviz export.

use super::args::{Format, GraphFormat, MatchCmd, WarnCmd};
use super::output::{cell_line, print_json, print_list, print_table};
use crate::domain::{Case, ItemKind, Parcel, Substance};
use crate::store::refs::{self, ItemRef};
use crate::store::{Store, StoreError, records, warnlist};
use crate::xref::fuzzy;
use crate::xref::graph::{self, Node};
use anyhow::{Result, bail};
use rusqlite::Connection;
use serde_json::{Value, json};
use std::io::Write;

fn node(r: &ItemRef) -> Node {
    Node {
        kind: r.kind,
        id: r.id,
    }
}

fn label(conn: &Connection, n: Node) -> Result<String> {
    Ok(records::label_of(conn, n.kind, n.id)?)
}

/// An item as scripts see it: id, kind, label, and its short reference.
fn node_json(conn: &Connection, n: Node) -> Result<Value> {
    let mut v = json!({"id": n.id, "kind": n.kind, "label": label(conn, n)?});
    match n.kind {
        ItemKind::Case => {
            if let Some(c) = records::get::<Case>(conn, n.id)? {
                v["ref"] = json!(c.reference);
            }
        }
        ItemKind::Parcel => {
            if let Some(p) = records::get::<Parcel>(conn, n.id)? {
                v["tracking"] = json!(p.tracking);
            }
        }
        ItemKind::Substance => {
            if let Some(s) = records::get::<Substance>(conn, n.id)? {
                v["name"] = json!(s.name);
            }
        }
        // (People and organisations are named too: the README promises
        // `name`, and scripts keying on it missed them.)
        ItemKind::Person => {
            if let Some(p) = records::get::<crate::domain::Person>(conn, n.id)? {
                v["name"] = json!(p.name);
            }
        }
        ItemKind::Organisation => {
            if let Some(o) = records::get::<crate::domain::Organisation>(conn, n.id)? {
                v["name"] = json!(o.name);
            }
        }
        _ => {}
    }
    Ok(v)
}

pub fn xref(
    format: Format,
    store: &Store,
    target: &str,
    depth: usize,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let r = refs::resolve(conn, target)?;
    let reached = graph::walk(conn, node(&r), depth.max(1))?;
    match format {
        Format::Json => {
            let mut items = Vec::new();
            for x in &reached {
                let mut v = node_json(conn, x.node)?;
                v["reason"] = json!(x.edge.reason);
                v["reasons"] = json!(x.edge.reasons);
                v["via"] = json!(x.edge.via);
                v["depth"] = json!(x.depth);
                if x.depth > 1 {
                    v["through"] = node_json(conn, x.edge.from)?;
                }
                items.push(v);
            }
            print_json(out, &items)?;
        }
        Format::Table | Format::Csv => {
            let mut rows = Vec::new();
            for x in &reached {
                let through = if x.depth > 1 {
                    format!(" (via {})", label(conn, x.edge.from)?)
                } else {
                    String::new()
                };
                rows.push(vec![
                    x.depth.to_string(),
                    x.node.kind.to_string(),
                    label(conn, x.node)?,
                    format!(
                        "{}{}{through}",
                        x.edge.reason,
                        match x.edge.reasons.len() {
                            0 | 1 => String::new(),
                            n => format!(" (+{} more)", n - 1),
                        }
                    ),
                ]);
            }
            print_table(out, &["depth", "kind", "item", "why"], &rows)?;
            let over: Vec<String> = crate::xref::shared_identifiers(conn, r.id)?
                .iter()
                .filter(|s| s.over_shared())
                .map(|s| s.reason())
                .collect();
            for o in over {
                eprintln!("not followed: {}", cell_line(&o));
            }
            if reached.is_empty() {
                eprintln!("{} {} connects to nothing yet", r.kind, cell_line(&r.label));
            }
        }
    }
    Ok(())
}

pub fn path(
    format: Format,
    store: &Store,
    from: &str,
    to: &str,
    max_depth: usize,
    out: &mut impl Write,
) -> Result<bool> {
    let conn = store.conn();
    let (a, b) = (refs::resolve(conn, from)?, refs::resolve(conn, to)?);
    let chain = graph::path(conn, node(&a), node(&b), max_depth)?;
    match format {
        Format::Json => {
            let steps: Result<Vec<Value>> = chain
                .iter()
                .flatten()
                .map(|e| Ok(json!({"from": node_json(conn, e.from)?, "to": node_json(conn, e.to)?, "via": e.via, "reason": e.reason})))
                .collect();
            print_json(out, &json!({"found": chain.is_some(), "steps": steps?}))?;
        }
        Format::Table | Format::Csv => match &chain {
            Some(steps) => {
                writeln!(out, "{} {}", a.kind, cell_line(&a.label))?;
                for e in steps {
                    writeln!(
                        out,
                        "  └─ {} ─> {} {}",
                        cell_line(&e.reason),
                        e.to.kind,
                        cell_line(&label(conn, e.to)?)
                    )?;
                }
                writeln!(
                    out,
                    "{} step{}",
                    steps.len(),
                    if steps.len() == 1 { "" } else { "s" }
                )?;
            }
            None => eprintln!(
                "no chain of {max_depth} steps or fewer connects {} and {}",
                cell_line(&a.label),
                cell_line(&b.label)
            ),
        },
    }
    Ok(chain.is_some())
}

pub fn cluster(format: Format, store: &Store, target: &str, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let r = refs::resolve(conn, target)?;
    let c = graph::cluster(conn, node(&r))?;
    match format {
        Format::Json => {
            let items: Result<Vec<Value>> =
                c.members().iter().map(|n| node_json(conn, *n)).collect();
            let substances: Result<Vec<Value>> =
                c.substances().iter().map(|n| node_json(conn, *n)).collect();
            let counts: serde_json::Map<String, Value> = c
                .counts
                .iter()
                .map(|(k, n)| (k.to_string(), json!(n)))
                .collect();
            print_json(
                out,
                &json!({"size": c.members().len(), "counts": counts, "truncated": c.truncated, "items": items?, "substances": substances?}),
            )?;
        }
        Format::Table | Format::Csv => {
            let counts: Vec<String> = c.counts.iter().map(|(k, n)| k.counted(*n)).collect();
            writeln!(
                out,
                "network of {} {}: {} items ({})",
                r.kind,
                cell_line(&r.label),
                c.members().len(),
                counts.join(", ")
            )?;
            let mut rows = Vec::new();
            for n in c.members().iter().take(100) {
                rows.push(vec![n.kind.to_string(), label(conn, *n)?]);
            }
            print_table(out, &["kind", "item"], &rows)?;
            if c.members().len() > 100 {
                eprintln!(
                    "first 100 of {} shown; --format json lists all",
                    c.members().len()
                );
            }
            if !c.substances().is_empty() {
                let names: Result<Vec<String>> =
                    c.substances().iter().map(|n| label(conn, *n)).collect();
                writeln!(
                    out,
                    "substances found in it (networks are not joined through them, nor count them): {}",
                    cell_line(&names?.join(", "))
                )?;
            }
        }
    }
    Ok(())
}

pub fn clusters(format: Format, store: &Store, limit: usize, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let all = graph::all_clusters(conn)?;
    match format {
        Format::Json => {
            let v: Result<Vec<Value>> = all
                .iter()
                .take(limit)
                .map(|c| {
                    let counts: serde_json::Map<String, Value> = c.counts.iter().map(|(k, n)| (k.to_string(), json!(n))).collect();
                    Ok(json!({"size": c.size, "counts": counts, "example": node_json(conn, c.example)?}))
                })
                .collect();
            print_json(out, &v?)?;
        }
        Format::Table | Format::Csv => {
            let mut rows = Vec::new();
            for c in all.iter().take(limit) {
                let counts: Vec<String> = c.counts.iter().map(|(k, n)| k.counted(*n)).collect();
                rows.push(vec![
                    c.size.to_string(),
                    counts.join(", "),
                    label(conn, c.example)?,
                ]);
            }
            print_table(out, &["items", "kinds", "for example"], &rows)?;
            eprintln!("{} networks of two or more items", all.len());
        }
    }
    Ok(())
}

pub fn central(
    format: Format,
    store: &Store,
    case: &str,
    top: usize,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let c = refs::resolve_kind(conn, case, ItemKind::Case)?;
    let ranked = graph::most_connected(conn, c.id, top)?;
    match format {
        Format::Json => {
            let v: Result<Vec<Value>> = ranked
                .iter()
                .map(|(n, d)| {
                    let mut v = node_json(conn, *n)?;
                    v["connections"] = json!(d);
                    Ok(v)
                })
                .collect();
            print_json(out, &v?)?;
        }
        Format::Table | Format::Csv => {
            let rows: Result<Vec<Vec<String>>> = ranked
                .iter()
                .map(|(n, d)| Ok(vec![d.to_string(), n.kind.to_string(), label(conn, *n)?]))
                .collect();
            print_table(out, &["connections", "kind", "item"], &rows?)?;
        }
    }
    Ok(())
}

pub fn warn(format: Format, store: &mut Store, cmd: &WarnCmd, out: &mut impl Write) -> Result<()> {
    match cmd {
        WarnCmd::List => {
            let entries = warnlist::list(store.conn())?;
            print_list(
                out,
                format,
                &entries,
                &["kind", "value", "note", "by"],
                |e| {
                    vec![
                        e.kind.clone(),
                        e.value.clone(),
                        e.note.clone().unwrap_or_default(),
                        e.added_by.clone(),
                    ]
                },
            )?;
        }
        WarnCmd::Add { kind, value, note } => {
            let k = warnlist::parse_kind(kind)?;
            match store.write(|w| warnlist::add(w, k, value, note.as_deref()))? {
                Some(v) => writeln!(
                    out,
                    "listed {} {v:?}: it no longer connects items",
                    k.as_str()
                )?,
                None => writeln!(out, "{} {value:?} was listed already", k.as_str())?,
            }
        }
        WarnCmd::Remove { kind, value } => {
            let k = warnlist::parse_kind(kind)?;
            if store.write(|w| warnlist::remove(w, k, value))? {
                writeln!(out, "unlisted {} {value:?}", k.as_str())?;
            } else {
                bail!("{} {value:?} is not on the warning list", k.as_str());
            }
        }
    }
    Ok(())
}

pub fn matches(
    format: Format,
    store: &mut Store,
    cmd: &MatchCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        MatchCmd::List { target, limit } => {
            let conn = store.conn();
            let around = target
                .as_deref()
                .map(|t| refs::resolve(conn, t))
                .transpose()?;
            let (list, all) = fuzzy::counted_suggestions(conn, around.map(|r| r.id), *limit)?;
            // (The JSON stays the list it was; the count goes to stderr.)
            if all > list.len() {
                eprintln!(
                    "{} of {all} suggested matches shown, best first (--limit {all} lists them all)",
                    list.len()
                );
            }
            match format {
                Format::Json => print_json(out, &list)?,
                Format::Table | Format::Csv => {
                    let mut rows = Vec::new();
                    // Pairs of one label, told apart (and named to
                    // `matches confirm`) by their ids below the table.
                    let mut twins = Vec::new();
                    for s in &list {
                        let (a, b) = (label(conn, s.a)?, label(conn, s.b)?);
                        let one_name = s.features.iter().any(|f| f.starts_with("the same name"));
                        if a == b || one_name {
                            let named = if a == b {
                                format!("{} twice", cell_line(&a))
                            } else {
                                format!("{} and {}", cell_line(&a), cell_line(&b))
                            };
                            twins.push(format!(
                                "{named}: interdict matches confirm {} {} (or reject)",
                                s.a.id, s.b.id
                            ));
                        }
                        rows.push(vec![
                            format!("{:.2}", s.score),
                            format!("{} ({a})", s.a_name),
                            format!("{} ({b})", s.b_name),
                            s.features.join("; "),
                        ]);
                    }
                    print_table(out, &["score", "a", "b", "why"], &rows)?;
                    for t in twins {
                        writeln!(out, "{t}")?;
                    }
                    if list.is_empty() {
                        eprintln!("no suggested matches");
                    }
                }
            }
        }
        MatchCmd::Confirm { a, b } => {
            let (x, y) = (
                refs::resolve(store.conn(), a)?,
                refs::resolve(store.conn(), b)?,
            );
            let s = fuzzy::between(store.conn(), x.id, y.id)?.ok_or_else(|| {
                StoreError::NotFound(format!("{a} and {b} are not a suggested match"))
            })?;
            let link = store.write(|w| fuzzy::confirm(w, &s))?;
            let l: crate::domain::Link = crate::store::records::must_get(store.conn(), link)?;
            writeln!(
                out,
                "confirmed: {} {} {} (link {link})",
                cell_line(&crate::store::records::label_of(
                    store.conn(),
                    l.from_kind,
                    l.from_id
                )?),
                l.link_type,
                cell_line(&crate::store::records::label_of(
                    store.conn(),
                    l.to_kind,
                    l.to_id
                )?)
            )?;
        }
        MatchCmd::Reject { a, b } => {
            let (x, y) = (
                refs::resolve(store.conn(), a)?,
                refs::resolve(store.conn(), b)?,
            );
            fuzzy::between(store.conn(), x.id, y.id)?.ok_or_else(|| {
                StoreError::NotFound(format!("{a} and {b} are not a suggested match"))
            })?;
            store.write(|w| fuzzy::reject(w, x.id, y.id))?;
            writeln!(
                out,
                "rejected: {} and {} will not be suggested again",
                cell_line(&x.label),
                cell_line(&y.label)
            )?;
        }
    }
    Ok(())
}

pub fn export_graph(
    store: &Store,
    graph: GraphFormat,
    case: &str,
    rel: &crate::exchange::handling::Release,
    args: &crate::cli::args::ExportArgs,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let c = refs::resolve_kind(conn, case, ItemKind::Case)?;
    if graph == GraphFormat::Anx {
        let Some(_) = &args.out else {
            anyhow::bail!("--graph anx writes a binary (UTF-16) file: name it with --out FILE.anx");
        };
        let chart = crate::exchange::chart::case_chart(conn, &c, rel)?;
        let xml = crate::exchange::anx::chart_xml(conn, &chart)?;
        // (Card numbers never leave whole: see `formats::emit`.)
        let xml = crate::domain::identifiers::masked_text(&xml);
        let bytes = crate::exchange::anx::to_file_bytes(&xml);
        let p = super::formats::written(args, &bytes, &mut std::io::sink())?.unwrap_or_default();
        writeln!(
            out,
            "wrote {p} ({} entities, {} links)",
            chart.members.len() + chart.values.len(),
            chart.edges.len() + chart.values.iter().map(|v| v.holders.len()).sum::<usize>()
        )?;
        return Ok(());
    }
    let text = crate::exchange::dot::case_graph(conn, &c, rel)?;
    let text = crate::domain::identifiers::masked_text(&text);
    if let Some(p) = super::formats::written(args, text.as_bytes(), out)? {
        writeln!(out, "wrote {p}")?;
    }
    Ok(())
}
