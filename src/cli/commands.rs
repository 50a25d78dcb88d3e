//! What each command does: parse, call the store, print.

use super::args::{Add, AddParcel, AuditCmd, Cli, Command, Format, ListArgs, ListKind};
use super::output::{JsonArray, print_fields, print_json, print_list, print_table};
use crate::domain::fields::FieldError;
use crate::domain::note::parse_grading;
use crate::domain::record::{get_field, new_record, set_fields};
use crate::domain::{Case, Finding, ItemKind, Link, Note, Parcel, Record, Substance};
use crate::exchange::demo;
use crate::store::audit::{self, Verdict};
use crate::store::records::{self, Updated};
use crate::store::refs::{self, ItemRef};
use crate::store::{OpenOptions, Store, StoreError, create, related, search};
use crate::xref;
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use std::process::ExitCode;
use uuid::Uuid;

struct Ctx {
    format: Format,
}

fn open(cli: &Cli) -> Result<Store> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => super::default_db_path()?,
    };
    let mut opts = OpenOptions::new(super::actor(cli.actor.as_deref()));
    // A file whose owner made it read-only is opened read-only, even by root.
    let marked_read_only = std::fs::metadata(&path).is_ok_and(|m| m.permissions().readonly());
    opts.read_only = cli.read_only || marked_read_only;
    let store = Store::open(&path, opts)?;
    Ok(store)
}

