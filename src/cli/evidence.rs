//! Commands of the evidence trail: inspect, exhibit, custody, lab,
//! delivery, document and trail.

use super::args::{CustodyCmd, DeliveryArgs, DocumentCmd, ExhibitCmd, Format, InspectArgs, LabCmd};
use super::commands::{Values, warn};
use super::output::cell_line;
use crate::domain::evidence::{
    Custody, Delivery, Document, Exhibit, Inspection, LabResult, document,
};
use crate::domain::record::new_record;
use crate::domain::{ItemKind, Record};
use crate::evidence::{self as ev, files, sheet};
use crate::store::{Store, records, refs, related};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::io::Write;
use uuid::Uuid;

/// A weight as typed, in grams: `450`, `450 g`, `0,45 kg`, `0.45кг`.
pub fn grams(field: &str, raw: &str) -> Result<String> {
    let g = crate::domain::weight::parse_weight(raw, Some(crate::domain::weight::WeightUnit::G))
        .map_err(|m| anyhow::anyhow!("{field}: {m}"))?;
    Ok(format!("{g}"))
}

fn parcel(store: &Store, r: &str) -> Result<Uuid> {
    Ok(refs::resolve_kind(store.conn(), r, ItemKind::Parcel)?.id)
}

fn printed<R: Record + serde::Serialize>(
    format: Format,
    rec: &R,
    out: &mut impl Write,
) -> Result<()> {
    match format {
        Format::Json => writeln!(out, "{}", crate::domain::json::pretty(rec)?)?,
        _ => {
            let label = crate::store::records::headed(R::KIND, &rec.label());
            writeln!(out, "added {} ({})", cell_line(&label), rec.meta().id)?
        }
    }
    Ok(())
}

pub fn inspect(
    format: Format,
    store: &mut Store,
    a: &InspectArgs,
    out: &mut impl Write,
) -> Result<()> {
    let p = parcel(store, &a.parcel)?;
    let mut v = Values::new(&a.extra.set)?;
    v.put("selection", &a.selection)
        .opt("inspected_on", &a.on)
        .opt("place", &a.place)
        .opt("place_kind", &a.place_kind)
        .opt("officer", &a.officer)
        .opt("actions", &a.actions)
        .opt("test_kit", &a.kit)
        .opt("test_result", &a.result)
        .opt("test_indicated", &a.indicated)
        .opt("note", &a.note);
    let (mut x, mut w) = new_record::<Inspection>(&v.pairs())?;
    w.extend(store.write(|wr| ev::add_inspection(wr, p, &mut x))?);
    warn(&w);
    printed(format, &x, out)
}

pub fn exhibit(
    format: Format,
    store: &mut Store,
    cmd: &ExhibitCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        ExhibitCmd::Add {
            parcel: pref,
            number,
            sample_of,
            seal,
            description,
            gross,
            net,
            seized_by,
            extra,
        } => {
            let p = parcel(store, pref)?;
            let mut v = Values::new(&extra.set)?;
            v.put("number", number)
                .opt("sample_of", sample_of)
                .opt("seal", seal)
                .opt("description", description);
            if sample_of.is_some() {
                v.put("exhibit_kind", "sample");
            }
            if let Some(g) = gross {
                v.put("gross_g", &grams("gross", g)?);
            }
            if let Some(n) = net {
                v.put("net_g", &grams("net", n)?);
            }
            let (mut x, mut w) = new_record::<Exhibit>(&v.pairs())?;
            // The seizure is dated by the parcel's last inspection, or its
            // seizure date, when there is one.
            let seized_at = ev::parcel_seized_at(store.conn(), p)?;
            let first = match seized_by {
                Some(by) => {
                    let mut c = Values::new(&[])?;
                    c.put("to_holder", by)
                        .put("purpose", "seizure")
                        .opt("seal", seal)
                        .opt("handed_at", &seized_at);
                    Some(new_record::<Custody>(&c.pairs())?.0)
                }
                None => None,
            };
            w.extend(store.write(|wr| {
                let mut w = ev::add_exhibit(wr, p, &mut x)?;
                if let Some(mut c) = first {
                    w.extend(ev::add_custody(wr, x.meta.id, &mut c)?);
                }
                Ok(w)
            })?);
            warn(&w);
            printed(format, &x, out)
        }
        ExhibitCmd::List { parcel: pref } => {
            let conn = store.conn();
            let list: Vec<Exhibit> = match pref {
                Some(r) => {
                    records::list_where(conn, "parcel_id = ?1", [parcel(store, r)?], usize::MAX, 0)?
                }
                None => records::list_where(conn, "1", [], usize::MAX, 0)?,
            };
            if format == Format::Json {
                let mut all = Vec::new();
                for e in list {
                    all.push(sheet::exhibit_trail(conn, e)?);
                }
                writeln!(out, "{}", crate::domain::json::pretty(&all)?)?;
                return Ok(());
            }
            if list.is_empty() {
                writeln!(out, "no exhibits")?;
            }
            // (A header naming each column: which weight is gross and
            // which net was said nowhere.)
            let mut rows = Vec::new();
            for e in list {
                let t = sheet::exhibit_trail(conn, e)?;
                let x = &t.exhibit;
                let g = |w: Option<f64>| w.map(|g| format!("{g} g")).unwrap_or_default();
                rows.push(vec![
                    x.number.clone(),
                    x.exhibit_kind.clone(),
                    x.seal.clone().unwrap_or_else(|| "-".into()),
                    g(x.gross_g),
                    g(x.net_g),
                    t.custody.len().to_string(),
                    if t.flags.is_empty() {
                        String::new()
                    } else {
                        format!("{} FLAGGED", t.flags.len())
                    },
                    records::label_of(conn, ItemKind::Parcel, x.parcel_id)?,
                ]);
            }
            if !rows.is_empty() {
                super::output::print_table(
                    out,
                    &[
                        "number",
                        "kind",
                        "seal",
                        "gross",
                        "net",
                        "hand-overs",
                        "flags",
                        "parcel",
                    ],
                    &rows,
                )?;
            }
            Ok(())
        }
    }
}

