//! `interdict show`: one item with what surrounds it.

use super::commands::Ctx;

use super::args::Format;
use super::output::{print_fields, print_json};
use crate::domain::record::get_field;
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::records::{self};
use crate::store::refs::{self, ItemRef};
use crate::store::{Store, related};
use crate::xref;
use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use uuid::Uuid;

/// How many items sharing one value `show` lists under it.
const SHARED_SHOWN: usize = 10;

pub(super) fn record_fields<R: Record>(rec: &R) -> Vec<(&'static str, String)> {
    R::FIELDS
        .iter()
        .map(|f| {
            let v = get_field(rec, f.name);
            (
                f.label,
                crate::domain::identifiers::shown_text(&v).into_owned(),
            )
        })
        .collect()
}

fn provenance(m: &crate::domain::Meta) -> Vec<(&'static str, String)> {
    vec![
        ("Created", format!("{} by {}", m.created_at, m.created_by)),
        ("Changed", format!("{} by {}", m.updated_at, m.updated_by)),
        ("Id", m.id.to_string()),
    ]
}

fn section(out: &mut impl Write, title: &str, lines: &[String]) -> io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title}")?;
    for l in lines {
        writeln!(out, "  {}", super::output::cell_line(l))?;
    }
    Ok(())
}

pub(super) fn show(ctx: &Ctx, store: &Store, target: &str, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let r: ItemRef = refs::resolve(conn, target)?;
    let mut doc: Map<String, Value> = match records::json_of(conn, r.kind, r.id)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    doc.insert("kind".into(), json!(r.kind));
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    let label = |k: ItemKind, id: Uuid| records::label_of(conn, k, id);

    // Links, both directions, with the item at the other end.
    let links = related::links_of(conn, r.id, 500)?;
    let mut link_json = Vec::new();
    let mut link_lines = Vec::new();
    for l in &links {
        let (dir, k, id) = if l.from_id == r.id {
            ("->", l.to_kind, l.to_id)
        } else {
            ("<-", l.from_kind, l.from_id)
        };
        let other = label(k, id)?;
        link_lines.push(format!(
            "{dir} {} {k} {other}{}",
            l.link_type,
            l.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ));
        link_json.push(json!({"id": l.meta.id, "type": l.link_type, "direction": if dir == "->" { "out" } else { "in" }, "kind": k, "item": id, "label": other, "note": l.note}));
    }
    doc.insert("links".into(), Value::Array(link_json));
    sections.push((format!("Links ({})", links.len()), link_lines));

    match r.kind {
        ItemKind::Parcel => {
            let findings = related::findings_in_parcel(conn, r.id)?;
            let mut fj = Vec::new();
            let mut fl = Vec::new();
            for f in &findings {
                let s = label(ItemKind::Substance, f.substance_id)?;
                fl.push(format!("{s}: {}", f.label()));
                let mut v = serde_json::to_value(f)?;
                v["substance"] = json!(s);
                fj.push(v);
            }
            doc.insert("findings".into(), Value::Array(fj));
            sections.insert(0, (format!("Findings ({})", findings.len()), fl));
        }
        ItemKind::Substance => {
            let findings = related::findings_of_substance(conn, r.id, 20)?;
            let mut fl = Vec::new();
            for f in &findings {
                fl.push(format!(
                    "{}: {}",
                    label(ItemKind::Parcel, f.parcel_id)?,
                    f.label()
                ));
            }
            doc.insert("findings".into(), serde_json::to_value(&findings)?);
            sections.push(("Found in (first 20)".into(), fl));
        }
        ItemKind::Case => {
            let n = related::parcel_count_in_case(conn, r.id)?;
            doc.insert("parcel_count".into(), json!(n));
        }
        _ => {}
    }

    let notes = related::notes_on(conn, r.id, 200)?;
    let note_lines = notes
        .iter()
        .map(|n| {
            format!(
                "{} {} {} {}",
                n.noted_on,
                n.note_type,
                n.grading().unwrap_or_default(),
                n.text
            )
        })
        .collect();
    doc.insert("notes".into(), serde_json::to_value(&notes)?);
    sections.push((format!("Notes ({})", notes.len()), note_lines));

    // Where it came from: the merges and imports it came through.
    let came = related::came_through(conn, r.id)?;
    doc.insert("came_through".into(), serde_json::to_value(&came)?);
    if !came.is_empty() {
        sections.push((
            format!("Came through ({})", came.len()),
            came.iter().map(related::CameThrough::line).collect(),
        ));
    }

    let shared = xref::shared_identifiers(conn, r.id)?;
    let mut shared_lines = Vec::new();
    for s in &shared {
        shared_lines.push(s.reason());
        for o in s.items.iter().take(SHARED_SHOWN) {
            shared_lines.push(format!(
                "    {} {} ({})",
                o.kind,
                label(o.kind, o.id)?,
                o.role.replace('_', " ")
            ));
        }
        // (It said "14 other items" and listed 10.)
        if s.items.len() > SHARED_SHOWN {
            shared_lines.push(format!(
                "    and {} more (--format json lists them all)",
                s.items.len() - SHARED_SHOWN
            ));
        }
    }
    doc.insert("shared".into(), serde_json::to_value(&shared)?);
    sections.push(("Shares identifiers".into(), shared_lines));

    // The evidence trail of a parcel; what is flagged in a case's.
    match r.kind {
        ItemKind::Parcel => {
            let t = crate::evidence::trail(conn, r.id)?;
            let lines = super::evidence::trail_lines(&t);
            doc.insert("evidence".into(), serde_json::to_value(&t)?);
            sections.push(("Evidence".into(), lines));
        }
        ItemKind::Case => {
            let flags = crate::evidence::case_flags(conn, r.id)?;
            doc.insert("evidence_flags".into(), json!(flags));
            sections.push((format!("Evidence flagged ({})", flags.len()), flags));
            let docs = related::ids_in_case(conn, ItemKind::Document, r.id)?;
            let mut lines = Vec::new();
            for d in &docs {
                let d: crate::domain::evidence::Document = records::must_get(conn, *d)?;
                lines.push(format!(
                    "{} on {} {}: {}",
                    d.label(),
                    d.item_kind,
                    label(d.item_kind, d.item_id)?,
                    crate::evidence::files::glance(&d, None).describe()
                ));
            }
            sections.push((format!("Photos and documents ({})", docs.len()), lines));
        }
        _ => {
            // Any other item's own photos and documents, each hashed again
            // (an exhibit's photo or a person's passport scan, changed or
            // gone, showed nowhere but `document check`).
            let docs = crate::evidence::documents_on(conn, r.id)?;
            if !docs.is_empty() {
                let lines: Vec<String> = docs
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: {}",
                            d.label(),
                            crate::evidence::files::glance(d, None).describe()
                        )
                    })
                    .collect();
                doc.insert(
                    "documents".into(),
                    json!(
                        docs.iter()
                            .zip(&lines)
                            .map(|(d, l)| json!({"id": d.meta.id, "said": l}))
                            .collect::<Vec<_>>()
                    ),
                );
                sections.push((format!("Photos and documents ({})", docs.len()), lines));
            }
        }
    }

    match ctx.format {
        Format::Json => print_json(out, &Value::Object(doc))?,
        Format::Table | Format::Csv => {
            writeln!(out, "{} {}", r.kind, super::output::cell_line(&r.label))?;
            let mut f = match r.kind {
                ItemKind::Case => {
                    let c: Case = records::must_get(conn, r.id)?;
                    let mut v = vec![("Reference", c.reference.clone())];
                    v.extend(record_fields(&c));
                    v
                }
                ItemKind::Parcel => {
                    let p: Parcel = records::must_get(conn, r.id)?;
                    let mut v = record_fields(&p);
                    v.insert(1, ("Kind of number", p.tracking_kind.as_str().to_string()));
                    v
                }
                ItemKind::Substance => {
                    let s: Substance = records::must_get(conn, r.id)?;
                    let mut v = record_fields(&s);
                    v.push(("International control", s.control_summary()));
                    v
                }
                ItemKind::Finding => {
                    let x: Finding = records::must_get(conn, r.id)?;
                    let mut v = vec![
                        ("Parcel", label(ItemKind::Parcel, x.parcel_id)?),
                        ("Substance", label(ItemKind::Substance, x.substance_id)?),
                    ];
                    v.extend(record_fields(&x));
                    v
                }
                ItemKind::Link => {
                    let x: Link = records::must_get(conn, r.id)?;
                    let mut v = vec![
                        (
                            "From",
                            format!("{} {}", x.from_kind, label(x.from_kind, x.from_id)?),
                        ),
                        (
                            "To",
                            format!("{} {}", x.to_kind, label(x.to_kind, x.to_id)?),
                        ),
                    ];
                    v.extend(record_fields(&x));
                    v
                }
                ItemKind::Note => {
                    let x: Note = records::must_get(conn, r.id)?;
                    let mut v = vec![(
                        "On",
                        format!("{} {}", x.item_kind, label(x.item_kind, x.item_id)?),
                    )];
                    v.extend(record_fields(&x));
                    v
                }
                ItemKind::Person => {
                    let x: crate::domain::Person = records::must_get(conn, r.id)?;
                    record_fields(&x)
                }
                ItemKind::Organisation => {
                    let x: crate::domain::Organisation = records::must_get(conn, r.id)?;
                    record_fields(&x)
                }
                kind => super::evidence::show_fields(conn, kind, r.id)?,
            };
            let m: crate::domain::Meta =
                serde_json::from_value(records::json_of(conn, r.kind, r.id)?)
                    .context("reading provenance")?;
            f.extend(provenance(&m));
            print_fields(out, &f)?;
            for (title, lines) in &sections {
                section(out, title, lines)?;
            }
        }
    }
    Ok(())
}