/// A warning about where the notebook lives, if any.
fn location_warning(store: &Store) -> Option<String> {
    crate::store::fsinfo::network_warning(store.path())
}

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx { format: cli.format };
    let Some(command) = &cli.command else {
        let store = open(&cli)?;
        let warning = location_warning(&store);
        crate::tui::run(store, warning)?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Command::Fields { kind } = command {
        return fields(&ctx, kind);
    }
    let mut store = open(&cli)?;
    if let Some(w) = location_warning(&store) {
        eprintln!("warning: {w}");
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match command {
        Command::Init => {
            let n = records::count::<Substance>(store.conn())?;
            writeln!(
                out,
                "notebook ready: {} (database {}, {n} substances)",
                store.path().display(),
                store.db_id()
            )?;
        }
        Command::Add(add) => self::add(&ctx, &mut store, add, &mut out)?,
        Command::Edit { target, set } => edit(&mut store, target, set, &mut out)?,
        Command::Delete { target } => {
            let r = refs::resolve(store.conn(), target)?;
            let n = store.write(|w| records::delete(w, r.kind, r.id))?;
            let extra = if n > 1 {
                format!(" and {} dependent records", n - 1)
            } else {
                String::new()
            };
            writeln!(out, "deleted {} {}{extra}", r.kind, r.label)?;
        }
        Command::List(args) => list(&ctx, &store, args, &mut out)?,
        Command::Show { target } => show(&ctx, &store, target, &mut out)?,
        Command::Search { query, kind, limit } => {
            let kind = kind
                .as_deref()
                .map(str::parse::<ItemKind>)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let hits = search::search(store.conn(), query, kind, *limit)?;
            match ctx.format {
                Format::Json => print_json(&mut out, &hits)?,
                Format::Table => {
                    let rows: Vec<Vec<String>> = hits
                        .iter()
                        .map(|h| vec![h.kind.to_string(), h.label.clone(), h.snippet(40)])
                        .collect();
                    print_table(&mut out, &["kind", "item", "text"], &rows)?;
                    if hits.is_empty() {
                        eprintln!("nothing matches {query:?}");
                    }
                }
            }
        }
        Command::Demo { parcels, seed } => {
            use std::io::IsTerminal;
            let live = io::stderr().is_terminal();
            let mut last = std::time::Instant::now();
            let summary = demo::generate(&mut store, *parcels, *seed, |done, total| {
                if live && (last.elapsed().as_millis() >= 200 || done == total) {
                    eprint!("\rdemo: {done}/{total} parcels");
                    last = std::time::Instant::now();
                    if done == total {
                        eprintln!();
                    }
                }
            })?;
            match ctx.format {
                Format::Json => print_json(&mut out, &summary)?,
                Format::Table => writeln!(
                    out,
                    "demo data in {}: {} cases, {} parcels, {} findings, {} notes, {} links, {} planted clusters",
                    store.path().display(),
                    summary.cases,
                    summary.parcels,
                    summary.findings,
                    summary.notes,
                    summary.links,
                    summary.clusters.len()
                )?,
            }
        }
        Command::Audit(AuditCmd::Verify) => {
            let verdict = audit::verify(store.conn())?;
            // Records are checked against an intact chain only.
            let records = match verdict {
                Verdict::Intact { .. } => Some(crate::store::integrity::check(store.conn())?),
                Verdict::Broken { .. } => None,
            };
            let bad = matches!(verdict, Verdict::Broken { .. })
                || records.as_ref().is_some_and(|r| !r.problems.is_empty());
            match ctx.format {
                Format::Json => {
                    print_json(&mut out, &json!({"chain": verdict, "records": records}))?
                }
                Format::Table => {
                    match &verdict {
                        Verdict::Intact { entries, head } => {
                            writeln!(out, "audit log intact: {entries} entries, head {head}")?
                        }
                        Verdict::Broken { seq, reason } => {
                            eprintln!("audit log broken at entry {seq}: {reason}")
                        }
                    }
                    if let Some(r) = &records {
                        if r.problems.is_empty() {
                            writeln!(out, "records match the audit: {} checked", r.checked)?;
                        }
                        for p in &r.problems {
                            eprintln!(
                                "record changed outside the audit: {}",
                                super::output::cell_line(p)
                            );
                        }
                    }
                }
            }
            if bad {
                out.flush()?;
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Audit(AuditCmd::Log { target, limit }) => {
            audit_log(&ctx, &store, target.as_deref(), *limit, &mut out)?
        }
        Command::Xref { target, depth } => {
            super::xref::xref(ctx.format, &store, target, *depth, &mut out)?
        }
        Command::Path {
            from,
            to,
            max_depth,
        } => {
            if !super::xref::path(ctx.format, &store, from, to, *max_depth, &mut out)? {
                out.flush()?;
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Cluster { target } => super::xref::cluster(ctx.format, &store, target, &mut out)?,
        Command::Clusters { limit } => super::xref::clusters(ctx.format, &store, *limit, &mut out)?,
        Command::Central { case, top } => {
            super::xref::central(ctx.format, &store, case, *top, &mut out)?
        }
        Command::Warnlist(cmd) => super::xref::warn(ctx.format, &mut store, cmd, &mut out)?,
        Command::Matches(cmd) => super::xref::matches(ctx.format, &mut store, cmd, &mut out)?,
        Command::Export {
            graph,
            case,
            out: path,
        } => super::xref::export_graph(&store, *graph, case, path.as_deref(), &mut out)?,
        Command::Fields { .. } => unreachable!("handled before opening the store"),
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", super::output::cell_line(w));
    }
}

/// `field=value` pairs from `--set` arguments.
fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().replace('-', "_"), v.to_string())),
            None => bail!("--set {s:?}: expected FIELD=VALUE"),
        })
        .collect()
}

/// Flag values plus `--set` values, as the domain takes them.
struct Values(Vec<(String, String)>);

impl Values {
    fn new(extra: &[String]) -> Result<Values> {
        Ok(Values(parse_sets(extra)?))
    }
    fn opt(&mut self, field: &str, v: &Option<String>) -> &mut Self {
        if let Some(v) = v {
            self.0.push((field.to_string(), v.clone()));
        }
        self
    }
    fn put(&mut self, field: &str, v: &str) -> &mut Self {
        self.0.push((field.to_string(), v.to_string()));
        self
    }
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
    fn grading(&mut self, grade: &Option<String>) -> Result<&mut Self> {
        if let Some(g) = grade {
            let (s, i, h) = parse_grading(g).map_err(|m| FieldError {
                field: "grade".into(),
                message: m,
            })?;
            self.put("source_grade", &s).put("intel_grade", &i);
            if let Some(h) = h {
                self.put("handling", &h);
            }
        }
        Ok(self)
    }
}