pub fn custody(
    format: Format,
    store: &mut Store,
    cmd: &CustodyCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        CustodyCmd::Add {
            exhibit,
            to,
            from,
            at,
            place,
            purpose,
            seal_broken,
            seal,
            note,
        } => {
            let e = ev::resolve_exhibit(store.conn(), exhibit)?;
            let mut v = Values::new(&[])?;
            v.put("to_holder", to)
                .opt("from_holder", from)
                .opt("handed_at", at)
                .opt("place", place)
                .opt("purpose", purpose)
                .opt("seal", seal)
                .opt("note", note)
                .put("seal_intact", if *seal_broken { "no" } else { "yes" });
            let (mut c, mut w) = new_record::<Custody>(&v.pairs())?;
            w.extend(store.write(|wr| ev::add_custody(wr, e.meta.id, &mut c))?);
            warn(&w);
            match format {
                Format::Json => writeln!(out, "{}", crate::domain::json::pretty(&c)?)?,
                _ => writeln!(
                    out,
                    "exhibit {}: {}",
                    cell_line(&e.number),
                    cell_line(&c.label())
                )?,
            }
            Ok(())
        }
        CustodyCmd::Sheet { exhibit } => {
            let e = ev::resolve_exhibit(store.conn(), exhibit)?;
            let t = sheet::exhibit_trail(store.conn(), e)?;
            match format {
                Format::Json => writeln!(out, "{}", crate::domain::json::pretty(&t)?)?,
                _ => {
                    for line in sheet::render(store.conn(), &t)?.lines() {
                        writeln!(out, "{}", cell_line(line))?;
                    }
                }
            }
            Ok(())
        }
    }
}

