//! `interdict list`: one kind of item, as a table, streamed JSON or
//! streamed CSV (the table's columns, then every other field of the record
//! by its field name, then its id).

use super::commands::Ctx;

use super::args::{Format, ListArgs, ListKind};
use super::output::{JsonArray, csv_row, csv_writer, print_table};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::store::records::{self};
use crate::store::refs::{self};
use crate::store::{Store, StoreError, related};
use anyhow::{Result, bail};
use std::io::Write;
use uuid::Uuid;

const TABLE_LIMIT: usize = 50;

pub(super) fn list(ctx: &Ctx, store: &Store, a: &ListArgs, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    // One snapshot for the rows and their count (read apart, a
    // colleague's write between them showed 6 of 7 rows, "use --limit
    // and --offset for more").
    let _snapshot = conn.unchecked_transaction()?;
    let limit = a.limit.unwrap_or(match ctx.format {
        Format::Json | Format::Csv => usize::MAX,
        Format::Table => TABLE_LIMIT,
    });
    let case = a
        .case
        .as_deref()
        .map(|c| refs::resolve_kind(conn, c, ItemKind::Case))
        .transpose()?;
    let case_id = case.as_ref().map(|c| c.id);
    let kind = match a.what {
        ListKind::Cases => ItemKind::Case,
        ListKind::Parcels => ItemKind::Parcel,
        ListKind::Substances => ItemKind::Substance,
        ListKind::Findings => ItemKind::Finding,
        ListKind::Links => ItemKind::Link,
        ListKind::Notes => ItemKind::Note,
        ListKind::People => ItemKind::Person,
        ListKind::Organisations => ItemKind::Organisation,
    };
    let cond: &str = match case_id {
        None => "1",
        Some(_) => match related::in_case_condition(kind) {
            Some(c) => c,
            None => bail!("--case applies to parcels, findings, notes and links"),
        },
    };
    let q = Query {
        cond,
        params: case_id.into_iter().collect(),
        limit,
        offset: a.offset,
    };

    /// Which records a listing shows.
    struct Query<'a> {
        cond: &'a str,
        params: Vec<Uuid>,
        limit: usize,
        offset: usize,
    }

    impl Query<'_> {
        /// Calls `f` with each record shown, in order; the first error `f`
        /// returns stops the listing and is returned.
        fn each<R: Record>(&self, store: &Store, mut f: impl FnMut(R) -> Result<()>) -> Result<()> {
            let mut err = None;
            let walked = records::each::<R, _>(
                store.conn(),
                self.cond,
                rusqlite::params_from_iter(&self.params),
                self.limit,
                self.offset,
                |r| match f(r) {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        err = Some(e);
                        Err(StoreError::Corrupt("listing stopped".into()))
                    }
                },
            );
            match (err, walked) {
                (Some(e), _) => Err(e),
                (None, w) => Ok(w?),
            }
        }
    }

    fn emit<R: Record, W: Write>(
        ctx: &Ctx,
        store: &Store,
        q: &Query<'_>,
        out: &mut W,
        headers: &[&str],
        row: impl Fn(&Store, &R) -> Result<Vec<String>>,
    ) -> Result<usize> {
        let mut n = 0;
        match ctx.format {
            Format::Json => {
                let mut arr = JsonArray::start(out)?;
                q.each(store, |r: R| {
                    n += 1;
                    arr.push(&json_of(store, &r)?)
                })?;
                arr.finish()?;
            }
            Format::Table => {
                let mut rows = Vec::new();
                q.each(store, |r: R| {
                    rows.push(row(store, &r)?);
                    Ok(())
                })?;
                n = rows.len();
                print_table(out, headers, &rows)?;
            }
            Format::Csv => {
                // The fields the table leaves out follow its columns.
                let extra: Vec<&str> = R::FIELDS
                    .iter()
                    .map(|f| f.name)
                    .chain(["id"])
                    .filter(|name| !headers.contains(name))
                    .collect();
                let mut all = headers.to_vec();
                all.extend(&extra);
                let mut w = csv_writer(&mut *out, &all)?;
                q.each(store, |r: R| {
                    let mut cells = row(store, &r)?;
                    let json = serde_json::to_value(&r)?;
                    cells.extend(extra.iter().map(|name| field_text(&json, name)));
                    csv_row(&mut w, &cells)?;
                    n += 1;
                    Ok(())
                })?;
                w.flush()?;
            }
        }
        Ok(n)
    }

    let (shown, table) = match a.what {
        ListKind::Cases => (
            emit::<Case, _>(
                ctx,
                store,
                &q,
                out,
                &["ref", "status", "opened", "tlp", "parcels", "title"],
                |s, c| {
                    let n = related::parcel_count_in_case(s.conn(), c.meta.id)?;
                    Ok(vec![
                        c.reference.clone(),
                        c.status.clone(),
                        c.opened_on.clone().unwrap_or_default(),
                        c.tlp.clone(),
                        n.to_string(),
                        c.title.clone(),
                    ])
                },
            )?,
            "cases",
        ),
        ListKind::Parcels => (
            emit::<Parcel, _>(
                ctx,
                store,
                &q,
                out,
                &[
                    "tracking",
                    "status",
                    "route",
                    "sender",
                    "recipient",
                    "declared",
                ],
                |_, p| {
                    Ok(vec![
                        p.tracking.clone(),
                        p.status.clone(),
                        route(p),
                        p.sender_name.clone().unwrap_or_default(),
                        p.recipient_name.clone().unwrap_or_default(),
                        p.declared_contents.clone().unwrap_or_default(),
                    ])
                },
            )?,
            "parcels",
        ),
        ListKind::Substances => (
            emit::<Substance, _>(
                ctx,
                store,
                &q,
                out,
                &["name", "group", "subclass", "cas", "control"],
                |_, s| {
                    Ok(vec![
                        s.name.clone(),
                        s.group.clone(),
                        s.subclass.clone().unwrap_or_default(),
                        s.cas.clone().unwrap_or_default(),
                        s.control_summary(),
                    ])
                },
            )?,
            "substances",
        ),
        ListKind::Findings => (
            emit::<Finding, _>(
                ctx,
                store,
                &q,
                out,
                &["parcel", "substance", "finding", "id"],
                |s, f| {
                    Ok(vec![
                        records::label_of(s.conn(), ItemKind::Parcel, f.parcel_id)?,
                        records::label_of(s.conn(), ItemKind::Substance, f.substance_id)?,
                        f.label(),
                        f.meta.id.to_string(),
                    ])
                },
            )?,
            "findings",
        ),
        ListKind::Links => (
            emit::<Link, _>(
                ctx,
                store,
                &q,
                out,
                &["from", "type", "to", "by", "id"],
                |s, l| {
                    Ok(vec![
                        format!(
                            "{} {}",
                            l.from_kind,
                            records::label_of(s.conn(), l.from_kind, l.from_id)?
                        ),
                        l.link_type.clone(),
                        format!(
                            "{} {}",
                            l.to_kind,
                            records::label_of(s.conn(), l.to_kind, l.to_id)?
                        ),
                        l.meta.created_by.clone(),
                        l.meta.id.to_string(),
                    ])
                },
            )?,
            "links",
        ),
        ListKind::Notes => (
            emit::<Note, _>(
                ctx,
                store,
                &q,
                out,
                &["date", "type", "grade", "on", "text", "id"],
                |s, n| {
                    Ok(vec![
                        n.noted_on.clone(),
                        n.note_type.clone(),
                        n.grading().unwrap_or_default(),
                        records::label_of(s.conn(), n.item_kind, n.item_id)?,
                        n.text.clone(),
                        n.meta.id.to_string(),
                    ])
                },
            )?,
            "notes",
        ),
        ListKind::People => (
            emit::<crate::domain::Person, _>(
                ctx,
                store,
                &q,
                out,
                &["name", "aliases", "born", "nationality", "phones", "role"],
                |_, p| {
                    Ok(vec![
                        p.name.clone(),
                        p.aliases.clone().unwrap_or_default(),
                        p.born_on.clone().unwrap_or_default(),
                        p.nationality.clone().unwrap_or_default(),
                        p.phones.clone().unwrap_or_default(),
                        p.role_notes.clone().unwrap_or_default(),
                    ])
                },
            )?,
            "people",
        ),
        ListKind::Organisations => (
            emit::<crate::domain::Organisation, _>(
                ctx,
                store,
                &q,
                out,
                &["name", "type", "country", "contacts"],
                |_, o| {
                    Ok(vec![
                        o.name.clone(),
                        o.org_type.clone(),
                        o.country.clone().unwrap_or_default(),
                        o.contacts.clone().unwrap_or_default(),
                    ])
                },
            )?,
            "organisations",
        ),
    };
    if ctx.format == Format::Table {
        let total = records::count_where(conn, kind, cond, rusqlite::params_from_iter(case_id))?;
        if (shown as i64) < total {
            eprintln!(
                "{shown} of {total} {table} shown (from {}); use --limit and --offset for more",
                a.offset + 1
            );
        }
    }
    Ok(())
}

/// A field of a record as CSV text: strings as they are, numbers as
/// written, absent values empty.
/// A record as `--format json` lists it: as stored, and a case with the
/// count of its parcels that the table shows (a script reading the JSON
/// had to ask for each case's parcels).
fn json_of<R: Record>(store: &Store, r: &R) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(r)?;
    if R::KIND == ItemKind::Case
        && let Some(m) = v.as_object_mut()
    {
        let n = related::parcel_count_in_case(store.conn(), r.meta().id)?;
        m.insert("parcels".into(), n.into());
    }
    Ok(v)
}

fn field_text(json: &serde_json::Value, name: &str) -> String {
    match json.get(name) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

fn route(p: &Parcel) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.push(p.origin.as_deref().unwrap_or("?"));
    if let Some(t) = &p.transit {
        parts.extend(t.split(','));
    }
    parts.push(p.destination.as_deref().unwrap_or("?"));
    parts.join(">")
}