fn add(ctx: &Ctx, store: &mut Store, add: &Add, out: &mut impl Write) -> Result<()> {
    let printed: (String, Vec<String>) = match add {
        Add::Case {
            title,
            status,
            opened,
            lead,
            summary,
            tlp,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("title", title)
                .opt("status", status)
                .opt("opened_on", opened)
                .opt("lead_officer", lead)
                .opt("summary", summary)
                .opt("tlp", tlp);
            let (mut c, mut w) = new_record::<Case>(&v.pairs())?;
            w.extend(store.write(|wr| create::case(wr, &mut c))?);
            (json_or(ctx, &c, c.reference.clone()), w)
        }
        Add::Parcel(p) => add_parcel(ctx, store, p)?,
        Add::Substance {
            name,
            synonyms,
            group,
            cas,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("name", name)
                .opt("synonyms", synonyms)
                .opt("group", group)
                .opt("cas", cas);
            let (mut s, mut w) = new_record::<Substance>(&v.pairs())?;
            w.extend(store.write(|wr| create::substance(wr, &mut s))?);
            (json_or(ctx, &s, s.name.clone()), w)
        }
        Add::Finding {
            parcel,
            substance,
            form,
            quantity,
            unit,
            lab,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.opt("form", form)
                .opt("quantity", quantity)
                .opt("unit", unit);
            if *lab {
                v.put("identification", "lab-confirmed");
            }
            let (mut f, mut w) = new_record::<Finding>(&v.pairs())?;
            w.extend(store.write(|wr| {
                f.parcel_id = refs::resolve_kind(&wr.tx, parcel, ItemKind::Parcel)?.id;
                f.substance_id = refs::resolve_kind(&wr.tx, substance, ItemKind::Substance)?.id;
                create::finding(wr, &mut f)
            })?);
            (json_or(ctx, &f, f.meta.id.to_string()), w)
        }
        Add::Note {
            on,
            text,
            lead,
            grade,
            source,
            date,
            tlp,
            extra,
        } => {
            let mut v = Values::new(&extra.set)?;
            v.put("text", text)
                .opt("source", source)
                .opt("noted_on", date)
                .opt("tlp", tlp);
            v.grading(grade)?;
            if *lead {
                v.put("note_type", "lead");
            }
            let (mut n, mut w) = new_record::<Note>(&v.pairs())?;
            w.extend(store.write(|wr| {
                n.item_id = refs::resolve(&wr.tx, on)?.id;
                create::note(wr, &mut n)
            })?);
            (json_or(ctx, &n, n.meta.id.to_string()), w)
        }
        Add::Link {
            from,
            to,
            link_type,
            note,
            grade,
        } => {
            let mut v = Values::new(&[])?;
            v.put("link_type", link_type).opt("note", note);
            v.grading(grade)?;
            let (mut l, mut w) = new_record::<Link>(&v.pairs())?;
            w.extend(store.write(|wr| {
                l.from_id = refs::resolve(&wr.tx, from)?.id;
                l.to_id = refs::resolve(&wr.tx, to)?.id;
                create::link(wr, &mut l)
            })?);
            (json_or(ctx, &l, l.meta.id.to_string()), w)
        }
    };
    warn(&printed.1);
    writeln!(out, "{}", printed.0)?;
    Ok(())
}

/// The JSON of a new record, or its reference for a person.
fn json_or<R: Record>(ctx: &Ctx, rec: &R, reference: String) -> String {
    match ctx.format {
        Format::Json => serde_json::to_string_pretty(rec).unwrap_or(reference),
        Format::Table => reference,
    }
}