pub fn lab(format: Format, store: &mut Store, cmd: &LabCmd, out: &mut impl Write) -> Result<()> {
    match cmd {
        LabCmd::Add {
            finding,
            laboratory,
            reference,
            method,
            outcome,
            identified,
            on,
            purity,
            quantity,
            unit,
            note,
        } => {
            let f = ev::resolve_finding(store.conn(), finding)?;
            let mut v = Values::new(&[])?;
            v.put("laboratory", laboratory)
                .put("reference", reference)
                .put("method", method)
                .opt("outcome", outcome)
                .opt("analysed_on", on)
                .opt("purity", purity)
                .opt("net_quantity", quantity)
                .opt("unit", unit)
                .opt("note", note);
            // The substance found, named as the catalogue names it.
            let named = match identified {
                Some(s) => Some(
                    refs::substances_called(store.conn(), s)?
                        .first()
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| s.trim().to_string()),
                ),
                None => None,
            };
            v.opt("identified", &named);
            if identified.is_some() && outcome.is_none() {
                v.put("outcome", "other-substance");
            }
            let (mut r, mut w) = new_record::<LabResult>(&v.pairs())?;
            w.extend(store.write(|wr| ev::add_lab_result(wr, f.meta.id, &mut r))?);
            warn(&w);
            printed(format, &r, out)
        }
        LabCmd::List { parcel: pref } => {
            let conn = store.conn();
            let parcels: Vec<Uuid> = match pref {
                Some(r) => vec![parcel(store, r)?],
                None => ev::parcels_with_lab_results(conn)?,
            };
            let mut all = Vec::new();
            for p in parcels {
                let label = records::label_of(conn, ItemKind::Parcel, p)?;
                for l in ev::trail(conn, p)?.lab_results {
                    all.push((label.clone(), l));
                }
            }
            if format == Format::Json {
                let v: Vec<_> = all
                    .iter()
                    .map(
                        |(p, l)| json!({"parcel": p, "substance": l.substance, "result": l.result}),
                    )
                    .collect();
                writeln!(out, "{}", crate::domain::json::pretty(&v)?)?;
                return Ok(());
            }
            if all.is_empty() {
                writeln!(out, "no laboratory results")?;
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|(p, l)| {
                    let r = &l.result;
                    vec![
                        p.clone(),
                        l.substance.clone(),
                        r.label(),
                        r.purity.map(|x| format!("{x} %")).unwrap_or_default(),
                        // (Of the finding, presumptive or lab-confirmed: it
                        // said "the presumptive test" of either.)
                        if r.contradicts() {
                            "CONTRADICTS THE FINDING".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            if !rows.is_empty() {
                super::output::print_table(
                    out,
                    &["parcel", "substance", "result", "purity", "remark"],
                    &rows,
                )?;
            }
            Ok(())
        }
    }
}

pub fn delivery(
    format: Format,
    store: &mut Store,
    a: &DeliveryArgs,
    out: &mut impl Write,
) -> Result<()> {
    let p = parcel(store, &a.parcel)?;
    let mut arrested = Vec::new();
    for r in &a.arrested {
        arrested.push(
            refs::resolve_kind(store.conn(), r, ItemKind::Person)
                .with_context(|| {
                    format!("--arrested {r:?}: add the person first (interdict add person ...)")
                })?
                .id,
        );
    }
    let mut v = Values::new(&[])?;
    v.put("outcome", &a.outcome)
        .opt("delivered_on", &a.on)
        .opt("delivered_to", &a.to)
        .opt("collected_by", &a.collected_by)
        .opt("arrests", &a.arrests)
        .opt("note", &a.note);
    let (mut d, mut w) = new_record::<Delivery>(&v.pairs())?;
    w.extend(store.write(|wr| ev::add_delivery(wr, p, &mut d, &arrested))?);
    warn(&w);
    printed(format, &d, out)
}

/// The item a document is put on: any reference (an exhibit number too).
fn item_for_document(store: &Store, r: &str) -> Result<(ItemKind, Uuid)> {
    match refs::resolve(store.conn(), r) {
        Ok(i) => Ok((i.kind, i.id)),
        // An exhibit number written in another case.
        Err(e) => match ev::exhibit_numbered(store.conn(), r)? {
            Some(x) => Ok((ItemKind::Exhibit, x.meta.id)),
            None => Err(e.into()),
        },
    }
}

pub fn document(
    format: Format,
    store: &mut Store,
    cmd: &DocumentCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        DocumentCmd::Add {
            item,
            file,
            kind,
            description,
            embed,
        } => {
            let (_, id) = item_for_document(store, item)?;
            let path = std::path::absolute(file).with_context(|| format!("{}", file.display()))?;
            let (sha, size) =
                files::hash_file(&path).with_context(|| format!("reading {}", file.display()))?;
            let bytes = if *embed {
                let b =
                    std::fs::read(&path).with_context(|| format!("reading {}", file.display()))?;
                if files::sha256_hex(&b) != sha {
                    bail!("{} changed while it was read; add it again", file.display());
                }
                Some(b)
            } else {
                None
            };
            let path_s = path.to_string_lossy().into_owned();
            let mut v = Values::new(&[])?;
            v.put("path", &path_s)
                .put("sha256", &sha)
                .put("size_bytes", &size.to_string())
                .put(
                    "doc_kind",
                    kind.as_deref().unwrap_or(document::kind_for(&path_s)),
                )
                .opt("description", description);
            let (mut d, mut w) = new_record::<Document>(&v.pairs())?;
            w.extend(store.write(|wr| ev::add_document(wr, id, &mut d, bytes.as_deref()))?);
            warn(&w);
            printed(format, &d, out)
        }
        DocumentCmd::Check { item } => {
            let conn = store.conn();
            let docs: Vec<Document> = match item {
                None => records::list_where(conn, "1", [], usize::MAX, 0)?,
                Some(r) => {
                    let (kind, id) = item_for_document(store, r)?;
                    if kind == ItemKind::Case {
                        let ids = related::ids_in_case(conn, ItemKind::Document, id)?;
                        let mut v = Vec::new();
                        for d in ids {
                            v.push(records::must_get::<Document>(conn, d)?);
                        }
                        v
                    } else {
                        ev::documents_on(conn, id)?
                    }
                }
            };
            let mut bad = 0;
            let mut rows = Vec::new();
            for d in &docs {
                // A large file is hashed whole here, saying how far it is.
                let state = files::check(d, None, &mut |path, done, size| {
                    eprintln!(
                        "hashing {}: {} of {} MiB",
                        cell_line(&path.display().to_string()),
                        done >> 20,
                        size >> 20
                    );
                });
                if !state.is_intact() {
                    bad += 1;
                }
                rows.push((d, state));
            }
            match format {
                Format::Json => {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|(d, s)| json!({"id": d.meta.id, "on": {"kind": d.item_kind, "id": d.item_id,
                            "label": records::label_of(conn, d.item_kind, d.item_id).unwrap_or_default()},
                            "path": d.path, "sha256": d.sha256, "check": s}))
                        .collect();
                    writeln!(out, "{}", crate::domain::json::pretty(&v)?)?;
                }
                _ => {
                    for (d, s) in &rows {
                        writeln!(
                            out,
                            "{}  {}  on {} {}: {}",
                            d.meta.id,
                            cell_line(&d.path),
                            d.item_kind,
                            cell_line(&records::label_of(conn, d.item_kind, d.item_id)?),
                            s.describe()
                        )?;
                    }
                    writeln!(
                        out,
                        "{} document(s), {} intact, {bad} not",
                        docs.len(),
                        docs.len() - bad
                    )?;
                }
            }
            if bad > 0 {
                bail!("{bad} document(s) missing or changed");
            }
            Ok(())
        }
        DocumentCmd::Extract { id, out: file } => {
            let id = Uuid::parse_str(id.trim())
                .with_context(|| format!("{id:?} is not a document id"))?;
            let d: Document = records::must_get(store.conn(), id)?;
            let Some(bytes) = files::embedded_bytes(store.conn(), &d)? else {
                bail!(
                    "the notebook does not hold the bytes of {} (it was added without --embed)",
                    d.path
                );
            };
            crate::exchange::seal::write_private(file, &bytes)
                .with_context(|| format!("writing {}", file.display()))?;
            writeln!(
                out,
                "wrote {} ({} bytes, SHA-256 {})",
                file.display(),
                bytes.len(),
                d.sha256
            )?;
            Ok(())
        }
    }
}

/// The evidence trail of a parcel, or of every parcel of a case.
pub fn trail(format: Format, store: &Store, target: &str, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let r = refs::resolve(conn, target)?;
    let parcels = match r.kind {
        ItemKind::Parcel => vec![r.id],
        ItemKind::Case => related::ids_in_case(conn, ItemKind::Parcel, r.id)?,
        k => bail!("{target:?} is a {k}: a trail is a parcel's or a case's"),
    };
    let mut all = Vec::new();
    for p in parcels {
        all.push((
            records::label_of(conn, ItemKind::Parcel, p)?,
            ev::trail(conn, p)?,
        ));
    }
    if format == Format::Json {
        let v: Vec<_> = all
            .iter()
            .map(|(p, t)| json!({"parcel": p, "trail": t, "file_flags": file_flags(t)}))
            .collect();
        writeln!(
            out,
            "{}",
            crate::domain::json::pretty(&json!({"item": r, "parcels": v}))?
        )?;
        return Ok(());
    }
    let mut flagged = 0;
    for (p, t) in &all {
        writeln!(out, "parcel {}", cell_line(p))?;
        let lines = trail_lines(t);
        for line in &lines {
            writeln!(out, "  {}", cell_line(line))?;
        }
        flagged += lines.iter().filter(|l| l.starts_with("! ")).count();
    }
    writeln!(out, "{} parcel(s), {flagged} flag(s)", all.len())?;
    Ok(())
}

/// What is wrong with a document's file, as a flag.
fn document_flag(d: &Document, state: &files::FileState) -> String {
    format!("document {}: {}", d.path, state.describe())
}

/// The flags of a trail's documents whose file changed or is missing.
fn file_flags(t: &ev::Trail) -> Vec<String> {
    t.documents
        .iter()
        .filter_map(|d| {
            let state = files::glance(d, None);
            (!state.is_intact()).then(|| document_flag(d, &state))
        })
        .collect()
}

/// A parcel's trail as lines (used by `trail` and `show`), flags last,
/// a document whose file changed or is missing among them.
pub fn trail_lines(t: &ev::Trail) -> Vec<String> {
    let mut v = Vec::new();
    for i in &t.inspections {
        let mut s = i.label();
        if let Some(o) = &i.officer {
            s.push_str(&format!(" by {o}"));
        }
        if let Some(a) = &i.actions {
            s.push_str(&format!("; {a}"));
        }
        if let Some(r) = &i.test_result {
            s.push_str(&format!(
                "; field test {}{} {r}",
                i.test_kit.as_deref().unwrap_or(""),
                i.test_indicated
                    .as_deref()
                    .map(|x| format!(" for {x}"))
                    .unwrap_or_default()
            ));
        }
        v.push(s);
    }
    for e in &t.exhibits {
        let x = &e.exhibit;
        v.push(format!(
            "{}{}{}, {} hand-over(s){}",
            x.label(),
            x.seal
                .as_deref()
                .map(|s| format!(", seal {s}"))
                .unwrap_or_default(),
            x.net_g.map(|g| format!(", net {g} g")).unwrap_or_default(),
            e.custody.len(),
            e.custody
                .last()
                .map(|c| format!(", now with {}", c.to_holder))
                .unwrap_or_default()
        ));
    }
    for l in &t.lab_results {
        v.push(format!(
            "{} on {} ({}){}",
            l.result.label(),
            l.substance,
            l.result.method,
            l.result
                .purity
                .map(|p| format!(", purity {p} %"))
                .unwrap_or_default()
        ));
    }
    for d in &t.deliveries {
        v.push(d.label());
    }
    let mut changed = Vec::new();
    for d in &t.documents {
        let state = files::glance(d, None);
        v.push(format!("{}: {}", d.label(), state.describe()));
        if !state.is_intact() {
            changed.push(document_flag(d, &state));
        }
    }
    for f in t.flags.iter().chain(&changed) {
        v.push(format!("! {f}"));
    }
    if v.is_empty() {
        v.push("no inspection, exhibit, lab result or delivery recorded".into());
    }
    v
}

/// The fields of an evidence record for `show`, with what it is about.
pub fn show_fields(
    conn: &rusqlite::Connection,
    kind: ItemKind,
    id: Uuid,
) -> Result<Vec<(&'static str, String)>> {
    fn fields<R: Record>(
        conn: &rusqlite::Connection,
        id: Uuid,
    ) -> Result<Vec<(&'static str, String)>> {
        let r: R = records::must_get(conn, id)?;
        let v = serde_json::to_value(&r)?;
        let mut out = Vec::new();
        for col in records::system_columns(R::KIND) {
            if let Some(s) = v.get(*col).and_then(|x| x.as_str())
                && let Ok(pid) = Uuid::parse_str(s)
                && let Some(k) = refs::kind_of_id(conn, pid)?
            {
                out.push(("About", format!("{k} {}", records::label_of(conn, k, pid)?)));
            }
        }
        out.extend(super::show::record_fields(&r));
        Ok(out)
    }
    let mut v = crate::with_record_type!(kind, R => fields::<R>(conn, id)?);
    match kind {
        ItemKind::Exhibit => {
            let t = sheet::exhibit_trail(conn, records::must_get(conn, id)?)?;
            v.push(("Hand-overs", t.custody.len().to_string()));
            for f in t.flags {
                v.push(("Flag", f));
            }
        }
        ItemKind::Document => {
            let d: Document = records::must_get(conn, id)?;
            v.push(("File now", files::glance(&d, None).describe()));
        }
        _ => {}
    }
    Ok(v)
}