fn add_parcel(ctx: &Ctx, store: &mut Store, a: &AddParcel) -> Result<(String, Vec<String>)> {
    let mut v = Values::new(&a.extra.set)?;
    v.put("tracking", &a.tracking)
        .opt("carrier", &a.carrier)
        .opt("service", &a.service)
        .opt("origin", &a.origin)
        .opt("transit", &a.transit)
        .opt("destination", &a.destination)
        .opt("sender_name", &a.sender_name)
        .opt("sender_address", &a.sender_address)
        .opt("sender_phone", &a.sender_phone)
        .opt("sender_email", &a.sender_email)
        .opt("recipient_name", &a.recipient_name)
        .opt("recipient_address", &a.recipient_address)
        .opt("recipient_phone", &a.recipient_phone)
        .opt("recipient_email", &a.recipient_email)
        .opt("declared_contents", &a.declared)
        .opt("declared_value", &a.value)
        .opt("declared_currency", &a.currency)
        .opt("hs_code", &a.hs_code)
        .opt("weight_g", &a.weight)
        .opt("concealment", &a.concealment)
        .opt("found_contents", &a.found)
        .opt("status", &a.status)
        .opt("seized_place", &a.seized_place)
        .opt("seized_on", &a.seized_on);
    let (mut p, mut w) = new_record::<Parcel>(&v.pairs())?;
    w.extend(store.write(|wr| {
        let case = a
            .case
            .as_deref()
            .map(|c| refs::resolve_kind(&wr.tx, c, ItemKind::Case))
            .transpose()?;
        let warnings = create::parcel(wr, &mut p)?;
        if let Some(case) = case {
            create::include_in_case(wr, case.id, p.meta.id)?;
        }
        Ok(warnings)
    })?);
    Ok((json_or(ctx, &p, p.tracking.clone()), w))
}

fn edit(store: &mut Store, target: &str, sets: &[String], out: &mut impl Write) -> Result<()> {
    let r = refs::resolve(store.conn(), target)?;
    let pairs = parse_sets(sets)?;
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fn apply<R: Record>(
        store: &mut Store,
        id: Uuid,
        pairs: &[(&str, &str)],
    ) -> Result<(Updated, Vec<String>)> {
        Ok(store.write(|w| {
            let mut rec: R = records::must_get(&w.tx, id)?;
            let mut warnings = set_fields(&mut rec, pairs)?;
            let (u, more) = records::update(w, &mut rec)?;
            warnings.extend(more);
            Ok((u, warnings))
        })?)
    }
    let (updated, warnings) = match r.kind {
        ItemKind::Case => apply::<Case>(store, r.id, &pairs)?,
        ItemKind::Parcel => apply::<Parcel>(store, r.id, &pairs)?,
        ItemKind::Substance => apply::<Substance>(store, r.id, &pairs)?,
        ItemKind::Finding => apply::<Finding>(store, r.id, &pairs)?,
        ItemKind::Link => apply::<Link>(store, r.id, &pairs)?,
        ItemKind::Note => apply::<Note>(store, r.id, &pairs)?,
    };
    warn(&warnings);
    let label = records::label_of(store.conn(), r.kind, r.id)?;
    match updated {
        Updated::Changed => writeln!(out, "updated {} {label}", r.kind)?,
        Updated::Unchanged => writeln!(out, "unchanged {} {label}", r.kind)?,
    }
    Ok(())
}

fn fields(ctx: &Ctx, kind: &str) -> Result<ExitCode> {
    let kind: ItemKind = kind.parse().map_err(anyhow::Error::msg)?;
    let specs = crate::domain::fields_of(kind);
    let mut out = io::stdout().lock();
    match ctx.format {
        Format::Json => {
            let v: Vec<Value> = specs
                .iter()
                .map(|f| json!({"name": f.name, "label": f.label, "required": f.required, "default": f.default, "accepts": f.hint()}))
                .collect();
            print_json(&mut out, &v)?;
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = specs
                .iter()
                .map(|f| {
                    vec![
                        f.name.to_string(),
                        f.label.to_string(),
                        if f.required {
                            "yes".into()
                        } else {
                            String::new()
                        },
                        f.default.unwrap_or("").to_string(),
                        f.hint(),
                    ]
                })
                .collect();
            print_table(
                &mut out,
                &["field", "label", "required", "default", "accepts"],
                &rows,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

const TABLE_LIMIT: usize = 50;

fn list(ctx: &Ctx, store: &Store, a: &ListArgs, out: &mut impl Write) -> Result<()> {
    let conn = store.conn();
    let limit = a.limit.unwrap_or(match ctx.format {
        Format::Json => usize::MAX,
        Format::Table => TABLE_LIMIT,
    });
    let case = a
        .case
        .as_deref()
        .map(|c| refs::resolve_kind(conn, c, ItemKind::Case))
        .transpose()?;
    let case_id = case.as_ref().map(|c| c.id);
    let (cond, total_cond): (String, String) = match (a.what, case_id) {
        (_, None) => ("1".into(), "1".into()),
        (ListKind::Parcels, Some(_)) => {
            let c = "id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')"
                .to_string();
            (c.clone(), c)
        }
        (ListKind::Links, Some(_)) => (
            "from_id = ?1 OR to_id = ?1".into(),
            "from_id = ?1 OR to_id = ?1".into(),
        ),
        (ListKind::Notes, Some(_)) => {
            let c = "item_id = ?1 OR item_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')".to_string();
            (c.clone(), c)
        }
        (ListKind::Findings, Some(_)) => {
            let c = "parcel_id IN (SELECT to_id FROM links WHERE from_id = ?1 AND link_type = 'includes')".to_string();
            (c.clone(), c)
        }
        (ListKind::Cases | ListKind::Substances, Some(_)) => {
            bail!("--case applies to parcels, findings, notes and links")
        }
    };
    let q = Query {
        cond: &cond,
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
                records::each::<R, _>(
                    store.conn(),
                    q.cond,
                    rusqlite::params_from_iter(&q.params),
                    q.limit,
                    q.offset,
                    |r| {
                        n += 1;
                        arr.push(&r).map_err(|e| StoreError::Corrupt(e.to_string()))
                    },
                )?;
                arr.finish()?;
            }
            Format::Table => {
                let mut rows = Vec::new();
                let mut err = None;
                records::each::<R, _>(
                    store.conn(),
                    q.cond,
                    rusqlite::params_from_iter(&q.params),
                    q.limit,
                    q.offset,
                    |r| {
                        match row(store, &r) {
                            Ok(cells) => rows.push(cells),
                            Err(e) => err = Some(e),
                        }
                        Ok(())
                    },
                )?;
                if let Some(e) = err {
                    return Err(e);
                }
                n = rows.len();
                print_table(out, headers, &rows)?;
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
                    let n: i64 = s.conn().query_row(
                    "SELECT count(*) FROM links WHERE from_id = ?1 AND link_type = 'includes' AND to_kind = 'parcel'",
                    [c.meta.id],
                    |r| r.get(0),
                )?;
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
    };
    if ctx.format == Format::Table {
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE {total_cond}"),
            rusqlite::params_from_iter(case_id),
            |r| r.get(0),
        )?;
        if (shown as i64) < total {
            eprintln!(
                "{shown} of {total} {table} shown (from {}); use --limit and --offset for more",
                a.offset + 1
            );
        }
    }
    Ok(())
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

fn record_fields<R: Record>(rec: &R) -> Vec<(&'static str, String)> {
    R::FIELDS
        .iter()
        .map(|f| (f.label, get_field(rec, f.name)))
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

fn show(ctx: &Ctx, store: &Store, target: &str, out: &mut impl Write) -> Result<()> {
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
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM links WHERE from_id = ?1 AND link_type = 'includes' AND to_kind = 'parcel'",
                [r.id],
                |row| row.get(0),
            )?;
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

    let shared = xref::shared_identifiers(conn, r.id)?;
    let mut shared_lines = Vec::new();
    for s in &shared {
        shared_lines.push(s.reason());
        for o in s.items.iter().take(10) {
            shared_lines.push(format!(
                "    {} {} ({})",
                o.kind,
                label(o.kind, o.id)?,
                o.role.replace('_', " ")
            ));
        }
    }
    doc.insert("shared".into(), serde_json::to_value(&shared)?);
    sections.push(("Shares identifiers".into(), shared_lines));

    match ctx.format {
        Format::Json => print_json(out, &Value::Object(doc))?,
        Format::Table => {
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

fn audit_log(
    ctx: &Ctx,
    store: &Store,
    target: Option<&str>,
    limit: usize,
    out: &mut impl Write,
) -> Result<()> {
    let conn = store.conn();
    let entries = match target {
        Some(t) => {
            let r = refs::resolve(conn, t)?;
            audit::history(conn, r.id)?
        }
        None => audit::recent(conn, limit)?,
    };
    print_list(
        out,
        ctx.format,
        &entries,
        &["seq", "at", "by", "action", "kind", "changes"],
        |e| {
            vec![
                e.seq.to_string(),
                e.at.clone(),
                e.actor.clone(),
                e.action.clone(),
                e.item_kind.clone(),
                e.changes(),
            ]
        },
    )?;
    Ok(())
}
